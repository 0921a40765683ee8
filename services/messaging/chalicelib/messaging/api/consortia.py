"""Consortium routes (医共体/医联体): links between hospitals, and my cross-hospital groups.

Authorised by the caller's own hospital link: another hospital's consortium is a 404, like an unknown one.
"""

from __future__ import annotations

from chalicelib.messaging.contracts.consortia import (
    AcceptInvitation,
    Consortium,
    ConsortiumGroup,
    ConsortiumMember,
    CreateConsortium,
    InviteHospital,
    RemoveHospital,
)
from chalicelib.messaging.service import consortia

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("messaging", __name__)
ADMIN = ("hospital_admin",)
GET = {"GetItem": 1}
LIST = {"Query": 1}


@api.route(
    "/consortia",
    "POST",
    summary="Create a consortium led by my hospital",
    body=CreateConsortium,
    response=Consortium,
    status=201,
    roles=ADMIN,
    idempotent=True,
    budget={"TransactWriteItems": 1},
)
def create_consortium(ctx: RequestContext, body: CreateConsortium) -> Consortium:
    return consortia.create(ctx.principal, body, ctx.request_id)


@api.route(
    "/consortia",
    summary="My hospital's consortia and pending invitations",
    query=ListQuery,
    response=Page[Consortium],
    budget=LIST,
)
def list_consortia(ctx: RequestContext, query: ListQuery) -> Page[Consortium]:
    return consortia.mine(ctx.principal, query.limit, query.cursor)


@api.route(
    "/consortia/{consortium_id}", summary="A consortium of my hospital", response=Consortium, budget=GET
)
def get_consortium(ctx: RequestContext, consortium_id: str) -> Consortium:
    return consortia.get(ctx.principal, consortium_id)


@api.route(
    "/consortia/{consortium_id}/members",
    summary="The hospitals of a consortium (ids and names only)",
    query=ListQuery,
    response=Page[ConsortiumMember],
    budget={"GetItem": 1, "Query": 1},
)
def consortium_members(ctx: RequestContext, consortium_id: str, query: ListQuery) -> Page[ConsortiumMember]:
    return consortia.members(ctx.principal, consortium_id, query.limit, query.cursor)


@api.route(
    "/consortia/{consortium_id}/invitations",
    "POST",
    summary="Invite a hospital (lead only; inviting a pending one again answers the same invitation)",
    body=InviteHospital,
    response=ConsortiumMember,
    roles=ADMIN,
    budget={"GetItem": 3, "TransactWriteItems": 1},
)
def invite_hospital(ctx: RequestContext, consortium_id: str, body: InviteHospital) -> ConsortiumMember:
    return consortia.invite(ctx.principal, consortium_id, body, ctx.request_id)


@api.route(
    "/consortia/{consortium_id}/accept",
    "POST",
    summary="Accept my hospital's invitation",
    body=AcceptInvitation,
    response=Consortium,
    roles=ADMIN,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def accept_invitation(ctx: RequestContext, consortium_id: str, body: AcceptInvitation) -> Consortium:
    return consortia.accept(ctx.principal, consortium_id, body, ctx.request_id)


@api.route(
    "/consortia/{consortium_id}/decline",
    "POST",
    summary="Decline my hospital's invitation",
    status=204,
    roles=ADMIN,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def decline_invitation(ctx: RequestContext, consortium_id: str) -> None:
    consortia.decline(ctx.principal, consortium_id, ctx.request_id)


@api.route(
    "/consortia/{consortium_id}/leave",
    "POST",
    summary="My hospital leaves (the lead only once alone, which dissolves it)",
    status=204,
    roles=ADMIN,
    budget={"GetItem": 1, "Query": 1, "TransactWriteItems": 1},
)
def leave_consortium(ctx: RequestContext, consortium_id: str) -> None:
    consortia.leave(ctx.principal, consortium_id, ctx.request_id)


@api.route(
    "/consortia/{consortium_id}/remove",
    "POST",
    summary="Remove a hospital or withdraw its invitation (lead only)",
    body=RemoveHospital,
    status=204,
    roles=ADMIN,
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def remove_hospital(ctx: RequestContext, consortium_id: str, body: RemoveHospital) -> None:
    consortia.remove(ctx.principal, consortium_id, body.hospital_id, ctx.request_id)


@api.route(
    "/consortium-groups",
    summary="My cross-hospital groups (转诊群…), newest first; their messages are under /conversations/{id}",
    query=ListQuery,
    response=Page[ConsortiumGroup],
    budget={"Query": 1, "GetItem": 3},  # + this hospital's link to each consortium on the page
)
def my_consortium_groups(ctx: RequestContext, query: ListQuery) -> Page[ConsortiumGroup]:
    return consortia.groups(ctx.principal, query.limit, query.cursor)
