"""Fixtures of the quality gates: the discovered routes, resource making, full-permission tokens and
in-process calls (chalice.test) whose DynamoDB traffic the botocore hooks can attribute to one request."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from tests.quality import botocore_hooks
from tests.quality.budget import inproc_caller
from tests.quality.surface import ResourceMaker, all_roles, all_routes, all_scopes

# Before the session's stack makes its first DynamoDB client.
botocore_hooks.install()

# `make test` keeps the gates bounded; `make fuzz` raises these (see docs/quality.md).
FUZZ_EXAMPLES = int(os.environ.get("FH_FUZZ_EXAMPLES", "8"))


@pytest.fixture(scope="session")
def routes(stack: Any) -> tuple[Any, ...]:
    return all_routes()


@pytest.fixture
def maker(stack: Any, routes: tuple[Any, ...]) -> ResourceMaker:
    """Makes a route's resources; its recipes' ``settle`` runs the event path for what they made.
    The gates make resources route after route and settle only where a recipe needs a projection:
    what the earlier tests of the module left on the event path is dropped first, so a settle runs
    this test's fan-outs and projections, not (for a minute and more) every earlier test's."""
    stack.discard()
    return ResourceMaker(
        call=stack.request, mint=stack.token, settle=stack.drain, solve=stack.run_solver_jobs, routes=routes
    )


@pytest.fixture
def full_token(token: Callable[..., str], routes: tuple[Any, ...]) -> Callable[..., str]:
    """A staff token holding every role and scope any route asks for (so only the tenant differs)."""

    def make(tenant: str, user: str = "gate-user", **kw: Any) -> str:
        scopes = all_scopes(routes)
        extra = {"scopes": scopes} if scopes else {}
        return token(tenant, user, all_roles(routes), **extra, **kw)

    return make


@pytest.fixture
def inproc(clients: dict[str, Any]) -> Callable[..., tuple[int, dict[str, str], Any]]:
    """Call a route in this thread through chalice.test: ``inproc(method, "/svc/path", token, body)``."""
    return inproc_caller(clients)
