"""Every route stays within its declared DynamoDB call budget (counted with a botocore hook)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.quality import botocore_hooks
from tests.quality.budget import BudgetCaller, inproc_caller, measure, table
from tests.quality.scenarios import gap, marks
from tests.quality.surface import all_routes, all_scopes, is_list, route_id

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stocked(stack: Any) -> BudgetCaller:
    """One tenant for every list route, stocked on first use: list routes only read, so they can share it."""
    return BudgetCaller.fresh(stack)


@pytest.mark.parametrize(
    "route", [pytest.param(r, id=route_id(r), marks=marks("budget", route_id(r))) for r in all_routes()]
)
def test_route_is_within_its_budget(
    stack: Any, clients: dict[str, Any], route: Any, stocked: BudgetCaller
) -> None:
    (row,) = measure(stack, clients, only=route, caller=stocked if is_list(route) else None)
    if not row.driven:
        pytest.fail(f"not driven ({row.status}): add a recipe in tests/quality/scenarios.py: {row.problem}")
    assert not row.over, "over budget:\n" + table([row])


@pytest.mark.parametrize(
    "route", [r for r in all_routes() if "partner" in r.kinds and r.scopes], ids=route_id
)
def test_an_apps_call_is_within_the_routes_budget(
    stack: Any, clients: dict[str, Any], route: Any, stocked: BudgetCaller
) -> None:
    """A partner app's call costs its installation's standing (GetItem) and its count (UpdateItem) instead
    of a member of staff's standing: the route's charged budget holds for it too."""
    from tests import partner_apps

    caller = stocked if is_list(route) else BudgetCaller.fresh(stack)
    app = partner_apps.app_token(caller.tenant, all_scopes(all_routes()))
    (row,) = measure(stack, clients, only=route, caller=caller, app=app)
    if not row.driven:
        pytest.fail(f"not driven as an app ({row.status}): {row.problem}")
    assert not row.over, "over budget:\n" + table([row])
    assert row.calls.get("UpdateItem", 0) >= 1  # the call was counted for the hospital to see


def test_budget_holds_with_an_idempotency_key(stack: Any, clients: dict[str, Any]) -> None:
    """The key's own record lives in the idempotency table; the route's calls stay as declared."""
    routes = [r for r in all_routes() if r.idempotent and not gap("budget", route_id(r))]
    rows = [row for route in routes for row in measure(stack, clients, with_idempotency_key=True, only=route)]
    assert not [r for r in rows if r.over], table(rows)
    assert any(row.idempotency for row in rows if row.driven), (
        "no idempotent route used the idempotency table"
    )


def test_the_counter_sees_calls(stack: Any, clients: dict[str, Any], admin: str) -> None:
    """The control: a read route's GetItem/Query really is counted in this thread (no silent zero)."""
    call = inproc_caller(clients)
    reads = [r for r in all_routes() if r.method == "GET" and r.budget and not r.path_params]
    assert reads
    with botocore_hooks.counting() as log:
        status, _, _ = call("GET", f"/{reads[0].service}{reads[0].path}", admin)
    assert status == 200
    assert sum(log.calls.values()) >= 1, log
