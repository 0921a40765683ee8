"""The morning sweep: at ``send_at`` (07:00 by default) on each hospital's own clock, its leaders told.

Every five minutes (``schedules.py``, its clock the scheduled event's ``time``), for each hospital of the
province: the local time in the directory's time zone of the hospital; from ``send_at`` until noon, unless
the report is off or this morning's marker exists, ONE transaction — the create-only marker
``<hospital>#morning`` / ``<local date>`` and ``report.daily.ready`` (yesterday's headline lines, the
leaders resolved now). The marker's condition decides: a second sweep the same morning, a sweep after a
crash, or two at once (a Lambda retry) send nothing more, and the loser's conflict is not an error.
Nobody to tell: the marker alone, logged. One hospital failing is logged and left for the next sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.reports.domain import compare, morning
from chalicelib.reports.domain.indicators import HEADLINE
from chalicelib.reports.domain.morning import ReportSettings
from chalicelib.reports.domain.ports import Directory, Hospital, Store
from chalicelib.reports.service import wiring

from shared.errors import Conflict
from shared.events.published.reports import DAILY_REPORT_READY, DailyReportReady
from shared.observability import logger as make_logger

logger = make_logger("reports.morning")
ALREADY_SENT = Conflict("this morning's report was already sent")


@dataclass
class SweepReport:
    sent: list[str] = field(default_factory=list)  # hospitals whose leaders were told
    untold: list[str] = field(default_factory=list)  # marked, nobody to tell
    failed: list[str] = field(default_factory=list)


def leaders(tenant: str, settings: ReportSettings, directory: Directory) -> list[str]:
    """The role holders (active) and the listed leaders still active, now."""
    found: set[str] = set()
    for role in settings.leader_roles:
        found.update(directory.with_role(tenant, role))
    listed = [i for i in settings.leaders if i not in found]
    if listed:
        people = directory.people(tenant, listed)
        found.update(i for i in listed if i in people and people[i].status == "active")
    return sorted(found)


def _zone(hospital: Hospital) -> ZoneInfo:
    try:
        return ZoneInfo(hospital.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning(
            "a hospital's time zone is unknown; Asia/Shanghai used", extra={"tenant": hospital.tenant}
        )
        return ZoneInfo("Asia/Shanghai")


def send_one(hospital: Hospital, now: datetime, store: Store, directory: Directory) -> str | None:
    """The hospital's morning, if due and not yet sent: ``sent``, ``untold`` or None (nothing done)."""
    local = now.astimezone(_zone(hospital))
    if local.time() >= morning.NOON:
        return None  # no read at all in the afternoon
    settings = store.settings.get() or ReportSettings()
    if not settings.enabled or not morning.due(local, settings.send_time()):
        return None
    if store.mornings.sent(local.date()):
        return None
    day = morning.reported_day(local)
    start, _, _ = compare.window(day)
    figures = compare.figures(day, store.days.between(start, day), HEADLINE)
    notify = leaders(hospital.tenant, settings, directory)
    store.mornings.mark(local.date(), ALREADY_SENT)
    if notify:
        store.emit(
            DAILY_REPORT_READY.envelope(
                hospital.tenant,
                DailyReportReady(
                    day=day,
                    notify=notify,
                    title=morning.title(day),
                    lines=morning.lines(figures),
                    link=morning.link(day),
                ),
            )
        )
    else:
        logger.warning(
            "a morning report with nobody to tell", extra={"tenant": hospital.tenant, "day": str(day)}
        )
    try:
        store.commit()
    except Conflict:
        return None  # another sweep sent it first
    return "sent" if notify else "untold"


def sweep(
    now: datetime,
    directory: Directory | None = None,
    store_of: Callable[[str], Store] | None = None,
) -> SweepReport:
    """Every hospital's morning at ``now`` (aware; the scheduled event's time)."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    directory = directory or wiring.directory()
    store_of = store_of or wiring.sweep_store
    report = SweepReport()
    for hospital in directory.hospitals():
        try:
            outcome = send_one(hospital, now, store_of(hospital.tenant), directory)
        except Exception:
            report.failed.append(hospital.tenant)
            logger.exception("a hospital's morning report failed", extra={"tenant": hospital.tenant})
            continue
        if outcome == "sent":
            report.sent.append(hospital.tenant)
        elif outcome == "untold":
            report.untold.append(hospital.tenant)
    return report
