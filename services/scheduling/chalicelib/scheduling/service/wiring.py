"""The adapters scheduling's use cases run on unless a caller (a test) passes its own.

A use case takes ``store=`` and ``directory=``; left out, they are these DynamoDB ones, imported when
first asked for (a route module does not pay for PynamoDB models it does not use)."""

from __future__ import annotations

from datetime import date

from chalicelib.scheduling.domain.period_ports import ExportFiles, FeedLookup, PeriodStore
from chalicelib.scheduling.domain.ports import (
    AuditTrail,
    Directory,
    LiveJobs,
    PeriodSummary,
    ProblemSource,
    RosterEngine,
    SolveJobs,
    SolverLauncher,
    Store,
    Transaction,
)
from chalicelib.scheduling.domain.roster.model import Roster, RosterProblem

from shared.auth import Principal
from shared.ids import new_id
from shared.persistence.uow import UnitOfWork

__all__ = [
    "audit_trail",
    "consumer_period_store",
    "directory",
    "feed_lookup",
    "new_id",
    "period_store",
    "store",
    "tenant_period_store",
    "writer",
]


def store(tenant: str, uow: UnitOfWork | None = None) -> Store:
    from chalicelib.scheduling.adapters.dynamodb import DynamoStore

    return DynamoStore(tenant, uow)


def directory() -> Directory:
    from chalicelib.scheduling.adapters.dynamodb import DirectoryReadModel

    return DirectoryReadModel()


def writer(principal: Principal, request_id: str) -> tuple[Store, Transaction]:
    """A store whose writes go into a new unit of work (audited as ``principal``), and that unit."""
    from chalicelib.scheduling.adapters.dynamodb import DynamoStore

    uow = UnitOfWork("scheduling", principal, request_id)
    return DynamoStore(principal.tenant, uow), uow


def period_store(principal: Principal, request_id: str | None = None) -> PeriodStore:
    """The roster periods' store for a request: its writes are one unit of work (audited as the caller)."""
    from chalicelib.scheduling.adapters.periods import PeriodDynamoStore

    return PeriodDynamoStore(principal.tenant, UnitOfWork("scheduling", principal, request_id))


def consumer_period_store(tenant: str, uow: UnitOfWork) -> PeriodStore:
    """The roster periods' store inside a consumer's unit of work (with its inbox marker)."""
    from chalicelib.scheduling.adapters.periods import PeriodDynamoStore

    return PeriodDynamoStore(tenant, uow)


def tenant_period_store(tenant: str) -> PeriodStore:
    """The roster periods' store for work no person asked for over HTTP (a solve job): audited as the
    scheduling service."""
    from chalicelib.scheduling.adapters.periods import PeriodDynamoStore

    principal = Principal(tenant=tenant, user="service:scheduling", kind="service")
    return PeriodDynamoStore(tenant, UnitOfWork("scheduling", principal, None))


def audit_trail(tenant: str) -> AuditTrail:
    """The shared audit table's records of one hospital, read only."""
    from chalicelib.scheduling.adapters.audit import DynamoAuditTrail

    return DynamoAuditTrail(tenant)


def feed_lookup() -> FeedLookup:
    """The tenant-free index of calendar feeds' token digests (a public fetch names no hospital)."""
    from chalicelib.scheduling.adapters.calendar_feeds import DynamoFeedLookup

    return DynamoFeedLookup()


# ---- auto-roster jobs ------------------------------------------------------------------------------------


class PeriodsProblemSource:
    """The periods' side of the seam: their service functions (``service/periods.py``) read the period's
    grid, setup, history and pins into the engine's problem and write a result back as a new draft
    revision (``Conflict`` when the draft moved on meanwhile, so a job never overwrites manual work)."""

    def describe(self, tenant: str, period_id: str) -> PeriodSummary:
        from chalicelib.scheduling.service import periods

        return periods.summary(tenant, period_id)

    def load(
        self, tenant: str, period_id: str, keep_pinned: bool, keep_published_days: bool, today: date
    ) -> tuple[RosterProblem, Roster, int]:
        from chalicelib.scheduling.service import periods

        return periods.period_problem(tenant, period_id, keep_pinned, keep_published_days, today)

    def save(self, tenant: str, period_id: str, base_revision: int, roster: Roster, note: str) -> int:
        from chalicelib.scheduling.service import periods

        return periods.save_roster(tenant, period_id, base_revision, roster, note)


def problem_source() -> ProblemSource:
    """The roster periods, as the solve jobs see them."""
    return PeriodsProblemSource()


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


def export_files() -> ExportFiles:
    from chalicelib.scheduling.adapters.s3 import S3Files

    return S3Files()
