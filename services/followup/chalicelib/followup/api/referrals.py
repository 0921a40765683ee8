"""Two-way referral (双向转诊): doctors refer; the receiving hospital's referral desk answers."""

from __future__ import annotations

from typing import Any

from chalicelib.followup.contracts import referrals as models
from chalicelib.followup.contracts.intake import FhirBundleOut
from chalicelib.followup.service import referrals

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)
route = api.route
STAFF = ("staff",)
DESK = ("referral_desk", "hospital_admin")
# One referral: my end (one GetItem), the consortium link of both hospitals (two GetItems).
ONE = {"GetItem": 3}
# An answer: ONE, the other end (one GetItem), one transaction; the desk's staff for the events (a Query).
ANSWER = {"GetItem": ONE["GetItem"] + 1, "Query": 1, "TransactWriteItems": 1}


@route(
    "/referrals/destinations",
    summary="The hospitals I may refer to: my active consortia's other active members, with their names",
    response=models.Destinations,
    kinds=STAFF,
    # my consortia (one Query); each consortium's roster (one Query, few consortia)
    budget={"Query": 3},
)
def referral_destinations(ctx: RequestContext) -> models.Destinations:
    return referrals.destinations(ctx.principal)


@route(
    "/referrals/destinations/{hospital_id}/departments",
    summary="A destination's departments (names only), to name a referral's target department",
    query=models.DepartmentsQuery,
    response=models.DestinationDepartments,
    kinds=STAFF,
    # the caller's record; both hospitals' consortium links (two GetItems; without consortium_id, my
    # consortia first, one Query); its units (one Query); the consortium's roster, for its name (one Query)
    budget={"GetItem": 3, "Query": 3},
)
def destination_departments(
    ctx: RequestContext, query: models.DepartmentsQuery, hospital_id: str
) -> models.DestinationDepartments:
    return referrals.destination_departments(ctx.principal, hospital_id, query)


@route(
    "/referrals",
    "POST",
    summary="Refer a patient to another member hospital (上转/下转), with the patient's consent",
    body=models.NewReferral,
    response=models.ReferralView,
    status=201,
    kinds=STAFF,
    idempotent=True,
    # the caller's record, the patient, the link (two), both hospitals' names; the receiver's units, its
    # desk; the caller's units or teams when the department alone does not decide; one transaction
    budget={"GetItem": 7, "Query": 4, "TransactWriteItems": 1},  # and the receiver's SLA settings
)
def create_referral(ctx: RequestContext, body: models.NewReferral) -> models.ReferralView:
    return referrals.request(ctx.principal, body, ctx.request_id)


@route(
    "/referrals/attachments",
    "POST",
    summary="A presigned PUT for a file a referral will carry (pdf, jpeg, png, webp, dicom; at most 20 MB)",
    body=models.NewUpload,
    response=models.UploadView,
    status=201,
    kinds=STAFF,
    # the caller's record (clinical staff only); nothing stored: the referral checks the upload (S3)
    budget={"GetItem": 1},
)
def new_referral_upload(ctx: RequestContext, body: models.NewUpload) -> models.UploadView:
    return referrals.new_upload(ctx.principal, body)


@route(
    "/referrals",
    summary="My hospital's referrals in a box (in|out) and state, the earliest SLA due (overdue) first",
    query=models.ReferralsQuery,
    response=models.ReferralList,
    kinds=STAFF,
    # one Query a page; the consortium link once per partner hospital on it (two GetItems each)
    budget={"Query": 1, "GetItem": 4},
)
def list_referrals(ctx: RequestContext, query: models.ReferralsQuery) -> models.ReferralList:
    return referrals.list_referrals(ctx.principal, query)


@route(
    "/referrals/settings",
    summary="The SLA my hospital answers referrals within, in minutes by urgency (defaults: 30, 240, 1440)",
    response=models.SettingsView,
    kinds=STAFF,
    budget={"GetItem": 1},
)
def get_referral_settings(ctx: RequestContext) -> models.SettingsView:
    return referrals.get_settings(ctx.principal)


@route(
    "/referrals/settings",
    "PUT",
    summary="Set the SLA my hospital answers referrals within (a hospital admin; over the revision read)",
    body=models.SettingsBody,
    response=models.SettingsView,
    roles=("hospital_admin",),
    kinds=STAFF,
    budget={"TransactWriteItems": 1},
)
def put_referral_settings(ctx: RequestContext, body: models.SettingsBody) -> models.SettingsView:
    return referrals.put_settings(ctx.principal, body, ctx.request_id)


@route(
    "/referrals/summary",
    summary="My hospital's referrals by box (out, in) and state: counts",
    response=models.ReferralSummary,
    kinds=STAFF,
    budget={"GetItem": 1},
)
def referral_summary(ctx: RequestContext) -> models.ReferralSummary:
    return referrals.summary(ctx.principal)


@route(
    "/referrals/consortium/{cid}/counts",
    summary="The consortium's referrals in a month (the lead hospital's admins): counts, no patient",
    query=models.CountsQuery,
    response=models.ConsortiumCounts,
    roles=("hospital_admin",),
    kinds=STAFF,
    budget={"GetItem": 1, "Query": 1},  # my consortia (one Query); the month's counters
)
def consortium_referral_counts(
    ctx: RequestContext, cid: str, query: models.CountsQuery
) -> models.ConsortiumCounts:
    return referrals.consortium_counts(ctx.principal, cid, query.month)


@route(
    "/referrals/{referral_id}",
    summary="One referral as my hospital holds it (the receiver: masked until accepted); the read audited",
    response=models.ReferralView,
    kinds=STAFF,
    # ONE; the reader's record (unless the desk or the doctor of either end); the access log
    budget={"GetItem": ONE["GetItem"] + 1, "PutItem": 1},
)
def get_referral(ctx: RequestContext, referral_id: str) -> models.ReferralView:
    return referrals.get(ctx.principal, referral_id, ctx.request_id)


@route(
    "/referrals/{referral_id}/fhir",
    summary="One referral as a FHIR R4 Bundle: ServiceRequest + Task (its status history); the read audited",
    response=FhirBundleOut,
    kinds=STAFF,
    budget={"GetItem": ONE["GetItem"] + 1, "PutItem": 1},  # as GET /referrals/{referral_id}
)
def referral_fhir(ctx: RequestContext, referral_id: str) -> dict[str, Any]:
    return referrals.export_fhir(ctx.principal, referral_id, ctx.request_id)


@route(
    "/referrals/{referral_id}/attachments/{n}",
    summary="A presigned GET of a referral's attachment n (from 0), for its readers; in the access logs",
    response=models.AttachmentLink,
    kinds=STAFF,
    # as GET /referrals/{referral_id}; the receiver: the sender's record too, and both access logs
    budget={"GetItem": ONE["GetItem"] + 2, "PutItem": 2},
)
def referral_attachment(ctx: RequestContext, referral_id: str, n: str) -> models.AttachmentLink:
    return referrals.attachment_link(ctx.principal, referral_id, n, ctx.request_id)


@route(
    "/referrals/{referral_id}/accept",
    "POST",
    summary="Accept a referral (the receiver's desk): an appointment, or a bed and a time; identity crosses",
    body=models.AcceptReferral,
    response=models.ReferralView,
    roles=DESK,
    kinds=STAFF,
    # ANSWER; the receiving doctor, the sender's patient, the ID number's claim, the retention policy, the
    # receiver's units (admit); a down referral: the plan and the care team
    budget={"GetItem": ANSWER["GetItem"] + 6, "Query": 2, "TransactWriteItems": 1},
)
def accept_referral(
    ctx: RequestContext, referral_id: str, body: models.AcceptReferral
) -> models.ReferralView:
    return referrals.accept(ctx.principal, referral_id, body, ctx.request_id)


@route(
    "/referrals/{referral_id}/reject",
    "POST",
    summary="Reject a referral with a reason (the receiver's desk)",
    body=models.RejectReferral,
    response=models.ReferralView,
    roles=DESK,
    kinds=STAFF,
    budget={"GetItem": ANSWER["GetItem"], "TransactWriteItems": 1},
)
def reject_referral(
    ctx: RequestContext, referral_id: str, body: models.RejectReferral
) -> models.ReferralView:
    return referrals.reject(ctx.principal, referral_id, body, ctx.request_id)


@route(
    "/referrals/{referral_id}/arrived",
    "POST",
    summary="The referred patient arrived (the receiver's desk or the receiving doctor)",
    body=models.NoteBody,
    response=models.ReferralView,
    kinds=STAFF,
    budget={"GetItem": ANSWER["GetItem"], "TransactWriteItems": 1},
)
def referral_arrived(ctx: RequestContext, referral_id: str, body: models.NoteBody) -> models.ReferralView:
    return referrals.arrived(ctx.principal, referral_id, body, ctx.request_id)


@route(
    "/referrals/{referral_id}/no-show",
    "POST",
    summary="The referred patient did not come (the receiver's desk or the receiving doctor)",
    body=models.NoteBody,
    response=models.ReferralView,
    kinds=STAFF,
    budget={"GetItem": ANSWER["GetItem"], "TransactWriteItems": 1},
)
def referral_no_show(ctx: RequestContext, referral_id: str, body: models.NoteBody) -> models.ReferralView:
    return referrals.no_show(ctx.principal, referral_id, body, ctx.request_id)


@route(
    "/referrals/{referral_id}/complete",
    "POST",
    summary="Complete an arrived referral (the receiver's desk or the receiving doctor)",
    body=models.NoteBody,
    response=models.ReferralView,
    kinds=STAFF,
    budget={"GetItem": ANSWER["GetItem"], "TransactWriteItems": 1},
)
def complete_referral(ctx: RequestContext, referral_id: str, body: models.NoteBody) -> models.ReferralView:
    return referrals.complete(ctx.principal, referral_id, body, ctx.request_id)


@route(
    "/referrals/{referral_id}/cancel",
    "POST",
    summary="Withdraw a referral not answered yet (the referring hospital; also once the link is gone)",
    body=models.NoteBody,
    response=models.ReferralView,
    kinds=STAFF,
    # ONE, the other end; the caller's record (unless the referrer or the desk); the desk to tell
    budget={"GetItem": ONE["GetItem"] + 2, "Query": 1, "TransactWriteItems": 1},
)
def cancel_referral(ctx: RequestContext, referral_id: str, body: models.NoteBody) -> models.ReferralView:
    return referrals.cancel(ctx.principal, referral_id, body, ctx.request_id)
