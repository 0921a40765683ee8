"""Discharges in (JSON or a FHIR R4 bundle) → the patient found or registered, the encounter kept, the
plan the rules pick, the enrolment and its tasks — one transaction — and the FHIR R4 export.

**The same discharge twice enrols once.** A discharge's key is the HIS's encounter id (with the
patient's ID-number blind index) when it gives one, else the patient, department and discharge date;
its claim is written create-only in the enrolment's transaction, so a retry, a second post or a race
finds the first and answers what it did (``repeated``), with nothing written again.

**Transaction size.** One enrolment writes: a new patient (the patient, the claim of their ID number,
its retention marker), the encounter and the discharge's claim, the enrolment, its tasks, two audit
records and the ``followup.enrolled`` event — 9 + tasks items. A plan makes at most
``MAX_TASKS_PER_YEAR`` (80) tasks in a year, so every enrolment fits DynamoDB's 100 items (the kidney
transplant's first year: 26 tasks, 35 items, as the HTTP test measures on moto).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.followup.contracts.intake import (
    Discharge,
    EnrolmentView,
    FhirBundleIn,
    Identity,
    IntakeResult,
    MaskedPatient,
)
from chalicelib.followup.contracts.patients import NewPatient
from chalicelib.followup.domain import enrolments as enrolling
from chalicelib.followup.domain import fhir
from chalicelib.followup.domain.enrolments import Encounter, Enrolment
from chalicelib.followup.domain.patients import InvalidResidentId, Patient, parse_resident_id
from chalicelib.followup.domain.plans import Plan
from chalicelib.followup.domain.ports import Directory, ExtensionsDue, Store, Vault
from chalicelib.followup.domain.tasks import Task
from chalicelib.followup.service import access, patients, plans, wiring
from pydantic import ValidationError

from shared import i18n, problems
from shared.auth import Principal
from shared.errors import Conflict, RuleViolation
from shared.events.published.followup import FOLLOWUP_ENROLLED, Enrolled
from shared.ids import new_id
from shared.problems import FieldError

NOT_ENROLLED = "no enrolment rule matches this discharge: it is recorded, not enrolled"
NO_CONSENT = "the patient has not consented to follow-up: the discharge is recorded, not enrolled"
EXPORT_PAGE = 200


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The hospital's day (China)."""
    return patients.today()


# ---- the patient -----------------------------------------------------------------------------------------


def _masked(patient: Patient) -> MaskedPatient:
    return MaskedPatient(
        id=patient.id,
        name=patient.label,
        id_number=patient.masked.get("id_number", ""),
        mobile=patient.masked.get("mobile", ""),
        sex=patient.sex,
        birth_date=patient.birth_date,
        department_id=patient.department_id,
        department_name=patient.department_name,
    )


def enrolment_view(e: Enrolment) -> EnrolmentView:
    return EnrolmentView(**e.model_dump(include=set(EnrolmentView.model_fields)))


def _result(
    patient: Patient, encounter: Encounter, enrolment: Enrolment | None, registered: bool, repeated: bool
) -> IntakeResult:
    return IntakeResult(
        id=encounter.id,
        patient_id=patient.id,
        patient_label=patient.label,
        patient=_masked(patient),
        patient_registered=registered,
        enrolled=enrolment is not None,
        reason=""
        if enrolment is not None
        else NOT_ENROLLED
        if not patient.refuses("followup")
        else NO_CONSENT,
        repeated=repeated,
        enrolment=enrolment_view(enrolment) if enrolment else None,
        plan_name=enrolment.plan_name if enrolment else "",
        tasks=enrolment.tasks if enrolment else 0,
        department_id=encounter.department_id,
        department_name=encounter.department_name,
        doctor_id=encounter.doctor_id,
        doctor_name=encounter.doctor_name,
    )


def _repeated(store: Store, encounter: Encounter) -> IntakeResult:
    patient = store.patients.get(encounter.patient_id)
    if patient is None:  # purged since
        raise Conflict("this discharge was brought in before")
    enrolment = store.enrolments.get(encounter.enrolment_id) if encounter.enrolment_id else None
    return _result(patient, encounter, enrolment, registered=False, repeated=True)


def discharge_key(cmd: Discharge, id_number_index: str) -> str:
    """The HIS's encounter id of this patient, else the patient, department and day. The patient is in
    both: an encounter id posted with another patient (a HIS mistake, a guess) is another discharge,
    never an answer about someone else."""
    if cmd.encounter_id:
        return f"his:{cmd.encounter_id}:{id_number_index}"
    return f"idn:{id_number_index}:{cmd.department_id}:{cmd.discharge_date.isoformat()}"


# ---- intake ----------------------------------------------------------------------------------------------


def stage_enrolment(
    store: Store, patient: Patient, encounter: Encounter, plan: Plan, at: datetime
) -> tuple[Encounter, Enrolment, list[Task]]:
    """Enrol the patient of ``encounter`` in ``plan`` (staged in ``store``: the enrolment, its tasks,
    ``followup.enrolled``): the one way a patient enters a plan — a discharge here, a down referral
    accepted from another hospital (``service/referrals.py``). Returns the encounter naming the
    enrolment (the caller adds it), the enrolment and its tasks."""
    enrolment, tasks = enrolling.enrol(f"{patient.id}-{new_id()}", patient, encounter, plan, at)
    store.enrolments.add(enrolment)
    for task in tasks:
        store.tasks.add(task)
    store.emit(
        FOLLOWUP_ENROLLED.envelope(
            store.tenant,
            Enrolled(
                enrolment_id=enrolment.id,
                patient_id=patient.id,
                plan_id=enrolment.plan_id,
                plan_version=enrolment.plan_version,
                department_id=enrolment.department_id,
                doctor_id=enrolment.doctor_id,
                team_id=enrolment.team_id,
                discharge_date=enrolment.discharge_date,
                tasks=len(tasks),
            ),
        )
    )
    return encounter.model_copy(update={"enrolment_id": enrolment.id}), enrolment, tasks


def bring_in(
    principal: Principal,
    cmd: Discharge,
    request_id: str | None,
    source: str = "api",
    store: Store | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
) -> IntakeResult:
    """Record a discharge and enrol the patient in the plan the rules pick (if one does)."""
    directory = directory or wiring.directory()
    access.require_intake(principal, directory, cmd.department_id)
    store = store or wiring.store(principal, request_id)
    vault = vault or wiring.vault()
    tenant = principal.tenant
    units = directory.units(tenant)
    department = units.get(cmd.department_id)
    if department is None:
        raise RuleViolation("no such department", field="department_id")
    team_name = ""
    if cmd.team_id:
        team = store.teams.get(cmd.team_id)
        if team is None or team.department_id != department.id:
            raise RuleViolation("no such care team in this department", field="team_id")
        team_name = team.name
    doctor = directory.staff(tenant, cmd.doctor_id)
    if doctor is None or not doctor.active:
        raise RuleViolation("no such member of staff, or they have left", field="doctor_id")
    try:
        number, _, _ = parse_resident_id(cmd.patient.id_number)
    except InvalidResidentId as exc:
        raise RuleViolation(str(exc), field="patient.id_number") from None
    cmd = cmd.model_copy(
        update={
            "patient": cmd.patient.model_copy(update={"id_number": number}),
            "diagnoses": [d.strip().upper() for d in cmd.diagnoses],
        }
    )
    key = discharge_key(cmd, patients.identity_digest(vault, tenant, number))
    earlier = store.encounters.by_discharge(key)
    if earlier is not None:
        return _repeated(store, earlier)
    identity = NewPatient(
        **cmd.patient.model_dump(),
        department_id=department.id,
        consent_followup=cmd.consent_followup,
    )
    try:
        patient, registered = patients.admit(
            principal, identity, store, directory, vault, patients.retention_years(store)
        )
    except RuleViolation as exc:
        # the identity's fields are the body's ``patient.*``
        if exc.field in Identity.model_fields:
            raise RuleViolation(str(exc), field=f"patient.{exc.field}") from None
        raise
    at = now()
    encounter = Encounter(
        id=f"{patient.id}-{new_id()}",
        patient_id=patient.id,
        source=source,
        source_id=cmd.encounter_id,
        diagnoses=cmd.diagnoses,
        department_id=department.id,
        department_name=department.name,
        procedure=cmd.procedure,
        procedure_name=cmd.procedure_name,
        discharge_date=cmd.discharge_date,
        doctor_id=doctor.id,
        doctor_name=doctor.name,
        team_id=cmd.team_id,
        team_name=team_name,
        created_at=at,
        created_by=principal.user,
    )
    rule = plans.rule_set(store).match(cmd.diagnoses, department.id, cmd.procedure)
    plan = plans.current_plan(store, rule.plan_id) if rule else None
    enrolment: Enrolment | None = None
    tasks: list[Task] = []
    if plan is not None and not patient.refuses("followup"):
        encounter, enrolment, tasks = stage_enrolment(store, patient, encounter, plan, at)
    store.encounters.add(encounter, key, Conflict("this discharge was brought in meanwhile"))
    store.audit(
        "followup.enrolled" if enrolment else "discharge.recorded",
        "patient",
        patient.id,
        after={
            "encounter_id": encounter.id,
            "diagnoses": cmd.diagnoses,
            "plan_id": enrolment.plan_id if enrolment else "",
            "plan_version": enrolment.plan_version if enrolment else 0,
            "tasks": len(tasks),
        },
    )
    try:
        store.commit()
    except Conflict:
        again = store.encounters.by_discharge(key)
        if again is None:
            raise
        return _repeated(store, again)
    return _result(patient, encounter, enrolment, registered, repeated=False)


def bring_in_fhir(
    principal: Principal,
    bundle: FhirBundleIn,
    request_id: str | None,
    store: Store | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
) -> IntakeResult:
    """A FHIR R4 bundle's discharge, validated (a bad one is a 422 naming the path), brought in."""
    try:
        read = fhir.read_discharge(bundle.model_dump(mode="json"))
    except fhir.BundleProblem as exc:
        raise problems.validation_failed([FieldError(p, m, "rule") for p, m in exc.errors]) from None
    try:
        cmd = Discharge.model_validate(
            {
                "patient": {
                    "name": read.name,
                    "id_number": read.id_number,
                    "mobile": read.mobile,
                    "address": read.address,
                    "sex": read.sex,
                    "birth_date": read.birth_date,
                },
                "diagnoses": read.diagnoses,
                "department_id": read.department_id,
                "procedure": read.procedure,
                "procedure_name": read.procedure_name,
                "discharge_date": read.discharge_date,
                "doctor_id": read.doctor_id,
                "encounter_id": read.encounter_id,
            }
        )
    except ValidationError as exc:
        # the fields named by where they are in the bundle (never echoing a value: no input in the body)
        errors = []
        for e in exc.errors():
            loc = [str(p) for p in e["loc"]]
            name = loc[1] if loc[0] == "patient" and len(loc) > 1 else loc[0]
            where = read.paths.get(name, name)
            errors.append(FieldError(where, i18n.field_message(e), "rule"))
        raise problems.validation_failed(errors) from None
    try:
        return bring_in(principal, cmd, request_id, "fhir", store, directory, vault)
    except RuleViolation as exc:
        field = exc.field.removeprefix("patient.")
        if field in read.paths:
            raise problems.validation_failed([FieldError(read.paths[field], str(exc), "rule")]) from None
        raise


# ---- extension of lifelong plans -------------------------------------------------------------------------


def extend_enrolment(store: Store, enrolment_id: str, today: date) -> int:
    """A lifelong enrolment's tasks made up to a year after ``today`` (one transaction); how many."""
    enrolment = store.enrolments.get(enrolment_id)
    if enrolment is None:
        return 0
    patient = store.patients.get(enrolment.patient_id)
    if patient is None or patient.state != "active" or patient.refuses("followup"):
        # purged, or consent to follow-up withdrawn: the plan ends here, and is not due again
        store.enrolments.save(enrolment.model_copy(update={"state": "ended"}), Conflict("changed meanwhile"))
        store.commit()
        return 0
    plan = plans.plan_version(store, enrolment.plan_id, enrolment.plan_version)
    if plan is None:
        return 0
    extended, tasks = enrolling.extend(enrolment, plan, today, now())
    if not tasks:
        return 0
    store.enrolments.save(extended, Conflict("the enrolment changed meanwhile"))
    for task in tasks:
        store.tasks.add(task)
    store.commit()
    return len(tasks)


# How long before its tasks run out a lifelong enrolment is extended (a year ahead again).
EXTEND_WHEN_LEFT = timedelta(days=300)


def extend_due(
    today: date,
    due: ExtensionsDue,
    stores: Callable[[str], Store],
    limit: int = 100,
) -> int:
    """The daily sweep: every lifelong enrolment (of any hospital) whose tasks end within
    ``EXTEND_WHEN_LEFT`` is extended, each in its own hospital's store; how many tasks were made."""
    made = 0
    for tenant, enrolment_id in due.due(today + EXTEND_WHEN_LEFT, limit):
        try:
            made += extend_enrolment(stores(tenant), enrolment_id, today)
        except Conflict:
            continue  # extended by an overlapping sweep: its tasks exist
    return made


def extend_everywhere(today: date) -> int:
    """The daily extension, in every hospital, as the follow-up service (audited as such)."""

    def store_of(tenant: str) -> Store:
        return wiring.store(Principal(tenant=tenant, user="service:followup", kind="service"))

    return extend_due(today, wiring.extensions_due(), store_of)


# ---- FHIR export -----------------------------------------------------------------------------------------


def more_resources(store: Store, patient: Patient) -> list[dict[str, Any]]:
    """The export's further FHIR R4 resources of the patient, validated with the rest: their
    questionnaire responses and their lab values (one Query each, the newest ``EXPORT_PAGE``)."""
    responses, _ = store.responses.of_patient(patient.id, EXPORT_PAGE, None)
    observations, _ = store.observations.of_patient(patient.id, EXPORT_PAGE, None)
    return [fhir.response_resource(r) for r in responses] + [
        fhir.observation_resource(o) for o in observations
    ]


def export_fhir(
    principal: Principal,
    patient_id: str,
    store: Store | None = None,
    directory: Directory | None = None,
) -> dict[str, Any]:
    directory = directory or wiring.directory()
    store = store or wiring.store(principal)
    patient = access.require_patient(principal, store.patients.get(patient_id), directory, store)
    encounters, _ = store.encounters.of_patient(patient_id, EXPORT_PAGE, None)
    enrolments, _ = store.enrolments.of_patient(patient_id, EXPORT_PAGE, None)
    tasks, _ = store.tasks.of_patient(patient_id, EXPORT_PAGE, None)
    bundle = fhir.export_bundle(patient, encounters, enrolments, tasks, more_resources(store, patient))
    store.access.record(patient_id, "export:fhir")
    return bundle
