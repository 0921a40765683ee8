"""``ServiceAPI.route(form=True)``: a route may take an HTML form body (an OAuth token request) beside JSON,
validated by the same model; every other route still refuses anything but JSON. Problems may carry a
protocol's extension members (OAuth's ``error``)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.http import RequestContext, ServiceAPI
from shared.problems import Problem


class Ask(BaseModel):
    model_config = ConfigDict(extra="ignore")

    grant_type: str
    scope: str | None = None


api = ServiceAPI("testsvc", __name__)


@api.route("/form", "POST", summary="form or JSON", body=Ask, public=True, form=True)
def with_form(ctx: RequestContext, body: Ask) -> dict[str, Any]:
    return {"grant_type": body.grant_type, "scope": body.scope, "auth": ctx.headers.get("authorization")}


@api.route("/json", "POST", summary="JSON only", body=Ask, public=True)
def json_only(ctx: RequestContext, body: Ask) -> dict[str, Any]:
    return {"grant_type": body.grant_type}


@api.route("/oauth-error", "POST", summary="an OAuth error", public=True)
def oauth_error(ctx: RequestContext) -> None:
    raise Problem(400, "oauth-invalid-scope", "invalid_scope", "too much", members={"error": "invalid_scope"})


def call(name: str, body: bytes, content_type: str, **headers: str) -> tuple[int, Any]:
    request = SimpleNamespace(
        headers={"Content-Type": content_type, **headers},
        raw_body=body,
        query_params=None,
        context={},
        lambda_context=None,
    )
    response = api.dispatch(name, request, {})
    return response.status_code, json.loads(response.body) if response.body else None


FORM = "application/x-www-form-urlencoded"


def test_a_form_route_takes_a_form_and_json_and_sees_the_authorization_header() -> None:
    status, body = call(
        "with_form", b"grant_type=client_credentials&scope=a%3Ab+c", FORM, Authorization="Basic eA=="
    )
    assert status == 200 and body == {
        "grant_type": "client_credentials",
        "scope": "a:b c",
        "auth": "Basic eA==",
    }
    status, body = call("with_form", b'{"grant_type": "x"}', "application/json")
    assert status == 200 and body["grant_type"] == "x"


def test_a_form_field_given_twice_or_missing_is_refused() -> None:
    assert call("with_form", b"grant_type=a&grant_type=b", FORM)[0] == 400
    assert call("with_form", b"scope=x", FORM)[0] == 422


def test_other_routes_still_take_json_only() -> None:
    assert call("json_only", b"grant_type=a", FORM)[0] == 415


def test_a_problem_carries_its_extension_members() -> None:
    status, body = call("oauth_error", b"", "application/json")
    assert (
        status == 400
        and body["error"] == "invalid_scope"
        and body["type"] == "urn:fh:problem:oauth-invalid-scope"
    )
