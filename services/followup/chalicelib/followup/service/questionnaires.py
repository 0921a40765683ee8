"""Questionnaires (随访问卷): a hospital admin writes them, clinical staff read them.

Built-ins (``domain/builtin_questionnaires.py``) work in every hospital as version 1 until the hospital
changes one (``PUT`` with ``version: 1``), which makes its version 2 the hospital's own. Every change is a
new version, kept: a response is read by the version it answered.
"""

from __future__ import annotations

from chalicelib.followup.contracts import questionnaires as api
from chalicelib.followup.domain import questionnaires as rules
from chalicelib.followup.domain.builtin_questionnaires import BUILTINS
from chalicelib.followup.domain.ports import Store
from chalicelib.followup.domain.questionnaires import Definition, Questionnaire
from chalicelib.followup.service import wiring
from chalicelib.followup.service.access import ADMIN, CLINICAL

from shared import problems
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound
from shared.pages import ListQuery
from shared.persistence.models import now_utc
from shared.problems import FieldError

READERS = (ADMIN, *CLINICAL)


def _readers(principal: Principal) -> None:
    if principal.kind != "staff" or not set(principal.roles) & set(READERS):
        raise Forbidden("requires one of the roles: " + ", ".join(READERS))


def _admin(principal: Principal) -> None:
    if principal.kind != "staff" or ADMIN not in principal.roles:
        raise Forbidden("requires one of the roles: " + ADMIN)


def checked(definition: Definition) -> None:
    """422 naming each fault of the definition (a condition naming an unknown item names it)."""
    faults = rules.check_definition(definition)
    if faults:
        raise problems.validation_failed([FieldError(f.field, f.message, "rule") for f in faults])


def current(store: Store, questionnaire_id: str) -> Questionnaire | None:
    """The version in use: the hospital's, else the built-in's (one GetItem)."""
    return store.questionnaires.get(questionnaire_id) or BUILTINS.get(questionnaire_id)


def answered_version(store: Store, questionnaire_id: str, version: int) -> Questionnaire | None:
    """The version a link was made for (one GetItem; version 1 of a built-in is in the code)."""
    builtin = BUILTINS.get(questionnaire_id)
    if builtin is not None and version == builtin.version:
        return builtin
    return store.questionnaires.version(questionnaire_id, version)


def view(q: Questionnaire) -> api.QuestionnaireView:
    return api.QuestionnaireView(**q.model_dump(exclude={"revision"}))


def summary(q: Questionnaire) -> api.QuestionnaireSummary:
    return api.QuestionnaireSummary(
        id=q.id,
        version=q.version,
        title=q.title,
        items=len(q.items),
        urgent=q.urgent,
        builtin=q.builtin,
        updated_by=q.updated_by,
        updated_by_name=q.updated_by_name,
        updated_at=q.updated_at,
    )


def list_questionnaires(
    principal: Principal, query: ListQuery, store: Store | None = None
) -> api.QuestionnairePage:
    """The hospital's questionnaires by code (one Query a page); the first page also lists the built-ins
    it has not adapted."""
    _readers(principal)
    store = store or wiring.store(principal)
    rows, cursor = store.questionnaires.page(query.limit, query.cursor)
    page = api.QuestionnairePage(items=[summary(q) for q in rows], next_cursor=cursor)
    if query.cursor is None:
        own = {q.id for q in rows}
        page.builtin = [summary(q) for code, q in sorted(BUILTINS.items()) if code not in own]
    return page


def get_questionnaire(
    principal: Principal, questionnaire_id: str, store: Store | None = None
) -> api.QuestionnaireView:
    _readers(principal)
    found = current(store or wiring.store(principal), questionnaire_id)
    if found is None:
        raise NotFound("questionnaire")
    return view(found)


def create_questionnaire(
    principal: Principal, body: api.QuestionnaireCreate, request_id: str, store: Store | None = None
) -> api.QuestionnaireView:
    """A new questionnaire, version 1 (its code taken — by the hospital or a built-in — is a 409)."""
    _admin(principal)
    definition = Definition(**body.model_dump(exclude={"id"}))
    checked(definition)
    if body.id in BUILTINS:
        raise Conflict("a built-in questionnaire has this code: change it with PUT instead")
    store = store or wiring.store(principal, request_id)
    made = Questionnaire(
        id=body.id,
        version=1,
        **definition.model_dump(),
        updated_by=principal.staff,
        updated_by_name=principal.staff_name or "",
        updated_at=now_utc(),
    )
    store.questionnaires.add(made, Conflict("a questionnaire with this code exists"))
    store.audit("questionnaire.create", "questionnaire", made.id, after={"version": 1, "title": made.title})
    store.commit()
    return view(made)


def update_questionnaire(
    principal: Principal,
    questionnaire_id: str,
    body: api.QuestionnaireUpdate,
    request_id: str,
    store: Store | None = None,
) -> api.QuestionnaireView:
    """A new version (the one changed must still be current: else 409); the old ones are kept."""
    _admin(principal)
    store = store or wiring.store(principal, request_id)
    stored = store.questionnaires.get(questionnaire_id)
    now_current = stored or BUILTINS.get(questionnaire_id)
    if now_current is None:
        raise NotFound("questionnaire")
    if body.version != now_current.version:
        raise Conflict(
            f"the questionnaire is at version {now_current.version} now, not {body.version}: reload it"
        )
    definition = Definition(**body.model_dump(exclude={"version"}))
    checked(definition)
    changed = Questionnaire(
        id=questionnaire_id,
        version=now_current.version + 1,
        **definition.model_dump(),
        updated_by=principal.staff,
        updated_by_name=principal.staff_name or "",
        updated_at=now_utc(),
        revision=stored.revision if stored else 0,
    )
    stale = Conflict("the questionnaire changed meanwhile: reload it")
    if stored is None:
        store.questionnaires.add(changed, stale)
    else:
        store.questionnaires.save(changed, stale)
    store.audit(
        "questionnaire.update",
        "questionnaire",
        questionnaire_id,
        before={"version": now_current.version},
        after={"version": changed.version, "title": changed.title},
    )
    store.commit()
    return view(changed)
