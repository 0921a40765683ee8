"""A patient's results: lab values brought in (by clinical staff who reach the patient, or the lab system —
a ``service`` caller with the scope ``followup:results:write``) and checked against their range, and the
responses and values read back by staff (each read in the patient's access log)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.followup.contracts import questionnaires as api
from chalicelib.followup.domain import results as rules
from chalicelib.followup.domain.ports import Directory, Store
from chalicelib.followup.domain.results import Observation, Responsible
from chalicelib.followup.service import wiring
from chalicelib.followup.service.access import require_patient
from chalicelib.followup.service.alerts import raise_alert

from shared.auth import Principal
from shared.errors import Forbidden, NotFound, RuleViolation
from shared.ids import new_id
from shared.persistence.models import now_utc

RESULTS_SCOPE = "followup:results:write"


def _lab_system(principal: Principal) -> bool:
    return principal.kind == "service" and RESULTS_SCOPE in principal.scopes


def record_observation(
    principal: Principal,
    patient_id: str,
    body: api.ObservationBody,
    request_id: str,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> api.ObservationView:
    """A lab value of the patient, checked against the range of their plan step (``task_id``'s detail)
    or the built-in table; out of range raises the alert in the same transaction."""
    if principal.kind == "service" and not _lab_system(principal):
        raise Forbidden("requires the scopes: " + RESULTS_SCOPE)
    store = store or wiring.store(principal, request_id)
    directory = directory or wiring.directory()
    patient = store.patients.get(patient_id)
    if _lab_system(principal):
        if patient is None or patient.state != "active":
            raise NotFound("patient")
    else:
        patient = require_patient(principal, patient, directory, store)
    task = None
    if body.task_id:
        task = store.tasks.get(body.task_id)
        if task is None or task.patient_id != patient.id:
            raise RuleViolation("no such task of this patient", field="task_id")
    rng = rules.plan_range(task.detail, body.code) if task is not None else None
    source = "plan" if rng is not None else "none"
    if rng is None:
        rng = rules.builtin_range(body.code)
        source = "builtin" if rng is not None else "none"
    if rng is not None and not rules.same_unit(body.unit, rng.unit):
        raise RuleViolation(
            f"the value is in {body.unit}, its range in {rng.unit}: send it in {rng.unit}", field="unit"
        )
    now = now or now_utc()
    rule = rules.outside(body.value, rng) if rng is not None else ""
    name = rng.name if rng is not None else body.code
    finding = f"{name} {body.value:g} {body.unit}（{rule}）" if rule else ""
    observation_id = f"{patient.id}-{new_id()}"
    alert_id = ""
    if rule and rng is not None:
        responsible = (
            Responsible.of_task(task)
            if task is not None
            else Responsible(
                patient.department_id,
                patient.department_name,
                team_id=patient.team_ids[0] if patient.team_ids else "",
            )
        )
        alert = raise_alert(
            store,
            directory,
            patient.id,
            patient.label,
            responsible,
            [finding],
            rng.urgent,
            {"observation_id": observation_id, "code": rng.code},
            now,
        )
        alert_id = alert.id
    observation = Observation(
        id=observation_id,
        patient_id=patient.id,
        patient_label=patient.label,
        code=rng.code if rng is not None else body.code,
        name=name,
        loinc=rng.loinc if rng is not None else "",
        value=body.value,
        unit=body.unit,
        taken_at=body.taken_at,
        low=rng.low if rng is not None else None,
        high=rng.high if rng is not None else None,
        range_source=source,
        abnormal=bool(rule),
        finding=finding,
        task_id=task.id if task is not None else "",
        alert_task_id=alert_id,
        recorded_by=principal.staff,
        recorded_by_name=principal.staff_name or ("检验系统" if principal.kind == "service" else ""),
        recorded_at=now,
    )
    store.observations.add(observation)
    store.audit(
        "observation.record",
        "patient",
        patient.id,
        after={"observation_id": observation_id, "code": observation.code, "abnormal": observation.abnormal},
    )
    store.commit()
    return observation_view(observation)


def observation_view(o: Observation) -> api.ObservationView:
    return api.ObservationView(**o.model_dump(exclude={"patient_id", "patient_label"}))


def response_view(r: rules.Response) -> api.ResponseView:
    return api.ResponseView(**r.model_dump(exclude={"patient_id", "patient_label", "link_id"}))


def patient_results(
    principal: Principal,
    patient_id: str,
    query: api.ResultsQuery,
    request_id: str | None = None,
    store: Store | None = None,
    directory: Directory | None = None,
) -> api.PatientResults:
    """The patient's latest responses and lab values (one Query each), the read in their access log."""
    store = store or wiring.store(principal, request_id)
    patient = require_patient(
        principal, store.patients.get(patient_id), directory or wiring.directory(), store
    )
    store.access.record(patient.id, "read:results")
    responses, _ = store.responses.of_patient(patient.id, query.limit, None)
    observations, _ = store.observations.of_patient(patient.id, query.limit, None)
    return api.PatientResults(
        patient_id=patient.id,
        patient_label=patient.label,
        responses=[response_view(r) for r in responses],
        observations=[observation_view(o) for o in observations],
    )
