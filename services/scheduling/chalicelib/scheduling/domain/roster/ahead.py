"""The local search's and the relaxation's numba kernels compiled ahead, into numba's cache.

A fresh process compiles every kernel the first time a solve needs it: about 12 s of a cold solver
container's first solve (numba keeps the machine code in its cache folder, `NUMBA_CACHE_DIR`, for
the processes after it). The solver image runs this module once at build time
(``python -m chalicelib.scheduling.domain.roster.ahead``), with the cache folder inside the image;
its handler copies that folder to the writable one at a cold start. numba keys its cache by the
CPU it compiled for, so the image compiles and runs for a generic x86-64 (`NUMBA_CPU_NAME=generic`):
code for the host's own CPU would miss on any other machine and compile again.

The kernels run on a small ward of its own here (four nurses, two weeks): their machine code
depends on the types of their arguments, which are the same for every problem.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from types import MappingProxyType

from chalicelib.scheduling.domain.roster import kernel
from chalicelib.scheduling.domain.roster.model import (
    Contract,
    Demand,
    Nurse,
    Roster,
    RosterProblem,
    ShiftType,
)


def kernels() -> dict[str, object]:
    """Every compiled kernel of `kernel.py`, by name."""
    return {
        name: value
        for name, value in vars(kernel).items()
        if hasattr(value, "signatures") and getattr(value, "__module__", "") == kernel.__name__
    }


def small_ward() -> RosterProblem:
    shifts = (
        ShiftType("E", "early", min_consecutive=2, max_consecutive=5),
        ShiftType("N", "night", night=True),
    )
    contract = Contract("FT", 4, 10, 2, 5, 2, 4, 2, True)
    nurses = tuple(Nurse(f"n{i}", "FT", ("nurse",)) for i in range(4))
    demand = tuple(Demand(d, s.id, "nurse", 0, 1) for d in range(14) for s in shifts)
    return RosterProblem(
        name="compile-ahead",
        start=date(2026, 1, 5),
        num_days=14,
        shift_types=shifts,
        skills=("nurse",),
        contracts=MappingProxyType({"FT": contract}),
        nurses=nurses,
        demand=demand,
        forbidden_successions=frozenset({("N", "E")}),
    )


def compile_kernels() -> list[str]:
    """Run every kernel once (a short annealing, a dive on the relaxation) and return the names of
    those still not compiled: empty when all are (in numba's cache, if it has a folder)."""
    from chalicelib.scheduling.domain.roster.bound import ColumnGeneration
    from chalicelib.scheduling.domain.roster.localsearch import LocalSearch

    problem = small_ward()
    rng = random.Random(0)  # noqa: S311 - a search's moves, not security
    LocalSearch(problem).run(Roster(()), rng, 0.0, 1.0, 0.5, moves=2_000)
    ColumnGeneration(problem).dive(30.0, relax_rounds=50)
    return sorted(name for name, fn in kernels().items() if not fn.signatures)  # type: ignore[attr-defined]


if __name__ == "__main__":
    missing = compile_kernels()
    if missing:
        print("not compiled: " + ", ".join(missing), file=sys.stderr)
    raise SystemExit(1 if missing else 0)
