"""Follow-up's ports in memory (``chalicelib.followup.domain.ports``).

``tests/service/test_followup_store.py`` runs the same checks on these and on the DynamoDB adapters,
so a fake cannot drift from what it stands in for: create-only adds, revision-checked saves, one
tenant never seeing another's records, boards by state and due date.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.followup.domain.board import CallEntry, DueNotice, SweepProgress
from chalicelib.followup.domain.enrolments import Encounter, Enrolment
from chalicelib.followup.domain.kpis import COUNTERS, Counts
from chalicelib.followup.domain.links import Link
from chalicelib.followup.domain.patients import AccessEntry, Patient, RetentionPolicy
from chalicelib.followup.domain.plans import Plan
from chalicelib.followup.domain.ports import ConsortiumLink, StaffInfo, Unit
from chalicelib.followup.domain.questionnaires import Questionnaire
from chalicelib.followup.domain.referrals import (
    CONSORTIUM_COUNTERS,
    REFERRAL_STATES,
    Box,
    Referral,
    ReferralSettings,
    ReferralState,
)
from chalicelib.followup.domain.results import Observation, Response
from chalicelib.followup.domain.revisits import Revisit, RevisitState
from chalicelib.followup.domain.rules import RuleSet
from chalicelib.followup.domain.tasks import BoardScope, Task, TaskState
from chalicelib.followup.domain.teams import CareTeam, SignedResident, VisitNote
from chalicelib.followup.domain.timers import SlaTimer

from shared.auth import Principal
from shared.errors import Conflict, DomainError
from tests.fakes import MemoryUnitOfWork, page_after


@dataclass
class Tables:
    """What the fakes hold, across tenants (a test can check one tenant never sees another's)."""

    patients: dict[tuple[str, str], Patient] = field(default_factory=dict)
    id_numbers: dict[tuple[str, str], str] = field(default_factory=dict)
    access: dict[tuple[str, str], list[AccessEntry]] = field(default_factory=dict)
    tasks: dict[tuple[str, str], Task] = field(default_factory=dict)
    memberships: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    retention: dict[str, RetentionPolicy] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    # questionnaires (current, and every version), links, link request counters, responses, observations
    questionnaires: dict[tuple[str, str], Any] = field(default_factory=dict)
    questionnaire_versions: dict[tuple[str, str, int], Any] = field(default_factory=dict)
    links: dict[tuple[str, str], Any] = field(default_factory=dict)
    link_hits: dict[tuple[str, str, str], int] = field(default_factory=dict)
    responses: dict[tuple[str, str], Any] = field(default_factory=dict)
    observations: dict[tuple[str, str], Any] = field(default_factory=dict)
    # intake: plans (current and each version), rules, encounters, discharge claims, enrolments
    plans: dict[tuple[str, str], Plan] = field(default_factory=dict)
    plan_versions: dict[tuple[str, str, int], Plan] = field(default_factory=dict)
    rules: dict[str, RuleSet] = field(default_factory=dict)
    encounters: dict[tuple[str, str], Encounter] = field(default_factory=dict)
    discharges: dict[tuple[str, str], Encounter] = field(default_factory=dict)
    enrolments: dict[tuple[str, str], Enrolment] = field(default_factory=dict)
    calls: dict[tuple[str, str], CallEntry] = field(default_factory=dict)
    notices: dict[tuple[str, str], DueNotice] = field(default_factory=dict)
    progress: dict[tuple[str, date], SweepProgress] = field(default_factory=dict)
    kpis: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)
    teams: dict[tuple[str, str], CareTeam] = field(default_factory=dict)
    residents: dict[tuple[str, str, str], SignedResident] = field(default_factory=dict)
    notes: dict[tuple[str, str], VisitNote] = field(default_factory=dict)
    revisits: dict[tuple[str, str], Revisit] = field(default_factory=dict)
    timers: dict[tuple[str, str], SlaTimer] = field(default_factory=dict)
    referrals: dict[tuple[str, str], Referral] = field(default_factory=dict)
    referral_counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    referral_settings: dict[tuple[str, str], ReferralSettings] = field(default_factory=dict)
    consultations: dict[tuple[str, str], Any] = field(default_factory=dict)
    consultation_sla: dict[str, Any] = field(default_factory=dict)
    consultation_stats: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)
    # one commit at a time (DynamoDB applies a transaction atomically): concurrent claims race for real
    lock: threading.Lock = field(default_factory=threading.Lock)


def _stale_check(stored: Any, expected: int, stale: DomainError) -> None:
    if stored is None or stored.revision != expected:
        raise stale


@dataclass
class FakePatients:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, patient_id: str) -> Patient | None:
        self.tables.reads.append("GetItem")
        return self.tables.patients.get((self.tenant, patient_id))

    def by_id_number(self, digest: str) -> Patient | None:
        self.tables.reads.append("Query")
        for (tenant, _), p in self.tables.patients.items():
            if tenant == self.tenant and p.id_number_index == digest and p.state == "active":
                return p
        return None

    def claimed(self, digest: str) -> Patient | None:
        self.tables.reads.append("GetItem")
        patient_id = self.tables.id_numbers.get((self.tenant, digest))
        return self.get(patient_id) if patient_id else None

    def by_mobile(self, digest: str) -> list[Patient]:
        self.tables.reads.append("Query")
        return [
            p
            for (tenant, _), p in sorted(self.tables.patients.items())
            if tenant == self.tenant and p.mobile_index == digest and p.state == "active"
        ]

    def of_department(
        self, department_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (f"{p.created_at.isoformat()}#{p.id}", p)
            for (tenant, _), p in self.tables.patients.items()
            if tenant == self.tenant and p.department_id == department_id and p.state == "active"
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#department#{department_id}", newest_first=True)

    def add(self, patient: Patient, taken: DomainError) -> None:
        key = (self.tenant, patient.id)
        claim = (self.tenant, patient.id_number_index)

        def free() -> None:
            if key in self.tables.patients or claim in self.tables.id_numbers:
                raise taken

        def write() -> None:
            self.tables.patients[key] = patient.model_copy(update={"revision": 0})
            self.tables.id_numbers[claim] = patient.id

        self.uow.check(free)
        self.uow.stage(write)

    def save(self, patient: Patient, stale: DomainError) -> None:
        key = (self.tenant, patient.id)
        self.uow.check(lambda: _stale_check(self.tables.patients.get(key), patient.revision, stale))
        self.uow.stage(
            lambda: self.tables.patients.__setitem__(
                key, patient.model_copy(update={"revision": patient.revision + 1})
            )
        )


@dataclass
class FakeAccessLog:
    tenant: str
    tables: Tables
    principal: Principal | None

    def record(self, patient_id: str, action: str, reason: str = "") -> None:
        if self.principal is None:
            raise RuntimeError("a read is audited as its reader: open the store with a principal")
        self.tables.reads.append("PutItem")
        self.tables.access.setdefault((self.tenant, patient_id), []).append(
            AccessEntry(
                at=datetime.now(UTC),
                actor=self.principal.user,
                actor_name=self.principal.staff_name or "",
                actor_kind=self.principal.kind,
                action=action,
                reason=reason,
            )
        )

    def page(self, patient_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        entries = self.tables.access.get((self.tenant, patient_id), [])
        rows = [(f"{e.at.isoformat()}#{i:06d}", e) for i, e in enumerate(entries)]
        return page_after(rows, limit, cursor, f"{self.tenant}#patient#{patient_id}", newest_first=True)


@dataclass
class FakeTasks:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, task_id: str) -> Task | None:
        self.tables.reads.append("GetItem")
        return self.tables.tasks.get((self.tenant, task_id))

    def add(self, task: Task) -> None:
        key = (self.tenant, task.id)

        def free() -> None:
            if key in self.tables.tasks:
                raise Conflict("already exists")

        self.uow.check(free)
        self.uow.stage(lambda: self.tables.tasks.__setitem__(key, task.model_copy(update={"revision": 0})))

    def save(self, task: Task, stale: DomainError) -> None:
        key = (self.tenant, task.id)
        self.uow.check(lambda: _stale_check(self.tables.tasks.get(key), task.revision, stale))
        self.uow.stage(
            lambda: self.tables.tasks.__setitem__(
                key, task.model_copy(update={"revision": task.revision + 1})
            )
        )

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
    ) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (f"{t.due.isoformat()}#{t.id}", t)
            for (tenant, _), t in self.tables.tasks.items()
            if tenant == self.tenant
            and t.board_owners().get(scope) == owner_id
            and t.state == state
            and (due_from is None or t.due >= due_from)
            and (due_to is None or t.due <= due_to)
        ]
        return page_after(
            rows, limit, cursor, f"{self.tenant}#board#{scope}#{owner_id}#{state}", newest_first=newest_first
        )

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (t.id, t)
            for (tenant, _), t in self.tables.tasks.items()
            if tenant == self.tenant and t.patient_id == patient_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#patient#{patient_id}")


@dataclass
class FakeRetention:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self) -> RetentionPolicy | None:
        self.tables.reads.append("GetItem")
        return self.tables.retention.get(self.tenant)

    def put(self, policy: RetentionPolicy, stale: DomainError) -> None:
        def fresh() -> None:
            stored = self.tables.retention.get(self.tenant)
            if (stored.revision if stored else 0) != policy.revision:
                raise stale

        self.uow.check(fresh)
        self.uow.stage(
            lambda: self.tables.retention.__setitem__(
                self.tenant, policy.model_copy(update={"revision": policy.revision + 1})
            )
        )

    def due(self, on: date, limit: int) -> list[str]:
        self.tables.reads.append("Query")
        rows = sorted(
            (p.retention_until, p.id)
            for (tenant, _), p in self.tables.patients.items()
            if tenant == self.tenant and p.state == "active" and p.retention_until and p.retention_until <= on
        )
        return [pid for _, pid in rows[:limit]]

    def erase(self, patient: Patient) -> int:
        doomed = [
            key
            for key, t in self.tables.tasks.items()
            if key[0] == self.tenant and t.patient_id == patient.id
        ]
        for key in doomed:
            del self.tables.tasks[key]
        self.tables.id_numbers.pop((self.tenant, patient.id_number_index), None)
        return len(doomed)


@dataclass
class FakeMemberships:
    tenant: str
    tables: Tables

    def teams_of(self, staff_id: str) -> set[str]:
        self.tables.reads.append("Query")
        return set(self.tables.memberships.get((self.tenant, staff_id), set()))

    def join(self, staff_id: str, team_id: str) -> None:
        """Test set-up: the care-team feature writes these through its own repository."""
        self.tables.memberships.setdefault((self.tenant, staff_id), set()).add(team_id)


@dataclass
class FakeCalls:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def add(self, entry: CallEntry) -> None:
        key = (self.tenant, entry.id)

        def free() -> None:
            if key in self.tables.calls:
                raise Conflict("already exists")

        self.uow.check(free)
        self.uow.stage(lambda: self.tables.calls.__setitem__(key, entry))

    def get(self, task_id: str, call_id: str) -> CallEntry | None:
        self.tables.reads.append("GetItem")
        entry = self.tables.calls.get((self.tenant, call_id))
        return entry if entry is not None and entry.task_id == task_id else None

    def of_task(self, task_id: str, limit: int) -> list[CallEntry]:
        self.tables.reads.append("Query")
        rows = [c for (t, _), c in self.tables.calls.items() if t == self.tenant and c.task_id == task_id]
        return sorted(rows, key=lambda c: c.id, reverse=True)[:limit]


@dataclass
class FakeSweepMarks:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def announce(self, notice: DueNotice, taken: DomainError) -> None:
        key = (self.tenant, notice.task_id)

        def free() -> None:
            if key in self.tables.notices:
                raise taken

        self.uow.check(free)
        self.uow.stage(lambda: self.tables.notices.__setitem__(key, notice))

    def progress(self, day: date) -> SweepProgress | None:
        self.tables.reads.append("GetItem")
        return self.tables.progress.get((self.tenant, day))

    def save_progress(self, progress: SweepProgress, stale: DomainError) -> None:
        key = (self.tenant, progress.day)

        def current() -> None:
            stored = self.tables.progress.get(key)
            if (stored.revision if stored else 0) != progress.revision:
                raise stale

        self.uow.check(current)
        saved = progress.model_copy(update={"revision": progress.revision + 1})
        self.uow.stage(lambda: self.tables.progress.__setitem__(key, saved))


@dataclass
class FakeKpis:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def add(self, department_id: str, month: str, moves: Mapping[str, int]) -> None:
        def write() -> None:
            counts = self.tables.kpis.setdefault((self.tenant, department_id, month), {})
            for name, n in moves.items():
                if name in COUNTERS:
                    counts[name] = counts.get(name, 0) + n

        self.uow.stage(write)

    def get(self, department_id: str, month: str) -> Counts:
        self.tables.reads.append("GetItem")
        return Counts(**self.tables.kpis.get((self.tenant, department_id, month), {}))


@dataclass
class FakeHospitals:
    """The province's hospitals and their time zones."""

    zones: dict[str, str] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def all(self) -> list[tuple[str, str]]:
        self.reads.append("Query")
        return sorted(self.zones.items())

    def time_zone(self, tenant: str) -> str | None:
        self.reads.append("GetItem")
        return self.zones.get(tenant)


@dataclass
class FakeFiles:
    """The attachments bucket: URLs that name the key, and the keys "uploaded"."""

    uploads: set[str] = field(default_factory=set)
    asked: list[tuple[str, str, int]] = field(default_factory=list)

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str:
        self.asked.append((object_key, content_type, size))
        return f"https://bucket.example/{object_key}?put&expires={expires_in}"

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        return f"https://bucket.example/{object_key}?get&expires={expires_in}"

    def uploaded(self, object_key: str) -> bool:
        return object_key in self.uploads


@dataclass
class FakeStore:
    """``Store`` in memory for one tenant: writes staged in ``uow`` until ``commit``."""

    tenant: str
    tables: Tables = field(default_factory=Tables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)
    principal: Principal | None = None

    @property
    def patients(self) -> FakePatients:
        return FakePatients(self.tenant, self.tables, self.uow)

    @property
    def access(self) -> FakeAccessLog:
        return FakeAccessLog(self.tenant, self.tables, self.principal)

    @property
    def tasks(self) -> FakeTasks:
        return FakeTasks(self.tenant, self.tables, self.uow)

    @property
    def memberships(self) -> FakeMemberships:
        return FakeMemberships(self.tenant, self.tables)

    @property
    def plans(self) -> FakePlans:
        return FakePlans(self.tenant, self.tables, self.uow)

    @property
    def enrolment_rules(self) -> FakeEnrolmentRules:
        return FakeEnrolmentRules(self.tenant, self.tables, self.uow)

    @property
    def encounters(self) -> FakeEncounters:
        return FakeEncounters(self.tenant, self.tables, self.uow)

    @property
    def enrolments(self) -> FakeEnrolments:
        return FakeEnrolments(self.tenant, self.tables, self.uow)

    @property
    def questionnaires(self) -> FakeQuestionnaires:
        return FakeQuestionnaires(self.tenant, self.tables, self.uow)

    @property
    def links(self) -> FakeLinks:
        return FakeLinks(self.tenant, self.tables, self.uow)

    @property
    def responses(self) -> FakeOwned:
        return FakeOwned(self.tenant, self.tables, self.uow, self.tables.responses)

    @property
    def observations(self) -> FakeOwned:
        return FakeOwned(self.tenant, self.tables, self.uow, self.tables.observations)

    @property
    def calls(self) -> FakeCalls:
        return FakeCalls(self.tenant, self.tables, self.uow)

    @property
    def sweep(self) -> FakeSweepMarks:
        return FakeSweepMarks(self.tenant, self.tables, self.uow)

    @property
    def kpis(self) -> FakeKpis:
        return FakeKpis(self.tenant, self.tables, self.uow)

    @property
    def teams(self) -> FakeCareTeams:
        return FakeCareTeams(self.tenant, self.tables, self.uow)

    @property
    def notes(self) -> FakeVisitNotes:
        return FakeVisitNotes(self.tenant, self.tables, self.uow)

    @property
    def revisits(self) -> FakeRevisits:
        return FakeRevisits(self.tenant, self.tables, self.uow)

    @property
    def retention(self) -> FakeRetention:
        return FakeRetention(self.tenant, self.tables, self.uow)

    @property
    def timers(self) -> FakeTimers:
        return FakeTimers(self.tenant, self.tables, self.uow)

    @property
    def referrals(self) -> FakeReferrals:
        return FakeReferrals(self.tenant, self.tables, self.uow)

    @property
    def referral_counts(self) -> FakeReferralCounts:
        return FakeReferralCounts(self.tenant, self.tables, self.uow)

    @property
    def consultations(self) -> FakeConsultations:
        return FakeConsultations(self.tenant, self.tables, self.uow)

    def commit(self) -> None:
        with self.tables.lock:
            self.uow.commit()

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.uow.audit(action, resource_type, resource_id, before, after)
        if resource_type == "patient" and self.principal is not None:
            # a change is in the patient's access log too, as the audit table's trail holds it
            staged = AccessEntry(
                at=datetime.now(UTC),
                actor=self.principal.user,
                actor_name=self.principal.staff_name or "",
                actor_kind=self.principal.kind,
                action=action,
            )
            self.uow.stage(
                lambda: self.tables.access.setdefault((self.tenant, resource_id), []).append(staged)
            )

    def emit(self, event: Any) -> None:
        self.uow.emit(event)

    def other(self, tenant: str) -> FakeStore:
        """The same unit of work seen as hospital ``tenant`` (``Store.other``)."""
        return FakeStore(tenant, self.tables, self.uow, self.principal)

    def for_tenant(self, tenant: str, principal: Principal | None = None) -> FakeStore:
        """The same tables seen as another hospital (a fresh unit of work)."""
        return FakeStore(tenant, self.tables, MemoryUnitOfWork(), principal)

    def as_caller(self, principal: Principal) -> FakeStore:
        """The same tables for a request by ``principal`` (a fresh unit of work, reads audited as them)."""
        return FakeStore(principal.tenant, self.tables, MemoryUnitOfWork(), principal)


class FakeVault:
    """Sealing that a test can tell apart from plaintext and that is bound to the tenant, as KMS's is."""

    def seal(self, tenant: str, plaintext: str) -> str:
        return "sealed:" + base64.urlsafe_b64encode(f"{tenant}|{plaintext}".encode()).decode()

    def open(self, tenant: str, token: str) -> str:
        owner, _, plain = (
            base64.urlsafe_b64decode(token.removeprefix("sealed:").encode()).decode().partition("|")
        )
        if owner != tenant:
            raise ValueError("value cannot be decrypted")
        return plain

    def digest(self, tenant: str, kind: str, value: str) -> str:
        return hashlib.sha256(f"{tenant}|{kind}|{value}".encode()).hexdigest()[:32]


@dataclass
class FakeDirectory:
    people: dict[tuple[str, str], StaffInfo] = field(default_factory=dict)
    unit_records: dict[tuple[str, str], Unit] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def staff(self, tenant: str, staff_id: str) -> StaffInfo | None:
        self.reads.append("GetItem")
        return self.people.get((tenant, staff_id))

    def units(self, tenant: str) -> Mapping[str, Unit]:
        self.reads.append("Query")
        return {uid: u for (t, uid), u in self.unit_records.items() if t == tenant}

    def with_role(self, tenant: str, role: str, department_id: str) -> list[StaffInfo]:
        self.reads.append("Query")
        return [
            p
            for (t, _), p in sorted(self.people.items())
            if t == tenant and p.active and p.department_id == department_id and role in p.roles
        ]

    def many(self, tenant: str, staff_ids: list[str]) -> dict[str, StaffInfo]:
        self.reads.append("BatchGetItem")
        return {s: self.people[(tenant, s)] for s in staff_ids if (tenant, s) in self.people}

    def add_unit(self, tenant: str, unit_id: str, name: str, parent_id: str | None = None) -> Unit:
        unit = Unit(unit_id, name, parent_id)
        self.unit_records[(tenant, unit_id)] = unit
        return unit

    def add_person(
        self, tenant: str, staff_id: str, name: str, department_id: str, *roles: str, active: bool = True
    ) -> StaffInfo:
        person = StaffInfo(staff_id, name, department_id, tuple(roles), active)
        self.people[(tenant, staff_id)] = person
        return person


# ---- care teams, signed residents, visit notes (service/teams.py) ----------------------------------------


@dataclass
class FakeCareTeams:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, team_id: str) -> CareTeam | None:
        self.tables.reads.append("GetItem")
        return self.tables.teams.get((self.tenant, team_id))

    def page(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (f"{t.department_id}#{t.id}", t)
            for (tenant, _), t in self.tables.teams.items()
            if tenant == self.tenant
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#teams")

    def _set_members(self, team_id: str, before: set[str], after: set[str]) -> None:
        for staff_id in before - after:
            self.tables.memberships.get((self.tenant, staff_id), set()).discard(team_id)
        for staff_id in after:
            self.tables.memberships.setdefault((self.tenant, staff_id), set()).add(team_id)

    def add(self, team: CareTeam, taken: DomainError) -> None:
        key = (self.tenant, team.id)

        def free() -> None:
            if key in self.tables.teams:
                raise taken

        def write() -> None:
            self.tables.teams[key] = team.model_copy(update={"revision": 0})
            self._set_members(team.id, set(), team.member_ids())

        self.uow.check(free)
        self.uow.stage(write)

    def save(self, team: CareTeam, before: CareTeam, stale: DomainError) -> None:
        key = (self.tenant, team.id)

        def write() -> None:
            self.tables.teams[key] = team.model_copy(update={"revision": before.revision + 1})
            self._set_members(team.id, before.member_ids(), team.member_ids())

        self.uow.check(lambda: _stale_check(self.tables.teams.get(key), before.revision, stale))
        self.uow.stage(write)

    def resident(self, team_id: str, patient_id: str) -> SignedResident | None:
        self.tables.reads.append("GetItem")
        return self.tables.residents.get((self.tenant, team_id, patient_id))

    def sign(self, resident: SignedResident, taken: DomainError) -> None:
        key = (self.tenant, resident.team_id, resident.patient_id)

        def free() -> None:
            if key in self.tables.residents:
                raise taken

        self.uow.check(free)
        self.uow.stage(lambda: self.tables.residents.__setitem__(key, resident))

    def unsign(self, resident: SignedResident) -> None:
        key = (self.tenant, resident.team_id, resident.patient_id)
        self.uow.stage(lambda: self.tables.residents.pop(key, None) and None)

    def residents(self, team_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (f"{r.signed_at.isoformat()}#{r.patient_id}", r)
            for (tenant, team, _), r in self.tables.residents.items()
            if tenant == self.tenant and team == team_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#team#{team_id}#residents", newest_first=True)


@dataclass
class FakeVisitNotes:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def add(self, note: VisitNote) -> None:
        key = (self.tenant, note.id)

        def free() -> None:
            if key in self.tables.notes:
                raise Conflict("already exists")

        self.uow.check(free)
        self.uow.stage(lambda: self.tables.notes.__setitem__(key, note))

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (f"note#{n.id}", n)
            for (tenant, _), n in self.tables.notes.items()
            if tenant == self.tenant and n.patient_id == patient_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#patient#{patient_id}", newest_first=True)


# ---- chronic revisits (service/revisits.py) ---------------------------------------------------------------


@dataclass
class FakeRevisits:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, revisit_id: str) -> Revisit | None:
        self.tables.reads.append("GetItem")
        return self.tables.revisits.get((self.tenant, revisit_id))

    def add(self, revisit: Revisit) -> None:
        key = (self.tenant, revisit.id)

        def free() -> None:
            if key in self.tables.revisits:
                raise Conflict("already exists")

        self.uow.check(free)
        self.uow.stage(
            lambda: self.tables.revisits.__setitem__(key, revisit.model_copy(update={"revision": 0}))
        )

    def save(self, revisit: Revisit, expected: RevisitState, stale: DomainError) -> None:
        key = (self.tenant, revisit.id)

        def same() -> None:
            stored = self.tables.revisits.get(key)
            if stored is None or stored.revision != revisit.revision or stored.state != expected:
                raise stale

        self.uow.check(same)
        self.uow.stage(
            lambda: self.tables.revisits.__setitem__(
                key, revisit.model_copy(update={"revision": revisit.revision + 1})
            )
        )

    def of_department(
        self, department_id: str, state: RevisitState, limit: int, cursor: str | None
    ) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (f"{r.created_at.isoformat()}#{r.id}", r)
            for (tenant, _), r in self.tables.revisits.items()
            if tenant == self.tenant and r.department_id == department_id and r.state == state
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#revisits#{department_id}#{state}")


@dataclass
class FakeExpiredClaims:
    """The system-wide claims index in memory: every hospital's claims whose hold ran out."""

    tables: Tables

    def due(self, now: datetime, limit: int) -> list[tuple[str, Revisit]]:
        self.tables.reads.append("Query")
        rows = sorted(
            (
                (r.claim_expires_at, tenant, r)
                for (tenant, _), r in self.tables.revisits.items()
                if r.state == "claimed" and r.claim_expires_at is not None and r.claim_expires_at <= now
            ),
            key=lambda row: (row[0], row[1], row[2].id),
        )
        return [(tenant, r) for _, tenant, r in rows[:limit]]


# ---- SLA timers -------------------------------------------------------------------------------------------


@dataclass
class FakeTimers:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def put(self, timer: SlaTimer) -> None:
        self.uow.stage(lambda: self.tables.timers.__setitem__((self.tenant, timer.key), timer))

    def remove(self, timer: SlaTimer) -> None:
        self.uow.stage(lambda: self.tables.timers.pop((self.tenant, timer.key), None))

    def fire(self, timer: SlaTimer, fired: DomainError) -> None:
        key = (self.tenant, timer.key)

        def still_there() -> None:
            if self.tables.timers.get(key) != timer:
                raise fired

        self.uow.check(still_there)
        self.uow.stage(lambda: self.tables.timers.pop(key, None))

    def of_subject(self, kind: str, subject_id: str) -> list[SlaTimer]:
        self.tables.reads.append("Query")
        return sorted(
            (
                t
                for (tenant, _), t in self.tables.timers.items()
                if tenant == self.tenant and t.kind == kind and t.subject_id == subject_id
            ),
            key=lambda t: t.step,
        )


@dataclass
class FakeDueTimers:
    """The system-wide due index in memory: every hospital's timers due by ``now``."""

    tables: Tables

    def due(self, now: datetime, limit: int) -> list[tuple[str, SlaTimer]]:
        self.tables.reads.append("Query")
        rows = sorted(
            (
                (t.due_at, tenant, t.key, t)
                for (tenant, _), t in self.tables.timers.items()
                if t.due_at <= now
            ),
            key=lambda row: row[:3],
        )
        return [(tenant, t) for _, tenant, _, t in rows[:limit]]


# ---- referrals (service/referrals.py) ---------------------------------------------------------------------


@dataclass
class FakeReferrals:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, referral_id: str) -> Referral | None:
        self.tables.reads.append("GetItem")
        return self.tables.referrals.get((self.tenant, referral_id))

    def add(self, referral: Referral, taken: DomainError) -> None:
        _create(self.uow, self.tables.referrals, (self.tenant, referral.id), referral, taken)

    def save(self, referral: Referral, stale: DomainError) -> None:
        _replace(self.uow, self.tables.referrals, (self.tenant, referral.id), referral, stale)

    def box(
        self, box: Box, state: ReferralState, limit: int, cursor: str | None
    ) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = sorted(
            (f"{r.sla_due_at.isoformat()}#{r.id}", r)
            for (tenant, _), r in self.tables.referrals.items()
            if tenant == self.tenant and r.box == box and r.state == state
        )
        return page_after(rows, limit, cursor, f"{self.tenant}#referrals#{box}#{state}")

    def settings(self) -> ReferralSettings | None:
        self.tables.reads.append("GetItem")
        return self.tables.referral_settings.get((self.tenant, "settings"))

    def put_settings(self, settings: ReferralSettings, stale: DomainError) -> None:
        key = (self.tenant, "settings")
        if settings.revision == 0:
            _create(self.uow, self.tables.referral_settings, key, settings, stale)
        else:
            _replace(self.uow, self.tables.referral_settings, key, settings, stale)


@dataclass
class FakeReferralCounts:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def _add(self, key: tuple[str, str], moves: Mapping[str, int]) -> None:
        def write() -> None:
            counts = self.tables.referral_counts.setdefault(key, {})
            for name, n in moves.items():
                counts[name] = counts.get(name, 0) + n

        self.uow.stage(write)

    def move(self, box: Box, before: ReferralState | None, after: ReferralState) -> None:
        moves = {f"{box}_{after}": 1}
        if before is not None:
            moves[f"{box}_{before}"] = -1
        self._add((self.tenant, "boxes"), moves)

    def add_consortium(self, consortium_id: str, month: str, moves: Mapping[str, int]) -> None:
        wanted = {k: n for k, n in moves.items() if k in CONSORTIUM_COUNTERS}
        self._add((self.tenant, f"{consortium_id}#{month}"), wanted)

    def summary(self) -> dict[str, int]:
        self.tables.reads.append("GetItem")
        got = self.tables.referral_counts.get((self.tenant, "boxes"), {})
        return {f"{b}_{s}": got.get(f"{b}_{s}", 0) for b in ("out", "in") for s in REFERRAL_STATES}

    def consortium(self, consortium_id: str, month: str) -> dict[str, int]:
        self.tables.reads.append("GetItem")
        got = self.tables.referral_counts.get((self.tenant, f"{consortium_id}#{month}"), {})
        return {name: got.get(name, 0) for name in CONSORTIUM_COUNTERS}


@dataclass
class FakeConsortia:
    """The consortium read model in memory: consortium id → lead, name and members (hospital → active)."""

    consortia: dict[str, tuple[str, str, dict[str, bool]]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    desk_duty: dict[str, list[str]] = field(default_factory=dict)  # hospital → the desk on duty now

    def found(self, consortium_id: str, lead: str, *members: str, name: str = "医共体") -> None:
        self.consortia[consortium_id] = (lead, name, {h: True for h in (lead, *members)})

    def leave(self, consortium_id: str, hospital: str) -> None:
        self.consortia[consortium_id][2][hospital] = False

    def _link(self, hospital: str, consortium_id: str) -> ConsortiumLink | None:
        if consortium_id not in self.consortia:
            return None
        lead, name, members = self.consortia[consortium_id]
        if not members.get(hospital):
            return None
        return ConsortiumLink(consortium_id, name, lead, "lead" if hospital == lead else "member")

    def shared(self, hospital_a: str, hospital_b: str, consortium_id: str) -> ConsortiumLink | None:
        self.reads += ["GetItem", "GetItem"]
        if hospital_a == hospital_b:
            return None
        if self._link(hospital_b, consortium_id) is None:
            return None
        return self._link(hospital_a, consortium_id)

    def memberships(self, hospital: str) -> list[ConsortiumLink]:
        self.reads.append("Query")
        return [link for cid in sorted(self.consortia) if (link := self._link(hospital, cid)) is not None]

    def members(self, lead: str, consortium_id: str) -> dict[str, str]:
        self.reads.append("Query")
        found = self.consortia.get(consortium_id)
        if found is None or found[0] != lead:
            return {}
        return {h: self.names.get(h, "") for h, active in found[2].items() if active}

    def hospital_name(self, hospital: str) -> str:
        self.reads.append("GetItem")
        return self.names.get(hospital, "")

    desks: dict[str, list[str]] = field(default_factory=dict)

    def referral_desk(self, hospital: str) -> list[str]:
        self.reads.append("Query")
        return list(self.desks.get(hospital, []))

    def desk_on_duty(self, hospital: str, at: datetime) -> list[str]:
        self.reads.append("Query")
        on = self.desk_duty.get(hospital)
        return list(on) if on else list(self.desks.get(hospital, []))


# ---- intake: plans, enrolment rules, encounters, enrolments -------------------------------------------


def _create(uow: MemoryUnitOfWork, table: dict[Any, Any], key: Any, record: Any, taken: DomainError) -> None:
    def free() -> None:
        if key in table:
            raise taken

    uow.check(free)
    uow.stage(lambda: table.__setitem__(key, record.model_copy(update={"revision": 0})))


def _replace(uow: MemoryUnitOfWork, table: dict[Any, Any], key: Any, record: Any, stale: DomainError) -> None:
    uow.check(lambda: _stale_check(table.get(key), record.revision, stale))
    uow.stage(lambda: table.__setitem__(key, record.model_copy(update={"revision": record.revision + 1})))


@dataclass
class FakePlans:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, plan_id: str) -> Plan | None:
        self.tables.reads.append("GetItem")
        return self.tables.plans.get((self.tenant, plan_id))

    def version(self, plan_id: str, version: int) -> Plan | None:
        self.tables.reads.append("GetItem")
        return self.tables.plan_versions.get((self.tenant, plan_id, version))

    def page(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [(pid, p) for (t, pid), p in self.tables.plans.items() if t == self.tenant]
        return page_after(rows, limit, cursor, f"{self.tenant}#plans")

    def add(self, plan: Plan, taken: DomainError) -> None:
        _create(self.uow, self.tables.plans, (self.tenant, plan.id), plan, taken)
        _create(self.uow, self.tables.plan_versions, (self.tenant, plan.id, plan.version), plan, taken)

    def publish(self, plan: Plan, stale: DomainError) -> None:
        _replace(self.uow, self.tables.plans, (self.tenant, plan.id), plan, stale)
        _create(self.uow, self.tables.plan_versions, (self.tenant, plan.id, plan.version), plan, stale)


@dataclass
class FakeEnrolmentRules:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self) -> RuleSet | None:
        self.tables.reads.append("GetItem")
        return self.tables.rules.get(self.tenant)

    def add(self, rules: RuleSet, taken: DomainError) -> None:
        _create(self.uow, self.tables.rules, self.tenant, rules, taken)

    def save(self, rules: RuleSet, stale: DomainError) -> None:
        _replace(self.uow, self.tables.rules, self.tenant, rules, stale)


@dataclass
class FakeEncounters:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, encounter_id: str) -> Encounter | None:
        self.tables.reads.append("GetItem")
        return self.tables.encounters.get((self.tenant, encounter_id))

    def by_discharge(self, key: str) -> Encounter | None:
        self.tables.reads.append("GetItem")
        return self.tables.discharges.get((self.tenant, key))

    def add(self, encounter: Encounter, key: str, taken: DomainError) -> None:
        _create(self.uow, self.tables.discharges, (self.tenant, key), encounter.claim(), taken)
        _create(self.uow, self.tables.encounters, (self.tenant, encounter.id), encounter, taken)

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (e.id, e)
            for (t, _), e in self.tables.encounters.items()
            if t == self.tenant and e.patient_id == patient_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#patient#{patient_id}", newest_first=True)


@dataclass
class FakeEnrolments:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, enrolment_id: str) -> Enrolment | None:
        self.tables.reads.append("GetItem")
        return self.tables.enrolments.get((self.tenant, enrolment_id))

    def add(self, enrolment: Enrolment) -> None:
        _create(
            self.uow,
            self.tables.enrolments,
            (self.tenant, enrolment.id),
            enrolment,
            Conflict("already exists"),
        )

    def save(self, enrolment: Enrolment, stale: DomainError) -> None:
        _replace(self.uow, self.tables.enrolments, (self.tenant, enrolment.id), enrolment, stale)

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (e.id, e)
            for (t, _), e in self.tables.enrolments.items()
            if t == self.tenant and e.patient_id == patient_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#patient#{patient_id}", newest_first=True)


@dataclass
class FakeExtensionsDue:
    """The system index of lifelong enrolments by where their tasks end, over the fakes' tables."""

    tables: Tables

    def due(self, by: date, limit: int) -> list[tuple[str, str]]:
        self.tables.reads.append("Query")
        rows = sorted(
            (e.materialised_to, t, e.id)
            for (t, _), e in self.tables.enrolments.items()
            if e.lifelong and e.state == "active" and e.materialised_to <= by
        )
        return [(t, eid) for _, t, eid in rows[:limit]]


# ---- questionnaires, links, responses, observations ------------------------------------------------------


@dataclass
class FakeQuestionnaires:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, questionnaire_id: str) -> Questionnaire | None:
        self.tables.reads.append("GetItem")
        return self.tables.questionnaires.get((self.tenant, questionnaire_id))  # type: ignore[no-any-return]

    def version(self, questionnaire_id: str, version: int) -> Questionnaire | None:
        self.tables.reads.append("GetItem")
        return self.tables.questionnaire_versions.get((self.tenant, questionnaire_id, version))  # type: ignore[no-any-return]

    def page(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [(q.id, q) for (t, _), q in self.tables.questionnaires.items() if t == self.tenant]
        return page_after(rows, limit, cursor, f"{self.tenant}#questionnaires")

    def _keep_version(self, q: Questionnaire, conflict: DomainError) -> None:
        key = (self.tenant, q.id, q.version)

        def free() -> None:
            if key in self.tables.questionnaire_versions:
                raise conflict

        self.uow.check(free)
        self.uow.stage(lambda: self.tables.questionnaire_versions.__setitem__(key, q))

    def add(self, questionnaire: Questionnaire, taken: DomainError) -> None:
        key = (self.tenant, questionnaire.id)

        def free() -> None:
            if key in self.tables.questionnaires:
                raise taken

        self.uow.check(free)
        self.uow.stage(
            lambda: self.tables.questionnaires.__setitem__(
                key, questionnaire.model_copy(update={"revision": 0})
            )
        )
        self._keep_version(questionnaire, taken)

    def save(self, questionnaire: Questionnaire, stale: DomainError) -> None:
        key = (self.tenant, questionnaire.id)
        self.uow.check(
            lambda: _stale_check(self.tables.questionnaires.get(key), questionnaire.revision, stale)
        )
        self.uow.stage(
            lambda: self.tables.questionnaires.__setitem__(
                key, questionnaire.model_copy(update={"revision": questionnaire.revision + 1})
            )
        )
        self._keep_version(questionnaire, stale)


@dataclass
class FakeLinks:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, link_id: str) -> Link | None:
        self.tables.reads.append("GetItem")
        return self.tables.links.get((self.tenant, link_id))  # type: ignore[no-any-return]

    def add(self, link: Link) -> None:
        key = (self.tenant, link.id)

        def free() -> None:
            if key in self.tables.links:
                raise Conflict("already exists")

        self.uow.check(free)
        self.uow.stage(lambda: self.tables.links.__setitem__(key, link.model_copy(update={"revision": 0})))

    def save(self, link: Link, stale: DomainError) -> None:
        key = (self.tenant, link.id)
        self.uow.check(lambda: _stale_check(self.tables.links.get(key), link.revision, stale))
        self.uow.stage(
            lambda: self.tables.links.__setitem__(
                key, link.model_copy(update={"revision": link.revision + 1})
            )
        )

    def hit(self, link_id: str, window: str, limit: int, refused: DomainError) -> None:
        self.tables.reads.append("UpdateItem")
        key = (self.tenant, link_id, window)
        held = self.tables.link_hits.get(key, 0)
        if held >= limit:
            raise refused
        self.tables.link_hits[key] = held + 1


@dataclass
class FakeLinkLookup:
    tables: Tables

    def find(self, token_hash: str) -> tuple[str, Link] | None:
        self.tables.reads.append("Query")
        for (tenant, _), link in self.tables.links.items():
            if link.token_hash == token_hash:
                return tenant, link
        return None


@dataclass
class FakeOwned:
    """A patient's responses or observations (ids ``<pid>-<time-ordered id>``: newest first by id)."""

    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork
    records: dict[tuple[str, str], Any]

    def add(self, record: Response | Observation) -> None:
        key = (self.tenant, record.id)

        def free() -> None:
            if key in self.records:
                raise Conflict("already exists")

        self.uow.check(free)
        self.uow.stage(lambda: self.records.__setitem__(key, record))

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        self.tables.reads.append("Query")
        rows = [
            (r.id, r) for (t, _), r in self.records.items() if t == self.tenant and r.patient_id == patient_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#patient#{patient_id}", newest_first=True)


# ---- consultations (service/consultations.py) ------------------------------------------------------------


@dataclass
class FakeConsultations:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, consultation_id: str) -> Any:
        self.tables.reads.append("GetItem")
        return self.tables.consultations.get((self.tenant, consultation_id))

    def add(self, consultation: Any, taken: DomainError) -> None:
        _create(self.uow, self.tables.consultations, (self.tenant, consultation.id), consultation, taken)

    def save(self, consultation: Any, stale: DomainError) -> None:
        _replace(self.uow, self.tables.consultations, (self.tenant, consultation.id), consultation, stale)

    def box(self, box: str, department_id: str, board: str, limit: int, cursor: str | None) -> Any:
        from chalicelib.followup.domain.consultations import board_of

        self.tables.reads.append("Query")
        rows = []
        for (tenant, _), c in self.tables.consultations.items():
            if tenant != self.tenant or board_of(c.state) != board:
                continue
            receives = c.side == "to" or c.scope == "local"
            if box == "out" and (c.side != "from" or c.from_department_id != department_id):
                continue
            if box == "in" and (not receives or department_id not in c.department_ids):
                continue
            rows.append((f"{c.due_at.astimezone(UTC).isoformat()}#{c.id}", c))
        return page_after(rows, limit, cursor, f"{self.tenant}#consultations#{box}#{department_id}#{board}")

    def settings(self) -> Any:
        self.tables.reads.append("GetItem")
        return self.tables.consultation_sla.get(self.tenant)

    def put_settings(self, settings: Any, stale: DomainError) -> None:
        def same() -> None:
            stored = self.tables.consultation_sla.get(self.tenant)
            if (stored.revision if stored else 0) != settings.revision:
                raise stale

        saved = settings.model_copy(update={"revision": settings.revision + 1})
        self.uow.check(same)
        self.uow.stage(lambda: self.tables.consultation_sla.__setitem__(self.tenant, saved))

    def count(self, department_id: str, month: str, moves: Mapping[str, int]) -> None:
        def write() -> None:
            counts = self.tables.consultation_stats.setdefault((self.tenant, month, department_id), {})
            for name, n in moves.items():
                counts[name] = counts.get(name, 0) + n

        self.uow.stage(write)

    def stats(self, month: str) -> Any:
        from chalicelib.followup.domain.consultations import Counts as ConsultationCounts

        self.tables.reads.append("Query")
        return {
            department: ConsultationCounts(**counts)
            for (tenant, m, department), counts in sorted(self.tables.consultation_stats.items())
            if tenant == self.tenant and m == month
        }


@dataclass
class FakePeers:
    """The consortium links and the on-duty roster in memory: ``links[(hospital, consortium)] = lead``
    for active members; ``duty[(tenant, unit)] = staff ids``."""

    links: dict[tuple[str, str], str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    duty: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def join(self, consortium_id: str, lead: str, *hospitals: str) -> None:
        for h in (lead, *hospitals):
            self.links[(h, consortium_id)] = lead

    def leave(self, hospital: str, consortium_id: str) -> None:
        self.links.pop((hospital, consortium_id), None)

    def shared(self, hospital_a: str, hospital_b: str, consortium_id: str) -> Any:
        from chalicelib.followup.domain.ports import SharedConsortium

        a, b = self.links.get((hospital_a, consortium_id)), self.links.get((hospital_b, consortium_id))
        if hospital_a == hospital_b or a is None or a != b:
            return None
        members = {h: self.names.get(h, "") for (h, c) in self.links if c == consortium_id}
        return SharedConsortium(consortium_id, "城东医联体", members)

    def on_duty(self, tenant: str, unit_id: str, at: datetime) -> list[str]:
        return list(self.duty.get((tenant, unit_id), []))
