"""Messaging's DynamoDB access: directory items (the shared read model) and their queries."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition

from shared.directory import DepartmentItem, EmployeeNumberClaim, StaffItem
from shared.http import query_page as list_page
from shared.persistence.models import AuditRecord, tenant_key


def audit_page(tenant: str, resource_type: str, resource_id: str, limit: int, cursor: str | None) -> Any:
    partition = tenant_key(tenant, resource_type, resource_id)
    return list_page(AuditRecord, partition, limit, cursor)


def staff_filter(search: str | None, department_id: str | None, status: str | None) -> Condition | None:
    condition: Condition | None = None
    parts: list[Condition] = []
    if search:
        parts.append(StaffItem.search_blob.contains(search))
    if department_id:
        parts.append(StaffItem.department_id == department_id)
    if status:
        parts.append(StaffItem.status == status)
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


__all__ = ["DepartmentItem", "EmployeeNumberClaim", "StaffItem", "audit_page", "list_page", "staff_filter"]
