"""Import jobs: a validated staff file becomes a job that is applied in slices, with progress.

The whole file is validated when it is submitted (errors by row and column, nothing written if any);
the rows are then kept, compressed, on the job, and applied 50 at a time, each slice one event: short
invocations, progress after every slice, and a redelivered slice re-applies idempotently.

Each use case takes the store it works on (``store=``; the slice also ``open_directory=`` for the staff
it writes, and ``personal_data=``); left out, ``service/wiring.py`` gives the DynamoDB and KMS ones.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
from collections.abc import Callable
from typing import Any

from chalicelib.messaging.contracts.directory import CreateStaff, UpdateStaff
from chalicelib.messaging.contracts.events import IMPORT_REQUESTED, ImportRequested
from chalicelib.messaging.contracts.imports import ImportJob, StartImport
from chalicelib.messaging.domain import staff_import
from chalicelib.messaging.domain.ports import DirectoryStore, ImportStore, PersonalData
from chalicelib.messaging.domain.records import ImportJobRecord
from chalicelib.messaging.service import directory, wiring

from shared.auth import Principal
from shared.errors import NotFound
from shared.events.envelope import EventEnvelope
from shared.ids import new_id
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork
from shared.problems import FieldError, validation_failed

SLICE = 50
MAX_REPORTED_ERRORS = 500


def _job(record: ImportJobRecord) -> ImportJob:
    total = record.total
    return ImportJob(
        id=record.id,
        status=record.status,
        filename=record.filename,
        total=total,
        processed=record.processed,
        percent=100 if total == 0 else record.processed * 100 // total,
        created=record.created,
        updated=record.updated,
        unchanged=record.unchanged,
        created_at=record.created_at,
        finished_at=record.finished_at,
    )


def _departments(store: ImportStore) -> dict[str, str]:
    """Unit name → id (and id → id), for the department column."""
    names: dict[str, str] = {}
    for unit in store.departments():
        names.setdefault(unit.name, unit.id)
        names[unit.id] = unit.id
    return names


def start(
    principal: Principal, cmd: StartImport, request_id: str, store: ImportStore | None = None
) -> ImportJob:
    try:
        content = base64.b64decode(cmd.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise validation_failed([FieldError("content_base64", "not valid base64", "rule")]) from exc
    try:
        table = staff_import.read_table(content, cmd.format)
    except staff_import.FileTooLarge as exc:
        raise validation_failed([FieldError("content_base64", str(exc), "rule")]) from exc
    except Exception as exc:  # a broken or mislabelled file is the client's to fix
        raise validation_failed(
            [FieldError("content_base64", f"cannot read the {cmd.format} file", "rule")]
        ) from exc
    store = store or wiring.open_imports(principal, request_id)
    parsed = staff_import.parse(table, _departments(store))
    if parsed.errors:
        errors = [
            FieldError(f"rows[{e.row}].{e.column}", e.message, "rule")
            for e in parsed.errors[:MAX_REPORTED_ERRORS]
        ]
        problem = validation_failed(errors)
        problem.detail = f"{len(parsed.errors)} problems in the file; nothing was imported"
        raise problem
    tenant = principal.tenant
    job = ImportJobRecord(
        id=new_id(),
        requested_by=principal.user,
        filename=cmd.filename,
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows_blob=staff_import.pack_rows(parsed.rows),
        total=len(parsed.rows),
        created_at=now_utc(),
    )
    with store:
        store.jobs.create(job)
        store.emit(IMPORT_REQUESTED.envelope(tenant, ImportRequested(job_id=job.id)))
        store.commit()
    return _job(job)


def get(principal: Principal, job_id: str, store: ImportStore | None = None) -> ImportJob:
    job = (store or wiring.open_imports(principal)).jobs.get(job_id)
    if job is None:
        raise NotFound("import")
    return _job(job)


def apply_slice(
    envelope: EventEnvelope,
    uow: UnitOfWork,
    store: ImportStore | None = None,
    open_directory: Callable[[Principal, str], DirectoryStore] | None = None,
    personal_data: PersonalData | None = None,
) -> None:
    """directory.import.requested → apply rows [offset, offset+SLICE), record progress, queue the rest.

    Each row is created or updated by the directory's own use case, in its own transaction (opened by
    ``open_directory``); the progress (and the next slice's event) is staged in the consumer's unit of
    work, committed with its inbox marker."""
    tenant = envelope.tenant
    request = IMPORT_REQUESTED.parse(envelope)
    store = store or wiring.consumer_imports(tenant, uow)
    open_directory = open_directory or wiring.open_store
    job = store.jobs.get(request.job_id)
    if job is None:
        raise NotFound("import")  # as before: the event names a job that must exist
    rows = staff_import.unpack_rows(job.rows_blob)
    end = min(request.offset + SLICE, len(rows))
    principal = Principal(
        tenant=tenant, user=job.requested_by, kind="staff", roles=frozenset({"hospital_admin"})
    )
    personal_data = personal_data or wiring.personal_data()

    def existing(employee_no: str) -> dict[str, Any] | None:
        staff = store.staff_by_number(employee_no)
        return None if staff is None else dataclasses.asdict(staff)

    def differs(current: dict[str, Any], key: str, value: Any) -> bool:
        if key == "mobile":
            return current.get("mobile_index") != personal_data.digest(tenant, "mobile", value)
        if key == "roles":
            return sorted(current.get("roles") or []) != sorted(value)
        if key == "certificates":
            return bool((current.get("certificates") or []) != value)
        return bool(current.get(key) != value)

    def create(data: dict[str, Any]) -> None:
        directory.create_staff(
            principal,
            CreateStaff.model_validate(data),
            envelope.id,
            store=open_directory(principal, envelope.id),
            personal_data=personal_data,
        )

    def update(current: dict[str, Any], changes: dict[str, Any]) -> None:
        changes.pop("employee_no", None)
        directory.update_staff(
            principal,
            current["id"],
            UpdateStaff(version=current["version"], **changes),
            envelope.id,
            store=open_directory(principal, envelope.id),
            personal_data=personal_data,
        )

    outcome = staff_import.apply_rows(rows[request.offset : end], existing, create, update, differs)
    done = end >= len(rows)
    if not done:
        store.emit(IMPORT_REQUESTED.envelope(tenant, ImportRequested(job_id=job.id, offset=end)))
    # Only the slice that starts where the job stands may move it on (a redelivered slice adds nothing).
    store.jobs.advance(
        job,
        request.offset,
        end,
        outcome.created,
        outcome.updated,
        outcome.unchanged,
        finished_at=now_utc() if done else None,
    )
