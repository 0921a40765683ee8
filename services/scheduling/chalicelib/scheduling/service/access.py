"""Who may roster a ward and who may read its roster: the one policy every rostering route uses.

- **Change** (setup, periods, solves, publishing): ``hospital_admin`` any ward of the hospital;
  ``head_nurse`` or ``scheduler`` a ward that is their own unit (their directory record's
  ``department_id``), a unit under it (a head nurse of 内科 rosters its wards), or a unit whose head
  (``head_id``) they are — wherever their own record sits.
- **Read a ward's roster**: its rosterers, the head of the ward or of a unit above it (科主任), and the
  ward's own staff (whose unit is the ward). Everyone reads their own shifts elsewhere.
- A ward is any unit of this hospital's directory (a 病区, or a 科室 rostered as one); an id that is
  not one is a 404 that does not echo it.

Costs: the hospital's units are one Query (``Directory.units``), the caller's record one GetItem, and
only when the role alone does not decide (an admin needs none). ``Ward`` carries the ward's name for
responses, so a route that authorises has the name without another read.

Use: ``ward = require_rosterer(principal, ward_id, directory)`` before a change;
``require_rosterer_all(principal, ward_ids, directory)`` for a group (分组排班: one read for all);
``can_read_ward(principal, ward_id, directory)`` / ``require_reader(...)`` before a read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chalicelib.scheduling.domain.ports import Directory
from chalicelib.scheduling.domain.records import Unit

from shared.auth import Principal
from shared.errors import Forbidden, NotFound

ADMIN = "hospital_admin"
ROSTERERS = ("head_nurse", "scheduler")  # roster the wards of their own unit, or those they head
ROSTERING_ROLES = (ADMIN, *ROSTERERS)


@dataclass(frozen=True)
class Ward:
    """A ward the caller was allowed to act on: its id and its name as the directory has it now."""

    id: str
    name: str


class _Reading:
    """The directory as one decision needs it, each read at most once."""

    def __init__(self, principal: Principal, directory: Directory):
        self.principal = principal
        self.directory = directory
        self._units: Mapping[str, Unit] | None = None
        self._own: tuple[str | None] | None = None

    @property
    def units(self) -> Mapping[str, Unit]:
        if self._units is None:
            self._units = self.directory.units(self.principal.tenant)
        return self._units

    def ward(self, ward_id: str) -> Unit:
        unit = self.units.get(ward_id)
        if unit is None:
            raise NotFound("ward")  # never echoes the id: it may be another hospital's
        return unit

    @property
    def own_unit(self) -> str | None:
        """The unit of the caller's directory record (None: no record, or one that has left)."""
        if self._own is None:
            record = self.directory.staff(self.principal.tenant, self.principal.staff)
            self._own = (record.department_id if record is not None and record.status != "left" else None,)
        return self._own[0]

    def chain(self, unit: Unit) -> list[Unit]:
        """The unit and those above it, up to the top (stops on a cycle, which the directory refuses)."""
        out, seen = [], set()
        current: Unit | None = unit
        while current is not None and current.id not in seen:
            out.append(current)
            seen.add(current.id)
            current = self.units.get(current.parent_id) if current.parent_id else None
        return out

    def rosters(self, ward: Unit) -> bool:
        if self.principal.has_any_role((ADMIN,)):
            return True
        if not self.principal.has_any_role(ROSTERERS):
            return False
        chain = self.chain(ward)
        if any(u.head_id == self.principal.staff for u in chain):
            return True
        own = self.own_unit
        return own is not None and any(u.id == own for u in chain)

    def oversees(self, ward: Unit) -> bool:
        """Its rosterers, and the head of the ward or of a unit above it (科主任)."""
        return self.rosters(ward) or any(u.head_id == self.principal.staff for u in self.chain(ward))

    def reads(self, ward: Unit) -> bool:
        return self.oversees(ward) or self.own_unit == ward.id


def _refuse(principal: Principal) -> Forbidden:
    if not principal.has_any_role(ROSTERING_ROLES):
        return Forbidden("rostering a ward needs the role head_nurse, scheduler or hospital_admin")
    return Forbidden(
        "you roster only the wards of your own unit, the units under it and the units you head: "
        "this ward is none of them"
    )


def require_rosterer(principal: Principal, ward_id: str, directory: Directory) -> Ward:
    """The ward, if ``principal`` may change its setup and rosters; NotFound / Forbidden otherwise."""
    (ward,) = require_rosterer_all(principal, (ward_id,), directory)
    return ward


def require_rosterer_all(principal: Principal, ward_ids: Sequence[str], directory: Directory) -> list[Ward]:
    """The wards (in order), if ``principal`` may roster every one of them (a group of wards)."""
    if principal.kind != "staff" or not principal.has_any_role(ROSTERING_ROLES):
        raise _refuse(principal)  # decided by the role alone: no read
    reading = _Reading(principal, directory)
    wards = [reading.ward(ward_id) for ward_id in ward_ids]
    for ward in wards:
        if not reading.rosters(ward):
            raise _refuse(principal)
    return [Ward(w.id, w.name) for w in wards]


def can_read_ward(principal: Principal, ward_id: str, directory: Directory) -> bool:
    """Whether ``principal`` may read the ward's grid (NotFound for a ward this hospital does not have)."""
    reading = _Reading(principal, directory)
    return principal.kind == "staff" and reading.reads(reading.ward(ward_id))


def require_reader(principal: Principal, ward_id: str, directory: Directory) -> Ward:
    """The ward, if ``principal`` may read its grid; NotFound / Forbidden otherwise."""
    reading = _Reading(principal, directory)
    ward = reading.ward(ward_id)
    if principal.kind != "staff" or not reading.reads(ward):
        raise Forbidden("a ward's roster is read by its rosterers, its department head and its own staff")
    return Ward(ward.id, ward.name)


def require_overseer(principal: Principal, ward_ids: Sequence[str], directory: Directory) -> None:
    """``principal`` oversees one of the wards (a ward no longer in the directory is skipped): its
    rosterers and the heads above it — who reads a roster's change history, with reasons a ward's
    nurses do not see (a sick call's)."""
    if principal.kind == "staff":
        reading = _Reading(principal, directory)
        if any(reading.oversees(reading.units[w]) for w in ward_ids if w in reading.units):
            return
    raise Forbidden("a roster's history is read by the ward's rosterers and the heads of its units")


def read_rostering(principal: Principal, ward_ids: Sequence[str], directory: Directory) -> bool:
    """Whether ``principal``, who must read one of the wards (a ward no longer in the directory is
    skipped; none readable: Forbidden), also rosters every one of them — from one reading of the
    directory, so a grid that shows rosterers more costs no more reads."""
    if principal.kind != "staff":
        raise Forbidden("a ward's roster is read by its rosterers, its department head and its own staff")
    reading = _Reading(principal, directory)
    wards = [reading.units[w] for w in ward_ids if w in reading.units]
    if not any(reading.reads(w) for w in wards):
        raise Forbidden("a ward's roster is read by its rosterers, its department head and its own staff")
    return (
        principal.has_any_role(ROSTERING_ROLES)
        and len(wards) == len(ward_ids)
        and all(reading.rosters(w) for w in wards)
    )
