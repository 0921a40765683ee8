"""The inputs of a period's problem, read from scheduling's store: what ``problem.build_problem`` takes.

The periods and solve use cases call these (the store is the port of ``domain/ports.py``; a test passes
the fake):

- ``ward_setup(store, ward_id) -> WardSetup``: the ward's setup as saved, with the hospital's shift
  catalogue (or the default one) and the ward's overrides combined; parts the ward never set are left
  empty, so ``build_problem`` fills in the defaults (contracts, demand sized by headcount). Costs one
  GetItem (the ward's item) and one Query (the catalogue).
- ``ward_nurses(store, ward_ids, on) -> list[RosterNurse]``: the nurses rostered on those wards, by
  ward then staff id, from the staff projection (one Query per ward). Who counts: a member of staff
  whose directory unit is the ward itself (not a team under it), whose status is ``active`` (someone
  on long leave — ``on_leave`` in the directory — or who has left is not rostered), and who holds the
  role ``nurse`` or ``head_nurse`` or has a nurse grade (N0–N4). Certificates expired by ``on`` are
  dropped (they grant nothing from then on).
- ``calendar(store, start, end) -> dict[date, CalendarDay]``: the public holidays and 调休 working days
  in [start, end] — the ``chinesecalendar`` package's with the hospital's own on top (one Query).

``today()`` is the hospital's local date (China is UTC+8 throughout, without daylight saving).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone

from chalicelib.scheduling.domain import calendar as holidays
from chalicelib.scheduling.domain import ward_rules
from chalicelib.scheduling.domain.ports import Store
from chalicelib.scheduling.domain.problem import RosterNurse
from chalicelib.scheduling.domain.records import StaffRecord
from chalicelib.scheduling.domain.setup import CalendarDay, WardSetup

NURSING_ROLES = frozenset({"nurse", "head_nurse"})
CHINA = timezone(timedelta(hours=8))


def today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


def ward_setup(store: Store, ward_id: str) -> WardSetup:
    return ward_rules.to_setup(store.ward_rules.get(ward_id), store.shift_types.all())


def rostered(records: Iterable[StaffRecord]) -> list[StaffRecord]:
    """The staff of a ward who are rostered (see the module's docstring for who counts)."""
    return [
        r for r in records if r.status == "active" and (NURSING_ROLES.intersection(r.roles) or r.nurse_grade)
    ]


def nurse(record: StaffRecord, on: date) -> RosterNurse:
    return RosterNurse(
        staff_id=record.id,
        name=record.name,
        ward_id=record.department_id,
        grade=record.nurse_grade or "",
        roles=record.roles,
        certificates=tuple(c for c in record.certificates if c.valid_until is None or c.valid_until >= on),
    )


def ward_nurses(store: Store, ward_ids: Sequence[str], on: date) -> list[RosterNurse]:
    return [nurse(r, on) for r in rostered(store.staff.of_units(ward_ids))]


def calendar(store: Store, start: date, end: date) -> dict[date, CalendarDay]:
    return holidays.as_calendar(holidays.merged(start, end, store.calendar.between(start, end)))
