"""The reports service's ports: what its use cases need from storage (no AWS here).

``Days`` keeps a hospital's daily figures (one item per day: every count and census figure, every
sample list); the other record kinds (settings, the morning's sent markers, census uploads) are added by
the features that need them. A use case takes a ``Store`` (``service/wiring.py`` gives the DynamoDB one;
tests pass ``tests/unit/reports/fakes.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from chalicelib.reports.domain.days import Contribution, DayFigures
from chalicelib.reports.domain.morning import ReportSettings

from shared.errors import DomainError

# Days are kept this long in the table (a year back and its comparison day, with room); older history is
# in the point-in-time exports (docs/reports.md, "History beyond the table").
KEEP_DAYS = 800


class Days(Protocol):
    def get(self, day: date) -> DayFigures | None:
        """One day's figures (one GetItem), None if nothing was kept for it."""
        ...

    def between(self, start: date, end: date) -> list[DayFigures]:
        """Every kept day from ``start`` to ``end`` inclusive, oldest first (one Query a 1 MB page)."""
        ...

    def add(self, contribution: Contribution) -> None:
        """Stage the contribution's counts (added) and samples (appended) to its day: one update in the
        unit of work, which creates the day if it is new. Never read-modify-write: consumers of several
        services add to the same day at once."""
        ...

    def set_census(self, day: date, values: dict[str, float], by: str) -> None:
        """Stage the day's HIS census (each figure set, replacing an earlier upload of the same day)."""
        ...


class DaysAcross(Protocol):
    """Several hospitals' days at once (the consortium view): one BatchGetItem for up to 100 keys."""

    def days_of(self, tenants: list[str], days: list[date]) -> dict[str, dict[date, DayFigures]]:
        """Each tenant's kept days among ``days`` (a day nothing was kept for is absent)."""
        ...


class Settings(Protocol):
    """The hospital's report settings (one JSON record, ``<hospital>#report-settings``)."""

    def get(self) -> ReportSettings | None:
        """The saved settings (one GetItem), None while the defaults apply."""
        ...

    def put(self, settings: ReportSettings, stale: DomainError) -> None:
        """Stage the settings replacing revision ``settings.revision`` (0: none saved); ``stale`` on commit
        when another save came first."""
        ...


class Mornings(Protocol):
    """The mornings a hospital's report was sent (``<hospital>#morning`` / local date)."""

    def sent(self, local_day: date) -> bool:
        """Whether that morning's report went (one GetItem)."""
        ...

    def mark(self, local_day: date, taken: DomainError) -> None:
        """Stage the morning's marker, create-only: ``taken`` on commit when it was already sent."""
        ...


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    status: str  # active | on_leave | left


@dataclass(frozen=True)
class Hospital:
    tenant: str
    name: str
    timezone: str


class Directory(Protocol):
    """The hospitals and their staff, as the shared directory read model has them."""

    def hospitals(self) -> list[Hospital]:
        """Every hospital of the province (one Query of the province's index)."""
        ...

    def hospital(self, tenant: str) -> Hospital | None: ...

    def people(self, tenant: str, ids: list[str]) -> dict[str, Person]:
        """These staff of the hospital, left or not (a BatchGetItem per 100); unknown ids left out."""
        ...

    def with_role(self, tenant: str, role: str) -> list[str]:
        """The active staff holding ``role`` (one filtered Query of the staff partition)."""
        ...


class Store(Protocol):
    tenant: str

    @property
    def days(self) -> Days: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def mornings(self) -> Mornings: ...

    def emit(self, event: Any) -> None: ...

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None: ...

    def commit(self) -> None: ...
    def timezone(self) -> str | None:
        """The hospital's time zone as the province's directory has it now (one GetItem), None if unset:
        its "today" (a census day in the future is refused in it)."""
        ...


class Files(Protocol):
    """The attachments bucket (``shared.files``): census uploads and the xlsx exports, under
    ``<tenant>/reports/``."""

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str: ...

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str: ...

    def put(self, object_key: str, content: bytes, content_type: str) -> None: ...

    def read(self, object_key: str, max_bytes: int) -> bytes | None:
        """The object's bytes (None when it is not there); refused (ValueError) past ``max_bytes``."""
        ...


class HistoryExport(Protocol):
    """The reports table's point-in-time export to the history bucket (``adapters/history.py``)."""

    def export(self, prefix: str) -> str | None:
        """Start an export under ``prefix``; its id, or None when the environment cannot export."""
        ...
