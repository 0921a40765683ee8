"""Import jobs: a validated staff file becomes a job that is applied in slices, with progress.

The whole file is validated when it is submitted (errors by row and column, nothing written if any);
the rows are then kept, compressed, on the job, and applied 50 at a time, each slice one event: short
invocations, progress after every slice, and a redelivered slice re-applies idempotently.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from typing import Any

from chalicelib.messaging.adapters import dynamodb
from chalicelib.messaging.adapters.dynamodb import ImportJobItem
from chalicelib.messaging.contracts.directory import CreateStaff, UpdateStaff
from chalicelib.messaging.contracts.events import IMPORT_REQUESTED, ImportRequested
from chalicelib.messaging.contracts.imports import ImportJob, StartImport
from chalicelib.messaging.domain import staff_import
from chalicelib.messaging.service import directory

from shared.auth import Principal
from shared.crypto import get_blind_index
from shared.errors import NotFound
from shared.events.envelope import EventEnvelope
from shared.ids import new_id
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork
from shared.problems import FieldError, validation_failed

SERVICE = "messaging"
SLICE = 50
MAX_REPORTED_ERRORS = 500


def _job(item: ImportJobItem) -> ImportJob:
    total = int(item.total)
    return ImportJob(
        id=item.sk,
        status=item.status,
        filename=item.filename,
        total=total,
        processed=int(item.processed),
        percent=100 if total == 0 else int(item.processed) * 100 // total,
        created=int(item.created),
        updated=int(item.updated),
        unchanged=int(item.unchanged),
        created_at=item.created_at,
        finished_at=item.finished_at,
    )


def _departments(tenant: str) -> dict[str, str]:
    """Unit name → id (and id → id), for the department column."""
    names: dict[str, str] = {}
    for unit in dynamodb.departments_of(tenant):
        names.setdefault(unit.name, unit.sk)
        names[unit.sk] = unit.sk
    return names


def start(principal: Principal, cmd: StartImport, request_id: str) -> ImportJob:
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
    parsed = staff_import.parse(table, _departments(principal.tenant))
    if parsed.errors:
        errors = [
            FieldError(f"rows[{e.row}].{e.column}", e.message, "rule")
            for e in parsed.errors[:MAX_REPORTED_ERRORS]
        ]
        problem = validation_failed(errors)
        problem.detail = f"{len(parsed.errors)} problems in the file; nothing was imported"
        raise problem
    tenant = principal.tenant
    job = ImportJobItem.new(
        tenant,
        new_id(),
        requested_by=principal.user,
        filename=cmd.filename,
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows_blob=base64.b64encode(
            zlib.compress(json.dumps(parsed.rows, ensure_ascii=False).encode())
        ).decode(),
        total=len(parsed.rows),
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(job)
        uow.emit(IMPORT_REQUESTED.envelope(tenant, ImportRequested(job_id=job.sk)))
        uow.commit()
    return _job(job)


def get(principal: Principal, job_id: str) -> ImportJob:
    job = dynamodb.find_import_job(principal.tenant, job_id)
    if job is None:
        raise NotFound("import")
    return _job(job)


def apply_slice(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    """directory.import.requested → apply rows [offset, offset+SLICE), record progress, queue the rest."""
    tenant = envelope.tenant
    request = IMPORT_REQUESTED.parse(envelope)
    job = dynamodb.import_job(tenant, request.job_id)
    rows: list[dict[str, Any]] = json.loads(zlib.decompress(base64.b64decode(job.rows_blob)))
    end = min(request.offset + SLICE, len(rows))
    principal = Principal(
        tenant=tenant, user=job.requested_by, kind="staff", roles=frozenset({"hospital_admin"})
    )
    index = get_blind_index()

    def existing(employee_no: str) -> dict[str, Any] | None:
        claim = dynamodb.find_employee_number(tenant, employee_no)
        if claim is None:
            return None
        staff = dynamodb.get_staff(tenant, claim.staff_id)
        return None if staff is None else {**staff.attribute_values, "id": staff.sk}

    def differs(current: dict[str, Any], key: str, value: Any) -> bool:
        if key == "mobile":
            return current.get("mobile_index") != index.digest(tenant, "mobile", value)
        if key == "roles":
            return sorted(current.get("roles") or []) != sorted(value)
        if key == "certificates":
            return bool(json.loads(current.get("certificates") or "[]") != value)
        return bool(current.get(key) != value)

    def create(data: dict[str, Any]) -> None:
        directory.create_staff(principal, CreateStaff.model_validate(data), envelope.id)

    def update(current: dict[str, Any], changes: dict[str, Any]) -> None:
        changes.pop("employee_no", None)
        directory.update_staff(
            principal, current["id"], UpdateStaff(version=current["version"], **changes), envelope.id
        )

    outcome = staff_import.apply_rows(rows[request.offset : end], existing, create, update, differs)
    actions = [
        ImportJobItem.processed.set(end),
        ImportJobItem.created.add(outcome.created),
        ImportJobItem.updated.add(outcome.updated),
        ImportJobItem.unchanged.add(outcome.unchanged),
        ImportJobItem.status.set("done" if end >= len(rows) else "running"),
    ]
    if end >= len(rows):
        actions.append(ImportJobItem.finished_at.set(now_utc()))
    else:
        uow.emit(IMPORT_REQUESTED.envelope(tenant, ImportRequested(job_id=job.sk, offset=end)))
    # Only the slice that starts where the job stands may move it on (a redelivered slice adds nothing).
    uow.update(job, actions, condition=ImportJobItem.processed == request.offset)
