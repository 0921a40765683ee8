"""Staff imports' use cases on the in-memory fakes (no AWS): a file that cannot be imported is refused
whole; a file is previewed slice by slice (create / update before → after / unchanged / error, nothing
of the directory written), read page by page in the reader's language, and applied only once an admin
confirms it — once, before it expires, rows in error only skipped on request — through the directory's own
use cases, a row the directory changed since the preview reported as a conflict instead of overwritten.

``domain/staff_import.py``'s parsing and rules are tested in ``tests/unit/test_staff_import.py``;
``tests/service/test_staff_import.py`` keeps the routes and the event path end to end on moto;
``tests/service/test_messaging_store.py`` checks the fake against the DynamoDB store."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from chalicelib.messaging.contracts.directory import UpdateStaff
from chalicelib.messaging.contracts.events import IMPORT_REQUESTED, ImportRequested
from chalicelib.messaging.contracts.imports import (
    ConfirmImport,
    ImportJob,
    ImportPageQuery,
    ImportPreview,
    StartImport,
)
from chalicelib.messaging.domain import staff_import
from chalicelib.messaging.domain.records import DepartmentRecord, StaffRecord
from chalicelib.messaging.service import directory, imports

from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.envelope import EventEnvelope
from shared.persistence.uow import UnitOfWork
from shared.problems import Problem
from tests.unit.messaging.fakes import (
    FakeDirectoryStore,
    FakeImportStore,
    FakePersonalData,
    ImportTables,
    Tables,
)

T = "t-import"
ADMIN = Principal(tenant=T, user="hr-admin", roles=frozenset({"hospital_admin"}))
OTHER_ADMIN = Principal(tenant=T, user="hr-admin-2", roles=frozenset({"hospital_admin"}))
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HEADER = "姓名,工号,科室,职称,角色"


@dataclass
class Hospital:
    """A hospital's directory and import jobs, with the consumer run the way SQS runs it: one slice
    per event, each slice's next event delivered after the slice commits."""

    directory: Tables = field(default_factory=Tables)
    jobs: ImportTables = field(default_factory=ImportTables)
    personal_data: FakePersonalData = field(default_factory=FakePersonalData)
    queued: list[EventEnvelope] = field(default_factory=list)

    def store(self, tenant: str = T) -> FakeImportStore:
        return FakeImportStore(tenant, self.directory, self.jobs)

    def unit(self, unit_id: str, name: str) -> None:
        self.directory.departments[(T, unit_id)] = DepartmentRecord(
            unit_id, name, "department", None, AT, AT, version=1
        )

    def upload(
        self, text: str, fmt: str = "csv", who: Principal = ADMIN, lang: str | None = None
    ) -> ImportJob:
        content = base64.b64encode(text.encode()).decode()
        cmd = StartImport(format=fmt, content_base64=content, filename="hr.csv")
        store = self.store(who.tenant)
        job = imports.start(who, cmd, "req-1", store=store, language_header=lang)
        self.queued += store.uow.published
        return job

    def previewed(self, text: str, **kwargs: object) -> ImportPreview:
        """Uploaded and previewed to the end (the consumer's slices run)."""
        job = self.upload(text, **kwargs)  # type: ignore[arg-type]
        self.drain()
        return self.get(job.id)

    def get(self, job_id: str, tenant: str = T, page: int = 1, lang: str | None = None) -> ImportPreview:
        who = Principal(tenant=tenant, user="hr-admin")
        return imports.get(
            who, job_id, ImportPageQuery(page=page), store=self.store(tenant), language_header=lang
        )

    def confirm(
        self,
        job_id: str,
        skip_errors: bool = False,
        who: Principal = ADMIN,
        now: datetime | None = None,
        lang: str | None = None,
    ) -> ImportJob:
        store = self.store(who.tenant)
        job = imports.confirm(
            who,
            job_id,
            ConfirmImport(skip_errors=skip_errors),
            "req-2",
            store=store,
            language_header=lang,
            now=now,
        )
        self.queued += store.uow.published
        return job

    def imported(self, text: str, skip_errors: bool = False) -> ImportPreview:
        """Uploaded, previewed, confirmed and applied to the end."""
        job = self.previewed(text)
        self.confirm(job.id, skip_errors=skip_errors)
        self.drain()
        return self.get(job.id)

    def open_directory(self, principal: Principal, request_id: str) -> FakeDirectoryStore:
        return FakeDirectoryStore(principal.tenant, self.directory, principal, request_id)

    def apply(self, envelope: EventEnvelope) -> FakeImportStore:
        store = self.store(envelope.tenant)
        imports.run_slice(
            envelope,
            UnitOfWork("messaging"),
            store=store,
            open_directory=self.open_directory,
            personal_data=self.personal_data,
        )
        store.commit()  # what the consumer does, with its inbox marker
        self.queued += store.uow.published
        return store

    def drain(self) -> int:
        """Deliver queued slices until none is left; how many were run."""
        slices = 0
        while self.queued:
            self.apply(self.queued.pop(0))
            slices += 1
        return slices

    def staff(self) -> dict[str, StaffRecord]:
        """By 工号."""
        return {r.employee_no: r for (t, _), r in self.directory.staff.items() if t == T}


@pytest.fixture
def h() -> Hospital:
    hospital = Hospital()
    hospital.unit("d1", "心内科")
    hospital.unit("d2", "骨科")
    return hospital


def staff_file(n: int, change: dict[int, str] | None = None) -> str:
    lines = [HEADER]
    for i in range(n):
        title = (change or {}).get(i, "护士")
        lines.append(f"员工{i},E{i:04d},{'心内科' if i % 2 else '骨科'},{title},护士")
    return "\n".join(lines) + "\n"


def refused(problem: pytest.ExceptionInfo[Problem]) -> tuple[int, str]:
    return problem.value.status, problem.value.slug


# --- upload ---------------------------------------------------------------------------------------


def test_a_file_that_cannot_be_imported_is_refused_whole_in_the_readers_language(h: Hospital) -> None:
    with pytest.raises(Problem) as missing:
        h.upload("姓名,科室\n张三,心内科\n", lang="zh-CN,zh;q=0.9")
    assert missing.value.status == 422
    assert [(e.field, e.message) for e in missing.value.errors] == [("rows[1].employee_no", "缺少“工号”列")]
    assert missing.value.detail == "文件有 1 处问题，未导入任何内容"

    def content_problem(cmd: StartImport) -> str:
        with pytest.raises(Problem) as problem:
            imports.start(ADMIN, cmd, "req-1", store=h.store())
        assert problem.value.status == 422
        assert [e.field for e in problem.value.errors] == ["content_base64"]
        return problem.value.errors[0].message

    assert content_problem(StartImport(format="csv", content_base64="%%%not base64")) == (
        "the file is not valid base64"
    )
    garbage = base64.b64encode(b"PK\x03\x04 not really a workbook").decode()
    assert content_problem(StartImport(format="xlsx", content_base64=garbage)) == "cannot read the xlsx file"
    big = base64.b64encode(("h\n" + "x\n" * (staff_import.MAX_ROWS + 1)).encode()).decode()
    assert "at most" in content_problem(StartImport(format="csv", content_base64=big))
    assert h.jobs.jobs == {} and h.queued == []


def test_an_upload_is_previewed_row_by_row_and_writes_nothing_to_the_directory(h: Hospital) -> None:
    h.imported("姓名,工号,科室,职称,角色\n张三,E1,心内科,主治医师,医生\n李四,E2,骨科,护士,护士\n")
    before = {n: (s.version, s.title, s.department_id) for n, s in h.staff().items()}
    trail = sum(len(v) for v in h.directory.trail.values())
    text = (
        "姓名,工号,科室,职称\n"
        "张三,E1,骨科,主任医师\n"  # update: moved and retitled
        "李四,E2,骨科,护士\n"  # unchanged
        "王五,E3,心内科,护士\n"  # create
        "赵六,E2,骨科,护士\n"  # error: E2 is 李四's (and on row 3 already)
        "孙七,E4,无此科,护士\n"  # error: no such unit
    )
    job = h.upload(text)
    assert (job.status, job.total, job.percent) == ("previewing", 5, 0)
    assert [(e.type, e.data) for e in h.queued] == [
        ("directory.import.requested", {"job_id": job.id, "offset": 0, "phase": "preview"})
    ]
    h.drain()
    seen = h.get(job.id)
    assert (seen.status, seen.percent, seen.pages) == ("preview", 100, 1)
    assert seen.summary.model_dump() == {"create": 1, "update": 1, "unchanged": 1, "error": 2}
    assert [(r.row, r.action, r.employee_no, r.name) for r in seen.rows] == [
        (2, "update", "E1", "张三"),
        (3, "unchanged", "E2", "李四"),
        (4, "create", "E3", "王五"),
        (5, "error", "E2", "赵六"),
        (6, "error", "E4", "孙七"),
    ]
    update = seen.rows[0]
    assert [(c.field, c.before, c.after) for c in update.changes] == [
        ("department", "心内科", "骨科"),
        ("title", "主治医师", "主任医师"),
    ]
    assert [(c.field, c.after) for c in seen.rows[2].changes] == [
        ("name", "王五"),
        ("department", "心内科"),
        ("title", "护士"),
    ]
    assert [(e.column, e.message) for e in seen.rows[3].errors] == [
        ("employee_no", "this employee no. is also on row 3")
    ]
    assert [(e.column, e.message) for e in seen.rows[4].errors] == [("department", "no unit named '无此科'")]
    # Nothing of the directory moved: no record, version, audit line or event.
    assert {n: (s.version, s.title, s.department_id) for n, s in h.staff().items()} == before
    assert sum(len(v) for v in h.directory.trail.values()) == trail
    assert h.queued == []


def test_a_name_that_differs_is_an_error_in_the_readers_language_unless_it_is_a_correction(
    h: Hospital,
) -> None:
    h.imported("姓名,工号,科室\n张三,E123,心内科\n")
    wrong = h.previewed("姓名,工号,科室\n李四,E123,骨科\n")
    zh = h.get(wrong.id, lang="zh-CN,zh;q=0.9")
    [row] = zh.rows
    assert row.action == "error"
    assert row.errors[0].column == "name"
    assert row.errors[0].message.startswith("工号 E123 属于 张三，此行为 李四")
    assert (
        h.get(wrong.id, lang="en")
        .rows[0]
        .errors[0]
        .message.startswith("employee no. E123 belongs to 张三, this row says 李四")
    )
    fixed = h.imported("姓名,工号,科室,更正\n张三丰,E123,心内科,是\n")
    [row] = fixed.rows
    assert (row.action, row.outcome) == ("update", "applied")
    assert [(c.label, c.before, c.after) for c in row.changes] == [("name", "张三", "张三丰")]
    assert h.staff()["E123"].name == "张三丰"


def test_a_file_without_roles_keeps_everyones_roles(h: Hospital) -> None:
    """#21 (1): a file without 角色 wiped everyone's roles, taking them out of approval routing."""
    h.imported("姓名,工号,科室,角色\n张三,E1,心内科,科主任\n李四,E2,骨科,护士长\n")
    again = h.imported("姓名,工号,科室,职称\n张三,E1,心内科,主任医师\n李四,E2,骨科,\n")
    assert (again.summary.update, again.summary.unchanged) == (1, 1)
    assert (h.staff()["E1"].roles, h.staff()["E2"].roles) == (["department_head"], ["head_nurse"])
    assert (h.staff()["E1"].title, h.staff()["E2"].title) == ("主任医师", None)


def test_the_preview_is_read_a_page_at_a_time_with_its_counts_and_progress(h: Hospital) -> None:
    job = h.upload(staff_file(120))
    h.apply(h.queued.pop(0))
    halfway = h.get(job.id)
    assert (halfway.status, halfway.percent, halfway.summary.create, len(halfway.rows)) == (
        "previewing",
        41,
        50,
        50,
    )
    assert h.get(job.id, page=3).rows == []  # not previewed yet
    with pytest.raises(Problem) as early:
        h.confirm(job.id)
    assert refused(early) == (409, "import-not-ready")
    h.drain()
    seen = h.get(job.id, page=3)
    assert (seen.page, seen.pages, seen.summary.create) == (3, 3, 120)
    assert [r.row for r in seen.rows] == list(range(102, 122))
    assert h.get(job.id, page=4).rows == []


def test_an_import_of_another_hospital_or_none_is_a_404(h: Hospital) -> None:
    job = h.previewed(staff_file(2))
    with pytest.raises(NotFound):
        h.get(job.id, tenant="t-elsewhere")
    with pytest.raises(NotFound):
        h.confirm(job.id, who=Principal(tenant="t-elsewhere", user="x", roles=frozenset({"hospital_admin"})))
    with pytest.raises(NotFound):
        h.get("no-such-job")
    assert h.staff() == {}


# --- confirm and apply ----------------------------------------------------------------------------


def test_a_confirmed_job_is_applied_in_slices_with_progress_and_a_rerun_changes_nothing(h: Hospital) -> None:
    job = h.previewed(staff_file(60))
    assert h.staff() == {}
    queued = h.confirm(job.id, who=OTHER_ADMIN)
    assert (queued.status, queued.confirmed_by, queued.percent) == ("queued", "hr-admin-2", 0)
    assert [(e.type, e.data) for e in h.queued] == [
        ("directory.import.requested", {"job_id": job.id, "offset": 0, "phase": "apply"})
    ]
    h.apply(h.queued.pop(0))
    halfway = h.get(job.id)
    assert (halfway.status, halfway.processed, halfway.percent, halfway.created) == ("running", 50, 83, 50)
    assert {r.outcome for r in halfway.rows} == {"applied"}
    assert h.drain() == 1
    done = h.get(job.id)
    assert (done.status, done.processed, done.percent) == ("done", 60, 100)
    assert (done.created, done.updated, done.unchanged, done.conflicts, done.skipped) == (60, 0, 0, 0, 0)
    assert done.finished_at is not None
    staff = h.staff()
    assert len(staff) == 60 and {tuple(s.roles) for s in staff.values()} == {("nurse",)}
    assert (staff["E0007"].department_id, staff["E0008"].department_id) == ("d1", "d2")
    zhang = staff["E0007"]
    trail = [entry for _, entry in h.directory.trail[(T, "staff", zhang.id)]]
    assert [(e.action, e.actor) for e in trail] == [("staff.create", "hr-admin-2")]  # who confirmed it

    again = h.imported(staff_file(60))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 60)
    third = h.imported(staff_file(60, change={7: "主管护师"}))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 59)
    assert h.staff()["E0007"].title == "主管护师" and h.staff()["E0007"].version == 2


def test_confirming_twice_applies_nothing_twice(h: Hospital) -> None:
    job = h.previewed(staff_file(3))
    first = h.confirm(job.id)
    second = h.confirm(job.id, who=OTHER_ADMIN)
    assert (second.status, second.confirmed_by) == ("queued", "hr-admin") and first.id == second.id
    assert len(h.queued) == 1  # one apply, not two
    h.drain()
    assert h.confirm(job.id).status == "done" and h.queued == []
    assert len(h.staff()) == 3


def test_a_preview_expires(h: Hospital) -> None:
    job = h.previewed(staff_file(2))
    assert job.preview_until is not None
    late = job.preview_until + timedelta(minutes=1)
    with pytest.raises(Problem) as expired:
        h.confirm(job.id, now=late, lang="zh")
    assert refused(expired) == (409, "import-preview-expired")
    assert "预览已于" in expired.value.detail and "过期" in expired.value.detail
    assert h.queued == [] and h.staff() == {}
    assert h.confirm(job.id, now=job.preview_until).status == "queued"


def test_rows_in_error_refuse_the_confirmation_unless_the_admin_skips_them(h: Hospital) -> None:
    job = h.previewed("姓名,工号,科室,手机\n张三,E1,心内科,13812345678\n李四,E2,心内科,12345\n")
    with pytest.raises(Problem) as refused_whole:
        h.confirm(job.id)
    assert refused(refused_whole) == (409, "import-has-errors")
    assert "skip_errors" in refused_whole.value.detail
    assert h.get(job.id).status == "preview" and h.queued == []
    h.confirm(job.id, skip_errors=True)
    h.drain()
    done = h.get(job.id, lang="zh")
    assert (done.status, done.created, done.skipped) == ("done", 1, 1)
    assert [(r.row, r.outcome, r.outcome_message) for r in done.rows] == [
        (2, "applied", None),
        (3, "skipped", None),
    ]
    assert done.rows[1].errors[0].message == "手机号格式不正确（应为 1 开头的 11 位数字）"
    assert list(h.staff()) == ["E1"]


def test_a_row_changed_since_the_preview_is_a_conflict_not_an_overwrite(h: Hospital) -> None:
    h.imported("姓名,工号,科室,职称\n张三,E1,心内科,主治医师\n李四,E2,心内科,护士\n")
    job = h.previewed("姓名,工号,科室,职称\n张三,E1,心内科,主任医师\n李四,E2,骨科,护士\n")
    zhang = h.staff()["E1"]
    store = h.open_directory(ADMIN, "req-9")
    directory.update_staff(
        ADMIN, zhang.id, UpdateStaff(version=zhang.version, title="副主任医师"), "req-9", store=store
    )
    h.confirm(job.id)
    h.drain()
    done = h.get(job.id, lang="en")
    assert (done.updated, done.conflicts) == (1, 1)
    assert [(r.employee_no, r.outcome) for r in done.rows] == [("E1", "conflict"), ("E2", "applied")]
    assert "changed in the directory since the preview" in (done.rows[0].outcome_message or "")
    assert h.staff()["E1"].title == "副主任医师"  # the later change stands
    assert h.staff()["E2"].department_id == "d2"


def test_a_mobile_is_compared_by_its_blind_index_and_roles_as_a_set(h: Hospital) -> None:
    h.imported("姓名,工号,科室,手机,角色\n张三,E1,心内科,13812345678,医生，护士\n")
    same = h.imported('姓名,工号,科室,手机,角色\n张三,E1,心内科,138 1234 5678,"护士,医生"\n')
    assert (same.updated, same.unchanged) == (0, 1)
    changed = h.previewed("姓名,工号,科室,手机\n张三,E1,心内科,13900000000\n")
    assert [(c.field, c.before, c.after) for c in changed.rows[0].changes] == [
        ("mobile", "138****5678", "139****0000")  # masked, both sides
    ]
    h.confirm(changed.id)
    h.drain()
    assert h.staff()["E1"].mobile_masked == "139****0000"
    zhang = h.staff()["E1"]
    assert (zhang.roles, zhang.employee_no) == (["doctor", "nurse"], "E1")


def test_a_redelivered_slice_adds_nothing(h: Hospital) -> None:
    job = h.previewed(staff_file(60))
    h.confirm(job.id)
    first = h.queued[0]
    h.drain()
    store = h.store()
    with pytest.raises(Conflict):
        imports.run_slice(
            first,
            UnitOfWork("messaging"),
            store=store,
            open_directory=h.open_directory,
            personal_data=h.personal_data,
        )
        store.commit()
    after = h.get(job.id)
    assert (after.processed, after.created, after.updated, after.unchanged) == (60, 60, 0, 0)
    assert store.uow.published == []  # nor is the next slice queued again


def test_a_slice_retried_after_some_rows_were_written_counts_them_once(h: Hospital) -> None:
    job = h.previewed(staff_file(3))
    h.confirm(job.id)
    envelope = h.queued.pop(0)
    store = h.store()
    imports.run_slice(envelope, UnitOfWork("messaging"), store=store, open_directory=h.open_directory)
    # the rows were written (each in its own transaction); the slice's own commit never happened
    assert len(h.staff()) == 3 and h.get(job.id).processed == 0
    h.apply(envelope)
    done = h.get(job.id)
    assert (done.status, done.created, done.conflicts) == ("done", 3, 0)
    assert len(h.staff()) == 3


def test_a_row_the_directory_refuses_is_reported_and_the_rest_applied(h: Hospital) -> None:
    job = h.previewed(staff_file(3))
    h.confirm(job.id)
    del h.directory.departments[(T, "d1")]  # removed after the preview
    h.drain()
    done = h.get(job.id)
    assert (done.status, done.created, done.conflicts) == ("done", 2, 1)
    assert [r.outcome for r in done.rows] == ["applied", "conflict", "applied"]
    assert (done.rows[1].outcome_message or "").startswith("the directory refused this row")
    assert sorted(h.staff()) == ["E0000", "E0002"]


def test_a_file_of_no_rows_is_previewed_and_applied_by_one_slice_each(h: Hospital) -> None:
    job = h.upload(HEADER + "\n")
    assert h.drain() == 1
    assert (h.get(job.id).status, h.get(job.id).percent) == ("preview", 100)
    h.confirm(job.id)
    assert h.drain() == 1
    done = h.get(job.id)
    assert (done.status, done.processed, done.created) == ("done", 0, 0) and done.finished_at is not None


def test_a_slice_of_a_job_that_is_gone_fails(h: Hospital) -> None:
    envelope = IMPORT_REQUESTED.envelope(T, ImportRequested(job_id="no-such-job"))
    with pytest.raises(NotFound):
        h.apply(envelope)


def test_an_apply_slice_of_an_unconfirmed_job_applies_nothing(h: Hospital) -> None:
    job = h.previewed(staff_file(2))
    with pytest.raises(Conflict):
        h.apply(IMPORT_REQUESTED.envelope(T, ImportRequested(job_id=job.id, phase="apply")))
    assert h.staff() == {}


def test_the_job_keeps_the_files_digest_and_who_uploaded_it(h: Hospital) -> None:
    text = "姓名,工号,科室\n张三,E1,心内科\n李四,E2,d2\n"  # a unit by name or by id
    job = h.upload(text)
    stored = h.jobs.jobs[(T, job.id)]
    assert stored.requested_by == "hr-admin"
    assert stored.file_sha256 == hashlib.sha256(text.encode()).hexdigest()
    rows = staff_import.unpack_rows(h.jobs.chunks[(T, job.id, 0)])
    assert [(r["row"], r["data"]["employee_no"], r["data"]["department_id"]) for r in rows] == [
        (2, "E1", "d1"),
        (3, "E2", "d2"),
    ]


def test_a_file_is_kept_in_chunks_and_each_slice_reads_its_own(
    h: Hospital, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 20,000-row file packed into the job's one item outgrew DynamoDB's 400 KB (mobiles do not
    compress); the rows are kept in chunks beside it, and a slice reads the chunk holding its rows."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 100)
    job = h.previewed(staff_file(230))
    assert sorted(n for (t, j, n) in h.jobs.chunks if j == job.id) == [0, 1, 2]
    assert (job.summary.create, h.get(job.id, page=5).rows[0].row) == (230, 202)
    h.confirm(job.id)
    h.drain()
    assert h.get(job.id).created == 230 and len(h.staff()) == 230
    monkeypatch.setattr(staff_import, "MAX_CHUNK", 100)
    with pytest.raises(Problem) as dense:
        h.upload(staff_file(10))
    assert dense.value.errors[0].message.startswith("the file holds too much")
