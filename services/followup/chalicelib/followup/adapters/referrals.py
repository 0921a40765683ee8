"""Referrals (双向转诊) on DynamoDB (a codec of ``dynamodb.FollowupItem``), and the consortium read model.

Keys: ``<t>#referral#<id>`` / ``referral`` — the sender's record under its tenant (box ``out``) and the
receiver's copy under the receiver's (box ``in``): one id, two items, each under its own hospital. The
boards: ``gsi1pk = <t>#referrals#<out|in>#<state>``, ``gsi1sk = <sla_due_at>#<id>`` — one Query a page,
the earliest due (the overdue) first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.followup.adapters.dynamodb import Codec, Keys, writes
from chalicelib.followup.domain.ports import ConsortiumLink, Page
from chalicelib.followup.domain.referrals import (
    CONSORTIUM_COUNTERS,
    REFERRAL_STATES,
    Box,
    Referral,
    ReferralSettings,
    ReferralState,
)
from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DoesNotExist

from shared import consortia
from shared import directory as shared_directory
from shared.errors import DomainError
from shared.persistence.models import TenantItem, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def partition(tenant: str, referral_id: str) -> str:
    return tenant_key(tenant, "referral", referral_id)


def board_partition(tenant: str, box: str, state: str) -> str:
    return tenant_key(tenant, "referrals", box, state)


def _keys(tenant: str) -> Callable[[Referral], Keys]:
    def keys(r: Referral) -> Keys:
        return Keys(
            partition(tenant, r.id),
            "referral",
            {1: (board_partition(tenant, r.box, r.state), f"{_at(r.sla_due_at)}#{r.id}")},
            state=r.state,
        )

    return keys


def codec(tenant: str) -> Codec[Referral]:
    return Codec(tenant, _keys(tenant), Referral, "referral")


@dataclass
class DynamoReferrals:
    tenant: str
    uow: UnitOfWork | None

    def get(self, referral_id: str) -> Referral | None:
        return codec(self.tenant).get(partition(self.tenant, referral_id), "referral")

    def add(self, referral: Referral, taken: DomainError) -> None:
        codec(self.tenant).add(self.uow, referral, taken)

    def save(self, referral: Referral, stale: DomainError) -> None:
        codec(self.tenant).replace(self.uow, referral, stale)

    def box(self, box: Box, state: ReferralState, limit: int, cursor: str | None) -> Page:
        return codec(self.tenant).index_page(1, board_partition(self.tenant, box, state), limit, cursor)

    def _settings(self) -> Codec[ReferralSettings]:
        pk = tenant_key(self.tenant, "referral-settings")
        return Codec(self.tenant, lambda _: Keys(pk, "settings", {}), ReferralSettings, "referral_settings")

    def settings(self) -> ReferralSettings | None:
        return self._settings().get(tenant_key(self.tenant, "referral-settings"), "settings")

    def put_settings(self, settings: ReferralSettings, stale: DomainError) -> None:
        if settings.revision == 0:
            self._settings().add(self.uow, settings, stale)
        else:
            self._settings().replace(self.uow, settings, stale)


def _link(m: consortia.Membership) -> ConsortiumLink:
    return ConsortiumLink(m.consortium_id, m.name, m.lead_hospital_id, m.role)


class ConsortiaReadModel:
    """``Consortia`` on ``shared.consortia`` (written by messaging alone) and ``shared.directory``."""

    def shared(self, hospital_a: str, hospital_b: str, consortium_id: str) -> ConsortiumLink | None:
        found = consortia.shared_consortium(hospital_a, hospital_b, consortium_id)
        return _link(found) if found is not None else None

    def memberships(self, hospital: str) -> list[ConsortiumLink]:
        return [_link(m) for m in consortia.memberships(hospital)]

    def members(self, lead: str, consortium_id: str) -> dict[str, str]:
        return consortia.active_hospital_names(lead, consortium_id)

    def hospital_name(self, hospital: str) -> str:
        item = shared_directory.hospital(hospital)
        return str(item.name) if item is not None and item.name else ""

    def referral_desk(self, hospital: str) -> list[str]:
        return [sid for sid, _ in self._desk(hospital)]

    def desk_on_duty(self, hospital: str, at: datetime) -> list[str]:
        from shared.onduty import on_duty

        desk = self._desk(hospital)
        on: set[str] = set()
        rostered = False
        for department in sorted({d for _, d in desk}):
            duty = on_duty(hospital, department, at)  # one Query per desk department
            rostered = rostered or duty.known
            on |= set(duty.staff_ids)
        found = [sid for sid, _ in desk if sid in on]
        return found if rostered and found else [sid for sid, _ in desk]

    def _desk(self, hospital: str) -> list[tuple[str, str]]:
        """(staff id, department) of the active referral desk, else of the hospital admins (one Query)."""
        staff = shared_directory.StaffItem.query(
            shared_directory.StaffItem.partition(hospital),
            filter_condition=(
                shared_directory.StaffItem.roles.contains("referral_desk")
                | shared_directory.StaffItem.roles.contains("hospital_admin")
            )
            & (shared_directory.StaffItem.status == "active"),
        )
        found = [(str(s.sk), set(s.roles), str(s.department_id)) for s in staff]
        desk = sorted((sid, dept) for sid, roles, dept in found if "referral_desk" in roles)
        return desk or sorted((sid, dept) for sid, _, dept in found)


class ReferralCountsItem(TenantItem):
    """Counters: a hospital's boxes (``<t>#referral-counts`` / ``boxes``) or a consortium's month under
    its lead (``<lead>#referral-counts#<cid>`` / ``<YYYY-MM>``); ``counts`` a map of atomic ADDs."""

    ENTITY = "referral_counts"
    Meta = table_meta("followup")
    up = NumberAttribute(null=True)
    down = NumberAttribute(null=True)
    accepted = NumberAttribute(null=True)
    rejected = NumberAttribute(null=True)
    arrived = NumberAttribute(null=True)
    no_show = NumberAttribute(null=True)
    completed = NumberAttribute(null=True)
    cancelled = NumberAttribute(null=True)
    sla_breaches = NumberAttribute(null=True)
    out_requested = NumberAttribute(null=True)
    out_accepted = NumberAttribute(null=True)
    out_rejected = NumberAttribute(null=True)
    out_arrived = NumberAttribute(null=True)
    out_no_show = NumberAttribute(null=True)
    out_completed = NumberAttribute(null=True)
    out_cancelled = NumberAttribute(null=True)
    in_requested = NumberAttribute(null=True)
    in_accepted = NumberAttribute(null=True)
    in_rejected = NumberAttribute(null=True)
    in_arrived = NumberAttribute(null=True)
    in_no_show = NumberAttribute(null=True)
    in_completed = NumberAttribute(null=True)
    in_cancelled = NumberAttribute(null=True)


BOX_COUNTERS = tuple(f"{box}_{state}" for box in ("out", "in") for state in REFERRAL_STATES)


@dataclass
class DynamoReferralCounts:
    tenant: str
    uow: UnitOfWork | None

    def _add(self, pk: str, sk: str, moves: Mapping[str, int]) -> None:
        actions = [getattr(ReferralCountsItem, name).add(n) for name, n in moves.items() if n]
        if not actions:
            return
        actions += [
            ReferralCountsItem.entity.set(ReferralCountsItem.ENTITY),
            ReferralCountsItem.tenant.set(self.tenant),
        ]
        writes(self.uow).update(ReferralCountsItem(pk, sk), actions)

    def move(self, box: Box, before: ReferralState | None, after: ReferralState) -> None:
        moves = {f"{box}_{after}": 1}
        if before is not None:
            moves[f"{box}_{before}"] = -1
        self._add(tenant_key(self.tenant, "referral-counts"), "boxes", moves)

    def add_consortium(self, consortium_id: str, month: str, moves: Mapping[str, int]) -> None:
        wanted = {k: n for k, n in moves.items() if k in CONSORTIUM_COUNTERS}
        self._add(tenant_key(self.tenant, "referral-counts", consortium_id), month, wanted)

    def _get(self, pk: str, sk: str, names: tuple[str, ...]) -> dict[str, int]:
        try:
            item = ReferralCountsItem.get(pk, sk)
        except DoesNotExist:
            return dict.fromkeys(names, 0)
        if item.tenant != self.tenant:
            return dict.fromkeys(names, 0)
        return {name: int(getattr(item, name) or 0) for name in names}

    def summary(self) -> dict[str, int]:
        return self._get(tenant_key(self.tenant, "referral-counts"), "boxes", BOX_COUNTERS)

    def consortium(self, consortium_id: str, month: str) -> dict[str, int]:
        return self._get(
            tenant_key(self.tenant, "referral-counts", consortium_id), month, CONSORTIUM_COUNTERS
        )
