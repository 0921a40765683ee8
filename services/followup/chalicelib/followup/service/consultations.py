"""Consultations (会诊): a doctor asks target departments — of this hospital (local) or of a hospital of a
shared consortium (remote) — for an opinion on a patient the doctor follows; a specialist accepts and
records the opinion (a structured note; an MDT needs one per department); SLA timers remind and escalate.

**Two copies, one transaction.** A remote consultation is kept by both hospitals (``side`` from / to); every
change writes both through ``store.other`` in one unit of work, with both audit trails. The receiving
copy holds no patient id. Each read of a remote consultation by the receiving side is written to the
patient's access log in the requesting hospital (the actor named ``<hospital>:<user>``); every
cross-hospital read and write checks first that both hospitals are active members of the consortium
*now* (``ConsultationPeers.shared``) — a hospital outside, or one that left, gets the 404 of an unknown id.

**SLA** (the receiving hospital's settings): due ``emergency_minutes`` (10) or ``ordinary_minutes`` (1440)
after the request, an MDT at its slot's end; a ``remind`` timer at ``remind_fraction`` of the way and an
``escalate`` timer when due, both items in the receiving hospital written with the request and removed
with the answer or the cancel. ``on_timer`` (the one-minute sweep) fires each at most once.

**Counters** (the receiving hospital, per target department, under the month the consultation was
requested): requested, answered, answered on time, overdue — moved in the transaction of the change; a
cancelled consultation is taken out again (requested − 1, and overdue − 1 if it was).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.followup.contracts import consultations as models
from chalicelib.followup.domain.consultations import (
    Consultation,
    Opinion,
    SlaSettings,
    Slot,
    month_of,
)
from chalicelib.followup.domain.ports import (
    ConsultationPeers,
    Directory,
    SharedConsortium,
    StaffInfo,
    Store,
)
from chalicelib.followup.domain.timers import SlaTimer
from chalicelib.followup.service import access, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.envelope import EventType
from shared.events.published.followup import (
    CONSULTATION_ACCEPTED,
    CONSULTATION_ANSWERED,
    CONSULTATION_CANCELLED,
    CONSULTATION_OVERDUE,
    CONSULTATION_REMINDED,
    CONSULTATION_REQUESTED,
    ConsultationEvent,
)
from shared.ids import new_id
from shared.observability import logger as make_logger
from shared.persistence.models import now_utc

logger = make_logger("followup.consultations")
STEPS = ("remind", "escalate")
STALE = Conflict("the consultation changed meanwhile; reload it")
NOT_FOUND = NotFound("consultation")


# ---- views and events --------------------------------------------------------------------------------------


def _view(c: Consultation, now: datetime | None = None) -> models.ConsultationView:
    data = c.model_dump(
        exclude={
            "department_ids",
            "department_names",
            "invited",
            "invited_names",
            "slot",
            "escalated_to",
            "escalated_names",
        }
    )
    return models.ConsultationView(
        **data,
        escalated_to=[models.NamedId(id=s, name=c.escalated_names.get(s, "")) for s in c.escalated_to],
        departments=[models.NamedId(id=d, name=c.department_names.get(d, "")) for d in c.department_ids],
        invited=[models.NamedId(id=s, name=c.invited_names.get(s, "")) for s in c.invited],
        slot=models.SlotView(start=c.slot.start, end=c.slot.end) if c.slot else None,
        overdue=c.overdue_at is not None or c.overdue(now or now_utc()),
    )


def _event(c: Consultation, side: str, notify: list[str], urgent: bool = False) -> ConsultationEvent:
    return ConsultationEvent(
        consultation_id=c.id,
        scope=c.scope,
        consortium_id=c.consortium_id,
        from_hospital_id=c.from_hospital_id,
        to_hospital_id=c.to_hospital_id,
        side=side,
        urgency=c.urgency,
        patient_label=c.patient_label,
        from_department_id=c.from_department_id,
        to_department_ids=list(c.department_ids),
        on_time=c.on_time,
        notify=sorted(set(notify)),
        urgent=urgent,
        title=c.title(),
    )


def _emit(
    store: Store,
    kind: EventType[ConsultationEvent],
    c: Consultation,
    tell_from: list[str],
    tell_to: list[str],
    urgent: bool = False,
) -> None:
    """Once for a local consultation (side from), once per hospital for a remote one."""
    if not c.remote:
        store.emit(kind.envelope(c.from_hospital_id, _event(c, "from", tell_from + tell_to, urgent)))
        return
    store.emit(kind.envelope(c.from_hospital_id, _event(c, "from", tell_from, urgent)))
    store.emit(kind.envelope(c.to_hospital_id, _event(c, "to", tell_to, urgent)))


def _specialists(c: Consultation, directory: Directory) -> list[str]:
    """Who is told of a request or a reminder: the invited, else the target departments' doctors."""
    if c.invited:
        return list(c.invited)
    return [p.id for d in c.department_ids for p in directory.with_role(c.to_hospital_id, "doctor", d)]


def _on_duty(c: Consultation, directory: Directory, peers: ConsultationPeers, at: datetime) -> list[str]:
    """The escalation: the target departments' on-duty doctors (over the department and its wards), else
    the department's head, else its doctors."""
    tenant = c.to_hospital_id
    units = directory.units(tenant)
    found: list[str] = []
    for department_id in c.department_ids:
        wards = [u.id for u in units.values() if u.parent_id == department_id]
        on = [s for unit in [department_id, *wards] for s in peers.on_duty(tenant, unit, at)]
        if on:
            people = directory.many(tenant, on)
            doctors = [s for s in on if s in people and "doctor" in people[s].roles and people[s].active]
            if doctors:
                found += doctors
                continue
        head = units[department_id].head_id if department_id in units else None
        if head:
            found.append(head)
            continue
        found += [p.id for p in directory.with_role(tenant, "doctor", department_id)]
    return sorted(set(found))


# ---- settings ----------------------------------------------------------------------------------------------


def _settings_view(s: SlaSettings) -> models.SettingsView:
    return models.SettingsView(
        version=s.revision,
        emergency_minutes=s.emergency_minutes,
        ordinary_minutes=s.ordinary_minutes,
        remind_fraction=s.remind_fraction,
    )


def get_settings(principal: Principal, *, store: Store | None = None) -> models.SettingsView:
    access.require_admin(principal)
    store = store or wiring.store(principal)
    return _settings_view(store.consultations.settings() or SlaSettings())


def put_settings(
    principal: Principal,
    body: models.SettingsIn,
    request_id: str | None = None,
    *,
    store: Store | None = None,
) -> models.SettingsView:
    access.require_admin(principal)
    store = store or wiring.store(principal, request_id)
    settings = SlaSettings(
        emergency_minutes=body.emergency_minutes,
        ordinary_minutes=body.ordinary_minutes,
        remind_fraction=body.remind_fraction,
        revision=body.version,
    )
    store.consultations.put_settings(settings, Conflict("the settings changed meanwhile; reload them"))
    store.audit("consultation.settings_saved", "settings", "consultation-sla", after=body.model_dump())
    store.commit()
    return _settings_view(settings.model_copy(update={"revision": body.version + 1}))


# ---- asking ------------------------------------------------------------------------------------------------


def _doctor(reach: access.Reach) -> StaffInfo:
    me = reach.person
    if me is None:
        raise Forbidden("follow-up is used by the hospital's staff")
    if "doctor" not in me.roles:
        raise Forbidden("requires one of the roles: doctor")
    return me


def _peer(
    principal: Principal, consortium_id: str, other: str, peers: ConsultationPeers
) -> SharedConsortium | None:
    if not consortium_id or not other or other == principal.tenant:
        return None
    return peers.shared(principal.tenant, other, consortium_id)


def request(
    principal: Principal,
    body: models.NewConsultation,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    peers: ConsultationPeers | None = None,
    now: datetime | None = None,
) -> models.ConsultationView:
    """``POST /consultations``: a doctor asks for a patient they follow; the SLA timers start in the receiving
    hospital, both copies (remote) and both trails are written in one transaction."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    at = now or now_utc()
    reach = access.Reach(principal, directory, store)
    me = _doctor(reach)
    patient = reach.patient(store.patients.get(body.patient_id))
    consortium: SharedConsortium | None = None
    to_tenant = principal.tenant
    if body.scope == "remote":
        if not body.consortium_id:
            raise RuleViolation("a remote consultation names its consortium", "consortium_id")
        consortium = _peer(
            principal, body.consortium_id, body.to_hospital_id, peers or wiring.consultation_peers()
        )
        if consortium is None:
            raise RuleViolation(
                "the receiving hospital is not an active member of this consortium with yours",
                "to_hospital_id",
            )
        to_tenant = body.to_hospital_id
    departments = list(dict.fromkeys(body.department_ids))
    if body.urgency == "mdt" and len(departments) < 2:
        raise RuleViolation(
            "a multi-disciplinary consultation asks two departments or more", "department_ids"
        )
    if body.urgency != "mdt" and len(departments) != 1:
        raise RuleViolation("a consultation asks one department (several: mdt)", "department_ids")
    units = directory.units(to_tenant)
    if any(d not in units for d in departments):
        raise RuleViolation("no such department in the receiving hospital", "department_ids")
    invited = list(dict.fromkeys(body.invited))
    people = directory.many(to_tenant, invited) if invited else {}
    for staff_id in invited:
        person = people.get(staff_id)
        if person is None or not person.active or person.department_id not in departments:
            raise RuleViolation("an invited specialist is active staff of a target department", "invited")
    slot = None
    if body.urgency == "mdt":
        if body.slot is None:
            raise RuleViolation("a multi-disciplinary consultation names its time slot", "slot")
        if body.slot.end <= body.slot.start or body.slot.end <= at:
            raise RuleViolation("the time slot ends after it starts, in the future", "slot")
        slot = Slot(start=body.slot.start, end=body.slot.end)
    receiving = store if to_tenant == principal.tenant else store.other(to_tenant)
    sla = receiving.consultations.settings() or SlaSettings()
    due = sla.due(body.urgency, at, slot.end if slot else None)
    home = directory.units(principal.tenant) if to_tenant != principal.tenant else units
    names = consortium.hospital_names if consortium else {}
    c = Consultation(
        id=new_id(),
        scope=body.scope,
        consortium_id=consortium.id if consortium else "",
        consortium_name=consortium.name if consortium else "",
        from_hospital_id=principal.tenant,
        from_hospital_name=names.get(principal.tenant, ""),
        to_hospital_id=to_tenant,
        to_hospital_name=names.get(to_tenant, ""),
        patient_id=patient.id,
        patient_label=patient.label,
        patient_sex=patient.sex,
        patient_age=patient.age_on(at.date()),
        from_department_id=me.department_id,
        from_department_name=home[me.department_id].name if me.department_id in home else "",
        requested_by=me.id,
        requested_by_name=me.name,
        urgency=body.urgency,
        department_ids=departments,
        department_names={d: units[d].name for d in departments},
        invited=invited,
        invited_names={s: people[s].name for s in invited},
        question=body.question.strip(),
        summary=body.summary.strip(),
        slot=slot,
        requested_at=at,
        due_at=due,
        updated_at=at,
    )
    taken = Conflict("this consultation exists already")
    store.consultations.add(c.copy_for("from"), taken)
    detail = {"consultation_id": c.id, "urgency": c.urgency, "to_hospital_id": to_tenant}
    store.audit("consultation.requested", "patient", patient.id, after=detail)
    if c.remote:
        receiving.consultations.add(c.copy_for("to"), taken)
        receiving.audit("consultation.received", "consultation", c.id, after=detail)
        store.audit("disclose:consultation", "patient", patient.id, after=detail)
    receiving.timers.put(
        SlaTimer(kind="consultation", subject_id=c.id, step="remind", due_at=sla.remind_at(at, due))
    )
    receiving.timers.put(SlaTimer(kind="consultation", subject_id=c.id, step="escalate", due_at=due))
    for d in departments:
        receiving.consultations.count(d, month_of(at), {"requested": 1})
    _emit(store, CONSULTATION_REQUESTED, c, [], _specialists(c, directory), urgent=c.urgency == "emergency")
    store.commit()
    return _view(c.copy_for("from"), at)


# ---- reaching one ------------------------------------------------------------------------------------------


@dataclass
class Opened:
    """This hospital's copy as the caller reaches it, and the store of the other copy (remote)."""

    mine: Consultation
    store: Store
    reach: access.Reach
    roles: set[str]  # from (the requesting department), to (a target department or an invited specialist)

    @property
    def other(self) -> Store | None:
        if not self.mine.remote:
            return None
        tenant = self.mine.to_hospital_id if self.mine.side == "from" else self.mine.from_hospital_id
        return self.store.other(tenant)


def _roles(c: Consultation, reach: access.Reach) -> set[str]:
    """``from`` (the requesting department's staff) and/or ``to`` (a target department's, or invited)."""
    me = reach.person
    if me is None or not reach.clinical:
        return set()
    roles = set()
    targets = c.side == "to" or not c.remote
    # the invited, a target department's staff, and whoever it was escalated to (the on-duty doctor of
    # one of its wards, who must be able to open and answer what woke them)
    if targets and (
        me.id in c.invited or me.id in c.escalated_to or set(c.department_ids) & reach.departments
    ):
        roles.add("to")
    if c.side == "from" and (me.id == c.requested_by or c.from_department_id in reach.departments):
        roles.add("from")
    return roles


def _open(
    principal: Principal,
    consultation_id: str,
    store: Store,
    directory: Directory,
    peers: ConsultationPeers | None,
) -> Opened:
    """The caller's hospital's copy, if the caller is of its requesting or a target department (or
    invited) — and, for the receiving side of a remote one, only while both hospitals share the
    consortium; else the 404 of an unknown id."""
    c = store.consultations.get(consultation_id)
    if c is None:
        raise NOT_FOUND
    reach = access.Reach(principal, directory, store)
    roles = _roles(c, reach)
    if not roles:
        raise NOT_FOUND
    if c.remote and c.side == "to":
        if (
            _peer(principal, c.consortium_id, c.from_hospital_id, peers or wiring.consultation_peers())
            is None
        ):
            raise NOT_FOUND
    return Opened(c, store, reach, roles)


def _patient_id(opened: Opened) -> str:
    """The requesting hospital's patient id (the receiving copy holds none: read from the other copy)."""
    if opened.mine.patient_id:
        return opened.mine.patient_id
    other = opened.other
    theirs = other.consultations.get(opened.mine.id) if other else None
    return theirs.patient_id if theirs else ""


def _audit_read(opened: Opened, action: str) -> None:
    """The read in the patient's access log (the requesting hospital's; a foreign reader with theirs)."""
    patient_id = _patient_id(opened)
    if not patient_id:
        return
    if opened.mine.side == "from":
        opened.store.access.record(patient_id, action)
    elif opened.other is not None:
        opened.other.access.record(patient_id, action)


def get(
    principal: Principal,
    consultation_id: str,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    peers: ConsultationPeers | None = None,
    now: datetime | None = None,
) -> models.ConsultationView:
    directory = directory or wiring.directory()
    store = store or wiring.store(principal)
    opened = _open(principal, consultation_id, store, directory, peers)
    _audit_read(opened, "read:consultation")
    return _view(opened.mine, now)


def _peer_pairs_ok(
    principal: Principal, rows: list[Consultation], peers: ConsultationPeers
) -> set[tuple[str, str]]:
    pairs = {(c.from_hospital_id, c.consortium_id) for c in rows if c.remote and c.side == "to"}
    return {p for p in pairs if _peer(principal, p[1], p[0], peers) is not None}


def list_consultations(
    principal: Principal,
    query: models.ConsultationsQuery,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    peers: ConsultationPeers | None = None,
    now: datetime | None = None,
) -> models.ConsultationList:
    """A department's in-box or out-box on one board, the earliest due (the overdue) first, one Query a page;
    a remote consultation from a hospital that no longer shares the consortium is left out."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal)
    department_id = query.department_id
    if not department_id:  # the caller's own; someone of no department has no boards
        person = directory.staff(principal.tenant, principal.staff) if principal.kind == "staff" else None
        if person is None or not person.active:
            raise NotFound("department")
        department_id = person.department_id
    access.require_department(principal, department_id, directory)
    rows, cursor = store.consultations.box(query.box, department_id, query.state, query.limit, query.cursor)
    ok = (
        _peer_pairs_ok(principal, rows, peers or wiring.consultation_peers())
        if any(c.remote and c.side == "to" for c in rows)
        else set()
    )
    kept = [
        c for c in rows if not (c.remote and c.side == "to") or (c.from_hospital_id, c.consortium_id) in ok
    ]
    return models.ConsultationList(items=[_view(c, now) for c in kept], next_cursor=cursor)


# ---- acting on one -----------------------------------------------------------------------------------------


def _write(opened: Opened, updated: Consultation) -> None:
    """Both copies, each over the revision read (the other copy is read to write it over its own)."""
    store = opened.store
    store.consultations.save(updated, STALE)
    other = opened.other
    if other is None:
        return
    theirs = other.consultations.get(updated.id)
    if theirs is None:
        return
    side = "to" if opened.mine.side == "from" else "from"
    merged = updated.model_copy(update={"revision": theirs.revision}).copy_for(side)  # type: ignore[arg-type]
    if side == "from":
        merged = merged.model_copy(update={"patient_id": theirs.patient_id})
    other.consultations.save(merged, STALE)


def _receiving(opened: Opened) -> Store:
    """The store of the receiving hospital (its timers and counters)."""
    if not opened.mine.remote or opened.mine.side == "to":
        return opened.store
    other = opened.other
    assert other is not None
    return other


def _stop_timers(receiving: Store, c: Consultation) -> None:
    for step in STEPS:
        receiving.timers.remove(SlaTimer(kind="consultation", subject_id=c.id, step=step, due_at=c.due_at))


def _audits(opened: Opened, action: str, detail: dict[str, Any]) -> None:
    """In both hospitals' trails: the patient's (requesting) and the consultation's (receiving)."""
    patient_id = _patient_id(opened)
    mine = opened.mine
    if mine.side == "from":
        opened.store.audit(action, "patient", patient_id, after=detail)
        if opened.other is not None:
            opened.other.audit(action, "consultation", mine.id, after=detail)
    else:
        opened.store.audit(action, "consultation", mine.id, after=detail)
        if opened.other is not None and patient_id:
            opened.other.audit(action, "patient", patient_id, after=detail)


def _cross_ok(opened: Opened, principal: Principal, peers: ConsultationPeers | None) -> bool:
    """Whether the other hospital may be written now (both still share the consortium)."""
    c = opened.mine
    if not c.remote:
        return True
    other = c.to_hospital_id if c.side == "from" else c.from_hospital_id
    return _peer(principal, c.consortium_id, other, peers or wiring.consultation_peers()) is not None


def accept(
    principal: Principal,
    consultation_id: str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    peers: ConsultationPeers | None = None,
    now: datetime | None = None,
) -> models.ConsultationView:
    """An invited specialist or a doctor of a target department takes it on; the requester is told."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    opened = _open(principal, consultation_id, store, directory, peers)
    if "to" not in opened.roles:
        raise Forbidden(
            "only an invited specialist or a target department's doctor may accept the consultation"
        )
    me = _doctor(opened.reach)
    at = now or now_utc()
    accepted = opened.mine.accept(me.id, me.name, at)
    _write(opened, accepted)
    _audits(opened, "consultation.accepted", {"consultation_id": accepted.id})
    _emit(store, CONSULTATION_ACCEPTED, accepted, [accepted.requested_by], [])
    store.commit()
    return _view(accepted.model_copy(update={"revision": accepted.revision + 1}), at)


def opinion(
    principal: Principal,
    consultation_id: str,
    body: models.OpinionIn,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    peers: ConsultationPeers | None = None,
    now: datetime | None = None,
) -> models.ConsultationView:
    """A target department's opinion, as a structured note; answered when every target department gave
    one: the timers stop, the counters move, the requester is told."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    opened = _open(principal, consultation_id, store, directory, peers)
    if "to" not in opened.roles:
        raise Forbidden("only a target department's doctors give the consultation's opinion")
    me = _doctor(opened.reach)
    c = opened.mine
    department_id = body.department_id
    if not department_id:
        mine = [d for d in c.department_ids if d == me.department_id] or [
            d for d in c.department_ids if d in opened.reach.departments
        ]
        single = c.department_ids[0] if len(c.department_ids) == 1 else me.department_id
        department_id = mine[0] if mine else single
    if department_id not in c.department_ids:
        raise RuleViolation("not a target department of this consultation", "department_id")
    if department_id not in opened.reach.departments and me.id not in (*c.invited, *c.escalated_to):
        raise Forbidden("only a target department's doctors give the consultation's opinion")
    at = now or now_utc()
    note = Opinion(
        department_id=department_id,
        department_name=c.department_names.get(department_id, ""),
        doctor_id=me.id,
        doctor_name=me.name,
        findings=body.findings.strip(),
        assessment=body.assessment.strip(),
        recommendations=body.recommendations.strip(),
        diagnoses=[d.strip().upper() for d in body.diagnoses],
        follow_up=body.follow_up.strip(),
        at=at,
    )
    for code in note.diagnoses:
        if not models_icd10(code):
            raise RuleViolation("a diagnosis is an ICD-10 code (e.g. I20.0)", "diagnoses")
    answered = c.answer(note, at)
    _write(opened, answered)
    _audits(opened, "consultation.opinion", {"consultation_id": c.id, "department_id": department_id})
    if answered.state == "answered":
        receiving = _receiving(opened)
        _stop_timers(receiving, answered)
        moves = {"answered": 1, "on_time": 1 if answered.on_time else 0}
        for d in answered.department_ids:
            receiving.consultations.count(d, month_of(answered.requested_at), moves)
        _emit(store, CONSULTATION_ANSWERED, answered, [answered.requested_by], [])
    store.commit()
    return _view(answered.model_copy(update={"revision": answered.revision + 1}), at)


def models_icd10(code: str) -> bool:
    import re

    return re.fullmatch(models.ICD10, code) is not None


def cancel(
    principal: Principal,
    consultation_id: str,
    body: models.CancelConsultation,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    peers: ConsultationPeers | None = None,
    now: datetime | None = None,
) -> models.ConsultationView:
    """The requester withdraws it: the timers stop, it leaves the counters, the specialists are told. If
    the other hospital no longer shares the consortium, only this hospital's copy is closed (the other
    one's timers then find the link gone and stop without a word)."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    opened = _open(principal, consultation_id, store, directory, peers)
    me = opened.reach.person
    if "from" not in opened.roles or me is None:
        raise Forbidden("only the doctor who asked may cancel the consultation")
    at = now or now_utc()
    cancelled = opened.mine.cancel(me.id, body.reason.strip(), at)
    if not _cross_ok(opened, principal, peers):
        store.consultations.save(cancelled, STALE)
        store.audit(
            "consultation.cancelled", "patient", _patient_id(opened), after={"consultation_id": cancelled.id}
        )
        store.commit()
        return _view(cancelled.model_copy(update={"revision": cancelled.revision + 1}), at)
    _write(opened, cancelled)
    _audits(
        opened, "consultation.cancelled", {"consultation_id": cancelled.id, "reason": cancelled.cancel_reason}
    )
    receiving = _receiving(opened)
    _stop_timers(receiving, cancelled)
    moves = {"requested": -1, "overdue": -1 if cancelled.overdue_at else 0}
    for d in cancelled.department_ids:
        receiving.consultations.count(d, month_of(cancelled.requested_at), moves)
    told = [cancelled.accepted_by] if cancelled.accepted_by else list(cancelled.invited)
    _emit(store, CONSULTATION_CANCELLED, cancelled, [], told)
    store.commit()
    return _view(cancelled.model_copy(update={"revision": cancelled.revision + 1}), at)


# ---- the SLA timers ----------------------------------------------------------------------------------------


def on_timer(
    tenant: str,
    timer: SlaTimer,
    now: datetime,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    peers: ConsultationPeers | None = None,
) -> None:
    """A consultation's timer is due (the sweep, in the receiving hospital): ``remind`` tells the invited
    (else the target departments' doctors) again; ``escalate`` marks it overdue, counts it and tells the
    target departments' on-duty doctors (DING). Fired at most once: the transaction deletes the timer on
    the condition it is still there. A consultation answered, cancelled, or whose hospitals no longer
    share the consortium only loses the timer."""
    from chalicelib.followup.service.timers import FIRED

    store = store or wiring.system_store(tenant)
    directory = directory or wiring.directory()
    peers = peers or wiring.consultation_peers()
    store.timers.fire(timer, FIRED)
    c = store.consultations.get(timer.subject_id)
    if (
        c is None
        or not c.open
        or (c.remote and peers.shared(tenant, c.from_hospital_id, c.consortium_id) is None)
    ):
        store.commit()
        return
    other = store.other(c.from_hospital_id) if c.remote else None
    theirs = other.consultations.get(c.id) if other is not None else None
    if timer.step == "remind":
        updated = c.remind(now)
        kind, tell_to, urgent = CONSULTATION_REMINDED, _specialists(c, directory), c.urgency == "emergency"
        tell_from: list[str] = []
    else:
        tell_to = _on_duty(c, directory, peers, now)
        woken = directory.many(c.to_hospital_id, tell_to) if tell_to else {}
        updated = c.escalate(tell_to, now, {s: p.name for s, p in woken.items()})
        kind, urgent = CONSULTATION_OVERDUE, True
        tell_from = [c.requested_by] if c.remote else []  # local: the on-duty doctors only
        for d in c.department_ids:
            store.consultations.count(d, month_of(c.requested_at), {"overdue": 1})
    store.consultations.save(updated, STALE)
    if other is not None and theirs is not None:
        other.consultations.save(
            updated.model_copy(
                update={"revision": theirs.revision, "side": "from", "patient_id": theirs.patient_id}
            ),
            STALE,
        )
    detail = {"consultation_id": c.id, "step": timer.step, "told": tell_to}
    store.audit(
        f"consultation.{'reminded' if timer.step == 'remind' else 'overdue'}",
        "consultation",
        c.id,
        after=detail,
    )
    _emit(store, kind, updated, tell_from, tell_to, urgent)
    store.commit()
    logger.info(
        "a consultation timer fired", extra={"consultation_id": c.id, "step": timer.step, "tenant": tenant}
    )


# ---- stats and FHIR ----------------------------------------------------------------------------------------


def stats(
    principal: Principal,
    query: models.StatsQuery,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.StatsView:
    """The on-time rate per department of the month (the consultations it received): one Query."""
    directory = directory or wiring.directory()
    access.caller(principal, directory)
    store = store or wiring.store(principal)
    counts = store.consultations.stats(query.month)
    units = directory.units(principal.tenant) if counts else {}
    return models.StatsView(
        month=query.month,
        items=[
            models.DepartmentStats(
                department_id=d,
                department_name=units[d].name if d in units else "",
                requested=n.requested,
                answered=n.answered,
                on_time=n.on_time,
                overdue=n.overdue,
                on_time_rate=n.on_time_rate,
            )
            for d, n in sorted(counts.items())
        ],
    )


def fhir(
    principal: Principal,
    consultation_id: str,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    peers: ConsultationPeers | None = None,
) -> dict[str, Any]:
    """The consultation as a FHIR R4 Bundle (ServiceRequest, Task, a ClinicalImpression per opinion); the
    read is in the patient's access log (``export:consultation-fhir``)."""
    from chalicelib.followup.domain.consultation_fhir import bundle

    directory = directory or wiring.directory()
    store = store or wiring.store(principal)
    opened = _open(principal, consultation_id, store, directory, peers)
    _audit_read(opened, "export:consultation-fhir")
    return bundle(opened.mine)
