"""Idempotency keys are the caller's own, swept over every idempotent route that creates something.

The outside test found approval actions whose keys were shared by everyone acting on the approval: a
second approver's request with the first one's key was answered with the first one's result and did
nothing. Keys are scoped to the caller in the HTTP layer (``shared/http.py``) and in the approval engine
(``engine._request_key``); this gate holds every idempotent create to it: the same key, route and body
sent by another member of staff of the same hospital never gets the first caller's answer back, while
the first caller's own retry does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.quality.scenarios import marks
from tests.quality.surface import ResourceMaker, all_routes, route_id

pytestmark = pytest.mark.e2e

CREATES = [r for r in all_routes() if r.idempotent and r.method == "POST" and r.status == 201]


@pytest.mark.parametrize(
    "route", [pytest.param(r, id=route_id(r), marks=marks("idempotency", route_id(r))) for r in CREATES]
)
def test_a_key_replays_for_its_caller_only(
    route: Any, maker: ResourceMaker, full_token: Callable[..., str], inproc: Callable[..., Any]
) -> None:
    tenant = f"t-ik{uuid.uuid4().hex[:10]}"
    first, second = full_token(tenant, "ik-first"), full_token(tenant, "ik-second")
    maker.caller_is_staff(second)  # so routes for members of staff can serve the second caller too
    request = maker.prepare_or_fail(route, first)
    first = request.token_for(first)
    second = request.other(tenant, "ik-second", lambda: second)
    headers = {"Idempotency-Key": f"shared-{uuid.uuid4().hex}"}
    url = request.url(route.service)
    status, _, made = inproc(route.method, url, first, request.body, headers)
    assert status == 201, made
    again = inproc(route.method, url, first, request.body, headers)
    assert (again[0], again[2]) == (201, made), "the caller's own retry must replay the first answer"
    status, _, theirs = inproc(route.method, url, second, request.body, headers)
    assert theirs != made, f"another caller got the first caller's answer back ({status})"
    if status == 201:
        assert theirs.get("id") != made.get("id")
