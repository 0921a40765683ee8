"""API fuzzing: Schemathesis against each service's OpenAPI document as the local stack serves it.

Every operation of every service is generated twice: schema-valid data (must not be refused by
validation, must never 5xx, responses must match the documented schema) and schema-invalid data (must
be a 4xx). Schemathesis's own checks also re-send requests without the token (auth must not be
ignored). ``FH_FUZZ_EXAMPLES`` sets the examples per operation and mode (small in `make test`, large in
`make fuzz`).
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.quality.conftest import FUZZ_EXAMPLES
from tests.quality.scenarios import marks
from tests.quality.surface import ResourceMaker, all_routes, list_routes, reference_fields, route_id

pytestmark = pytest.mark.e2e
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@pytest.fixture(scope="session")
def documents(stack: Any) -> dict[str, Any]:
    """Each service's schema, loaded from the URL the service serves it at (``GET /<svc>/openapi.json``)."""
    return {}


def _schema(documents: dict[str, Any], stack: Any, service: str) -> Any:
    if service not in documents:
        documents[service] = schemathesis.openapi.from_url(f"{stack.url}/{service}/openapi.json")
    return documents[service]


def _has_inputs(route: Any) -> bool:
    return bool(route.body or route.query or route.path_params or route.idempotent)


CASES = [
    pytest.param(
        route, mode, id=f"{route_id(route)} {mode.value}", marks=marks(f"fuzz-{mode.value}", route_id(route))
    )
    for route in all_routes()
    for mode in MODES
    # Nothing to make invalid in a request without inputs (health): its positive run covers it.
    if mode is GenerationMode.POSITIVE or _has_inputs(route)
]


def _validation_drift(payload: Any) -> list[Any]:
    """422 field errors a schema-valid request should never get (business-rule refusals are fine)."""
    if not isinstance(payload, dict):
        return []
    return [e for e in payload.get("errors", []) if e.get("code") != "rule"]


@pytest.mark.parametrize(("route", "mode"), CASES)
def test_fuzz_operation(
    stack: Any,
    documents: dict[str, Any],
    maker: ResourceMaker,
    full_token: Callable[..., str],
    route: Any,
    mode: GenerationMode,
) -> None:
    schema = _schema(documents, stack, route.service)
    operation = schema[route.path][route.method]
    tenant = f"t-fz{uuid.uuid4().hex[:10]}"
    token = full_token(tenant)
    headers = {"Authorization": f"Bearer {token}"}
    base_url = f"{stack.url}/{route.service}"

    strategy = operation.as_strategy(generation_mode=mode)
    creates = mode is GenerationMode.POSITIVE and route.method == "POST" and route.status == 201
    # A request the recipes say succeeds (real parents in the path, the caller a member of staff where
    # the route needs one): its path ids go into every generated case, so valid data reaches the route.
    references = reference_fields(route, all_routes()) if mode is GenerationMode.POSITIVE else {}
    prepared = _prepared(maker, route, token) if creates or references else None
    if prepared is not None and prepared.token is not None:
        headers = {
            "Authorization": f"Bearer {prepared.token}"
        }  # a partner organisation's, a platform admin's
    path_values = _path_values(route.path, prepared.path) if prepared else {}
    if path_values:
        strategy = strategy.map(lambda case: _with_path(case, path_values))
    if references:
        # Valid data references things that exist: fill those fields with ids made in this tenant.
        # (a reference nested under the route's own parent, e.g. a message of this conversation, is
        # made under the same parent)
        real = {
            name: maker.make(route.service, path, token, path_values).id for name, path in references.items()
        }

        def with_real_ids(case: Any) -> Any:
            if isinstance(case.body, dict):
                case.body = {**case.body, **{k: v for k, v in real.items() if k in case.body}}
            return case

        strategy = strategy.map(with_real_ids)

    seen: list[int] = []

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
        # make test replays the same examples every run (a red CI can be reproduced); make fuzz explores.
        derandomize=os.environ.get("FH_FUZZ_RANDOM") != "1",
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call_and_validate(
            base_url=base_url, headers=headers, excluded_checks=[positive_data_acceptance], timeout=30
        )
        seen.append(response.status_code)
        assert response.status_code < 500, (case.as_curl_command(), response.text)
        if mode is GenerationMode.POSITIVE and response.status_code == 422:
            drift = _validation_drift(response.json())
            assert not drift, f"schema-valid input refused by validation: {drift} for {case.body!r}"

    run()
    assert seen, "no request was sent"
    if creates and route.status not in seen and prepared is not None and prepared.body is not None:
        # Random ids rarely name real members or a conversation the caller is in: the recipe's own body,
        # checked against the route's body model (the source of its schema), must then create.
        route.body.model_validate(prepared.body)
        case = operation.Case(
            path_parameters=path_values or None, body=prepared.body, query=prepared.query or None
        )
        response = case.call_and_validate(
            base_url=base_url, headers=headers, excluded_checks=[positive_data_acceptance], timeout=30
        )
        seen.append(response.status_code)
    if creates:
        assert route.status in seen, f"valid data never created anything: {seen}"


def _prepared(maker: ResourceMaker, route: Any, token: str) -> Any:
    try:
        return maker.prepare(route, token)
    except (AssertionError, LookupError):
        return None  # no recipe: the generated cases alone must create


def _path_values(template: str, path: str) -> dict[str, str]:
    pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template))
    match = re.fullmatch(pattern, path.split("?")[0])
    return dict(match.groupdict()) if match else {}


def _with_path(case: Any, values: dict[str, str]) -> Any:
    case.path_parameters = {**(case.path_parameters or {}), **values}
    return case


def test_every_registered_route_is_in_its_services_document(stack: Any, documents: dict[str, Any]) -> None:
    for route in all_routes():
        schema = _schema(documents, stack, route.service)
        assert route.method in schema[route.path], route_id(route)


def _cursor(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode()


HOSTILE_CURSORS = {
    "not base64": "%%%",
    "not json": _cursor(b"\xff\xfe"),
    "a list": _cursor([1, 2]),
    "pk not a map": _cursor({"pk": "x"}),
    "pk value not a string": _cursor({"pk": {"S": 5}}),
    "own partition, odd sort key": None,  # filled per tenant below
    "own partition, number sort key": None,
    "own partition, extra attribute": None,
}
EXTRA = {
    "own partition, odd sort key": {"sk": 5},
    # Well-formed, but every key of every table is a string: a number must not reach DynamoDB.
    "own partition, number sort key": {"sk": {"N": "5"}},
    "own partition, extra attribute": {"sk": {"S": "x"}, "evil": {"N": "1"}},
}


@pytest.mark.parametrize("route", list_routes(all_routes()), ids=route_id)
@pytest.mark.parametrize("kind", list(HOSTILE_CURSORS), ids=str)
def test_hostile_cursor_is_a_4xx(
    stack: Any, full_token: Callable[..., str], tenant: str, route: Any, kind: str
) -> None:
    cursor = HOSTILE_CURSORS[kind]
    if cursor is None:
        # A cursor that names the caller's own partition but carries junk: it must not reach DynamoDB raw.
        partitions = [f"{tenant}#{part}" for part in ("dept", "staff")]
        extra = EXTRA[kind]
        cursor = ",".join(_cursor({"pk": {"S": p}, **extra}) for p in partitions)
    for value in cursor.split(","):
        status, body = stack.request(
            "GET", f"/{route.service}{route.path}?cursor={value}", full_token(tenant)
        )
        assert 400 <= status < 500, (kind, status, body)


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("route", [r for r in all_routes() if r.body is not None], ids=route_id)
def test_a_deeply_nested_body_is_a_4xx(
    stack: Any, full_token: Callable[..., str], tenant: str, route: Any
) -> None:
    """JSON nested deeper than any request needs (100,000 levels fit in 600 KB) must be refused as a
    bad request, not crash the parser or the validator into a 500."""
    path = re.sub(r"\{\w+\}", "x1", route.path)
    for depth in (40, 5_000, 100_000):
        status, body = stack.request(
            route.method, f"/{route.service}{path}", full_token(tenant), _nested(depth).encode()
        )
        assert 400 <= status < 500, (depth, status, body)
