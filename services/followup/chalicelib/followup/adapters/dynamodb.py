"""Follow-up on DynamoDB: one item shape for every record, the patients, the tasks, the access log.

**One item shape** (``FollowupItem``, the followup table): the keys, ``state`` and ``revision`` as
attributes (for conditions), the record itself as JSON in ``data`` (a pydantic model of ``domain/``), and
up to three index keys (gsi1..gsi3) for its other access paths. A feature's adapter is then a
``Codec``: an entity name, how to key a record, which model it is.

**Keys** (every one starts with the tenant):

- a patient's partition ``<t>#patient#<patient_id>`` holds the patient (``patient``) and everything that
  is theirs, each ``<kind>#<id>`` (``task#…``, and the features' encounters, enrolments, responses,
  observations, notes): reading a patient's follow-up is one Query, purging it is deleting one
  partition. Ids of what is a patient's are ``<patient_id>-<id>``, so ``GET /tasks/{id}`` finds the
  partition without an index.
- the patient also carries ``gsi1pk = <t>#patient-idn#<blind index>`` (the exact ID-number look-up, one
  Query), ``gsi2pk = <t>#patient-mobile#<blind index>`` and ``gsi3pk = <t>#department#<id>#patients``; the
  ID number's claim ``<t>#patient-idn#<blind index>`` / ``claim`` makes it unique (create-only, in the
  registration's transaction).
- a task carries its three boards: ``gsi1pk = <t>#board#doctor#<staff_id>#<state>``, ``gsi2pk =
  <t>#board#team#<team_id>#<state>``, ``gsi3pk = <t>#board#department#<id>#<state>``, each with
  ``gsiNsk = <due>#<task_id>``: a board page is one Query, and a state change moves it on all three.
- care-team membership: ``<t>#member#<staff_id>`` / ``team#<team_id>``.

The access log is the shared audit table's trail of the patient (``<t>#patient#<id>``): the changes the
units of work audit there, and the reads ``DynamoAccessLog.record`` writes (one create-only PutItem).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.followup.domain.patients import AccessEntry, Patient, RetentionPolicy
from chalicelib.followup.domain.ports import Page, StaffInfo, Unit
from chalicelib.followup.domain.tasks import BoardScope, Task, TaskState
from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shared import directory
from shared.auth import Principal
from shared.errors import DomainError
from shared.persistence.models import AuditRecord, Gsi1, TenantItem, table_meta, tenant_key
from shared.persistence.paging import query_page
from shared.persistence.records import Codec as RecordCodec

# the features' adapters key and write their records with these (re-exported)
from shared.persistence.records import Keys as Keys
from shared.persistence.records import writes as writes
from shared.persistence.uow import UnitOfWork

if TYPE_CHECKING:  # their modules import this one: imported where a store first uses them
    from chalicelib.followup.adapters.board import DynamoCalls, DynamoSweepMarks
    from chalicelib.followup.adapters.consultations import DynamoConsultations
    from chalicelib.followup.adapters.intake import (
        DynamoEncounters,
        DynamoEnrolmentRules,
        DynamoEnrolments,
        DynamoPlans,
    )
    from chalicelib.followup.adapters.kpis import DynamoKpis
    from chalicelib.followup.adapters.questionnaires import (
        DynamoLinks,
        DynamoObservations,
        DynamoQuestionnaires,
        DynamoResponses,
    )
    from chalicelib.followup.adapters.referrals import DynamoReferralCounts, DynamoReferrals
    from chalicelib.followup.adapters.revisits import DynamoRevisits
    from chalicelib.followup.adapters.teams import DynamoCareTeams, DynamoVisitNotes
    from chalicelib.followup.adapters.timers import DynamoTimers

M = TypeVar("M", bound=BaseModel)


class Gsi2(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Gsi3(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class FollowupItem(TenantItem):
    """Every follow-up record: keys, state and revision as attributes, the record as JSON."""

    ENTITY = "followup"
    Meta = table_meta("followup")
    state = UnicodeAttribute(null=True)
    revision = NumberAttribute(default=0)
    data = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    index1 = Gsi1()
    index2 = Gsi2()
    index3 = Gsi3()


INDEXES: dict[int, Any] = {1: FollowupItem.index1, 2: FollowupItem.index2, 3: FollowupItem.index3}


class Codec(RecordCodec[M]):
    """A record kind of this table (``shared.persistence.records``)."""

    item_class = FollowupItem
    indexes = INDEXES


def patient_partition(tenant: str, patient_id: str) -> str:
    return tenant_key(tenant, "patient", patient_id)


def owner_of(record_id: str) -> str:
    """The patient id a patient-owned record's id starts with (``<patient_id>-<id>``)."""
    return record_id.split("-", 1)[0]


# ---- patients --------------------------------------------------------------------------------------------


def _patient_keys(tenant: str) -> Callable[[Patient], Keys]:
    def keys(p: Patient) -> Keys:
        indexes = {
            1: (tenant_key(tenant, "patient-idn", p.id_number_index), p.id),
            3: (
                tenant_key(tenant, "department", p.department_id, "patients"),
                f"{p.created_at.isoformat()}#{p.id}",
            ),
        }
        if p.mobile_index:
            indexes[2] = (tenant_key(tenant, "patient-mobile", p.mobile_index), p.id)
        if p.state == "purged":
            indexes = {}
        return Keys(patient_partition(tenant, p.id), "patient", indexes, state=p.state)

    return keys


RETENTION_INDEX = (
    "retention"  # a system key (gsi1) across hospitals for the daily purge; items name their tenant
)


def _marker(tenant: str, p: Patient) -> FollowupItem | None:
    """The patient's retention marker, in their partition: due per hospital (gsi2) and across (gsi1)."""
    if p.retention_until is None or p.state != "active":
        return None
    until = p.retention_until.isoformat()
    return FollowupItem(
        patient_partition(tenant, p.id),
        "retention",
        entity="patient_retention",
        tenant=tenant,
        gsi1pk=RETENTION_INDEX,
        gsi1sk=f"{until}#{tenant}#{p.id}",
        gsi2pk=tenant_key(tenant, "retention"),
        gsi2sk=f"{until}#{p.id}",
    )


def retention_due_everywhere(on: date, limit: int) -> list[tuple[str, str]]:
    """(tenant, patient id) whose retention ended by ``on``, across hospitals (the nightly purge)."""
    result = FollowupItem.index1.query(
        RETENTION_INDEX, FollowupItem.gsi1sk <= f"{on.isoformat()}#\uffff", limit=limit
    )
    out = []
    for item in result:
        _, tenant, patient_id = str(item.gsi1sk).split("#", 2)
        if tenant == item.tenant:
            out.append((tenant, patient_id))
    return out


class IdNumberClaim(TenantItem):
    """The claim that makes a resident ID number one patient per hospital (create-only)."""

    ENTITY = "patient_id_number"
    Meta = table_meta("followup")
    patient_id = UnicodeAttribute()


@dataclass
class DynamoPatients:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[Patient]:
        return Codec(self.tenant, _patient_keys(self.tenant), Patient, "patient")

    def get(self, patient_id: str) -> Patient | None:
        return self.codec.get(patient_partition(self.tenant, patient_id), "patient")

    def by_id_number(self, digest: str) -> Patient | None:
        rows, _ = self.codec.index_page(1, tenant_key(self.tenant, "patient-idn", digest), 1, None)
        return rows[0] if rows else None

    def claimed(self, digest: str) -> Patient | None:
        try:
            claim = IdNumberClaim.get(
                tenant_key(self.tenant, "patient-idn", digest), "claim", consistent_read=True
            )
        except DoesNotExist:
            return None
        if claim.tenant != self.tenant:
            return None
        return self.get(str(claim.patient_id))

    def by_mobile(self, digest: str) -> list[Patient]:
        rows, _ = self.codec.index_page(2, tenant_key(self.tenant, "patient-mobile", digest), 20, None)
        return list(rows)

    def of_department(self, department_id: str, limit: int, cursor: str | None) -> Page:
        partition = tenant_key(self.tenant, "department", department_id, "patients")
        return self.codec.index_page(3, partition, limit, cursor, newest_first=True)

    def add(self, patient: Patient, taken: DomainError) -> None:
        claim = IdNumberClaim.new(
            self.tenant,
            "claim",
            pk=tenant_key(self.tenant, "patient-idn", patient.id_number_index),
            patient_id=patient.id,
        )
        writes(self.uow).create(claim, on_conflict=taken)
        self.codec.add(self.uow, patient, taken)
        marker = _marker(self.tenant, patient)
        if marker is not None:
            writes(self.uow).save(marker)

    def save(self, patient: Patient, stale: DomainError) -> None:
        self.codec.replace(self.uow, patient, stale)
        marker = _marker(self.tenant, patient)
        uow = writes(self.uow)
        if marker is not None:
            uow.save(marker)
        else:
            uow.delete(FollowupItem(patient_partition(self.tenant, patient.id), "retention"))


@dataclass
class DynamoRetention:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[RetentionPolicy]:
        def keys(_: RetentionPolicy) -> Keys:
            return Keys(tenant_key(self.tenant, "settings"), "retention", {})

        return Codec(self.tenant, keys, RetentionPolicy, "retention_policy")

    def get(self) -> RetentionPolicy | None:
        return self.codec.get(tenant_key(self.tenant, "settings"), "retention")

    def put(self, policy: RetentionPolicy, stale: DomainError) -> None:
        """Stored as revision + 1, if the stored one is ``policy.revision`` (0: none stored yet)."""
        condition = FollowupItem.revision == policy.revision
        if policy.revision == 0:
            condition = condition | FollowupItem.pk.does_not_exist()
        item = self.codec.item(policy, policy.revision + 1)
        writes(self.uow).save(item, condition=condition, on_conflict=stale)

    def due(self, on: date, limit: int) -> list[str]:
        result = FollowupItem.index2.query(
            tenant_key(self.tenant, "retention"),
            FollowupItem.gsi2sk <= f"{on.isoformat()}#\uffff",
            limit=limit,
        )
        return [str(item.gsi2sk).split("#", 1)[1] for item in result if item.tenant == self.tenant]

    def erase(self, patient: Patient) -> int:
        """Deletes now (a BatchWriteItem per 25) what is in the patient's partition but the patient, and the
        ID number's claim: a run that stops half-way is finished by the next one."""
        pk = patient_partition(self.tenant, patient.id)
        doomed = [
            FollowupItem(pk, item.sk)
            for item in FollowupItem.query(pk, attributes_to_get=["pk", "sk"])
            if item.sk != "patient"
        ]
        with FollowupItem.batch_write() as batch:
            for item in doomed:
                batch.delete(item)
            batch.delete(
                FollowupItem(tenant_key(self.tenant, "patient-idn", patient.id_number_index), "claim")
            )
        return len(doomed)


# ---- the access log --------------------------------------------------------------------------------------


@dataclass
class DynamoAccessLog:
    """The patient's trail in the audit table: reads written here, changes by the units of work."""

    tenant: str
    principal: Principal | None
    request_id: str | None = None

    def record(self, patient_id: str, action: str, reason: str = "") -> None:
        if self.principal is None:
            raise RuntimeError("a read is audited as its reader: open the store with a principal")
        after = {"reason": reason} if reason else None
        AuditRecord.of(
            self.principal, action, "patient", patient_id, self.request_id, after=after, tenant=self.tenant
        ).save(AuditRecord.pk.does_not_exist())

    def page(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        rows, next_cursor = query_page(
            AuditRecord, tenant_key(self.tenant, "patient", patient_id), limit, cursor, newest_first=True
        )
        return [_entry(r) for r in rows if r.tenant == self.tenant], next_cursor


def _entry(record: AuditRecord) -> AccessEntry:
    after = json.loads(record.after) if record.after else {}
    reason = after.get("reason", "") if isinstance(after, dict) else ""
    return AccessEntry(
        at=record.at,
        actor=record.actor,
        actor_name=record.actor_name or "",
        actor_kind=record.actor_kind,
        action=record.action,
        reason=str(reason or ""),
    )


# ---- tasks -----------------------------------------------------------------------------------------------


def board_key(tenant: str, scope: BoardScope, owner_id: str, state: str) -> str:
    return tenant_key(tenant, "board", scope, owner_id, state)


_BOARD_INDEX: dict[BoardScope, int] = {"doctor": 1, "team": 2, "department": 3}


def _task_keys(tenant: str) -> Callable[[Task], Keys]:
    def keys(t: Task) -> Keys:
        sk = f"{t.due.isoformat()}#{t.id}"
        indexes = {
            _BOARD_INDEX[scope]: (board_key(tenant, scope, owner, t.state), sk)
            for scope, owner in t.board_owners().items()
        }
        return Keys(patient_partition(tenant, t.patient_id), f"task#{t.id}", indexes, state=t.state)

    return keys


@dataclass
class DynamoTasks:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[Task]:
        return Codec(self.tenant, _task_keys(self.tenant), Task, "task")

    def get(self, task_id: str) -> Task | None:
        return self.codec.get(patient_partition(self.tenant, owner_of(task_id)), f"task#{task_id}")

    def add(self, task: Task) -> None:
        self.codec.add(self.uow, task)

    def save(self, task: Task, stale: DomainError) -> None:
        self.codec.replace(self.uow, task, stale)

    def board(
        self,
        scope: BoardScope,
        owner_id: str,
        state: TaskState,
        due_from: date | None,
        due_to: date | None,
        limit: int,
        cursor: str | None,
        newest_first: bool = False,
    ) -> Page:
        return self.codec.index_page(
            _BOARD_INDEX[scope],
            board_key(self.tenant, scope, owner_id, state),
            limit,
            cursor,
            sk_from=due_from.isoformat() if due_from else None,
            sk_to=f"{due_to.isoformat()}#\uffff" if due_to else None,
            newest_first=newest_first,
        )

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        return self.codec.page(patient_partition(self.tenant, patient_id), limit, cursor, sk_prefix="task#")


# ---- care-team membership --------------------------------------------------------------------------------


class MembershipItem(TenantItem):
    ENTITY = "care_team_member"
    Meta = table_meta("followup")
    role = UnicodeAttribute(null=True)


@dataclass
class DynamoMemberships:
    tenant: str

    def teams_of(self, staff_id: str) -> set[str]:
        pk = tenant_key(self.tenant, "member", staff_id)
        return {
            str(item.sk).removeprefix("team#")
            for item in MembershipItem.query(pk, MembershipItem.sk.startswith("team#"))
            if item.tenant == self.tenant
        }


# ---- the store -------------------------------------------------------------------------------------------


@dataclass
class DynamoStore:
    """``Store`` on DynamoDB for one tenant; writes go into ``uow`` (none: a read-only store)."""

    tenant: str
    uow: UnitOfWork | None = None
    principal: Principal | None = None
    request_id: str | None = None

    @property
    def patients(self) -> DynamoPatients:
        return DynamoPatients(self.tenant, self.uow)

    @property
    def access(self) -> DynamoAccessLog:
        return DynamoAccessLog(self.tenant, self.principal, self.request_id)

    @property
    def tasks(self) -> DynamoTasks:
        return DynamoTasks(self.tenant, self.uow)

    @property
    def memberships(self) -> DynamoMemberships:
        return DynamoMemberships(self.tenant)

    @property
    def plans(self) -> DynamoPlans:
        from chalicelib.followup.adapters.intake import DynamoPlans

        return DynamoPlans(self.tenant, self.uow)

    @property
    def enrolment_rules(self) -> DynamoEnrolmentRules:
        from chalicelib.followup.adapters.intake import DynamoEnrolmentRules

        return DynamoEnrolmentRules(self.tenant, self.uow)

    @property
    def encounters(self) -> DynamoEncounters:
        from chalicelib.followup.adapters.intake import DynamoEncounters

        return DynamoEncounters(self.tenant, self.uow)

    @property
    def enrolments(self) -> DynamoEnrolments:
        from chalicelib.followup.adapters.intake import DynamoEnrolments

        return DynamoEnrolments(self.tenant, self.uow)

    @property
    def calls(self) -> DynamoCalls:
        from chalicelib.followup.adapters.board import DynamoCalls

        return DynamoCalls(self.tenant, self.uow)

    @property
    def sweep(self) -> DynamoSweepMarks:
        from chalicelib.followup.adapters.board import DynamoSweepMarks

        return DynamoSweepMarks(self.tenant, self.uow)

    @property
    def kpis(self) -> DynamoKpis:
        from chalicelib.followup.adapters.kpis import DynamoKpis

        return DynamoKpis(self.tenant, self.uow)

    @property
    def teams(self) -> DynamoCareTeams:
        from chalicelib.followup.adapters.teams import DynamoCareTeams

        return DynamoCareTeams(self.tenant, self.uow)

    @property
    def notes(self) -> DynamoVisitNotes:
        from chalicelib.followup.adapters.teams import DynamoVisitNotes

        return DynamoVisitNotes(self.tenant, self.uow)

    @property
    def revisits(self) -> DynamoRevisits:
        from chalicelib.followup.adapters.revisits import DynamoRevisits

        return DynamoRevisits(self.tenant, self.uow)

    @property
    def retention(self) -> DynamoRetention:
        return DynamoRetention(self.tenant, self.uow)

    @property
    def timers(self) -> DynamoTimers:
        from chalicelib.followup.adapters.timers import DynamoTimers

        return DynamoTimers(self.tenant, self.uow)

    @property
    def referrals(self) -> DynamoReferrals:
        from chalicelib.followup.adapters.referrals import DynamoReferrals

        return DynamoReferrals(self.tenant, self.uow)

    @property
    def referral_counts(self) -> DynamoReferralCounts:
        from chalicelib.followup.adapters.referrals import DynamoReferralCounts

        return DynamoReferralCounts(self.tenant, self.uow)

    @property
    def questionnaires(self) -> DynamoQuestionnaires:
        from chalicelib.followup.adapters.questionnaires import DynamoQuestionnaires

        return DynamoQuestionnaires(self.tenant, self.uow)

    @property
    def links(self) -> DynamoLinks:
        from chalicelib.followup.adapters.questionnaires import DynamoLinks

        return DynamoLinks(self.tenant, self.uow)

    @property
    def responses(self) -> DynamoResponses:
        from chalicelib.followup.adapters.questionnaires import DynamoResponses

        return DynamoResponses(self.tenant, self.uow)

    @property
    def observations(self) -> DynamoObservations:
        from chalicelib.followup.adapters.questionnaires import DynamoObservations

        return DynamoObservations(self.tenant, self.uow)

    @property
    def consultations(self) -> DynamoConsultations:
        from chalicelib.followup.adapters.consultations import DynamoConsultations

        return DynamoConsultations(self.tenant, self.uow)

    def commit(self) -> None:
        writes(self.uow).commit()

    def other(self, tenant: str) -> DynamoStore:
        """The same unit of work seen as hospital ``tenant``: a referral's two ends, one transaction."""
        return DynamoStore(tenant, self.uow, self.principal, self.request_id)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        writes(self.uow).audit(action, resource_type, resource_id, before, after, tenant=self.tenant)

    def emit(self, event: Any) -> None:
        writes(self.uow).emit(event)


# ---- the directory ---------------------------------------------------------------------------------------


class DirectoryReadModel:
    def staff(self, tenant: str, staff_id: str) -> StaffInfo | None:
        item = directory.get_staff(tenant, staff_id)
        if item is None:
            return None
        return StaffInfo(
            staff_id,
            item.name,
            item.department_id,
            tuple(str(r) for r in item.roles),
            item.status == "active",
        )

    def units(self, tenant: str) -> Mapping[str, Unit]:
        return {
            str(u.sk): Unit(str(u.sk), u.name, u.parent_id, u.head_id)
            for u in directory.DepartmentItem.query(directory.DepartmentItem.partition(tenant))
        }

    def with_role(self, tenant: str, role: str, department_id: str) -> list[StaffInfo]:
        return [
            StaffInfo(str(i.sk), i.name, i.department_id, tuple(str(r) for r in i.roles), True)
            for i in directory.staff_with_role(tenant, role, department_id)
        ]

    def many(self, tenant: str, staff_ids: list[str]) -> dict[str, StaffInfo]:
        wanted = sorted(set(staff_ids))
        partition = directory.StaffItem.partition(tenant)
        out: dict[str, StaffInfo] = {}
        for start in range(0, len(wanted), 100):
            for item in directory.StaffItem.batch_get([(partition, s) for s in wanted[start : start + 100]]):
                out[str(item.sk)] = StaffInfo(
                    str(item.sk),
                    item.name,
                    item.department_id,
                    tuple(str(r) for r in item.roles),
                    item.status == "active",
                )
        return out
