"""Chronic revisit requests (慢病复诊) on DynamoDB (a codec of ``dynamodb.FollowupItem``).

Keys: in the patient's partition, ``revisit#<revisit_id>`` (ids ``<patient_id>-<id>``), with ``state`` and
``revision`` as attributes for the claim's condition; on the department's list by state ``gsi1pk =
<t>#revisits#<department_id>#<state>``, ``gsi1sk = <created_at>#<revisit_id>``; and, only while claimed,
on the system-wide sparse index of claims ``gsi2pk = followup#revisit-claims``, ``gsi2sk =
<claim_expires_at>#<tenant>#<revisit_id>`` — the sweep's one Query for the claims whose hold ran out, in
every hospital (as scheduling's live solve jobs), never a scan. A claim is written only over ``state =
pool`` at the revision read, so of concurrent claims one lands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.followup.adapters.dynamodb import (
    INDEXES,
    Codec,
    FollowupItem,
    Keys,
    owner_of,
    patient_partition,
    writes,
)
from chalicelib.followup.domain.ports import Page
from chalicelib.followup.domain.revisits import Revisit, RevisitState

from shared.errors import DomainError
from shared.persistence.models import tenant_key
from shared.persistence.uow import UnitOfWork

CLAIMS_INDEX = "followup#revisit-claims"  # a system partition of gsi2; every item it returns names its tenant


def _at(moment: datetime) -> str:
    """A time as a sort key that orders as the time does (UTC, always with microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _keys(tenant: str) -> Callable[[Revisit], Keys]:
    def keys(r: Revisit) -> Keys:
        indexes = {
            1: (
                tenant_key(tenant, "revisits", r.department_id, r.state),
                f"{r.created_at.isoformat()}#{r.id}",
            )
        }
        if r.state == "claimed" and r.claim_expires_at is not None:
            indexes[2] = (CLAIMS_INDEX, f"{_at(r.claim_expires_at)}#{tenant}#{r.id}")
        return Keys(patient_partition(tenant, r.patient_id), f"revisit#{r.id}", indexes, state=r.state)

    return keys


def codec(tenant: str) -> Codec[Revisit]:
    return Codec(tenant, _keys(tenant), Revisit, "revisit")


@dataclass
class DynamoRevisits:
    tenant: str
    uow: UnitOfWork | None

    def get(self, revisit_id: str) -> Revisit | None:
        return codec(self.tenant).get(
            patient_partition(self.tenant, owner_of(revisit_id)), f"revisit#{revisit_id}"
        )

    def add(self, revisit: Revisit) -> None:
        codec(self.tenant).add(self.uow, revisit)

    def save(self, revisit: Revisit, expected: RevisitState, stale: DomainError) -> None:
        item = codec(self.tenant).item(revisit, revisit.revision + 1)
        condition = (FollowupItem.revision == revisit.revision) & (FollowupItem.state == expected)
        writes(self.uow).save(item, condition=condition, on_conflict=stale)

    def of_department(self, department_id: str, state: RevisitState, limit: int, cursor: str | None) -> Page:
        partition = tenant_key(self.tenant, "revisits", department_id, state)
        return codec(self.tenant).index_page(1, partition, limit, cursor)


class DynamoExpiredClaims:
    """``ExpiredClaims`` on the system-wide claims index: one Query, the longest overdue first."""

    def due(self, now: datetime, limit: int) -> list[tuple[str, Revisit]]:
        result = INDEXES[2].query(CLAIMS_INDEX, FollowupItem.gsi2sk <= f"{_at(now)}~", limit=limit)
        return [(str(item.tenant), codec(str(item.tenant)).record(item)) for item in result]
