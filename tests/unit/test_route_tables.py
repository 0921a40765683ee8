"""Route tables: every route is mounted from its service's table, and a function starts without the routes.

``shared.app`` mounts routes from ``chalicelib/<service>/route_table.py`` and imports a route module on its
first request. A stale table would leave a route unreachable (or point at a handler that is gone), so
the tables must equal what the route modules declare; and the start-up must stay free of the route
modules and pydantic, which is what keeps the relay, consumers and health checks cheap to start.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fh import routes
from fh.services import ROOT, SERVICES, load_app
from shared.app import route_specs


def test_route_tables_match_the_route_modules() -> None:
    assert routes.stale() == [], "a route table is out of date: run `fh routes --write`"


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_is_mounted_once_from_its_table(service: str) -> None:
    app = load_app(service)
    mounted = {(method, path) for path, entries in app.routes.items() for method in entries}
    declared = {(spec.method, spec.path) for spec in route_specs(app)}
    assert declared == mounted - {("GET", "/openapi.json")}
    assert len(declared) == len(route_specs(app))


def test_a_new_route_missing_from_the_table_is_reported(tmp_path, monkeypatch) -> None:
    """The check sees a route a module declares that its table lacks (as after adding a route)."""
    table = routes.table_path("scheduling")
    original = table.read_text(encoding="utf-8")
    monkeypatch.setattr(routes, "table_path", lambda service: tmp_path / f"{service}.py")
    (tmp_path / "scheduling.py").write_text(original, encoding="utf-8")
    assert routes.stale(("scheduling",)) == []
    from chalicelib.scheduling.api import staff as module

    @module.api.route("/planted", summary="planted")
    def planted(ctx: object) -> dict[str, str]:
        return {}

    try:
        assert routes.stale(("scheduling",)) == ["scheduling"]
    finally:
        module.api.routes.pop()
        module.api._handlers.pop("planted")


START = """
import json, sys
sys.path[:0] = {paths!r}
import app
loaded = sorted(m for m in sys.modules if m == "pydantic" or m.startswith("chalicelib.") and m.count(".") >= 2)
event = {{"resource": "/health", "path": "/health", "httpMethod": "GET", "headers": {{}},
          "multiValueHeaders": {{}}, "pathParameters": None, "queryStringParameters": None,
          "multiValueQueryStringParameters": None, "body": None, "isBase64Encoded": False,
          "requestContext": {{"resourcePath": "/health", "httpMethod": "GET", "requestId": "r1"}},
          "stageVariables": None}}
class Context:
    function_name = "fh-test-api"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws-cn:lambda:cn-northwest-1:123456789012:function:fh-test-api"
    aws_request_id = "r1"
health = app.app(event, Context())
after_health = sorted(m for m in sys.modules if m == "pydantic" or m.startswith("chalicelib.") and m.count(".") >= 2)
print(json.dumps({{"loaded": loaded, "health": health["statusCode"], "after_health": after_health}}))
"""


@pytest.mark.parametrize("service", SERVICES)
def test_a_function_starts_without_route_modules_or_pydantic(service: str) -> None:
    app_dir = ROOT / "services" / service
    out = subprocess.run(
        [sys.executable, "-c", START.format(paths=[str(app_dir), str(ROOT)])],
        cwd=app_dir,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # What a function may load at start: its table, its event handlers' modules and the rules they name.
    light = {
        f"chalicelib.{service}.{name}"
        for name in ("route_table", "consumers", "schedules", "domain", "domain.approval_notices")
    }
    assert set(result["loaded"]) <= light, result["loaded"]
    assert result["health"] == 200
    assert set(result["after_health"]) <= light, "a health check loaded route modules"
