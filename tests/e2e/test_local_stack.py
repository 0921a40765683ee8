"""The local stack over real HTTP, as a mobile app or curl uses it."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from fh.local.stack import free_port
from fh.services import SERVICES

pytestmark = pytest.mark.e2e


@contextmanager
def _trigger_requests(stack: Any) -> Iterator[list[str]]:
    """The API operations the trigger runner's clients make inside the block (appended as they go)."""
    made: list[str] = []
    clients = {
        id(c): c
        for t in stack.runner.triggers
        for c in (getattr(t, "sqs", None), getattr(t, "streams", None))
        if c
    }
    for client in clients.values():
        client.meta.events.register("before-call", lambda model, **_: made.append(model.name), "counting")
    try:
        yield made
    finally:
        for client in clients.values():
            client.meta.events.unregister("before-call", unique_id="counting")


def test_staff_created_over_http_appears_in_scheduling(stack: Any, tenant: str, admin: str) -> None:
    """Through the stream, the relay, the bus and the consumer's queue; a drain polls only what
    has work (the runner reads the in-process moto first): an idle event path costs no request."""
    stack.drain()
    with _trigger_requests(stack) as made:
        assert stack.drain() == 1 and made == []
        _create_staff_and_see_it_projected(stack, admin)
        # the messaging stream read and the consumers' queues received from; nothing more once idle
        assert "GetRecords" in made and "ReceiveMessage" in made and "DeleteMessageBatch" in made
        del made[:]
        assert stack.drain() == 1 and made == []


def _create_staff_and_see_it_projected(stack: Any, admin: str) -> None:
    status, dept = stack.request(
        "POST", "/messaging/departments", admin, {"name": "重症医学科", "kind": "department"}
    )
    assert status == 201
    status, staff = stack.request(
        "POST",
        "/messaging/staff",
        admin,
        {"name": "欧阳娜娜", "employee_no": "ICU-01", "department_id": dept["id"], "roles": ["nurse"]},
    )
    assert status == 201

    def projected() -> list[dict[str, Any]]:
        code, body = stack.request("GET", "/scheduling/staff", admin)
        assert code == 200
        return list(body["items"])

    stack.drain()
    [seen] = projected()
    assert (seen["id"], seen["name"], seen["employee_no"]) == (staff["id"], "欧阳娜娜", "ICU-01")


def test_other_tenant_cannot_read_over_http(stack: Any, admin: str, token: Any) -> None:
    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "儿科"})
    status, body = stack.request(
        "GET", f"/messaging/departments/{dept['id']}", token("t-elsewhere-1", "x", ["doctor"])
    )
    assert status == 404
    assert body["type"] == "urn:fh:problem:not-found"


def test_every_service_is_served_with_docs(stack: Any) -> None:
    for service in SERVICES:
        assert stack.request("GET", f"/{service}/health") == (200, {"service": service, "status": "ok"})
        status, doc = stack.request("GET", f"/{service}/openapi.json")
        assert status == 200 and doc["openapi"] == "3.1.0"
    status, merged = stack.request("GET", "/openapi.json")
    assert "/messaging/staff" in merged["paths"] and "/scheduling/staff" in merged["paths"]
    with urllib.request.urlopen(stack.url + "/docs", timeout=10) as page:
        html = page.read().decode()
    assert "/openapi.json" in html
    with urllib.request.urlopen(stack.url + "/docs/static/redoc.standalone.js", timeout=10) as js:
        assert js.status == 200 and len(js.read()) > 100_000
    assert stack.request("GET", "/nowhere/at-all")[0] == 404


def _fh(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fh.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )


def test_fh_dev_serves_seeds_prints_tokens_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    # faulthandler: a child that does not stop prints every thread's stack (SIGABRT below), so a
    # failure says where it hung.
    env = {**os.environ, "FH_DEV_HOME": str(tmp_path / "home"), "PYTHONFAULTHANDLER": "1"}
    for name in ("AWS_ENDPOINT_URL", "FH_JWKS_URL", "FH_TABLE_PREFIX", "FH_EVENT_BUS_NAME"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "fh.cli", "dev", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    # Read the child's output on a thread: a deadline holds even if it prints nothing, and the pipe keeps
    # draining after start-up (a full pipe would block the child).
    assert proc.stdout is not None
    out: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(
        target=lambda: [out.put(line) for line in iter(proc.stdout.readline, "")], daemon=True
    )
    reader.start()
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("Ctrl-C stops" in line for line in lines):
            try:
                lines.append(out.get(timeout=1))
            except queue.Empty:
                if proc.poll() is not None:
                    break
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}" in output, output
        admin_token = re.search(r"^\s+admin\s+\S+\s+(\S+)$", output, re.M)  # label, person, token
        assert admin_token, output

        def get(path: str) -> Any:
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"Authorization": f"Bearer {admin_token.group(1)}"},
            )
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read())

        staff = get("/messaging/staff?limit=200")["items"]
        assert len(staff) >= 30 and any("\u4e00" <= s["name"][0] <= "\u9fff" for s in staff)
        # The seed's events went through before the tokens were printed: scheduling knows everyone
        # already, and what a person does next is not queued behind the seed.
        assert len(get("/scheduling/staff?limit=200")["items"]) == len(staff)
        # The other local commands find this stack through the dev home.
        running = json.loads((tmp_path / "home" / "local-stack.json").read_text())
        assert running["url"] == f"http://127.0.0.1:{port}"

        # A token made separately by `fh dev token` works against the running stack (same dev issuer).
        printed = _fh(
            "dev", "token", "--tenant", "demo-hospital", "--user", "u9", "--roles", "doctor", env=env
        )
        cli_token = printed.stdout.strip().splitlines()[-1]
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/messaging/departments",
            headers={"Authorization": f"Bearer {cli_token}"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # faulthandler dumps the threads, then it dies
            proc.wait(timeout=10)
            reader.join(timeout=10)
            stacks = "".join(out.get() for _ in range(out.qsize()))
            pytest.fail(f"fh dev did not stop within 30 s of Ctrl-C; its threads:\n{stacks[-12000:]}")
        reader.join(timeout=10)
    rest = "".join(out.get() for _ in range(out.qsize()))
    assert proc.returncode == 0
    assert "stopped." in rest
    # The console carries what a person reads: no metric JSON, no warnings (fh dev --metrics shows them).
    everything = output + rest
    assert '"_aws"' not in everything and "Warning" not in everything, everything[-2000:]
    assert not (tmp_path / "home" / "local-stack.json").exists()


def test_fh_directory_import_follows_the_job(stack: Any, admin: str, tenant: str, tmp_path: Path) -> None:
    from fh.cli import main

    stack.request("POST", "/messaging/departments", admin, {"name": "检验科"})
    csv_file = tmp_path / "hr.csv"
    csv_file.write_text("姓名,工号,科室\n钱一,L1,检验科\n钱二,L2,检验科\n", encoding="utf-8")
    args = [
        "directory",
        "import",
        str(csv_file),
        "--tenant",
        tenant,
        "--api",
        stack.url,
        "--token",
        admin,
        "--yes",
    ]
    with stack.triggers_running():  # the command follows the preview, then the apply, over HTTP
        assert main(args) == 0
    _, staff = stack.request("GET", "/messaging/staff", admin)
    assert sorted(s["name"] for s in staff["items"]) == ["钱一", "钱二"]
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,工号,科室\n钱三,L3,没有这个科\n", encoding="utf-8")
    with stack.triggers_running():  # previewed, then refused: its one row is in error
        assert main([*args[:2], str(bad), *args[3:]]) == 1
    _, staff = stack.request("GET", "/messaging/staff", admin)
    assert len(staff["items"]) == 2
