"""What the roster-period use cases need from the outside world, as Protocols (beside ``ports.py``).

``adapters/dynamodb.py`` implements them on the scheduling table (keys in ``docs/scheduling.md``), the
service-layer tests on the fakes of ``tests/unit/scheduling/fakes.py``. Like ``ports.Store``, a
``PeriodStore`` is bound to one tenant and one unit of work: reads are immediate, writes are staged and
land together (with the outbox events and the audit record) when the unit of work commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol

from chalicelib.scheduling.domain.calendar_feeds import Feed, FeedRef
from chalicelib.scheduling.domain.periods import DutyShift, MyShift, NurseRow, PeriodRecord, Snapshot
from chalicelib.scheduling.domain.ports import Store
from chalicelib.scheduling.domain.repairs import Disruption
from chalicelib.scheduling.domain.requests import RosterRequest
from chalicelib.scheduling.domain.swaps import Swap

PeriodPage = tuple[list[PeriodRecord], str | None]
SnapshotPage = tuple[list[Snapshot], str | None]


class PeriodRepository(Protocol):
    def get(self, period_id: str) -> PeriodRecord | None:
        """The header alone (one GetItem)."""

    def grid(self, period_id: str) -> tuple[PeriodRecord | None, list[NurseRow]]:
        """The header and every nurse's row: one Query of the period's partition."""

    def sheet(self, period_id: str) -> tuple[PeriodRecord | None, list[NurseRow], list[RosterRequest]]:
        """The header, every nurse's row and the nurses' requests: the grid's one Query (the requests'
        sort keys lie between the header's and the rows')."""

    def add(self, period: PeriodRecord) -> None:
        """Stage a new period (create-only) and its entry in each of its wards' lists."""

    def save(self, period: PeriodRecord, base_revision: int, rows: Iterable[NurseRow], relist: bool) -> None:
        """Stage the header (only if it is still at ``base_revision``: else ``Conflict``) and these rows
        (replacing them); ``relist``: its wards' list entries too (the state or name changed)."""

    def remove(self, period: PeriodRecord, row_ids: Iterable[str]) -> None:
        """Stage the removal of the header (if still at its revision), these rows and its list entries."""

    def of_ward(self, ward_id: str, limit: int, cursor: str | None) -> PeriodPage:
        """One page of the ward's periods, newest (latest start) first: one Query."""

    def around(self, ward_id: str, start: date, end: date) -> list[PeriodRecord]:
        """The ward's periods that end on or after ``start`` - 1 day and start by ``end`` (from its list,
        one Query): the overlapping ones, and the one ending the day before ``start``."""


class RequestRepository(Protocol):
    """Nurses' requests, in the period's partition (read with the grid: ``PeriodRepository.sheet``)."""

    def add(self, request: RosterRequest) -> None:
        """Stage a request (create-only per nurse and day: a second one is a ``Conflict``)."""

    def remove(self, request: RosterRequest) -> None:
        """Stage its removal."""


class VersionRepository(Protocol):
    def add(self, snapshot: Snapshot) -> None:
        """Stage a published version (create-only: the same version twice is a ``Conflict``)."""

    def get(self, period_id: str, version: int) -> Snapshot | None:
        """One version (one GetItem)."""

    def many(self, refs: Sequence[tuple[str, int]]) -> list[Snapshot]:
        """These (period id, version) snapshots, those that exist, in the order asked: one BatchGetItem
        per 100 (the fairness ledger reads a year of a ward's live versions at once)."""

    def page(self, period_id: str, limit: int, cursor: str | None) -> SnapshotPage:
        """The period's versions, newest first (one Query); their cells are left out."""


class DutyRepository(Protocol):
    """The on-duty read model (``shared/onduty.OnDutyShift``) and each nurse's published shifts."""

    def applied(self, period_id: str) -> tuple[int, list[str], list[str]]:
        """The version of the period the read model holds, and the keys it wrote for it (on-duty
        items, nurses' items); (0, [], []) before the first."""

    def replace(
        self,
        period_id: str,
        version: int,
        shifts: Sequence[DutyShift],
        mine: dict[str, list[MyShift]],
        start: date,
        stale: tuple[list[str], list[str]],
    ) -> None:
        """Write the version's items (idempotent puts), delete the stale ones, and stage the marker
        (only if the held version is still older)."""

    def my_shifts(self, staff_id: str, first: date, last: date) -> list[MyShift]:
        """A nurse's published shifts between two local dates (one Query)."""

    def on_duty(self, ward_id: str, at: Any) -> list[DutyShift]:
        """The ward's published shifts running at ``at`` (one Query)."""


class CalendarFeedRepository(Protocol):
    """A nurse's calendar feed (``domain/calendar_feeds.py``): one item, found by her or by its digest."""

    def get(self, staff_id: str) -> Feed | None:
        """Her feed, if she has one (one GetItem)."""

    def save(self, feed: Feed, previous: Feed | None) -> None:
        """Stage her feed (replacing ``previous``, whose digest then finds nothing): ``Conflict`` if her
        feed is no longer ``previous`` (made or changed meanwhile)."""

    def remove(self, feed: Feed) -> None:
        """Stage deleting her feed (``Conflict`` if it changed meanwhile)."""


class DisruptionRepository(Protocol):
    """A period's disruptions (late leave, sick calls) and their repair proposals (``domain/repairs.py``),
    in the period's partition outside the grid's range."""

    def add(self, disruption: Disruption) -> None:
        """Stage a new disruption (create-only: the same id twice is a ``Conflict``)."""

    def get(self, period_id: str, disruption_id: str) -> Disruption | None:
        """One disruption (one GetItem)."""

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[Disruption], str | None]:
        """The period's disruptions (one Query)."""

    def save(self, disruption: Disruption, base_revision: int) -> None:
        """Stage the disruption (its ``revision`` the next one): ``Conflict`` unless the stored one is
        still at ``base_revision``."""


class SwapRepository(Protocol):
    """Nurses' swaps and give-aways (``domain/swaps.py``): one item each, by its id, listed by period."""

    def get(self, swap_id: str) -> Swap | None:
        """One swap (one GetItem)."""

    def of_period(self, period_id: str) -> list[Swap]:
        """The period's swaps, oldest first (one Query of the period's index entries)."""

    def add(self, swap: Swap) -> None:
        """Stage a new swap (create-only)."""

    def save(self, swap: Swap, base_revision: int) -> None:
        """Stage the swap (its revision one on), only if it is still at ``base_revision``: else
        ``Conflict`` (decided or cancelled meanwhile)."""


class FeedLookup(Protocol):
    """The tenant-free lookup of a token's digest (a public request names no hospital)."""

    def find(self, token_hash: str) -> FeedRef | None:
        """Whose feed the digest is, if any (one Query of the digest's index entry)."""


class PeriodStore(Store, Protocol):
    """The repositories a roster-period use case needs (``ports.Store``'s: staff, leave, the ward setup;
    and the periods'), for one tenant, on one unit of work."""

    @property
    def uow(self) -> Any:
        """The unit of work: ``emit`` an event, ``audit`` a change, ``commit``."""

    @property
    def periods(self) -> PeriodRepository: ...

    @property
    def versions(self) -> VersionRepository: ...

    @property
    def requests(self) -> RequestRepository: ...

    @property
    def duty(self) -> DutyRepository: ...

    @property
    def feeds(self) -> CalendarFeedRepository: ...

    @property
    def disruptions(self) -> DisruptionRepository: ...

    @property
    def swaps(self) -> SwapRepository: ...


def sorted_rows(rows: Sequence[NurseRow]) -> list[NurseRow]:
    return sorted(rows, key=lambda r: (r.ward_id, r.staff_name, r.staff_id))


class ExportFiles(Protocol):
    """Where a spreadsheet export is kept for its presigned download (the attachments bucket)."""

    def put(self, object_key: str, content: bytes, content_type: str) -> None:
        """Store the file (overwriting one of the same key)."""

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        """A presigned GET that saves it under ``filename``."""
