"""Public holidays and 调休 working days: the package's and the hospital's own, listed by year; set by an
admin for days the package does not have yet (next year's, once the State Council announces them)."""

from __future__ import annotations

from datetime import date

from chalicelib.scheduling.contracts.calendar import CalendarChange, CalendarYear, SpecialDay
from chalicelib.scheduling.domain import calendar as holidays
from chalicelib.scheduling.domain.ports import Store, Transaction
from chalicelib.scheduling.domain.setup import CalendarDay
from chalicelib.scheduling.service import wiring

from shared import i18n
from shared.auth import Principal
from shared.errors import RuleViolation


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleViolation("a date is YYYY-MM-DD", field="date") from None


NO_DAYS_YET = (
    "the chinesecalendar package has no holidays for {} yet and the hospital has added none: a hospital "
    "admin adds them with PUT /scheduling/calendar/{date} once the State Council announces them (until "
    "then every day of {} is rostered by its weekday)"
)


def calendar_year(
    principal: Principal, year: int, language_header: str | None = None, store: Store | None = None
) -> CalendarYear:
    """The year's special days (one Query), saying when nobody has given this year's days yet (in the
    reader's language: ``Accept-Language: zh`` → Chinese)."""
    first, last = holidays.year_bounds(year)
    own = (store or wiring.store(principal.tenant)).calendar.between(first, last)
    days = holidays.merged(first, last, own)
    known = holidays.package_has(year)
    complete = known or bool(own)
    return CalendarYear(
        year=year,
        package_has_year=known,
        complete=complete,
        notice=None
        if complete
        else i18n.translate(NO_DAYS_YET, i18n.language(language_header)).replace("{}", str(year)),
        items=[
            SpecialDay(date=d, kind=s.day.kind, name=s.day.name, source=s.origin) for d, s in days.items()
        ],
    )


def put_day(
    principal: Principal,
    day: str,
    change: CalendarChange,
    request_id: str,
    store: Store | None = None,
    uow: Transaction | None = None,
) -> SpecialDay:
    """Set one day (a holiday or a 调休 working day), replacing the package's entry for it."""
    when = _day(day)
    if store is None or uow is None:
        store, uow = wiring.writer(principal, request_id)
    store.calendar.put(CalendarDay(when, change.kind, change.name))
    uow.audit("calendar.put", "calendar_day", when.isoformat(), after=change.model_dump(mode="json"))
    uow.commit()
    return SpecialDay(date=when, kind=change.kind, name=change.name, source="hospital")


def delete_day(
    principal: Principal,
    day: str,
    request_id: str,
    store: Store | None = None,
    uow: Transaction | None = None,
) -> None:
    """Remove the hospital's entry for a day (NotFound if it has none): the package's applies again."""
    when = _day(day)
    if store is None or uow is None:
        store, uow = wiring.writer(principal, request_id)
    store.calendar.remove(when)
    uow.audit("calendar.delete", "calendar_day", when.isoformat())
    uow.commit()
