"""Care teams (家庭医生团队): set up a team and its members, sign residents with it, and share visit notes
within it — and only there.

- A team is made and its members set by a ``hospital_admin`` or a ``department_head`` of its department;
  each member's membership item is written (or deleted) in the team's own transaction, so a member added
  reaches the team's residents at once and a member removed loses them at once
  (``service/access.Reach`` reads the memberships on every request).
- A resident is signed with a team (签约) by a team member who reaches the patient, or by the department's
  staff; the patient's ``team_ids`` gains the team (revision-checked) in the same transaction as the
  team's list entry.
- A visit note written for a team is read by that team's members and its author only; every read of a
  patient's notes is in the patient's access log.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.followup.contracts import teams as models
from chalicelib.followup.domain.ports import Directory, StaffInfo, Store
from chalicelib.followup.domain.teams import CareTeam, SignedResident, TeamMember, VisitNote
from chalicelib.followup.service import access, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.ids import new_id
from shared.persistence.models import now_utc


def _team_view(team: CareTeam) -> models.Team:
    return models.Team(
        **team.model_dump(exclude={"members"}),
        members=[models.TeamMemberView(**m.model_dump()) for m in team.members],
    )


def _resident_view(resident: SignedResident, team_name: str) -> models.Resident:
    return models.Resident(**resident.model_dump(), team_name=team_name)


def _note_view(note: VisitNote) -> models.Note:
    return models.Note(**note.model_dump())


def _may_run(principal: Principal, department_id: str, reach: access.Reach) -> None:
    """A department head of the team's department (or of a unit above it), or a hospital admin."""
    staff = principal.kind == "staff"
    if staff and "department_head" in principal.roles and department_id in reach.departments:
        return
    if staff and access.ADMIN in principal.roles:
        return
    raise Forbidden("a care team is set up by a hospital admin or the head of its department")


def _may_read_teams(principal: Principal, directory: Directory) -> None:
    if principal.kind == "staff" and access.ADMIN in principal.roles:
        return
    access.caller(principal, directory)


def _members(principal: Principal, wanted: list[models.Member], directory: Directory) -> list[TeamMember]:
    ids = [m.staff_id for m in wanted]
    if len(set(ids)) != len(ids):
        raise RuleViolation("a member of staff is in a team once", "members")
    people = directory.many(principal.tenant, ids) if ids else {}
    out = []
    for m in wanted:
        person = people.get(m.staff_id)
        if person is None or not person.active:
            raise RuleViolation("every member must be active staff of the hospital", "members")
        out.append(TeamMember(staff_id=m.staff_id, name=person.name, role=m.role))
    return out


def create_team(
    principal: Principal,
    body: models.NewTeam,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> models.Team:
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    _may_run(principal, body.department_id, access.Reach(principal, directory, store))
    unit = directory.units(principal.tenant).get(body.department_id)
    if unit is None:
        raise RuleViolation("no such department in this hospital", "department_id")
    members = _members(principal, body.members, directory)
    at = now or now_utc()
    team = CareTeam(
        id=new_id(),
        name=body.name.strip(),
        department_id=unit.id,
        department_name=unit.name,
        members=members,
        created_by=principal.staff,
        created_by_name=principal.staff_name or "",
        created_at=at,
        updated_at=at,
    )
    store.teams.add(team, Conflict("already exists"))
    store.audit("care_team.created", "care_team", team.id, after={"members": sorted(team.member_ids())})
    store.commit()
    return _team_view(team)


def list_teams(
    principal: Principal,
    query: models.TeamsQuery,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.TeamList:
    _may_read_teams(principal, directory or wiring.directory())
    store = store or wiring.store(principal)
    return models.TeamList.of(store.teams.page(query.limit, query.cursor), _team_view)


def _team(store: Store, team_id: str) -> CareTeam:
    team = store.teams.get(team_id)
    if team is None:
        raise NotFound("care team")
    return team


def get_team(
    principal: Principal, team_id: str, *, store: Store | None = None, directory: Directory | None = None
) -> models.Team:
    _may_read_teams(principal, directory or wiring.directory())
    store = store or wiring.store(principal)
    return _team_view(_team(store, team_id))


def set_members(
    principal: Principal,
    team_id: str,
    body: models.SetMembers,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> models.Team:
    """The team's members, set as a whole over the revision read: memberships follow in the same
    transaction (a removed member loses the team's residents at once)."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    before = _team(store, team_id)
    _may_run(principal, before.department_id, access.Reach(principal, directory, store))
    if body.revision != before.revision:
        raise Conflict("the care team changed meanwhile; reload it")
    members = _members(principal, body.members, directory)
    team = before.model_copy(update={"members": members, "updated_at": now or now_utc()})
    store.teams.save(team, before, Conflict("the care team changed meanwhile; reload it"))
    store.audit(
        "care_team.members_set",
        "care_team",
        team.id,
        before={"members": sorted(before.member_ids())},
        after={"members": sorted(team.member_ids())},
    )
    store.commit()
    return _team_view(team.model_copy(update={"revision": before.revision + 1}))


# ---- signed residents --------------------------------------------------------------------------------------


def _me(reach: access.Reach) -> StaffInfo:
    """The caller, once ``reach`` found they reach the patient (so they are clinical staff)."""
    if reach.person is None:  # pragma: no cover - a patient reached has a reader
        raise Forbidden("follow-up is used by the hospital's staff")
    return reach.person


def _may_sign(team: CareTeam, reach: access.Reach) -> None:
    """A team member who reaches the patient, or the staff of the team's department who do."""
    if reach.person is not None and team.has_member(reach.person.id):
        return
    if team.department_id in reach.departments:
        return
    raise Forbidden("residents are signed with a care team by its members or its department's staff")


def sign_resident(
    principal: Principal,
    team_id: str,
    body: models.SignResident,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> models.Resident:
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    team = _team(store, team_id)
    reach = access.Reach(principal, directory, store)
    patient = reach.patient(store.patients.get(body.patient_id))
    _may_sign(team, reach)
    if team.id in patient.team_ids:
        raise Conflict("the patient is signed with this care team already")
    at = now or now_utc()
    resident = SignedResident(
        team_id=team.id,
        patient_id=patient.id,
        patient_label=patient.label,
        department_id=patient.department_id,
        department_name=patient.department_name,
        signed_by=principal.staff,
        signed_by_name=principal.staff_name or "",
        signed_at=at,
    )
    stale = Conflict("the patient's record changed meanwhile; try again")
    store.patients.save(
        patient.model_copy(update={"team_ids": [*patient.team_ids, team.id], "updated_at": at}), stale
    )
    store.teams.sign(resident, Conflict("the patient is signed with this care team already"))
    store.audit("patient.signed", "patient", patient.id, after={"team_id": team.id, "team_name": team.name})
    store.commit()
    return _resident_view(resident, team.name)


def unsign_resident(
    principal: Principal,
    team_id: str,
    patient_id: str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> None:
    """The signing ends: the patient leaves the team's list and the team's members lose them (unless
    they reach them otherwise)."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    team = _team(store, team_id)
    reach = access.Reach(principal, directory, store)
    patient = reach.patient(store.patients.get(patient_id))
    _may_sign(team, reach)
    resident = store.teams.resident(team.id, patient.id)
    if team.id not in patient.team_ids and resident is None:
        raise NotFound("signed resident")
    stale = Conflict("the patient's record changed meanwhile; try again")
    teams = [t for t in patient.team_ids if t != team.id]
    store.patients.save(patient.model_copy(update={"team_ids": teams, "updated_at": now or now_utc()}), stale)
    if resident is not None:
        store.teams.unsign(resident)
    store.audit("patient.unsigned", "patient", patient.id, after={"team_id": team.id, "team_name": team.name})
    store.commit()


def list_residents(
    principal: Principal,
    team_id: str,
    query: models.TeamsQuery,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.ResidentList:
    """The team's signed residents (masked), for its members only."""
    store = store or wiring.store(principal)
    team = _team(store, team_id)
    access.caller(principal, directory or wiring.directory())
    if not team.has_member(principal.staff):
        raise Forbidden("only the care team's members see its residents")
    return models.ResidentList.of(
        store.teams.residents(team.id, query.limit, query.cursor), lambda r: _resident_view(r, team.name)
    )


# ---- visit notes -------------------------------------------------------------------------------------------


def add_note(
    principal: Principal,
    patient_id: str,
    body: models.NewNote,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> models.Note:
    """A visit note (随访记录/上门记录); for a team, only its members (and its author) read it."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    reach = access.Reach(principal, directory, store)
    patient = reach.patient(store.patients.get(patient_id))
    me = _me(reach)
    team_name = ""
    if body.team_id:
        team = store.teams.get(body.team_id)
        if team is None or not team.has_member(me.id):
            raise RuleViolation("a note is shared in a care team its author belongs to", "team_id")
        if team.id not in patient.team_ids:
            raise RuleViolation("the patient is not signed with this care team", "team_id")
        team_name = team.name
    note = VisitNote(
        id=f"{patient.id}-{new_id()}",
        patient_id=patient.id,
        patient_label=patient.label,
        kind=body.kind,
        text=body.text,
        team_id=body.team_id or "",
        team_name=team_name,
        author_id=me.id,
        author_name=me.name,
        created_at=now or now_utc(),
    )
    store.notes.add(note)
    store.audit("note.written", "patient", patient.id, after={"note_id": note.id, "team_id": note.team_id})
    store.commit()
    return _note_view(note)


def list_notes(
    principal: Principal,
    patient_id: str,
    query: models.TeamsQuery,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.NoteList:
    """The patient's visit notes the caller may read, newest first; the read is in the access log. A
    page is one Query of the patient's notes; a team's notes are left out for whoever is not in it."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal)
    reach = access.Reach(principal, directory, store)
    patient = reach.patient(store.patients.get(patient_id))
    me = _me(reach)
    rows, cursor = store.notes.of_patient(patient.id, query.limit, query.cursor)
    mine = reach.teams if any(n.team_id for n in rows) else set()  # read once per request
    store.access.record(patient.id, "read:notes")
    return models.NoteList(
        items=[_note_view(n) for n in rows if n.readable_by(me.id, mine)], next_cursor=cursor
    )
