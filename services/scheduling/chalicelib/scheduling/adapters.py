"""Scheduling's DynamoDB items."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.persistence.models import Aggregate, table_meta, tenant_key


class RosterStaffItem(Aggregate):
    Meta = table_meta("scheduling")
    name = UnicodeAttribute()
    employee_no = UnicodeAttribute()
    department_id = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    projected_at = UTCDateTimeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "staff")
