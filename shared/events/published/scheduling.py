"""Scheduling's events: a roster period submitted for approval (排班审批) or withdrawn from it, a roster
published or disrupted, a swap (换班) requested, cancelled or failed. Thin: ids, dates and the words a
person reads (titles, what moved) — never a patient's or a nurse's personal details beyond their staff
id."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.events.envelope import EventType


class RosterSubmitted(BaseModel):
    """A head nurse submitted a roster period for approval: approvals starts its built-in 排班审批 flow
    for it, as the submitter, and answers with ``approval.roster.decided``."""

    period_id: str
    revision: int = Field(description="the draft's revision submitted (a later edit needs a new submission)")
    ward_ids: list[str]
    title: str = Field(description="what the approval is called, e.g. '心血管内科 2027年1月排班'")
    submitter: str = Field(description="the head nurse's staff id")
    start: date
    end: date = Field(description="the period's last day (included)")
    summary: str = Field("", description="what the approver reads: nurses, shifts, open shifts, cost")


ROSTER_SUBMITTED = EventType(
    "roster.submitted",
    "scheduling",
    RosterSubmitted,
    description="A roster period was submitted for approval (排班审批)",
)


class NurseChange(BaseModel):
    """One nurse whose shifts changed with a published version, and what moved, in words."""

    staff_id: str
    lines: list[str] = Field(
        description="e.g. '12月3日 白班 → 大夜' (at most 20; then '…另有 N 处变动'); on a first version, "
        "her shifts in the period"
    )


class RosterPublished(BaseModel):
    """A roster period published (a new version): the on-duty read model follows it, and the nurses whose
    shifts changed are told (all the period's nurses on version 1)."""

    period_id: str
    version: int
    ward_ids: list[str]
    title: str = Field(description="e.g. '心血管内科 2027年1月排班（第2版）'")
    start: date
    end: date = Field(description="the period's last day (included)")
    published_by: str = Field(description="the staff id who published it")
    changes: list[NurseChange] = Field(default_factory=list)
    below_minimum: int = Field(
        0, description="staffing places below the shifts' minimum in this version (the coverage check)"
    )
    open_shifts: int = Field(0, description="staffing places below the shifts' optimum in this version")


ROSTER_PUBLISHED = EventType(
    "roster.published",
    "scheduling",
    RosterPublished,
    description="A roster period was published (a new version): who works when, and whose shifts changed",
)


class RosterDisrupted(BaseModel):
    """Cells of a live roster a nurse can no longer work (leave approved after publishing, a sick call):
    the ward's rosterers are told that a repair is needed. Thin: who is off by staff id, the days; no
    reason."""

    period_id: str
    disruption_id: str
    kind: str = Field(description="leave (approved after publishing) or sick (a sick call)")
    staff_id: str = Field(description="the nurse who can no longer work the cells")
    days: list[date]
    ward_ids: list[str]
    title: str = Field(description="the roster's title, e.g. '心血管内科 2027年1月排班（第1版）'")
    notify: list[str] = Field(description="the staff ids of the wards' rosterers to tell")
    reported_by: str = Field("", description="who reported a sick call (empty: approvals' leave)")


ROSTER_DISRUPTED = EventType(
    "roster.disrupted",
    "scheduling",
    RosterDisrupted,
    description="Cells of a published roster need a repair (late leave, a sick call): its rosterers are told",
)


class SwapRequested(BaseModel):
    """A nurse proposed a swap, a give-away or taking an open shift (换班) on a published roster, checked by
    every hard rule: approvals starts its built-in 换班 for it, as the proposing nurse (the colleague
    accepts, then the head nurse), and answers with ``approval.swap.decided``."""

    swap_id: str
    period_id: str
    kind: Literal["swap", "give", "take"] = Field(description="swap, give (送班), take (认领空班)")
    proposer: str = Field(description="the proposing nurse's staff id (the approval's submitter)")
    colleague: str | None = Field(
        None, description="the colleague's staff id; none when taking an open shift"
    )
    my_date: date
    their_date: date | None = Field(None, description="the colleague's day of a swap")
    title: str = Field(description="what the approval is called, e.g. '换班：陈思雨 ↔ 李娜（1月5日）'")
    summary: str = Field(description="what moves, in words: '陈思雨 1月5日 白班 → 休；李娜 1月5日 休 → 白班'")
    reason: str = Field("", description="the nurse's reason, as she gave it")


ROSTER_SWAP_REQUESTED = EventType(
    "roster.swap.requested",
    "scheduling",
    SwapRequested,
    description="A nurse proposed a swap, give-away or open shift taken (换班) on a published roster",
)


class SwapFailed(BaseModel):
    """A swap (换班) its approval approved could not be applied — the roster moved under it, the draft
    changed those cells, or a hard rule now refuses it — so the roster stays as it was: its nurses and
    the approver are told why, since each of them believes it done."""

    swap_id: str
    period_id: str
    title: str = Field(description="the swap as the approval named it, e.g. '换班：陈思雨 ↔ 李娜（1月5日）'")
    reason: str = Field(description="why it could not be applied, in words (the rule, the nurse, the day)")
    notify: list[str] = Field(description="the staff ids to tell: its two nurses and its approver")


ROSTER_SWAP_FAILED = EventType(
    "roster.swap.failed",
    "scheduling",
    SwapFailed,
    description="An approved swap could not be applied: its nurses and approver are told why",
)


class SwapCancelled(BaseModel):
    """A nurse called off her swap (换班) while it waited for approval: approvals withdraws its 换班 as
    her, so its approvers no longer see it pending (a decision on it would be ignored)."""

    swap_id: str
    period_id: str
    by: str = Field(description="the staff id who cancelled it (the proposing nurse)")


ROSTER_SWAP_CANCELLED = EventType(
    "roster.swap.cancelled",
    "scheduling",
    SwapCancelled,
    description="A nurse cancelled her swap while it waited for approval: its 换班 is withdrawn",
)


class RosterWithdrawn(BaseModel):
    """A head nurse took a submitted roster period back to draft: approvals withdraws the 排班审批 of the
    revision submitted, so its approvers no longer see it pending (a decision on it would be ignored)."""

    period_id: str
    revision: int = Field(description="the revision that was submitted (its approval is the one withdrawn)")
    by: str = Field(description="the staff id who withdrew it")


ROSTER_WITHDRAWN = EventType(
    "roster.withdrawn",
    "scheduling",
    RosterWithdrawn,
    description="A submitted roster period was withdrawn to draft: its 排班审批 is withdrawn",
)

# Every type scheduling publishes, in the order its schemas are listed.
SCHEDULING_EVENTS: tuple[EventType[Any], ...] = (
    ROSTER_SUBMITTED,
    ROSTER_PUBLISHED,
    ROSTER_DISRUPTED,
    ROSTER_SWAP_REQUESTED,
    ROSTER_SWAP_FAILED,
    ROSTER_SWAP_CANCELLED,
    ROSTER_WITHDRAWN,
)
