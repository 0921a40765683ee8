"""Scheduling's DynamoDB items."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.persistence.models import Gsi1, TenantItem, table_meta, tenant_key


class RosterStaffItem(TenantItem):
    """The staff projection. Not versioned: each event rewrites it from the directory's current state, so
    an update must overwrite whatever is there (a version condition refused every staff.updated)."""

    Meta = table_meta("scheduling")
    name = UnicodeAttribute()
    employee_no = UnicodeAttribute()
    department_id = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    projected_at = UTCDateTimeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "staff")


class LeaveItem(TenantItem):
    """Approved leave: a hard unavailability for rostering. Keyed by start date, and by staff on gsi1."""

    Meta = table_meta("scheduling")
    staff_id = UnicodeAttribute()
    instance_id = UnicodeAttribute()
    leave_type = UnicodeAttribute()
    start = UnicodeAttribute()  # local dates, ISO
    end = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_staff = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "leave")

    @staticmethod
    def staff_partition(tenant: str, staff_id: str) -> str:
        return tenant_key(tenant, "leave", staff_id)
