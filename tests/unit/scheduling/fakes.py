"""Scheduling's repositories in memory (the ports of ``chalicelib.scheduling.domain.ports``).

``tests/service/test_scheduling_store.py`` runs the same checks on these and on the DynamoDB
adapters, so a fake cannot drift from what it stands in for."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.scheduling.domain.calendar_feeds import Feed, FeedRef
from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.periods import DutyShift, MyShift, NurseRow, PeriodRecord, Snapshot
from chalicelib.scheduling.domain.ports import EngineOutcome, PeriodSummary, TrailEntry
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord, Unit
from chalicelib.scheduling.domain.repairs import Disruption
from chalicelib.scheduling.domain.requests import RosterRequest
from chalicelib.scheduling.domain.roster.model import Roster, RosterProblem
from chalicelib.scheduling.domain.setup import CalendarDay, ShiftDef
from chalicelib.scheduling.domain.solve_jobs import SOLVE_RUNNING, Mode, SolveJob
from chalicelib.scheduling.domain.swaps import Swap
from chalicelib.scheduling.domain.ward_rules import WardRules

from shared.errors import Conflict, NotFound
from tests.fakes import MemoryUnitOfWork, page_after


@dataclass
class Tables:
    """What the fakes hold, across tenants (a test can check one tenant never sees another's)."""

    staff: dict[tuple[str, str], StaffRecord] = field(default_factory=dict)
    leave: dict[tuple[str, str, str, str], LeaveRecord] = field(default_factory=dict)
    shift_types: dict[tuple[str, str], ShiftDef] = field(default_factory=dict)
    ward_rules: dict[tuple[str, str], WardRules] = field(default_factory=dict)
    calendar: dict[tuple[str, str], CalendarDay] = field(default_factory=dict)


@dataclass
class FakeStaff:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def put(self, record: StaffRecord) -> None:
        self.uow.stage(lambda: self.tables.staff.__setitem__((self.tenant, record.id), record))

    def remove(self, staff_id: str) -> None:
        self.uow.stage(lambda: self.tables.staff.pop((self.tenant, staff_id), None))

    def page(self, limit: int, cursor: str | None) -> tuple[list[StaffRecord], str | None]:
        rows = [(sid, r) for (tenant, sid), r in self.tables.staff.items() if tenant == self.tenant]
        return page_after(rows, limit, cursor, f"{self.tenant}#staff")

    def of_units(self, unit_ids: Sequence[str]) -> list[StaffRecord]:
        return [
            r
            for unit_id in dict.fromkeys(unit_ids)
            for (tenant, _), r in sorted(self.tables.staff.items())
            if tenant == self.tenant and r.department_id == unit_id
        ]


@dataclass
class FakeShiftTypes:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def all(self) -> list[ShiftDef]:
        return [s for (tenant, _), s in sorted(self.tables.shift_types.items()) if tenant == self.tenant]

    def put(self, shift: ShiftDef) -> None:
        self.uow.stage(lambda: self.tables.shift_types.__setitem__((self.tenant, shift.code), shift))

    def remove(self, code: str) -> None:
        def exists() -> None:
            if (self.tenant, code) not in self.tables.shift_types:
                raise NotFound("shift type")

        self.uow.check(exists)
        self.uow.stage(lambda: self.tables.shift_types.pop((self.tenant, code), None))


@dataclass
class FakeWardRules:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, ward_id: str) -> WardRules:
        return self.tables.ward_rules.get((self.tenant, ward_id), WardRules(ward_id))

    def save(self, rules: WardRules, expected_version: int) -> None:
        key = (self.tenant, rules.ward_id)

        def same_version() -> None:
            stored = self.tables.ward_rules.get(key)
            if (stored.version if stored is not None else 0) != expected_version:
                raise Conflict("the ward's setup was changed by someone else; reload it and try again")

        self.uow.check(same_version)
        self.uow.stage(
            lambda: self.tables.ward_rules.__setitem__(key, replace(rules, version=expected_version + 1))
        )


@dataclass
class FakeCalendar:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def between(self, first: date, last: date) -> list[CalendarDay]:
        return [
            d
            for (tenant, iso), d in sorted(self.tables.calendar.items())
            if tenant == self.tenant and first.isoformat() <= iso <= last.isoformat()
        ]

    def put(self, day: CalendarDay) -> None:
        self.uow.stage(lambda: self.tables.calendar.__setitem__((self.tenant, day.day.isoformat()), day))

    def remove(self, day: date) -> None:
        key = (self.tenant, day.isoformat())

        def exists() -> None:
            if key not in self.tables.calendar:
                raise NotFound("calendar day")

        self.uow.check(exists)
        self.uow.stage(lambda: self.tables.calendar.pop(key, None))


@dataclass
class FakeLeave:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def _key(self, record: LeaveRecord) -> tuple[str, str, str, str]:
        return (self.tenant, record.start.isoformat(), record.staff_id, record.instance_id)

    def _merge(self, record: LeaveRecord, cancelled_at: datetime | None) -> None:
        key = self._key(record)
        was = self.tables.leave.get(key)
        first = was.cancelled_at if was is not None and was.cancelled_at else cancelled_at
        days = record.days if record.days is not None else (was.days if was is not None else None)
        name = record.staff_name or (was.staff_name if was is not None else "")  # like the adapter's update
        self.tables.leave[key] = replace(record, cancelled_at=first, days=days, staff_name=name)

    def put(self, record: LeaveRecord) -> None:
        self.uow.stage(lambda: self._merge(record, None))

    def cancel(self, record: LeaveRecord, at: datetime) -> None:
        self.uow.stage(lambda: self._merge(record, at))

    def overlapping(
        self, staff_id: str | None, window: Window, limit: int, cursor: str | None
    ) -> tuple[list[LeaveRecord], str | None]:
        rows = [
            (f"{start}#{sid}#{iid}" if staff_id is None else f"{start}#{iid}", r)
            for (tenant, start, sid, iid), r in self.tables.leave.items()
            if tenant == self.tenant
            and (staff_id is None or sid == staff_id)
            and window.starts_from <= r.start <= window.last
            and r.end >= window.first
            and r.cancelled_at is None
        ]
        partition = f"{self.tenant}#leave" + (f"#{staff_id}" if staff_id else "")
        return page_after(rows, limit, cursor, partition)


@dataclass
class FakeStore:
    tenant: str
    tables: Tables = field(default_factory=Tables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)

    @property
    def staff(self) -> FakeStaff:
        return FakeStaff(self.tenant, self.tables, self.uow)

    @property
    def leave(self) -> FakeLeave:
        return FakeLeave(self.tenant, self.tables, self.uow)

    @property
    def shift_types(self) -> FakeShiftTypes:
        return FakeShiftTypes(self.tenant, self.tables, self.uow)

    @property
    def ward_rules(self) -> FakeWardRules:
        return FakeWardRules(self.tenant, self.tables, self.uow)

    @property
    def calendar(self) -> FakeCalendar:
        return FakeCalendar(self.tenant, self.tables, self.uow)


@dataclass
class Person:
    name: str
    employee_no: str
    department_id: str
    title: str | None = None
    status: str = "active"
    nurse_grade: str | None = None
    roles: tuple[str, ...] = ()
    certificates: tuple[dict[str, Any], ...] = ()


@dataclass
class FakeDirectory:
    """The directory read model: people by (tenant, id), units by (tenant, id); counts its reads like
    the adapter's calls (a person: one GetItem; the units: one Query)."""

    people: dict[tuple[str, str], Person] = field(default_factory=dict)
    unit_records: dict[tuple[str, str], Unit] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def staff(self, tenant: str, staff_id: str) -> Any:
        self.reads.append("GetItem")
        return self.people.get((tenant, staff_id))

    def units(self, tenant: str) -> Mapping[str, Unit]:
        self.reads.append("Query")
        return {uid: u for (t, uid), u in self.unit_records.items() if t == tenant}

    def add_unit(
        self,
        tenant: str,
        unit_id: str,
        name: str,
        parent_id: str | None = None,
        head_id: str | None = None,
        kind: str = "ward",
    ) -> Unit:
        unit = Unit(unit_id, name, kind, parent_id, head_id)
        self.unit_records[(tenant, unit_id)] = unit
        return unit


# --- roster periods (the ports of ``chalicelib.scheduling.domain.period_ports``) ------------------------


@dataclass
class PeriodTables:
    """Roster periods across tenants: headers, rows, versions, the on-duty read model and its markers."""

    periods: dict[tuple[str, str], PeriodRecord] = field(default_factory=dict)
    rows: dict[tuple[str, str, str], NurseRow] = field(default_factory=dict)
    versions: dict[tuple[str, str, int], Snapshot] = field(default_factory=dict)
    duty: dict[tuple[str, str, str], DutyShift] = field(default_factory=dict)  # tenant, ward, sk
    mine: dict[tuple[str, str, str], list[MyShift]] = field(default_factory=dict)  # tenant, staff, sk
    markers: dict[tuple[str, str], tuple[int, list[str], list[str]]] = field(default_factory=dict)
    feeds: dict[tuple[str, str], Feed] = field(default_factory=dict)  # tenant, staff id
    reads: list[str] = field(default_factory=list)  # the feeds' reads, as the adapter's calls
    requests: dict[tuple[str, str, str, date], RosterRequest] = field(
        default_factory=dict
    )  # t, p, staff, day
    disruptions: dict[tuple[str, str, str], Disruption] = field(default_factory=dict)  # t, period, id
    swaps: dict[tuple[str, str], Swap] = field(default_factory=dict)  # tenant, swap id


def _sk(shift: DutyShift) -> str:
    return f"{shift.starts_at.astimezone(UTC).isoformat()}#{shift.shift}"


@dataclass
class FakePeriods:
    tenant: str
    tables: PeriodTables
    uow: MemoryUnitOfWork

    def get(self, period_id: str) -> PeriodRecord | None:
        return self.tables.periods.get((self.tenant, period_id))

    def grid(self, period_id: str) -> tuple[PeriodRecord | None, list[NurseRow]]:
        rows = [r for (t, p, _), r in sorted(self.tables.rows.items()) if t == self.tenant and p == period_id]
        return self.get(period_id), rows

    def sheet(self, period_id: str) -> tuple[PeriodRecord | None, list[NurseRow], list[RosterRequest]]:
        header, rows = self.grid(period_id)
        mine = [
            r
            for (t, p, _, _), r in sorted(self.tables.requests.items())
            if t == self.tenant and p == period_id
        ]
        return header, rows, mine

    def add(self, period: PeriodRecord) -> None:
        key = (self.tenant, period.id)

        def create_only() -> None:
            if key in self.tables.periods:
                raise Conflict("already exists")

        self.uow.check(create_only)
        self.uow.stage(lambda: self.tables.periods.__setitem__(key, period))

    def _at(self, period_id: str, revision: int) -> None:
        held = self.tables.periods.get((self.tenant, period_id))
        if held is None or held.revision != revision:
            raise Conflict("the roster period changed meanwhile; reload it")

    def save(self, period: PeriodRecord, base_revision: int, rows: Iterable[NurseRow], relist: bool) -> None:
        self.uow.check(lambda: self._at(period.id, base_revision))
        self.uow.stage(lambda: self.tables.periods.__setitem__((self.tenant, period.id), period))
        for row in list(rows):
            self.uow.stage(
                lambda row=row: self.tables.rows.__setitem__((self.tenant, period.id, row.staff_id), row)
            )

    def remove(self, period: PeriodRecord, row_ids: Iterable[str]) -> None:
        self.uow.check(lambda: self._at(period.id, period.revision))
        self.uow.stage(lambda: self.tables.periods.pop((self.tenant, period.id), None))
        for staff_id in list(row_ids):
            self.uow.stage(lambda s=staff_id: self.tables.rows.pop((self.tenant, period.id, s), None))

    def _of(self, ward_id: str) -> list[PeriodRecord]:
        return [p for (t, _), p in self.tables.periods.items() if t == self.tenant and ward_id in p.ward_ids]

    def of_ward(self, ward_id: str, limit: int, cursor: str | None) -> tuple[list[PeriodRecord], str | None]:
        rows = [(f"{p.start.isoformat()}#{p.id}", p) for p in self._of(ward_id)]
        return page_after(rows, limit, cursor, f"{self.tenant}#ward#{ward_id}#periods", newest_first=True)

    def around(self, ward_id: str, start: date, end: date) -> list[PeriodRecord]:
        since = start - timedelta(days=63)
        return sorted(
            (p for p in self._of(ward_id) if since <= p.start <= end and p.end >= start - timedelta(days=1)),
            key=lambda p: p.start,
        )


@dataclass
class FakeRequests:
    tenant: str
    tables: PeriodTables
    uow: MemoryUnitOfWork

    def add(self, request: RosterRequest) -> None:
        key = (self.tenant, request.period_id, request.staff_id, request.day)

        def create_only() -> None:
            if key in self.tables.requests:
                raise Conflict("there is a request for that day already")

        self.uow.check(create_only)
        self.uow.stage(lambda: self.tables.requests.__setitem__(key, request))

    def remove(self, request: RosterRequest) -> None:
        key = (self.tenant, request.period_id, request.staff_id, request.day)

        def same() -> None:
            held = self.tables.requests.get(key)
            if held is not None and held.id != request.id:
                raise Conflict("the request changed meanwhile; reload it")

        self.uow.check(same)
        self.uow.stage(lambda: self.tables.requests.pop(key, None))


@dataclass
class FakeVersions:
    tenant: str
    tables: PeriodTables
    uow: MemoryUnitOfWork

    def add(self, snapshot: Snapshot) -> None:
        key = (self.tenant, snapshot.period_id, snapshot.version)

        def create_only() -> None:
            if key in self.tables.versions:
                raise Conflict(f"version {snapshot.version} is already published")

        self.uow.check(create_only)
        self.uow.stage(lambda: self.tables.versions.__setitem__(key, snapshot))

    def get(self, period_id: str, version: int) -> Snapshot | None:
        return self.tables.versions.get((self.tenant, period_id, version))

    def many(self, refs: Sequence[tuple[str, int]]) -> list[Snapshot]:
        got = [self.tables.versions.get((self.tenant, p, v)) for p, v in dict.fromkeys(refs)]
        return [s for s in got if s is not None]

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[Snapshot], str | None]:
        rows = [
            (f"version#{v:04d}", replace(s, cells={}))  # like the adapter: the cells are not read
            for (t, p, v), s in self.tables.versions.items()
            if t == self.tenant and p == period_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#period#{period_id}", newest_first=True)


@dataclass
class FakeDuty:
    """The version's items are written at once (the adapter's batch writes are outside the transaction);
    the marker is staged, and refused when a version as new is held already."""

    tenant: str
    tables: PeriodTables
    uow: MemoryUnitOfWork

    def applied(self, period_id: str) -> tuple[int, list[str], list[str]]:
        return self.tables.markers.get((self.tenant, period_id), (0, [], []))

    def replace(
        self,
        period_id: str,
        version: int,
        shifts: Sequence[DutyShift],
        mine: dict[str, list[MyShift]],
        start: date,
        stale: tuple[list[str], list[str]],
    ) -> None:
        duty_keys = [f"{s.ward_id}|{_sk(s)}" for s in shifts]
        staff_keys = [f"{k}|{start.isoformat()}#{period_id}" for k, v in sorted(mine.items()) if v]
        for s in shifts:
            self.tables.duty[(self.tenant, s.ward_id, _sk(s))] = s
        for key in set(stale[0]) - set(duty_keys):
            ward, sk = key.split("|", 1)
            self.tables.duty.pop((self.tenant, ward, sk), None)
        for staff_id, items in mine.items():
            if items:
                self.tables.mine[(self.tenant, staff_id, f"{start.isoformat()}#{period_id}")] = items
        for key in set(stale[1]) - set(staff_keys):
            staff_id, sk = key.split("|", 1)
            self.tables.mine.pop((self.tenant, staff_id, sk), None)

        def newer() -> None:
            if self.applied(period_id)[0] >= version:
                raise Conflict("a later version is on duty already")

        self.uow.check(newer)
        self.uow.stage(
            lambda: self.tables.markers.__setitem__(
                (self.tenant, period_id), (version, duty_keys, staff_keys)
            )
        )

    def my_shifts(self, staff_id: str, first: date, last: date) -> list[MyShift]:
        out = [
            s
            for (t, who, _), items in self.tables.mine.items()
            if t == self.tenant and who == staff_id
            for s in items
            if first <= s.day <= last
        ]
        return sorted(out, key=lambda s: s.starts_at)

    def on_duty(self, ward_id: str, at: datetime) -> list[DutyShift]:
        return [
            s
            for (t, w, _), s in sorted(self.tables.duty.items())
            if t == self.tenant and w == ward_id and s.starts_at <= at < s.ends_at
        ]


CHANGED = "your calendar feed changed meanwhile; try again"


@dataclass
class FakeCalendarFeeds:
    """A nurse's feed, one per (tenant, staff); saved only over the feed it replaces (or none), like the
    adapter's conditioned put."""

    tenant: str
    tables: PeriodTables
    uow: MemoryUnitOfWork

    def get(self, staff_id: str) -> Feed | None:
        self.tables.reads.append("GetItem")
        return self.tables.feeds.get((self.tenant, staff_id))

    def _still(self, staff_id: str, held: Feed | None) -> None:
        now = self.tables.feeds.get((self.tenant, staff_id))
        if (now and now.token_hash) != (held and held.token_hash):
            raise Conflict(CHANGED)

    def save(self, feed: Feed, previous: Feed | None) -> None:
        self.uow.check(lambda: self._still(feed.staff_id, previous))
        self.uow.stage(lambda: self.tables.feeds.__setitem__((self.tenant, feed.staff_id), feed))

    def remove(self, feed: Feed) -> None:
        self.uow.check(lambda: self._still(feed.staff_id, feed))
        self.uow.stage(lambda: self.tables.feeds.pop((self.tenant, feed.staff_id), None))


@dataclass
class FakeFeedLookup:
    """The digest index across every hospital (the request names none)."""

    tables: PeriodTables

    def find(self, token_hash: str) -> FeedRef | None:
        self.tables.reads.append("Query")
        for (tenant, staff_id), feed in self.tables.feeds.items():
            if feed.token_hash == token_hash:
                return FeedRef(tenant, staff_id, feed.feed_id)
        return None


@dataclass
class FakeSwaps:
    """Swaps by (tenant, id): create-only, then saved only over the revision read, like the adapter."""

    tenant: str
    tables: PeriodTables
    uow: MemoryUnitOfWork

    def get(self, swap_id: str) -> Swap | None:
        return self.tables.swaps.get((self.tenant, swap_id))

    def of_period(self, period_id: str) -> list[Swap]:
        mine = [s for (t, _), s in self.tables.swaps.items() if t == self.tenant and s.period_id == period_id]
        return sorted(mine, key=lambda s: (s.created_at, s.id))

    def add(self, swap: Swap) -> None:
        key = (self.tenant, swap.id)

        def create_only() -> None:
            if key in self.tables.swaps:
                raise Conflict("the swap exists already")

        self.uow.check(create_only)
        self.uow.stage(lambda: self.tables.swaps.__setitem__(key, swap))

    def save(self, swap: Swap, base_revision: int) -> None:
        key = (self.tenant, swap.id)

        def same() -> None:
            held = self.tables.swaps.get(key)
            if held is None or held.revision != base_revision:
                raise Conflict("the swap changed meanwhile; reload it")

        self.uow.check(same)
        self.uow.stage(lambda: self.tables.swaps.__setitem__(key, swap))


@dataclass
class FakeDisruptions:
    """A period's disruptions: create-only, then saved only over the revision read (like the adapter)."""

    tenant: str
    tables: PeriodTables
    uow: MemoryUnitOfWork

    def add(self, disruption: Disruption) -> None:
        key = (self.tenant, disruption.period_id, disruption.id)

        def create_only() -> None:
            if key in self.tables.disruptions:
                raise Conflict("the disruption is recorded already")

        self.uow.check(create_only)
        self.uow.stage(lambda: self.tables.disruptions.__setitem__(key, disruption))

    def get(self, period_id: str, disruption_id: str) -> Disruption | None:
        return self.tables.disruptions.get((self.tenant, period_id, disruption_id))

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[Disruption], str | None]:
        rows = [
            (f"disruption#{i}", d)
            for (t, p, i), d in sorted(self.tables.disruptions.items())
            if t == self.tenant and p == period_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#period#{period_id}")

    def save(self, disruption: Disruption, base_revision: int) -> None:
        key = (self.tenant, disruption.period_id, disruption.id)

        def same() -> None:
            held = self.tables.disruptions.get(key)
            if held is None or held.revision != base_revision:
                raise Conflict("the disruption changed meanwhile; reload it")

        self.uow.check(same)
        self.uow.stage(lambda: self.tables.disruptions.__setitem__(key, disruption))


@dataclass
class FakePeriodStore(FakeStore):
    """``PeriodStore`` in memory: the staff and leave fakes plus the periods'."""

    period_tables: PeriodTables = field(default_factory=PeriodTables)

    @property
    def periods(self) -> FakePeriods:
        return FakePeriods(self.tenant, self.period_tables, self.uow)

    @property
    def versions(self) -> FakeVersions:
        return FakeVersions(self.tenant, self.period_tables, self.uow)

    @property
    def requests(self) -> FakeRequests:
        return FakeRequests(self.tenant, self.period_tables, self.uow)

    @property
    def duty(self) -> FakeDuty:
        return FakeDuty(self.tenant, self.period_tables, self.uow)

    @property
    def feeds(self) -> FakeCalendarFeeds:
        return FakeCalendarFeeds(self.tenant, self.period_tables, self.uow)

    @property
    def disruptions(self) -> FakeDisruptions:
        return FakeDisruptions(self.tenant, self.period_tables, self.uow)

    @property
    def swaps(self) -> FakeSwaps:
        return FakeSwaps(self.tenant, self.period_tables, self.uow)


# ---- auto-roster jobs ------------------------------------------------------------------------------------


@dataclass
class JobTables:
    """Every hospital's jobs and period locks (the live-jobs index reads across them, as the sweep's does)."""

    jobs: dict[tuple[str, str, str], SolveJob] = field(default_factory=dict)
    locks: dict[tuple[str, str], str] = field(default_factory=dict)
    writes: int = 0


@dataclass
class FakeSolveJobs:
    """``SolveJobs`` in memory, with the adapter's conditions: create-only with the period's lock, and
    each change only from the state (and the beat) it was read in."""

    tenant: str
    tables: JobTables = field(default_factory=JobTables)

    def _key(self, period_id: str, job_id: str) -> tuple[str, str, str]:
        return (self.tenant, period_id, job_id)

    def running(self, period_id: str) -> str | None:
        return self.tables.locks.get((self.tenant, period_id))

    def create(self, job: SolveJob) -> None:
        lock = (self.tenant, job.period_id)
        if lock in self.tables.locks:
            raise Conflict(SOLVE_RUNNING.format(self.tables.locks[lock]))
        if self._key(job.period_id, job.id) in self.tables.jobs:
            raise Conflict("already exists")
        self.tables.locks[lock] = job.id
        self.tables.jobs[self._key(job.period_id, job.id)] = job
        self.tables.writes += 1

    def get(self, period_id: str, job_id: str) -> SolveJob | None:
        return self.tables.jobs.get(self._key(period_id, job_id))

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[SolveJob], str | None]:
        rows = [
            (f"job#{jid}", job)
            for (tenant, pid, jid), job in self.tables.jobs.items()
            if tenant == self.tenant and pid == period_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#period#{period_id}", newest_first=True)

    def _change(self, job: SolveJob, when: Callable[[SolveJob], bool], **changes: Any) -> SolveJob | None:
        key = self._key(job.period_id, job.id)
        stored = self.tables.jobs.get(key)
        if stored is None or not when(stored):
            return None
        self.tables.jobs[key] = replace(stored, **changes)
        self.tables.writes += 1
        return self.tables.jobs[key]

    def start(self, job: SolveJob, at: datetime) -> SolveJob | None:
        return self._change(
            job, lambda s: s.state == "queued", state="running", started_at=at, heartbeat_at=at
        )

    def beat(
        self, job: SolveJob, at: datetime, percent: int, progress: tuple[tuple[float, int], ...]
    ) -> SolveJob | None:
        return self._change(
            job, lambda s: s.state == "running", heartbeat_at=at, percent=percent, progress=progress
        )

    def finish(self, job: SolveJob, ended: SolveJob) -> bool:
        key = self._key(job.period_id, job.id)
        stored = self.tables.jobs.get(key)
        if stored is None or stored.state != job.state:
            return False
        if job.heartbeat_at is not None and stored.heartbeat_at != job.heartbeat_at:
            return False
        if self.tables.locks.get((self.tenant, job.period_id)) != job.id:
            return False
        self.tables.jobs[key] = replace(
            ended,
            cancel_requested=stored.cancel_requested or ended.cancel_requested,
            stop_requested=stored.stop_requested or ended.stop_requested,
            stop_requested_by=ended.stop_requested_by or stored.stop_requested_by,
        )
        del self.tables.locks[(self.tenant, job.period_id)]
        self.tables.writes += 1
        return True

    def request_cancel(self, job: SolveJob) -> bool:
        return self._change(job, lambda s: s.state == "running", cancel_requested=True) is not None

    def request_stop(self, job: SolveJob, by: str) -> SolveJob | None:
        return self._change(job, lambda s: s.live, stop_requested=True, stop_requested_by=by)

    def mark_applied(self, job: SolveJob, revision: int) -> bool:
        return (
            self._change(job, lambda s: s.result == "kept", result="applied", revision=revision) is not None
        )


@dataclass
class FakeLiveJobs:
    """``LiveJobs``: the live jobs of every hospital whose stale time has come, the oldest first."""

    tables: JobTables

    def stale(self, now: datetime, limit: int) -> list[tuple[str, SolveJob]]:
        due = sorted(
            ((job.stale_at(), tenant, job) for (tenant, _, _), job in self.tables.jobs.items() if job.live),
            key=lambda row: row[0],
        )
        return [(tenant, job) for at, tenant, job in due if at <= now][:limit]


@dataclass
class FakeProblemSource:
    """``ProblemSource`` over one problem: the draft's roster and revision, a save that refuses a moved
    revision (Conflict, as the periods' does), and what the solve was asked to keep."""

    problem: RosterProblem
    roster: Roster = field(default_factory=lambda: Roster(()))
    revision: int = 1
    name: str = "3月第1周"
    ward_ids: tuple[str, ...] = ("ward-1",)
    loads: list[tuple[bool, bool, date]] = field(default_factory=list)
    saves: list[tuple[int, Roster, str]] = field(default_factory=list)
    fail_load: Exception | None = None
    proposals: list[tuple[str, str, int, Roster]] = field(default_factory=list)
    abandoned: list[tuple[str, str, str]] = field(default_factory=list)

    def describe(self, tenant: str, period_id: str) -> PeriodSummary:
        if period_id == "missing":
            raise NotFound("period")
        return PeriodSummary(period_id, self.name, self.ward_ids, self.revision)

    def load(
        self, tenant: str, period_id: str, keep_pinned: bool, keep_published_days: bool, today: date
    ) -> tuple[RosterProblem, Roster, int]:
        if self.fail_load is not None:
            raise self.fail_load
        self.loads.append((keep_pinned, keep_published_days, today))
        return self.problem, self.roster, self.revision

    def save(self, tenant: str, period_id: str, base_revision: int, roster: Roster, note: str) -> int:
        if base_revision != self.revision:
            raise Conflict("the draft changed meanwhile")
        self.revision += 1
        self.roster = roster
        self.saves.append((self.revision, roster, note))
        return self.revision

    def edit(self) -> None:
        """A head nurse changes the draft by hand (its revision moves on)."""
        self.revision += 1

    def load_repair(
        self, tenant: str, period_id: str, disruption_id: str, days: Sequence[date]
    ) -> tuple[RosterProblem, Roster, int]:
        """A repair's problem (the one problem; ``revision`` stands for the live version)."""
        return self.problem, self.roster, self.revision

    def propose(
        self, tenant: str, period_id: str, disruption_id: str, job_id: str, version: int, roster: Roster
    ) -> None:
        self.proposals.append((disruption_id, job_id, version, roster))

    def abandon(self, tenant: str, period_id: str, disruption_id: str, job_id: str, reason: str) -> None:
        self.abandoned.append((disruption_id, job_id, reason))


@dataclass
class FakeRun:
    """``EngineRun`` on a script: ``waits`` calls of ``wait`` find it still running (each may call
    ``during``: a cancel, an edit, the clock moving on), then it ends with ``outcome``."""

    outcome: EngineOutcome
    waits: int = 0
    points: list[tuple[float, int]] = field(default_factory=list)
    during: Callable[[int], None] | None = None
    calls: int = 0
    stopped: bool = False
    finished_at: int | None = None  # the wait call after which ``finish`` was asked (0: before any)

    def wait(self, seconds: float) -> EngineOutcome | None:
        self.calls += 1
        if self.during is not None:
            self.during(self.calls)
        if self.finished_at is not None and self.outcome.roster is not None:
            return replace(self.outcome, stopped=True)  # the best so far, at the first wait after
        if self.calls <= self.waits:
            self.points.append((float(self.calls * seconds), 1000 - self.calls))
            return None
        return self.outcome

    def finish(self) -> None:
        if self.finished_at is None:
            self.finished_at = self.calls

    def progress(self) -> list[tuple[float, int]]:
        return list(self.points)

    def stop(self) -> None:
        self.stopped = True


@dataclass
class FakeEngine:
    run: FakeRun
    started: list[tuple[str, float]] = field(default_factory=list)

    def start(self, problem: RosterProblem, current: Roster, mode: Mode, time_limit: float) -> FakeRun:
        self.started.append((mode, time_limit))
        return self.run


@dataclass
class FakeLauncher:
    launched: list[tuple[str, str, str]] = field(default_factory=list)
    fail: bool = False

    def launch(self, tenant: str, period_id: str, job_id: str) -> None:
        if self.fail:
            raise OSError("the function could not be invoked")
        self.launched.append((tenant, period_id, job_id))


@dataclass
class FakeAuditTrail:
    """``AuditTrail`` over a fake unit of work's committed audit records (newest first)."""

    uow: MemoryUnitOfWork

    def page(
        self, resource_type: str, resource_id: str, limit: int, cursor: str | None
    ) -> tuple[list[TrailEntry], str | None]:
        partition = f"{resource_type}#{resource_id}"
        rows = [
            (f"{r['at'].isoformat()}#{i:06d}", r)
            for i, r in enumerate(self.uow.audit_records)
            if r["type"] == resource_type and r["id"] == resource_id
        ]
        records, next_cursor = page_after(rows, limit, cursor, partition, newest_first=True)
        return [
            TrailEntry(r["at"], "u-test", None, r["action"], r["before"], r["after"]) for r in records
        ], next_cursor
