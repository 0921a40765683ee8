"""Patients: register (or admit from a discharge), look up by identifier, read, reveal, consent, the access
log, retention and the purge.

Every read of a patient's record writes its access-audit record first (``store.access.record``): a read
that cannot be audited fails rather than happens unaudited. Registering, consent changes and the purge
are audited in the same transaction as the change (the unit of work's audit, in the same trail).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.followup.contracts import patients as models
from chalicelib.followup.domain.board import PATIENT_TASK_PAGE, cancelled
from chalicelib.followup.domain.patients import (
    Consent,
    InvalidResidentId,
    Patient,
    Purpose,
    RetentionPolicy,
    masks,
    parse_resident_id,
    purged,
)
from chalicelib.followup.domain.ports import Directory, Store, Vault
from chalicelib.followup.domain.tasks import Task
from chalicelib.followup.service import access, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.ids import new_id
from shared.personal import normalise_mobile

HOSPITAL_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_RETENTION_YEARS = 30  # 《医疗机构病历管理规定》: inpatient records are kept at least 30 years
PURGE_BATCH = 25
CANCEL_WITH_CHANGE = 40  # open tasks cancelled in the consent change's own transaction (then 40 more each)


def today() -> date:
    return datetime.now(HOSPITAL_TZ).date()


def _now() -> datetime:
    return datetime.now(UTC)


def _adapters(
    principal: Principal,
    request_id: str | None,
    store: Store | None,
    directory: Directory | None,
    vault: Vault | None,
) -> tuple[Store, Directory, Vault]:
    return (
        store or wiring.store(principal, request_id),
        directory or wiring.directory(),
        vault or wiring.vault(),
    )


def view(patient: Patient, on: date | None = None) -> models.PatientView:
    """The patient as every answer shows them: masked."""
    m = patient.masked
    return models.PatientView(
        id=patient.id,
        name=m.get("name", "*"),
        id_number=m.get("id_number", ""),
        mobile=m.get("mobile", ""),
        address=m.get("address", ""),
        sex=patient.sex,
        age=patient.age_on(on or today()),
        birth_date=patient.birth_date,
        department_id=patient.department_id,
        department_name=patient.department_name,
        team_ids=list(patient.team_ids),
        consents=[
            models.ConsentView(
                purpose=c.purpose,
                given=c.given,
                active=c.active,
                at=c.at,
                recorded_by=c.recorded_by,
                recorded_by_name=c.recorded_by_name,
                withdrawn_at=c.withdrawn_at,
            )
            for c in patient.consents.values()
        ],
        retention_until=patient.retention_until,
        created_at=patient.created_at,
    )


# ---- registering -----------------------------------------------------------------------------------------


def identity_digest(vault: Vault, tenant: str, id_number: str) -> str:
    return vault.digest(tenant, "resident_id", id_number)


def _checked(body: models.NewPatient) -> tuple[str, str, date, str]:
    try:
        number, born, sex = parse_resident_id(body.id_number)
    except InvalidResidentId as exc:
        raise RuleViolation(str(exc), field="id_number") from exc
    try:
        mobile = normalise_mobile(body.mobile) if body.mobile.strip() else ""
    except ValueError as exc:
        raise RuleViolation(str(exc), field="mobile") from exc
    if body.birth_date is not None and body.birth_date != born:
        raise RuleViolation("the birth date differs from the resident ID number's", field="birth_date")
    if body.sex is not None and body.sex != sex:
        raise RuleViolation("the sex differs from the resident ID number's", field="sex")
    return number, mobile, born, sex


def _department_name(principal: Principal, directory: Directory, department_id: str) -> str:
    unit = directory.units(principal.tenant).get(department_id)
    if unit is None:
        raise RuleViolation("no such department in this hospital", field="department_id")
    return unit.name


def admit(
    principal: Principal,
    body: models.NewPatient,
    store: Store,
    directory: Directory,
    vault: Vault,
    retention_years: int = DEFAULT_RETENTION_YEARS,
) -> tuple[Patient, bool]:
    """The patient with this resident ID number — found by its blind index, or made now (staged in the
    store's unit of work, audited there; the caller commits) — and whether it was made.

    A known patient discharged from another department is followed by that one too from now on."""
    number, mobile, born, sex = _checked(body)
    department_name = _department_name(principal, directory, body.department_id)
    tenant = principal.tenant
    digest = identity_digest(vault, tenant, number)
    found = store.patients.claimed(digest)  # strongly read: a patient registered a moment ago is found
    at = _now()
    if found is not None:
        if body.department_id in found.followed_by():
            return found, False
        moved = found.model_copy(
            update={
                "department_id": body.department_id,
                "department_name": department_name,
                "departments": sorted(found.followed_by()),
                "updated_at": at,
            }
        )
        store.patients.save(moved, Conflict("the patient changed meanwhile; try again"))
        store.audit("patient.followed", "patient", found.id, after={"department_id": body.department_id})
        return moved, False
    patient_id = new_id()
    who = principal.staff_name or ""
    # the answer to follow-up is recorded either way: a refusal keeps the patient out of every plan; not
    # asked (a patient received by an up referral: asked at their discharge) records nothing
    consents = (
        {
            "followup": Consent(
                purpose="followup",
                given=body.consent_followup,
                at=at,
                recorded_by=principal.user,
                recorded_by_name=who,
            )
        }
        if body.consent_followup is not None
        else {}
    )
    values = {
        "name": body.name.strip(),
        "id_number": number,
        "mobile": mobile,
        "address": body.address.strip(),
    }
    patient = Patient(
        id=patient_id,
        masked=masks(values["name"], number, mobile, values["address"]),
        sealed={field: vault.seal(tenant, value) for field, value in values.items() if value},
        id_number_index=digest,
        mobile_index=vault.digest(tenant, "mobile", mobile) if mobile else "",
        sex=sex,
        birth_date=born,
        department_id=body.department_id,
        department_name=department_name,
        departments=[body.department_id],
        consents=consents,
        retention_until=today() + timedelta(days=round(365.25 * retention_years)),
        created_at=at,
        updated_at=at,
    )
    store.patients.add(patient, Conflict("a patient with this resident ID number is registered already"))
    store.audit("patient.registered", "patient", patient_id, after={"masked": patient.masked})
    return patient, True


def register(
    principal: Principal,
    body: models.NewPatient,
    request_id: str | None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
) -> models.PatientView:
    store, directory, vault = _adapters(principal, request_id, store, directory, vault)
    access.require_intake(principal, directory, body.department_id)
    patient, made = admit(principal, body, store, directory, vault, retention_years(store))
    if not made:
        raise Conflict("a patient with this resident ID number is registered already")
    store.commit()
    return view(patient)


# ---- reading ---------------------------------------------------------------------------------------------


def _reachable(principal: Principal, patient_id: str, store: Store, directory: Directory) -> Patient:
    return access.require_patient(principal, store.patients.get(patient_id), directory, store)


def get_patient(
    principal: Principal,
    patient_id: str,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.PatientView:
    store, directory, _ = _adapters(principal, request_id, store, directory, vault=_NO_VAULT)
    patient = _reachable(principal, patient_id, store, directory)
    store.access.record(patient.id, "read:record")
    return view(patient)


def find_patients(
    principal: Principal,
    query: models.FindPatients,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
) -> models.PatientList:
    """Exact look-up by resident ID number or mobile: one Query of a blind index. Only the patients the
    caller reaches are answered; each answer is a read of that patient, audited."""
    store, directory, vault = _adapters(principal, request_id, store, directory, vault)
    reach = access.Reach(principal, directory, store)
    if reach.person is None:
        raise Forbidden("follow-up is used by the hospital's staff")
    if bool(query.id_number) == bool(query.mobile):
        raise RuleViolation("give exactly one of id_number and mobile", field="id_number")
    tenant = principal.tenant
    if query.id_number:
        try:
            number, _, _ = parse_resident_id(query.id_number)
        except InvalidResidentId as exc:
            raise RuleViolation(str(exc), field="id_number") from exc
        found = store.patients.by_id_number(identity_digest(vault, tenant, number))
        candidates = [found] if found is not None else []
    else:
        try:
            mobile = normalise_mobile(query.mobile or "")
        except ValueError as exc:
            raise RuleViolation(str(exc), field="mobile") from exc
        candidates = store.patients.by_mobile(vault.digest(tenant, "mobile", mobile))
    reachable = []
    for patient in candidates:
        try:
            reachable.append(reach.patient(patient))
        except NotFound:
            continue
    for patient in reachable:
        store.access.record(patient.id, "read:search")
    return models.PatientList(items=[view(p) for p in reachable])


def list_patients(
    principal: Principal,
    query: models.PatientQuery,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.PatientList:
    """A department's patients, masked (a list is not a read of anyone's record: nothing unmasked)."""
    store, directory, _ = _adapters(principal, None, store, directory, vault=_NO_VAULT)
    access.require_department(principal, query.department_id, directory)
    rows, cursor = store.patients.of_department(query.department_id, query.limit, query.cursor)
    on = today()
    return models.PatientList(items=[view(p, on) for p in rows], next_cursor=cursor)


def reveal(
    principal: Principal,
    patient_id: str,
    body: models.RevealRequest,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
    vault: Vault | None = None,
) -> models.Revealed:
    """The full values asked for, for a reason kept in the patient's access log (written first)."""
    store, directory, vault = _adapters(principal, request_id, store, directory, vault)
    patient = _reachable(principal, patient_id, store, directory)
    fields = list(dict.fromkeys(body.fields))
    store.access.record(patient.id, "reveal:" + ",".join(fields), body.reason.strip())
    values = {
        f: vault.open(principal.tenant, patient.sealed[f]) if f in patient.sealed else "" for f in fields
    }
    return models.Revealed(id=patient.id, values=values)


def access_log(
    principal: Principal,
    patient_id: str,
    limit: int,
    cursor: str | None,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.AccessLog:
    """Who read or changed the patient's data, when and why (PIPL art. 45): for the clinical staff who
    reach the patient and for the hospital's privacy officer (``hospital_admin``)."""
    store, directory, _ = _adapters(principal, request_id, store, directory, vault=_NO_VAULT)
    patient = store.patients.get(patient_id)
    if access.ADMIN in principal.roles and principal.kind == "staff":
        if patient is None:
            raise NotFound("patient")
    else:
        patient = access.require_patient(principal, patient, directory, store)
    rows, next_cursor = store.access.page(patient.id, limit, cursor)
    return models.AccessLog(
        patient_id=patient.id,
        patient_name=patient.label,
        items=[
            models.AccessEntryView(
                at=e.at,
                actor=e.actor,
                actor_name=e.actor_name or e.actor,
                actor_kind=e.actor_kind,
                action=e.action,
                reason=e.reason,
            )
            for e in rows
        ],
        next_cursor=next_cursor,
    )


# ---- consent ---------------------------------------------------------------------------------------------


def change_consent(
    principal: Principal,
    patient_id: str,
    body: models.ConsentChange,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.PatientView:
    """Record the patient's consent to a purpose, or withdraw it (the earlier consent is kept, marked
    withdrawn). Withdrawing consent to follow-up cancels the patient's open tasks (no one calls them
    again), no discharge enrols them and no link is sent to them until they consent again."""
    store, directory, _ = _adapters(principal, request_id, store, directory, vault=_NO_VAULT)
    patient = _reachable(principal, patient_id, store, directory)
    purpose: Purpose = body.purpose
    at = _now()
    current = patient.consents.get(purpose)
    if body.given:
        consent = Consent(
            purpose=purpose,
            given=True,
            at=at,
            recorded_by=principal.user,
            recorded_by_name=principal.staff_name or "",
        )
    elif current is not None and current.active:
        consent = current.model_copy(update={"withdrawn_at": at})
    else:
        consent = Consent(
            purpose=purpose,
            given=False,
            at=at,
            recorded_by=principal.user,
            recorded_by_name=principal.staff_name or "",
        )
    changed = patient.model_copy(
        update={"consents": {**patient.consents, purpose: consent}, "updated_at": at}
    )
    store.patients.save(changed, Conflict("the patient changed meanwhile; try again"))
    stopped = open_tasks(store, patient.id) if purpose == "followup" and not consent.active else []
    for task in stopped[:CANCEL_WITH_CHANGE]:
        store.tasks.save(cancelled(task), Conflict("the patient's tasks changed meanwhile"))
    store.audit(
        "consent." + ("given" if body.given else "withdrawn"),
        "patient",
        patient.id,
        before={"purpose": purpose, "active": bool(current and current.active)},
        after={"purpose": purpose, "active": consent.active, "cancelled_tasks": len(stopped)},
    )
    store.commit()
    for start in range(CANCEL_WITH_CHANGE, len(stopped), CANCEL_WITH_CHANGE):
        for task in stopped[start : start + CANCEL_WITH_CHANGE]:
            store.tasks.save(cancelled(task), Conflict("the patient's tasks changed meanwhile"))
        store.audit("task.cancelled", "patient", patient.id, after={"reason": "consent withdrawn"})
        store.commit()
    return view(changed)


def open_tasks(store: Store, patient_id: str) -> list[Task]:
    """The patient's open tasks (a Query a page of the patient's partition): what a death or a withdrawn
    consent cancels, and what keeps a patient from the purge."""
    found: list[Task] = []
    cursor: str | None = None
    while True:
        rows, cursor = store.tasks.of_patient(patient_id, PATIENT_TASK_PAGE, cursor)
        found += [t for t in rows if t.state == "open"]
        if cursor is None:
            return found


# ---- retention and the purge -----------------------------------------------------------------------------


def retention_years(store: Store) -> int:
    settings = store.retention.get()
    return settings.years if settings is not None else DEFAULT_RETENTION_YEARS


def get_retention(principal: Principal, *, store: Store | None = None) -> models.RetentionView:
    access.require_admin(principal)
    store = store or wiring.store(principal)
    policy = store.retention.get()
    if policy is None:
        return models.RetentionView(years=DEFAULT_RETENTION_YEARS)
    return models.RetentionView(years=policy.years, updated_by_name=policy.updated_by_name)


def set_retention(
    principal: Principal,
    body: models.RetentionSettings,
    request_id: str | None = None,
    *,
    store: Store | None = None,
) -> models.RetentionView:
    """The hospital's retention period, for patients registered from now on (and those whose record
    changes: their retention is counted again from the change)."""
    access.require_admin(principal)
    store = store or wiring.store(principal, request_id)
    current = store.retention.get()
    policy = RetentionPolicy(
        years=body.years,
        updated_by=principal.user,
        updated_by_name=principal.staff_name or "",
        revision=current.revision if current is not None else 0,
    )
    store.retention.put(policy, Conflict("the retention period changed meanwhile; try again"))
    store.audit(
        "retention.set",
        "followup_settings",
        "retention",
        before={"years": current.years if current else DEFAULT_RETENTION_YEARS},
        after={"years": body.years},
    )
    store.commit()
    return models.RetentionView(years=policy.years, updated_by_name=policy.updated_by_name)


def purge_due(
    principal: Principal,
    request_id: str | None = None,
    on: date | None = None,
    limit: int = PURGE_BATCH,
    *,
    store_for: Callable[[], Store] | None = None,
) -> models.PurgeReport:
    """Purge the patients whose retention ended (at most ``limit`` a run; ``more``: run it again).

    A patient with an open task is not purged: their retention is counted again from today (a
    transplant patient followed for life is never purged while followed). Each purge deletes what is
    in the patient's partition, then leaves a tombstone with no personal value, audited as
    ``patient.purged`` in the patient's trail — the access log outlives the record."""
    if principal.kind != "service":
        access.require_admin(principal)
    make = store_for or (lambda: wiring.store(principal, request_id))
    day = on or today()
    ids = make().retention.due(day, limit + 1)
    purged_count = 0
    for patient_id in ids[:limit]:
        store = make()
        patient = store.patients.get(patient_id)
        if patient is None or patient.state != "active":
            continue
        if patient.retention_until is not None and patient.retention_until > day:
            continue
        if open_tasks(store, patient.id):
            years = retention_years(store)
            kept = patient.model_copy(
                update={"retention_until": day + timedelta(days=round(365.25 * years)), "updated_at": _now()}
            )
            store.patients.save(kept, Conflict("the patient changed meanwhile"))
            store.commit()
            continue
        erased = store.retention.erase(patient)
        store.patients.save(purged(patient, _now()), Conflict("the patient changed meanwhile"))
        store.audit(
            "patient.purged",
            "patient",
            patient.id,
            before={"masked": patient.masked},
            after={"items": erased},
        )
        store.commit()
        purged_count += 1
    return models.PurgeReport(purged=purged_count, more=len(ids) > limit)


def purge_everywhere(on: date | None = None, per_run: int = 500) -> int:
    """The nightly purge: every hospital with a patient whose retention ended, as the follow-up
    service (audited as such), a bounded number a night."""
    day = on or today()
    tenants = dict.fromkeys(tenant for tenant, _ in wiring.retention_due_everywhere(day, per_run))
    total = 0
    for tenant in tenants:
        system = Principal(tenant=tenant, user="service:followup", kind="service")
        report = purge_due(system, None, day, limit=per_run)
        total += report.purged
    return total


class _NoVault:
    """Reads that never decrypt take no vault (a KMS client is not built for them)."""

    def seal(self, tenant: str, plaintext: str) -> str:
        raise RuntimeError("this use case does not seal")

    def open(self, tenant: str, token: str) -> str:
        raise RuntimeError("this use case does not open sealed values")

    def digest(self, tenant: str, kind: str, value: str) -> str:
        raise RuntimeError("this use case does not index")


_NO_VAULT = _NoVault()
