"""Swaps and give-aways (换班) on the live roster (the rules: ``domain/swaps.py``).

- ``propose``: a nurse of a published period proposes, for her own cells, a swap with a colleague, a
  give-away or taking an open shift; checked at once by every hard rule an amendment is judged by, for
  both nurses (``amendments.preview_live``), stored ``requested`` and sent to approvals as
  ``roster.swap.requested`` (approvals starts its 换班 as her: the colleague accepts, the head nurse
  approves, and answers ``approval.swap.decided``).
- ``record_decision`` (the ``swap-decisions`` consumer): approved → ``amendments.amend_live`` (a new
  version, ONE ``roster.published``: the on-duty read model and the two nurses' notices follow) and the
  swap ``applied``, in the consumer's one transaction with its inbox marker; a roster that moved under
  it or a rule it now breaks → ``failed`` with the reason; rejected / withdrawn / failed → that state.
  Only a ``requested`` swap moves on: a decision heard twice changes nothing.
- ``cancel`` (the proposer, while requested: ``roster.swap.cancelled``, on which approvals withdraws
  its 换班) and ``reverse`` (either nurse of an applied swap: a new swap of the same cells the other way
  round, through the same approval).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from chalicelib.scheduling.contracts import swaps as api
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain import swaps as rules_swap
from chalicelib.scheduling.domain.amendments import CellMove
from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.ports import Directory
from chalicelib.scheduling.domain.swaps import Swap, SwapCell
from chalicelib.scheduling.service import access, amendments, periods, wiring
from chalicelib.scheduling.service.amendments import Actor, Live

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.events.published.approvals import SWAP_DECIDED
from shared.events.published.scheduling import (
    ROSTER_SWAP_CANCELLED,
    ROSTER_SWAP_FAILED,
    ROSTER_SWAP_REQUESTED,
    SwapCancelled,
    SwapFailed,
    SwapRequested,
)
from shared.observability import logger as make_logger
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork
from shared.problems import FieldError, Problem

logger = make_logger("swaps")
NO_APPROVER = "审批结果未注明审批人，换班未能生效，请重新提出"
DRAFT_CHANGED = "护士长在发布后已在排班草稿中改动了这些班次，换班未能生效，请联系护士长"


def _view(s: Swap) -> api.Swap:
    return api.Swap(
        id=s.id,
        period_id=s.period_id,
        period_title=s.period_title,
        kind=s.kind,
        kind_name=rules_swap.KIND_NAMES[s.kind],
        state=s.state,
        state_name=rules_swap.STATE_NAMES[s.state],
        proposer_id=s.proposer_id,
        proposer_name=s.proposer_name,
        colleague_id=s.colleague_id,
        colleague_name=s.colleague_name,
        my_date=s.my_date,
        their_date=s.their_date,
        cells=[
            api.SwapCell(
                staff_id=c.staff_id,
                staff_name=c.staff_name,
                date=c.day,
                before=c.before,
                before_name=c.before_name,
                after=c.after,
                after_name=c.after_name,
            )
            for c in s.cells
        ],
        summary=s.summary(),
        version=s.version,
        applied_version=s.applied_version,
        reason=s.reason,
        decision_reason=s.decision_reason or None,
        approval_instance_id=s.instance_id or None,
        decided_by=s.decided_by or None,
        decided_by_name=s.decided_by_name or None,
        decided_at=s.decided_at,
        reverses=s.reverses,
        created_at=s.created_at,
    )


def _refusal(cells: tuple[SwapCell, ...]) -> Callable[[rules.EditRefused], Problem]:
    where = {(c.staff_id, c.day): i for i, c in enumerate(cells)}

    def refuse(refused: rules.EditRefused) -> Problem:
        errors = [
            FieldError(f"cells[{where.get((f.staff_id, f.day), 0)}]", f.text(), f.rule)
            for f in refused.faults
        ]
        return Problem(
            422,
            "roster-rule-violated",
            "Roster rule violated",
            f"the swap breaks a hard rule: {refused.faults[0].text()}",
            errors,
        )

    return refuse


def _not_past(days: list[date], today: date) -> None:
    if any(d < today for d in days):
        raise RuleViolation("a day already past cannot be swapped", field="my_date")


def _open_places(live: Live, staff_id: str) -> dict[tuple[date, str], int]:
    """(day, shift) → the places below the day's optimal on the live roster that ``staff_id`` could fill
    (those of the skills she has)."""
    problem = live.ctx.problem
    skills = set(problem.nurse(staff_id).skills)
    out: dict[tuple[date, str], int] = {}
    for c in rules.coverage(problem, rules.roster_of(problem, live.rows.values())):
        if c.skill in skills:
            out[(c.day, c.shift)] = out.get((c.day, c.shift), 0) + max(0, c.optimal - c.count)
    return out


def _title(kind: str, cells: tuple[SwapCell, ...], reverses: str | None) -> str:
    people = list(dict.fromkeys(c.staff_name for c in cells))
    day = rules.day_label(rules_swap.first_day(cells))
    what = rules_swap.KIND_NAMES[kind]
    return f"{'撤销' if reverses else ''}{what}：{' ↔ '.join(people)}（{day}）"


def _submit(
    principal: Principal,
    store: PeriodStore,
    live: Live,
    swap: Swap,
) -> api.Swap:
    """Judge the swap's cells on the live roster (both nurses: every hard rule an amendment is judged by),
    refuse a cell already in a swap waiting for approval, then store it ``requested`` and send it to
    approvals, in one transaction."""
    rules_swap.require_not_pending(swap.cells, store.swaps.of_period(swap.period_id))
    amendments.preview_live(
        store,
        principal.tenant,
        swap.period_id,
        swap.changes(),
        _refusal(swap.cells),
        live=live,
    )
    store.swaps.add(swap)
    store.uow.emit(
        ROSTER_SWAP_REQUESTED.envelope(
            principal.tenant,
            SwapRequested(
                swap_id=swap.id,
                period_id=swap.period_id,
                kind=swap.kind,
                proposer=swap.proposer_id,
                colleague=swap.colleague_id,
                my_date=swap.my_date,
                their_date=swap.their_date,
                title=_title(swap.kind, swap.cells, swap.reverses),
                summary=swap.summary(),
                reason=swap.reason,
            ),
        )
    )
    store.uow.audit(
        "roster.swap.request",
        "roster_swap",
        swap.id,
        after={
            "period_id": swap.period_id,
            "kind": swap.kind,
            "version": swap.version,
            "reverses": swap.reverses,
            "cells": [
                CellMove(
                    c.staff_id,
                    c.staff_name,
                    c.day,
                    c.before,
                    c.after,
                    c.before_name if c.before else "",
                    c.after_name if c.after else "",
                ).as_audit()
                for c in swap.cells
            ],
        },
    )
    store.uow.commit()
    return _view(swap)


def propose(
    principal: Principal,
    period_id: str,
    body: api.ProposeSwap,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    today: date | None = None,
) -> api.Swap:
    """201 with the swap ``requested``. Refused: not a nurse of the period (403); the period never
    published, a cell already in a swap waiting for approval (409); a day past or outside the period, a
    shift she does not work, a colleague not free, no open place, a hard rule broken for either nurse
    (422, naming the rule, the nurse and the day)."""
    store = periods._store(principal, request_id, store)
    live = amendments.read_live(store, principal.tenant, period_id)
    me = principal.staff
    if me is None or me not in live.rows or me not in {n.id for n in live.ctx.problem.nurses}:
        raise Forbidden("swaps are proposed by the nurses of the roster period, for their own shifts")
    _not_past([body.my_date, *([body.their_date] if body.their_date else [])], today or periods.local_today())
    period = live.period
    for day in (body.my_date, body.their_date):
        if day is not None and not period.start <= day <= period.end:
            raise RuleViolation(
                f"{day.isoformat()} is not a day of the roster period "
                f"({period.start.isoformat()} to {period.end.isoformat()})",
                field="my_date",
            )
    names = {s.code: s.name for s in live.ctx.shifts}
    cells = rules_swap.proposed_cells(
        body.kind,
        live.rows,
        names,
        me,
        body.my_date,
        body.colleague_id,
        body.their_date,
        body.shift,
        _open_places(live, me) if body.kind == "take" else {},
    )
    colleague = live.rows[body.colleague_id] if body.colleague_id else None
    swap = Swap(
        id=wiring.new_id(),
        period_id=period.id,
        period_title=rules.title(period.ward_names, period.start, period.end),
        ward_ids=period.ward_ids,
        kind=body.kind,
        state="requested",
        proposer_id=me,
        proposer_name=live.rows[me].staff_name or principal.staff_name or "",
        colleague_id=colleague.staff_id if colleague else None,
        colleague_name=colleague.staff_name if colleague else None,
        my_date=body.my_date,
        their_date=body.their_date if body.kind == "swap" else None,
        cells=tuple(cells),
        version=period.version,
        created_at=now_utc(),
        reason=body.reason,
    )
    return _submit(principal, store, live, swap)


# --- reading ------------------------------------------------------------------------------------------


def _rosters(principal: Principal, ward_ids: tuple[str, ...], directory: Directory | None) -> bool:
    if not principal.has_any_role(access.ROSTERING_ROLES):
        return False
    try:
        return access.read_rostering(principal, ward_ids, directory or wiring.directory())
    except Forbidden:
        return False


def _found(store: PeriodStore, swap_id: str) -> Swap:
    swap = store.swaps.get(swap_id)
    if swap is None:
        raise NotFound("swap")
    return swap


def _visible(principal: Principal, store: PeriodStore, swap_id: str, directory: Directory | None) -> Swap:
    """The swap, to its two nurses and the period's rosterers; anyone else finds nothing (404)."""
    swap = _found(store, swap_id)
    if swap.involves(principal.staff) or _rosters(principal, swap.ward_ids, directory):
        return swap
    raise NotFound("swap")


def get_swap(
    principal: Principal, swap_id: str, store: PeriodStore | None = None, directory: Directory | None = None
) -> api.Swap:
    store = store or wiring.period_store(principal, None)
    return _view(_visible(principal, store, swap_id, directory))


def list_swaps(
    principal: Principal,
    period_id: str,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.SwapList:
    """The period's swaps, oldest first: every one for its rosterers, her own (proposed or named in) for
    anyone else who reads the ward (403 for who does not)."""
    store = store or wiring.period_store(principal, None)
    period = periods._header(store, period_id)
    everyone = access.read_rostering(principal, period.ward_ids, directory or wiring.directory())
    shown = [s for s in store.swaps.of_period(period_id) if everyone or s.involves(principal.staff)]
    return api.SwapList(items=[_view(s) for s in shown])


# --- cancel and reverse -----------------------------------------------------------------------------------


def cancel(
    principal: Principal,
    swap_id: str,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Swap:
    """The proposer calls it off while it is requested: ``roster.swap.cancelled`` in the same transaction,
    on which approvals withdraws its 换班 (its approvers no longer see it; a decision that crossed it is
    ignored here, the swap being no longer requested). Her colleague or a rosterer: 403; anyone else: 404."""
    store = periods._store(principal, request_id, store)
    swap = _visible(principal, store, swap_id, directory)
    if swap.proposer_id != principal.staff:
        raise Forbidden("only the nurse who proposed a swap cancels it")
    rules_swap.require_state(swap, "requested")
    updated = replace(
        swap,
        state="cancelled",
        revision=swap.revision + 1,
        decision_reason="提出人已取消",
        decided_by=principal.staff or "",
        decided_by_name=swap.proposer_name,
        decided_at=now_utc(),
    )
    store.swaps.save(updated, swap.revision)
    store.uow.emit(
        ROSTER_SWAP_CANCELLED.envelope(
            principal.tenant,
            SwapCancelled(swap_id=swap.id, period_id=swap.period_id, by=str(principal.staff)),
        )
    )
    store.uow.audit("roster.swap.cancel", "roster_swap", swap.id, before={"state": swap.state})
    store.uow.commit()
    return _view(updated)


def reverse(
    principal: Principal,
    swap_id: str,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
    today: date | None = None,
) -> api.Swap:
    """201 with a new swap ``requested``: the applied swap's cells the other way round, proposed by one of
    its two nurses, judged and approved the same way. Refused: a swap not applied (409), a cell the
    roster has moved since it was applied (409), a day past (422), a hard rule (422)."""
    store = periods._store(principal, request_id, store)
    swap = _visible(principal, store, swap_id, directory)
    if not swap.involves(principal.staff):
        raise Forbidden("a swap is reversed by one of its nurses")
    rules_swap.require_state(swap, "applied")
    cells = rules_swap.reversal_cells(swap)
    _not_past([c.day for c in cells], today or periods.local_today())
    live = amendments.read_live(store, principal.tenant, swap.period_id)
    me = str(principal.staff)
    other = swap.colleague_id if me == swap.proposer_id else swap.proposer_id
    mine_first = me == swap.proposer_id
    reversal = Swap(
        id=wiring.new_id(),
        period_id=swap.period_id,
        period_title=swap.period_title,
        ward_ids=swap.ward_ids,
        kind=swap.kind,
        state="requested",
        proposer_id=me,
        proposer_name=swap.proposer_name if mine_first else str(swap.colleague_name),
        colleague_id=other,
        colleague_name=swap.colleague_name if mine_first else swap.proposer_name,
        my_date=swap.my_date if mine_first else (swap.their_date or swap.my_date),
        their_date=swap.their_date if mine_first else (swap.my_date if swap.their_date else None),
        cells=cells,
        version=live.period.version,
        created_at=now_utc(),
        reason=f"撤销{rules_swap.KIND_NAMES[swap.kind]}",
        reverses=swap.id,
    )
    rules_swap.require_unchanged(reversal, live.rows)
    return _submit(principal, store, live, reversal)


# --- approvals' decision ------------------------------------------------------------------------------


def record_decision(
    envelope: EventEnvelope,
    uow: UnitOfWork,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> None:
    """approval.swap.decided → the swap applied as a new version of the live roster, or its state with the
    reason (module docstring). Committed by the consumer with its inbox marker."""
    data = SWAP_DECIDED.parse(envelope)
    tenant = envelope.tenant
    store = store or wiring.consumer_period_store(tenant, uow)
    swap = store.swaps.get(data.swap_id)
    if swap is None or swap.state != "requested" or swap.period_id != data.period_id:
        logger.info(
            "swap decision ignored",
            extra={"swap_id": data.swap_id, "outcome": data.outcome, "state": swap.state if swap else None},
        )
        return
    person = (directory or wiring.directory()).staff(tenant, data.by) if data.by else None
    by_name = person.name if person is not None else ""
    decided = replace(
        swap,
        revision=swap.revision + 1,
        instance_id=data.instance_id,
        decided_by=data.by,
        decided_by_name=by_name,
        decided_at=now_utc(),
    )
    if data.outcome != "approved":
        reason = data.reason or rules_swap.DEFAULT_REASONS[data.outcome]
        store.swaps.save(replace(decided, state=data.outcome, decision_reason=reason), swap.revision)
        return
    live = amendments.read_live(store, tenant, swap.period_id)
    moved = rules_swap.changed_since(swap, live.rows)
    failure = ""
    if not data.by:  # approvals names who approved; without it no version can say who published it
        failure = NO_APPROVER
    elif moved:
        failure = rules_swap.CHANGED_SINCE.format("；".join(c.words() for c in moved))
    else:
        try:
            done = amendments.amend_live(
                store,
                tenant,
                swap.period_id,
                swap.changes(),
                Actor(data.by, by_name),
                "roster.swap",
                {"swap_id": swap.id, "kind": swap.kind, "reverses": swap.reverses},
                _refusal(swap.cells),
                live=live,
                commit=False,
            )
        except Problem as refused:  # a hard rule the roster as it is now makes the swap break
            failure = "换班违反硬性规则：" + "；".join(e.message for e in refused.errors)
        except Conflict:  # the head nurse changed one of those cells in the draft since publishing
            failure = DRAFT_CHANGED
    if failure:
        logger.info("approved swap failed", extra={"swap_id": swap.id, "reason": failure})
        store.swaps.save(replace(decided, state="failed", decision_reason=failure), swap.revision)
        told = [s for s in (swap.proposer_id, swap.colleague_id, data.by) if s]
        store.uow.emit(
            ROSTER_SWAP_FAILED.envelope(
                tenant,
                SwapFailed(
                    swap_id=swap.id,
                    period_id=swap.period_id,
                    title=_title(swap.kind, swap.cells, swap.reverses),
                    reason=failure,
                    notify=list(dict.fromkeys(told)),
                ),
            )
        )
        return
    applied = replace(decided, state="applied", applied_version=done.snapshot.version)
    store.swaps.save(applied, swap.revision)
