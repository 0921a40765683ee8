"""``AuditTrail`` on the shared audit table: a resource's records are one partition (one Query a page)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib.scheduling.domain.ports import TrailEntry

from shared.persistence.models import AuditRecord, tenant_key
from shared.persistence.paging import query_page


@dataclass
class DynamoAuditTrail:
    tenant: str

    def page(
        self, resource_type: str, resource_id: str, limit: int, cursor: str | None
    ) -> tuple[list[TrailEntry], str | None]:
        partition = tenant_key(self.tenant, resource_type, resource_id)
        records, next_cursor = query_page(AuditRecord, partition, limit, cursor, newest_first=True)
        return [
            TrailEntry(
                at=r.at,
                actor=r.actor,
                actor_name=r.actor_name,
                action=r.action,
                before=json.loads(r.before) if r.before else None,
                after=json.loads(r.after) if r.after else None,
            )
            for r in records
        ], next_cursor
