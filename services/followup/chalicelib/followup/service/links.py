"""The patient's link (``domain/links.py``): made from a follow-up task by staff who reach the patient,
revoked by them; opened and answered by the patient, without an account.

The public requests carry no bearer token: the token in the path is the whole credential, and it opens
exactly one questionnaire (the version the link was made for) of one patient and takes exactly one
response — no other route accepts it. Anything wrong with it is the same 401.

A response is checked against its version (``domain/questionnaires.evaluate``), scored, and stored in the
patient's partition; in the same transaction the link is marked answered (a second response is a 409),
the task it came from is done with the outcome ``reached`` (``followup.task.done``), and an abnormal
response raises the alert (``service/alerts.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.followup.contracts import questionnaires as api
from chalicelib.followup.domain import links as rules
from chalicelib.followup.domain.links import Link
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.ports import Directory, LinkLookup, Store, Vault
from chalicelib.followup.domain.questionnaires import evaluate
from chalicelib.followup.domain.results import Response, Responsible
from chalicelib.followup.service import wiring
from chalicelib.followup.service.access import require_patient
from chalicelib.followup.service.alerts import raise_alert, task_done_event
from chalicelib.followup.service.questionnaires import answered_version, current

from shared import problems
from shared.auth import Principal
from shared.errors import Conflict, NotFound, RateLimited, RuleViolation, Unauthenticated
from shared.ids import new_id
from shared.persistence.models import now_utc
from shared.problems import FieldError

PATIENT_PATH = "/followup/p/{token}"
INVALID = "this link is not valid: it has expired, was revoked, or does not exist"
THANKS = "提交成功，感谢您的配合！如有不适请及时就医。"
LINK_ACTOR_NAME = "患者本人（随访链接）"


def base_url(headers: dict[str, str]) -> str:
    """Where the caller reached the API (``https://<host>``), for the link's full URL."""
    host = headers.get("host") or ""
    if not host:
        return ""
    local = host.split(":", 1)[0] in ("localhost", "127.0.0.1", "testserver")
    proto = headers.get("x-forwarded-proto") or ("http" if local else "https")
    return f"{proto.split(',', 1)[0].strip()}://{host}"


def _reached(
    principal: Principal, store: Store, directory: Directory, patient_id: str, missing: str
) -> Patient:
    """The patient if the caller reaches them (the one policy: any department that follows them, or a
    care team); else a 404 naming only ``missing``, never the id."""
    try:
        return require_patient(principal, store.patients.get(patient_id), directory, store)
    except NotFound:
        raise NotFound(missing) from None


def _signed_token(store: Store, vault: Vault | None, link_id: str) -> str:
    """A new link's token: a random secret and its signature by the province's HMAC key (KMS)."""
    secret = rules.new_secret()
    signature = (vault or wiring.vault()).digest(
        store.tenant, rules.SIGNING_KIND, rules.signed_message(link_id, secret)
    )
    return rules.token_of(secret, signature)


def _consenting(patient: Patient) -> None:
    if patient.refuses("followup"):
        raise Conflict("the patient has withdrawn consent to follow-up: no link is sent to them")


def create_link(
    principal: Principal,
    task_id: str,
    body: api.LinkCreate,
    request_id: str,
    base: str = "",
    store: Store | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> api.LinkCreated:
    """A link for the task's patient to answer one questionnaire (the task's, or the one named): its URL
    is in this answer only. Reads: the task, the patient, the caller's standing and reach, the
    questionnaire; one transaction (the link and its audit in the patient's access log)."""
    store = store or wiring.store(principal, request_id)
    directory = directory or wiring.directory()
    task = store.tasks.get(task_id)
    if task is None:
        raise NotFound("task")
    patient = _reached(principal, store, directory, task.patient_id, "task")
    _consenting(patient)
    patient_id, label = patient.id, patient.label
    if task.state != "open":
        raise Conflict(f"the task is {task.state}: a link is sent for an open task")
    code = body.questionnaire_id or str(
        task.detail.get("questionnaire_code") or task.detail.get("questionnaire_id") or ""
    )
    if not code:
        raise RuleViolation("the task names no questionnaire: name one", field="questionnaire_id")
    questionnaire = current(store, code)
    if questionnaire is None:
        raise NotFound("questionnaire")
    now = now or now_utc()
    link_id = f"{patient_id}-{new_id()}"
    token = _signed_token(store, vault, link_id)
    link = Link(
        id=link_id,
        patient_id=patient_id,
        patient_label=label,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_title=questionnaire.title,
        task_id=task.id,
        department_id=task.department_id,
        department_name=task.department_name,
        doctor_id=task.doctor_id,
        doctor_name=task.doctor_name,
        team_id=task.team_id,
        team_name=task.team_name,
        token_hash=rules.token_hash(token),
        created_by=principal.staff,
        created_by_name=principal.staff_name or "",
        created_at=now,
        expires_at=rules.expiry(now, body.days),
    )
    store.links.add(link)
    store.audit(
        "link.create",
        "patient",
        patient_id,
        after={
            "link_id": link_id,
            "task_id": task.id,
            "questionnaire": f"{questionnaire.id}@{questionnaire.version}",
            "expires_at": link.expires_at.isoformat(),
        },
    )
    store.commit()
    path = PATIENT_PATH.format(token=token)
    return api.LinkCreated(
        id=link_id,
        url=base.rstrip("/") + path,
        path=path,
        expires_at=link.expires_at,
        patient_id=patient_id,
        patient_label=label,
        task_id=task.id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_title=questionnaire.title,
    )


def revoke_link(
    principal: Principal,
    link_id: str,
    request_id: str,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> None:
    """The link stops working at once (revoking it again changes nothing)."""
    store = store or wiring.store(principal, request_id)
    link = store.links.get(link_id)
    if link is None:
        raise NotFound("link")
    _reached(principal, store, directory or wiring.directory(), link.patient_id, "link")
    if link.revoked_at is not None:
        return
    revoked = link.model_copy(
        update={
            "revoked_at": now or now_utc(),
            "revoked_by": principal.staff,
            "revoked_by_name": principal.staff_name or "",
        }
    )
    store.links.save(revoked, Conflict("the link changed meanwhile: reload it"))
    store.audit("link.revoke", "patient", link.patient_id, after={"link_id": link.id})
    store.commit()


# ---- the patient's side ---------------------------------------------------------------------------------


def _link_principal(tenant: str, link: Link) -> Principal:
    """Whom a patient's request acts as inside the hospital: the link, nothing more."""
    return Principal(tenant=tenant, user=f"link:{link.id}", kind="patient", staff_name=LINK_ACTOR_NAME)


def resolve(
    token: str,
    request_id: str | None,
    lookup: LinkLookup | None,
    store_of: Callable[[Principal, str | None], Store] | None,
    vault: Vault | None,
    now: datetime,
) -> tuple[Link, Store]:
    """The link a token names and a store of its hospital acting as it (a ``patient`` principal
    ``link:<link_id>``), after the rate limit; any fault is the same 401 (a guesser learns nothing).
    Reads: one Query (the digest); one UpdateItem (the count). Another patient-facing use (a revisit
    request through a link) resolves its token here and then checks what the link is for."""
    if not rules.looks_like_token(token):
        raise Unauthenticated(INVALID)
    found = (lookup or wiring.link_lookup()).find(rules.token_hash(token))
    if found is None:
        raise Unauthenticated(INVALID)
    tenant, link = found
    store = (store_of or wiring.store)(_link_principal(tenant, link), request_id)
    window, retry_after = rules.rate_window(now)
    store.links.hit(
        link.id,
        window,
        rules.RATE_PER_MINUTE,
        RateLimited("too many requests for this link: wait a minute and try again", retry_after),
    )
    secret, signature = rules.split(token)
    expected = (vault or wiring.vault()).digest(
        tenant, rules.SIGNING_KIND, rules.signed_message(link.id, secret)
    )
    if not rules.signature_ok(expected, signature) or not link.opens(now):
        raise Unauthenticated(INVALID)
    return link, store


def _questionnaire_link(link: Link) -> Link:
    """A link opens what it was made for and nothing else."""
    if link.purpose != "questionnaire":
        raise Unauthenticated(INVALID)
    return link


def open_link(
    token: str,
    lookup: LinkLookup | None = None,
    store_of: Callable[[Principal, str | None], Store] | None = None,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> api.PatientQuestionnaire:
    """The questionnaire to render, the patient's masked name, and whether it is answered already."""
    now = now or now_utc()
    link, store = resolve(token, None, lookup, store_of, vault, now)
    _questionnaire_link(link)
    questionnaire = answered_version(store, link.questionnaire_id, link.questionnaire_version)
    if questionnaire is None:
        raise Unauthenticated(INVALID)  # its questionnaire is gone: the link opens nothing
    return api.PatientQuestionnaire(
        title=questionnaire.title,
        description=questionnaire.description,
        items=questionnaire.items,
        patient_label=link.patient_label,
        expires_at=link.expires_at,
        answered=bool(link.response_id),
    )


def open_form(
    token: str,
    lookup: LinkLookup | None = None,
    store_of: Callable[[Principal, str | None], Store] | None = None,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> str:
    """The same questionnaire as a page for the phone's browser (``service/patient_form.py``)."""
    from chalicelib.followup.service import patient_form

    return patient_form.render(open_link(token, lookup, store_of, vault, now))


def submit_response(
    token: str,
    body: api.ResponseBody,
    request_id: str,
    lookup: LinkLookup | None = None,
    store_of: Callable[[Principal, str | None], Store] | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> api.ResponseReceipt:
    """The patient's answers: checked (422 naming each item), scored, kept; the link answered, its task
    done (reached), an alert raised if abnormal — one transaction. A second response is a 409."""
    now = now or now_utc()
    link, store = resolve(token, request_id, lookup, store_of, vault, now)
    _questionnaire_link(link)
    if link.response_id:
        raise Conflict("this questionnaire has been answered already")
    questionnaire = answered_version(store, link.questionnaire_id, link.questionnaire_version)
    if questionnaire is None:
        raise Unauthenticated(INVALID)
    result = evaluate(questionnaire, body.answers)
    if result.faults:
        raise problems.validation_failed([FieldError(f.field, f.message, "rule") for f in result.faults])
    response_id = f"{link.patient_id}-{new_id()}"
    # The link first: of answers sent at once, one is kept, and the others are told it was answered (the
    # transaction reports the first condition that failed).
    store.links.save(
        link.model_copy(update={"response_id": response_id}),
        Conflict("this questionnaire has been answered already"),
    )
    task = store.tasks.get(link.task_id) if link.task_id else None
    responsible = (
        Responsible.of_task(task)
        if task is not None
        else Responsible(
            link.department_id,
            link.department_name,
            link.doctor_id,
            link.doctor_name,
            link.team_id,
            link.team_name,
        )
    )
    if task is not None and task.state == "open":
        done = task.model_copy(
            update={
                "state": "done",
                "outcome": "reached",
                "notes": f"患者已通过随访链接填写问卷（{questionnaire.title}）",
                "done_by": f"link:{link.id}",
                "done_by_name": LINK_ACTOR_NAME,
                "done_at": now,
            }
        )
        store.tasks.save(done, Conflict("the follow-up task changed meanwhile: submit again"))
        task_done_event(store, done)
    alert_id = ""
    if result.abnormal:
        alert = raise_alert(
            store,
            directory or wiring.directory(),
            link.patient_id,
            link.patient_label,
            responsible,
            [f.text for f in result.findings],
            questionnaire.urgent,
            {"response_id": response_id, "questionnaire_id": questionnaire.id},
            now,
        )
        alert_id = alert.id
    store.responses.add(
        Response(
            id=response_id,
            patient_id=link.patient_id,
            patient_label=link.patient_label,
            link_id=link.id,
            task_id=link.task_id,
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            questionnaire_title=questionnaire.title,
            answers=result.answers,
            score=result.score,
            band=result.band,
            findings=result.findings,
            abnormal=result.abnormal,
            alert_task_id=alert_id,
            submitted_at=now,
        )
    )
    store.audit(
        "response.submit",
        "patient",
        link.patient_id,
        after={"response_id": response_id, "link_id": link.id, "abnormal": result.abnormal},
    )
    store.commit()
    return api.ResponseReceipt(submitted_at=now, message=THANKS)


# ---- the revisit link (慢病复诊 through a link) ---------------------------------------------------------

REVISIT_PATH = "/followup/p/{token}/revisit"
STATE_LABELS = {"pool": "等待医生接单", "claimed": "医生已接单", "closed": "已处理"}
REVISIT_THANKS = "已提交，科室医生接单后会尽快与您联系。如病情加重请及时就医。"


def create_revisit_link(
    principal: Principal,
    patient_id: str,
    body: api.RevisitLinkCreate,
    request_id: str,
    base: str = "",
    store: Store | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> api.RevisitLinkCreated:
    """A link for a chronic patient to ask the department for a revisit (续方, 预约复诊, 咨询) from
    their phone, for up to 30 days: its URL is in this answer only. Reads: the patient, the caller's
    standing and reach, the units (the department's name); one transaction (the link and its audit in the
    access log)."""
    store = store or wiring.store(principal, request_id)
    directory = directory or wiring.directory()
    patient = _reached(principal, store, directory, patient_id, "patient")
    _consenting(patient)
    department_id = body.department_id or patient.department_id
    unit = directory.units(principal.tenant).get(department_id)
    if unit is None:
        raise RuleViolation("no such department in this hospital", field="department_id")
    now = now or now_utc()
    link_id = f"{patient.id}-{new_id()}"
    token = _signed_token(store, vault, link_id)
    link = Link(
        id=link_id,
        patient_id=patient.id,
        patient_label=patient.label,
        purpose="revisit",
        department_id=unit.id,
        department_name=unit.name,
        token_hash=rules.token_hash(token),
        created_by=principal.staff,
        created_by_name=principal.staff_name or "",
        created_at=now,
        expires_at=rules.expiry(now, body.days),
    )
    store.links.add(link)
    store.audit(
        "link.create",
        "patient",
        patient.id,
        after={
            "link_id": link_id,
            "purpose": "revisit",
            "department_id": unit.id,
            "expires_at": link.expires_at.isoformat(),
        },
    )
    store.commit()
    path = REVISIT_PATH.format(token=token)
    return api.RevisitLinkCreated(
        id=link_id,
        url=base.rstrip("/") + path,
        path=path,
        expires_at=link.expires_at,
        patient_id=patient.id,
        patient_label=patient.label,
        department_id=unit.id,
        department_name=unit.name,
    )


def _revisit_link(link: Link) -> Link:
    """A revisit link asks for revisits and nothing else (a questionnaire link cannot)."""
    if link.purpose != "revisit":
        raise Unauthenticated(INVALID)
    return link


def _latest(store: Store, link: Link) -> api.OpenRequest | None:
    if not link.response_id:
        return None
    revisit = store.revisits.get(link.response_id)
    if revisit is None:
        return None
    return api.OpenRequest(
        summary=revisit.summary,
        state=revisit.state,
        state_label=STATE_LABELS[revisit.state],
        doctor_name=revisit.doctor_name if revisit.state != "pool" else "",
    )


def open_revisit(
    token: str,
    lookup: LinkLookup | None = None,
    store_of: Callable[[Principal, str | None], Store] | None = None,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> api.PatientRevisitPage:
    """What the patient's phone shows at a revisit link: the masked name, the department, what can be
    asked, and the latest request's state."""
    from chalicelib.followup.domain.revisits import ASK_WORDS

    now = now or now_utc()
    link, store = resolve(token, None, lookup, store_of, vault, now)
    _revisit_link(link)
    latest = _latest(store, link)
    return api.PatientRevisitPage(
        patient_label=link.patient_label,
        department_name=link.department_name,
        expires_at=link.expires_at,
        asks=[api.AskChoice(ask=ask, label=word) for ask, word in ASK_WORDS.items()],
        latest=latest,
        can_ask=latest is None or latest.state == "closed",
    )


def ask_revisit(
    token: str,
    body: api.PatientRevisitBody,
    request_id: str,
    lookup: LinkLookup | None = None,
    store_of: Callable[[Principal, str | None], Store] | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> api.PatientRevisitReceipt:
    """The patient asks through their link: the request enters the department's pool like any other
    (``service/revisits.request_revisit``: its doctors are told), one open request at a time — a second
    while the first is waiting or claimed is a 409. The link keeps the latest request, in the same
    transaction (of two sent at once, one lands)."""
    from chalicelib.followup.service import revisits

    now = now or now_utc()
    link, store = resolve(token, request_id, lookup, store_of, vault, now)
    _revisit_link(link)
    latest = _latest(store, link)
    if latest is not None and latest.state != "closed":
        raise Conflict("your revisit request is still being handled: a doctor will contact you")
    patient = store.patients.get(link.patient_id)
    if patient is None or patient.state != "active":
        raise Unauthenticated(INVALID)
    link_principal = _link_principal(store.tenant, link)
    directory = directory or wiring.directory()
    # The revisit's id is made here so the link can name it in the same transaction.
    staged = {"id": ""}

    def keep(revisit_id: str) -> None:
        store.links.save(
            link.model_copy(update={"response_id": revisit_id}),
            Conflict("your revisit request is still being handled: a doctor will contact you"),
        )
        staged["id"] = revisit_id

    revisit = revisits.request_revisit(
        link_principal,
        patient,
        link.department_id,
        body.ask,
        body.text,
        "link",
        store=store,
        directory=directory,
        now=now,
        before_commit=keep,
    )
    return api.PatientRevisitReceipt(
        submitted_at=revisit.created_at, state=revisit.state, message=REVISIT_THANKS
    )
