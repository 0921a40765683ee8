"""The README's tour and the guides' examples, run as written against a fresh ``fh dev``.

Each example is a ```bash block of a document; it runs in bash from the repository root with ``API``
pointing at the stack (the blocks default it to :8000) and ``FH_DEV_HOME`` shared with the stack, so
``fh dev token`` signs for it. Every ``curl`` reports its HTTP status; a status of 400 or more fails
the example unless the test names it as one the example shows on purpose.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fh.local.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e

# Every curl prints "<status> <url>" on stderr, so the test sees each call's outcome.
PRELUDE = """set -euo pipefail
curl() { command curl -w '%{stderr}HTTP %{http_code} %{url_effective}\\n' "$@"; }
"""


def blocks(document: str) -> list[str]:
    text = (ROOT / document).read_text(encoding="utf-8")
    return re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("dev-home")
    port = free_port()
    env = {**os.environ, "FH_DEV_HOME": str(home)}
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "FH_JWKS_URL",
        "FH_TABLE_PREFIX",
        "FH_EVENT_BUS_NAME",
    ):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "fh.cli", "dev", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in iter(proc.stdout.readline, "")], daemon=True
    ).start()
    seen = ""
    deadline = time.monotonic() + 180
    while "Ctrl-C stops" not in seen and time.monotonic() < deadline and proc.poll() is None:
        try:
            seen += lines.get(timeout=1)
        except queue.Empty:
            pass
    assert "Ctrl-C stops" in seen, seen
    try:
        yield {**env, "API": f"http://127.0.0.1:{port}"}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def run(script: str, env: dict[str, str]) -> tuple[str, list[tuple[int, str]]]:
    done = subprocess.run(
        ["bash", "-c", PRELUDE + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    calls = [(int(code), url) for code, url in re.findall(r"^HTTP (\d{3}) (\S+)$", done.stderr, flags=re.M)]
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout, calls


def failures(calls: list[tuple[int, str]], expected: set[tuple[int, str]] = frozenset()) -> list[str]:  # type: ignore[assignment]
    return [
        f"{code} {url}"
        for code, url in calls
        if code >= 400 and not any(code == c and url.endswith(path) for c, path in expected)
    ]


def test_the_readme_tour_runs_as_written(dev: dict[str, str]) -> None:
    [_, tour, _] = blocks("README.md")
    out, calls = run(tour, dev)
    assert len(calls) >= 5
    assert not failures(calls, {(404, "/messaging/staff/nobody")})
    assert "林晓" in out  # scheduling had her within the example's wait
    assert '"title": "未找到"' in out or '"title":"未找到"' in out


def test_the_leave_example_runs_as_written(dev: dict[str, str]) -> None:
    [example] = [b for b in blocks("docs/approvals.md") if "LEAVE=" in b]
    out, calls = run(example, dev)
    assert len(calls) >= 10 and not failures(calls)
    assert '"status":"approved"' in out.replace(" ", "")


def test_the_consortium_and_cross_hospital_group_examples_run_as_written(dev: dict[str, str]) -> None:
    links, group = blocks("docs/messaging.md")[:2]
    out, calls = run(links + group, dev)
    assert len(calls) >= 8 and not failures(calls)
    assert "转诊群" in out  # the town doctor sees the group in their list


def test_the_rostering_walk_through_runs_as_written(dev: dict[str, str]) -> None:
    """docs/scheduling.md: a ward set up, auto-rostered (a worker process of fh dev), edited, approved
    through 排班审批, published, and whoever is on duty notified — as a head nurse does it with curl."""
    [walk] = [b for b in blocks("docs/scheduling.md") if "PERIOD=$(send POST" in b]
    out, calls = run(walk, dev)
    assert len(calls) >= 15 and not failures(calls)
    assert "approved" in out and "published 1" in out and "排班" in out, out[-2000:]


def test_the_follow_up_walk_through_runs_as_written(dev: dict[str, str]) -> None:
    """docs/followup.md: a discharge enrolled by disease, the board worked, a questionnaire answered through
    a link, the abnormal result reaching the doctor, a revisit claimed by exactly one of two doctors."""
    [walk] = [b for b in blocks("docs/followup.md") if "ZY20261204-001" in b]
    out, calls = run(walk, dev)
    # the second doctor's claim is the 409 the walk-through shows on purpose
    assert len(calls) >= 15 and not failures(calls, {(409, "/claim")}), calls
    assert "高血压" in out and "张*" in out and "110105********002X" in out, out[-2000:]
    assert "随访异常" in out and "182" in out, out[-2000:]
    assert "['409', 'claimed']" in out, out[-2000:]  # exactly one of the two doctors got it
    assert "closed " in out and "张建国" not in out, out[-2000:]
    assert "('export:fhir', '冯志远')" in out and "('read:record', '冯志远')" in out, out[-2000:]


def test_the_referral_walk_through_runs_as_written(dev: dict[str, str]) -> None:
    """docs/referral.md on make dev's three hospitals: a clinic's patient up to the county hospital and back
    down into the clinic team's follow-up, the outside hospital seeing nothing (404), both access logs
    recording the disclosure, an unanswered emergency consultation escalated, and the lead's month counted."""
    [walk] = [b for b in blocks("docs/referral.md") if "demo-clinic-doctor" in b]
    out, calls = run(walk, dev)
    assert len(calls) >= 25 and not failures(calls), calls
    assert "outside: 404" in out, out[-3000:]
    assert "('李*', '', '城关镇卫生院（演示）')" in out, out[
        -3000:
    ]  # masked, no patient id before acceptance
    assert "accepted\narrived\ncompleted" in out, out[-3000:]
    assert "李*" in out and "李建华" not in out and "110105195203150013" not in out, out[-3000:]
    assert "referral.requested" in out and "referral.disclosed" in out and "referral.received" in out
    assert "('accepted', True)" in out, out[-3000:]  # the down referral enrolled him at the clinic
    assert "('requested', True, '重症医学科')" in out, out[-3000:]
    assert re.search(r"woken: \['[^']+'", out), out[-3000:]  # the doctors woken, by name
    assert "('重症医学科', 1, 1)" in out, out[-3000:]
    assert "'up': 1" in out and "'down': 1" in out, out[-3000:]
