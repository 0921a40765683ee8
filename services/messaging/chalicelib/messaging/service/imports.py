"""Import jobs: an HR file is checked, previewed, and applied only once a hospital admin confirms it.

1. ``start`` (``POST /imports``) reads and checks the whole file against the hospital's units in the
   request (a file that cannot be imported at all is a 422, nothing kept) and keeps its rows, packed in
   chunks of 1,000, beside a job that is ``previewing``; nothing of the directory is written.
2. The consumer previews the job ``SLICE`` rows per event (``run_slice``, phase ``preview``): it reads
   its chunk of rows and the staff the slice's 工号 name (two batch reads), and writes the slice's page
   (per row: create, update with each field's before → after, unchanged, or error) and the counts; the
   last slice makes the job a ``preview``. A 20,000-row file is 400 short invocations, none reading
   more than its chunk and 100 items.
3. ``get`` (``GET /imports/{id}?page=``) shows the job, its counts and one page of rows, in the
   reader's language.
4. ``confirm`` (``POST /imports/{id}/confirm``) queues the apply: once (a second confirmation returns
   the job and applies nothing), within ``PREVIEW_TTL``, and with rows in error only if the admin says
   to skip them.
5. The consumer applies the job slice by slice (phase ``apply``) through the directory's own use cases
   (audited, published), each row only if the directory still holds what the preview saw: a row changed
   meanwhile is a conflict on its page, not an overwrite.

Each use case takes the store it works on (``store=``; the slices also ``open_directory=`` for the staff
they write, and ``personal_data=``); left out, ``service/wiring.py`` gives the DynamoDB and KMS ones.
``language`` is the request's ``Accept-Language`` header, as the route passes it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from chalicelib.messaging.contracts.directory import CreateStaff, UpdateStaff
from chalicelib.messaging.contracts.events import IMPORT_REQUESTED, ImportRequested
from chalicelib.messaging.contracts.imports import (
    ConfirmImport,
    ImportChange,
    ImportJob,
    ImportPageQuery,
    ImportPreview,
    ImportRow,
    ImportRowError,
    ImportSummary,
    StartImport,
)
from chalicelib.messaging.domain import staff_import
from chalicelib.messaging.domain.import_messages import Language, label, language, render, role_name
from chalicelib.messaging.domain.ports import DirectoryStore, ImportStore, PersonalData
from chalicelib.messaging.domain.records import (
    ApplyTally,
    ImportJobRecord,
    ImportPageRecord,
    PreviewTally,
    StaffRecord,
)
from chalicelib.messaging.service import directory, wiring

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.ids import new_id
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork
from shared.problems import FieldError, Problem, conflict, validation_failed

SLICE = 50  # rows per event, and per page of the preview
CHUNK_ROWS = 1_000  # rows per chunk kept beside the job (a multiple of SLICE: a slice reads one chunk)
PREVIEW_TTL = timedelta(hours=24)


def _percent(done: int, total: int) -> int:
    return 100 if total == 0 else done * 100 // total


def _job(record: ImportJobRecord) -> ImportJob:
    if record.status == "previewing":
        percent = _percent(record.previewed, record.total)
    elif record.status == "preview":
        percent = 100
    else:
        percent = _percent(record.processed, record.total)
    return ImportJob(
        id=record.id,
        status=cast(Any, record.status),  # the store keeps one of the five
        filename=record.filename,
        total=record.total,
        percent=percent,
        summary=ImportSummary(
            create=record.to_create, update=record.to_update, unchanged=record.to_keep, error=record.errors
        ),
        preview_until=record.preview_until,
        confirmed_by=record.confirmed_by,
        confirmed_at=record.confirmed_at,
        processed=record.processed,
        created=record.created,
        updated=record.updated,
        unchanged=record.unchanged,
        conflicts=record.conflicts,
        skipped=record.skipped,
        created_at=record.created_at,
        finished_at=record.finished_at,
    )


def _units(store: ImportStore) -> staff_import.Units:
    return staff_import.Units(staff_import.Unit(u.id, u.name, u.parent_id) for u in store.departments())


def _refused(errors: list[FieldError], lang: Language) -> Problem:
    problem = validation_failed(errors)
    problem.detail = render("file_problems", {"count": len(errors)}, lang)
    return problem


def start(
    principal: Principal,
    cmd: StartImport,
    request_id: str,
    store: ImportStore | None = None,
    language_header: str | None = None,
) -> ImportJob:
    lang = language(language_header)

    def unreadable(code: str, **params: Any) -> Problem:
        return _refused([FieldError("content_base64", render(code, params, lang), "rule")], lang)

    try:
        content = base64.b64decode(cmd.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise unreadable("not_base64") from exc
    try:
        table = staff_import.read_table(content, cmd.format)
    except staff_import.FileTooLarge as exc:
        raise unreadable("file_too_large", max=staff_import.MAX_ROWS) from exc
    except Exception as exc:  # a broken or mislabelled file is the client's to fix
        raise unreadable("file_unreadable", format=cmd.format) from exc
    store = store or wiring.open_imports(principal, request_id)
    units = _units(store)  # one Query: the hospital's units
    parsed = staff_import.parse(table, units)
    if parsed.errors:
        errors = [
            FieldError(f"rows[{e.row}].{e.column}", render(e.code, e.params, lang, e.column), "rule")
            for e in parsed.errors
        ]
        raise _refused(errors, lang)
    chunk_rows = CHUNK_ROWS - CHUNK_ROWS % SLICE  # whole slices to a chunk
    chunks = staff_import.pack_rows(parsed.rows, chunk_rows)
    if max(len(c) for c in chunks) > staff_import.MAX_CHUNK:  # only rows of very long cells get here
        raise unreadable("file_too_dense")
    now = now_utc()
    job = ImportJobRecord(
        id=new_id(),
        requested_by=principal.user,
        filename=cmd.filename,
        file_sha256=hashlib.sha256(content).hexdigest(),
        units_blob=staff_import.pack_units(units),
        total=len(parsed.rows),
        created_at=now,
        page_size=SLICE,
        chunk_rows=chunk_rows,
        preview_until=now + PREVIEW_TTL,
    )
    with store:
        store.jobs.create(job, chunks)
        store.emit(
            IMPORT_REQUESTED.envelope(principal.tenant, ImportRequested(job_id=job.id, phase="preview"))
        )
        store.commit()
    return _job(job)


# --- reading a job and its rows -------------------------------------------------------------------


def _public(name: str) -> str:
    return "department" if name == "department_id" else name


def _value(name: str, value: Any, lang: Language) -> Any:
    if name == "roles" and isinstance(value, list):
        return [role_name(r, lang) for r in value]
    return value


def _row(stored: dict[str, Any], lang: Language) -> ImportRow:
    reason = stored.get("reason")
    return ImportRow(
        row=stored["row"],
        action=stored["action"],
        employee_no=stored.get("employee_no", ""),
        name=stored.get("name", ""),
        changes=[
            ImportChange(
                field=_public(name),
                label=label(name, lang),
                before=_value(name, before, lang),
                after=_value(name, after, lang),
            )
            for name, before, after in stored.get("changes", [])
        ],
        errors=[
            ImportRowError(
                column=_public(e["column"]), message=render(e["code"], e["params"], lang, e["column"])
            )
            for e in stored.get("errors", [])
        ],
        outcome=stored.get("outcome"),
        outcome_message=render(reason["code"], reason["params"], lang) if reason else None,
    )


def get(
    principal: Principal,
    job_id: str,
    query: ImportPageQuery | None = None,
    store: ImportStore | None = None,
    language_header: str | None = None,
) -> ImportPreview:
    """The job, its counts, and one page of its rows (two GetItems, whatever the file's size)."""
    store = store or wiring.open_imports(principal)
    job = store.jobs.get(job_id)
    if job is None:
        raise NotFound("import")
    number = (query or ImportPageQuery()).page
    pages = max(1, math.ceil(job.total / job.page_size))
    page = store.pages.get(job.id, number - 1) if number <= pages else None
    lang = language(language_header)
    return ImportPreview(
        **_job(job).model_dump(),
        page=number,
        pages=pages,
        rows=[_row(r, lang) for r in (page.rows if page else [])],
    )


# --- confirming -----------------------------------------------------------------------------------


def confirm(
    principal: Principal,
    job_id: str,
    cmd: ConfirmImport,
    request_id: str,
    store: ImportStore | None = None,
    language_header: str | None = None,
    now: datetime | None = None,
) -> ImportJob:
    """Queue the apply of a previewed job; a job confirmed already is returned as it stands."""
    lang = language(language_header)
    store = store or wiring.open_imports(principal, request_id)
    job = store.jobs.get(job_id)
    if job is None:
        raise NotFound("import")
    if job.status in ("queued", "running", "done"):
        return _job(job)  # confirmed before: nothing is applied twice
    if job.status == "previewing":
        percent = _percent(job.previewed, job.total)
        raise conflict(render("not_ready", {"percent": percent}, lang), "import-not-ready")
    now = now or now_utc()
    if job.preview_until is not None and now > job.preview_until:
        until = job.preview_until.isoformat(timespec="minutes")
        raise conflict(render("expired", {"until": until}, lang), "import-preview-expired")
    if job.errors and not cmd.skip_errors:
        raise conflict(render("has_errors", {"count": job.errors}, lang), "import-has-errors")
    try:
        with store:
            store.jobs.confirm(job, principal.user, now, cmd.skip_errors)
            start = ImportRequested(job_id=job.id, phase="apply")
            store.emit(IMPORT_REQUESTED.envelope(principal.tenant, start))
            store.commit()
    except Conflict:
        # Confirmed by someone else meanwhile: theirs goes ahead, and this answer is the job as it is.
        current = store.jobs.get(job_id)
        if current is None or current.status in ("preview", "previewing"):
            raise
        return _job(current)
    job.status, job.confirmed_by, job.confirmed_at, job.skip_errors = (
        "queued",
        principal.user,
        now,
        cmd.skip_errors,
    )
    return _job(job)


# --- the consumer: preview, then apply, a slice per event -----------------------------------------


def run_slice(
    envelope: EventEnvelope,
    uow: UnitOfWork,
    store: ImportStore | None = None,
    open_directory: Callable[[Principal, str], DirectoryStore] | None = None,
    personal_data: PersonalData | None = None,
) -> None:
    """directory.import.requested → preview or apply rows [offset, offset+SLICE), record the page and
    the progress, queue the next slice. What is staged goes in the consumer's unit of work, committed
    with its inbox marker; only the slice that starts where the job stands may move it on."""
    tenant = envelope.tenant
    request = IMPORT_REQUESTED.parse(envelope)
    store = store or wiring.consumer_imports(tenant, uow)
    job = store.jobs.get(request.job_id)
    if job is None:
        raise NotFound("import")  # the event names a job that must exist
    found: list[PersonalData] = [personal_data] if personal_data else []

    def mobile_index(mobile: str) -> str:
        if not found:
            found.append(wiring.personal_data())  # only a file with mobiles needs the key
        return found[0].digest(tenant, "mobile", mobile)

    number, first = divmod(request.offset, job.chunk_rows)
    blob = store.jobs.chunk(job.id, number)
    if blob is None:
        raise NotFound("import rows")
    end = min(request.offset + job.page_size, job.total)
    done = end >= job.total
    entries = staff_import.unpack_rows(blob)[first : first + end - request.offset]
    if request.phase == "preview":
        units = staff_import.unpack_units(job.units_blob)
        page = _preview(store, entries, units, mobile_index)
        store.pages.put(ImportPageRecord(job.id, request.offset // job.page_size, page))
        tally = Counter(r["action"] for r in page)
        store.jobs.previewed(
            job,
            request.offset,
            end,
            PreviewTally(tally["create"], tally["update"], tally["unchanged"], tally["error"]),
            done,
        )
    else:
        if job.status not in ("queued", "running"):
            raise Conflict(f"this import is {job.status}: only a confirmed one is applied")
        previewed = store.pages.get(job.id, request.offset // job.page_size)
        if previewed is None:
            raise NotFound("import page")
        principal = Principal(
            tenant=tenant,
            user=job.confirmed_by or job.requested_by,
            kind="staff",
            roles=frozenset({"hospital_admin"}),
        )
        outcome = _apply(
            store,
            principal,
            envelope.id,
            entries,
            previewed,
            open_directory or wiring.open_store,
            personal_data,
        )
        store.pages.put(previewed)
        store.jobs.advance(job, request.offset, end, outcome, finished_at=now_utc() if done else None)
    if not done:
        following = ImportRequested(job_id=job.id, offset=end, phase=request.phase)
        store.emit(IMPORT_REQUESTED.envelope(tenant, following))


def _preview(
    store: ImportStore,
    entries: list[dict[str, Any]],
    units: staff_import.Units,
    mobile_index: Callable[[str], str],
) -> list[dict[str, Any]]:
    current = store.staff_by_numbers([e["data"]["employee_no"] for e in entries if "data" in e])

    def holder(entry: dict[str, Any]) -> StaffRecord | None:
        return current.get(entry["data"]["employee_no"]) if "data" in entry else None

    return [staff_import.preview_row(e, holder(e), units, mobile_index) for e in entries]


def _apply(
    store: ImportStore,
    principal: Principal,
    request_id: str,
    entries: list[dict[str, Any]],
    page: ImportPageRecord,
    open_directory: Callable[[Principal, str], DirectoryStore],
    personal_data: PersonalData | None,
) -> ApplyTally:
    """Each row of the page as it was previewed, through the directory's own use cases (one
    transaction each), if the directory still holds what the preview saw; the outcome on the row."""
    current = store.staff_by_numbers([p["employee_no"] for p in page.rows if p["action"] != "error"])
    tally: Counter[str] = Counter()
    for entry, planned in zip(entries, page.rows, strict=True):
        if planned["action"] == "error":
            planned["outcome"] = "skipped"
            tally["skipped"] += 1
            continue
        data: dict[str, Any] = entry["data"]
        staff = current.get(data["employee_no"])
        verdict = staff_import.decide(planned, staff, data)
        if verdict == "stale":
            planned["outcome"], planned["reason"] = "conflict", {"code": "stale", "params": {}}
            tally["conflicts"] += 1
            continue
        try:
            if verdict == "apply" and planned["action"] == "create":
                directory.create_staff(
                    principal,
                    CreateStaff.model_validate(data),
                    request_id,
                    store=open_directory(principal, request_id),
                    personal_data=personal_data,
                )
            elif verdict == "apply" and planned["action"] == "update" and staff is not None:
                changes = {name: data[name] for name, _, _ in planned["changes"]}
                directory.update_staff(
                    principal,
                    staff.id,
                    UpdateStaff(version=staff.version or 1, **changes),
                    request_id,
                    store=open_directory(principal, request_id),
                    personal_data=personal_data,
                )
        except Conflict:  # the record moved on between this slice's read and its write
            planned["outcome"], planned["reason"] = "conflict", {"code": "stale", "params": {}}
            tally["conflicts"] += 1
            continue
        except RuleViolation as exc:  # e.g. its unit was removed since the preview
            planned["outcome"] = "conflict"
            planned["reason"] = {"code": "refused", "params": {"reason": str(exc)}}
            tally["conflicts"] += 1
            continue
        kept = planned["action"] == "unchanged"
        planned["outcome"] = "unchanged" if kept else "applied"
        tally[{"create": "created", "update": "updated", "unchanged": "unchanged"}[planned["action"]]] += 1
    return ApplyTally(
        created=tally["created"],
        updated=tally["updated"],
        unchanged=tally["unchanged"],
        conflicts=tally["conflicts"],
        skipped=tally["skipped"],
    )
