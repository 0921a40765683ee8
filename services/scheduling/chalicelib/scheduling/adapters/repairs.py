"""Disruptions of a live roster on DynamoDB: ``<t>#period#<id>`` / ``disruption#<id>``, in the period's
partition but outside the grid's range (``period`` … ``row#~``) and the versions' (``version#``), so the
grid stays one Query and a period's disruptions are another. Each is versioned by its ``revision``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.scheduling.adapters.dynamodb import _writes
from chalicelib.scheduling.adapters.periods import period_partition
from chalicelib.scheduling.domain.repairs import Affected, Disruption, Move, Proposal
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.errors import Conflict
from shared.persistence.models import TenantItem, table_meta
from shared.persistence.paging import decode_cursor, one_page
from shared.persistence.uow import UnitOfWork

PREFIX = "disruption#"
CHANGED = "the disruption changed meanwhile; reload it"


class DisruptionItem(TenantItem):
    ENTITY = "roster_disruption"
    Meta = table_meta("scheduling")
    period_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    staff_name = UnicodeAttribute(default="")
    state = UnicodeAttribute()
    number = NumberAttribute()  # the live version it was flagged on
    revision = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    data = UnicodeAttribute()  # JSON: cells, who, leave, reason, proposal, resolution


def _proposal_json(p: Proposal | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "state": p.state,
        "version": p.version,
        "job_id": p.job_id,
        "moves": [
            [
                m.staff_id,
                m.staff_name,
                m.day.isoformat(),
                m.before,
                m.after,
                m.after_skill,
                m.before_name,
                m.after_name,
            ]
            for m in p.moves
        ],
        "cost_before": p.cost_before,
        "cost_after": p.cost_after,
        "asked_by": p.asked_by,
        "asked_by_name": p.asked_by_name,
        "reason": p.reason,
    }


def _proposal(d: dict[str, Any] | None) -> Proposal | None:
    if not d:
        return None
    return Proposal(
        state=d["state"],
        version=int(d["version"]),
        job_id=d.get("job_id", ""),
        moves=tuple(
            Move(s, n, date.fromisoformat(day), b, a, k, bn, an)
            for s, n, day, b, a, k, bn, an in d.get("moves", [])
        ),
        cost_before=d.get("cost_before"),
        cost_after=d.get("cost_after"),
        asked_by=d.get("asked_by", ""),
        asked_by_name=d.get("asked_by_name", ""),
        reason=d.get("reason", ""),
    )


def _item(tenant: str, x: Disruption) -> DisruptionItem:
    data = {
        "cells": [[c.day.isoformat(), c.shift, c.skill, c.shift_name] for c in x.cells],
        "created_by": x.created_by,
        "created_by_name": x.created_by_name,
        "leave_id": x.leave_id,
        "leave_type": x.leave_type,
        "reason": x.reason,
        "proposal": _proposal_json(x.proposal),
        "resolved_version": x.resolved_version,
        "resolved_at": x.resolved_at.isoformat() if x.resolved_at else None,
        "resolved_by": x.resolved_by,
        "resolved_by_name": x.resolved_by_name,
    }
    return DisruptionItem.new(
        tenant,
        PREFIX + x.id,
        pk=period_partition(tenant, x.period_id),
        period_id=x.period_id,
        kind=x.kind,
        staff_id=x.staff_id,
        staff_name=x.staff_name,
        state=x.state,
        number=x.version,
        revision=x.revision,
        created_at=x.created_at,
        data=json.dumps(data, ensure_ascii=False),
    )


def _disruption(item: DisruptionItem) -> Disruption:
    from datetime import datetime

    data = json.loads(item.data)
    at = data.get("resolved_at")
    return Disruption(
        id=item.sk.removeprefix(PREFIX),
        period_id=item.period_id,
        kind=item.kind,  # type: ignore[arg-type]
        staff_id=item.staff_id,
        staff_name=item.staff_name or "",
        cells=tuple(Affected(date.fromisoformat(d), s, k, n) for d, s, k, n in data.get("cells", [])),
        version=int(item.number),
        created_at=item.created_at,
        created_by=data.get("created_by", ""),
        created_by_name=data.get("created_by_name", ""),
        leave_id=data.get("leave_id", ""),
        leave_type=data.get("leave_type", ""),
        reason=data.get("reason", ""),
        state=item.state,  # type: ignore[arg-type]
        proposal=_proposal(data.get("proposal")),
        resolved_version=data.get("resolved_version"),
        resolved_at=datetime.fromisoformat(at) if at else None,
        resolved_by=data.get("resolved_by", ""),
        resolved_by_name=data.get("resolved_by_name", ""),
        revision=int(item.revision),
    )


@dataclass
class DynamoDisruptions:
    """``DisruptionRepository``: create-only, then each change conditioned on the revision read."""

    tenant: str
    uow: UnitOfWork | None

    def add(self, disruption: Disruption) -> None:
        _writes(self.uow).create(
            _item(self.tenant, disruption), on_conflict=Conflict("the disruption is recorded already")
        )

    def get(self, period_id: str, disruption_id: str) -> Disruption | None:
        try:
            return _disruption(
                DisruptionItem.get(period_partition(self.tenant, period_id), PREFIX + disruption_id)
            )
        except DisruptionItem.DoesNotExist:
            return None

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[Disruption], str | None]:
        partition = period_partition(self.tenant, period_id)
        result = DisruptionItem.query(
            partition,
            DisruptionItem.sk.startswith(PREFIX),
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(cursor, partition),
        )
        items, next_cursor = one_page(DisruptionItem, result)
        return [_disruption(i) for i in items], next_cursor

    def save(self, disruption: Disruption, base_revision: int) -> None:
        _writes(self.uow).save(
            _item(self.tenant, disruption),
            condition=DisruptionItem.revision == base_revision,
            on_conflict=Conflict(CHANGED),
        )
