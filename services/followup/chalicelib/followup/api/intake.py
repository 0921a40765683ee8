"""Discharges in (JSON, FHIR R4) and a patient's follow-up out as FHIR R4."""

from __future__ import annotations

from typing import Any

from chalicelib.followup.contracts.intake import Discharge, FhirBundleIn, FhirBundleOut, IntakeResult
from chalicelib.followup.service import intake as service

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)
INTAKE = ("staff", "service")
# GetItem: the caller's directory record (staff), the doctor, the discharge's claim, the retention
# policy, the enrolment rules, the plan. Query: the hospital's units (access; the department's name;
# the patients feature's admit). The ID number's claim and its patient (GetItems, read strongly). One
# transaction. + the care team named.
INTAKE_BUDGET = {"GetItem": 9, "Query": 3, "TransactWriteItems": 1}


@api.route(
    "/discharges",
    "POST",
    summary="Bring a discharge in: the patient found or registered, enrolled in the plan the rules pick",
    body=Discharge,
    response=IntakeResult,
    status=201,
    kinds=INTAKE,
    idempotent=True,
    budget=INTAKE_BUDGET,
)
def post_discharge(ctx: RequestContext, body: Discharge) -> IntakeResult:
    return service.bring_in(ctx.principal, body, ctx.request_id)


@api.route(
    "/discharges/fhir",
    "POST",
    summary="Bring a discharge in as a FHIR R4 Bundle (Patient, Encounter, Condition, Procedure)",
    body=FhirBundleIn,
    response=IntakeResult,
    status=201,
    kinds=INTAKE,
    idempotent=True,
    budget=INTAKE_BUDGET,
)
def post_discharge_fhir(ctx: RequestContext, body: FhirBundleIn) -> IntakeResult:
    return service.bring_in_fhir(ctx.principal, body, ctx.request_id)


@api.route(
    "/patients/{patient_id}/fhir",
    summary="A patient's follow-up as a FHIR R4 Bundle (identifiers masked); the read is audited",
    response=FhirBundleOut,
    kinds=("staff",),
    # reaching the patient (the patient, the caller's record; their teams and the units when the
    # department alone does not decide), the encounters, enrolments, tasks, responses and lab values, the
    # audited read
    budget={"GetItem": 2, "Query": 7, "PutItem": 1},
)
def export_fhir(ctx: RequestContext, patient_id: str) -> dict[str, Any]:
    return service.export_fhir(ctx.principal, patient_id)
