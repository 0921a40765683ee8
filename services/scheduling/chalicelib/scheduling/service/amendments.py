"""Amending the live roster (``domain/amendments.py``): the one path by which a published roster changes
without going back through draft and approval — an approved swap (换班), an accepted repair after late
leave or a sick call. Each amendment is a new version: its snapshot, ONE ``roster.published`` naming only
the nurses whose shifts moved (the on-duty read model and their notifications follow), the draft carried
along, and an audit record with who, when and every cell before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from chalicelib.scheduling.domain import amendments as rules_amend
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain.amendments import CellMove
from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.periods import NurseRow, PeriodRecord, Snapshot
from chalicelib.scheduling.service.periods import Context, _context, _sheet, _snapshot

from shared.errors import Conflict
from shared.events.published.scheduling import ROSTER_PUBLISHED, NurseChange, RosterPublished
from shared.persistence.models import now_utc
from shared.problems import Problem


@dataclass(frozen=True)
class Amended:
    """What an amendment made: the period after it, its new version and the cells that moved."""

    period: PeriodRecord
    snapshot: Snapshot
    moves: list[CellMove]


@dataclass(frozen=True)
class Actor:
    """Who the amendment is made by, as people read it (the head nurse accepting a repair, the approver
    of a swap): recorded on the version and in the audit."""

    staff_id: str
    staff_name: str


@dataclass(frozen=True)
class _Prepared:
    period: PeriodRecord
    live: Snapshot
    ctx: Context
    before: dict[str, NurseRow]
    after: dict[str, NurseRow]
    moves: list[CellMove]


@dataclass(frozen=True)
class Live:
    """The live version of a period as the rules see it, read once: its header, the version, the period
    as the rules see it, and every nurse's live row (``read_live``). A caller that must look at the live
    cells before deciding the changes (a swap: who works what) passes it on to ``preview_live`` /
    ``amend_live`` instead of having them read it again."""

    period: PeriodRecord
    version: Snapshot
    ctx: Context
    rows: dict[str, NurseRow]


def read_live(store: PeriodStore, tenant: str, period_id: str) -> Live:
    """The live version of ``period_id``; Conflict when it was never published."""
    period, rows, _ = _sheet(store, period_id)
    if period.version == 0:
        raise Conflict("the roster period is not published yet: change its draft instead")
    live = store.versions.get(period.id, period.version)
    if live is None:  # written with the header in one transaction
        raise LookupError(f"version {period.version} of roster period {period.id} is not stored")
    ctx = _context(tenant, period, rows, store)
    return Live(period, live, ctx, rules_amend.live_rows(live, ctx.rows))


def _prepare(
    store: PeriodStore,
    tenant: str,
    period_id: str,
    changes: Sequence[rules.Change],
    refusal: Callable[[rules.EditRefused], Problem],
    expected_version: int | None,
    live: Live | None = None,
) -> _Prepared:
    current = live or read_live(store, tenant, period_id)
    period = current.period
    if expected_version is not None and period.version != expected_version:
        raise Conflict(
            f"the published roster is at version {period.version}, not {expected_version}; "
            "the change was made on another version"
        )
    before = current.rows
    names = {k: r.staff_name for k, r in before.items()}
    try:
        after = rules.apply_changes(current.ctx.problem, current.ctx.shifts, before, changes, names)
    except rules.EditRefused as refused:
        raise refusal(refused) from refused
    moved = rules_amend.moves(before, after, {s.code: s.name for s in current.ctx.shifts})
    return _Prepared(period, current.version, current.ctx, before, after, moved)


def preview_live(
    store: PeriodStore,
    tenant: str,
    period_id: str,
    changes: Sequence[rules.Change],
    refusal: Callable[[rules.EditRefused], Problem],
    expected_version: int | None = None,
    live: Live | None = None,
) -> list[CellMove]:
    """What ``amend_live`` would move, refused the same ways, writing nothing (a swap checked before it
    goes to approval, a repair shown as a diff). ``live``: the live version already read (``read_live``)."""
    return _prepare(store, tenant, period_id, changes, refusal, expected_version, live).moves


def amend_live(
    store: PeriodStore,
    tenant: str,
    period_id: str,
    changes: Sequence[rules.Change],
    actor: Actor,
    action: str,
    note: Mapping[str, object],
    refusal: Callable[[rules.EditRefused], Problem],
    expected_version: int | None = None,
    live: Live | None = None,
    commit: bool = True,
) -> Amended:
    """Apply ``changes`` to the live version of ``period_id`` as version n+1, in the store's unit of work
    (committed here). Refused: a period never published (409), a live version other than
    ``expected_version`` (409: the proposal was made on another version), a hard rule broken by a changed
    cell (``refusal``), a cell the draft has changed since (409). ``live``: the live version already read
    (``read_live``); ``commit=False`` leaves the unit of work for the caller to add its own writes to (a
    swap marked applied in the same transaction) and commit: every refusal is raised before anything is
    staged."""
    p = _prepare(store, tenant, period_id, changes, refusal, expected_version, live)
    period, held, ctx, before, after, moved = p.period, p.live, p.ctx, p.before, p.after, p.moves
    draft = rules_amend.carried_into_draft(ctx.rows, before, after, changes)
    changed_rows = [r for k, r in draft.items() if dict(r.cells) != dict(ctx.rows[k].cells)]
    at = now_utc()
    version = period.version + 1
    revision = period.revision + 1 if changed_rows else period.revision
    submitted = period.submitted_revision
    if changed_rows and submitted == period.revision:  # a roster waiting for approval carries it too
        submitted = revision
    updated = replace(
        period,
        revision=revision,
        version=version,
        submitted_revision=submitted,
        published_at=at,
        published_by=actor.staff_id,
        published_by_name=actor.staff_name,
    )
    shown = replace(ctx, period=updated, rows=after)
    snapshot = _snapshot(shown, version, actor.staff_id, actor.staff_name, at)
    store.periods.save(updated, period.revision, changed_rows, relist=False)
    store.versions.add(snapshot)
    lines = rules.changes_between(held, snapshot)
    store.uow.emit(
        ROSTER_PUBLISHED.envelope(
            tenant,
            RosterPublished(
                period_id=period.id,
                version=version,
                ward_ids=list(period.ward_ids),
                title=rules.title(period.ward_names, period.start, period.end, version),
                start=period.start,
                end=period.end,
                published_by=actor.staff_id,
                changes=[NurseChange(staff_id=s, lines=text) for s, text in lines],
            ),
        )
    )
    store.uow.audit(
        action,
        "roster_period",
        period.id,
        before={"version": period.version},
        after={
            **note,
            "version": version,
            "by": actor.staff_id,
            "by_name": actor.staff_name,
            **rules_amend.audit_cells(moved),
        },
    )
    if commit:
        store.uow.commit()
    return Amended(updated, snapshot, moved)
