"""The directory's use cases on in-memory fakes (no AWS): departments, staff, personal data and the trail.

The HTTP surface (status codes, problem+json, auth) and the DynamoDB store are tested over moto in
``tests/service/test_directory_*.py`` and ``tests/service/test_messaging_store.py``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chalicelib.messaging.contracts.directory import (
    CreateDepartment,
    CreateStaff,
    MoveDepartment,
    StaffQuery,
    UpdateDepartment,
    UpdateStaff,
)
from chalicelib.messaging.domain.records import Reminder
from chalicelib.messaging.service import directory

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.messaging.fakes import FakeDirectoryStore, FakePersonalData, Tables

TENANT = "h-fakes"
ADMIN = Principal(tenant=TENANT, user="admin-1", roles=frozenset({"hospital_admin"}))


class Hospital:
    """The directory of one or more hospitals in memory, a store per caller, and the personal-data fake."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.personal = FakePersonalData()
        self.stores: dict[tuple[str, str], FakeDirectoryStore] = {}

    def store(self, principal: Principal = ADMIN) -> FakeDirectoryStore:
        key = (principal.tenant, principal.user)
        if key not in self.stores:
            self.stores[key] = FakeDirectoryStore(principal.tenant, self.tables, principal)
        return self.stores[key]

    def published(self, principal: Principal = ADMIN) -> list[tuple[str, dict[str, Any]]]:
        return [(e.type, dict(e.data)) for e in self.store(principal).uow.published]

    def audited(self, principal: Principal = ADMIN) -> list[tuple[str, str, str]]:
        return self.store(principal).uow.audited

    # the use cases, on this hospital's fakes
    def department(self, name: str = "心内科", principal: Principal = ADMIN, **extra: Any) -> Any:
        cmd = CreateDepartment(name=name, **extra)
        return directory.create_department(principal, cmd, "r", store=self.store(principal))

    def add_staff(
        self, department_id: str, name: str, number: str, principal: Principal = ADMIN, **extra: Any
    ) -> Any:
        cmd = CreateStaff(name=name, employee_no=number, department_id=department_id, **extra)
        return directory.create_staff(
            principal, cmd, "r", store=self.store(principal), personal_data=self.personal
        )

    def update_staff(self, staff_id: str, principal: Principal = ADMIN, **changes: Any) -> Any:
        return directory.update_staff(
            principal,
            staff_id,
            UpdateStaff(**changes),
            "r",
            store=self.store(principal),
            personal_data=self.personal,
        )

    def list_staff(self, principal: Principal = ADMIN, **query: Any) -> list[str]:
        page = directory.list_staff(principal, StaffQuery(limit=200, **query), store=self.store(principal))
        return sorted(s.name for s in page.items)


@pytest.fixture
def h() -> Hospital:
    return Hospital()


def who(user: str, *roles: str, tenant: str = TENANT) -> Principal:
    return Principal(tenant=tenant, user=user, roles=frozenset(roles))


# --- departments -------------------------------------------------------------------------------


def test_a_unit_tree_is_built_read_back_and_listed_in_pages(h: Hospital) -> None:
    campus = h.department("东院区", kind="campus")
    dept = h.department("心血管内科", parent_id=campus.id)
    ward = h.department("心内一病区", kind="ward", parent_id=dept.id)
    assert (ward.version, ward.parent_id, ward.kind) == (1, dept.id, "ward")
    assert directory.get_department(ADMIN, ward.id, store=h.store()) == ward
    seen, cursor = [], None
    while True:
        page = directory.list_departments(ADMIN, 2, cursor, store=h.store())
        seen += [d.name for d in page.items]
        if not (cursor := page.next_cursor):
            break
    assert sorted(seen) == sorted(["东院区", "心血管内科", "心内一病区"])
    assert h.published() == [
        ("department.created", {"department_id": campus.id, "parent_id": None}),
        ("department.created", {"department_id": dept.id, "parent_id": campus.id}),
        ("department.created", {"department_id": ward.id, "parent_id": dept.id}),
    ]
    assert h.audited()[0] == ("department.create", "department", campus.id)


@pytest.mark.parametrize(
    ("kind", "parent_kind"),
    [("ward", None), ("campus", "department"), ("team", "campus"), ("department", "ward")],
)
def test_a_unit_must_be_placed_where_its_kind_belongs(
    h: Hospital, kind: str, parent_kind: str | None
) -> None:
    top = h.department("院区", kind="campus").id
    parent = (
        h.department("上级", kind=parent_kind, parent_id=top if parent_kind == "ward" else None).id
        if parent_kind
        else None
    )
    with pytest.raises(RuleViolation) as refused:
        h.department("新单元", kind=kind, parent_id=parent)
    assert refused.value.field == "parent_id"


def test_an_unknown_parent_is_refused_and_nothing_is_written(h: Hospital) -> None:
    with pytest.raises(RuleViolation) as refused:
        h.department("孤儿", parent_id="no-such-unit")
    assert refused.value.field == "parent_id"
    assert h.tables.departments == {} and h.published() == [] and h.audited() == []


def test_another_hospital_sees_nothing_and_cannot_use_a_cursor(h: Hospital) -> None:
    for name in ("甲", "乙", "丙"):
        h.department(name)
    cursor = directory.list_departments(ADMIN, 1, None, store=h.store()).next_cursor
    other = who("a", "hospital_admin", tenant="h-other")
    first = next(iter(h.tables.departments))[1]
    with pytest.raises(NotFound):
        directory.get_department(other, first, store=h.store(other))
    assert directory.list_departments(other, 50, None, store=h.store(other)).items == []
    with pytest.raises(RuleViolation) as refused:
        directory.list_departments(other, 50, cursor, store=h.store(other))
    assert refused.value.field == "cursor"


def test_rename_bumps_the_version_and_the_trail_keeps_before_and_after(h: Hospital) -> None:
    dept = h.department("旧名")
    renamed = directory.update_department(
        ADMIN, dept.id, UpdateDepartment(version=1, name="新名"), "r", store=h.store()
    )
    assert (renamed.name, renamed.version) == ("新名", 2)
    trail = directory.audit_trail(ADMIN, "department", dept.id, 50, None, store=h.store()).items
    update = next(e for e in trail if e.action == "department.update")
    assert (update.before or {})["name"] == "旧名" and (update.after or {})["name"] == "新名"
    assert (update.actor, update.request_id) == ("admin-1", "test-request")
    assert h.published()[-1] == ("department.updated", {"department_id": dept.id, "parent_id": None})


def test_a_stale_or_unknown_department_change_is_refused(h: Hospital) -> None:
    dept = h.department()
    directory.update_department(ADMIN, dept.id, UpdateDepartment(version=1, name="一"), "r", store=h.store())
    with pytest.raises(Conflict):
        directory.update_department(
            ADMIN, dept.id, UpdateDepartment(version=1, name="二"), "r", store=h.store()
        )
    with pytest.raises(Conflict):
        directory.move_department(ADMIN, dept.id, MoveDepartment(version=1), "r", store=h.store())
    with pytest.raises(NotFound):
        directory.update_department(ADMIN, "nope", UpdateDepartment(version=1), "r", store=h.store())
    with pytest.raises(NotFound):
        directory.move_department(ADMIN, "nope", MoveDepartment(version=1), "r", store=h.store())
    with pytest.raises(NotFound):
        directory.get_department(ADMIN, "nope", store=h.store())
    assert directory.get_department(ADMIN, dept.id, store=h.store()).name == "一"


def test_a_staged_change_that_went_stale_before_the_commit_writes_nothing(h: Hospital) -> None:
    dept = h.department()
    store = h.store()
    record = store.departments.get(dept.id)
    assert record is not None
    directory.update_department(ADMIN, dept.id, UpdateDepartment(version=1, name="先到"), "r", store=store)
    record.name = "后到"
    with store:
        store.departments.save(record)  # read at version 1, the stored one is 2 now
        store.emit(object())
        with pytest.raises(Conflict):
            store.commit()
    assert directory.get_department(ADMIN, dept.id, store=store).name == "先到"
    assert len(h.published()) == 2


def test_a_department_name_cannot_be_removed(h: Hospital) -> None:
    dept = h.department()
    with pytest.raises(RuleViolation) as refused:
        directory.update_department(
            ADMIN, dept.id, UpdateDepartment(version=1, name=None), "r", store=h.store()
        )
    assert refused.value.field == "name"


def test_the_head_must_be_an_active_member_of_staff(h: Hospital) -> None:
    dept = h.department()
    head = h.add_staff(dept.id, "科主任", "H1", roles=["department_head"])
    gone = h.add_staff(dept.id, "离职者", "H2")
    directory.leave_staff(ADMIN, gone.id, 1, "r", store=h.store())
    for head_id in ("nobody", gone.id):
        with pytest.raises(RuleViolation) as refused:
            directory.update_department(
                ADMIN, dept.id, UpdateDepartment(version=1, head_id=head_id), "r", store=h.store()
            )
        assert refused.value.field == "head_id"
    done = directory.update_department(
        ADMIN, dept.id, UpdateDepartment(version=1, head_id=head.id), "r", store=h.store()
    )
    assert (done.head_id, done.version) == (head.id, 2)


def test_moves_follow_the_placement_rules_and_never_make_a_cycle(h: Hospital) -> None:
    campus = h.department("西院区", kind="campus")
    dept = h.department("内科")
    ward = h.department("内科一病区", kind="ward", parent_id=dept.id)
    team = h.department("小组", kind="team", parent_id=ward.id)
    moved = directory.move_department(
        ADMIN, dept.id, MoveDepartment(version=1, parent_id=campus.id), "r", store=h.store()
    )
    assert (moved.parent_id, moved.version) == (campus.id, 2)
    assert h.published()[-1] == ("department.moved", {"department_id": dept.id, "parent_id": campus.id})
    for unit, version, parent in ((dept, 2, ward.id), (dept, 2, dept.id), (ward, 1, None), (ward, 1, "nope")):
        with pytest.raises(RuleViolation) as refused:
            directory.move_department(
                ADMIN, unit.id, MoveDepartment(version=version, parent_id=parent), "r", store=h.store()
            )
        assert refused.value.field == "parent_id"
    with pytest.raises(RuleViolation):  # a department under its own grandchild's child
        directory.move_department(
            ADMIN, dept.id, MoveDepartment(version=2, parent_id=team.id), "r", store=h.store()
        )
    to_top = directory.move_department(ADMIN, dept.id, MoveDepartment(version=2), "r", store=h.store())
    assert to_top.parent_id is None
    trail = directory.audit_trail(ADMIN, "department", dept.id, 50, None, store=h.store()).items
    assert [e.action for e in trail] == ["department.create", "department.move", "department.move"]


# --- staff -------------------------------------------------------------------------------------


def test_a_new_member_of_staff_is_read_back_announced_and_audited(h: Hospital) -> None:
    dept = h.department()
    staff = h.add_staff(dept.id, "张三", "E001", title="主治医师", roles=["doctor"], user_id="zhangsan")
    assert (staff.name, staff.employee_no, staff.title, staff.roles) == (
        "张三",
        "E001",
        "主治医师",
        ["doctor"],
    )
    assert (staff.status, staff.version, staff.mobile) == ("active", 1, None)
    assert directory.get_staff(ADMIN, staff.id, store=h.store()) == staff
    assert h.published()[-1] == ("staff.created", {"staff_id": staff.id, "department_id": dept.id})
    assert h.audited()[-1] == ("staff.create", "staff", staff.id)
    assert h.personal.calls == []  # no mobile, no call to the key service
    with pytest.raises(NotFound):
        directory.get_staff(ADMIN, "nobody", store=h.store())


def test_staff_needs_an_existing_department_and_nothing_is_written_otherwise(h: Hospital) -> None:
    with pytest.raises(RuleViolation) as refused:
        h.add_staff("no-such-department", "李四", "E2")
    assert refused.value.field == "department_id"
    assert h.tables.staff == {} and h.tables.numbers == {} and h.published() == [] and h.audited() == []


def test_the_employee_number_is_unique_within_a_hospital_only(h: Hospital) -> None:
    dept = h.department()
    h.add_staff(dept.id, "王五", "E7")
    with pytest.raises(Conflict) as taken:
        h.add_staff(dept.id, "王六", "E7")
    assert "E7" in str(taken.value)
    assert h.list_staff() == ["王五"]
    other = who("a", "hospital_admin", tenant="h-second")
    other_dept = h.department(principal=other)
    assert h.add_staff(other_dept.id, "王五", "E7", principal=other).employee_no == "E7"


def test_search_by_name_pinyin_initials_number_department_and_status(h: Hospital) -> None:
    dept = h.department()
    other = h.department("骨科")
    h.add_staff(dept.id, "张三丰", "E100")
    li = h.add_staff(dept.id, "李四", "E200")
    h.add_staff(other.id, "张伟", "E300")
    directory.leave_staff(ADMIN, li.id, 1, "r", store=h.store())
    assert h.list_staff(q="zhangsanfeng") == ["张三丰"]
    assert h.list_staff(q="zsf") == ["张三丰"]
    assert h.list_staff(q="ZHANG") == ["张三丰", "张伟"]
    assert h.list_staff(q="Zhang San") == ["张三丰"]
    assert h.list_staff(q="张") == ["张三丰", "张伟"]
    assert h.list_staff(q="sanfeng") == ["张三丰"]  # the given name
    assert h.list_staff(q="e200") == []  # who has left is not found…
    assert h.list_staff(q="e200", status="left") == ["李四"]  # …unless asked for
    assert h.list_staff(q="zhang", department_id=dept.id) == ["张三丰"]
    assert h.list_staff(q="  ") == ["张三丰", "张伟", "李四"]  # nothing to search by: the list
    assert h.list_staff(department_id=other.id) == ["张伟"]
    assert h.list_staff(status="active") == ["张三丰", "张伟"]
    assert h.list_staff(status="left") == ["李四"]


def test_the_first_page_of_a_search_holds_the_match_in_a_hospital_of_500(h: Hospital) -> None:
    # The match sorts last by name, by pinyin and by id: a page of the hospital filtered afterwards
    # would answer nothing (and a cursor) until the phone had paged through everyone.
    dept = h.department()
    for n in range(500):
        h.add_staff(dept.id, f"王{n:03d}", f"W{n:03d}")
    zeng = h.add_staff(dept.id, "曾乐", "Z999")
    for query in ("zengyue", "zengle", "zy", "曾", "曾乐", "Zeng Yue", "yue", "z999"):
        page = directory.list_staff(ADMIN, StaffQuery(q=query), store=h.store())  # the default page
        assert [s.id for s in page.items] == [zeng.id], query
        assert page.next_cursor is None, query
    page = directory.list_staff(ADMIN, StaffQuery(q="wang", limit=50), store=h.store())
    assert len(page.items) == 50 and page.next_cursor  # many matches page over the matches


def test_a_search_pages_over_its_matches_only_each_person_once(h: Hospital) -> None:
    dept = h.department()
    names = ["李四", "李伟", "李娜", "李强", "刘洋", "罗敏"]
    for n, name in enumerate(names):
        h.add_staff(dept.id, name, f"L{n}")
    h.add_staff(dept.id, "张三", "Z1")
    seen, cursor = [], None
    while True:  # "l" begins two tokens of each (lisi, ls): still each person once
        page = directory.list_staff(ADMIN, StaffQuery(q="l", limit=2, cursor=cursor), store=h.store())
        assert len(page.items) <= 2
        seen += [s.name for s in page.items]
        if not (cursor := page.next_cursor):
            break
    assert sorted(seen) == sorted(names)
    # exact matches first: the token ordering puts "li" (李's whole pinyin) before lisi, liwei…
    first = directory.list_staff(ADMIN, StaffQuery(q="李四"), store=h.store()).items
    assert [s.name for s in first] == ["李四"]


def test_renaming_replaces_the_search_tokens(h: Hospital) -> None:
    dept = h.department()
    staff = h.add_staff(dept.id, "钱七", "M7")
    h.update_staff(staff.id, version=1, name="孙八")
    assert h.list_staff(q="qianqi") == [] and h.list_staff(q="qq") == [] and h.list_staff(q="钱") == []
    assert h.list_staff(q="sunba") == h.list_staff(q="sb") == h.list_staff(q="m7") == ["孙八"]
    entries = {sk for (p, sk) in h.tables.search if p == f"{TENANT}#staffsearch"}
    assert entries == {f"{t}#{staff.id}" for t in ("孙八", "八", "sunba", "sb", "ba", "m7")}
    moved = h.update_staff(staff.id, version=2, title="药师")
    found = directory.list_staff(ADMIN, StaffQuery(q="sunba"), store=h.store()).items
    assert [(s.title, s.version) for s in found] == [("药师", moved.version)]  # entries carry the record


def test_departed_staff_are_not_found_and_other_hospitals_never(h: Hospital) -> None:
    dept = h.department()
    li = h.add_staff(dept.id, "李四", "E1")
    directory.leave_staff(ADMIN, li.id, 1, "r", store=h.store())
    assert h.list_staff(q="lisi") == [] and h.list_staff(q="lisi", status="active") == []
    assert h.list_staff(q="lisi", status="left") == ["李四"]
    other = who("a", "hospital_admin", tenant="h-second")
    h.add_staff(h.department(principal=other).id, "李斯", "E1", principal=other)
    assert h.list_staff(q="lisi") == []  # 李斯 is another hospital's
    assert h.list_staff(other, q="lisi") == ["李斯"] and h.list_staff(other, q="lisi", status="left") == []
    first = directory.list_staff(other, StaffQuery(q="l", limit=1), store=h.store(other))
    with pytest.raises(RuleViolation):  # a cursor of another search, or of another hospital's
        directory.list_staff(ADMIN, StaffQuery(q="l", cursor=first.next_cursor or "x"), store=h.store())


def test_reindex_gives_staff_without_tokens_their_entries_once(h: Hospital) -> None:
    dept = h.department()
    staff = h.add_staff(dept.id, "单雪", "S1")
    gone = h.add_staff(dept.id, "吕布", "S2")
    directory.leave_staff(ADMIN, gone.id, 1, "r", store=h.store())
    for record in h.tables.staff.values():  # as staff added before search had an index
        record.search_tokens = []
    h.tables.search.clear()
    assert h.list_staff(q="shanxue") == []
    assert directory.reindex_staff(ADMIN, store=h.store()) == (2, 0)
    assert h.list_staff(q="shanxue") == ["单雪"] and h.list_staff(q="lyubu", status="left") == ["吕布"]
    assert h.list_staff(q="lyubu") == []
    assert directory.reindex_staff(ADMIN, store=h.store()) == (0, 2)  # again: nothing changes
    assert directory.get_staff(ADMIN, staff.id, store=h.store()).version == 2


def test_an_update_needs_the_current_version(h: Hospital) -> None:
    dept = h.department()
    nurse = h.add_staff(dept.id, "王芳", "N1", roles=["nurse"], nurse_grade="N1")
    updated = h.update_staff(nurse.id, version=1, nurse_grade="N2", title="护师")
    assert (updated.nurse_grade, updated.title, updated.version) == ("N2", "护师", 2)
    with pytest.raises(Conflict):
        h.update_staff(nurse.id, version=1, title="主管护师")
    assert directory.get_staff(ADMIN, nurse.id, store=h.store()).title == "护师"
    assert h.published()[-1] == ("staff.updated", {"staff_id": nurse.id, "department_id": dept.id})
    with pytest.raises(NotFound):
        h.update_staff("nobody", version=1, title="x")


@pytest.mark.parametrize("field", ["name", "department_id", "roles"])
def test_required_fields_cannot_be_removed(h: Hospital, field: str) -> None:
    dept = h.department()
    staff = h.add_staff(dept.id, "赵六", "R1")
    with pytest.raises(RuleViolation) as refused:
        removal: dict[str, Any] = {field: None}
        h.update_staff(staff.id, version=1, **removal)
    assert refused.value.field == field


def test_a_move_to_another_department_needs_it_to_exist_and_renames_search(h: Hospital) -> None:
    dept, other = h.department(), h.department("药剂科")
    staff = h.add_staff(dept.id, "钱七", "M7")
    with pytest.raises(RuleViolation) as refused:
        h.update_staff(staff.id, version=1, department_id="nope")
    assert refused.value.field == "department_id"
    moved = h.update_staff(staff.id, version=1, department_id=other.id, name="孙八")
    assert moved.department_id == other.id
    assert h.list_staff(q="sunba") == ["孙八"] and h.list_staff(q="qianqi") == []


def test_the_supervisor_must_be_active_and_lines_never_cycle(h: Hospital) -> None:
    dept = h.department()
    boss = h.add_staff(dept.id, "主任", "B1")
    middle = h.add_staff(dept.id, "副主任", "B2", supervisor_id=boss.id)
    worker = h.add_staff(dept.id, "医生", "W1", supervisor_id=middle.id)
    assert worker.supervisor_id == middle.id
    for supervisor in (worker.id, middle.id, boss.id):  # under someone they (indirectly) supervise, or self
        with pytest.raises(RuleViolation) as refused:
            h.update_staff(boss.id, version=1, supervisor_id=supervisor)
        assert refused.value.field == "supervisor_id"
    with pytest.raises(RuleViolation):
        h.add_staff(dept.id, "x", "X9", supervisor_id="nobody")
    gone = h.add_staff(dept.id, "离职", "G1")
    directory.leave_staff(ADMIN, gone.id, 1, "r", store=h.store())
    with pytest.raises(RuleViolation):
        h.add_staff(dept.id, "y", "Y9", supervisor_id=gone.id)
    assert h.update_staff(worker.id, version=1, supervisor_id=None).supervisor_id is None


def test_leaving_keeps_history_revokes_roles_and_happens_once(h: Hospital) -> None:
    dept = h.department()
    nurse = h.add_staff(dept.id, "赵敏", "N9", roles=["nurse"])
    left = directory.leave_staff(ADMIN, nurse.id, 1, "r", store=h.store())
    assert (left.status, left.roles, left.version) == ("left", [], 2)
    stored = h.tables.staff[(TENANT, nurse.id)]
    assert stored.left_at is not None and stored.name == "赵敏"
    assert h.published()[-1] == ("staff.left", {"staff_id": nurse.id, "department_id": dept.id})
    with pytest.raises(Conflict):
        directory.leave_staff(ADMIN, nurse.id, 2, "r", store=h.store())
    with pytest.raises(Conflict):
        directory.leave_staff(ADMIN, nurse.id, 1, "r", store=h.store())  # stale, too
    with pytest.raises(Conflict):
        h.update_staff(nurse.id, version=2, title="x")  # history is not edited
    assert h.list_staff(status="active") == []


def test_my_colleagues_are_the_active_staff_of_my_department(h: Hospital) -> None:
    dept, other = h.department(), h.department("药剂科")
    mine = h.add_staff(dept.id, "甲", "C1", user_id="user-a")
    h.add_staff(dept.id, "乙", "C2")
    gone = h.add_staff(dept.id, "丁", "C4")
    h.add_staff(other.id, "丙", "C3")
    directory.leave_staff(ADMIN, gone.id, 1, "r", store=h.store())
    # as the HTTP layer hands her over: the directory binds user-a to her record (shared.standing)
    me = Principal(tenant=TENANT, user="user-a", roles=frozenset({"doctor"}), staff_id=mine.id)
    page = directory.my_colleagues(me, 50, None, store=h.store(me))
    assert sorted(s.name for s in page.items) == ["乙", "甲"]
    stranger = who("no-record", "doctor")
    with pytest.raises(NotFound):
        directory.my_colleagues(stranger, 50, None, store=h.store(stranger))


# --- personal data -----------------------------------------------------------------------------


def test_the_mobile_is_stored_sealed_and_shown_masked(h: Hospital) -> None:
    dept = h.department()
    me = h.add_staff(dept.id, "孙丽", "M1", mobile="+86 138-1234-5678", user_id="sunli")
    assert me.mobile == "138****5678"
    stored = h.tables.staff[(TENANT, me.id)]
    assert "13812345678" not in str(stored) and "8765432183" not in str(stored)
    assert stored.mobile_index and stored.mobile_encrypted and stored.mobile_masked == "138****5678"
    assert h.list_staff() == ["孙丽"]
    page = directory.list_staff(ADMIN, StaffQuery(), store=h.store())
    assert [s.mobile for s in page.items] == ["138****5678"]
    trail = directory.audit_trail(ADMIN, "staff", me.id, 50, None, store=h.store()).items
    assert "13812345678" not in str(trail) and stored.mobile_encrypted not in str(trail)
    assert (trail[0].after or {})["mobile_masked"] == "138****5678"


def test_the_full_mobile_goes_only_to_the_person_and_admins_and_every_reveal_is_audited(h: Hospital) -> None:
    dept = h.department()
    me = h.add_staff(dept.id, "孙丽", "M1", mobile="13812345678", user_id="sunli")
    colleague, myself = who("someone-else", "nurse"), who("sunli", "nurse")
    with pytest.raises(Forbidden):
        directory.reveal_mobile(colleague, me.id, "r1", store=h.store(colleague), personal_data=h.personal)
    mine = directory.reveal_mobile(myself, me.id, "r2", store=h.store(myself), personal_data=h.personal)
    assert (mine.staff_id, mine.mobile) == (me.id, "13812345678")
    admin = directory.reveal_mobile(ADMIN, me.id, "r3", store=h.store(), personal_data=h.personal)
    assert admin.mobile == "13812345678"
    trail = directory.audit_trail(ADMIN, "staff", me.id, 50, None, store=h.store()).items
    assert [(e.action, e.actor) for e in trail] == [
        ("staff.create", "admin-1"),
        ("reveal:mobile", "sunli"),
        ("reveal:mobile", "admin-1"),
    ]
    assert "13812345678" not in str(trail)
    with pytest.raises(NotFound):
        directory.reveal_mobile(ADMIN, "nobody", "r4", store=h.store(), personal_data=h.personal)


def test_a_reveal_without_a_mobile_is_still_audited(h: Hospital) -> None:
    dept = h.department()
    staff = h.add_staff(dept.id, "无号", "M2")
    assert (
        directory.reveal_mobile(ADMIN, staff.id, "r", store=h.store(), personal_data=h.personal).mobile
        is None
    )
    trail = directory.audit_trail(ADMIN, "staff", staff.id, 50, None, store=h.store()).items
    assert [e.action for e in trail] == ["staff.create", "reveal:mobile"]
    assert h.personal.calls == []


def test_a_new_mobile_is_sealed_again_and_a_removed_one_leaves_nothing(h: Hospital) -> None:
    dept = h.department()
    staff = h.add_staff(dept.id, "周", "M3", mobile="13812345678")
    changed = h.update_staff(staff.id, version=1, mobile="13900001111")
    assert changed.mobile == "139****1111"
    revealed = directory.reveal_mobile(ADMIN, staff.id, "r", store=h.store(), personal_data=h.personal)
    assert revealed.mobile == "13900001111"
    cleared = h.update_staff(staff.id, version=2, mobile=None)
    stored = h.tables.staff[(TENANT, staff.id)]
    assert cleared.mobile is None
    assert (stored.mobile_encrypted, stored.mobile_masked, stored.mobile_index) == (None, None, None)


# --- certificates ------------------------------------------------------------------------------


def test_certificate_reminders_follow_the_record(h: Hospital) -> None:
    dept = h.department()
    soon, later = date(2027, 3, 1), date(2028, 1, 1)
    nurse = h.add_staff(
        dept.id,
        "周护士",
        "C1",
        certificates=[
            {"type": "护士执业证书", "number": "N-001", "valid_until": soon},
            {"type": "BLS", "number": "B-9", "valid_until": later},
        ],
    )
    assert [c.type for c in nurse.certificates] == ["护士执业证书", "BLS"]
    reminders = sorted(h.tables.reminders.values(), key=lambda r: r.remind_on)
    assert reminders == [
        Reminder(
            f"{nurse.id}#护士执业证书#N-001#{soon}",
            nurse.id,
            "护士执业证书",
            str(soon),
            soon - timedelta(days=30),
        ),
        Reminder(f"{nurse.id}#BLS#B-9#{later}", nurse.id, "BLS", str(later), later - timedelta(days=30)),
    ]
    h.update_staff(nurse.id, version=1, title="护师")  # certificates untouched: reminders untouched
    assert len(h.tables.reminders) == 2
    renewed = date(2029, 3, 1)
    h.update_staff(
        nurse.id,
        version=2,
        certificates=[{"type": "护士执业证书", "number": "N-002", "valid_until": renewed}],
    )
    assert [r.key for r in h.tables.reminders.values()] == [f"{nurse.id}#护士执业证书#N-002#{renewed}"]
    h.update_staff(nurse.id, version=3, certificates=[])
    assert h.tables.reminders == {}


def test_audit_trail_pages_and_stays_within_its_hospital(h: Hospital) -> None:
    dept = h.department("一")
    for version, name in enumerate(("二", "三", "四"), start=1):
        directory.update_department(
            ADMIN, dept.id, UpdateDepartment(version=version, name=name), "r", store=h.store()
        )
    seen, cursor = [], None
    while True:
        page = directory.audit_trail(ADMIN, "department", dept.id, 2, cursor, store=h.store())
        seen += [(e.after or {})["name"] for e in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == ["一", "二", "三", "四"]
    other = who("x", "hospital_admin", tenant="h-other")
    assert directory.audit_trail(other, "department", dept.id, 50, None, store=h.store(other)).items == []


def test_the_trail_names_who_acted_when_it_was_a_member_of_staff(h: Hospital) -> None:
    dept = h.department("一")  # by an admin who is no member of staff (a set-up account): no name
    named = Principal(
        tenant=TENANT,
        user="sso|zheng",
        roles=frozenset({"hospital_admin"}),
        staff_id="s1",
        staff_name="郑晓岚",
    )
    directory.update_department(
        named, dept.id, UpdateDepartment(version=1, name="二"), "r", store=h.store(named)
    )
    trail = directory.audit_trail(ADMIN, "department", dept.id, 50, None, store=h.store()).items
    assert [(e.actor, e.actor_name) for e in trail] == [("admin-1", None), ("sso|zheng", "郑晓岚")]


def test_lists_name_each_supervisor_and_head_in_one_read_and_a_page_naming_nobody_reads_none(
    h: Hospital, monkeypatch: pytest.MonkeyPatch
) -> None:
    dept = h.department("心内科")
    boss = h.add_staff(dept.id, "钱国栋", "E1")
    nurse = h.add_staff(dept.id, "陈思雨", "E2", supervisor_id=boss.id)
    directory.update_department(
        ADMIN, dept.id, UpdateDepartment(version=1, head_id=boss.id), "r", store=h.store()
    )
    reads: list[list[str]] = []
    store = h.store()
    names = store.staff.names
    monkeypatch.setattr(
        type(store.staff), "names", lambda self, ids: reads.append(list(ids)) or names(ids), raising=True
    )

    page = directory.list_staff(ADMIN, StaffQuery(limit=200), store=store)
    named = {s.id: (s.supervisor_id, s.supervisor_name) for s in page.items}
    assert named == {boss.id: (None, None), nurse.id: (boss.id, "钱国栋")}
    found = directory.list_staff(ADMIN, StaffQuery(q="chensiyu"), store=store)
    assert [(s.name, s.supervisor_name) for s in found.items] == [("陈思雨", "钱国栋")]
    [unit] = directory.list_departments(ADMIN, 50, None, store=store).items
    assert (unit.head_id, unit.head_name) == (boss.id, "钱国栋")
    [root] = directory.department_tree(ADMIN, store=store)
    assert root.head_name == "钱国栋"
    assert reads == [[boss.id]] * 4  # one read per page, each person once

    directory.list_staff(ADMIN, StaffQuery(q="qianguodong"), store=store)  # names no supervisor
    assert len(reads) == 4
