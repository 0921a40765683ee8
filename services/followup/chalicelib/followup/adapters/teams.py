"""Care teams, their signed residents and visit notes on DynamoDB (codecs of ``dynamodb.FollowupItem``).

Keys (every one starts with the tenant):

- a team: ``<t>#team#<team_id>`` / ``team``, on the hospital's list ``gsi1pk = <t>#teams``, ``gsi1sk =
  <department_id>#<team_id>``; each member's ``MembershipItem`` ``<t>#member#<staff_id>`` /
  ``team#<team_id>`` (what ``DynamoMemberships`` reads for the access policy) is written and deleted in the
  team's own unit of work, so a member removed loses access with the change.
- a signed resident: in the patient's partition, ``signed#<team_id>``, on the team's list ``gsi1pk =
  <t>#team#<team_id>#residents``, ``gsi1sk = <signed_at>#<patient_id>`` (a purge of the patient takes it).
- a visit note: in the patient's partition, ``note#<note_id>`` (ids in time order: newest first is one
  Query backwards).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.followup.adapters.dynamodb import (
    Codec,
    FollowupItem,
    Keys,
    MembershipItem,
    patient_partition,
    writes,
)
from chalicelib.followup.domain.ports import Page
from chalicelib.followup.domain.teams import CareTeam, SignedResident, TeamMember, VisitNote

from shared.errors import DomainError
from shared.persistence.models import tenant_key
from shared.persistence.uow import UnitOfWork


def _team_keys(tenant: str) -> Callable[[CareTeam], Keys]:
    def keys(t: CareTeam) -> Keys:
        return Keys(
            tenant_key(tenant, "team", t.id),
            "team",
            {1: (tenant_key(tenant, "teams"), f"{t.department_id}#{t.id}")},
        )

    return keys


def _resident_keys(tenant: str) -> Callable[[SignedResident], Keys]:
    def keys(r: SignedResident) -> Keys:
        return Keys(
            patient_partition(tenant, r.patient_id),
            f"signed#{r.team_id}",
            {
                1: (
                    tenant_key(tenant, "team", r.team_id, "residents"),
                    f"{r.signed_at.isoformat()}#{r.patient_id}",
                )
            },
        )

    return keys


def _note_keys(tenant: str) -> Callable[[VisitNote], Keys]:
    def keys(n: VisitNote) -> Keys:
        return Keys(patient_partition(tenant, n.patient_id), f"note#{n.id}", {})

    return keys


@dataclass
class DynamoCareTeams:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[CareTeam]:
        return Codec(self.tenant, _team_keys(self.tenant), CareTeam, "care_team")

    @property
    def resident_codec(self) -> Codec[SignedResident]:
        return Codec(self.tenant, _resident_keys(self.tenant), SignedResident, "signed_resident")

    def get(self, team_id: str) -> CareTeam | None:
        return self.codec.get(tenant_key(self.tenant, "team", team_id), "team")

    def page(self, limit: int, cursor: str | None) -> Page:
        return self.codec.index_page(1, tenant_key(self.tenant, "teams"), limit, cursor)

    def _membership(self, team_id: str, member: TeamMember) -> MembershipItem:
        return MembershipItem.new(
            self.tenant,
            f"team#{team_id}",
            pk=tenant_key(self.tenant, "member", member.staff_id),
            role=member.role,
        )

    def add(self, team: CareTeam, taken: DomainError) -> None:
        self.codec.add(self.uow, team, taken)
        for member in team.members:
            writes(self.uow).save(self._membership(team.id, member))

    def save(self, team: CareTeam, before: CareTeam, stale: DomainError) -> None:
        self.codec.replace(self.uow, team.model_copy(update={"revision": before.revision}), stale)
        now = {m.staff_id: m for m in team.members}
        for member in before.members:
            if member.staff_id not in now:
                writes(self.uow).delete(self._membership(team.id, member))
        was = {m.staff_id: m.role for m in before.members}
        for member in team.members:
            if was.get(member.staff_id) != member.role:
                writes(self.uow).save(self._membership(team.id, member))

    def resident(self, team_id: str, patient_id: str) -> SignedResident | None:
        return self.resident_codec.get(patient_partition(self.tenant, patient_id), f"signed#{team_id}")

    def sign(self, resident: SignedResident, taken: DomainError) -> None:
        self.resident_codec.add(self.uow, resident, taken)

    def unsign(self, resident: SignedResident) -> None:
        self.resident_codec.delete(self.uow, resident)

    def residents(self, team_id: str, limit: int, cursor: str | None) -> Page:
        partition = tenant_key(self.tenant, "team", team_id, "residents")
        return self.resident_codec.index_page(1, partition, limit, cursor, newest_first=True)


@dataclass
class DynamoVisitNotes:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[VisitNote]:
        return Codec(self.tenant, _note_keys(self.tenant), VisitNote, "visit_note")

    def add(self, note: VisitNote) -> None:
        self.codec.add(self.uow, note)

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        return self.codec.page(
            patient_partition(self.tenant, patient_id), limit, cursor, sk_prefix="note#", newest_first=True
        )


__all__ = ["DynamoCareTeams", "DynamoVisitNotes", "FollowupItem"]
