"""Parsing, checking and previewing an HR export, without AWS: every problem by row and column, in the
reader's language; what a row changes (only the columns the file has), and what it must not."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.messaging.domain.import_messages import language, render
from chalicelib.messaging.domain.records import StaffRecord
from chalicelib.messaging.domain.staff_import import (
    Parsed,
    Unit,
    Units,
    decide,
    parse,
    preview_row,
    read_table,
)

DEPTS = Units([Unit("d1", "心内科", None), Unit("d2", "骨科", None)])
AT = datetime(2026, 12, 1, tzinfo=UTC)


def table(text: str) -> list[list[str]]:
    return read_table(text.encode("utf-8"), "csv")


def checked(text: str, units: Units = DEPTS) -> Parsed:
    return parse(table(text), units)


def problems(parsed: Parsed) -> set[tuple[int, str, str]]:
    """(row, column, code) of every row's problems."""
    return {(r["row"], e["column"], e["code"]) for r in parsed.rows for e in r.get("errors", [])}


def index(mobile: str) -> str:
    return f"idx:{mobile}"


def person(**fields: Any) -> StaffRecord:
    base = StaffRecord("s1", "张三", "E1", "d1", AT, AT, title="主治医师", roles=["doctor"], version=3)
    return replace(base, **fields)


def test_chinese_headers_roles_and_gbk() -> None:
    csv_text = "姓名,工号,科室,职称,角色,手机\n张三,E001,心内科,主治医师,医生，科主任,138 1234 5678\n"
    parsed = parse(table(csv_text), DEPTS)
    assert parsed.errors == []
    assert parsed.rows == [
        {
            "row": 2,
            "data": {
                "name": "张三",
                "employee_no": "E001",
                "department_id": "d1",
                "title": "主治医师",
                "roles": ["department_head", "doctor"],
                "mobile": "13812345678",
            },
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
    assert parsed.errors == []  # a row's problems stay with the row: the preview shows them
    assert problems(parsed) == {
        (3, "name", "required"),
        (4, "employee_no", "duplicate_number"),
        (5, "department", "department_unknown"),
        (5, "nurse_grade", "nurse_grade_invalid"),
    }
    assert [r["row"] for r in parsed.rows if "data" in r] == [2]


def test_missing_columns_and_empty_file() -> None:
    assert [(e.row, e.column, e.code) for e in parse(table("姓名,科室\n张三,心内科\n"), DEPTS).errors] == [
        (1, "employee_no", "missing_column")
    ]
    assert parse([], DEPTS).errors[0].code == "file_empty"


def test_xlsx_is_read_like_csv() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "工号", "科室"])
    sheet.append(["孙七", 1007, "骨科"])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse(read_table(buffer.getvalue(), "xlsx"), DEPTS)
    assert parsed.rows == [{"row": 2, "data": {"name": "孙七", "employee_no": "1007", "department_id": "d2"}}]


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
    [error] = parsed.rows[0]["errors"]
    message = render(error["code"], error["params"], "en", error["column"])
    assert error["column"] == "department"
    assert "13812345678" not in message and "138****5678" in message


# --- #21 (1): what a file leaves alone, and what it may not do silently ----------------------------


def preview(text: str, current: StaffRecord | None, units: Units = DEPTS) -> dict[str, Any]:
    [row] = checked(text, units).rows
    return preview_row(row, current, units, index)


def test_a_column_the_file_lacks_changes_nothing() -> None:
    """A file without 角色 wiped everyone's roles (and so their place in approval routing)."""
    zhang = person(nurse_grade="N2", mobile_index="idx:13812345678", mobile_masked="138****5678")
    row = preview("姓名,工号,科室\n张三,E1,心内科\n", zhang)
    assert (row["action"], row["changes"]) == ("unchanged", [])
    moved = preview("姓名,工号,科室\n张三,E1,骨科\n", zhang)
    assert moved["action"] == "update"
    assert moved["changes"] == [["department_id", "心内科", "骨科"]]  # roles, title, mobile untouched


def test_an_empty_cell_keeps_the_value_and_a_dash_clears_it() -> None:
    zhang = person(nurse_grade="N2")
    kept = preview("姓名,工号,科室,职称,角色,护理层级\n张三,E1,心内科,,,\n", zhang)
    assert kept["action"] == "unchanged"
    cleared = preview("姓名,工号,科室,职称,角色,护理层级\n张三,E1,心内科,-,-,\n", zhang)
    assert cleared["changes"] == [["title", "主治医师", None], ["roles", ["doctor"], []]]
    assert problems(checked("姓名,工号,科室\n-,E1,心内科\n")) == {(2, "name", "cannot_clear")}


def test_a_number_held_by_someone_of_another_name_is_an_error_unless_it_is_a_correction() -> None:
    """A row whose 工号 existed with a different name renamed and moved that person."""
    zhang = person()
    wrong = preview("姓名,工号,科室\n李四,E1,骨科\n", zhang)
    assert wrong["action"] == "error" and wrong["changes"] == []
    [error] = wrong["errors"]
    assert render(error["code"], error["params"], "zh", error["column"]).startswith(
        "工号 E1 属于 张三，此行为 李四"
    )
    assert "E1 belongs to 张三, this row says 李四" in render(error["code"], error["params"], "en")
    fixed = preview("姓名,工号,科室,更正\n张三丰,E1,心内科,是\n", zhang)
    assert (fixed["action"], fixed["changes"]) == ("update", [["name", "张三", "张三丰"]])
    english = preview("name,employee_no,department,correction\n张三丰,E1,心内科,yes\n", zhang)
    assert english["action"] == "update"
    assert problems(checked("姓名,工号,科室,更正\n张三,E1,心内科,也许\n")) == {
        (2, "correction", "correction_invalid")
    }


def test_who_has_left_is_not_updated_by_an_import() -> None:
    row = preview("姓名,工号,科室\n张三,E1,骨科\n", person(status="left", roles=[]))
    assert row["action"] == "error" and row["errors"][0]["code"] == "staff_left"


def test_a_shared_unit_name_is_an_error_naming_both_and_a_path_resolves_it() -> None:
    """A name two units share was resolved to one of them at random."""
    units = Units(
        [
            Unit("nk", "内科", None),
            Unit("wk", "外科", None),
            Unit("xn1", "心血管内科", "nk"),
            Unit("xn2", "心血管内科", "wk"),
        ]
    )
    shared = checked("姓名,工号,科室\n张三,E1,心血管内科\n", units)
    [error] = shared.rows[0]["errors"]
    assert error["params"]["paths"] == ["内科/心血管内科", "外科/心血管内科"]
    zh = render(error["code"], error["params"], "zh", error["column"])
    assert "内科/心血管内科" in zh and "外科/心血管内科" in zh
    for path, unit in (("内科/心血管内科", "xn1"), ("外科 / 心血管内科", "xn2"), ("xn2", "xn2")):
        assert checked(f"姓名,工号,科室\n张三,E1,{path}\n", units).rows[0]["data"]["department_id"] == unit
    unknown = checked("姓名,工号,科室\n张三,E1,儿科/心血管内科\n", units).rows[0]["errors"][0]
    assert render(unknown["code"], unknown["params"], "en") == "no unit named '儿科/心血管内科'"
    moved = preview("姓名,工号,科室\n张三,E1,外科/心血管内科\n", person(department_id="xn1"), units)
    assert moved["changes"] == [["department_id", "内科/心血管内科", "外科/心血管内科"]]


def test_row_messages_are_sentences_in_the_readers_language() -> None:
    parsed = checked("姓名,工号,科室,手机,护理层级,角色\n张三,E 1,心内科,12345,N9,医生，院长\n")
    errors = {e["column"]: e for e in parsed.rows[0]["errors"]}
    assert set(errors) == {"employee_no", "mobile", "nurse_grade", "roles"}

    def said(column: str, lang: Any) -> str:
        return render(errors[column]["code"], errors[column]["params"], lang, column)

    assert said("mobile", "zh") == "手机号格式不正确（应为 1 开头的 11 位数字）"
    assert said("mobile", "en") == "mobile must be 11 digits starting with 1"
    assert said("roles", "zh") == "未知角色：院长"
    assert said("nurse_grade", "en") == "nurse grade must be one of N0–N4"
    for lang in ("zh", "en"):
        for column in errors:
            assert "^" not in said(column, lang) and "pattern" not in said(column, lang)
    assert [language(h) for h in ("zh-CN,zh;q=0.9,en;q=0.8", "zh", "en-US,zh;q=0.5", None, "")] == [
        "zh",
        "zh",
        "en",
        "en",
        "en",
    ]


def test_the_apply_tells_a_row_changed_since_the_preview_from_one_applied_already() -> None:
    zhang = person()
    [row] = checked("姓名,工号,科室,职称\n张三,E1,骨科,主任医师\n").rows
    planned = preview_row(row, zhang, DEPTS, index)
    assert decide(planned, zhang, row["data"]) == "apply"
    applied = replace(zhang, department_id="d2", title="主任医师", version=4)
    assert decide(planned, applied, row["data"]) == "done"  # a retried slice got this far
    retitled = replace(zhang, title="副主任医师", version=4)
    assert decide(planned, retitled, row["data"]) == "stale"
    unrelated = replace(zhang, mobile_index="idx:13900000000", version=4)  # a field the row leaves alone
    assert decide(planned, unrelated, row["data"]) == "apply"
    [new] = checked("姓名,工号,科室\n王五,E9,骨科\n").rows
    created = preview_row(new, None, DEPTS, index)
    assert decide(created, None, new["data"]) == "apply"
    assert decide(created, person(name="王五", employee_no="E9", department_id="d2"), new["data"]) == "done"
    assert decide(created, person(name="赵六", employee_no="E9"), new["data"]) == "stale"


def test_twenty_thousand_rows_with_mobiles_are_kept_in_chunks_an_item_holds() -> None:
    """Packed whole on the job, 20,000 rows with mobiles came to 500 KB: past an item's 400 KB."""
    import random

    from chalicelib.messaging.domain.staff_import import MAX_CHUNK, MAX_ROWS, pack_rows, unpack_rows

    draw = random.Random(21)
    units = Units([Unit(f"dept{i:04d}", f"科室{i}", None) for i in range(300)])
    lines = ["姓名,工号,科室,职称,角色,手机,护理层级"]
    lines += [
        f"员工{i},E{i:06d},科室{i % 300},主管护师,护士,1{draw.randint(3, 9)}{draw.randint(0, 10**9 - 1):09d},N{i % 5}"
        for i in range(MAX_ROWS)
    ]
    parsed = checked("\n".join(lines), units)
    assert parsed.errors == [] and len(parsed.rows) == MAX_ROWS
    chunks = pack_rows(parsed.rows)
    assert len(chunks) == 20 and max(len(c) for c in chunks) < MAX_CHUNK
    assert unpack_rows(chunks[7])[0]["row"] == 7_002
