"""Questionnaires (随访问卷): the hospital's and the built-ins; admins write them, clinical staff read."""

from __future__ import annotations

from chalicelib.followup.contracts.questionnaires import (
    QuestionnaireCreate,
    QuestionnairePage,
    QuestionnaireUpdate,
    QuestionnaireView,
)
from chalicelib.followup.service import questionnaires

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery

api = ServiceAPI("followup", __name__)
READERS = ("hospital_admin", "doctor", "nurse", "head_nurse", "department_head")


@api.route(
    "/questionnaires",
    summary="The hospital's questionnaires by code; the first page also lists the built-ins not yet adapted",
    query=ListQuery,
    response=QuestionnairePage,
    roles=READERS,
    kinds=("staff",),
    budget={"Query": 1},
)
def list_questionnaires(ctx: RequestContext, query: ListQuery) -> QuestionnairePage:
    return questionnaires.list_questionnaires(ctx.principal, query)


@api.route(
    "/questionnaires",
    "POST",
    summary="Make a questionnaire (version 1): items, show/hide conditions, scores, thresholds",
    body=QuestionnaireCreate,
    response=QuestionnaireView,
    status=201,
    roles=("hospital_admin",),
    kinds=("staff",),
    budget={"TransactWriteItems": 1},
    location="/questionnaires/{id}",
)
def create_questionnaire(ctx: RequestContext, body: QuestionnaireCreate) -> QuestionnaireView:
    return questionnaires.create_questionnaire(ctx.principal, body, ctx.request_id)


@api.route(
    "/questionnaires/{questionnaire_id}",
    summary="A questionnaire's current version (the hospital's, else the built-in's)",
    response=QuestionnaireView,
    roles=READERS,
    kinds=("staff",),
    budget={"GetItem": 1},
)
def get_questionnaire(ctx: RequestContext, questionnaire_id: str) -> QuestionnaireView:
    return questionnaires.get_questionnaire(ctx.principal, questionnaire_id)


@api.route(
    "/questionnaires/{questionnaire_id}",
    "PUT",
    summary="A new version of a questionnaire (of a built-in: the hospital's own from now on); "
    "the versions answered are kept",
    body=QuestionnaireUpdate,
    response=QuestionnaireView,
    roles=("hospital_admin",),
    kinds=("staff",),
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def update_questionnaire(
    ctx: RequestContext, questionnaire_id: str, body: QuestionnaireUpdate
) -> QuestionnaireView:
    return questionnaires.update_questionnaire(ctx.principal, questionnaire_id, body, ctx.request_id)
