"""The adapters scheduling's use cases run on unless a caller (a test) passes its own.

A use case takes ``store=`` and ``directory=``; left out, they are these DynamoDB ones, imported when
first asked for (a route module does not pay for PynamoDB models it does not use)."""

from __future__ import annotations

from chalicelib.scheduling.domain.ports import (
    Directory,
    LiveJobs,
    ProblemSource,
    RosterEngine,
    SolveJobs,
    SolverLauncher,
    Store,
)

from shared.persistence.uow import UnitOfWork


def store(tenant: str, uow: UnitOfWork | None = None) -> Store:
    from chalicelib.scheduling.adapters.dynamodb import DynamoStore

    return DynamoStore(tenant, uow)


def directory() -> Directory:
    from chalicelib.scheduling.adapters.dynamodb import DirectoryReadModel

    return DirectoryReadModel()


# ---- auto-roster jobs ------------------------------------------------------------------------------------


class ProblemSourceNotWired(RuntimeError):
    """The periods' ProblemSource is not connected to the solve jobs yet (see ``problem_source``)."""


def problem_source() -> ProblemSource:
    """The periods' ``ProblemSource`` (the draft grid, setup, history and pins → the engine's problem,
    and the result back as a new draft revision). THE ONE PLACE TO WIRE IT: return the periods'
    implementation here; until then every solve fails with this error."""
    raise ProblemSourceNotWired(
        "roster periods are not connected to the solver yet (wiring.problem_source is not wired)"
    )


def solve_jobs(tenant: str) -> SolveJobs:
    from chalicelib.scheduling.adapters.dynamodb import DynamoSolveJobs

    return DynamoSolveJobs(tenant)


def live_jobs() -> LiveJobs:
    from chalicelib.scheduling.adapters.dynamodb import DynamoLiveJobs

    return DynamoLiveJobs()


def solver_launcher() -> SolverLauncher:
    from chalicelib.scheduling.adapters.solver_function import LambdaLauncher

    return LambdaLauncher()


def engine() -> RosterEngine:
    from chalicelib.scheduling.adapters.engine import ProcessEngine

    return ProcessEngine()
