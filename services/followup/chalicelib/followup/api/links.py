"""The patient's link: made from a follow-up task and revoked by staff; opened and answered by the patient
at ``/followup/p/{token}`` without an account (the token is the whole credential, for this only)."""

from __future__ import annotations

from chalicelib.followup.contracts.questionnaires import (
    LinkCreate,
    LinkCreated,
    PatientQuestionnaire,
    ResponseBody,
    ResponseReceipt,
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
    budget={"Query": 2, "UpdateItem": 1, "GetItem": 2, "TransactWriteItems": 1},
)
def submit_response(ctx: RequestContext, token: str, body: ResponseBody) -> ResponseReceipt:
    return links.submit_response(token, body, ctx.request_id)
