"""Chronic revisits (慢病复诊): a request enters its department's pool, one doctor claims it (抢单), handles
and closes it; a claim left unhandled returns to the pool when its hold runs out.

Who asks: a partner app (``partner`` with ``followup:revisits:write``), a ``service`` (the HIS, a link's
backend), or the department's staff on the patient's behalf (a phone call) — all through
``request_revisit``, which the patient's link route calls too. The department's doctors are told
(``followup.revisit.requested`` names them; messaging sends the work notification).

**Exactly one doctor wins a claim.** The claim is written over the request as read — ``state = pool`` at
its revision — so of concurrent claims one write lands; each other one answers 409 naming the doctor who
has it. Under real DynamoDB two transactions on one item may both be cancelled as a conflict (not a
failed condition): then the request is read again and, if still in the pool, the claim retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from chalicelib.followup.contracts import revisits as models
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.ports import Directory, ExpiredClaims, StaffInfo, Store
from chalicelib.followup.domain.revisits import Ask, Channel, ClaimTaken, Resolution, Revisit
from chalicelib.followup.service import access, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation, TransientStoreError
from shared.events.published.followup import (
    FOLLOWUP_REVISIT_CLAIMED,
    FOLLOWUP_REVISIT_CLOSED,
    FOLLOWUP_REVISIT_REQUESTED,
    RevisitEvent,
)
from shared.ids import new_id
from shared.observability import logger as make_logger
from shared.persistence.models import now_utc
from shared.settings import get_settings

WRITE_SCOPE = "followup:revisits:write"
SWEEP_BATCH = 100
CLAIM_ATTEMPTS = 3
logger = make_logger("followup.revisits")


def claim_hold() -> timedelta:
    """How long a claim holds before, unhandled, the request returns to the pool (configurable)."""
    return timedelta(minutes=get_settings().followup_revisit_claim_minutes)


def _view(r: Revisit) -> models.RevisitView:
    return models.RevisitView(**r.model_dump(), summary=r.summary)


def _event(r: Revisit, notify: list[str] | None = None) -> RevisitEvent:
    return RevisitEvent(
        revisit_id=r.id,
        patient_id=r.patient_id,
        patient_label=r.patient_label,
        department_id=r.department_id,
        notify=notify or [],
        doctor_id=r.doctor_id,
        summary=r.summary,
        resolution=r.resolution or "",
    )


def _pool_doctors(tenant: str, department_id: str, directory: Directory) -> list[str]:
    return sorted(p.id for p in directory.with_role(tenant, "doctor", department_id))


def request_revisit(
    principal: Principal,
    patient: Patient,
    department_id: str,
    ask: Ask,
    text: str,
    channel: Channel,
    *,
    store: Store,
    directory: Directory,
    now: datetime | None = None,
    before_commit: Callable[[str], None] | None = None,
) -> Revisit:
    """The one way a revisit request enters a department's pool, for whoever checked the asker may ask
    for this patient (the API route below, a patient's link route): staged in ``store`` with its
    ``followup.revisit.requested`` (naming the department's doctors to tell) and committed.
    ``before_commit(revisit_id)`` stages what the caller writes with it (a link keeping its request)."""
    unit = directory.units(principal.tenant).get(department_id)
    if unit is None:
        raise RuleViolation("no such department in this hospital", "department_id")
    at = now or now_utc()
    revisit = Revisit(
        id=f"{patient.id}-{new_id()}",
        patient_id=patient.id,
        patient_label=patient.label,
        department_id=unit.id,
        department_name=unit.name,
        ask=ask,
        text=text.strip(),
        channel=channel,
        requested_by=principal.staff if principal.kind == "staff" else principal.user,
        requested_by_name=principal.staff_name or ("患者" if channel == "link" else ""),
        created_at=at,
        updated_at=at,
    )
    store.revisits.add(revisit)
    store.audit("revisit.requested", "patient", patient.id, after={"revisit_id": revisit.id, "ask": ask})
    doctors = _pool_doctors(principal.tenant, unit.id, directory)
    store.emit(FOLLOWUP_REVISIT_REQUESTED.envelope(principal.tenant, _event(revisit, doctors)))
    if before_commit is not None:
        before_commit(revisit.id)
    store.commit()
    if not doctors:
        logger.warning(
            "revisit request with no doctor to tell",
            extra={"revisit_id": revisit.id, "department_id": unit.id},
        )
    return revisit


def create(
    principal: Principal,
    body: models.NewRevisit,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> models.RevisitView:
    """``POST /revisits``: a partner app with the scope, a service, or staff reaching the patient (a call)."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    reach = access.Reach(principal, directory, store)
    if principal.kind == "partner":
        if WRITE_SCOPE not in principal.scopes:
            raise Forbidden("requires the scopes: " + WRITE_SCOPE)
        channel: Channel = "partner"
    elif principal.kind == "service":
        channel = "service"
    else:
        _staff(reach)  # a member of staff, asking for a patient they reach (a call)
        channel = "staff"
    patient = store.patients.get(body.patient_id)
    if channel == "staff":
        patient = reach.patient(patient)
    elif patient is None or patient.state != "active":
        raise NotFound("patient")
    return _view(
        request_revisit(
            principal,
            patient,
            body.department_id,
            body.ask,
            body.text,
            channel,
            store=store,
            directory=directory,
            now=now,
        )
    )


def list_revisits(
    principal: Principal,
    query: models.RevisitsQuery,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.RevisitList:
    """A department's requests in a state (the pool by default), for its clinical staff: one Query a page."""
    access.require_department(principal, query.department_id, directory or wiring.directory())
    store = store or wiring.store(principal)
    page = store.revisits.of_department(query.department_id, query.state, query.limit, query.cursor)
    return models.RevisitList.of(page, _view)


def _revisit(store: Store, revisit_id: str, reach: access.Reach) -> Revisit:
    """The request, for the clinical staff of its department (404 otherwise: not echoing the id)."""
    revisit = store.revisits.get(revisit_id)
    if revisit is None or revisit.department_id not in reach.departments:
        raise NotFound("revisit request")
    return revisit


def _staff(reach: access.Reach) -> StaffInfo:
    if reach.person is None:
        raise Forbidden("follow-up is used by the hospital's staff")
    return reach.person


def _doctor(reach: access.Reach) -> StaffInfo:
    me = _staff(reach)
    if "doctor" not in me.roles:
        raise Forbidden("requires one of the roles: doctor")
    return me


def _transaction_conflict(exc: BaseException) -> bool:
    """Whether DynamoDB cancelled the transaction because another one held the item (not a throttle)."""
    cause = exc.__cause__
    reasons = getattr(cause, "cancellation_reasons", None) or []
    return any(r is not None and getattr(r, "code", "") == "TransactionConflict" for r in reasons)


def claim(
    principal: Principal,
    revisit_id: str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> models.RevisitView:
    """One doctor of the department claims it (抢单): written only over the pool state at the revision
    read; a loser is told who has it (409)."""
    directory = directory or wiring.directory()
    for attempt in range(CLAIM_ATTEMPTS):
        current = store or wiring.store(principal, request_id)
        reach = access.Reach(principal, directory, current)
        revisit = _revisit(current, revisit_id, reach)
        me = _doctor(reach)
        claimed = revisit.claim(me.id, me.name, now or now_utc(), claim_hold())
        current.revisits.save(claimed, "pool", ClaimTaken("", "claimed"))
        current.audit("revisit.claimed", "patient", revisit.patient_id, after={"revisit_id": revisit.id})
        current.emit(FOLLOWUP_REVISIT_CLAIMED.envelope(principal.tenant, _event(claimed)))
        try:
            current.commit()
        except ClaimTaken:
            # another doctor's claim landed between the read and the write: say whose
            taken = current.revisits.get(revisit_id)
            raise ClaimTaken(
                taken.doctor_name if taken else "", taken.state if taken else "claimed"
            ) from None
        except TransientStoreError as exc:
            # DynamoDB cancelled concurrent transactions on the item as a conflict: read again (a
            # throttle is the caller's to retry, after Retry-After)
            if attempt == CLAIM_ATTEMPTS - 1 or not _transaction_conflict(exc):
                raise
            time.sleep(0.05 * (attempt + 1))
            continue
        return _view(claimed.model_copy(update={"revision": revisit.revision + 1}))
    raise Conflict("the revisit request changed meanwhile; reload it")  # pragma: no cover


def release(
    principal: Principal,
    revisit_id: str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> models.RevisitView:
    """The claimant gives it back: it is in the pool again, and the department's doctors are told."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    reach = access.Reach(principal, directory, store)
    revisit = _revisit(store, revisit_id, reach)
    me = _staff(reach)
    back = revisit.release(me.id, now or now_utc())
    store.revisits.save(back, "claimed", Conflict("the revisit request changed meanwhile; reload it"))
    store.audit("revisit.released", "patient", revisit.patient_id, after={"revisit_id": revisit.id})
    doctors = _pool_doctors(principal.tenant, back.department_id, directory)
    store.emit(FOLLOWUP_REVISIT_REQUESTED.envelope(principal.tenant, _event(back, doctors)))
    store.commit()
    return _view(back.model_copy(update={"revision": revisit.revision + 1}))


def close(
    principal: Principal,
    revisit_id: str,
    body: models.CloseRevisit,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> models.RevisitView:
    """Handled by the claimant: renewed (the prescription note), booked (the day), called or declined."""
    directory = directory or wiring.directory()
    store = store or wiring.store(principal, request_id)
    reach = access.Reach(principal, directory, store)
    revisit = _revisit(store, revisit_id, reach)
    me = _staff(reach)
    at = now or now_utc()
    if (
        body.resolution == "booked"
        and body.booked_on is not None
        and body.booked_on < at.date() - timedelta(days=1)
    ):
        raise RuleViolation("a revisit is booked for today or a later day", "booked_on")
    resolution: Resolution = body.resolution
    booked: date | None = body.booked_on
    closed = revisit.close(me.id, resolution, at, body.prescription_note, booked, body.note)
    store.revisits.save(closed, "claimed", Conflict("the revisit request changed meanwhile; reload it"))
    store.audit(
        "revisit.closed",
        "patient",
        revisit.patient_id,
        after={"revisit_id": revisit.id, "resolution": resolution},
    )
    store.emit(FOLLOWUP_REVISIT_CLOSED.envelope(principal.tenant, _event(closed)))
    store.commit()
    return _view(closed.model_copy(update={"revision": revisit.revision + 1}))


# ---- the sweep ---------------------------------------------------------------------------------------------


def return_expired_claims(
    now: datetime,
    claims: ExpiredClaims | None = None,
    stores: Callable[[str], Store] | None = None,
    directory: Directory | None = None,
) -> int:
    """Every hospital's claims whose hold ran out go back to their pool (conditioned on still being the
    same claim: a close or a release that landed first wins), and the department's doctors are told
    again. Returns how many went back."""
    open_store = stores or wiring.system_store
    directory = directory or wiring.directory()
    returned = 0
    for tenant, revisit in (claims or wiring.expired_claims()).due(now, SWEEP_BATCH):
        if not revisit.expired(now):
            continue
        store = open_store(tenant)
        back = revisit.expire(now)
        store.revisits.save(back, "claimed", Conflict("changed meanwhile"))
        store.audit(
            "revisit.claim_expired",
            "patient",
            revisit.patient_id,
            after={"revisit_id": revisit.id, "doctor_id": revisit.doctor_id},
        )
        doctors = _pool_doctors(tenant, back.department_id, directory)
        store.emit(FOLLOWUP_REVISIT_REQUESTED.envelope(tenant, _event(back, doctors)))
        try:
            store.commit()
        except Conflict:
            continue  # handled or released meanwhile: nothing to return
        returned += 1
        logger.info("a revisit claim ran out", extra={"revisit_id": revisit.id, "tenant": tenant})
    return returned
