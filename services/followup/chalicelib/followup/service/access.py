"""Who may reach a patient under follow-up: the one policy every follow-up route uses.

- **Clinical staff** (``doctor``, ``nurse``, ``head_nurse``, ``department_head``) reach the patients of
  their own department, of a unit under it (a 科主任 of 内科 reaches its wards' patients), of a unit they
  head, and the patients signed with a **care team** they belong to — and no one else's. Follow-up
  records and visit notes are shared within that circle and only there.
- ``hospital_admin`` configures (plans, rules, questionnaires, retention) and, as the hospital's privacy
  officer, reads a patient's access log and runs the purge; it does **not** read records.
- A ``service`` caller (the HIS) with the scope ``followup:intake`` brings discharges in; it reads
  nothing back but what it wrote.
- A patient the caller may not reach is a 404 that does not echo the id: the same answer as a patient
  who does not exist, so the policy does not tell anyone who is a patient here.

Costs: the caller's directory record (one GetItem), the hospital's units (one Query) only when the
department alone does not decide, the caller's care teams (one Query) only when the patient has teams
and the department did not decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.ports import Directory, StaffInfo, Store, Unit

from shared.auth import Principal
from shared.errors import Forbidden, NotFound

CLINICAL = ("doctor", "nurse", "head_nurse", "department_head")
ADMIN = "hospital_admin"
INTAKE_SCOPE = "followup:intake"


@dataclass(frozen=True)
class Caller:
    """A member of staff allowed to act: who they are, as the directory has them now."""

    id: str
    name: str
    department_id: str
    roles: tuple[str, ...]


class Reach:
    """The directory and the care teams as one request's decisions need them, each read at most once:
    the caller's record (one GetItem), the hospital's units (one Query), the caller's teams (one Query)."""

    def __init__(self, principal: Principal, directory: Directory, store: Store):
        self.principal = principal
        self.directory = directory
        self.store = store
        self._person: StaffInfo | None | bool = False
        self._departments: set[str] | None = None
        self._teams: set[str] | None = None

    @property
    def person(self) -> StaffInfo | None:
        if self._person is False:
            self._person = _record(self.principal, self.directory)
        return self._person  # type: ignore[return-value]

    @property
    def clinical(self) -> bool:
        return self.person is not None and bool(set(self.person.roles) & set(CLINICAL))

    @property
    def departments(self) -> set[str]:
        if self._departments is None:
            self._departments = reachable_departments(self.principal, self.directory, self.person)
        return self._departments

    @property
    def teams(self) -> set[str]:
        if self._teams is None:
            self._teams = self.store.memberships.teams_of(self.person.id) if self.person else set()
        return self._teams

    def reaches(self, departments: set[str], team_ids: Iterable[str]) -> bool:
        if not self.clinical or self.person is None:
            return False
        if self.person.department_id in departments:
            return True
        teams = set(team_ids)
        if teams and teams & self.teams:
            return True
        return bool(departments & self.departments)

    def patient(self, patient: Patient | None) -> Patient:
        """The patient if reached; else a 404 that does not echo the id (a purged one is gone)."""
        if (
            patient is None
            or patient.state != "active"
            or not self.reaches(patient.followed_by(), patient.team_ids)
        ):
            raise NotFound("patient")
        return patient


def _record(principal: Principal, directory: Directory) -> StaffInfo | None:
    if principal.kind != "staff":
        return None
    person = directory.staff(principal.tenant, principal.staff)
    if person is None or not person.active:
        return None
    return person


def caller(principal: Principal, directory: Directory) -> Caller:
    """The calling member of staff (403 for anyone else: a partner, a service, someone unknown)."""
    person = _record(principal, directory)
    if person is None:
        raise Forbidden("follow-up is used by the hospital's staff")
    return Caller(person.id, person.name, person.department_id, person.roles)


def reachable_departments(
    principal: Principal,
    directory: Directory,
    person: StaffInfo | None = None,
    units: Mapping[str, Unit] | None = None,
) -> set[str]:
    """The departments whose patients a clinical caller reaches: their own, those under it, those they
    head."""
    person = person or _record(principal, directory)
    if person is None or not set(person.roles) & set(CLINICAL):
        return set()
    units = units if units is not None else directory.units(principal.tenant)
    roots = {person.department_id} | {u.id for u in units.values() if u.head_id == person.id}
    reach = set(roots)
    changed = True
    while changed:
        changed = False
        for unit in units.values():
            if unit.id not in reach and unit.parent_id in reach:
                reach.add(unit.id)
                changed = True
    return reach


def can_reach(
    principal: Principal,
    department_id: str,
    team_ids: Iterable[str],
    directory: Directory,
    store: Store,
) -> bool:
    """Whether the caller reaches a patient followed by ``department_id`` and signed with ``team_ids``."""
    return Reach(principal, directory, store).reaches({department_id}, team_ids)


def require_reach(
    principal: Principal, department_id: str, team_ids: Iterable[str], directory: Directory, store: Store
) -> None:
    """404 (not echoing the id) unless the caller reaches the patient."""
    if not can_reach(principal, department_id, team_ids, directory, store):
        raise NotFound("patient")


def require_patient(
    principal: Principal, patient: Patient | None, directory: Directory, store: Store
) -> Patient:
    """The patient, if the caller reaches them through any department that follows them or a care team;
    else a 404 that does not echo the id (a purged patient is gone for everyone)."""
    return Reach(principal, directory, store).patient(patient)


def require_department(principal: Principal, department_id: str, directory: Directory) -> None:
    """A department of this hospital (else a 404 without its id) whose patients a clinical caller
    reaches (else a 403): its lists, its board."""
    units = directory.units(principal.tenant)
    if department_id not in units:
        raise NotFound("department")
    if department_id not in reachable_departments(principal, directory, units=units):
        raise Forbidden("you do not work in this department")


def require_admin(principal: Principal) -> None:
    if principal.kind != "staff" or ADMIN not in principal.roles:
        raise Forbidden("requires one of the roles: " + ADMIN)


def require_intake(principal: Principal, directory: Directory, department_id: str) -> None:
    """Bringing a discharge in: the HIS (a service with ``followup:intake``), an admin, or the
    department's own clinical staff."""
    if principal.kind == "service" and INTAKE_SCOPE in principal.scopes:
        return
    if principal.kind == "staff" and ADMIN in principal.roles:
        return
    if department_id in reachable_departments(principal, directory):
        return
    raise Forbidden("you may not bring patients into this department's follow-up")
