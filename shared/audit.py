"""Access audit: every read of personal data leaves a record (who, what, when, why)."""

from __future__ import annotations

from shared.auth import Principal
from shared.persistence.models import AuditRecord


def record_access(
    principal: Principal, resource_type: str, resource_id: str, fields: list[str], request_id: str | None
) -> None:
    """One create-only PutItem: reading personal data and auditing it are not separable."""
    AuditRecord.of(principal, "reveal:" + ",".join(fields), resource_type, resource_id, request_id).save(
        AuditRecord.pk.does_not_exist()
    )
