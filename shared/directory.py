"""The hospital directory read model: written by messaging, read by every service (one GetItem / Query)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from shared.persistence.models import Aggregate, TenantItem, table_meta, tenant_key


class DepartmentItem(Aggregate):
    Meta = table_meta("directory")
    name = UnicodeAttribute()
    kind = UnicodeAttribute(default="department")
    parent_id = UnicodeAttribute(null=True)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "dept")


class StaffItem(Aggregate):
    Meta = table_meta("directory")
    name = UnicodeAttribute()
    employee_no = UnicodeAttribute()
    department_id = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default="active")

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "staff")


class EmployeeNumberClaim(TenantItem):
    """Makes 工号 unique within a hospital: created in the same transaction as the staff member."""

    Meta = table_meta("directory")
    staff_id = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "staffno")


def get_department(tenant: str, department_id: str) -> DepartmentItem | None:
    try:
        return DepartmentItem.get(DepartmentItem.partition(tenant), department_id)
    except DoesNotExist:
        return None


def get_staff(tenant: str, staff_id: str) -> StaffItem | None:
    try:
        return StaffItem.get(StaffItem.partition(tenant), staff_id)
    except DoesNotExist:
        return None
