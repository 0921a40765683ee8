"""Staff as scheduling serves them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class RosterStaff(BaseModel):
    """A member of staff as scheduling knows them (projected from the directory's events)."""

    id: str
    name: str
    employee_no: str
    department_id: str
    title: str | None
    projected_at: datetime
