"""A person's leave book: the leave they have asked for or been granted, so a second request for the
same time is refused (halves respected: a morning and an afternoon of the same day do not overlap).

An approval of the leave template holds its interval while it is pending or approved; rejected,
withdrawn, returned (until resubmitted) or cancelled (销假), it frees it."""

from __future__ import annotations

from chalicelib.approvals.domain.builtin_templates import LEAVE
from chalicelib.approvals.domain.engine import Instance
from chalicelib.approvals.domain.forms import date_span
from chalicelib.approvals.domain.records import LeaveBook, LeaveEntry

from shared.errors import Conflict

HOLDS = frozenset({"pending", "approved"})


def entry_of(inst: Instance | None) -> LeaveEntry | None:
    """The interval ``inst`` holds in its submitter's book (None: not leave, or it holds none now)."""
    if inst is None or inst.submission.template_code != LEAVE or inst.status not in HOLDS:
        return None
    span = date_span(inst.form.get("period"))
    if span is None:
        return None
    return LeaveEntry(
        instance_id=inst.id,
        title=inst.submission.title,
        status=inst.status,
        start=span.start,
        end=span.end,
        start_half=span.start_half,
        end_half=span.end_half,
    )


def check_free(book: LeaveBook, entry: LeaveEntry) -> None:
    """Refuse ``entry`` when another request in the book covers any half day of it, naming that one."""
    for other in book.entries:
        if other.instance_id != entry.instance_id and other.span.overlaps(entry.span):
            state = "已批准" if other.status == "approved" else "审批中"
            raise Conflict(
                f"overlaps your leave 「{other.title}」 {other.span.label()} ({state}, approval"
                f" {other.instance_id}): cancel or withdraw it first, or choose other dates"
            )
