"""SLA timers on DynamoDB (a codec of ``dynamodb.FollowupItem``).

Keys: ``<t>#timers#<kind>#<subject_id>`` / ``<step>`` (a subject's timers are one Query), and on the
system-wide sparse index ``gsi1pk = followup#sla-timers``, ``gsi1sk = <due_at>#<tenant>#<key>`` — the
sweep's one Query for every hospital's due timers, never a scan (as the revisit claims' index).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.followup.adapters.dynamodb import INDEXES, Codec, FollowupItem, Keys, writes
from chalicelib.followup.domain.timers import SlaTimer

from shared.errors import DomainError
from shared.persistence.models import tenant_key
from shared.persistence.uow import UnitOfWork

DUE_INDEX = "followup#sla-timers"  # a system partition of gsi1; every item it returns names its tenant


def _at(moment: datetime) -> str:
    """A time as a sort key that orders as the time does (UTC, always with microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _partition(tenant: str, kind: str, subject_id: str) -> str:
    return tenant_key(tenant, "timers", kind, subject_id)


def _keys(tenant: str) -> Callable[[SlaTimer], Keys]:
    def keys(t: SlaTimer) -> Keys:
        return Keys(
            _partition(tenant, t.kind, t.subject_id),
            t.step,
            {1: (DUE_INDEX, f"{_at(t.due_at)}#{tenant}#{t.key}")},
            state=t.step,
        )

    return keys


def codec(tenant: str) -> Codec[SlaTimer]:
    return Codec(tenant, _keys(tenant), SlaTimer, "sla_timer")


@dataclass
class DynamoTimers:
    tenant: str
    uow: UnitOfWork | None

    def put(self, timer: SlaTimer) -> None:
        writes(self.uow).save(codec(self.tenant).item(timer, 0))

    def remove(self, timer: SlaTimer) -> None:
        item = FollowupItem(_partition(self.tenant, timer.kind, timer.subject_id), timer.step)
        writes(self.uow).delete(item)

    def fire(self, timer: SlaTimer, fired: DomainError) -> None:
        item = FollowupItem(_partition(self.tenant, timer.kind, timer.subject_id), timer.step)
        condition = FollowupItem.gsi1sk == f"{_at(timer.due_at)}#{self.tenant}#{timer.key}"
        writes(self.uow).delete(item, condition=condition, on_conflict=fired)

    def of_subject(self, kind: str, subject_id: str) -> list[SlaTimer]:
        rows, _ = codec(self.tenant).page(_partition(self.tenant, kind, subject_id), 20, None)
        return rows


class DynamoDueTimers:
    """``DueTimers`` on the system-wide due index: one Query, the longest overdue first."""

    def due(self, now: datetime, limit: int) -> list[tuple[str, SlaTimer]]:
        result = INDEXES[1].query(DUE_INDEX, FollowupItem.gsi1sk <= f"{_at(now)}~", limit=limit)
        return [(str(item.tenant), codec(str(item.tenant)).record(item)) for item in result]
