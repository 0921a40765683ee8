"""Patients: register, list, look up, read (audited), reveal (audited, with a reason), consent, the access
log; the hospital's retention period and the purge."""

from __future__ import annotations

from chalicelib.followup.contracts import patients as models
from chalicelib.followup.service import patients

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery

api = ServiceAPI("followup", __name__)
route = api.route
STAFF = ("staff",)
# Whether the caller reaches a patient: the patient (GetItem), the caller's record (GetItem), their care
# teams and the hospital's units (a Query each, only when the department alone does not decide).
REACH = {"GetItem": 2, "Query": 2}
PURGE = 5  # patients purged per request at most


@route(
    "/patients",
    "POST",
    summary="Register a patient for follow-up (identifiers encrypted per field, answered masked)",
    body=models.NewPatient,
    response=models.PatientView,
    status=201,
    kinds=("staff", "service"),
    idempotent=True,
    location="/patients/{id}",
    # the caller's record and the units (may they bring patients in; the department's name), the
    # retention period, the ID number's claim (read strongly); the patient, its claim, marker and audit
    budget={"GetItem": 4, "Query": 2, "TransactWriteItems": 1},
)
def register_patient(ctx: RequestContext, body: models.NewPatient) -> models.PatientView:
    return patients.register(ctx.principal, body, ctx.request_id)


@route(
    "/patients",
    summary="A department's patients, newest first, masked (?department_id=)",
    query=models.PatientQuery,
    response=models.PatientList,
    kinds=STAFF,
    budget={"GetItem": 1, "Query": 2},
)
def list_patients(ctx: RequestContext, query: models.PatientQuery) -> models.PatientList:
    return patients.list_patients(ctx.principal, query)


@route(
    "/patients/search",
    "POST",
    summary="Find a patient by exact resident ID number or mobile (a blind index; in the body, never "
    "the URL); each patient found is a read in their access log",
    body=models.FindPatients,
    response=models.PatientList,
    kinds=STAFF,
    # the caller's record; the blind index; their teams and the units; a read record per patient found
    budget={"GetItem": 1, "Query": 3, "PutItem": 5},
)
def find_patients(ctx: RequestContext, body: models.FindPatients) -> models.PatientList:
    return patients.find_patients(ctx.principal, body, ctx.request_id)


@route(
    "/patients/{patient_id}",
    summary="A patient's record, masked (audited: the read is in the patient's access log)",
    response=models.PatientView,
    kinds=STAFF,
    budget={**REACH, "PutItem": 1},
)
def get_patient(ctx: RequestContext, patient_id: str) -> models.PatientView:
    return patients.get_patient(ctx.principal, patient_id, ctx.request_id)


@route(
    "/patients/{patient_id}/reveal",
    "POST",
    summary="The full values of some identifiers, for a reason (audited: who, when, what, why)",
    body=models.RevealRequest,
    response=models.Revealed,
    kinds=STAFF,
    budget={**REACH, "PutItem": 1},
)
def reveal_patient(ctx: RequestContext, patient_id: str, body: models.RevealRequest) -> models.Revealed:
    return patients.reveal(ctx.principal, patient_id, body, ctx.request_id)


@route(
    "/patients/{patient_id}/access-log",
    summary="Who read or changed the patient's data, when and why, newest first (PIPL art. 45)",
    query=ListQuery,
    response=models.AccessLog,
    kinds=STAFF,
    budget={**REACH, "Query": 3},
)
def patient_access_log(ctx: RequestContext, patient_id: str, query: ListQuery) -> models.AccessLog:
    return patients.access_log(ctx.principal, patient_id, query.limit, query.cursor, ctx.request_id)


@route(
    "/patients/{patient_id}/consents",
    "POST",
    summary="Record the patient's consent to a purpose (follow-up, research), or its withdrawal (which, "
    "for follow-up, cancels the patient's open tasks)",
    body=models.ConsentChange,
    response=models.PatientView,
    kinds=STAFF,
    # reaching the patient; on a withdrawal of follow-up, the patient's tasks (a Query a page of 100); the
    # change with up to 40 cancellations in one transaction (more: a transaction per 40 more)
    budget={**REACH, "Query": 3, "TransactWriteItems": 1},
)
def change_consent(ctx: RequestContext, patient_id: str, body: models.ConsentChange) -> models.PatientView:
    return patients.change_consent(ctx.principal, patient_id, body, ctx.request_id)


@route(
    "/settings/retention",
    summary="How long the hospital keeps a patient's follow-up (years)",
    response=models.RetentionView,
    kinds=STAFF,
    roles=("hospital_admin",),
    budget={"GetItem": 1},
)
def get_retention(ctx: RequestContext) -> models.RetentionView:
    return patients.get_retention(ctx.principal)


@route(
    "/settings/retention",
    "PUT",
    summary="Set how long the hospital keeps a patient's follow-up (years)",
    body=models.RetentionSettings,
    response=models.RetentionView,
    kinds=STAFF,
    roles=("hospital_admin",),
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def set_retention(ctx: RequestContext, body: models.RetentionSettings) -> models.RetentionView:
    return patients.set_retention(ctx.principal, body, ctx.request_id)


@route(
    "/retention/purge",
    "POST",
    summary="Purge the patients whose retention ended (a bounded run; run again while `more`); each "
    "purge is audited and leaves the access log",
    response=models.PurgeReport,
    kinds=STAFF,
    roles=("hospital_admin",),
    # the due markers (one Query); per patient (at most PURGE_PER_REQUEST): the patient, their tasks
    # and their partition (a Query each), the deletions (a batch) and the tombstone with its audit
    budget={
        "Query": 1 + 2 * PURGE,
        "GetItem": 1 + PURGE,
        "BatchWriteItem": PURGE,
        "TransactWriteItems": PURGE,
    },
)
def purge_patients(ctx: RequestContext) -> models.PurgeReport:
    return patients.purge_due(ctx.principal, ctx.request_id, limit=PURGE)
