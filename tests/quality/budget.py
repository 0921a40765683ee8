"""The DynamoDB call budget: a scripted scenario calling every route once, counting its DynamoDB calls.

Each route declares ``budget`` (e.g. ``{"GetItem": 1}``); a route that makes an operation it did not
declare, or more of one than declared, is over budget. Calls to the idempotency table (the
``Idempotency-Key`` layer) are counted apart and reported, not charged to the route.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.quality import botocore_hooks
from tests.quality.surface import ResourceMaker, all_roles, all_routes, all_scopes, is_list, route_id

InProc = Callable[..., tuple[int, dict[str, str], Any]]


@dataclass
class BudgetRow:
    route: str
    status: int
    calls: dict[str, int]
    budget: dict[str, int]
    idempotency: dict[str, int] = field(default_factory=dict)
    problem: str = ""

    @property
    def driven(self) -> bool:
        """Whether the scenario got the route to succeed (only then do its counts mean anything)."""
        return 0 < self.status < 300

    @property
    def over(self) -> dict[str, tuple[int, int]]:
        """Operation → (calls, budget) where the calls exceed what the route declared."""
        return {op: (n, self.budget.get(op, 0)) for op, n in self.calls.items() if n > self.budget.get(op, 0)}


def inproc_caller(clients: dict[str, Any]) -> InProc:
    """Calls a route through chalice.test in the calling thread (so the hooks attribute its calls)."""

    def call(
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        service, _, rest = path.lstrip("/").partition("/")
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body) if body is not None else None
        response = getattr(clients[service].http, method.lower())("/" + rest, headers=all_headers, body=data)
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        kind = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
        # JSON (and problem+json) parsed; another media type (a text/calendar feed) as its text.
        payload = json.loads(text) if text and "json" in kind else (text or None)
        return response.status_code, {k.lower(): v for k, v in response.headers.items()}, payload

    return call


@dataclass
class BudgetCaller:
    """A fresh tenant's all-roles caller, and what has been made in that tenant."""

    token: str
    maker: ResourceMaker
    tenant: str = ""
    stocked: bool = False  # one of everything made (lists then have something to page through)

    @classmethod
    def fresh(cls, stack: Any) -> BudgetCaller:
        routes = all_routes()
        tenant = f"t-bg{uuid.uuid4().hex[:10]}"
        scopes = all_scopes(routes)
        token = stack.token(
            tenant, "budget-user", all_roles(routes), **({"scopes": scopes} if scopes else {})
        )
        return cls(
            token,
            ResourceMaker(
                call=stack.request,
                mint=stack.token,
                settle=stack.drain,
                solve=stack.run_solver_jobs,
                routes=routes,
            ),
            tenant,
        )


def measure(
    stack: Any,
    clients: dict[str, Any],
    with_idempotency_key: bool = False,
    only: Any = None,
    caller: BudgetCaller | None = None,
    app: str | None = None,
) -> list[BudgetRow]:
    """Every route (or ``only`` one) once, as ``caller`` (default: a fresh tenant's all-roles caller);
    its DynamoDB calls counted. A list route reads a tenant stocked with one of everything; the list
    routes' gate passes one stocked caller to all of them (stocking takes ~10 s a tenant). ``app``: a
    partner app's token of the caller's hospital makes the measured call (the caller still sets up)."""
    routes = all_routes()
    caller = caller or BudgetCaller.fresh(stack)
    token, maker = caller.token, caller.maker
    if (only is None or is_list(only)) and not caller.stocked:
        maker.make_everything(token)
        caller.stocked = True
    call = inproc_caller(clients)
    rows = []
    for route in [only] if only is not None else routes:
        # Set-up (parents, referenced resources) goes over HTTP in other threads: not counted.
        try:
            request = maker.prepare(route, token)
        except (AssertionError, LookupError) as exc:
            rows.append(BudgetRow(route_id(route), 0, {}, route.charged_budget, problem=str(exc)[:300]))
            continue
        headers = {"Idempotency-Key": uuid.uuid4().hex} if with_idempotency_key and route.idempotent else {}
        with botocore_hooks.counting() as log:
            status, _, payload = call(
                route.method,
                request.url(route.service),
                app or request.token_for(token),
                request.body,
                headers,
            )
        problem = "" if status < 300 else f"{payload}"[:300]
        rows.append(
            BudgetRow(
                route_id(route), status, dict(log.calls), route.charged_budget, dict(log.idempotency), problem
            )
        )
    return rows


def table(rows: list[BudgetRow]) -> str:
    def fmt(counts: dict[str, int]) -> str:
        return ", ".join(f"{op} {n}" for op, n in sorted(counts.items())) or "-"

    width = max(len(r.route) for r in rows)
    lines = [f"{'route':<{width}}  {'calls':<34}  {'budget':<34}  verdict"]
    for r in rows:
        verdict = "OVER " + fmt({op: n for op, (n, _) in r.over.items()}) if r.over else "ok"
        if not r.driven:
            verdict = f"NOT DRIVEN ({r.status}: add a recipe in tests/quality/scenarios.py)"
        extra = f"  (+ idempotency: {fmt(r.idempotency)})" if r.idempotency else ""
        lines.append(f"{r.route:<{width}}  {fmt(r.calls):<34}  {fmt(r.budget):<34}  {verdict}{extra}")
    return "\n".join(lines)
