"""Tenant isolation and authorisation, swept over every route the registry holds.

For each route that takes an id: tenant A makes the resource, tenant B (same roles) asks for it and gets
404 with nothing of A's in the body. Lists as B never show A's items, and A's cursors do not page B into
A's partition. Every protected route refuses a missing token (401) and a token lacking its role, scope
or principal kind (403).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from tests.quality.scenarios import marks
from tests.quality.surface import (
    ResourceMaker,
    all_roles,
    all_routes,
    all_scopes,
    example_body,
    is_list,
    list_routes,
    protected,
    route_id,
    with_ids,
)

pytestmark = pytest.mark.e2e
KINDS = ("staff", "patient", "partner", "service")


def _secrets(made: list[Any]) -> set[str]:
    """What would betray A's data in B's response: A's ids and A's own (unique) string values."""
    out = set()
    for thing in made:
        out.add(thing.id)
        for value in thing.body.values():
            if isinstance(value, str) and len(value) >= 12 and value.startswith("q"):
                out.add(value)
    return out


def _call_path(route: Any, path: str) -> str:
    return f"/{route.service}{path}"


def _counterpart(maker: ResourceMaker, token: str, tenant_b: str) -> str:
    """B's caller of the same kind as a recipe's own caller (``Prepared.token``): another partner
    organisation, or an app of the same kind installed in hospital B."""
    import jwt

    from shared.settings import get_settings
    from tests import partner_apps

    claims = jwt.decode(token, options={"verify_signature": False})
    if claims.get("iss") == get_settings().marketplace_issuer:
        return partner_apps.app_token(tenant_b, claims.get("scope", "").split(), app=claims["app"])
    return str(maker.mint(f"p-{tenant_b}", "gate-other", [], kind=claims.get("kind", "partner")))


def _leaks(payload: Any, secrets: set[str]) -> set[str]:
    text = json.dumps(payload, ensure_ascii=False)
    return {s for s in secrets if s in text}


@pytest.mark.parametrize("route", protected(all_routes()), ids=route_id)
def test_no_token_is_401(stack: Any, route: Any) -> None:
    path = _call_path(route, route.path.replace("{", "").replace("}", ""))
    status, body = stack.request(route.method, path, None, {} if route.body else None)
    assert status == 401, (route_id(route), status, body)
    assert body["type"] == "urn:fh:problem:unauthorized"


def _denials(route: Any, routes: tuple[Any, ...]) -> list[tuple[str, dict[str, Any]]]:
    """Tokens that lack exactly one thing the route needs (role, scope or kind), with everything else."""
    roles, scopes = all_roles(routes), all_scopes(routes)
    base: dict[str, Any] = {
        "roles": roles,
        "scopes": scopes,
        "kind": route.kinds[0] if route.kinds else "staff",
    }
    out = []
    if route.roles:
        out.append(("role", {**base, "roles": [r for r in roles if r not in route.roles]}))
    if "partner" in route.kinds and route.scopes:
        # Scopes are what a hospital consents to for an app: an installed app's token lacking one of them,
        # and a partner organisation's own token (no installation: it holds no hospital's consent).
        for scope in route.scopes:
            out.append(
                (f"app without scope {scope}", {"app": True, "scopes": [s for s in scopes if s != scope]})
            )
        out.append(("partner organisation", {**base, "kind": "partner"}))
    for kind in KINDS:
        if route.kinds and kind not in route.kinds:
            out.append((f"kind {kind}", {**base, "kind": kind}))
    return out


DENIABLE = [
    pytest.param(route, why, claims, id=f"{route_id(route)} without {why}")
    for route in protected(all_routes())
    for why, claims in _denials(route, all_routes())
]


@pytest.mark.parametrize(("route", "why", "claims"), DENIABLE)
def test_token_lacking_role_scope_or_kind_is_403(
    stack: Any,
    tenant: str,
    token: Callable[..., str],
    app_token: Callable[..., str],
    route: Any,
    why: str,
    claims: dict[str, Any],
) -> None:
    if claims.pop("app", False):
        jwt = app_token(tenant, claims["scopes"])
    else:
        jwt = token(tenant, "u-denied", claims.pop("roles"), **claims)
    path = _call_path(route, route.path.replace("{", "x").replace("}", ""))
    status, body = stack.request(route.method, path, jwt, example_body(route) if route.body else None)
    assert status == 403, (why, status, body)
    assert body["type"] == "urn:fh:problem:forbidden"


def test_an_app_token_never_reaches_a_route_not_made_for_apps(
    stack: Any, tenant: str, app_token: Callable[..., str]
) -> None:
    """A partner app holding every scope there is still reaches only the routes that list apps among their
    callers and declare a scope: every staff-only route, every partner-organisation route, is a 403."""
    jwt = app_token(tenant, all_scopes(all_routes()))
    refused = [r for r in protected(all_routes()) if not ("partner" in r.kinds and r.scopes)]
    assert refused
    for route in refused:
        path = _call_path(route, route.path.replace("{", "x").replace("}", ""))
        status, body = stack.request(route.method, path, jwt, example_body(route) if route.body else None)
        assert status == 403, (route_id(route), status, body)


def test_an_uninstalled_apps_token_is_refused_at_once_on_every_app_route(
    stack: Any, tenant: str, app_token: Callable[..., str]
) -> None:
    """Uninstalling (or suspending) an app takes effect on its very next call, whatever its token says."""
    for status_of_app in ("uninstalled", "suspended"):
        jwt = app_token(tenant, all_scopes(all_routes()), status=status_of_app)
        for route in [r for r in protected(all_routes()) if "partner" in r.kinds and r.scopes]:
            path = _call_path(route, route.path.replace("{", "x").replace("}", ""))
            status, body = stack.request(route.method, path, jwt, example_body(route) if route.body else None)
            assert status == 403, (route_id(route), status_of_app, status, body)


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(r, id=route_id(r), marks=marks("isolation-app-404", route_id(r)))
        for r in with_ids(all_routes())
        if "partner" in r.kinds and r.scopes
    ],
)
def test_an_app_of_another_hospital_gets_404_and_nothing(
    stack: Any,
    maker: ResourceMaker,
    full_token: Callable[..., str],
    app_token: Callable[..., str],
    route: Any,
) -> None:
    """Hospital B's app, holding every scope, asks for hospital A's resource: 404, nothing of A's."""
    tenant_a, tenant_b = f"t-a{uuid.uuid4().hex[:10]}", f"t-b{uuid.uuid4().hex[:10]}"
    request = maker.prepare_or_fail(route, full_token(tenant_a))
    body = example_body(route) if route.body is not None else None
    status, payload = stack.request(
        route.method, request.url(route.service), app_token(tenant_b, all_scopes(all_routes())), body
    )
    assert status == 404, (route_id(route), status, payload)
    assert not _leaks(payload, _secrets(request.made)), payload
    # the control: A's own app reads it
    status, _ = stack.request(
        route.method, request.url(route.service), app_token(tenant_a, all_scopes(all_routes())), body
    )
    assert route.method != "GET" or status == 200, (route_id(route), status)


def test_every_permission_is_denied_somewhere() -> None:
    """The 403 sweep is not vacuous: at least one route needs a role (the directory's writes do)."""
    assert any(route.roles for route in all_routes())
    assert DENIABLE


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(r, id=route_id(r), marks=marks("isolation-404", route_id(r)))
        for r in with_ids(all_routes())
    ],
)
def test_other_tenants_id_is_404_and_leaks_nothing(
    stack: Any, maker: ResourceMaker, full_token: Callable[..., str], route: Any
) -> None:
    import uuid

    tenant_a, tenant_b = f"t-a{uuid.uuid4().hex[:10]}", f"t-b{uuid.uuid4().hex[:10]}"
    token_a, token_b = full_token(tenant_a), full_token(tenant_b)
    request = maker.prepare_or_fail(route, token_a)
    path, made = request.path, request.made
    if (
        request.token
    ):  # the recipe's caller (a partner organisation, an app, the platform) and B's of its kind
        mine = request.token
        token_a = mine
        token_b = request.other(tenant_b, "gate-user", lambda: _counterpart(maker, mine, tenant_b))
    body = maker.body_for(route, token_b, {}) if route.body is not None else None
    before = stack.request("GET", _call_path(route, path), token_a) if route.method != "GET" else None

    status, payload = stack.request(route.method, request.url(route.service), token_b, body)
    assert status == 404, (route_id(route), status, payload)
    assert payload["type"] == "urn:fh:problem:not-found"
    assert not _leaks(payload, _secrets(made)), payload

    # A still sees its resource, unchanged by B's attempt (and the id really named something).
    status_a, payload_a = stack.request("GET", _call_path(route, path), token_a)
    if route.method == "GET":
        assert status_a == 200, (status_a, payload_a)
    elif before is not None and before[0] == 200:
        assert payload_a == before[1]


@pytest.fixture(scope="module")
def tenant_a(stack: Any, routes: tuple[Any, ...]) -> SimpleNamespace:
    """One tenant A for the whole list sweep, holding two of everything: making them per list route
    was most of the sweep's time, and every list check asks the same question of the same data."""
    scopes = all_scopes(routes)
    token = str(
        stack.token(
            f"t-a{uuid.uuid4().hex[:10]}",
            "gate-user",
            all_roles(routes),
            **({"scopes": scopes} if scopes else {}),
        )
    )
    maker = ResourceMaker(
        call=stack.request, mint=stack.token, settle=stack.drain, solve=stack.run_solver_jobs, routes=routes
    )
    made = maker.make_everything(token) + maker.make_everything(token)
    return SimpleNamespace(token=token, maker=maker, made=made)


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(r, id=route_id(r), marks=marks("isolation-list", route_id(r)))
        for r in list_routes(all_routes())
    ],
)
def test_lists_never_show_another_tenants_items(
    stack: Any, tenant_a: SimpleNamespace, full_token: Callable[..., str], route: Any
) -> None:
    token_a = tenant_a.token
    token_b = full_token(f"t-b{uuid.uuid4().hex[:10]}")
    request = tenant_a.maker.prepare_or_fail(route, token_a)
    secrets = _secrets(tenant_a.made + request.made)
    if (
        request.token
    ):  # the recipe's caller (a partner organisation, an app, the platform) and B's of its kind
        mine, other = request.token, f"t-b{uuid.uuid4().hex[:10]}"
        token_a = mine
        token_b = request.other(other, "gate-user", lambda: _counterpart(tenant_a.maker, mine, other))
    sep = "&" if request.query else "?"
    url = request.url(route.service)

    def a_sees_items() -> Any:
        # A page is one Query: with a filter it may be empty yet carry a cursor, so walk like a client.
        cursor = ""
        for _ in range(100):
            status, page = stack.request("GET", url + f"{sep}limit=1{cursor}", token_a)
            if status != 200 or page["items"]:
                return page if status == 200 else None
            if not page["next_cursor"]:
                return None
            cursor = f"&cursor={page['next_cursor']}"
        return None

    # A's list must show A's items first (events may project them later), or the check below proves nothing.
    stack.drain()
    page_a = a_sees_items()
    assert page_a, f"{url}: A sees none of its own items"

    status, page_b = stack.request("GET", url, token_b)
    assert status in (200, 404), page_b
    assert status == 404 or page_b["items"] == [], page_b
    assert not _leaks(page_b, secrets)

    if page_a["next_cursor"]:
        # A's cursor does not page B into A's partition ...
        cursor = f"{sep}limit=1&cursor={page_a['next_cursor']}"
        status, paged = stack.request("GET", url + cursor, token_b)
        assert status in (400, 404, 422), (status, paged)
        assert not _leaks(paged, secrets)
        # ... while it still works for A.
        status, own = stack.request("GET", url + cursor, token_a)
        assert status == 200 and (own["items"] or own["next_cursor"]), own  # (a filtered page may be empty)


def test_sweep_covers_the_registry() -> None:
    """The sweeps are driven by the registry: every id route and list route of every service is in them."""
    routes = all_routes()
    assert with_ids(routes), "no route takes an id: the 404 sweep would be empty"
    assert list_routes(routes), "no list route: the list sweep would be empty"
    assert all(is_list(r) for r in list_routes(routes))
