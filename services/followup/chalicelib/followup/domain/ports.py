"""What follow-up's use cases need from outside the domain, as Protocols.

The DynamoDB and KMS implementations are in ``adapters/``; in-memory fakes that keep the same
promises (create-only, revisions) are in ``tests/unit/followup/fakes.py``, and
``tests/service/test_followup_store.py`` runs the same checks on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.followup.domain.board import CallEntry, DueNotice, SweepProgress
from chalicelib.followup.domain.consultations import Board, Consultation, SlaSettings
from chalicelib.followup.domain.consultations import Counts as ConsultationCounts
from chalicelib.followup.domain.enrolments import Encounter, Enrolment
from chalicelib.followup.domain.kpis import Counts
from chalicelib.followup.domain.links import Link
from chalicelib.followup.domain.patients import Patient, RetentionPolicy
from chalicelib.followup.domain.plans import Plan
from chalicelib.followup.domain.questionnaires import Questionnaire
from chalicelib.followup.domain.referrals import Box, Referral, ReferralSettings, ReferralState
from chalicelib.followup.domain.results import Observation, Response
from chalicelib.followup.domain.revisits import Revisit, RevisitState
from chalicelib.followup.domain.rules import RuleSet
from chalicelib.followup.domain.tasks import BoardScope, Task, TaskState
from chalicelib.followup.domain.teams import CareTeam, SignedResident, VisitNote
from chalicelib.followup.domain.timers import SlaTimer

from shared.errors import DomainError

Page = tuple[list[Any], str | None]


@dataclass(frozen=True)
class StaffInfo:
    """A member of staff as the directory has them now."""

    id: str
    name: str
    department_id: str
    roles: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class Unit:
    """A unit of the hospital (科室/病区), with its parent and head."""

    id: str
    name: str
    parent_id: str | None = None
    head_id: str | None = None


class Directory(Protocol):
    def staff(self, tenant: str, staff_id: str) -> StaffInfo | None:
        """A member of staff (one GetItem); None if unknown."""

    def units(self, tenant: str) -> Mapping[str, Unit]:
        """Every unit of the hospital by id (one Query)."""

    def with_role(self, tenant: str, role: str, department_id: str) -> list[StaffInfo]:
        """The active staff of a department holding a role (one Query of the department's staff)."""

    def many(self, tenant: str, staff_ids: list[str]) -> dict[str, StaffInfo]:
        """These members of staff as the directory has them (one BatchGetItem per 100); unknown ids are
        left out."""


class Vault(Protocol):
    """Field encryption and blind indexes (``shared.crypto`` on KMS; a fake in the tests)."""

    def seal(self, tenant: str, plaintext: str) -> str: ...

    def open(self, tenant: str, token: str) -> str: ...

    def digest(self, tenant: str, kind: str, value: str) -> str: ...


class PatientRepository(Protocol):
    def get(self, patient_id: str) -> Patient | None: ...

    def by_id_number(self, digest: str) -> Patient | None:
        """The patient with this ID number's blind index (one Query)."""

    def claimed(self, digest: str) -> Patient | None:
        """The patient holding this ID number's claim, read strongly (two GetItems: the claim, the
        patient): what a registration must see, even of a patient registered a moment ago."""

    def by_mobile(self, digest: str) -> list[Patient]:
        """The patients with this mobile's blind index (one Query; a family may share a mobile)."""

    def of_department(self, department_id: str, limit: int, cursor: str | None) -> Page:
        """The department's patients, newest first (one Query a page)."""

    def add(self, patient: Patient, taken: DomainError) -> None:
        """Create-only, with the ID number claimed in the same transaction: ``taken`` if it is."""

    def save(self, patient: Patient, stale: DomainError) -> None:
        """Replace, if the stored revision is still ``patient.revision`` (then +1)."""


class AccessLog(Protocol):
    """Every read of a patient's record or results, and every change, in the patient's access log."""

    def record(self, patient_id: str, action: str, reason: str = "") -> None:
        """One create-only write of the read, by the store's caller, now (not staged: a read is audited
        even when nothing else is written)."""

    def page(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        """The patient's access log, newest first: ``AccessEntry`` rows."""


class RetentionRepository(Protocol):
    def get(self) -> RetentionPolicy | None:
        """The hospital's retention policy (one GetItem); None: the default."""

    def put(self, policy: RetentionPolicy, stale: DomainError) -> None:
        """Replace (staged), if the stored revision is still ``policy.revision``."""

    def due(self, on: date, limit: int) -> list[str]:
        """Ids of this hospital's patients whose retention ended by ``on`` (one Query of an index)."""

    def erase(self, patient: Patient) -> int:
        """Delete now everything in the patient's partition but the patient, and the ID number's claim
        (one Query, then batches); how many items. The caller then saves the patient's tombstone."""


class TaskRepository(Protocol):
    def get(self, task_id: str) -> Task | None: ...

    def add(self, task: Task) -> None:
        """Create-only (staged)."""

    def save(self, task: Task, stale: DomainError) -> None:
        """Replace if the stored revision is still ``task.revision`` (staged): its boards follow."""

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
        """One board's tasks in a state, by due date (both bounds included), one Query a page."""

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        """A patient's tasks by due date (one Query a page)."""


class CareTeamMembership(Protocol):
    def teams_of(self, staff_id: str) -> set[str]:
        """The care teams a member of staff belongs to (one Query)."""


class CallLog(Protocol):
    """The calls made for a patient's tasks, in the patient's partition."""

    def add(self, entry: CallEntry) -> None:
        """Create-only (staged)."""

    def get(self, task_id: str, call_id: str) -> CallEntry | None: ...

    def of_task(self, task_id: str, limit: int) -> list[CallEntry]:
        """The task's calls, newest first (one Query)."""


class SweepMarks(Protocol):
    """What the daily sweep keeps: which tasks it announced, and how far it got in a day."""

    def announce(self, notice: DueNotice, taken: DomainError) -> None:
        """Create-only (staged): ``taken`` when the task was announced already."""

    def progress(self, day: date) -> SweepProgress | None:
        """The hospital's sweep of that local day so far (one GetItem)."""

    def save_progress(self, progress: SweepProgress, stale: DomainError) -> None:
        """Create (revision 0, not yet stored) or replace if still at ``progress.revision`` (staged)."""


class KpiCounters(Protocol):
    """Follow-up's counters per department and month (``domain.kpis``)."""

    def add(self, department_id: str, month: str, moves: Mapping[str, int]) -> None:
        """Add to the counters (staged; an atomic ADD, so concurrent events all count)."""

    def get(self, department_id: str, month: str) -> Counts:
        """The month's counters (one GetItem; zeros when none moved)."""


class Hospitals(Protocol):
    """The province's hospitals (tenants), for the sweeps that work across them."""

    def all(self) -> list[tuple[str, str]]:
        """Every onboarded hospital: (tenant, time zone)."""

    def time_zone(self, tenant: str) -> str | None:
        """The hospital's time zone as its record names it (one GetItem); None: not recorded."""


class Files(Protocol):
    """Files in the province's attachments bucket (``shared.files``): presigned PUT and GET."""

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str: ...

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str: ...

    def uploaded(self, object_key: str) -> bool: ...


class PlanRepository(Protocol):
    """A hospital's plans (built-ins are not stored until the hospital publishes a version of one)."""

    def get(self, plan_id: str) -> Plan | None:
        """The plan's current version (one GetItem)."""

    def version(self, plan_id: str, version: int) -> Plan | None:
        """One published version, as it was (one GetItem)."""

    def page(self, limit: int, cursor: str | None) -> Page:
        """The hospital's stored plans by id (one Query a page)."""

    def add(self, plan: Plan, taken: DomainError) -> None:
        """Create-only, with its version's record (staged)."""

    def publish(self, plan: Plan, stale: DomainError) -> None:
        """Replace the current version if its revision is still ``plan.revision``, and add the new
        version's record (create-only) (staged)."""


class EnrolmentRuleRepository(Protocol):
    def get(self) -> RuleSet | None:
        """The hospital's saved rules (None: it uses the defaults) (one GetItem)."""

    def add(self, rules: RuleSet, taken: DomainError) -> None:
        """The hospital's first rules, create-only (staged)."""

    def save(self, rules: RuleSet, stale: DomainError) -> None:
        """Replace if the stored revision is still ``rules.revision`` (staged)."""


class EncounterRepository(Protocol):
    def get(self, encounter_id: str) -> Encounter | None: ...

    def by_discharge(self, key: str) -> Encounter | None:
        """The encounter a discharge's key was claimed for (one GetItem)."""

    def add(self, encounter: Encounter, key: str, taken: DomainError) -> None:
        """Create-only, with the claim of the discharge's ``key`` (staged): ``taken`` if either exists."""

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        """The patient's encounters, newest first (one Query a page)."""


class EnrolmentRepository(Protocol):
    def get(self, enrolment_id: str) -> Enrolment | None: ...

    def add(self, enrolment: Enrolment) -> None:
        """Create-only (staged)."""

    def save(self, enrolment: Enrolment, stale: DomainError) -> None:
        """Replace if the stored revision is still ``enrolment.revision`` (staged)."""

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        """The patient's enrolments, newest first (one Query a page)."""


class ExtensionsDue(Protocol):
    def due(self, by: date, limit: int) -> list[tuple[str, str]]:
        """(tenant, enrolment id) of the active lifelong enrolments whose tasks end by ``by``, across
        hospitals, the nearest first (one Query)."""


class QuestionnaireRepository(Protocol):
    """The hospital's questionnaires: the current version of each, and every version kept."""

    def get(self, questionnaire_id: str) -> Questionnaire | None:
        """The current version the hospital stored (one GetItem); None: never stored."""

    def version(self, questionnaire_id: str, version: int) -> Questionnaire | None:
        """One stored version (one GetItem)."""

    def page(self, limit: int, cursor: str | None) -> Page:
        """The hospital's questionnaires (current versions) by id, one Query a page."""

    def add(self, questionnaire: Questionnaire, taken: DomainError) -> None:
        """Create-only, with its version kept (staged)."""

    def save(self, questionnaire: Questionnaire, stale: DomainError) -> None:
        """A new current version if the stored revision is still ``questionnaire.revision``, the
        version kept beside it (staged)."""


class LinkRepository(Protocol):
    def get(self, link_id: str) -> Link | None: ...

    def add(self, link: Link) -> None:
        """Create-only (staged)."""

    def save(self, link: Link, stale: DomainError) -> None:
        """Replace if the stored revision is still ``link.revision`` (staged)."""

    def hit(self, link_id: str, window: str, limit: int, refused: DomainError) -> None:
        """Count one request of the link in ``window`` now (one atomic UpdateItem, not staged: a refused
        request counts too); ``refused`` if the window already holds ``limit``."""


class LinkLookup(Protocol):
    """The tenant-free look-up of a link by its token's digest (a public request names no hospital)."""

    def find(self, token_hash: str) -> tuple[str, Link] | None:
        """(tenant, link) of the digest (one Query), or None."""


class ResponseRepository(Protocol):
    def add(self, response: Response) -> None:
        """Create-only (staged)."""

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        """A patient's responses, newest first (one Query a page)."""


class ObservationRepository(Protocol):
    def add(self, observation: Observation) -> None:
        """Create-only (staged)."""

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        """A patient's observations, newest first (one Query a page)."""


class TimerRepository(Protocol):
    """A hospital's SLA timers (``domain/timers.py``): staged with the change that starts or ends them."""

    def put(self, timer: SlaTimer) -> None:
        """Start (or move) the timer ``timer.key`` (staged)."""

    def remove(self, timer: SlaTimer) -> None:
        """Drop the timer if it is there (staged; answering before it fires)."""

    def fire(self, timer: SlaTimer, fired: DomainError) -> None:
        """Delete the timer on the condition that it is still there as read (staged): the commit raises
        ``fired`` when another sweep fired it first."""

    def of_subject(self, kind: str, subject_id: str) -> list[SlaTimer]:
        """The subject's pending timers (one Query)."""
        ...


class DueTimers(Protocol):
    """Timers due, across hospitals (a system-wide sparse index: never a scan)."""

    def due(self, now: datetime, limit: int) -> list[tuple[str, SlaTimer]]:
        """(tenant, timer) due by ``now``, the longest overdue first (one Query)."""
        ...


class ReferralRepository(Protocol):
    """A hospital's ends of referrals (``domain/referrals.py``): its out box and its in box."""

    def get(self, referral_id: str) -> Referral | None:
        """This hospital's end of the referral (one GetItem, strongly read); None when it has none."""

    def add(self, referral: Referral, taken: DomainError) -> None:
        """Create this hospital's end (staged)."""

    def save(self, referral: Referral, stale: DomainError) -> None:
        """Replace over the revision read (staged)."""

    def box(self, box: Box, state: ReferralState, limit: int, cursor: str | None) -> Page:
        """The referrals in a box and state, the earliest SLA due first (one Query a page)."""
        ...

    def settings(self) -> ReferralSettings | None:
        """The hospital's SLA minutes (one GetItem); None: the defaults."""

    def put_settings(self, settings: ReferralSettings, stale: DomainError) -> None:
        """Replace over the revision read (0: none yet) (staged)."""


class ReferralCounts(Protocol):
    """Counters moved in the transaction of each referral change (atomic ADDs): a hospital's by box and
    state (its summary), and a consortium's by month under the lead's tenant (no patient in them)."""

    def move(self, box: Box, before: ReferralState | None, after: ReferralState) -> None:
        """This hospital's box: one fewer in ``before``, one more in ``after`` (staged)."""

    def add_consortium(self, consortium_id: str, month: str, moves: Mapping[str, int]) -> None:
        """The consortium's month (this store's tenant being its lead): counters moved (staged)."""

    def summary(self) -> dict[str, int]:
        """``<box>_<state>`` → how many (one GetItem)."""
        ...

    def consortium(self, consortium_id: str, month: str) -> dict[str, int]:
        """The consortium's counters for a month (one GetItem)."""
        ...


@dataclass(frozen=True)
class ConsortiumLink:
    """A consortium ``hospital`` is an active member of (``shared.consortia.Membership``)."""

    consortium_id: str
    name: str
    lead_hospital_id: str
    role: str


class Consortia(Protocol):
    """The consortium read model (``shared.consortia``) and the hospitals' names (``shared.directory``)."""

    def shared(self, hospital_a: str, hospital_b: str, consortium_id: str) -> ConsortiumLink | None:
        """The consortium both are active members of now (two GetItems), or None."""

    def memberships(self, hospital: str) -> list[ConsortiumLink]:
        """The consortia ``hospital`` is an active member of (one Query)."""
        ...

    def members(self, lead: str, consortium_id: str) -> dict[str, str]:
        """The active members of a consortium, hospital id → name (one Query on the lead's roster)."""
        ...

    def hospital_name(self, hospital: str) -> str:
        """A hospital's name (one GetItem), "" if unknown."""
        ...

    def referral_desk(self, hospital: str) -> list[str]:
        """The hospital's active referral desk staff (转诊中心), else its hospital admins (one Query)."""
        ...

    def desk_on_duty(self, hospital: str, at: datetime) -> list[str]:
        """Who of the referral desk is on duty at ``at`` (the desk departments' published rosters,
        ``shared.onduty``); the whole desk (``referral_desk``) where no roster says."""
        ...


class Store(Protocol):
    """Follow-up's repositories for one tenant, bound to one unit of work."""

    tenant: str

    @property
    def patients(self) -> PatientRepository: ...

    @property
    def access(self) -> AccessLog: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def retention(self) -> RetentionRepository: ...

    @property
    def memberships(self) -> CareTeamMembership: ...

    @property
    def calls(self) -> CallLog: ...

    @property
    def sweep(self) -> SweepMarks: ...

    @property
    def kpis(self) -> KpiCounters: ...

    @property
    def teams(self) -> CareTeamRepository: ...

    @property
    def notes(self) -> VisitNoteRepository: ...

    @property
    def revisits(self) -> RevisitRepository: ...

    @property
    def plans(self) -> PlanRepository: ...

    @property
    def enrolment_rules(self) -> EnrolmentRuleRepository: ...

    @property
    def encounters(self) -> EncounterRepository: ...

    @property
    def enrolments(self) -> EnrolmentRepository: ...

    @property
    def questionnaires(self) -> QuestionnaireRepository: ...

    @property
    def links(self) -> LinkRepository: ...

    @property
    def responses(self) -> ResponseRepository: ...

    @property
    def observations(self) -> ObservationRepository: ...

    @property
    def timers(self) -> TimerRepository: ...

    @property
    def referrals(self) -> ReferralRepository: ...

    @property
    def referral_counts(self) -> ReferralCounts: ...

    @property
    def consultations(self) -> ConsultationRepository: ...

    def other(self, tenant: str) -> Store:
        """The same unit of work seen as hospital ``tenant`` (a referral's two ends in one transaction):
        its audit records and access-log entries go in that hospital's trail, naming the caller's."""
        ...

    def commit(self) -> None:
        """Send the staged writes, the audit and the events as one transaction."""

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None: ...

    def emit(self, event: Any) -> None: ...


class CareTeamRepository(Protocol):
    def get(self, team_id: str) -> CareTeam | None: ...

    def page(self, limit: int, cursor: str | None) -> Page:
        """The hospital's care teams by department (one Query a page)."""

    def add(self, team: CareTeam, taken: DomainError) -> None:
        """Create-only, with a membership item per member, in the same unit of work (staged)."""

    def save(self, team: CareTeam, before: CareTeam, stale: DomainError) -> None:
        """Replace if the stored revision is still ``before.revision``; memberships follow in the same unit
        of work: those of members no longer there deleted, the new ones written (staged)."""

    def resident(self, team_id: str, patient_id: str) -> SignedResident | None: ...

    def sign(self, resident: SignedResident, taken: DomainError) -> None:
        """Create-only (staged): the resident on the team's list."""

    def unsign(self, resident: SignedResident) -> None:
        """Off the team's list (staged)."""

    def residents(self, team_id: str, limit: int, cursor: str | None) -> Page:
        """The team's signed residents, newest first (one Query a page)."""


class VisitNoteRepository(Protocol):
    def add(self, note: VisitNote) -> None:
        """Create-only (staged)."""

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        """The patient's visit notes, newest first (one Query a page)."""


class RevisitRepository(Protocol):
    def get(self, revisit_id: str) -> Revisit | None: ...

    def add(self, revisit: Revisit) -> None:
        """Create-only (staged)."""

    def save(self, revisit: Revisit, expected: RevisitState, stale: DomainError) -> None:
        """Replace if the stored one is still in state ``expected`` at ``revisit.revision`` (then + 1):
        of concurrent claims on one request exactly one lands (staged)."""

    def of_department(self, department_id: str, state: RevisitState, limit: int, cursor: str | None) -> Page:
        """A department's requests in one state, oldest first (one Query a page)."""


class ExpiredClaims(Protocol):
    """Claims past their hold, across hospitals (a system-wide sparse index: never a scan)."""

    def due(self, now: datetime, limit: int) -> list[tuple[str, Revisit]]:
        """(tenant, revisit) of claims whose hold ended by ``now``, the longest overdue first (one Query)."""


class ConsultationRepository(Protocol):
    """A hospital's copies of consultations (会诊), its in- and out-boxes, SLA settings and counters."""

    def get(self, consultation_id: str) -> Consultation | None:
        """This hospital's copy (one GetItem)."""

    def add(self, consultation: Consultation, taken: DomainError) -> None:
        """Create-only, with its rows on the boards (staged)."""

    def save(self, consultation: Consultation, stale: DomainError) -> None:
        """Replace if the stored revision is still ``consultation.revision`` (then + 1); its board rows
        follow (staged)."""

    def box(self, box: Box, department_id: str, board: Board, limit: int, cursor: str | None) -> Page:
        """A department's out-box (asked by it) or in-box (asked of it) on one board, the earliest due
        first — the overdue ones first (one Query a page)."""

    def settings(self) -> SlaSettings | None:
        """The hospital's SLA settings (one GetItem); None: the defaults."""

    def put_settings(self, settings: SlaSettings, stale: DomainError) -> None:
        """Replace if the stored revision is still ``settings.revision`` (0: none stored) (staged)."""

    def count(self, department_id: str, month: str, moves: Mapping[str, int]) -> None:
        """Add to a department's counters of a month (staged; atomic ADDs)."""

    def stats(self, month: str) -> dict[str, ConsultationCounts]:
        """Every department's counters of a month (one Query)."""


@dataclass(frozen=True)
class SharedConsortium:
    """A consortium two hospitals are active members of now, with its hospitals' names."""

    id: str
    name: str
    hospital_names: Mapping[str, str]


class ConsultationPeers(Protocol):
    """What a consultation reads beyond the hospital: the consortium links and who is on duty."""

    def shared(self, hospital_a: str, hospital_b: str, consortium_id: str) -> SharedConsortium | None:
        """The consortium both are active members of now (``shared.consortia``), or None."""

    def on_duty(self, tenant: str, unit_id: str, at: datetime) -> list[str]:
        """The staff on duty on a unit at ``at`` (``shared.onduty``, one Query); [] when none known."""
