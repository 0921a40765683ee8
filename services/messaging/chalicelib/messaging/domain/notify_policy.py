"""Who may notify whom, how urgently and how often: one policy per hospital, free of AWS.

A notification reaches phones, and a DING reaches them by SMS and voice call, so reach is a policy,
not a field of the request:

- **Audience.** Hospital-wide reach (recipients by role, any unit) is for the hospital's broadcast
  roles (by default ``hospital_admin``). Everyone else reaches their own department — the nearest unit
  of kind ``department`` above or at their own unit, with its wards and teams —, whoever is on duty on
  a ward, and up to ``max_named`` colleagues by name.
- **DING.** A DING to more than ``ding_many`` people is for the DING roles (by default the admin,
  department heads and head nurses). Its SMS step comes ``sms_min_minutes`` after sending at the
  earliest and its call ``call_min_minutes``; sooner only as an emergency DING, which the hospital
  must have enabled for the sender's role (by default for nobody).
- **Texts.** An SMS or call never carries the sender's words (a title can hold a phishing link): it is
  a fixed text naming the sender and the app (``alert_text``).
- **Rates.** Each sender may send ``per_sender_per_hour`` notifications an hour and the hospital
  ``per_hospital_per_hour``; escalations may send ``daily_alerts`` SMS and calls a day in all. Past a
  limit the request is a 429 saying when to retry; an escalation past the day's budget logs the alerts
  it could not send.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from shared.errors import Forbidden, RuleViolation

APP_NAME = "未来医院"


@dataclass(frozen=True)
class NotifyPolicy:
    broadcast_roles: frozenset[str] = frozenset({"hospital_admin"})
    ding_roles: frozenset[str] = frozenset({"hospital_admin", "department_head", "head_nurse"})
    emergency_roles: frozenset[str] = frozenset()
    ding_many: int = 10
    max_named: int = 50
    sms_min_minutes: int = 5
    call_min_minutes: int = 10
    per_sender_per_hour: int = 30
    per_hospital_per_hour: int = 600
    daily_alerts: int = 2000
    updated_by: str | None = None
    updated_at: datetime | None = field(default=None, compare=False)


DEFAULT = NotifyPolicy()
ROLE_SETS = ("broadcast_roles", "ding_roles", "emergency_roles")


def policy_to_json(policy: NotifyPolicy) -> str:
    data = {k: v for k, v in policy.__dict__.items() if k != "updated_at"}
    data.update({k: sorted(getattr(policy, k)) for k in ROLE_SETS})
    data["updated_at"] = policy.updated_at.isoformat() if policy.updated_at else None
    return json.dumps(data, ensure_ascii=False)


def policy_from_json(text: str) -> NotifyPolicy:
    data = json.loads(text)
    known = {k: v for k, v in data.items() if k in NotifyPolicy.__dataclass_fields__}
    for k in ROLE_SETS:
        if k in known:
            known[k] = frozenset(known[k])
    if known.get("updated_at"):
        known["updated_at"] = datetime.fromisoformat(known["updated_at"])
    return NotifyPolicy(**known)


@dataclass(frozen=True)
class Unit:
    id: str
    parent_id: str | None
    kind: str


@dataclass(frozen=True)
class Sender:
    """Who sends, as the policy sees them: their roles and, if they are staff, their unit."""

    roles: frozenset[str]
    unit_id: str | None


def home_department(units: dict[str, Unit], unit_id: str | None) -> str | None:
    """The nearest unit of kind ``department`` at or above ``unit_id`` (else the unit itself)."""
    current: str | None = unit_id
    seen: set[str] = set()
    while current is not None and current in units and current not in seen:
        seen.add(current)
        if units[current].kind == "department":
            return current
        current = units[current].parent_id
    return unit_id


def within(units: dict[str, Unit], unit_id: str, root: str) -> bool:
    """Whether ``unit_id`` is ``root`` or below it."""
    current: str | None = unit_id
    seen: set[str] = set()
    while current is not None and current not in seen:
        if current == root:
            return True
        seen.add(current)
        current = units[current].parent_id if current in units else None
    return False


def check_audience(
    policy: NotifyPolicy,
    sender: Sender,
    units: dict[str, Unit],
    department_ids: list[str],
    roles: list[str],
    staff_ids: list[str],
) -> None:
    """Refuse (403) an audience beyond the sender's reach."""
    if sender.roles & policy.broadcast_roles:
        return
    broadcasters = ", ".join(sorted(policy.broadcast_roles)) or "nobody"
    if roles:
        raise Forbidden(f"notifying by role reaches the whole hospital: only {broadcasters} may")
    if department_ids:
        home = home_department(units, sender.unit_id)
        # (a unit that does not exist is left to recipient resolution, which names it)
        outside = [d for d in department_ids if d in units and (home is None or not within(units, d, home))]
        if outside:
            raise Forbidden(
                f"you may notify your own department and its wards; {', '.join(outside[:5])} is beyond it "
                f"(only {broadcasters} may notify any unit)"
            )
    if len(staff_ids) > policy.max_named:
        raise Forbidden(f"you may name at most {policy.max_named} colleagues in one notification")


def check_ding(
    policy: NotifyPolicy,
    sender: Sender,
    recipients: int,
    sms_after_minutes: int,
    call_after_minutes: int | None,
    emergency: bool,
) -> None:
    """Refuse a DING the sender may not send: too many people (403), too soon (422), emergency (403)."""
    if recipients > policy.ding_many and not sender.roles & policy.ding_roles:
        allowed = ", ".join(sorted(policy.ding_roles)) or "nobody"
        raise Forbidden(f"a DING to more than {policy.ding_many} people is for {allowed} only")
    if emergency:
        if not sender.roles & policy.emergency_roles:
            raise Forbidden("an emergency DING is not enabled for your role in this hospital")
        return
    if sms_after_minutes < policy.sms_min_minutes:
        raise RuleViolation(
            f"the SMS step comes at least {policy.sms_min_minutes} minutes after sending "
            "(sooner only as an emergency DING, where the hospital enabled it)",
            field="ding.sms_after_minutes",
        )
    if call_after_minutes is not None and call_after_minutes < policy.call_min_minutes:
        raise RuleViolation(
            f"the call step comes at least {policy.call_min_minutes} minutes after sending",
            field="ding.call_after_minutes",
        )


def alert_text(sender_name: str, channel: Literal["sms", "call"]) -> str:
    """The fixed SMS or call text: the sender's name and the app, never words the sender chose."""
    name = sender_name.strip()[:20] or "同事"
    if channel == "sms":
        return f"【{APP_NAME}】{name}给您发来一条紧急工作通知，请打开{APP_NAME}确认。"
    return f"您好，这里是{APP_NAME}。{name}给您发来一条紧急工作通知，请尽快打开{APP_NAME}确认。"


def hour_window(at: datetime) -> tuple[str, int]:
    """The rate window ``at`` falls in (its key) and the seconds until the next one."""
    return at.strftime("%Y-%m-%dT%H"), 3600 - (at.minute * 60 + at.second)


def day_window(at: datetime) -> tuple[str, int]:
    """The day (UTC+8, the hospital's day) ``at`` falls in and the seconds until the next one."""
    local = at + timedelta(hours=8)
    return local.strftime("%Y-%m-%d"), 86400 - (local.hour * 3600 + local.minute * 60 + local.second)
