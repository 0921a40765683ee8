"""The solver function, locally: the Lambda Invoke API the launcher calls, answered by the local stack.

``LambdaLauncher`` calls ``Invoke`` on the solver function exactly as in AWS; the local stack points
boto3's Lambda endpoint (``AWS_ENDPOINT_URL_LAMBDA``) at its gateway, which hands
``POST /2015-03-31/functions/<name>/invocations`` here. Under ``fh dev`` each invocation starts one
worker process (``python -m fh.local.worker``) running the function's own handler against the local
stack, so many jobs solve side by side, none in the API's process; stopping ``fh dev`` stops them. The
tests' stack keeps the invocations instead (``deferred``) and runs them in the test's thread when the
test asks (``run_pending``), as ``drain`` does for the event path: nothing waits on a clock, and a fake
a test put in place is the one the worker uses."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fh.services import ROOT, add_service_paths

log = logging.getLogger("fh.local.solver")
HANDLER = ROOT / "services" / "scheduling" / "solver" / "handler.py"
INVOKE_PATH = "/2015-03-31/functions/"


def load_handler(path: Path = HANDLER) -> Any:
    """The solver function's ``handle``, imported from its file (as the image's CMD names it)."""
    import importlib.util

    add_service_paths()
    spec = importlib.util.spec_from_file_location("fh_solver_handler", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handle


@dataclass
class LocalSolverFunction:
    """Answers Invoke for the solver function: a worker process per invocation, or kept for the test."""

    name: str
    deferred: bool = False
    pending: list[dict[str, Any]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handles(self, method: str, path: str) -> bool:
        return method == "POST" and path.startswith(INVOKE_PATH) and path.endswith("/invocations")

    def invoke(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Lambda's Invoke: 202 for an ``Event`` invocation of the solver; 404 for another function."""
        name = path.removeprefix(INVOKE_PATH).split("/", 1)[0]
        kind = next(
            (v for k, v in headers.items() if k.lower() == "x-amz-invocation-type"), "RequestResponse"
        )
        if name != self.name:
            error = {"Type": "User", "message": f"Function not found: {name}"}
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, json.dumps(error).encode()
        if kind != "Event":
            error = {"Type": "User", "message": "the solver function is invoked asynchronously only"}
            return 400, {"x-amzn-ErrorType": "InvalidParameterValueException"}, json.dumps(error).encode()
        payload = json.loads(body or b"{}")
        with self._lock:
            if self.deferred:
                self.pending.append(payload)
            else:
                self._spawn(payload)
        return 202, {"Content-Type": "application/json"}, b""

    def _spawn(self, payload: dict[str, Any]) -> None:
        self.workers = [w for w in self.workers if w.poll() is None]
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "fh.local.worker", json.dumps(payload)],
            env=dict(os.environ),
            cwd=str(ROOT),
            start_new_session=True,
        )
        self.workers.append(worker)
        log.info("solver worker %s started for job %s", worker.pid, payload.get("job_id"))

    def run_pending(self) -> list[dict[str, str]]:
        """Runs every invocation kept so far in this thread, with the function's handler; returns what
        each said (``{"job_id", "outcome"}``)."""
        handle = load_handler()
        results: list[dict[str, str]] = []
        while True:
            with self._lock:
                if not self.pending:
                    return results
                payload = self.pending.pop(0)
            results.append(handle(payload, None))

    def discard(self) -> int:
        """Drops the invocations kept and never run (a test module's solves it did not run), so the next
        module's ``run_pending`` runs only its own; returns how many."""
        with self._lock:
            dropped = len(self.pending)
            self.pending.clear()
        return dropped

    def running(self) -> list[int]:
        """The pids of the worker processes still running."""
        return [w.pid for w in self.workers if w.poll() is None]

    def stop(self, grace: float = 10.0) -> None:
        """Stops every running worker: SIGTERM (the worker stops its solve and exits), then SIGKILL."""
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=grace)
        self.workers = []
