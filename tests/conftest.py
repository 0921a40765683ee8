"""Shared fixtures. One local stack (embedded moto server, gateway, trigger runner) per test session,
started only when a test asks for it; tests isolate themselves by using a fresh tenant each."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest

# Before anything imports boto3/pynamodb: tests never reach real AWS, whatever the machine has configured.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "cn-northwest-1")
os.environ.pop("AWS_PROFILE", None)
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
# The polling feed holds back the last seconds' messages (shared/settings_model.py): the tests read what
# was just delivered; the window itself is tested with a clock (tests/unit/marketplace/test_dispatch.py).
os.environ.setdefault("FH_WEBHOOK_FEED_SETTLE_SECONDS", "0")

# Hypothesis fails an example that takes longer than its deadline (200 ms by default): a wall-clock
# assertion that a loaded machine breaks. No test here asserts a duration; `make bench` measures.
hypothesis.settings.register_profile("fh", deadline=None)
hypothesis.settings.load_profile("fh")


# The modules that take longest (a CI run's ``--durations``), longest first: pytest-xdist keeps a
# module on one worker (``--dist loadscope``) and hands modules out in collection order
# (``--no-loadscope-reorder``). Its default order, most tests first, put the long modules with few
# tests (a solver's, a guide's walk-throughs) last, and the suite's end waited on one worker while
# the other stood idle. The other modules follow, most tests first, as xdist ordered them.
LONGEST_FIRST: tuple[str, ...] = (
    "tests/quality/test_isolation.py",
    "tests/quality/test_fuzz.py",
    "tests/unit/scheduling/roster/test_roster_solver.py",
    "tests/e2e/test_examples.py",
    "tests/quality/test_departed.py",
    "tests/quality/test_faults.py",
    "tests/quality/test_budget.py",
    "tests/unit/scheduling/roster/test_roster_bound.py",
    "tests/quality/test_consumer_budget.py",
    "tests/infra/test_templates_deploy.py",
    "tests/e2e/test_roster_month.py",
    "tests/service/test_followup_privacy.py",
    "tests/infra/test_runtime_needs.py",
)


def module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {module: n for n, module in enumerate(LONGEST_FIRST)}
    counts: dict[str, int] = {}
    for item in items:
        counts[module_of(item)] = counts.get(module_of(item), 0) + 1
    # stable: a module's tests stay together and in their order
    items.sort(key=lambda item: (rank.get(module_of(item), len(rank)), -counts[module_of(item)]))


_started: list[Any] = []  # the session's stack, once a test has asked for it


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from fh.local.stack import LocalStack

    # No background trigger thread: a test that needs the event path's effects calls
    # ``stack.drain()``, which runs it to completion in the test's own thread (nothing waits on a
    # clock, and nothing polls moto between tests).
    local = LocalStack(home=tmp_path_factory.mktemp("fh-home"), table_prefix="fh-test", background=False)
    local.start()
    _started.append(local)
    yield local
    _started.clear()
    local.stop()


@pytest.fixture(scope="module", autouse=True)
def _backlog_stays_in_its_module() -> Iterator[None]:
    """What a test module's requests put on the event path and never drained is dropped when the
    module ends: a test drains what its own requests need, and the next module's first drain does
    not process (for minutes) the fan-outs, groups and projections of every module before it."""
    yield
    for local in _started:
        local.discard()


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def token(stack: Any) -> Callable[..., str]:
    """``token(tenant, user="u1", roles=(...), **claims)`` signed by the stack's dev issuer."""

    def make(tenant: str, user: str = "u1", roles: tuple[str, ...] | list[str] = (), **kw: Any) -> str:
        return str(stack.token(tenant, user, list(roles), **kw))

    return make


@pytest.fixture
def app_token(stack: Any) -> Callable[..., str]:
    """``app_token(tenant, scopes, **standing)``: a partner app installed in ``tenant`` with ``scopes``
    (its standing written as the marketplace writes it) and its token (``tests/partner_apps.py``)."""
    from tests import partner_apps

    return partner_apps.app_token


@pytest.fixture
def admin(tenant: str, token: Callable[..., str]) -> str:
    return token(tenant, "admin-1", ["hospital_admin"])


@pytest.fixture(scope="session")
def clients(stack: Any) -> dict[str, Any]:
    """chalice.test clients per service: the real app, invoked in-process, against the stack's moto."""
    from chalice.test import Client

    return {name: Client(app) for name, app in stack.apps.items()}


def make_staff(stack: Any, token: str, department_id: str, name: str, number: str, roles: list[str]) -> str:
    """A member of staff created over the local stack's API; returns the id."""
    status, body = stack.request(
        "POST",
        "/messaging/staff",
        token,
        {"name": name, "employee_no": number, "department_id": department_id, "roles": roles},
    )
    assert status == 201, body
    return str(body["id"])


def register_hospital(tenant: str, name: str | None = None) -> None:
    """The province's record of a hospital, as ``fh tenant add`` writes it (only such a hospital can
    be invited into a consortium)."""
    from fh.tenancy_store import register

    register(tenant, name or tenant, "local")


@pytest.fixture
def sync_settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """``GET /sync`` never reads its newest two seconds (a slower concurrent writer must not land
    behind a cursor); under this fixture its clock reads that much later, so a test sees what it
    just wrote without sleeping."""
    from types import SimpleNamespace

    from chalicelib.messaging.service import conversations

    ahead = conversations.SETTLE_MS / 1000 + 0.001
    monkeypatch.setattr(conversations, "time", SimpleNamespace(time=lambda: time.time() + ahead))


def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
