"""The roster engine in a process of its own, beside the job's worker: the worker keeps beating while
it solves, and a cancel stops the solve (and the annealing process it may fork) without stopping the
invocation. Progress (each better cost) and the result come back through a pipe; a second pipe asks it
to stop early and send the best roster it holds ("stop and keep the best")."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from typing import Any

from chalicelib.scheduling.domain.ports import EngineOutcome
from chalicelib.scheduling.domain.roster.model import Roster, RosterProblem
from chalicelib.scheduling.domain.solve_jobs import Mode


def _solve(
    conn: Any, control: Any, problem: RosterProblem, current: Roster, mode: Mode, time_limit: float
) -> None:
    """The child: solve or fill, sending ("progress", t, cost) and then how it ended — ("done", roster,
    cost, stopped) once: at the end of the search, or on a "stop" from ``control`` with the best
    roster so far (as soon as there is one)."""
    from chalicelib.scheduling.domain.roster.operations import fill_open_shifts
    from chalicelib.scheduling.domain.roster.solver import InfeasibleRoster, SolveOptions, solve

    os.setpgrp()  # a group of its own: stopping it also stops the annealing process the search forks
    sending = threading.Lock()  # the search reports from several threads
    ended = threading.Event()  # how it ended is sent once
    stopping = threading.Event()
    best: list[tuple[Roster, int]] = []

    def send(message: tuple[Any, ...]) -> None:
        with sending:
            if ended.is_set():
                return
            conn.send(message)
            if message[0] != "progress":
                ended.set()

    def keep(roster: Roster, cost: int) -> None:
        best[:] = [(roster, cost)]
        if stopping.is_set():  # asked to stop before there was a roster: this first one is the result
            send(("done", roster, cost, True))

    def listen() -> None:
        try:
            control.recv()
        except (EOFError, OSError):  # the worker went away: the solve runs to its limit, unheard
            return
        stopping.set()
        if best:
            roster, cost = best[0]
            send(("done", roster, cost, True))

    threading.Thread(target=listen, name="stop-listener", daemon=True).start()
    try:
        options = SolveOptions(time_limit=time_limit)
        progress = lambda t, cost: send(("progress", round(t, 2), cost))  # noqa: E731
        if mode == "fill":
            result = fill_open_shifts(problem, current, options, on_progress=progress, keep=keep)
        else:
            result = solve(problem, options, progress, keep=keep)
        send(("done", result.roster, result.cost, False))
    except InfeasibleRoster as exc:
        send(("infeasible", str(exc)))
    except Exception as exc:  # noqa: BLE001 - whatever the engine raised, the worker ends the job with it
        send(("error", f"{type(exc).__name__}: {exc}"[:300]))
    finally:
        conn.close()


class ProcessRun:
    """``EngineRun``: a solve running in a child process."""

    def __init__(self, conn: Any, process: Any, control: Any) -> None:
        self.conn = conn
        self.process = process
        self.control = control  # "stop" to the child: end the search, send the best roster
        self._progress: list[tuple[float, int]] = []

    def wait(self, seconds: float) -> EngineOutcome | None:
        deadline = time.monotonic() + seconds
        while True:
            if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                return None
            try:
                message = self.conn.recv()
            except EOFError:  # the process died without a word (killed, out of memory)
                self.process.join(timeout=5)
                return EngineOutcome(
                    None,
                    error="error",
                    message=f"the solve process ended (exit code {self.process.exitcode})",
                )
            kind = message[0]
            if kind == "progress":
                self._progress.append((float(message[1]), int(message[2])))
                continue
            if kind == "done" and message[3]:  # stopped: the search is still running, end it
                self.stop()
                return EngineOutcome(message[1], cost=int(message[2]), stopped=True)
            self.process.join(timeout=10)
            if kind == "done":
                return EngineOutcome(message[1], cost=int(message[2]))
            return EngineOutcome(None, error=kind, message=str(message[1]))

    def progress(self) -> list[tuple[float, int]]:
        return list(self._progress)

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # it ended meanwhile: wait has its outcome
            self.control.send("stop")

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):  # not in its own group yet
                self.process.kill()
        self.process.join(timeout=10)
        for pipe in (self.conn, self.control):
            with contextlib.suppress(OSError):
                pipe.close()


class ProcessEngine:
    """``RosterEngine``: each solve in a forked child (Linux, the Lambda runtime: fork is there)."""

    def start(self, problem: RosterProblem, current: Roster, mode: Mode, time_limit: float) -> ProcessRun:
        context = multiprocessing.get_context("fork")
        parent, child = context.Pipe(duplex=False)
        listens, asks = context.Pipe(duplex=False)
        # Not a daemon: the search forks its annealing process, which a daemon may not.
        process = context.Process(
            target=_solve, args=(child, listens, problem, current, mode, time_limit), daemon=False
        )
        process.start()
        child.close()
        listens.close()
        return ProcessRun(parent, process, asks)
