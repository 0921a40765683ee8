"""The patient's link: made from a follow-up task and revoked by staff; opened and answered by the patient
at ``/followup/p/{token}`` without an account (the token is the whole credential, for this only)."""

from __future__ import annotations

from chalicelib.followup.contracts.questionnaires import (
    LinkCreate,
    LinkCreated,
    PatientQuestionnaire,
    PatientRevisitBody,
    PatientRevisitPage,
    PatientRevisitReceipt,
    ResponseBody,
    ResponseReceipt,
    RevisitLinkCreate,
    RevisitLinkCreated,
)
from chalicelib.followup.service import links

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)
CLINICAL = ("doctor", "nurse", "head_nurse", "department_head")


@api.route(
    "/tasks/{task_id}/link",
    "POST",
    summary="A link for the task's patient to answer its questionnaire (7 days unless asked, at most 30): "
    "its URL is shown this once",
    body=LinkCreate,
    response=LinkCreated,
    status=201,
    roles=CLINICAL,
    kinds=("staff",),
    # Not idempotent on purpose: a replayed answer would keep the URL (the token) in the idempotency
    # table, and only the token's digest may be stored anywhere. A retry makes a second link instead.
    budget={"GetItem": 4, "Query": 2, "TransactWriteItems": 1},
)
def create_link(ctx: RequestContext, task_id: str, body: LinkCreate) -> LinkCreated:
    return links.create_link(ctx.principal, task_id, body, ctx.request_id, links.base_url(ctx.headers))


@api.route(
    "/links/{link_id}",
    "DELETE",
    summary="Revoke a patient's link: it stops working at once",
    status=204,
    roles=CLINICAL,
    kinds=("staff",),
    budget={"GetItem": 3, "Query": 2, "TransactWriteItems": 1},
)
def revoke_link(ctx: RequestContext, link_id: str) -> None:
    links.revoke_link(ctx.principal, link_id, ctx.request_id)


@api.route(
    "/p/{token}",
    summary="The patient's questionnaire at their link (no bearer token): an expired, revoked or unknown "
    "link is 401; 30 requests a minute per link",
    response=PatientQuestionnaire,
    public=True,
    budget={"Query": 1, "UpdateItem": 1, "GetItem": 1},
)
def open_link(ctx: RequestContext, token: str) -> PatientQuestionnaire:
    return links.open_link(token)


@api.route(
    "/p/{token}/form",
    summary="The patient's questionnaire as a page for the phone's browser (no bearer token, no external "
    "script): it sends the answers to …/responses; an expired, revoked or unknown link is 401",
    public=True,
    media_type="text/html; charset=utf-8",
    budget={"Query": 1, "UpdateItem": 1, "GetItem": 1},
)
def open_form(ctx: RequestContext, token: str) -> str:
    return links.open_form(token)


@api.route(
    "/p/{token}/responses",
    "POST",
    summary="The patient's answers through their link (no bearer token): one response per link (a "
    "second is 409)",
    body=ResponseBody,
    response=ResponseReceipt,
    status=201,
    public=True,
    # the link, its count, the task, the version answered; an alert: the department's doctors, or the
    # care team's record when the task names no doctor
    budget={"Query": 2, "UpdateItem": 1, "GetItem": 3, "TransactWriteItems": 1},
)
def submit_response(ctx: RequestContext, token: str, body: ResponseBody) -> ResponseReceipt:
    return links.submit_response(token, body, ctx.request_id)


@api.route(
    "/patients/{patient_id}/revisit-link",
    "POST",
    summary="A link for a chronic patient to ask the department for a revisit (续方, 预约复诊, 咨询) from "
    "their phone (30 days unless asked): its URL is shown this once",
    body=RevisitLinkCreate,
    response=RevisitLinkCreated,
    status=201,
    roles=CLINICAL,
    kinds=("staff",),
    # Not idempotent, as the questionnaire link: the answer carries the token.
    # the patient, the caller's record; their teams and the units (reach; the department's name)
    budget={"GetItem": 3, "Query": 3, "TransactWriteItems": 1},
)
def create_revisit_link(ctx: RequestContext, patient_id: str, body: RevisitLinkCreate) -> RevisitLinkCreated:
    return links.create_revisit_link(
        ctx.principal, patient_id, body, ctx.request_id, links.base_url(ctx.headers)
    )


@api.route(
    "/p/{token}/revisit",
    summary="The patient's revisit page at their link (no bearer token): what they can ask and their latest "
    "request's state; an expired, revoked or unknown link is 401",
    response=PatientRevisitPage,
    public=True,
    budget={"Query": 1, "UpdateItem": 1, "GetItem": 1},
)
def open_revisit(ctx: RequestContext, token: str) -> PatientRevisitPage:
    return links.open_revisit(token)


@api.route(
    "/p/{token}/revisits",
    "POST",
    summary="The patient asks for a revisit through their link (no bearer token): into the department's "
    "pool, its doctors told; one open request at a time (409 while one is being handled)",
    body=PatientRevisitBody,
    response=PatientRevisitReceipt,
    status=201,
    public=True,
    # the link (Query), its count (UpdateItem), its latest request and the patient (GetItem); the units
    # and the department's doctors (Query); the request, the link, the audit and the event in one
    budget={"Query": 3, "UpdateItem": 1, "GetItem": 2, "TransactWriteItems": 1},
)
def ask_revisit(ctx: RequestContext, token: str, body: PatientRevisitBody) -> PatientRevisitReceipt:
    return links.ask_revisit(token, body, ctx.request_id)
