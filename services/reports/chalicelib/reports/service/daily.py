"""The daily report of a hospital and the consortium view of a lead hospital (read-only use cases)."""

from __future__ import annotations

from datetime import date, datetime

from chalicelib.reports.contracts import daily as models
from chalicelib.reports.domain import daily, page
from chalicelib.reports.domain.compare import Figure, window
from chalicelib.reports.domain.days import DayFigures
from chalicelib.reports.domain.ports import DaysAcross, Store
from chalicelib.reports.domain.sources import zone_of

from shared.auth import Principal
from shared.errors import NotFound, RuleViolation

# The consortium view reads every member's day and the day before in one BatchGetItem (100 keys at most).
MAX_MEMBERS = 50


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleViolation("the day must be a date (YYYY-MM-DD)", "day") from None


def today_in(timezone: str | None, now: datetime | None = None) -> date:
    zone = zone_of(timezone)
    return (now or datetime.now(zone)).astimezone(zone).date()


def _checked(day: date, today: date) -> None:
    try:
        daily.check_day(day, today)
    except daily.DayInFuture:
        raise RuleViolation("the day is in the future", "day") from None
    except daily.DayNotKept:
        raise NotFound("day kept in the table (older days are in the history export)") from None


def _hospital(tenant: str) -> tuple[str, str | None]:
    from shared import directory

    found = directory.hospital(tenant)
    return (found.name, found.timezone) if found else ("", None)


def build(store: Store, hospital_name: str, day: date, today: date) -> daily.DailyReport:
    _checked(day, today)
    start, end, year = window(day)
    return daily.report(
        store.tenant, hospital_name, day, store.days.between(start, end), store.days.get(year)
    )


def daily_report(principal: Principal, day_text: str, store: Store | None = None) -> daily.DailyReport:
    """One Query for the 30 days, one GetItem for the year before, one GetItem for the hospital."""
    from chalicelib.reports.service import wiring

    day = parse_day(day_text)
    name, timezone = _hospital(principal.tenant)
    return build(store or wiring.reader(principal.tenant), name, day, today_in(timezone))


def _comparison(f: Figure, against: float | None) -> models.Comparison:
    return models.Comparison(
        value=against, change=f.change(against), change_percent=f.change_percent(against)
    )


def figure_view(f: Figure, census_recorded: bool) -> models.FigureView:
    i = f.indicator
    empty = page.NOT_REPORTED if i.area == "census" and not census_recorded else page.NO_DATA
    return models.FigureView(
        indicator=i.code,
        name=i.name,
        unit=i.unit,
        value=f.value,
        display=page._fmt(f.value, empty),
        better=i.better,
        day_before=_comparison(f, f.day_before),
        week_before=_comparison(f, f.week_before),
        year_before=_comparison(f, f.year_before),
        trend=list(f.trend),
    )


def view(r: daily.DailyReport) -> models.DailyReportView:
    def fv(f: Figure) -> models.FigureView:
        return figure_view(f, r.census_recorded)

    sections = [
        models.SectionView(code="overdue", title=daily.OVERDUE_TITLE, figures=[fv(f) for f in r.overdue])
    ]
    sections += [
        models.SectionView(code=s.code, title=s.title, figures=[fv(f) for f in s.figures]) for s in r.sections
    ]
    return models.DailyReportView(
        hospital_id=r.hospital_id,
        hospital_name=r.hospital_name,
        day=r.day,
        census_recorded=r.census_recorded,
        headline=[fv(f) for f in r.headline],
        sections=sections,
    )


def daily_json(principal: Principal, day: str) -> models.DailyReportView:
    return view(daily_report(principal, day))


def daily_html(principal: Principal, day: str) -> str:
    return page.daily_page(daily_report(principal, day))


# ---- the consortium view -----------------------------------------------------------------------------


def consortium_report(
    principal: Principal, consortium_id: str, day_text: str, across: DaysAcross | None = None
) -> daily.ConsortiumReport:
    """The lead's own link and its hospital record (two GetItems), the roster (one Query), every member's
    day and the day before (one BatchGetItem). A member hospital, or a consortium that is not the caller's,
    is a 404."""
    from chalicelib.reports.service import wiring

    from shared import consortia

    day = parse_day(day_text)
    link = consortia.hospital_link(principal.tenant, consortium_id)
    if (
        link is None
        or link.tenant != principal.tenant
        or link.role != "lead"
        or link.status != "active"
        or link.lead_hospital_id != principal.tenant
    ):
        raise NotFound("consortium")
    # the lead's own record: its time zone decides what "today" is, its name where the roster has none
    lead_name, timezone = _hospital(principal.tenant)
    _checked(day, today_in(timezone))
    names = consortia.active_hospital_names(principal.tenant, consortium_id)
    names[principal.tenant] = names.get(principal.tenant) or lead_name
    members = sorted(names.items(), key=lambda kv: (kv[0] != principal.tenant, kv[1], kv[0]))[:MAX_MEMBERS]
    kept: dict[str, dict[date, DayFigures]] = (across or wiring.across()).days_of(
        [m for m, _ in members], [day, daily.before(day)]
    )
    return daily.consortium(consortium_id, link.consortium_name, day, members, kept)


def consortium_view(r: daily.ConsortiumReport) -> models.ConsortiumReportView:
    return models.ConsortiumReportView(
        consortium_id=r.consortium_id,
        consortium_name=r.consortium_name,
        day=r.day,
        indicators=[
            models.IndicatorRef(code=i.code, name=i.name, unit=i.unit, aggregate=i.aggregate)
            for i in r.indicators
        ],
        members=[
            models.MemberView(
                hospital_id=m.hospital_id,
                hospital_name=m.hospital_name,
                values=m.values,
                day_before=m.day_before,
            )
            for m in r.members
        ],
        total=r.total,
        total_day_before=r.total_day_before,
    )


def consortium_json(principal: Principal, consortium_id: str, day: str) -> models.ConsortiumReportView:
    return consortium_view(consortium_report(principal, consortium_id, day))


def consortium_html(principal: Principal, consortium_id: str, day: str) -> str:
    return page.consortium_page(consortium_report(principal, consortium_id, day))
