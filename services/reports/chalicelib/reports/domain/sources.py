"""Where the daily figures come from: each event type the report counts, and what it adds to which day.

``SOURCES`` maps an event type to a function of (the event's data, parsed with the catalog's model; its
envelope; the hospital's time zone) → the contributions it makes. The day is the event's time in the
hospital's zone — except where the event says the day it belongs to (a read counts on the day the
notification was SENT, so a day's read rate is of that day's notifications).

Adding a source is a line here (and the event type in ``consumers.py``'s subscription of its producer,
and a test): docs/reports.md, "Adding a source".

Choices a director would ask about:
- an overdue approval task counts once, when the SLA sweep REMINDS its approver: approvals escalates only
  a task it reminded first (``engine.escalation_due``), so counting ``approval.task.escalated`` too would
  count the same overdue task twice; it is not subscribed.
- a referral is counted by each hospital it concerns: each side's copy is under its own tenant, so the
  sending hospital counts its 上转 and the receiving one the same 上转 — both are right for their report.
- a roster's staffing shortfall is counted when its FIRST version is published (places below the shifts'
  minimum); a later version of the same period does not count its shortfall again.
- overtime is not known to any event yet, so the report has no overtime figure (rather than a made-up 0).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.reports.domain.days import Contribution

from shared.events.envelope import EventEnvelope

DEFAULT_ZONE = "Asia/Shanghai"

Source = Callable[[Any, EventEnvelope, ZoneInfo], list[Contribution]]


def local_day(at: datetime, zone: ZoneInfo) -> date:
    """The calendar day of ``at`` in the hospital's zone (a naive time is taken as UTC)."""
    if at.tzinfo is None:
        from datetime import UTC

        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone).date()


def _count(*names: str, by: float = 1) -> Source:
    """Each name + ``by`` on the event's day."""

    def source(data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
        return [Contribution(local_day(envelope.time, zone), {n: by for n in names})]

    return source


def _decided(outcome: str) -> Source:
    def source(data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
        samples: dict[str, list[float]] = {}
        if data.submitted_at is not None:
            hours = (envelope.time - data.submitted_at).total_seconds() / 3600
            samples["approvals.turnaround_hours"] = [round(max(hours, 0.0), 2)]
        counts = {f"approvals.{outcome}": 1.0, "approvals.decided": 1.0}
        return [Contribution(local_day(envelope.time, zone), counts, samples)]

    return source


def _sent(data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
    counts = {
        "messaging.notifications_sent": 1.0,
        "messaging.notification_recipients": float(data.recipient_count),
    }
    if data.ack_required:
        counts["messaging.ack_requested"] = float(data.recipient_count)
    return [Contribution(local_day(envelope.time, zone), counts)]


def _receipt(name: str) -> Source:
    """A read or acknowledgement, on the day its notification was sent."""

    def source(data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
        return [Contribution(local_day(data.sent_at, zone), {name: 1.0})]

    return source


def _ding(data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
    name = "messaging.ding_sms" if data.channel == "sms" else "messaging.ding_phone"
    return [Contribution(local_day(envelope.time, zone), {name: 1.0})]


def _published(data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
    if data.version != 1 or not data.below_minimum:
        return []
    counts = {"scheduling.shortfall_shifts": float(data.below_minimum)}
    return [Contribution(local_day(envelope.time, zone), counts)]


def _referral(data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
    if data.direction not in ("up", "down"):
        return []
    return [Contribution(local_day(envelope.time, zone), {f"referral.{data.direction}": 1.0})]


def _answered(data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
    counts = {"referral.consultations_answered": 1.0}
    if data.on_time:
        counts["referral.consultations_on_time"] = 1.0
    return [Contribution(local_day(envelope.time, zone), counts)]


SOURCES: dict[str, Source] = {
    # ---- approvals ----
    "approval.instance.submitted": _count("approvals.submitted"),
    "approval.instance.approved": _decided("approved"),
    "approval.instance.rejected": _decided("rejected"),
    "approval.task.reminded": _count("approvals.overdue_tasks"),
    # ---- messaging ----
    "notification.sent": _sent,
    "notification.read": _receipt("messaging.notifications_read"),
    "notification.acknowledged": _receipt("messaging.notifications_acknowledged"),
    "ding.escalated": _ding,
    "staff.created": _count("staff.joined"),
    "staff.left": _count("staff.left"),
    # ---- scheduling ----
    "roster.published": _published,
    "roster.disrupted": _count("scheduling.disruptions"),
    # ---- follow-up, referral and consultation ----
    "followup.task.due": _count("followup.due"),
    "followup.task.done": _count("followup.done"),
    "followup.task.missed": _count("followup.missed"),
    "followup.alert.raised": _count("followup.abnormal"),
    "referral.requested": _referral,
    "referral.rejected": _count("referral.rejected"),
    "referral.overdue": _count("referral.overdue"),
    "consultation.answered": _answered,
    # ---- partner apps ----
    "webhook.delivery.failing": _count("marketplace.deliveries_failing"),
    "webhook.endpoint.disabled": _count("marketplace.endpoints_disabled"),
}


def contributions(event_type: str, data: Any, envelope: EventEnvelope, zone: ZoneInfo) -> list[Contribution]:
    """What the event adds, one contribution per day (an event the report does not count adds nothing)."""
    source = SOURCES.get(event_type)
    if source is None:
        return []
    merged: dict[date, Contribution] = {}
    for c in source(data, envelope, zone):
        seen = merged.get(c.day)
        if seen is None:
            merged[c.day] = c
            continue
        counts = dict(seen.counts)
        for k, v in c.counts.items():
            counts[k] = counts.get(k, 0.0) + v
        samples = {k: list(v) for k, v in seen.samples.items()}
        for k, vs in c.samples.items():
            samples.setdefault(k, []).extend(vs)
        merged[c.day] = Contribution(c.day, counts, samples)
    return list(merged.values())


def zone_of(name: str | None) -> ZoneInfo:
    """The hospital's zone, ``Asia/Shanghai`` when it has none (or an unknown one)."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)
