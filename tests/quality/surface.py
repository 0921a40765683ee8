"""The API surface the quality gates sweep, discovered from the route registry — never listed by hand.

Besides discovery this module knows how to make a valid instance of any resource a route takes an id
of, so the isolation and budget gates work for routes that land later without edits here:

- the resource behind ``{x_id}`` in ``/a/{a_id}/xs/{x_id}`` is created by ``POST /a/{a_id}/xs``;
- its body is the body model's own example (``json_schema_extra={"examples": [...]}``) when it has one,
  otherwise the smallest valid body built from its JSON schema (required fields only, unique strings);
- a body field that names another resource is filled with a freshly made one: either declared with
  ``json_schema_extra={"x-fh-ref": "/departments"}`` or, by convention, a field called ``<x>_id`` when
  some route of the service has a ``{<x>_id}`` path parameter (``department_id`` →
  ``/departments/{department_id}`` → made by ``POST /departments``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

from hypothesis import find
from hypothesis import strategies as st

from shared.http import RouteSpec

REF_KEY = "x-fh-ref"
PARAM = re.compile(r"{(\w+)}")

# Requests go through a callable (method, path, token, body, headers) -> (status, json), normally
# ``LocalStack.request``: a real HTTP call to the local gateway.
Caller = Callable[..., tuple[int, Any]]


@cache
def all_routes() -> tuple[RouteSpec, ...]:
    """Every route of every service, as registered (the same registry the OpenAPI documents come from)."""
    from fh.services import load_apps
    from shared.app import route_specs

    return tuple(route for app in load_apps().values() for route in route_specs(app))


def services() -> tuple[str, ...]:
    from fh.services import SERVICES

    return SERVICES


def route_id(route: RouteSpec) -> str:
    return f"{route.service}:{route.method} {route.path}"


def protected(routes: Iterable[RouteSpec]) -> list[RouteSpec]:
    return [r for r in routes if not r.public]


def with_ids(routes: Iterable[RouteSpec]) -> list[RouteSpec]:
    return [r for r in routes if r.path_params and not r.public]


def is_list(route: RouteSpec) -> bool:
    """A list route: a GET whose response is a ``Page`` (items + next_cursor)."""
    response = route.response
    fields = getattr(response, "model_fields", {})
    return route.method == "GET" and "items" in fields and "next_cursor" in fields


def list_routes(routes: Iterable[RouteSpec]) -> list[RouteSpec]:
    return [r for r in routes if is_list(r) and not r.public]


def all_roles(routes: Iterable[RouteSpec]) -> list[str]:
    return sorted({role for r in routes for role in r.roles})


def all_scopes(routes: Iterable[RouteSpec]) -> list[str]:
    return sorted({scope for r in routes for scope in r.scopes})


def collection_of(path: str, param: str) -> str:
    """``/a/{a_id}/xs/{x_id}``, ``x_id`` → ``/a/{a_id}/xs``: where the resource named by ``param`` lives."""
    marker = "/{" + param + "}"
    index = path.index(marker)
    return path[:index]


def creator(service: str, collection: str, routes: Iterable[RouteSpec]) -> RouteSpec | None:
    for route in routes:
        if route.service == service and route.method == "POST" and route.path == collection:
            return route
    return None


def fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group(1)], path)


def _unique_string(schema: dict[str, Any]) -> str:
    """A string the schema accepts, unique per call where the schema allows it (names, employee numbers)."""
    if "enum" in schema:
        return str(schema["enum"][0])
    low = int(schema.get("minLength", 1))
    high = int(schema.get("maxLength", 32))
    candidate = ("q" + uuid.uuid4().hex)[: max(low, min(high, 16))]
    pattern = schema.get("pattern")
    if pattern is None or re.search(pattern, candidate):
        return candidate
    # Odd pattern: the smallest string it matches (deterministic, found by Hypothesis's shrinker).
    return str(find(st.from_regex(pattern, fullmatch=True), lambda s: low <= len(s) <= high))


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        if options:
            return _resolve(options[0], defs)
    return schema


def value_for(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """The smallest valid value for a JSON schema fragment (only what the gates' models use)."""
    schema = _resolve(schema, defs)
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: value_for(props[name], defs) for name in schema.get("required", [])}
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [value_for(schema.get("items", {}), defs) for _ in range(count)]
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1))
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return False
    return _unique_string(schema)


def reference_fields(route: RouteSpec, routes: Iterable[RouteSpec]) -> dict[str, str]:
    """Body fields of ``route`` that hold another resource's id → the collection path that makes it."""
    if route.body is None:
        return {}
    routes = list(routes)
    params = {
        param: collection_of(r.path, param)
        for r in routes
        if r.service == route.service
        for param in r.path_params
    }
    schema = route.body.model_json_schema()
    out: dict[str, str] = {}
    for name, prop in schema.get("properties", {}).items():
        if REF_KEY in prop:
            out[name] = str(prop[REF_KEY])
        elif prop.get("format") == "date":
            continue  # a day (a request's date), not the key of a resource named by a date (/calendar)
        elif name in params and not collection_of_route_is(route, params[name]):
            out[name] = params[name]
    return out


def collection_of_route_is(route: RouteSpec, collection: str) -> bool:
    return route.path == collection


def example_body(route: RouteSpec) -> dict[str, Any]:
    """The body model's declared example, or the smallest valid body built from its schema."""
    assert route.body is not None
    schema = route.body.model_json_schema()
    if schema.get("examples"):
        return dict(schema["examples"][0])
    return dict(value_for(schema, schema.get("$defs", {})))


@dataclass
class Made:
    """A resource made for a gate: where it lives, its id and its JSON as the creator returned it."""

    service: str
    collection: str
    path: str
    id: str
    body: dict[str, Any]
    parents: dict[str, str] = field(default_factory=dict)


@dataclass
class Prepared:
    """A request that should succeed: the concrete path (no service prefix), body, query and what was made."""

    path: str
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    made: list[Made] = field(default_factory=list)
    # The caller, when not the gate's staff caller: a partner organisation or a partner app of the
    # gate's hospital (the marketplace's partner routes). Gates that send the request use it.
    token: str | None = None

    def url(self, service: str) -> str:
        return f"/{service}{self.path}" + ("?" + urlencode(self.query) if self.query else "")


# Routes the generic recipe cannot drive to success (a caller who is a member of staff, a query naming
# a resource...): ``route_id`` → recipe. Registered in tests/quality/scenarios.py.
Recipe = Callable[["ResourceMaker", str], Prepared]
SCENARIOS: dict[str, Recipe] = {}


# Requests that take a route down the branch making one of its declared operations, for the gates
# that inject a fault per operation (throttle): "<service>:<METHOD> <path> <operation>" → recipe.
BRANCHES: dict[str, Recipe] = {}


def branch(service: str, method: str, path: str, operation: str) -> Callable[[Recipe], Recipe]:
    def register(recipe: Recipe) -> Recipe:
        BRANCHES[f"{service}:{method} {path} {operation}"] = recipe
        return recipe

    return register


# Things no create route of their own makes (a nurse of a roster period is made in the directory):
# "<service>:<collection path>" → (maker, token, parent ids) → the thing. Registered in scenarios.py.
MakerRecipe = Callable[["ResourceMaker", str, dict[str, str]], "Made"]
MAKERS: dict[str, MakerRecipe] = {}


def maker_recipe(service: str, collection: str) -> Callable[[MakerRecipe], MakerRecipe]:
    def register(recipe: MakerRecipe) -> MakerRecipe:
        MAKERS[f"{service}:{collection}"] = recipe
        return recipe

    return register


# Bodies for creating a resource where the schema is not enough (recipients who exist, ...):
# "<service>:<collection path>" → (maker, token, parent ids) → body. Also registered in scenarios.py.
BodyRecipe = Callable[["ResourceMaker", str, dict[str, str]], dict[str, Any]]
BODIES: dict[str, BodyRecipe] = {}


def body_recipe(service: str, collection: str) -> Callable[[BodyRecipe], BodyRecipe]:
    def register(recipe: BodyRecipe) -> BodyRecipe:
        BODIES[f"{service}:{collection}"] = recipe
        return recipe

    return register


def scenario(service: str, method: str, path: str) -> Callable[[Recipe], Recipe]:
    def register(recipe: Recipe) -> Recipe:
        SCENARIOS[f"{service}:{method} {path}"] = recipe
        return recipe

    return register


@dataclass
class ResourceMaker:
    """Makes valid resources through the public API, as a given tenant's caller."""

    call: Caller
    routes: tuple[RouteSpec, ...]
    # Mints a token for another tenant (tenant, user, roles, scopes=...): recipes that need a second hospital.
    mint: Callable[..., str] | None = None
    # Runs the event path to completion (the stack's ``drain``): recipes whose resource appears
    # through events (a notification in an inbox) call it instead of waiting.
    settle: Callable[[], Any] | None = None
    # Runs the solver invocations made so far to their end (the stack's ``run_solver_jobs``).
    solve: Callable[[], Any] | None = None
    made: list[Made] = field(default_factory=list)
    staff_of: dict[str, Made] = field(default_factory=dict)

    def for_route(self, route: RouteSpec, token: str) -> tuple[str, dict[str, str], list[Made]]:
        """Make what ``route``'s path parameters name; returns the concrete path, the values and the made."""
        values: dict[str, str] = {}
        made: list[Made] = []
        for param in route.path_params:
            template = collection_of(route.path, param)
            thing = self.make(route.service, template, token, values)
            values[param] = thing.id
            made.append(thing)
        return fill(route.path, values), values, made

    def make(self, service: str, collection: str, token: str, parents: dict[str, str] | None = None) -> Made:
        parents = dict(parents or {})
        special = MAKERS.get(f"{service}:{collection}")
        if special is not None:
            return special(self, token, parents)
        route = creator(service, collection, self.routes)
        if route is None:
            raise LookupError(
                f"no POST {collection} in {service}: the gates cannot make what its routes take an id "
                "of; add a create route or teach tests/quality/surface.py how to make it"
            )
        recipe = BODIES.get(f"{service}:{collection}")
        if recipe is not None:
            body: Any = recipe(self, token, parents)
        else:
            body = self.body_for(route, token, parents) if route.body is not None else None
        path = "/" + service + fill(collection, parents)
        status, payload = self.call("POST", path, token, body)
        if status not in (200, 201) or not isinstance(payload, dict) or "id" not in payload:
            raise AssertionError(f"making a resource with POST {path} {body!r} gave {status}: {payload!r}")
        thing = Made(
            service, collection, path + "/" + str(payload["id"]), str(payload["id"]), payload, parents
        )
        self.made.append(thing)
        return thing

    def prepare_or_fail(self, route: RouteSpec, token: str) -> Prepared:
        """``prepare``, or fail the test saying which recipe is missing: a route the gates cannot
        drive is not gated, so it must not pass by being hard to reach. A route listed in
        ``KNOWN_GAPS`` (tests/quality/scenarios.py) with its reason is an expected failure instead."""
        import pytest

        try:
            return self.prepare(route, token)
        except (AssertionError, LookupError) as exc:
            pytest.fail(f"not driven: add a recipe in tests/quality/scenarios.py ({str(exc)[:200]})")

    def prepare_branch(self, route: RouteSpec, operation: str, token: str) -> Prepared:
        """A request to ``route`` that makes ``operation`` on its way (its branch recipe, else the
        route's usual request)."""
        recipe = BRANCHES.get(f"{route_id(route)} {operation}")
        if recipe is None:
            return self.prepare_or_fail(route, token)
        try:
            return recipe(self, token)
        except (AssertionError, LookupError) as exc:
            import pytest

            pytest.fail(f"the branch recipe for {operation} failed: {str(exc)[:200]}")

    def prepare(self, route: RouteSpec, token: str) -> Prepared:
        """A request to ``route`` that should succeed for ``token``'s caller (its scenario, or the generic one)."""
        recipe = SCENARIOS.get(route_id(route))
        if recipe is not None:
            return recipe(self, token)
        path, parents, made = self.for_route(route, token)
        body = self.body_for(route, token, parents) if route.body is not None else None
        return Prepared(path, body, self.query_for(route), made)

    def query_for(self, route: RouteSpec) -> dict[str, str]:
        if route.query is None:
            return {}
        schema = route.query.model_json_schema()
        values = value_for({**schema, "examples": []}, schema.get("$defs", {}))
        return {k: str(v) for k, v in values.items()}

    def make_everything(self, token: str) -> list[Made]:
        """One of every resource a POST collection route makes (parents first), as ``token``'s tenant.

        Routes the generic recipe cannot drive are skipped here (the budget gate insists on each)."""
        out = []
        for route in self.routes:
            if route.method != "POST" or route.public or "{" in route.path:
                continue  # top-level collections only; nested ones are made on demand by for_route
            try:
                out.append(self.make(route.service, route.path, token))
            except (AssertionError, LookupError):
                continue
        return out

    def caller_is_staff(self, token: str, service: str = "messaging") -> Made:
        """Make the token's subject a member of staff (for ``/me`` routes), in a fresh department."""
        import jwt

        if token in self.staff_of:
            return self.staff_of[token]
        from shared.auth import DIRECTORY_ROLES

        claims = jwt.decode(token, options={"verify_signature": False})
        route = creator(service, "/staff", self.routes)
        assert route is not None
        # The record holds the token's directory roles: the directory, not the token, grants them.
        roles = [r for r in claims.get("roles", []) if r in DIRECTORY_ROLES]
        body = {**self.body_for(route, token, {}), "user_id": claims["sub"], "roles": roles}
        status, payload = self.call("POST", f"/{service}/staff", token, body)
        assert status == 201, payload
        thing = Made(service, "/staff", f"/{service}/staff/{payload['id']}", str(payload["id"]), payload)
        self.made.append(thing)
        self.staff_of[token] = thing
        return thing

    def body_for(self, route: RouteSpec, token: str, parents: dict[str, str]) -> dict[str, Any]:
        recipe = BODIES.get(f"{route.service}:{route.path}")
        if recipe is not None and route.method == "POST":
            return recipe(self, token, parents)
        body = example_body(route)
        for name, collection in reference_fields(route, self.routes).items():
            if name in body or _required(route, name):
                body[name] = self.make(route.service, collection, token, parents).id
        return body


def _required(route: RouteSpec, name: str) -> bool:
    assert route.body is not None
    return name in route.body.model_json_schema().get("required", [])


# The recipes register themselves on import.
from tests.quality import scenarios  # noqa: E402

__all__ = ["SCENARIOS", "scenarios"]
