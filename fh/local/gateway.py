"""One local HTTP gateway for all five services under their base paths, as the production domain does."""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

from fh.local.solver import LocalSolverFunction
from shared import i18n, openapi
from shared.app import route_specs
from shared.problems import PROBLEM_CONTENT_TYPE, Problem

DOCS_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>Future Hospital API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/docs/static/redoc.standalone.js"></script>
</body></html>"""


def _docs_dir() -> Path | None:
    """Redoc's files, shipped in a PyPI package so the docs page works offline (Redoc renders OpenAPI 3.1)."""
    try:
        from openapi_ui_bundles import redoc
    except ImportError:
        return None
    return Path(redoc.static_path)


# ``fh dev`` only (no such route in AWS): ``POST /_dev/schedules/{name}`` with ``{"ahead_seconds": n}``
# runs that schedule once, now, with its event's ``time`` n seconds ahead — what its next runs would
# see once the clock got there (the SLA sweep takes its clock from the event, as in AWS). For a
# walk-through that shows a timer firing without waiting for it; 0 ≤ n ≤ one day.
DEV_SCHEDULES = "/_dev/schedules/"
MAX_AHEAD_SECONDS = 86_400
FireSchedule = Callable[[str, datetime], Any]


class Gateway:
    """Dispatches ``/<service>/...`` to that service's Chalice app (one request at a time per app,
    as one Lambda instance would), and serves the merged OpenAPI, the docs page and the dev JWKS."""

    def __init__(
        self,
        apps: dict[str, Any],
        jwks: dict[str, Any],
        solver: LocalSolverFunction | None = None,
        fire_schedule: FireSchedule | None = None,
    ):
        self.apps = apps
        self.jwks = jwks
        self.solver = solver  # the Lambda Invoke API of the solver function (fh.local.solver)
        self.fire_schedule = fire_schedule  # the trigger runner's (DEV_SCHEDULES)
        self._gateways = {
            name: LocalGateway(app, Config.create(lambda_timeout=60)) for name, app in apps.items()
        }
        self._locks = {name: threading.Lock() for name in apps}
        self._openapi: dict[str, Any] | None = None

    def openapi(self) -> dict[str, Any]:
        if self._openapi is None:
            self._openapi = openapi.merge(
                {name: openapi.build(name, route_specs(app)) for name, app in self.apps.items()}
            )
        return self._openapi

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        route = path.split("?", 1)[0]
        if route in ("/openapi.json",):
            return (
                200,
                {"Content-Type": "application/json"},
                json.dumps(self.openapi(), ensure_ascii=False).encode(),
            )
        if route == "/.well-known/jwks.json":
            return 200, {"Content-Type": "application/json"}, json.dumps(self.jwks).encode()
        if route in ("/", "/docs", "/docs/"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, DOCS_HTML.encode()
        if route.startswith("/docs/static/"):
            return self._static(route.removeprefix("/docs/static/"))
        if self.solver is not None and self.solver.handles(method, route):
            return self.solver.invoke(route, headers, body)
        if self.fire_schedule is not None and method == "POST" and route.startswith(DEV_SCHEDULES):
            return self._fire(route, body)
        service, _, rest = path.lstrip("/").partition("/")
        lang = i18n.language(next((v for k, v in headers.items() if k.lower() == "accept-language"), None))
        if service not in self._gateways:
            return self._problem(
                Problem(404, "not-found", "Not found", f"No service at /{service}"), path, lang
            )
        with self._locks[service]:
            try:
                response = self._gateways[service].handle_request(method, "/" + rest, headers, body)
            except LocalGatewayException:
                return self._problem(
                    Problem(404, "not-found", "Not found", f"No route {method} {route}"), path, lang
                )
        out_headers = {k: v for k, v in (response.get("headers") or {}).items()}
        raw = response.get("body") or b""
        payload = raw.encode() if isinstance(raw, str) else raw
        return int(response["statusCode"]), out_headers, payload

    def _fire(self, route: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        assert self.fire_schedule is not None
        name = route.removeprefix(DEV_SCHEDULES)
        try:
            ahead = json.loads(body or b"{}").get("ahead_seconds", 0)
        except (ValueError, AttributeError):
            ahead = None
        if not isinstance(ahead, int) or isinstance(ahead, bool) or not 0 <= ahead <= MAX_AHEAD_SECONDS:
            detail = f"ahead_seconds: a whole number of seconds from 0 to {MAX_AHEAD_SECONDS}"
            return self._problem(Problem(422, "validation-failed", "Validation failed", detail), route)
        at = datetime.now(UTC) + timedelta(seconds=ahead)
        try:
            result = self.fire_schedule(name, at)
        except KeyError:
            return self._problem(Problem(404, "not-found", "Not found", "No such schedule"), route)
        out = {"schedule": name, "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "result": result}
        return 200, {"Content-Type": "application/json"}, json.dumps(out, default=str).encode()

    def _static(self, name: str) -> tuple[int, dict[str, str], bytes]:
        base = _docs_dir()
        target = (base / name).resolve() if base else None
        if base is None or target is None or base.resolve() not in target.parents or not target.is_file():
            return self._problem(
                Problem(404, "not-found", "Not found", "No such file"), "/docs/static/" + name
            )
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return 200, {"Content-Type": kind}, target.read_bytes()

    @staticmethod
    def _problem(problem: Problem, path: str, lang: str = i18n.EN) -> tuple[int, dict[str, str], bytes]:
        body = i18n.localise(problem, lang).body(path)
        return (
            problem.status,
            {"Content-Type": PROBLEM_CONTENT_TYPE},
            json.dumps(body, ensure_ascii=False).encode(),
        )


def serve(gateway: Gateway, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, headers, payload = gateway.handle(
                    self.command, self.path, dict(self.headers.items()), body
                )
            except Exception:  # a 500 the client can see, never a reset connection
                logging.getLogger("fh.gateway").exception(
                    "the gateway failed on %s %s", self.command, self.path
                )
                status, headers, payload = gateway._problem(  # the gateway's own problem shape
                    Problem(500, "internal-error", "Internal error", "the local gateway failed"), self.path
                )
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        # Many phones (or load-test clients) connect at once: the default backlog of 5 let a busy
        # machine's accept loop fall behind and the kernel reset connections it could not queue.
        request_queue_size = 128

    server = Server((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="fh-gateway", daemon=True).start()
    return server
