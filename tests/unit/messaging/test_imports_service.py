"""Staff imports' use cases on the in-memory fakes (no AWS): a file refused whole (by row and column,
nothing written), a job queued with its rows packed, applied slice by slice through the directory's own
use cases (created, updated only where something differs, a re-import changing nothing), progress, the
last slice finishing it, and a redelivered slice adding nothing.

``domain/staff_import.py``'s parsing is tested in ``tests/unit/test_staff_import.py``;
``tests/service/test_staff_import.py`` keeps the routes and the event path end to end on moto;
``tests/service/test_messaging_store.py`` checks the fake against the DynamoDB store."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from chalicelib.messaging.contracts.events import IMPORT_REQUESTED, ImportRequested
from chalicelib.messaging.contracts.imports import ImportJob, StartImport
from chalicelib.messaging.domain import staff_import
from chalicelib.messaging.domain.records import DepartmentRecord, StaffRecord
from chalicelib.messaging.service import imports

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
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

    def start(self, text: str, fmt: str = "csv", who: Principal = ADMIN) -> ImportJob:
        content = base64.b64encode(text.encode()).decode()
        cmd = StartImport(format=fmt, content_base64=content, filename="hr.csv")
        store = self.store(who.tenant)
        job = imports.start(who, cmd, "req-1", store=store)
        self.queued += store.uow.published
        return job

    def get(self, job_id: str, tenant: str = T) -> ImportJob:
        return imports.get(Principal(tenant=tenant, user="hr-admin"), job_id, store=self.store(tenant))

    def open_directory(self, principal: Principal, request_id: str) -> FakeDirectoryStore:
        return FakeDirectoryStore(principal.tenant, self.directory, principal, request_id)

    def apply(self, envelope: EventEnvelope) -> FakeImportStore:
        store = self.store(envelope.tenant)
        imports.apply_slice(
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
        """Deliver queued slices until none is left; how many were applied."""
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


# --- start ----------------------------------------------------------------------------------------


def test_a_bad_file_is_refused_whole_by_row_and_column_and_nothing_is_written(h: Hospital) -> None:
    with pytest.raises(Problem) as refused:
        h.start("姓名,工号,科室\n张三,E1,心内科\n李四,E1,不存在科\n")
    assert refused.value.status == 422
    assert {e.field for e in refused.value.errors} == {"rows[3].employee_no", "rows[3].department"}
    assert refused.value.detail == "2 problems in the file; nothing was imported"
    assert h.jobs.jobs == {} and h.queued == []


def test_what_cannot_be_read_is_a_422_on_the_content(h: Hospital) -> None:
    def refused(cmd: StartImport) -> Problem:
        with pytest.raises(Problem) as problem:
            imports.start(ADMIN, cmd, "req-1", store=h.store())
        assert problem.value.status == 422
        assert [e.field for e in problem.value.errors] == ["content_base64"]
        return problem.value

    assert refused(StartImport(format="csv", content_base64="%%%not base64")).errors[0].message == (
        "not valid base64"
    )
    garbage = base64.b64encode(b"PK\x03\x04 not really a workbook").decode()
    assert (
        "cannot read the xlsx file"
        in refused(StartImport(format="xlsx", content_base64=garbage)).errors[0].message
    )
    big = base64.b64encode(("h\n" + "x\n" * (staff_import.MAX_ROWS + 1)).encode()).decode()
    assert "at most" in refused(StartImport(format="csv", content_base64=big)).errors[0].message
    assert h.jobs.jobs == {}


def test_at_most_so_many_problems_are_reported_but_all_are_counted(h: Hospital) -> None:
    lines = [HEADER] + [f"员工{i},E{i},无此科,护士,护士" for i in range(imports.MAX_REPORTED_ERRORS + 20)]
    with pytest.raises(Problem) as refused:
        h.start("\n".join(lines))
    assert len(refused.value.errors) == imports.MAX_REPORTED_ERRORS
    assert refused.value.detail.startswith(f"{imports.MAX_REPORTED_ERRORS + 20} problems")


def test_a_valid_file_becomes_a_queued_job_with_its_rows_and_one_event(h: Hospital) -> None:
    text = "姓名,工号,科室\n张三,E1,心内科\n李四,E2,d2\n"  # a unit by name or by id
    job = h.start(text)
    assert (job.status, job.total, job.processed, job.percent, job.filename) == ("queued", 2, 0, 0, "hr.csv")
    stored = h.jobs.jobs[(T, job.id)]
    assert stored.requested_by == "hr-admin"
    assert stored.file_sha256 == hashlib.sha256(text.encode()).hexdigest()
    rows = staff_import.unpack_rows(stored.rows_blob)
    assert [(r["row"], r["employee_no"], r["department_id"]) for r in rows] == [
        (2, "E1", "d1"),
        (3, "E2", "d2"),
    ]
    assert [(e.type, e.tenant, e.data) for e in h.queued] == [
        ("directory.import.requested", T, {"job_id": job.id, "offset": 0})
    ]
    assert h.get(job.id) == job


def test_a_job_of_another_hospital_or_none_is_a_404(h: Hospital) -> None:
    job = h.start(staff_file(2))
    with pytest.raises(NotFound):
        h.get(job.id, tenant="t-elsewhere")
    with pytest.raises(NotFound):
        h.get("no-such-job")


def test_a_file_of_no_rows_is_a_job_done_by_its_one_slice(h: Hospital) -> None:
    job = h.start(HEADER + "\n")
    assert (job.total, job.percent, job.status) == (0, 100, "queued")
    assert h.drain() == 1
    done = h.get(job.id)
    assert (done.status, done.processed, done.created) == ("done", 0, 0) and done.finished_at is not None


# --- apply ----------------------------------------------------------------------------------------


def test_a_job_is_applied_in_slices_with_progress_and_a_rerun_changes_nothing(h: Hospital) -> None:
    job = h.start(staff_file(60))
    first = h.queued.pop(0)
    h.apply(first)
    halfway = h.get(job.id)
    assert (halfway.status, halfway.processed, halfway.percent, halfway.created) == ("running", 50, 83, 50)
    assert halfway.finished_at is None
    assert [(e.type, e.data) for e in h.queued] == [
        ("directory.import.requested", {"job_id": job.id, "offset": 50})
    ]
    assert h.drain() == 1
    done = h.get(job.id)
    assert (done.status, done.processed, done.percent) == ("done", 60, 100)
    assert (done.created, done.updated, done.unchanged) == (60, 0, 0)
    assert done.finished_at is not None
    staff = h.staff()
    assert len(staff) == 60 and {tuple(s.roles) for s in staff.values()} == {("nurse",)}
    assert (staff["E0007"].department_id, staff["E0008"].department_id) == ("d1", "d2")

    again = h.start(staff_file(60))
    h.drain()
    assert (h.get(again.id).created, h.get(again.id).updated, h.get(again.id).unchanged) == (0, 0, 60)

    third = h.start(staff_file(60, change={7: "主管护师"}))
    h.drain()
    assert (h.get(third.id).created, h.get(third.id).updated, h.get(third.id).unchanged) == (0, 1, 59)
    assert h.staff()["E0007"].title == "主管护师" and h.staff()["E0007"].version == 2
    assert len(h.staff()) == 60


def test_each_row_goes_through_the_directorys_use_cases_with_their_events_and_audit(h: Hospital) -> None:
    h.start("姓名,工号,科室,手机\n张三,E1,心内科,13812345678\n")
    h.drain()
    zhang = h.staff()["E1"]
    assert zhang.mobile_masked == "138****5678" and zhang.mobile_encrypted and zhang.mobile_index
    trail = [entry for _, entry in h.directory.trail[(T, "staff", zhang.id)]]
    assert [(e.action, e.actor) for e in trail] == [("staff.create", "hr-admin")]  # for the requester


def test_a_mobile_is_compared_by_its_blind_index(h: Hospital) -> None:
    h.start("姓名,工号,科室,手机\n张三,E1,心内科,13812345678\n")
    h.drain()
    same = h.start("姓名,工号,科室,手机\n张三,E1,心内科,138 1234 5678\n")
    h.drain()
    assert (h.get(same.id).updated, h.get(same.id).unchanged) == (0, 1)
    changed = h.start("姓名,工号,科室,手机\n张三,E1,心内科,13900000000\n")
    h.drain()
    assert (h.get(changed.id).updated, h.get(changed.id).unchanged) == (1, 0)
    assert h.staff()["E1"].mobile_masked == "139****0000"


def test_roles_compare_as_a_set_and_an_update_keeps_the_staff_number(h: Hospital) -> None:
    h.start("姓名,工号,科室,角色\n张三,E1,心内科,医生，护士\n")
    h.drain()
    same = h.start("姓名,工号,科室,角色\n张三,E1,心内科,护士,医生\n".replace("护士,医生", '"护士,医生"'))
    h.drain()
    assert h.get(same.id).unchanged == 1
    moved = h.start("姓名,工号,科室,角色\n张三,E1,骨科,医生\n")
    h.drain()
    assert h.get(moved.id).updated == 1
    zhang = h.staff()["E1"]
    assert (zhang.department_id, zhang.roles, zhang.employee_no) == ("d2", ["doctor"], "E1")


def test_a_redelivered_slice_adds_nothing(h: Hospital) -> None:
    job = h.start(staff_file(60))
    first = h.queued[0]
    h.drain()
    store = h.store()
    with pytest.raises(Conflict):
        imports.apply_slice(
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


def test_a_slice_of_a_job_that_is_gone_fails(h: Hospital) -> None:
    envelope = IMPORT_REQUESTED.envelope(T, ImportRequested(job_id="no-such-job"))
    with pytest.raises(NotFound):
        h.apply(envelope)


def test_a_row_the_directory_refuses_fails_the_slice_and_moves_nothing(h: Hospital) -> None:
    job = h.start(staff_file(3))
    del h.directory.departments[(T, "d1")]  # removed after the file was checked
    with pytest.raises(RuleViolation) as failed:
        h.drain()
    assert failed.value.field == "department_id"
    assert h.get(job.id).processed == 0  # the slice is retried whole; the row before it was created
    assert list(h.staff()) == ["E0000"]
