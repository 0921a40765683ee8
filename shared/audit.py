"""Access audit: every read of personal data leaves a record (who, what, when, why)."""

from __future__ import annotations

import uuid

from shared.auth import Principal
from shared.persistence.models import AuditRecord, now_utc, tenant_key


def record_access(
    principal: Principal, resource_type: str, resource_id: str, fields: list[str], request_id: str | None
) -> None:
    """One create-only PutItem: reading personal data and auditing it are not separable."""
    at = now_utc()
    record_id = uuid.uuid4().hex
    AuditRecord(
        tenant_key(principal.tenant, resource_type, resource_id),
        f"{at.isoformat()}#{record_id}",
        entity="audit",
        tenant=principal.tenant,
        gsi1pk=tenant_key(principal.tenant, "audit", at.strftime("%Y-%m-%d")),
        gsi1sk=f"{at.isoformat()}#{record_id}",
        actor=principal.user,
        actor_kind=principal.kind,
        action="reveal:" + ",".join(fields),
        resource_type=resource_type,
        resource_id=resource_id,
        at=at,
        request_id=request_id,
    ).save(AuditRecord.pk.does_not_exist())
