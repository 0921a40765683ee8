"""Care teams (家庭医生团队): the teams and their members, signed residents (签约居民), shared visit notes."""

from __future__ import annotations

from chalicelib.followup.contracts import teams as models
from chalicelib.followup.service import teams

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)
route = api.route
STAFF = ("staff",)
# The access policy on a patient (service/access.Reach, each read at most once a request): the caller's
# record (one GetItem), their care teams and the hospital's units (a Query each) when the department alone
# does not decide.
REACH = {"GetItem": 1, "Query": 2}
# Running a team: the caller's record and the units they reach (a hospital admin skips both).
RUN = {"GetItem": 1, "Query": 1}


@route(
    "/teams",
    "POST",
    summary="Set up a care team (家庭医生团队) of a department, with its members",
    body=models.NewTeam,
    response=models.Team,
    status=201,
    kinds=STAFF,
    idempotent=True,
    # + the department (the units) and the members' records (one BatchGetItem)
    budget={"GetItem": RUN["GetItem"], "Query": RUN["Query"] + 1, "BatchGetItem": 1, "TransactWriteItems": 1},
)
def create_team(ctx: RequestContext, body: models.NewTeam) -> models.Team:
    return teams.create_team(ctx.principal, body, ctx.request_id)


@route(
    "/teams",
    summary="The hospital's care teams, by department",
    query=models.TeamsQuery,
    response=models.TeamList,
    kinds=STAFF,
    budget={"GetItem": 1, "Query": 1},
)
def list_teams(ctx: RequestContext, query: models.TeamsQuery) -> models.TeamList:
    return teams.list_teams(ctx.principal, query)


@route(
    "/teams/{team_id}",
    summary="A care team and its members, by name and team role",
    response=models.Team,
    kinds=STAFF,
    budget={"GetItem": 2},
)
def get_team(ctx: RequestContext, team_id: str) -> models.Team:
    return teams.get_team(ctx.principal, team_id)


@route(
    "/teams/{team_id}/members",
    "PUT",
    summary="Set a care team's members (over the revision read); a member removed loses access at once",
    body=models.SetMembers,
    response=models.Team,
    kinds=STAFF,
    budget={"GetItem": RUN["GetItem"] + 1, "Query": RUN["Query"], "BatchGetItem": 1, "TransactWriteItems": 1},
)
def set_members(ctx: RequestContext, team_id: str, body: models.SetMembers) -> models.Team:
    return teams.set_members(ctx.principal, team_id, body, ctx.request_id)


@route(
    "/teams/{team_id}/residents",
    "POST",
    summary="Sign a resident with the care team (签约)",
    body=models.SignResident,
    response=models.Resident,
    status=201,
    kinds=STAFF,
    idempotent=True,
    # the team, the patient, the access policy (its units also say whether a non-member may sign); the
    # patient and the team's list entry in one transaction
    budget={"GetItem": REACH["GetItem"] + 2, "Query": REACH["Query"], "TransactWriteItems": 1},
)
def sign_resident(ctx: RequestContext, team_id: str, body: models.SignResident) -> models.Resident:
    return teams.sign_resident(ctx.principal, team_id, body, ctx.request_id)


@route(
    "/teams/{team_id}/residents/{patient_id}",
    "DELETE",
    summary="End a resident's signing with the care team",
    status=204,
    kinds=STAFF,
    # as signing, and the list entry
    budget={"GetItem": REACH["GetItem"] + 3, "Query": REACH["Query"], "TransactWriteItems": 1},
)
def unsign_resident(ctx: RequestContext, team_id: str, patient_id: str) -> None:
    return teams.unsign_resident(ctx.principal, team_id, patient_id, ctx.request_id)


@route(
    "/teams/{team_id}/residents",
    summary="The care team's signed residents (masked), for its members",
    query=models.TeamsQuery,
    response=models.ResidentList,
    kinds=STAFF,
    budget={"GetItem": 2, "Query": 1},  # the caller's record, the team; one Query a page
)
def list_residents(ctx: RequestContext, team_id: str, query: models.TeamsQuery) -> models.ResidentList:
    return teams.list_residents(ctx.principal, team_id, query)


@route(
    "/patients/{patient_id}/notes",
    "POST",
    summary="Write a visit note (随访记录/上门记录); for a team, only its members read it",
    body=models.NewNote,
    response=models.Note,
    status=201,
    kinds=STAFF,
    idempotent=True,
    # the patient, the access policy, the team named
    budget={"GetItem": REACH["GetItem"] + 2, "Query": REACH["Query"], "TransactWriteItems": 1},
)
def add_note(ctx: RequestContext, patient_id: str, body: models.NewNote) -> models.Note:
    return teams.add_note(ctx.principal, patient_id, body, ctx.request_id)


@route(
    "/patients/{patient_id}/notes",
    summary="The patient's visit notes the caller may read, newest first (the read is audited)",
    query=models.TeamsQuery,
    response=models.NoteList,
    kinds=STAFF,
    # the patient, the access policy (its teams also say which team notes the caller reads); the notes
    # (one Query a page); the read in the patient's access log
    budget={"GetItem": REACH["GetItem"] + 1, "Query": REACH["Query"] + 1, "PutItem": 1},
)
def list_notes(ctx: RequestContext, patient_id: str, query: models.TeamsQuery) -> models.NoteList:
    return teams.list_notes(ctx.principal, patient_id, query)
