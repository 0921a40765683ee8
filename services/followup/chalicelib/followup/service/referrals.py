"""Two-way referral (双向转诊) between the member hospitals of a consortium.

A doctor of hospital A refers a patient (one A reaches) to hospital B, an active member of a consortium
both belong to; B's referral desk (转诊中心) accepts or rejects it within the SLA of its urgency, then
records the arrival (or a no-show) and the completion. A referral is one id stored twice — A's record (box
``out``) and B's copy (box ``in``) — written in ONE transaction (``store.other(B)``), each end with its
own audit trail.

What crosses: the referral's content and, before acceptance, the patient's masked label, sex and age.
On acceptance the minimal identity (name, ID number, mobile; sex and birth date follow from the ID
number) is opened with A's keys and sealed with B's into a patient of B (found by the ID number's claim
when B knows them already: ``patients.admit``); A's access log says "disclosed to <B>", B's
"received from <A>".

Every route checks that both hospitals are still active members of the referral's consortium
(``Consortia.shared``, two GetItems): otherwise the receiver sees a 404, the sender sees its own record
(``linked`` false) and may only cancel. A hospital that is neither end has no item under its tenant: 404.

The SLA: a timer (``SlaTimer(kind="referral", step="escalate")``) under B's tenant, written with the
request, removed by the answer; ``on_timer`` fires it (marks both ends overdue, emits referral.overdue to
B's desk by DING).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.followup.contracts import patients as patient_models
from chalicelib.followup.contracts import referrals as models
from chalicelib.followup.domain import fhir
from chalicelib.followup.domain.enrolments import Encounter
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.ports import Consortia, Directory, Files, Store, Vault
from chalicelib.followup.domain.referrals import (
    DOWNLOAD_SECONDS,
    UPLOAD_SECONDS,
    Attachment,
    Referral,
    ReferralConsent,
    ReferralSettings,
    ReferralState,
    StateChange,
    attachment_key,
    consortium_moves,
    moved,
    sla_due,
    title,
    upload_id,
    upload_parts,
)
from chalicelib.followup.domain.timers import SlaTimer
from chalicelib.followup.service import access, intake, patients, plans, wiring
from chalicelib.followup.service.timers import FIRED

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.envelope import EventType
from shared.events.published.followup import (
    REFERRAL_ACCEPTED,
    REFERRAL_ARRIVED,
    REFERRAL_CANCELLED,
    REFERRAL_COMPLETED,
    REFERRAL_NO_SHOW,
    REFERRAL_OVERDUE,
    REFERRAL_REJECTED,
    REFERRAL_REQUESTED,
    ReferralEvent,
)
from shared.ids import new_id
from shared.observability import logger as make_logger
from shared.persistence.models import now_utc

DESK = ("referral_desk", "hospital_admin")
STALE = Conflict("the referral changed meanwhile; try again")
TAKEN = Conflict("a referral with this id exists already")
NOT_UPLOADED = "an attachment was not uploaded: upload it first, then name it"
logger = make_logger("followup.referrals")

EVENTS: dict[str, EventType[ReferralEvent]] = {
    "requested": REFERRAL_REQUESTED,
    "accepted": REFERRAL_ACCEPTED,
    "rejected": REFERRAL_REJECTED,
    "arrived": REFERRAL_ARRIVED,
    "no_show": REFERRAL_NO_SHOW,
    "completed": REFERRAL_COMPLETED,
    "cancelled": REFERRAL_CANCELLED,
    "overdue": REFERRAL_OVERDUE,
}
WORDS = {
    "requested": "转诊申请",
    "accepted": "转诊已接收",
    "rejected": "转诊被拒绝",
    "arrived": "转诊患者已到院",
    "no_show": "转诊患者未到院",
    "completed": "转诊已完成",
    "cancelled": "转诊已撤回",
    "overdue": "转诊超时未处理",
}


class Adapters:
    """The ports one request uses (tests pass fakes)."""

    def __init__(
        self,
        principal: Principal,
        request_id: str | None,
        store: Store | None,
        directory: Directory | None,
        consortia: Consortia | None,
        vault: Vault | None = None,
        files: Files | None = None,
    ):
        self.store = store or wiring.store(principal, request_id)
        self.directory = directory or wiring.directory()
        self.consortia = consortia or wiring.consortia()
        self._vault = vault
        self._files = files

    @property
    def files(self) -> Files:
        if self._files is None:
            self._files = wiring.files()
        return self._files

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = wiring.vault()
        return self._vault


def _now() -> datetime:
    return now_utc()


# ---- views and events ---------------------------------------------------------------------------------


def view(r: Referral, linked: bool) -> models.ReferralView:
    return models.ReferralView(
        **r.model_dump(exclude={"consent", "history", "revision", "attachments"}),
        attachments=[
            models.AttachmentView(**a.model_dump(exclude={"key", "upload_id"})) for a in r.attachments
        ],
        linked=linked,
        consent_given=r.consent.given,
        consent_method=r.consent.method,
        history=[models.StateChangeView(**h.model_dump()) for h in r.history],
    )


def _event(
    r: Referral,
    what: str,
    side: str,
    notify: list[str] | None = None,
    urgent: bool = False,
    group: dict[str, list[str]] | None = None,
) -> ReferralEvent:
    return ReferralEvent(
        referral_id=r.id,
        direction=r.direction,
        consortium_id=r.consortium_id,
        from_hospital_id=r.from_hospital_id,
        to_hospital_id=r.to_hospital_id,
        side=side,
        state=r.state,
        urgency=r.urgency,
        patient_label=r.patient_label,
        from_department_id=r.from_department_id,
        to_department_id=r.to_department_id,
        referrer_id=r.referrer_id,
        receiver_id=r.receiver_id,
        notify=sorted(set(notify or [])),
        urgent=urgent,
        title=title(r, WORDS[what]),
        group_members=group or {},
    )


def _emit_both(
    store: Store,
    r: Referral,
    what: str,
    *,
    from_notify: list[str] | None = None,
    to_notify: list[str] | None = None,
    urgent: bool = False,
    desk: list[str] | None = None,
) -> None:
    """One envelope under each hospital's tenant: ``from`` (with the referral group) and ``to``."""
    kind = EVENTS[what]
    group = {r.from_hospital_id: [r.referrer_id], r.to_hospital_id: sorted(set(desk or []))}
    if r.receiver_id:
        group[r.to_hospital_id] = sorted({*group[r.to_hospital_id], r.receiver_id})
    store.emit(kind.envelope(r.from_hospital_id, _event(r, what, "from", from_notify, urgent, group)))
    store.emit(kind.envelope(r.to_hospital_id, _event(r, what, "to", to_notify, urgent)))


def _count(store: Store, r: Referral, before: ReferralState | None, event: str, at: datetime) -> None:
    """The counters in the change's transaction: each hospital's box (out at the sender, in at the
    receiver), and the consortium's month under its lead — counts only, no patient."""
    if event != "overdue":
        store.other(r.from_hospital_id).referral_counts.move("out", before, r.state)
        store.other(r.to_hospital_id).referral_counts.move("in", before, r.state)
    moves = consortium_moves(r, event)
    if r.lead_hospital_id and moves:
        store.other(r.lead_hospital_id).referral_counts.add_consortium(
            r.consortium_id, at.strftime("%Y-%m"), moves
        )


def _sla_minutes(store: Store) -> dict[str, int]:
    """The receiver's SLA minutes by urgency (its settings, else the defaults)."""
    return (store.referrals.settings() or ReferralSettings()).minutes()


def _timer(r: Referral) -> SlaTimer:
    return SlaTimer(kind="referral", subject_id=r.id, step="escalate", due_at=r.sla_due_at)


# ---- where I may refer ------------------------------------------------------------------------------------


def destinations(principal: Principal, *, consortia: Consortia | None = None) -> models.Destinations:
    """The hospitals I may refer to: my active consortia's other active members, with their names — the
    hospital's, not the person's (a staff token of the hospital reads it; no patient, no person in it)."""
    consortia = consortia or wiring.consortia()
    items = []
    for link in consortia.memberships(principal.tenant):
        for hospital, name in sorted(consortia.members(link.lead_hospital_id, link.consortium_id).items()):
            if hospital != principal.tenant:
                items.append(
                    models.Destination(
                        hospital_id=hospital,
                        hospital_name=name,
                        consortium_id=link.consortium_id,
                        consortium_name=link.name,
                    )
                )
    return models.Destinations(items=items)


def destination_departments(
    principal: Principal,
    hospital_id: str,
    query: models.DepartmentsQuery,
    *,
    consortia: Consortia | None = None,
    directory: Directory | None = None,
) -> models.DestinationDepartments:
    """A destination's departments (their names, never its people), for a member of a consortium both
    hospitals are active in now; to anyone else the hospital does not exist (404)."""
    consortia = consortia or wiring.consortia()
    directory = directory or wiring.directory()
    if query.consortium_id:
        link = consortia.shared(principal.tenant, hospital_id, query.consortium_id)
    else:  # the first of my consortia it is an active member of too
        link = next(
            (
                found
                for mine in consortia.memberships(principal.tenant)
                if (found := consortia.shared(principal.tenant, hospital_id, mine.consortium_id)) is not None
            ),
            None,
        )
    if link is None:
        raise NotFound("hospital")
    access.caller(principal, directory)
    units = directory.units(hospital_id)
    names = consortia.members(link.lead_hospital_id, link.consortium_id)
    return models.DestinationDepartments(
        hospital_id=hospital_id,
        hospital_name=names.get(hospital_id) or consortia.hospital_name(hospital_id),
        items=[
            models.Department(id=u.id, name=u.name, parent_id=u.parent_id)
            for u in sorted(units.values(), key=lambda u: (u.name, u.id))
        ],
    )


# ---- referring ---------------------------------------------------------------------------------------------


def request(
    principal: Principal,
    body: models.NewReferral,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    consortia: Consortia | None = None,
    files: Files | None = None,
    now: datetime | None = None,
) -> models.ReferralView:
    """``POST /referrals``: a clinical member of staff refers a patient they reach to another member."""
    ports = Adapters(principal, request_id, store, directory, consortia, files=files)
    store, directory, consortia = ports.store, ports.directory, ports.consortia
    reach = access.Reach(principal, directory, store)
    if not reach.clinical or reach.person is None:
        raise Forbidden("a referral is made by the patient's clinical staff")
    patient = reach.patient(store.patients.get(body.patient_id))
    if not body.consent.given:
        raise RuleViolation("the patient's consent to share the referral is required", "consent")
    me, to = principal.tenant, body.to_hospital_id
    link = consortia.shared(me, to, body.consortium_id)
    if link is None:
        raise RuleViolation(
            "the receiving hospital is not an active member of this consortium", "to_hospital_id"
        )
    to_unit = directory.units(to).get(body.to_department_id)
    if to_unit is None:
        raise RuleViolation("no such department in the receiving hospital", "to_department_id")
    attachments = _attachments(ports, me, body.attachments)
    names = consortia.members(link.lead_hospital_id, link.consortium_id)  # as they named themselves there
    from_department = body.from_department_id or reach.person.department_id
    at = now or _now()
    by = reach.person
    referral = Referral(
        id=new_id(),
        box="out",
        direction=body.direction,
        consortium_id=link.consortium_id,
        consortium_name=link.name,
        lead_hospital_id=link.lead_hospital_id,
        from_hospital_id=me,
        from_hospital_name=names.get(me) or consortia.hospital_name(me),
        to_hospital_id=to,
        to_hospital_name=names.get(to) or consortia.hospital_name(to),
        patient_id=patient.id,
        patient_label=patient.label,
        sex=patient.sex,
        age=patient.age_on(at.date()),
        reason=body.reason.strip(),
        diagnosis_code=body.diagnosis_code,
        diagnosis_name=body.diagnosis_name.strip(),
        urgency=body.urgency,
        from_department_id=from_department,
        from_department_name=patient.department_name if from_department == patient.department_id else "",
        to_department_id=to_unit.id,
        to_department_name=to_unit.name,
        referrer_id=by.id,
        referrer_name=by.name,
        consent=ReferralConsent(
            given=True,
            method=body.consent.method,
            note=body.consent.note,
            recorded_by=by.id,
            recorded_by_name=by.name,
            at=at,
        ),
        sla_due_at=sla_due(body.urgency, at, _sla_minutes(store.other(to))),
        summary=body.summary,
        followup_plan_id=body.followup_plan_id,
        attachments=attachments,
        history=[StateChange(state="requested", at=at, hospital_id=me, by=by.id, by_name=by.name)],
        created_at=at,
        updated_at=at,
    )
    copy = referral.model_copy(update={"box": "in", "patient_id": ""})
    theirs = store.other(to)
    store.referrals.add(referral, TAKEN)
    theirs.referrals.add(copy, TAKEN)
    theirs.timers.put(_timer(copy))
    store.audit(
        "referral.requested",
        "patient",
        patient.id,
        after={
            "referral_id": referral.id,
            "reason": f"referred to {referral.to_hospital_name or to} (consent: {body.consent.method})",
            "consent": referral.consent.model_dump(mode="json"),
        },
    )
    theirs.audit("referral.received", "referral", referral.id, after={"from": me, "urgency": body.urgency})
    desk = consortia.referral_desk(to)
    _emit_both(store, referral, "requested", to_notify=desk, urgent=body.urgency == "emergency", desk=desk)
    _count(store, referral, None, "requested", at)
    store.commit()
    return view(referral, True)


# ---- attachments ----------------------------------------------------------------------------------------


def new_upload(
    principal: Principal,
    body: models.NewUpload,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    files: Files | None = None,
    now: datetime | None = None,
) -> models.UploadView:
    """``POST /referrals/attachments``: a presigned PUT, under my hospital's tenant, for a file a referral
    will carry. Nothing is stored: the upload id says the type and size the PUT was signed for, and the
    referral checks the object is there (HeadObject) when it names it."""
    store = store or wiring.store(principal)
    reach = access.Reach(principal, directory or wiring.directory(), store)
    if not reach.clinical:
        raise Forbidden("a referral is made by the patient's clinical staff")
    uid = upload_id(new_id(), body.content_type, body.size)
    key = attachment_key(principal.tenant, uid, body.filename)
    url = (files or wiring.files()).upload_url(key, body.content_type, body.size, UPLOAD_SECONDS)
    return models.UploadView(
        upload_id=uid,
        upload_url=url,
        upload_headers={"Content-Type": body.content_type},
        expires_at=(now or _now()) + timedelta(seconds=UPLOAD_SECONDS),
        key=key,
    )


def _attachments(ports: Adapters, tenant: str, named: list[models.AttachmentIn]) -> list[Attachment]:
    """The files a new referral names: each an upload of mine that landed (one HeadObject each);
    otherwise 422 on ``attachments`` (the key is not echoed)."""
    found = []
    for a in named:
        parts = upload_parts(a.upload_id)
        key = attachment_key(tenant, a.upload_id, a.filename)
        if parts is None or not ports.files.uploaded(key):
            raise RuleViolation(
                "an attachment was not uploaded: upload it first, then name it", "attachments"
            )
        content_type, size = parts
        found.append(
            Attachment(
                upload_id=a.upload_id,
                filename=key.rsplit("/", 1)[1],
                kind=a.kind,
                content_type=content_type,
                size=size,
                key=key,
            )
        )
    if len({a.key for a in found}) != len(found):
        raise RuleViolation("an attachment is named twice", "attachments")
    return found


def attachment_link(
    principal: Principal,
    referral_id: str,
    n: int | str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    consortia: Consortia | None = None,
    files: Files | None = None,
    now: datetime | None = None,
) -> models.AttachmentLink:
    """``GET /referrals/{id}/attachments/{n}``: a presigned GET for whoever reads the referral; each
    download in the SENDING hospital's access log of the patient (naming the reader's hospital), and the
    receiver's too once it has the patient."""
    ports = Adapters(principal, request_id, store, directory, consortia, files=files)
    r, _ = _load(ports, principal, referral_id)
    _require_reader(ports, principal, r)
    index = int(n) if str(n).isdigit() and len(str(n)) < 4 else -1
    if not 0 <= index < len(r.attachments):
        raise NotFound("attachment")
    a = r.attachments[index]
    reader = r.from_hospital_name if r.box == "out" else r.to_hospital_name
    reason = f"{a.filename}, read by {reader or principal.tenant}"
    if r.box == "out":
        ports.store.access.record(r.patient_id, "read:referral-attachment", reason)
    else:
        sender = ports.store.other(r.from_hospital_id)
        theirs = sender.referrals.get(r.id)
        if theirs is None:
            raise NotFound("referral")
        sender.access.record(theirs.patient_id, "read:referral-attachment", reason)
        if r.patient_id:
            ports.store.access.record(r.patient_id, "read:referral-attachment", reason)
    return models.AttachmentLink(
        url=ports.files.download_url(a.key, a.filename, DOWNLOAD_SECONDS),
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        expires_at=(now or _now()) + timedelta(seconds=DOWNLOAD_SECONDS),
    )


# ---- reading one --------------------------------------------------------------------------------------


def _load(ports: Adapters, principal: Principal, referral_id: str) -> tuple[Referral, bool]:
    """My end of the referral and whether both hospitals are still linked; 404 when I have none, and for
    the receiver once the link is gone."""
    mine = ports.store.referrals.get(referral_id)
    if mine is None:
        raise NotFound("referral")
    linked = (
        ports.consortia.shared(mine.from_hospital_id, mine.to_hospital_id, mine.consortium_id) is not None
    )
    if not linked and mine.box == "in":
        raise NotFound("referral")
    return mine, linked


def _require_reader(ports: Adapters, principal: Principal, r: Referral) -> None:
    """Who reads a referral: the desk and the admins of either end; the referring doctor and the
    receiving doctor; the clinical staff of the sending department (sender's side) or of the receiving
    department (receiver's side). Anyone else: the same 404 as no referral at all."""
    if principal.has_any_role(DESK) or principal.staff in (r.referrer_id, r.receiver_id):
        return
    person = ports.directory.staff(principal.tenant, principal.staff)
    department = r.from_department_id if r.box == "out" else r.to_department_id
    if person is None or not person.active or not set(person.roles) & set(access.CLINICAL):
        raise NotFound("referral")
    if person.department_id != department:
        raise NotFound("referral")


def get(
    principal: Principal,
    referral_id: str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    consortia: Consortia | None = None,
) -> models.ReferralView:
    ports = Adapters(principal, request_id, store, directory, consortia)
    r, linked = _load(ports, principal, referral_id)
    _require_reader(ports, principal, r)
    if r.patient_id:
        ports.store.access.record(r.patient_id, "read:referral")
    return view(r, linked)


def export_fhir(
    principal: Principal,
    referral_id: str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    consortia: Consortia | None = None,
) -> dict[str, Any]:
    """``GET /referrals/{id}/fhir``: my end as a FHIR R4 Bundle (ServiceRequest + Task); the read audited."""
    ports = Adapters(principal, request_id, store, directory, consortia)
    r, _ = _load(ports, principal, referral_id)
    _require_reader(ports, principal, r)
    if r.patient_id:
        ports.store.access.record(r.patient_id, "export:fhir")
    return fhir.referral_bundle(r)


def list_referrals(
    principal: Principal,
    query: models.ReferralsQuery,
    *,
    store: Store | None = None,
    consortia: Consortia | None = None,
) -> models.ReferralList:
    """A hospital's board: referrals in a box and state, the earliest SLA due (the overdue) first."""
    store = store or wiring.store(principal)
    consortia = consortia or wiring.consortia()
    if not principal.has_any_role((*DESK, *access.CLINICAL)):
        raise Forbidden("the referral boards are for the hospital's staff")
    rows, cursor = store.referrals.box(query.box, query.state, query.limit, query.cursor)
    links: dict[tuple[str, str, str], bool] = {}  # checked once per partner hospital on the page
    items = []
    for r in rows:
        pair = (r.from_hospital_id, r.to_hospital_id, r.consortium_id)
        if pair not in links:
            links[pair] = consortia.shared(*pair) is not None
        if links[pair] or r.box == "out":  # the receiver of a link gone sees nothing of it
            items.append(view(r, links[pair]))
    return models.ReferralList(items=items, next_cursor=cursor)


# ---- answering (the receiver) ------------------------------------------------------------------------------


def _receiver_end(ports: Adapters, principal: Principal, referral_id: str) -> tuple[Referral, Referral]:
    """(the receiver's copy, the sender's record) for the receiver's desk acting on a linked referral."""
    mine, _ = _load(ports, principal, referral_id)
    if mine.box != "in":
        raise Forbidden("only the receiving hospital's referral desk answers a referral")
    if not principal.has_any_role(DESK):
        raise Forbidden("only the receiving hospital's referral desk answers a referral")
    theirs = ports.store.other(mine.from_hospital_id).referrals.get(referral_id)
    if theirs is None:  # the sender's record is gone (never: a purge removes both) — nothing to answer
        raise NotFound("referral")
    return mine, theirs


def _by(principal: Principal) -> tuple[str, str]:
    return principal.staff, principal.staff_name or ""


def _save_both(store: Store, mine: Referral, theirs: Referral) -> None:
    """Both ends, each over the revision read (the sender's under its tenant, in the same transaction)."""
    store.referrals.save(mine, STALE)
    store.other(theirs.from_hospital_id if theirs.box == "out" else theirs.to_hospital_id).referrals.save(
        theirs, STALE
    )


def _mirror(source: Referral, other: Referral) -> Referral:
    """The other end after a move: the same state, history and answer; its own box and patient."""
    return source.model_copy(
        update={"box": other.box, "patient_id": other.patient_id, "revision": other.revision}
    )


def accept(
    principal: Principal,
    referral_id: str,
    body: models.AcceptReferral,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    consortia: Consortia | None = None,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> models.ReferralView:
    """The receiver's desk accepts: an appointment (or a bed and a time); the minimal identity is sealed
    into a patient of the receiver; both access logs record the disclosure."""
    ports = Adapters(principal, request_id, store, directory, consortia, vault)
    mine, theirs = _receiver_end(ports, principal, referral_id)
    if body.appointment_at is None:
        raise RuleViolation("an acceptance names the appointment or the bed's time", "appointment_at")
    receiver_name = ""
    if body.receiver_id:
        doctor = ports.directory.staff(principal.tenant, body.receiver_id)
        if doctor is None or not doctor.active:
            raise RuleViolation("no such member of staff in this hospital", "receiver_id")
        receiver_name = doctor.name
    at = now or _now()
    sender = ports.store.other(mine.from_hospital_id)
    source = sender.patients.get(theirs.patient_id)
    if source is None or source.state != "active":
        raise Conflict("the referred patient's record is not available any more at the sending hospital")
    opened = {k: ports.vault.open(mine.from_hospital_id, v) for k, v in source.sealed.items()}
    patient, _ = patients.admit(
        principal,
        patient_models.NewPatient(
            name=opened.get("name", ""),
            id_number=opened.get("id_number", ""),
            mobile=opened.get("mobile", ""),
            department_id=mine.to_department_id,
            # down: the clinic follows them up; up: not asked here yet (at this hospital's discharge)
            consent_followup=True if mine.direction == "down" else None,
        ),
        ports.store,
        ports.directory,
        ports.vault,
        patients.retention_years(ports.store),
    )
    by, by_name = _by(principal)
    enrolment_id = ""
    if mine.direction == "down":
        enrolment_id = _enrol_down(ports, principal, mine, body, patient, at)
    accepted = moved(
        mine,
        "accepted",
        at,
        principal.tenant,
        by,
        by_name,
        appointment_at=body.appointment_at.astimezone(UTC),
        bed=body.bed.strip(),
        receiver_id=body.receiver_id,
        receiver_name=receiver_name,
        answered_by=by,
        answered_by_name=by_name,
        patient_id=patient.id,
        patient_label=patient.label,
        enrolment_id=enrolment_id,
    )
    _save_both(ports.store, accepted, _mirror(accepted, theirs))
    _count(ports.store, accepted, mine.state, "accepted", at)
    ports.store.timers.remove(_timer(mine))
    sender.audit(
        "referral.disclosed",
        "patient",
        theirs.patient_id,
        after={
            "referral_id": mine.id,
            "reason": f"disclosed to {mine.to_hospital_name or mine.to_hospital_id}",
        },
    )
    ports.store.audit(
        "referral.received",
        "patient",
        patient.id,
        after={
            "referral_id": mine.id,
            "reason": f"received from {mine.from_hospital_name or mine.from_hospital_id}",
        },
    )
    desk = ports.consortia.referral_desk(principal.tenant)
    _emit_both(
        ports.store,
        accepted,
        "accepted",
        from_notify=[accepted.referrer_id],
        to_notify=[body.receiver_id] if body.receiver_id else [],
        desk=desk,
    )
    ports.store.commit()
    return view(accepted, True)


def _enrol_down(
    ports: Adapters,
    principal: Principal,
    referral: Referral,
    body: models.AcceptReferral,
    patient: Patient,
    at: datetime,
) -> str:
    """A down referral accepted: the receiver's patient enters the receiver's follow-up with the plan that
    travelled (the sender's plan id — a built-in plan, or one the receiver has too — unless the desk names
    one of its own) and the receiver's care team, through intake's one enrolment path. The enrolment's id
    ("" when the patient refused follow-up here)."""
    store = ports.store
    plan_id = body.plan_id or referral.followup_plan_id
    plan = plans.current_plan(store, plan_id) if plan_id else None
    if plan is None:
        raise RuleViolation("no such follow-up plan in this hospital", "plan_id")
    team_name = ""
    if body.team_id:
        team = store.teams.get(body.team_id)
        if team is None:
            raise RuleViolation("no such care team in this hospital", "team_id")
        team_name = team.name
    if patient.refuses("followup"):
        return ""
    encounter = Encounter(
        id=f"{patient.id}-{new_id()}",
        patient_id=patient.id,
        source="referral",
        source_id=referral.id,
        diagnoses=[referral.diagnosis_code],
        department_id=referral.to_department_id,
        department_name=referral.to_department_name,
        discharge_date=intake.today(),
        doctor_id=body.receiver_id or principal.staff,
        team_id=body.team_id,
        team_name=team_name,
        created_at=at,
        created_by=principal.user,
    )
    encounter, enrolment, _ = intake.stage_enrolment(store, patient, encounter, plan, at)
    store.encounters.add(encounter, f"referral#{referral.id}", Conflict("this referral was accepted already"))
    return enrolment.id


def reject(
    principal: Principal,
    referral_id: str,
    body: models.RejectReferral,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    consortia: Consortia | None = None,
    now: datetime | None = None,
) -> models.ReferralView:
    ports = Adapters(principal, request_id, store, directory, consortia)
    mine, theirs = _receiver_end(ports, principal, referral_id)
    at = now or _now()
    by, by_name = _by(principal)
    reason = body.reason.strip()
    rejected = moved(
        mine,
        "rejected",
        at,
        principal.tenant,
        by,
        by_name,
        reason,
        reject_reason=reason,
        answered_by=by,
        answered_by_name=by_name,
    )
    _save_both(ports.store, rejected, _mirror(rejected, theirs))
    _count(ports.store, rejected, mine.state, "rejected", at)
    ports.store.timers.remove(_timer(mine))
    ports.store.audit("referral.rejected", "referral", mine.id, after={"reason": reason})
    _emit_both(ports.store, rejected, "rejected", from_notify=[rejected.referrer_id])
    ports.store.commit()
    return view(rejected, True)


def _follow_through(
    to: ReferralState,
    principal: Principal,
    referral_id: str,
    note: str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    consortia: Consortia | None = None,
    now: datetime | None = None,
) -> models.ReferralView:
    """arrived, no_show, completed: the receiver's desk (or the receiving doctor) records it."""
    ports = Adapters(principal, request_id, store, directory, consortia)
    mine, _ = _load(ports, principal, referral_id)
    if mine.box != "in" or not (principal.has_any_role(DESK) or principal.staff == mine.receiver_id):
        raise Forbidden("only the receiving hospital's referral desk answers a referral")
    theirs = ports.store.other(mine.from_hospital_id).referrals.get(referral_id)
    if theirs is None:
        raise NotFound("referral")
    at = now or _now()
    by, by_name = _by(principal)
    after = moved(mine, to, at, principal.tenant, by, by_name, note.strip())
    _save_both(ports.store, after, _mirror(after, theirs))
    _count(ports.store, after, mine.state, to, at)
    if after.patient_id:
        ports.store.audit(f"referral.{to}", "patient", after.patient_id, after={"referral_id": mine.id})
    else:
        ports.store.audit(f"referral.{to}", "referral", mine.id)
    _emit_both(ports.store, after, to, from_notify=[after.referrer_id])
    ports.store.commit()
    return view(after, True)


def arrived(
    principal: Principal, referral_id: str, body: models.NoteBody, request_id: str | None = None, **kw: Any
) -> models.ReferralView:
    return _follow_through("arrived", principal, referral_id, body.note, request_id, **kw)


def no_show(
    principal: Principal, referral_id: str, body: models.NoteBody, request_id: str | None = None, **kw: Any
) -> models.ReferralView:
    return _follow_through("no_show", principal, referral_id, body.note, request_id, **kw)


def complete(
    principal: Principal, referral_id: str, body: models.NoteBody, request_id: str | None = None, **kw: Any
) -> models.ReferralView:
    return _follow_through("completed", principal, referral_id, body.note, request_id, **kw)


# ---- withdrawing (the sender) --------------------------------------------------------------------------


def cancel(
    principal: Principal,
    referral_id: str,
    body: models.NoteBody,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    consortia: Consortia | None = None,
    now: datetime | None = None,
) -> models.ReferralView:
    """The sender withdraws a referral not answered yet (also once the consortium link is gone)."""
    ports = Adapters(principal, request_id, store, directory, consortia)
    mine, linked = _load(ports, principal, referral_id)
    if mine.box != "out":
        raise Forbidden("only the referring hospital withdraws a referral")
    _require_reader(ports, principal, mine)
    theirs_store = ports.store.other(mine.to_hospital_id)
    theirs = theirs_store.referrals.get(referral_id)
    at = now or _now()
    by, by_name = _by(principal)
    cancelled = moved(mine, "cancelled", at, principal.tenant, by, by_name, body.note.strip())
    ports.store.referrals.save(cancelled, STALE)
    _count(ports.store, cancelled, mine.state, "cancelled", at)
    if theirs is not None:
        theirs_store.referrals.save(_mirror(cancelled, theirs), STALE)
        theirs_store.timers.remove(_timer(theirs))
    ports.store.audit("referral.cancelled", "patient", mine.patient_id, after={"referral_id": mine.id})
    if linked:
        _emit_both(
            ports.store, cancelled, "cancelled", to_notify=ports.consortia.referral_desk(mine.to_hospital_id)
        )
    ports.store.commit()
    return view(cancelled, linked)


# ---- the SLA ---------------------------------------------------------------------------------------------


def on_timer(
    tenant: str,
    timer: SlaTimer,
    now: datetime,
    *,
    store: Store | None = None,
    consortia: Consortia | None = None,
) -> None:
    """A referral's SLA ran out unanswered (the sweep; ``tenant`` is the receiver): both ends marked
    overdue, the desk escalated to by DING — once: the timer is deleted on the condition it is still
    there, in the same transaction."""
    store = store or wiring.system_store(tenant)
    consortia = consortia or wiring.consortia()
    mine = store.referrals.get(timer.subject_id)
    if mine is None or mine.state != "requested" or mine.box != "in":
        store.timers.fire(timer, FIRED)
        store.commit()
        return
    sender = store.other(mine.from_hospital_id)
    theirs = sender.referrals.get(mine.id)
    marked = mine.model_copy(update={"overdue": True, "escalated_at": now, "updated_at": now})
    store.timers.fire(timer, FIRED)
    store.referrals.save(marked, STALE)
    if theirs is not None:
        sender.referrals.save(_mirror(marked, theirs), STALE)
    store.audit("referral.overdue", "referral", mine.id, after={"due": mine.sla_due_at.isoformat()})
    _count(store, marked, None, "overdue", now)
    linked = consortia.shared(mine.from_hospital_id, mine.to_hospital_id, mine.consortium_id) is not None
    if linked:
        desk = consortia.desk_on_duty(tenant, now)  # who is on duty at the desk now, else the whole desk
        _emit_both(
            store, marked, "overdue", from_notify=[marked.referrer_id], to_notify=desk, urgent=True, desk=desk
        )
    store.commit()
    logger.info("a referral passed its SLA", extra={"referral_id": mine.id, "tenant": tenant})


# ---- boards and counts -----------------------------------------------------------------------------


def summary(principal: Principal, *, store: Store | None = None) -> models.ReferralSummary:
    """My hospital's referrals by box and state (counters moved in each change's transaction)."""
    store = store or wiring.store(principal)
    if not principal.has_any_role((*DESK, *access.CLINICAL)):
        raise Forbidden("the referral boards are for the hospital's staff")
    counts = store.referral_counts.summary()
    return models.ReferralSummary(
        outbound={k.removeprefix("out_"): n for k, n in counts.items() if k.startswith("out_")},
        inbound={k.removeprefix("in_"): n for k, n in counts.items() if k.startswith("in_")},
    )


def consortium_counts(
    principal: Principal,
    consortium_id: str,
    month: str,
    *,
    store: Store | None = None,
    consortia: Consortia | None = None,
) -> models.ConsortiumCounts:
    """The consortium's month, for its lead hospital's admins only (a member or an outsider: 404)."""
    store = store or wiring.store(principal)
    consortia = consortia or wiring.consortia()
    month = month or _now().strftime("%Y-%m")
    lead = [m for m in consortia.memberships(principal.tenant) if m.consortium_id == consortium_id]
    if not lead or lead[0].role != "lead" or lead[0].lead_hospital_id != principal.tenant:
        raise NotFound("consortium")
    return models.ConsortiumCounts(
        consortium_id=consortium_id,
        consortium_name=lead[0].name,
        month=month,
        **store.referral_counts.consortium(consortium_id, month),
    )


# ---- settings ---------------------------------------------------------------------------------------


def _settings_view(s: ReferralSettings) -> models.SettingsView:
    return models.SettingsView(**s.model_dump())


def get_settings(principal: Principal, *, store: Store | None = None) -> models.SettingsView:
    """The SLA my hospital answers referrals within, by urgency (the defaults until it saves its own)."""
    store = store or wiring.store(principal)
    return _settings_view(store.referrals.settings() or ReferralSettings())


def put_settings(
    principal: Principal,
    body: models.SettingsBody,
    request_id: str | None = None,
    *,
    store: Store | None = None,
) -> models.SettingsView:
    """The hospital admin sets the SLA (over the revision read: 409 when someone saved meanwhile)."""
    store = store or wiring.store(principal, request_id)
    saved = ReferralSettings(
        emergency=body.emergency,
        urgent=body.urgent,
        routine=body.routine,
        updated_by=principal.staff_name or principal.user,
        updated_at=_now(),
        revision=body.revision,
    )
    store.referrals.put_settings(saved, Conflict("the referral settings changed meanwhile; reload them"))
    store.audit("referral.settings", "referral_settings", "settings", after=saved.minutes())
    store.commit()
    return _settings_view(saved.model_copy(update={"revision": body.revision + 1}))
