"""Consultations (会诊): local and across the consortium; SLA settings, on-time rates, FHIR."""

from __future__ import annotations

from typing import Any

from chalicelib.followup.contracts import consultations as models
from chalicelib.followup.contracts.intake import FhirBundleOut
from chalicelib.followup.service import consultations

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)
route = api.route
STAFF = ("staff",)
# One consultation as the caller reaches it: this hospital's copy and the caller's record (two GetItems),
# the units (one Query); the receiving side of a remote one checks the consortium (two GetItems, one
# Query for the hospitals' names) and reads the requesting copy for the patient's access log (one GetItem).
ONE = {"GetItem": 5, "Query": 2}


@route(
    "/consultations",
    "POST",
    summary="Ask for a consultation (local or remote; emergency, ordinary or MDT); the SLA timers start",
    body=models.NewConsultation,
    response=models.ConsultationView,
    status=201,
    kinds=STAFF,
    idempotent=True,
    # the caller's record, the patient (the units, the teams to reach them); remote: the consortium (two
    # GetItems, a Query); the receiving departments (the units), the invited (a batch), the receiving
    # hospital's SLA settings, the requesting units; the doctors to tell (a Query a department, eight at most)
    budget={"GetItem": 5, "Query": 14, "BatchGetItem": 1, "TransactWriteItems": 1},
)
def request_consultation(ctx: RequestContext, body: models.NewConsultation) -> models.ConsultationView:
    return consultations.request(ctx.principal, body, ctx.request_id)


@route(
    "/consultations",
    summary="A department's consultations: in (asked of it) or out (asked by it), open first by due time",
    query=models.ConsultationsQuery,
    response=models.ConsultationList,
    kinds=STAFF,
    # the caller (twice: the policy reads it again), the units; one Query a page; the consortium of each
    # requesting hospital on the page (two GetItems and a Query; budgeted for two)
    budget={"GetItem": 6, "Query": 4},
)
def list_consultations(ctx: RequestContext, query: models.ConsultationsQuery) -> models.ConsultationList:
    return consultations.list_consultations(ctx.principal, query)


@route(
    "/consultations/settings",
    summary="The hospital's consultation SLA (emergency and ordinary minutes, when to remind)",
    response=models.SettingsView,
    kinds=STAFF,
    roles=("hospital_admin",),
    budget={"GetItem": 1},
)
def get_consultation_settings(ctx: RequestContext) -> models.SettingsView:
    return consultations.get_settings(ctx.principal)


@route(
    "/consultations/settings",
    "PUT",
    summary="Change the hospital's consultation SLA (the version it replaces; 409 if stale)",
    body=models.SettingsIn,
    response=models.SettingsView,
    kinds=STAFF,
    roles=("hospital_admin",),
    budget={"TransactWriteItems": 1},
)
def put_consultation_settings(ctx: RequestContext, body: models.SettingsIn) -> models.SettingsView:
    return consultations.put_settings(ctx.principal, body, ctx.request_id)


@route(
    "/consultations/stats",
    summary="The on-time rate per department of a month (the consultations each received)",
    query=models.StatsQuery,
    response=models.StatsView,
    kinds=STAFF,
    budget={"GetItem": 1, "Query": 2},  # the caller; the month's counters; the units' names
)
def consultation_stats(ctx: RequestContext, query: models.StatsQuery) -> models.StatsView:
    return consultations.stats(ctx.principal, query)


@route(
    "/consultations/{consultation_id}",
    summary="One consultation (the receiving hospital sees the masked patient only); the read is audited",
    response=models.ConsultationView,
    kinds=STAFF,
    budget={**ONE, "PutItem": 1},
)
def get_consultation(ctx: RequestContext, consultation_id: str) -> models.ConsultationView:
    return consultations.get(ctx.principal, consultation_id)


@route(
    "/consultations/{consultation_id}/accept",
    "POST",
    summary="Accept a consultation (an invited specialist or a target department's doctor)",
    response=models.ConsultationView,
    kinds=STAFF,
    # as ONE, and the other copy to write it over its revision
    budget={"GetItem": ONE["GetItem"] + 1, "Query": ONE["Query"], "TransactWriteItems": 1},
)
def accept_consultation(ctx: RequestContext, consultation_id: str) -> models.ConsultationView:
    return consultations.accept(ctx.principal, consultation_id, ctx.request_id)


@route(
    "/consultations/{consultation_id}/opinion",
    "POST",
    summary="Record the opinion (a structured note; an MDT one per department); answered when all gave one",
    body=models.OpinionIn,
    response=models.ConsultationView,
    kinds=STAFF,
    budget={"GetItem": ONE["GetItem"] + 1, "Query": ONE["Query"], "TransactWriteItems": 1},
)
def consultation_opinion(
    ctx: RequestContext, consultation_id: str, body: models.OpinionIn
) -> models.ConsultationView:
    return consultations.opinion(ctx.principal, consultation_id, body, ctx.request_id)


@route(
    "/consultations/{consultation_id}/cancel",
    "POST",
    summary="Withdraw a consultation (the doctor who asked); the timers stop",
    body=models.CancelConsultation,
    response=models.ConsultationView,
    kinds=STAFF,
    # as ONE; the consortium checked again before writing the other copy; the other copy
    budget={"GetItem": ONE["GetItem"] + 3, "Query": ONE["Query"] + 1, "TransactWriteItems": 1},
)
def cancel_consultation(
    ctx: RequestContext, consultation_id: str, body: models.CancelConsultation
) -> models.ConsultationView:
    return consultations.cancel(ctx.principal, consultation_id, body, ctx.request_id)


@route(
    "/consultations/{consultation_id}/fhir",
    summary="A consultation as FHIR R4 (ServiceRequest, Task, a ClinicalImpression per opinion); audited",
    response=FhirBundleOut,
    kinds=STAFF,
    budget={**ONE, "PutItem": 1},
)
def consultation_fhir(ctx: RequestContext, consultation_id: str) -> dict[str, Any]:
    return consultations.fhir(ctx.principal, consultation_id)
