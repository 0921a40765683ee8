"""A roster period's change history: the audit trail of the period, for its wards' rosterers and the heads
of their units (it can hold reasons a ward's nurses do not read)."""

from __future__ import annotations

from typing import Any

from chalicelib.scheduling.contracts import history as api
from chalicelib.scheduling.domain import history as rules
from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.ports import AuditTrail, Directory, TrailEntry
from chalicelib.scheduling.service import access, wiring
from chalicelib.scheduling.service.periods import _header

from shared import i18n
from shared.auth import Principal
from shared.pages import Page


def _entry(e: TrailEntry, zh: bool) -> api.HistoryEntry:
    after: dict[str, Any] = dict(e.after or {})
    return api.HistoryEntry(
        at=e.at,
        action=e.action,
        action_name=rules.action_name(e.action, zh),
        by=str(after.get("by") or e.actor),
        by_name=after.get("by_name") or e.actor_name,
        revision=after.get("revision"),
        version=after.get("version"),
        cells=[api.CellMoved.model_validate(c) for c in after.get("cells", [])],
        cells_more=int(after.get("cells_more", 0)),
        details=rules.details(after),
    )


def period_history(
    principal: Principal,
    period_id: str,
    query: api.HistoryQuery,
    language: str | None = None,
    store: PeriodStore | None = None,
    trail: AuditTrail | None = None,
    directory: Directory | None = None,
) -> Page[api.HistoryEntry]:
    """Newest first, one Query a page."""
    store = store or wiring.period_store(principal, None)
    period = _header(store, period_id)
    access.require_overseer(principal, period.ward_ids, directory or wiring.directory())
    entries, cursor = (trail or wiring.audit_trail(principal.tenant)).page(
        "roster_period", period.id, query.limit, query.cursor
    )
    zh = i18n.language(language) == i18n.ZH
    return Page[api.HistoryEntry](items=[_entry(e, zh) for e in entries], next_cursor=cursor)
