"""A patient's results: lab values in (staff or the lab system), responses and values out (audited)."""

from __future__ import annotations

from chalicelib.followup.contracts.questionnaires import (
    ObservationBody,
    ObservationView,
    PatientResults,
    ResultsQuery,
)
from chalicelib.followup.service import results

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)
CLINICAL = ("doctor", "nurse", "head_nurse", "department_head")


@api.route(
    "/patients/{patient_id}/observations",
    "POST",
    summary="A lab value of the patient (clinical staff, or the lab system with followup:results:write), "
    "checked against their plan's range or the built-in table: out of range alerts the doctor",
    body=ObservationBody,
    response=ObservationView,
    status=201,
    kinds=("staff", "service"),
    idempotent=True,
    # + the care team's record when an alert has no doctor to go to (its members are told)
    budget={"GetItem": 4, "Query": 3, "TransactWriteItems": 1},
)
def record_observation(ctx: RequestContext, patient_id: str, body: ObservationBody) -> ObservationView:
    return results.record_observation(ctx.principal, patient_id, body, ctx.request_id)


@api.route(
    "/patients/{patient_id}/results",
    summary="The patient's latest questionnaire responses and lab values (the read is in their access log)",
    query=ResultsQuery,
    response=PatientResults,
    roles=CLINICAL,
    kinds=("staff",),
    budget={"GetItem": 2, "Query": 4, "PutItem": 1},
)
def patient_results(ctx: RequestContext, patient_id: str, query: ResultsQuery) -> PatientResults:
    return results.patient_results(ctx.principal, patient_id, query, ctx.request_id)
