"""Parsing and validating an HR export, without AWS: every error by row and column."""

from __future__ import annotations

import io
from typing import Any

from chalicelib.messaging.domain.staff_import import apply_rows, parse, read_table

DEPTS = {"心内科": "d1", "骨科": "d2"}


def table(text: str) -> list[list[str]]:
    return read_table(text.encode("utf-8"), "csv")


def test_chinese_headers_roles_and_gbk() -> None:
    csv_text = "姓名,工号,科室,职称,角色,手机\n张三,E001,心内科,主治医师,医生，科主任,138 1234 5678\n"
    parsed = parse(table(csv_text), DEPTS)
    assert parsed.errors == []
    assert parsed.rows == [
        {
            "row": 2,
            "name": "张三",
            "employee_no": "E001",
            "department_id": "d1",
            "title": "主治医师",
            "roles": ["department_head", "doctor"],
            "mobile": "13812345678",
            "certificates": [],
        }
    ]
    assert read_table(csv_text.encode("gb18030"), "csv") == table(csv_text)


def test_every_problem_is_reported_by_row_and_column() -> None:
    csv_text = (
        "name,employee_no,department,grade\n"
        "李四,E1,心内科,N2\n"
        ",E2,骨科,\n"
        "王五,E1,心内科,\n"
        "赵六,E3,妇产科,N9\n"
    )
    parsed = parse(table(csv_text), DEPTS)
    found = {(e.row, e.column) for e in parsed.errors}
    assert found == {(3, "name"), (4, "employee_no"), (5, "department"), (5, "nurse_grade")}


def test_missing_columns_and_empty_file() -> None:
    assert [(e.row, e.column) for e in parse(table("姓名,科室\n张三,心内科\n"), DEPTS).errors] == [
        (1, "employee_no")
    ]
    assert parse([], DEPTS).errors[0].message == "the file is empty"


def test_xlsx_is_read_like_csv() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "工号", "科室"])
    sheet.append(["孙七", 1007, "骨科"])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse(read_table(buffer.getvalue(), "xlsx"), DEPTS)
    assert parsed.rows == [
        {
            "row": 2,
            "name": "孙七",
            "employee_no": "1007",
            "department_id": "d2",
            "roles": [],
            "certificates": [],
        }
    ]


def test_apply_is_idempotent() -> None:
    store: dict[str, dict[str, Any]] = {}
    rows = [{"row": 2, "employee_no": "E1", "name": "甲"}, {"row": 3, "employee_no": "E2", "name": "乙"}]

    def create(data: dict[str, Any]) -> None:
        store[data["employee_no"]] = dict(data)

    def update(current: dict[str, Any], changes: dict[str, Any]) -> None:
        current.update(changes)

    first = apply_rows(rows, store.get, create, update)
    again = apply_rows(rows, store.get, create, update)
    changed = apply_rows([{**rows[0], "name": "甲甲"}], store.get, create, update)
    assert (first.created, again.unchanged, changed.updated) == (2, 2, 1)
    assert store["E1"]["name"] == "甲甲"


def test_a_file_declaring_too_many_rows_is_refused_while_streaming() -> None:
    """#20 (10): a small xlsx can hold a million rows; the read stops past the limit instead of
    materialising them all (a minute and 260 MB before)."""
    import tracemalloc

    import pytest
    from chalicelib.messaging.domain.staff_import import MAX_ROWS, FileTooLarge
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["姓名", "工号", "科室"])
    for n in range(MAX_ROWS + 100):
        sheet.append(["张三", n, "骨科"])
    buffer = io.BytesIO()
    book.save(buffer)
    tracemalloc.start()
    try:
        with pytest.raises(FileTooLarge, match=f"more than {MAX_ROWS} rows"):
            read_table(buffer.getvalue(), "xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, peak
    wide = ("姓名,工号,科室" + ",x" * 5000 + "\n张三,1,骨科\n").encode()
    assert [len(row) for row in read_table(wide, "csv")] == [64, 3]
    blank = ("姓名,工号,科室\n" + "\n" * (MAX_ROWS * 6)).encode()
    with pytest.raises(FileTooLarge):
        read_table(blank, "csv")


def test_a_report_never_quotes_a_mobile_or_id_number_whole() -> None:
    """#20 (11): a mobile typed into the unit column came back verbatim in the 422."""
    parsed = parse(table("姓名,工号,科室\n张三,9,13812345678\n"), DEPTS)
    assert [e.column for e in parsed.errors] == ["department"]
    assert "13812345678" not in parsed.errors[0].message and "138****5678" in parsed.errors[0].message
