"""Files attached to approvals (公文 正文及附件, quotes, photos), free of AWS: which files are accepted, where
one is kept, which a form names, and who may have one.

A file is uploaded before the form that names it: ``POST /attachments`` makes its record (the uploader owns
it) and a presigned PUT. Submitting (or resubmitting) a form binds each file it names to that approval, in
the approval's own transaction; a file bound to one approval is never taken by another."""

from __future__ import annotations

from typing import Any

from chalicelib.approvals.domain.engine import Instance
from chalicelib.approvals.domain.forms import FormField
from chalicelib.approvals.domain.records import AttachmentRecord

MAX_BYTES = 20 * 1024 * 1024  # 20 MB a file: a scanned 公文 of a few dozen pages
MAX_PER_FORM = 20  # files one form may name, across its fields
UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 300
# What a document comes as: PDF, Word, Excel, PowerPoint, a scan or photo, and OFD (GB/T 33190, the
# national format official documents are often issued in).
CONTENT_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "application/ofd": "OFD",
}


def object_key(tenant: str, attachment_id: str) -> str:
    """Where the file is kept: tenant first, like every key, in approvals' own part of it."""
    return f"{tenant}/approvals/{attachment_id}"


def references(fields: list[FormField], values: Any, prefix: str = "form.") -> list[tuple[str, str]]:
    """Every attachment id a (valid) form names, with its field path (``form.body.0``): top-level fields
    and detail-table cells."""
    if not isinstance(values, dict):
        return []
    found: list[tuple[str, str]] = []
    for f in fields:
        value = values.get(f.name)
        if f.type == "attachment" and isinstance(value, list):
            found += [(f"{prefix}{f.name}.{n}", v) for n, v in enumerate(value) if isinstance(v, str)]
        elif f.type == "table" and isinstance(value, list):
            for r, row in enumerate(value):
                found += references(f.columns, row, prefix=f"{prefix}{f.name}.{r}.")
    return found


def problems(
    named: list[tuple[str, str]],
    records: dict[str, AttachmentRecord],
    submitter: str,
    instance_id: str,
) -> list[tuple[str, str]]:
    """What is wrong with the files a form names, as (field path, message), before any is checked in S3:
    each must be a file of this hospital, uploaded by the submitter, not bound to another approval."""
    errors: list[tuple[str, str]] = []
    if len(named) > MAX_PER_FORM:
        errors.append(("form", f"a form may name at most {MAX_PER_FORM} files"))
    for where, attachment_id in named:
        record = records.get(attachment_id)
        if record is None:
            message = f"no file {attachment_id} in this hospital (upload it with POST /attachments)"
        elif record.owner != submitter:
            message = f"「{record.filename}」 is someone else's upload: attach your own"
        elif record.instance_id not in (None, instance_id):
            message = f"「{record.filename}」 is attached to another approval: upload it again"
        else:
            continue
        errors.append((where, message))
    return errors


def may_download(inst: Instance, staff_id: str, admin: bool) -> bool:
    """Whoever is on the approval may open its files: the submitter, every approver and handler of any
    step (a 传阅 reader too) and their deputies — recorded on a task, or having acted for its approver —
    the people copied, and the hospital's admins."""
    if admin or staff_id in inst.participants():
        return True
    return any(t.acted_by == staff_id for s in inst.steps for t in s.tasks)
