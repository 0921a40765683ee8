"""The ward-wall grid as a spreadsheet: export a period (its draft or a published version) as xlsx, and
import one in the same layout as the draft's next revision.

The HTTP layer answers JSON only, so an export is stored in the attachments bucket
(``<tenant>/scheduling/exports/<period>/<r|v><n>.xlsx``, one object per revision or version, rewritten on
each export) and returned as a presigned GET valid for five minutes, as approvals' attachments are.
An import is checked whole (``domain/sheets.parse``, then the hard rules an edit is refused for) and
applied through the same path as ``PUT …/cells`` (``periods.change_cells``): nothing is written unless
every cell is clean."""

from __future__ import annotations

import base64
import binascii
from datetime import date, timedelta

from chalicelib.scheduling.contracts import periods as api
from chalicelib.scheduling.contracts import sheets as models
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain import sheets
from chalicelib.scheduling.domain.period_ports import ExportFiles, PeriodStore
from chalicelib.scheduling.domain.ports import Directory
from chalicelib.scheduling.service import periods, wiring
from chalicelib.scheduling.service.periods import Context

from shared.auth import Principal
from shared.errors import RuleViolation
from shared.filenames import safe_filename
from shared.persistence.models import now_utc
from shared.problems import FieldError, Problem

DOWNLOAD_SECONDS = 300
LOCAL = rules.HOSPITAL_TZ


def object_key(tenant: str, period_id: str, version: int | None, revision: int) -> str:
    """Tenant first, in scheduling's own part of the bucket (its role reaches no other keys)."""
    which = f"v{version}" if version else f"r{revision}"
    return f"{tenant}/scheduling/exports/{period_id}/{which}.xlsx"


def _order(ctx: Context, staff_ids: set[str]) -> list[str]:
    wards = ctx.period.ward_ids

    def key(staff_id: str) -> tuple[int, str]:
        row = ctx.rows.get(staff_id)
        ward = row.ward_id if row else ""
        return (wards.index(ward) if ward in wards else 99, row.staff_name if row else staff_id)

    return sorted(staff_ids, key=key)


def sheet_of(ctx: Context, version: rules.Snapshot | None, printed: date) -> sheets.Sheet:
    """What the export prints: the draft's cells, or a published version's (its shift types too)."""
    period = ctx.period
    grades = {n.id: n.grade or "" for n in ctx.problem.nurses}
    if version is None:
        ids = set(ctx.rows)
        cells = {k: {d: c.shift for d, c in r.cells.items()} for k, r in ctx.rows.items()}
        names = {k: r.staff_name for k, r in ctx.rows.items()}
        shifts = tuple(ctx.shifts)
        status = f"草稿（第{period.revision}次修改）"
        title = rules.title(period.ward_names, period.start, period.end)
    else:
        ids = set(version.cells) | set(ctx.rows)
        cells = {k: {d: c.shift for d, c in v.items()} for k, v in version.cells.items()}
        names = {**{k: r.staff_name for k, r in ctx.rows.items()}, **version.names}
        shifts = tuple(version.shifts)
        status = f"第{version.version}版（{version.published_at.astimezone(LOCAL):%Y-%m-%d %H:%M} 发布）"
        title = rules.title(version.ward_names, version.start, version.end)
    return sheets.Sheet(
        title=title,
        status=status,
        printed=printed,
        days=period.dates(),
        shifts=shifts,
        nurses=[
            sheets.SheetNurse(k, names.get(k, k), grades.get(k, ""), cells.get(k, {}))
            for k in _order(ctx, ids)
        ],
        calendar=ctx.calendar,
    )


def export(
    principal: Principal,
    period_id: str,
    query: models.ExportQuery,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
    files: ExportFiles | None = None,
) -> models.SheetDownload:
    """The period as the ward's wall grid (xlsx), for whoever may read the grid: a presigned download."""
    store = store or wiring.period_store(principal, None)
    period, rows = periods._grid(store, period_id)
    periods._reader(principal, period, directory or wiring.directory())
    snapshot = periods._version(store, period_id, query.version) if query.version else None
    ctx = periods._context(principal.tenant, period, rows, store)
    at = now_utc()
    content = sheets.write(sheet_of(ctx, snapshot, at.astimezone(LOCAL).date()))
    revision = snapshot.revision if snapshot else period.revision
    suffix = f"第{snapshot.version}版" if snapshot else "草稿"
    filename = safe_filename(f"{rules.title(period.ward_names, period.start, period.end)}（{suffix}）.xlsx")
    key = object_key(principal.tenant, period.id, snapshot.version if snapshot else None, revision)
    files = files or wiring.export_files()
    files.put(key, content, sheets.CONTENT_TYPE)
    return models.SheetDownload(
        url=files.download_url(key, filename, DOWNLOAD_SECONDS),
        filename=filename,
        content_type=sheets.CONTENT_TYPE,
        size=len(content),
        expires_at=at + timedelta(seconds=DOWNLOAD_SECONDS),
        revision=revision,
        version=snapshot.version if snapshot else None,
    )


def _refused(errors: list[FieldError]) -> Problem:
    return Problem(
        422,
        "roster-import-refused",
        "The spreadsheet cannot be imported",
        f"{len(errors)} cells of the spreadsheet cannot be imported; nothing was changed",
        errors,
    )


def import_sheet(
    principal: Principal,
    period_id: str,
    body: models.ImportSheet,
    if_match: str | None = None,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.EditResult:
    """A spreadsheet in the export's layout becomes the draft's next revision, or nothing does: every
    fault is listed by its cell (``C7``) — a name that is not a nurse of the period, a shift the ward does
    not run, a date outside the period, a cell breaking a hard rule an edit is refused for."""
    store = periods._store(principal, request_id, store)
    # whose period it is, and whether it may change, before anything of the file (another hospital's: 404)
    ctx = periods.editable(
        principal, store, period_id, periods.revision_from(body.revision, if_match), directory
    )
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RuleViolation("the file is not base64", field="content_base64") from exc
    nurses = [sheets.ImportNurse(k, r.staff_name, r.grade) for k, r in ctx.rows.items()]
    try:
        parsed = sheets.parse(sheets.rows_of(content), ctx.period.dates(), nurses, ctx.shifts)
    except sheets.FileTooLarge as exc:
        raise RuleViolation(
            f"the file is larger than a roster period: at most {sheets.MAX_ROWS} rows and "
            f"{sheets.MAX_COLUMNS} columns",
            field="content_base64",
        ) from exc
    except sheets.Unreadable as exc:
        raise RuleViolation("the file is not an xlsx workbook", field="content_base64") from exc
    if parsed.faults:
        raise _refused([FieldError(f.cell, f.text(), f.code) for f in parsed.faults])
    changes: list[rules.Change] = []
    for staff_id, cells in parsed.cells.items():
        current = ctx.rows[staff_id].cells
        for day, code in sorted(cells.items()):
            now = current.get(day)
            if (now.shift if now else None) == code:
                continue
            changes.append(rules.Change(staff_id, day, code))

    def refusal(refused: rules.EditRefused) -> Problem:
        # A fault on a day the file does not hold (the day after an imported night) is the nurse's row.
        return _refused([FieldError(where(f.staff_id, f.day), f.text(), f.rule) for f in refused.faults])

    def where(staff_id: str, day: date) -> str:
        return parsed.where.get((staff_id, day)) or f"A{parsed.rows.get(staff_id, 1)}"

    note = {"filename": safe_filename(body.filename) if body.filename else None}
    return periods.change_cells(store, ctx, changes, refusal, action="roster.import", note=note)
