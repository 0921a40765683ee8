"""The HIS census over HTTP on the local stack (moto): a partner app with report:census:write records a
day and an app without it is refused; a hospital admin uploads an xlsx through the presigned PUT and
imports it, a bad row refused naming its row and column; the range reads the figures back; the export's
presigned download holds them. The rules themselves are tested on the fakes (tests/unit/reports)."""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chalicelib.reports.service.census import today

from shared import spreadsheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "日期",
    "门诊人次",
    "急诊人次",
    "入院人数",
    "出院人数",
    "午夜在院人数",
    "开放床位",
    "出院者占用总床日",
    "手术台次",
]


def _upload(stack: Any, admin: str, content: bytes) -> str:
    status, ticket = stack.request(
        "POST",
        "/reports/census/uploads",
        admin,
        {"filename": "住院日报.xlsx", "content_type": XLSX, "size": len(content)},
    )
    assert status == 201, ticket
    put = urllib.request.Request(
        ticket["upload_url"], data=content, method="PUT", headers=ticket["upload_headers"]
    )
    with urllib.request.urlopen(put, timeout=10) as resp:
        assert resp.status == 200
    return str(ticket["id"])


def test_an_app_with_the_scope_records_a_day_and_one_without_it_is_refused(
    stack: Any, tenant: str, admin: str, app_token: Callable[..., str]
) -> None:
    day = (today() - timedelta(days=1)).isoformat()
    figures = {"outpatient_visits": 3120, "inpatients": 1032, "beds_open": 1100}
    app = app_token(tenant, ["report:census:write"])
    status, body = stack.request("PUT", f"/reports/census/{day}", app, figures)
    assert status == 200, body
    assert body["days"] == 1
    assert (
        stack.request("PUT", f"/reports/census/{day}", app_token(tenant, ["roster:read"]), figures)[0] == 403
    )
    future = (today() + timedelta(days=1)).isoformat()
    assert stack.request("PUT", f"/reports/census/{future}", app, figures)[0] == 422
    status, out = stack.request(
        "GET", f"/reports/range?from={day}&to={day}&indicators=outpatient_visits,bed_occupancy", admin
    )
    assert status == 200, out
    assert [i["value"] for i in out["indicators"]] == [3120, round(1032 / 1100 * 100, 2)]


def test_an_admin_uploads_an_xlsx_imports_it_and_exports_the_range(
    stack: Any, tenant: str, admin: str, token: Callable[..., str]
) -> None:
    first, second = today() - timedelta(days=2), today() - timedelta(days=1)
    good = spreadsheet.xlsx_bytes(
        "日报",
        HEADER,
        [
            [first.isoformat(), 3100, 250, 110, 120, 1030, 1100, 1000, 80],
            [second.isoformat(), 3120, 264, 118, 121, 1032, 1100, 1006, 87],
        ],
    )
    bad = spreadsheet.xlsx_bytes(
        "日报", HEADER, [[first.isoformat(), 3100, 250, 110, 120, -5, 1100, 1000, 80]]
    )
    refused_id = _upload(stack, admin, bad)
    status, problem = stack.request("POST", f"/reports/census/uploads/{refused_id}/import", admin, {})
    assert status == 422, problem
    assert [e["field"] for e in problem["errors"]] == [f"row 2 ({first.isoformat()}) · F（午夜在院人数）"]

    upload_id = _upload(stack, admin, good)
    status, body = stack.request("POST", f"/reports/census/uploads/{upload_id}/import", admin, {})
    assert status == 200, body
    assert body["days"] == 2
    # another hospital's admin does not find the upload
    other = token("t-other-hospital", "admin-9", ["hospital_admin"])
    assert stack.request("POST", f"/reports/census/uploads/{upload_id}/import", other, {})[0] == 404

    leader = token(tenant, "dir-1", ["hospital_leader"])
    status, link = stack.request("GET", f"/reports/export?from={first}&to={second}", leader)
    assert status == 200, link
    with urllib.request.urlopen(link["url"], timeout=10) as resp:
        content = resp.read()
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    visits = rows[0].index("门诊人次（人次）")
    assert [r[visits] for r in rows[1:]] == [3100, 3120, 6220]
    # a nurse reads no ranges
    assert stack.request("GET", f"/reports/range?from={first}&to={second}", token(tenant, "n-1"))[0] == 403


def test_a_batch_with_a_bad_row_is_refused_whole_naming_it(stack: Any, tenant: str, admin: str) -> None:
    day = today() - timedelta(days=3)
    rows = [
        {"day": day.isoformat(), "admissions": 12},
        {"day": (day + timedelta(days=1)).isoformat(), "admissions": "twelve"},
    ]
    status, problem = stack.request(
        "POST", "/reports/census", admin, {"rows": rows}, {"Idempotency-Key": "k1"}
    )
    assert status == 422, problem
    assert [e["field"] for e in problem["errors"]] == [
        f"rows[1] ({(day + timedelta(days=1)).isoformat()}).admissions"
    ]
    status, out = stack.request("GET", f"/reports/range?from={day}&to={day}&indicators=admissions", admin)
    assert out["indicators"][0]["value"] is None  # nothing was written
    status, body = stack.request("GET", "/reports/indicators", admin)
    assert status == 200 and any(i["code"] == "bed_occupancy" for i in body["indicators"])
