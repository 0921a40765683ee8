"""A dict-backed directory for the approvals domain tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count

from chalicelib.approvals.domain.engine import Command, Submission
from chalicelib.approvals.domain.flow import Route, RouteStep


@dataclass
class FakeDirectory:
    departments: dict[str, str] = field(default_factory=dict)  # staff → department
    supervisor: dict[str, str] = field(default_factory=dict)  # staff → supervisor
    heads: dict[str, str] = field(default_factory=dict)  # department → head
    roles: dict[tuple[str | None, str], list[str]] = field(default_factory=dict)  # (department, role) → staff
    duty: dict[str, list[str]] = field(default_factory=dict)  # ward → staff on duty

    def department_of(self, staff_id: str) -> str | None:
        return self.departments.get(staff_id)

    def supervisors(self, staff_id: str, levels: int) -> list[str]:
        chain: list[str] = []
        while staff_id in self.supervisor and len(chain) < levels:
            staff_id = self.supervisor[staff_id]
            chain.append(staff_id)
        return chain

    def department_head(self, department_id: str) -> str | None:
        return self.heads.get(department_id)

    def with_role(self, department_id: str | None, role: str) -> list[str]:
        return self.roles.get((department_id, role), [])

    def on_duty(self, ward_id: str) -> tuple[list[str], str]:
        if ward_id in self.duty:
            return self.duty[ward_id], ""
        return [], "no published roster covers this ward at this time"


_clock = count()
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def at() -> datetime:
    return T0 + timedelta(minutes=next(_clock))


def route(*steps: tuple[str, str, list[str]] | tuple[str, str, list[str], int], **kw: list[str]) -> Route:
    made = []
    for step in steps:
        sid, mode, people = step[0], step[1], step[2]
        need = step[3] if len(step) == 4 else (1 if mode == "any" else len(people))  # type: ignore[misc]
        made.append(RouteStep(id=sid, name=sid, mode=mode, approvers=people, need=need))  # type: ignore[arg-type]
    return Route(steps=made, **kw)


def submit(r: Route, submitter: str = "sub", form: dict[str, object] | None = None, **sub: object) -> Command:
    submission = Submission(
        instance_id="i1", template_id="t1", template_version=1, template_code="leave", title="请假", **sub
    )
    return Command(action="submit", actor=submitter, at=at(), form=form or {}, route=r, submission=submission)


def cmd(action: str, actor: str, **kw: object) -> Command:
    return Command(action=action, actor=actor, at=at(), **kw)  # type: ignore[arg-type]
