"""The ward-wall grid as a spreadsheet over HTTP on moto: a head nurse exports her draft (a presigned
download of the xlsx, saved under its Chinese name), a nurse of the ward downloads it too, the file read
back equals the grid, a file with faults is refused by cell in Chinese, and the export imported back
restores the cells as the draft's next revision. The layout and rules are tested on the fakes in
``tests/unit/scheduling/test_roster_sheets.py``."""

from __future__ import annotations

import base64
import io
import json
import urllib.request
from typing import Any
from urllib.parse import quote

from openpyxl import load_workbook

from tests.service.approvals.conftest import Call
from tests.service.test_roster_periods_api import _ward


def _download(link: dict[str, Any]) -> bytes:
    with urllib.request.urlopen(link["url"], timeout=10) as resp:
        assert f"filename*=UTF-8''{quote(link['filename'])}" in resp.headers["Content-Disposition"]
        return bytes(resp.read())


def test_a_head_nurse_exports_the_grid_and_imports_it_back(clients: dict[str, Any], stack: Any) -> None:
    tenant, ward, ids, _ = _ward(clients, stack)
    head = Call(clients["scheduling"], str(stack.token(tenant, "hn", ["head_nurse"])))
    nurse = Call(clients["scheduling"], str(stack.token(tenant, "n1", ["nurse"])))
    pid = head(
        "POST", "/periods", {"ward_ids": [ward], "start": "2027-01-04", "end": "2027-01-10"}
    ).json_body["id"]
    n1, n2 = ids["n1"], ids["n2"]
    changes = [
        {"staff_id": n1, "date": "2027-01-04", "shift": "D"},
        {"staff_id": n1, "date": "2027-01-06", "shift": "N"},
        {"staff_id": n2, "date": "2027-01-04", "shift": "P"},
    ]
    assert head("PUT", f"/periods/{pid}/cells", {"revision": 0, "changes": changes}).status_code == 200

    link = head("GET", f"/periods/{pid}/export.xlsx")
    assert link.status_code == 200, link.body
    assert link.json_body["filename"] == "心内科病区 2027年1月4日–1月10日排班（草稿）.xlsx"
    assert (
        link.json_body["content_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    content = _download(link.json_body)
    assert len(content) == link.json_body["size"]
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, 7)}
    assert set(rows) == {"周护士长", "陈思雨", "李娜"}
    assert [ws.cell(row=rows["陈思雨"], column=c).value for c in range(3, 10)] == [
        "白班",
        None,
        "大夜",
        None,
        None,
        None,
        None,
    ]
    assert [ws.cell(row=rows["陈思雨"], column=c).value for c in (10, 11, 12)] == [2, 1, 16]
    assert ws.cell(row=rows["李娜"], column=3).value == "小夜"
    assert ws.cell(row=rows["李娜"], column=3).fill.fgColor.rgb == "00F5A623"
    # her own nurse reads the grid, so she may have the sheet; a version never published is 404
    assert nurse("GET", f"/periods/{pid}/export.xlsx").status_code == 200
    assert head("GET", f"/periods/{pid}/export.xlsx?version=1").status_code == 404

    # a name not of the ward: refused by cell, in Chinese, nothing written
    wb = load_workbook(io.BytesIO(content))
    wb.active.cell(row=rows["李娜"], column=1).value = "李四"  # type: ignore[union-attr]
    out = io.BytesIO()
    wb.save(out)
    body = {"revision": 1, "content_base64": base64.b64encode(out.getvalue()).decode()}
    refused = clients["scheduling"].http.request(
        "POST",
        f"/periods/{pid}/import",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {head.token}",
            "Accept-Language": "zh-CN",
        },
        body=json.dumps(body).encode(),
    )
    assert refused.status_code == 422, refused.body
    problem = json.loads(refused.body)
    assert problem["title"] == "排班表无法导入"
    assert problem["errors"] == [
        {"field": f"A{rows['李娜']}", "message": "李四 不是本排班周期的护士", "code": "nurse"}
    ]

    # the draft moves on; the exported file brings its cells back as the next revision
    more = [
        {"staff_id": n1, "date": "2027-01-04", "shift": None},
        {"staff_id": n2, "date": "2027-01-08", "shift": "D"},
    ]
    assert head("PUT", f"/periods/{pid}/cells", {"revision": 1, "changes": more}).status_code == 200
    body = {"revision": 2, "content_base64": base64.b64encode(content).decode(), "filename": "一月.xlsx"}
    imported = head("POST", f"/periods/{pid}/import", body)
    assert imported.status_code == 200, imported.body
    assert imported.json_body["period"]["revision"] == 3
    grid = head("GET", f"/periods/{pid}").json_body
    shifts = {n["name"]: {d: c["shift"] for d, c in n["cells"].items()} for n in grid["nurses"]}
    assert shifts["陈思雨"] == {"2027-01-04": "D", "2027-01-06": "N"}
    assert shifts["李娜"] == {"2027-01-04": "P"}
    assert head("POST", f"/periods/{pid}/import", body).status_code == 409  # the file's base is stale now
    assert nurse("POST", f"/periods/{pid}/import", {**body, "revision": 3}).status_code == 403
