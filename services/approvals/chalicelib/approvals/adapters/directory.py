"""``domain.ports.Directory`` over the shared directory and on-duty read models: who heads, supervises, is
on duty, is on the staff."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from chalicelib.approvals.domain.records import Unit

from shared import directory, onduty


class DirectoryAdapter:
    """``Directory`` over the shared directory and on-duty read models (one tenant, one request)."""

    def __init__(self, tenant: str, now: datetime | None = None):
        self.tenant = tenant
        self.now = now or datetime.now(UTC)
        self._staff = cache(lambda staff_id: directory.get_staff(tenant, staff_id))

    def department_of(self, staff_id: str) -> str | None:
        staff = self._staff(staff_id)
        return str(staff.department_id) if staff is not None else None

    def member_status(self, staff_id: str) -> str | None:
        staff = self._staff(staff_id)
        return str(staff.status) if staff is not None else None

    def inactive(self, staff_ids: set[str]) -> set[str]:
        partition = directory.StaffItem.partition(self.tenant)
        active = {
            str(item.sk)
            for item in directory.StaffItem.batch_get(
                [(partition, staff_id) for staff_id in sorted(staff_ids)]
            )
            if item.status == "active"
        }
        return set(staff_ids) - active

    def names(self, staff_ids: list[str]) -> dict[str, str]:
        return directory.staff_names(self.tenant, staff_ids)

    def unit(self, department_id: str) -> Unit | None:
        item = directory.get_department(self.tenant, department_id)
        if item is None:
            return None
        return Unit(str(item.sk), str(item.name), item.parent_id or None, str(item.kind or "department"))

    def supervisors(self, staff_id: str, levels: int) -> list[str]:
        return [s.id for s in directory.supervisor_chain(self.tenant, staff_id, levels)]

    def department_head(self, department_id: str) -> str | None:
        head = directory.department_head(self.tenant, department_id)
        return head.id if head is not None else None

    def with_role(self, department_id: str | None, role: str) -> list[str]:
        return [s.id for s in directory.staff_with_role(self.tenant, role, department_id)]

    def on_duty(self, ward_id: str) -> tuple[list[str], str]:
        found = onduty.on_duty(self.tenant, ward_id, self.now)
        return list(found.staff_ids), found.reason
