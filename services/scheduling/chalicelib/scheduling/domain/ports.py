"""What scheduling's use cases need from the outside world, as Protocols.

``adapters/dynamodb.py`` implements them on DynamoDB; the service-layer tests use in-memory fakes
(``tests/unit/scheduling/fakes.py``). A repository is bound to one tenant and to one unit of work: its
reads are immediate, its writes are staged and land together when the unit of work commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord, Unit

# A page of records and the cursor after it (``None`` on the last page).
Page = tuple[list[StaffRecord], str | None]
LeavePage = tuple[list[LeaveRecord], str | None]


class StaffRepository(Protocol):
    def put(self, record: StaffRecord) -> None:
        """Stage the record, replacing whatever is there (the projection follows the directory)."""

    def remove(self, staff_id: str) -> None:
        """Stage the removal of a member of staff (nothing happens if they are not there)."""

    def page(self, limit: int, cursor: str | None) -> Page:
        """One page of the projection, by id; raises RuleViolation on a cursor not of this list."""


class LeaveRepository(Protocol):
    def put(self, record: LeaveRecord) -> None:
        """Stage the leave, keyed by its approval: the same leave again overwrites itself, except that a
        leave already cancelled stays cancelled (the cancellation may arrive first)."""

    def cancel(self, record: LeaveRecord, at: datetime) -> None:
        """Stage the leave (same key) as cancelled at ``at``, whether or not its approval arrived yet;
        cancelling again keeps the first time."""

    def overlapping(self, staff_id: str | None, window: Window, limit: int, cursor: str | None) -> LeavePage:
        """One page of the leave overlapping ``window`` (of one person, or everyone's), by start date;
        cancelled leave is left out (a filter within the page read)."""


class DirectoryStaff(Protocol):
    """The directory's record of a member of staff (the shared directory read model)."""

    name: str
    employee_no: str
    department_id: str
    title: str | None
    status: str
    nurse_grade: str | None

    @property
    def roles(self) -> Sequence[str]: ...

    @property
    def certificates(self) -> Sequence[Mapping[str, Any]]:
        """{"type", "number", "valid_until" (an ISO date, or None: no expiry)} each."""


class Directory(Protocol):
    def staff(self, tenant: str, staff_id: str) -> DirectoryStaff | None:
        """A member of staff's directory record (one GetItem), left or not; None if unknown."""

    def units(self, tenant: str) -> Mapping[str, Unit]:
        """Every unit of the hospital by id, with its parent and head (one Query of the units)."""


class Store(Protocol):
    """Scheduling's repositories for one tenant, bound to one unit of work."""

    @property
    def staff(self) -> StaffRepository: ...

    @property
    def leave(self) -> LeaveRepository: ...
