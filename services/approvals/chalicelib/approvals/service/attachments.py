"""Files for approval forms: upload one (its record and a presigned PUT), check and bind the files a
submitted form names, and open one of an approval (a presigned GET, audited).

Each use case takes ``store=`` and ``files=``; left out, ``service/wiring.py`` gives the DynamoDB and S3
ones."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.approvals.contracts.attachments import DownloadLink, UploadRequest, UploadTicket
from chalicelib.approvals.domain import attachments
from chalicelib.approvals.domain.engine import Instance
from chalicelib.approvals.domain.forms import FormField
from chalicelib.approvals.domain.ports import Files, Store
from chalicelib.approvals.domain.records import AttachmentRecord
from chalicelib.approvals.service import wiring
from chalicelib.approvals.service._common import ADMIN_ROLE, field_problem, now
from chalicelib.approvals.service.instances import load

from shared.auth import Principal
from shared.errors import NotFound
from shared.filenames import safe_filename
from shared.ids import new_id


def request_upload(
    principal: Principal, body: UploadRequest, store: Store | None = None, files: Files | None = None
) -> UploadTicket:
    """The caller's file: its record (they own it) and a presigned PUT of exactly this type and size."""
    store = store or wiring.store(principal)
    at = now()
    record = AttachmentRecord(
        id=new_id(),
        owner=principal.staff,
        filename=safe_filename(body.filename),
        content_type=body.content_type,
        size=body.size,
        created_at=at,
    )
    store.attachments.add(record)
    key = attachments.object_key(store.tenant, record.id)
    url = (files or wiring.files()).upload_url(key, body.content_type, body.size, attachments.UPLOAD_SECONDS)
    return UploadTicket(
        id=record.id,
        filename=record.filename,
        upload_url=url,
        upload_headers={"Content-Type": body.content_type},
        expires_at=at + timedelta(seconds=attachments.UPLOAD_SECONDS),
    )


def to_bind(
    store: Store,
    files: Files | None,
    fields: list[FormField],
    form: dict[str, object],
    submitter: str,
    instance_id: str,
) -> list[AttachmentRecord]:
    """The files a form names that the approval does not hold yet, once each is found to be the
    submitter's own upload of this hospital, free, and in the bucket; else a 422 naming each field and
    file. One read of the records (none when the form names no file) and a HeadObject per new file."""
    named = attachments.references(fields, form)
    if not named:
        return []
    records = store.attachments.of({attachment_id for _, attachment_id in named})
    errors = attachments.problems(named, records, submitter, instance_id)
    if errors:
        raise field_problem(errors)
    new = {a: records[a] for _, a in named if records[a].instance_id is None}
    if new:
        files = files or wiring.files()
        missing = [
            (where, f"「{records[a].filename}」 has not been uploaded yet: PUT it to its upload_url first")
            for where, a in named
            if a in new and not files.uploaded(attachments.object_key(store.tenant, a))
        ]
        if missing:
            raise field_problem(missing)
    return list(new.values())


def download(
    principal: Principal,
    instance_id: str,
    attachment_id: str,
    store: Store | None = None,
    files: Files | None = None,
) -> DownloadLink:
    """A presigned GET of one of the approval's files, for the people on it (anyone else: 404, as if
    neither existed); every download leaves an audit record (who, which file, which approval)."""
    store = store or wiring.store(principal)
    inst: Instance = load(store, instance_id).instance
    if not attachments.may_download(inst, principal.staff, ADMIN_ROLE in principal.roles):
        raise NotFound("approval")
    record = store.attachments.get(attachment_id)
    if record is None or record.instance_id != instance_id:
        raise NotFound("attachment")
    store.audit_now(
        "approval.attachment.download",
        "approval",
        instance_id,
        after={
            "staff_id": principal.staff,
            "attachment_id": record.id,
            "filename": record.filename,
        },
    )
    key = attachments.object_key(store.tenant, record.id)
    url = (files or wiring.files()).download_url(key, record.filename, attachments.DOWNLOAD_SECONDS)
    return DownloadLink(
        url=url,
        filename=record.filename,
        content_type=record.content_type,
        size=record.size,
        expires_at=now() + timedelta(seconds=attachments.DOWNLOAD_SECONDS),
    )
