"""Who is on duty now: the roster read model that scheduling feeds with its published rosters.

Messaging routes notifications to "whoever is on duty on ward W now" and approvals resolves
"on-duty approver" steps through this one interface. Until a ward has a published roster the answer
is *no one, and here is why* — callers fall back (e.g. to the head nurse) instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.persistence.models import TenantItem, table_meta, tenant_key


@dataclass(frozen=True)
class OnDuty:
    staff_ids: tuple[str, ...]
    known: bool
    reason: str = ""


class OnDutyShift(TenantItem):
    """One published shift of one ward: written by scheduling when a roster is published (from the
    ``roster.published`` event, replacing the period's previous version; see docs/scheduling.md)."""

    ENTITY: ClassVar[str] = "onduty_shift"
    Meta = table_meta("scheduling")
    ward_id = UnicodeAttribute()
    shift_code = UnicodeAttribute()
    starts_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    staff_ids = ListAttribute(of=UnicodeAttribute, default=list)
    # Written since rostering publishes (optional, so older items still read): where it came from, the
    # local day it belongs to, and the words a person reads (the shift's name, the people's names).
    period_id = UnicodeAttribute(null=True)
    day = UnicodeAttribute(null=True)
    shift_name = UnicodeAttribute(null=True)
    staff_names = ListAttribute(of=UnicodeAttribute, null=True)

    @staticmethod
    def partition(tenant: str, ward_id: str) -> str:
        return tenant_key(tenant, "onduty", ward_id)

    @staticmethod
    def sort_key(starts_at: datetime, shift_code: str) -> str:
        return f"{starts_at.astimezone(UTC).isoformat()}#{shift_code}"


# No shift lasts longer than this, so one Query over [at - MAX_SHIFT, at] finds every shift covering at.
MAX_SHIFT = timedelta(hours=24)


def on_duty(tenant: str, ward_id: str, at: datetime) -> OnDuty:
    """The staff on duty on ``ward_id`` at ``at`` (timezone-aware), from one Query."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    low = OnDutyShift.sort_key(at - MAX_SHIFT, "")
    high = OnDutyShift.sort_key(at, "~")
    shifts = [
        s
        for s in OnDutyShift.query(OnDutyShift.partition(tenant, ward_id), OnDutyShift.sk.between(low, high))
        if s.starts_at <= at < s.ends_at
    ]
    if not shifts:
        return OnDuty((), known=False, reason="no published roster covers this ward at this time")
    ids = tuple(dict.fromkeys(str(staff) for s in shifts for staff in s.staff_ids))
    return OnDuty(ids, known=True)
