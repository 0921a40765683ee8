"""Recording the HIS census: one day (``PUT /census/{day}``), many days (``POST /census``), or an admin's
CSV/xlsx upload (a presigned PUT, then ``…/import``). Every batch is checked whole
(``domain/census.check``) before anything is written; a clean batch is written in transactions of
``CHUNK_DAYS`` days, each with its audit record. ``set_census`` replaces a day's census, so a batch
retried after a partial failure (a later chunk refused by the store) writes the same figures again:
the answer of a partial failure says how many days were kept (``problem.detail``) and a retry is safe.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.reports.contracts import census as models
from chalicelib.reports.domain import census
from chalicelib.reports.domain.ports import Files, Store
from chalicelib.reports.domain.sources import zone_of
from chalicelib.reports.service import wiring

from shared import spreadsheet
from shared.auth import Principal
from shared.errors import NotFound, RuleViolation
from shared.persistence.models import now_utc
from shared.problems import FieldError, Problem

UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def today(at: datetime | None = None, timezone: str | None = None) -> date:
    """The hospital's today, in its own time zone (the directory's; ``Asia/Shanghai`` when unset)."""
    return (at or now_utc()).astimezone(zone_of(timezone)).date()


def _hospital_today(principal: Principal, store: Store | None, at: datetime | None) -> date:
    return today(at, (store or wiring.reader(principal.tenant)).timezone())


def object_key(tenant: str, upload_id: str, fmt: str) -> str:
    """Tenant first, in the reports' own part of the bucket."""
    return f"{tenant}/reports/census/{upload_id}.{fmt}"


def _by(principal: Principal) -> str:
    return f"app:{principal.app}" if principal.kind == "partner" else principal.staff


def refused(faults: list[census.Fault], in_file: bool) -> Problem:
    """The whole batch refused: every fault by its row (index and day, or the spreadsheet's row) and field."""
    errors = []
    for f in faults:
        if in_file:
            where = f"row {f.row}" + (f" ({f.day})" if f.day else "") + f" · {f.field}"
        else:
            where = f"rows[{f.row}]" + (f" ({f.day})" if f.day else "") + f".{f.field}"
        # "rule": a business rule refused the row (what is wrong with it is in the message)
        errors.append(FieldError(where, f.message, "rule"))
    return Problem(
        422,
        "census-refused",
        "The census cannot be recorded",
        f"{len(faults)} problems in the census; nothing was recorded",
        errors,
    )


def write(
    principal: Principal,
    days: list[census.CensusDay],
    request_id: str | None,
    store: Store | None,
    source: str,
) -> models.CensusResult:
    """Write checked days, ``CHUNK_DAYS`` a transaction, each audited."""
    if not days:
        raise RuleViolation("the census has no rows", field="rows")
    days = sorted(days, key=lambda d: d.day)
    kept = 0
    for start in range(0, len(days), census.CHUNK_DAYS):
        chunk = days[start : start + census.CHUNK_DAYS]
        s = store if store is not None else wiring.store(principal, request_id)
        for d in chunk:
            s.days.set_census(d.day, {k: float(v) for k, v in d.values.items()}, _by(principal))
        s.uow.audit(  # type: ignore[attr-defined]
            "report.census.recorded",
            "census",
            f"{chunk[0].day.isoformat()}..{chunk[-1].day.isoformat()}",
            after={"days": len(chunk), "source": source},
        )
        try:
            s.uow.commit()  # type: ignore[attr-defined]
        except Exception:
            if kept:
                raise Problem(
                    503,
                    "census-partly-recorded",
                    "The census was partly recorded",
                    f"{kept} of {len(days)} days were recorded (up to {days[kept - 1].day.isoformat()}); "
                    "send the same batch again: each day is replaced, not added",
                    headers={"Retry-After": "1"},
                ) from None
            raise
        kept += len(chunk)
    return models.CensusResult(days=len(days), first=days[0].day, last=days[-1].day)


def put_day(
    principal: Principal,
    day: date,
    body: models.CensusFigures,
    request_id: str | None = None,
    store: Store | None = None,
    now: datetime | None = None,
) -> models.CensusResult:
    row: dict[str, Any] = {"day": day, **body.model_dump(exclude_none=True)}
    checked = census.check([row], _hospital_today(principal, store, now))
    if checked.faults:
        f = checked.faults[0]
        raise RuleViolation(f.message, field=f.field if f.field != "day" else "day")
    return write(principal, checked.days, request_id, store, "api")


def put_days(
    principal: Principal,
    body: models.CensusBatch,
    request_id: str | None = None,
    store: Store | None = None,
    now: datetime | None = None,
) -> models.CensusResult:
    checked = census.check(body.rows, _hospital_today(principal, store, now))
    if checked.faults:
        raise refused(checked.faults, in_file=False)
    return write(principal, checked.days, request_id, store, "api")


def start_upload(
    principal: Principal, body: models.UploadRequest, files: Files | None = None, now: datetime | None = None
) -> models.UploadTicket:
    fmt = models.CONTENT_TYPES.get(body.content_type)
    if fmt is None:
        raise RuleViolation("the file must be CSV or xlsx", field="content_type")
    upload_id = "cu" + secrets.token_hex(12)
    key = object_key(principal.tenant, upload_id, fmt)
    url = (files or wiring.files()).upload_url(key, body.content_type, body.size, UPLOAD_SECONDS)
    return models.UploadTicket(
        id=upload_id,
        upload_url=url,
        upload_headers={"Content-Type": body.content_type},
        format=fmt,
        expires_at=(now or now_utc()) + timedelta(seconds=UPLOAD_SECONDS),
    )


def _valid_id(upload_id: str) -> bool:
    return (
        len(upload_id) == 26
        and upload_id.startswith("cu")
        and all(c in "0123456789abcdef" for c in upload_id[2:])
    )


def import_upload(
    principal: Principal,
    upload_id: str,
    request_id: str | None = None,
    store: Store | None = None,
    files: Files | None = None,
    now: datetime | None = None,
) -> models.CensusResult:
    """Read the uploaded file (its key is the caller's hospital's: another's id is not found), check it
    whole, and record it as ``POST /census`` does."""
    files = files or wiring.files()
    content: bytes | None = None
    fmt = ""
    if _valid_id(upload_id):
        for fmt in ("xlsx", "csv"):
            try:
                content = files.read(object_key(principal.tenant, upload_id, fmt), models.MAX_UPLOAD_BYTES)
            except ValueError as exc:
                raise RuleViolation(
                    f"the file is larger than {models.MAX_UPLOAD_BYTES} bytes", field="upload_id"
                ) from exc
            if content is not None:
                break
    if content is None:
        raise NotFound("census upload")
    try:
        table = census.read(content, fmt)
    except census.FileTooLarge as exc:
        raise RuleViolation(f"at most {census.MAX_ROWS} days per file", field="file") from exc
    except census.Unreadable as exc:
        raise RuleViolation(f"the file cannot be read as {fmt}", field="file") from exc
    if table.faults:
        raise refused(table.faults, in_file=True)
    checked = census.check(
        table.rows, _hospital_today(principal, store, now), numbers=table.numbers, columns=table.columns
    )
    if checked.faults:
        raise refused(checked.faults, in_file=True)
    return write(principal, checked.days, request_id, store, f"upload:{upload_id}")


def template(
    principal: Principal, files: Files | None = None, now: datetime | None = None
) -> models.Download:
    """The upload template (xlsx: the header in Chinese and an example row), a presigned download."""
    at = now or now_utc()
    header, rows = census.template_rows(today(at))
    content = spreadsheet.xlsx_bytes("HIS 日报", header, rows)
    key = f"{principal.tenant}/reports/templates/census.xlsx"
    files = files or wiring.files()
    files.put(key, content, XLSX)
    filename = "医疗业务日报模板.xlsx"
    return models.Download(
        url=files.download_url(key, filename, DOWNLOAD_SECONDS),
        filename=filename,
        content_type=XLSX,
        size=len(content),
        expires_at=at + timedelta(seconds=DOWNLOAD_SECONDS),
    )
