"""Nurses' swaps on DynamoDB (``domain/swaps.py`` says what a swap is).

Keys (the scheduling table): ``<t>#swap#<id>`` / ``swap``: the swap (its state and revision as
attributes for the conditions, the rest as JSON). The item carries the index key ``gsi1pk =
<t>#period#<period_id>#swaps`` / ``gsi1sk = <created_at>#<id>``, so a period's swaps are one Query of
the index (tenant first like every key; eventually consistent: a swap shows in the list a moment after
it is made, while ``GET /swaps/{id}`` finds it at once).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.scheduling.adapters.dynamodb import _writes
from chalicelib.scheduling.domain.swaps import Swap, SwapCell
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from shared.errors import Conflict
from shared.persistence.models import Gsi1, TenantItem, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork

SWAP = "swap"


class SwapItem(TenantItem):
    ENTITY = "roster_swap"
    Meta = table_meta("scheduling")
    state = UnicodeAttribute()
    revision = NumberAttribute()
    data = UnicodeAttribute()  # JSON: everything else of the swap
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_period = Gsi1()

    @staticmethod
    def partition(tenant: str, swap_id: str) -> str:
        return tenant_key(tenant, "swap", swap_id)

    @staticmethod
    def period_key(tenant: str, period_id: str) -> str:
        return tenant_key(tenant, "period", period_id, "swaps")


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _data(s: Swap) -> dict[str, Any]:
    return {
        "id": s.id,
        "period_id": s.period_id,
        "period_title": s.period_title,
        "ward_ids": list(s.ward_ids),
        "kind": s.kind,
        "proposer_id": s.proposer_id,
        "proposer_name": s.proposer_name,
        "colleague_id": s.colleague_id,
        "colleague_name": s.colleague_name,
        "my_date": s.my_date.isoformat(),
        "their_date": s.their_date.isoformat() if s.their_date else None,
        "cells": [
            [c.staff_id, c.staff_name, c.day.isoformat(), c.before, c.after, c.before_name, c.after_name]
            for c in s.cells
        ],
        "version": s.version,
        "created_at": s.created_at.isoformat(),
        "reason": s.reason,
        "reverses": s.reverses,
        "applied_version": s.applied_version,
        "decision_reason": s.decision_reason,
        "instance_id": s.instance_id,
        "decided_by": s.decided_by,
        "decided_by_name": s.decided_by_name,
        "decided_at": _when(s.decided_at),
    }


def _swap(item: SwapItem) -> Swap:
    d = json.loads(item.data)
    return Swap(
        id=d["id"],
        period_id=d["period_id"],
        period_title=d["period_title"],
        ward_ids=tuple(d["ward_ids"]),
        kind=d["kind"],
        state=item.state,  # type: ignore[arg-type]
        proposer_id=d["proposer_id"],
        proposer_name=d["proposer_name"],
        colleague_id=d.get("colleague_id"),
        colleague_name=d.get("colleague_name"),
        my_date=date.fromisoformat(d["my_date"]),
        their_date=date.fromisoformat(d["their_date"]) if d.get("their_date") else None,
        cells=tuple(
            SwapCell(c[0], c[1], date.fromisoformat(c[2]), c[3], c[4], c[5], c[6]) for c in d["cells"]
        ),
        version=int(d["version"]),
        created_at=datetime.fromisoformat(d["created_at"]),
        reason=d.get("reason") or "",
        revision=int(item.revision),
        reverses=d.get("reverses"),
        applied_version=d.get("applied_version"),
        decision_reason=d.get("decision_reason") or "",
        instance_id=d.get("instance_id") or "",
        decided_by=d.get("decided_by") or "",
        decided_by_name=d.get("decided_by_name") or "",
        decided_at=datetime.fromisoformat(d["decided_at"]) if d.get("decided_at") else None,
    )


@dataclass
class DynamoSwaps:
    """``SwapRepository``: one item per swap, conditioned on its revision."""

    tenant: str
    uow: UnitOfWork | None

    def _item(self, swap: Swap) -> SwapItem:
        return SwapItem.new(
            self.tenant,
            SWAP,
            pk=SwapItem.partition(self.tenant, swap.id),
            state=swap.state,
            revision=swap.revision,
            data=json.dumps(_data(swap), ensure_ascii=False),
            gsi1pk=SwapItem.period_key(self.tenant, swap.period_id),
            gsi1sk=f"{swap.created_at.isoformat()}#{swap.id}",
        )

    def get(self, swap_id: str) -> Swap | None:
        try:
            return _swap(SwapItem.get(SwapItem.partition(self.tenant, swap_id), SWAP))
        except SwapItem.DoesNotExist:
            return None

    def of_period(self, period_id: str) -> list[Swap]:
        return [_swap(i) for i in SwapItem.by_period.query(SwapItem.period_key(self.tenant, period_id))]

    def add(self, swap: Swap) -> None:
        _writes(self.uow).create(self._item(swap), on_conflict=Conflict("the swap exists already"))

    def save(self, swap: Swap, base_revision: int) -> None:
        _writes(self.uow).save(
            self._item(swap),
            condition=SwapItem.revision == base_revision,
            on_conflict=Conflict("the swap changed meanwhile; reload it"),
        )
