"""The task board and doing a task: board pages, a task with its calls, done with its outcome, the call
log and its recordings."""

from __future__ import annotations

from chalicelib.followup.contracts import board as models
from chalicelib.followup.service import board

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)
route = api.route
STAFF = ("staff",)
# The task (one GetItem) and its patient (one GetItem), and the patient policy: the caller's record (one
# GetItem), the hospital's units and the caller's care teams (a Query each, only when the department alone
# does not decide).
TASK = {"GetItem": 3, "Query": 2}


@route(
    "/board",
    summary="A task board page (due today, overdue, done, missed) of a doctor, a care team or a department",
    query=models.BoardQuery,
    response=models.Board,
    kinds=STAFF,
    # the caller's record and the hospital's (its time zone); a colleague's record when it is her board;
    # the units (a department's board) or the caller's teams (a team's); the one board Query
    budget={"GetItem": 3, "Query": 2},
)
def get_board(ctx: RequestContext, query: models.BoardQuery) -> models.Board:
    return board.board(ctx.principal, query)


@route(
    "/tasks/{task_id}",
    summary="A task with its outcome and its calls (a read of the patient, in their access log)",
    response=models.TaskView,
    kinds=STAFF,
    budget={"GetItem": TASK["GetItem"], "Query": TASK["Query"] + 1, "PutItem": 1},  # + its calls; the audit
)
def get_task(ctx: RequestContext, task_id: str) -> models.TaskView:
    return board.get_task(ctx.principal, task_id)


@route(
    "/tasks/{task_id}/done",
    "POST",
    summary="Done, with its outcome (reached, not_reached, refused, lost with a reason, deceased)",
    body=models.FinishTask,
    response=models.TaskView,
    kinds=STAFF,
    idempotent=True,
    # the task with its audit and event; deceased: the patient's tasks (a Query a page) cancelled with it
    budget={"GetItem": TASK["GetItem"], "Query": TASK["Query"] + 1, "TransactWriteItems": 1},
)
def finish_task(ctx: RequestContext, task_id: str, body: models.FinishTask) -> models.TaskView:
    return board.finish_task(ctx.principal, task_id, body, ctx.request_id)


@route(
    "/tasks/{task_id}/calls",
    "POST",
    summary="Log a call made for the task; announce a recording to get a presigned upload URL (audio/*)",
    body=models.LogCall,
    response=models.LoggedCall,
    status=201,
    kinds=STAFF,
    idempotent=True,
    budget={**TASK, "TransactWriteItems": 1},  # the entry with its audit
)
def log_call(ctx: RequestContext, task_id: str, body: models.LogCall) -> models.LoggedCall:
    return board.log_call(ctx.principal, task_id, body, ctx.request_id)


@route(
    "/tasks/{task_id}/calls/{call_id}/recording",
    summary="A presigned download URL of a call's recording (a read of the patient, in their access log)",
    response=models.RecordingLink,
    kinds=STAFF,
    budget={"GetItem": TASK["GetItem"] + 1, "Query": TASK["Query"], "PutItem": 1},  # + the call; the audit
)
def get_recording(ctx: RequestContext, task_id: str, call_id: str) -> models.RecordingLink:
    return board.recording_link(ctx.principal, task_id, call_id)
