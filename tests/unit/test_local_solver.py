"""The local solver function: Lambda's Invoke API as the launcher calls it, and workers that stop with
the stack."""

from __future__ import annotations

import json
import subprocess
import sys

from fh.local.solver import LocalSolverFunction

PATH = "/2015-03-31/functions/fh-local-scheduling-solver/invocations"
EVENT = {"X-Amz-Invocation-Type": "Event"}


def test_an_event_invocation_of_the_solver_is_accepted_and_kept_for_the_test() -> None:
    solver = LocalSolverFunction("fh-local-scheduling-solver", deferred=True)
    payload = {"tenant": "t1", "period_id": "p1", "job_id": "j1"}
    assert solver.handles("POST", PATH)
    assert solver.invoke(PATH, EVENT, json.dumps(payload).encode())[0] == 202
    assert solver.pending == [payload]


def test_another_function_or_a_synchronous_invocation_is_refused_as_lambda_would() -> None:
    solver = LocalSolverFunction("fh-local-scheduling-solver", deferred=True)
    status, headers, _ = solver.invoke(PATH.replace("solver", "other"), EVENT, b"{}")
    assert (status, headers["x-amzn-ErrorType"]) == (404, "ResourceNotFoundException")
    assert solver.invoke(PATH, {}, b"{}")[0] == 400
    assert solver.pending == []


def test_stopping_stops_every_running_worker() -> None:
    solver = LocalSolverFunction("fh-local-scheduling-solver")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    solver.workers.append(sleeper)
    assert solver.running() == [sleeper.pid]
    solver.stop(grace=5)
    assert sleeper.poll() is not None and solver.running() == []
