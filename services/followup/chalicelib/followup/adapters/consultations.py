"""Consultations (会诊) on DynamoDB (codecs of ``dynamodb.FollowupItem``), and the consortium and on-duty
read models they consult.

Keys (every one starts with the tenant whose copy it is):

- the copy: ``<t>#consultation#<id>`` / ``record`` (``state`` and ``revision`` as attributes); on the
  requesting department's out-box ``gsi1pk = <t>#consultations#out#<department_id>#<board>``,
  ``gsi1sk = <due_at>#<id>`` (the requesting copy only);
- one in-box row per target department, beside it: ``… / in#<department_id>``, ``gsi1pk =
  <t>#consultations#in#<department_id>#<board>`` (the receiving copy only; a local consultation's one copy
  has both), the record as JSON too, so a board page is one Query; rewritten with the record;
- the SLA settings ``<t>#settings`` / ``consultation-sla``;
- the counters ``<t>#consultation-stats#<month>`` / ``<department_id>`` (atomic ADDs): a month's on-time
  rates are one Query.

``<board>`` is ``open`` (requested or accepted), ``answered`` or ``cancelled``; ordered by the due time, so
the overdue come first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.followup.adapters.dynamodb import Codec, FollowupItem, Keys, writes
from chalicelib.followup.domain.consultations import (
    COUNTERS,
    Board,
    Box,
    Consultation,
    Counts,
    SlaSettings,
    board_of,
)
from chalicelib.followup.domain.ports import Page, SharedConsortium
from pynamodb.attributes import NumberAttribute

from shared.errors import DomainError
from shared.persistence.models import TenantItem, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _pk(tenant: str, consultation_id: str) -> str:
    return tenant_key(tenant, "consultation", consultation_id)


def _box_key(tenant: str, box: Box, department_id: str, board: Board) -> str:
    return tenant_key(tenant, "consultations", box, department_id, board)


def _receives(c: Consultation) -> bool:
    return c.side == "to" or not c.remote


def _record_codec(tenant: str) -> Codec[Consultation]:
    def keys(c: Consultation) -> Keys:
        indexes = {}
        if c.side == "from":
            indexes[1] = (_box_key(tenant, "out", c.from_department_id, board_of(c.state)), _sort(c))
        return Keys(_pk(tenant, c.id), "record", indexes, state=c.state)

    return Codec(tenant, keys, Consultation, "consultation")


def _in_codec(tenant: str, department_id: str) -> Codec[Consultation]:
    def keys(c: Consultation) -> Keys:
        index = (_box_key(tenant, "in", department_id, board_of(c.state)), _sort(c))
        return Keys(_pk(tenant, c.id), f"in#{department_id}", {1: index}, state=c.state)

    return Codec(tenant, keys, Consultation, "consultation_in")


def _sort(c: Consultation) -> str:
    return f"{_at(c.due_at)}#{c.id}"


def _settings_codec(tenant: str) -> Codec[SlaSettings]:
    def keys(_: SlaSettings) -> Keys:
        return Keys(tenant_key(tenant, "settings"), "consultation-sla", {})

    return Codec(tenant, keys, SlaSettings, "consultation_sla")


class ConsultationStatsItem(TenantItem):
    ENTITY = "consultation_stats"
    Meta = table_meta("followup")
    requested = NumberAttribute(null=True)
    answered = NumberAttribute(null=True)
    on_time = NumberAttribute(null=True)
    overdue = NumberAttribute(null=True)


@dataclass
class DynamoConsultations:
    tenant: str
    uow: UnitOfWork | None

    def get(self, consultation_id: str) -> Consultation | None:
        return _record_codec(self.tenant).get(_pk(self.tenant, consultation_id), "record")

    def _rows(self, c: Consultation) -> None:
        if _receives(c):
            for department_id in c.department_ids:
                writes(self.uow).save(_in_codec(self.tenant, department_id).item(c, 0))

    def add(self, consultation: Consultation, taken: DomainError) -> None:
        _record_codec(self.tenant).add(self.uow, consultation, taken)
        self._rows(consultation)

    def save(self, consultation: Consultation, stale: DomainError) -> None:
        _record_codec(self.tenant).replace(self.uow, consultation, stale)
        self._rows(consultation.model_copy(update={"revision": consultation.revision + 1}))

    def box(self, box: Box, department_id: str, board: Board, limit: int, cursor: str | None) -> Page:
        codec = _record_codec(self.tenant) if box == "out" else _in_codec(self.tenant, department_id)
        return codec.index_page(1, _box_key(self.tenant, box, department_id, board), limit, cursor)

    def settings(self) -> SlaSettings | None:
        return _settings_codec(self.tenant).get(tenant_key(self.tenant, "settings"), "consultation-sla")

    def put_settings(self, settings: SlaSettings, stale: DomainError) -> None:
        condition = FollowupItem.revision == settings.revision
        if settings.revision == 0:
            condition = condition | FollowupItem.pk.does_not_exist()
        item = _settings_codec(self.tenant).item(settings, settings.revision + 1)
        writes(self.uow).save(item, condition=condition, on_conflict=stale)

    def count(self, department_id: str, month: str, moves: Mapping[str, int]) -> None:
        actions = [
            getattr(ConsultationStatsItem, name).add(n) for name, n in moves.items() if name in COUNTERS and n
        ]
        if not actions:
            return
        actions += [
            ConsultationStatsItem.entity.set(ConsultationStatsItem.ENTITY),
            ConsultationStatsItem.tenant.set(self.tenant),
        ]
        pk = tenant_key(self.tenant, "consultation-stats", month)
        writes(self.uow).update(ConsultationStatsItem(pk, department_id), actions)

    def stats(self, month: str) -> dict[str, Counts]:
        pk = tenant_key(self.tenant, "consultation-stats", month)
        return {
            str(item.sk): Counts(**{name: int(getattr(item, name) or 0) for name in COUNTERS})
            for item in ConsultationStatsItem.query(pk, limit=500)
            if item.tenant == self.tenant
        }


class ConsultationPeersReadModel:
    """``ConsultationPeers`` on ``shared.consortia`` and ``shared.onduty``."""

    def shared(self, hospital_a: str, hospital_b: str, consortium_id: str) -> SharedConsortium | None:
        from shared import consortia

        membership = consortia.shared_consortium(hospital_a, hospital_b, consortium_id)
        if membership is None:
            return None
        names = consortia.active_hospital_names(membership.lead_hospital_id, consortium_id)
        return SharedConsortium(consortium_id, membership.name, names)

    def on_duty(self, tenant: str, unit_id: str, at: datetime) -> list[str]:
        from shared.onduty import on_duty

        return list(on_duty(tenant, unit_id, at).staff_ids)
