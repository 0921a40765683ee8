"""Ward setup on the fakes: the staff projection rostering needs, the shift catalogue, a ward's setup
(defaults, partial changes, versions, validation), the holiday calendar and a period's problem inputs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from chalicelib.scheduling.contracts.calendar import CalendarChange
from chalicelib.scheduling.contracts.setup import SetupChange
from chalicelib.scheduling.contracts.shifts import ShiftTypeChange
from chalicelib.scheduling.domain.problem import build_problem
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import UNLIMITED
from chalicelib.scheduling.domain.roster.solver import SolveOptions, solve
from chalicelib.scheduling.domain.setup import day_key, default_shifts
from chalicelib.scheduling.service import calendar, inputs, setup, shifts, staff

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.published.messaging import STAFF_CREATED, StaffChanged
from tests.unit.scheduling.fakes import FakeDirectory, FakeStore, Person

T = "t-hospital"
WARD = "w-cardio"
ADMIN = Principal(tenant=T, user="admin", roles=frozenset({"hospital_admin"}))
HEAD = Principal(tenant=T, user="u-hn", staff_id="hn", staff_name="王护士长", roles=frozenset({"head_nurse"}))
NURSE = Principal(tenant=T, user="u-n0", staff_id="n0", roles=frozenset({"nurse"}))


def hospital(nurses: int = 8) -> tuple[FakeStore, FakeDirectory]:
    """内科 › 心内科病区 (head nurse hn) with ``nurses`` nurses, one of them N3 with an expired ICU
    certificate and a valid 静脉治疗 one; a doctor and a nurse on long leave in the same ward."""
    store, directory = FakeStore(T), FakeDirectory()
    directory.add_unit(T, "med", "内科", kind="department")
    directory.add_unit(T, WARD, "心内科病区", parent_id="med", head_id="hn")
    directory.add_unit(T, "w-resp", "呼吸科病区", parent_id="med")
    people: dict[str, Person] = {
        "hn": Person("王护士长", "E-hn", WARD, nurse_grade="N4", roles=("head_nurse",)),
        "doc": Person("李医生", "E-doc", WARD, roles=("doctor",)),
        "away": Person("休假护士", "E-away", WARD, nurse_grade="N1", roles=("nurse",), status="on_leave"),
        "other": Person("呼吸科护士", "E-o", "w-resp", nurse_grade="N1", roles=("nurse",)),
    }
    for n in range(nurses - 1):
        people[f"n{n}"] = Person(f"护士{n}", f"E{n}", WARD, nurse_grade="N1", roles=("nurse",))
    people["n0"] = Person(
        "陈思雨",
        "E0",
        WARD,
        nurse_grade="N3",
        roles=("nurse",),
        certificates=(
            {"type": "ICU专科护士", "number": "C1", "valid_until": "2026-06-30"},
            {"type": "静脉治疗", "number": "C2", "valid_until": None},
        ),
    )
    for staff_id, person in people.items():
        directory.people[(T, staff_id)] = person
        with store.uow as uow:
            envelope = STAFF_CREATED.envelope(
                T, StaffChanged(staff_id=staff_id, department_id=person.department_id)
            )
            staff.project_staff(envelope, uow, store=store, directory=directory)  # type: ignore[arg-type]
            uow.commit()
    return store, directory


def view(
    store: FakeStore, directory: FakeDirectory, on: date = date(2026, 12, 1), who: Principal = HEAD
) -> Any:
    return setup.get_setup(who, WARD, on, store=store, directory=directory)  # type: ignore[arg-type]


def change(store: FakeStore, directory: FakeDirectory, who: Principal = HEAD, **parts: Any) -> Any:
    body = SetupChange.model_validate(parts)
    return setup.change_setup(who, WARD, body, "req", store=store, uow=store.uow, directory=directory)  # type: ignore[arg-type]


# --- the staff projection ------------------------------------------------------------------------


def test_the_projection_keeps_what_rostering_needs_grade_roles_certificates_and_status() -> None:
    store, _ = hospital()
    record = store.tables.staff[(T, "n0")]
    assert (record.nurse_grade, record.roles, record.status) == ("N3", ("nurse",), "active")
    assert [(c.type, c.valid_until) for c in record.certificates] == [
        ("ICU专科护士", date(2026, 6, 30)),
        ("静脉治疗", None),
    ]
    assert store.tables.staff[(T, "away")].status == "on_leave"


def test_a_certificate_whose_expiry_cannot_be_read_grants_nothing() -> None:
    held = staff.certificates([{"type": "ICU", "valid_until": "soon"}, {"type": "", "valid_until": None}])
    assert held == ()


# --- the shift catalogue -------------------------------------------------------------------------


def test_the_catalogue_is_the_default_until_the_hospital_defines_a_shift() -> None:
    store = FakeStore(T)
    catalogue = shifts.list_shift_types(NURSE, store=store)  # type: ignore[arg-type]
    assert catalogue.source == "default"
    assert [(s.code, s.name, s.hours) for s in catalogue.items] == [
        ("D", "白班", 8),
        ("P", "小夜", 8),
        ("N", "大夜", 8),
    ]

    duty = ShiftTypeChange(name="值班", start="08:00", end="08:00", colour="#d0021b", skill="senior")
    made = shifts.put_shift_type(ADMIN, "Z", duty, "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    assert (made.hours, made.crosses_midnight, made.source) == (24, True, "hospital")
    night = ShiftTypeChange(name="大夜", start="23:30", end="07:30", max_consecutive=3)
    shifts.put_shift_type(ADMIN, "N", night, "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    catalogue = shifts.list_shift_types(NURSE, store=store)  # type: ignore[arg-type]
    assert catalogue.source == "hospital"
    assert [(s.code, s.hours, s.night, s.crosses_midnight) for s in catalogue.items] == [
        ("Z", 24, False, True),
        ("N", 8, True, True),
    ]
    again = ShiftTypeChange(name="大夜班", start="00:00", end="08:00")
    shifts.put_shift_type(ADMIN, "N", again, "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    assert [s.name for s in shifts.list_shift_types(NURSE, store=store).items] == ["大夜班", "值班"]  # type: ignore[arg-type]
    assert store.uow.audited[-1] == ("shift_type.put", "shift_type", "N")


def test_removing_a_shift_type_that_is_not_there_is_not_found() -> None:
    store = FakeStore(T)
    day = ShiftTypeChange(name="白班", start="08:00", end="16:00")
    shifts.put_shift_type(ADMIN, "D", day, "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    shifts.delete_shift_type(ADMIN, "D", "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    assert shifts.list_shift_types(ADMIN, store=store).source == "default"  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="shift type"):
        shifts.delete_shift_type(ADMIN, "D", "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    with pytest.raises(RuleViolation) as long:
        shifts.put_shift_type(ADMIN, "X" * 17, day, "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    assert long.value.field == "code"


# --- a ward's setup ------------------------------------------------------------------------------


def test_a_ward_with_only_nurses_in_the_directory_has_a_complete_default_setup() -> None:
    store, directory = hospital()
    seen = view(store, directory)
    assert (seen.ward_name, seen.version) == ("心内科病区", 0)
    assert seen.shifts.source == "default" and [s.code for s in seen.shifts.items] == ["D", "P", "N"]
    for part in (seen.forbidden_successions, seen.min_rest, seen.contracts, seen.demand, seen.approval):
        assert part.source == "default"
    assert seen.min_rest.hours == 11 and seen.approval.skip_approval is False
    assert [c.id for c in seen.contracts.items] == ["full_time", "part_time"]
    assert {(d.day, d.shift) for d in seen.demand.items} >= {("mon", "D"), ("holiday", "N")}
    # the ward's nurses: not the doctor, not the nurse on long leave, not the other ward's
    assert sorted(n.staff_id for n in seen.nurses) == sorted(["hn", *[f"n{i}" for i in range(7)]])
    assert {n.contract_id for n in seen.nurses} == {"full_time"}


def test_skills_come_from_grade_role_and_certificates_and_an_expired_one_grants_nothing() -> None:
    store, directory = hospital()
    before = {n.staff_id: n for n in view(store, directory, on=date(2026, 6, 30)).nurses}
    assert before["n0"].skills == ["nurse", "senior", "ICU专科护士", "静脉治疗"]
    after = {n.staff_id: n for n in view(store, directory, on=date(2026, 7, 1)).nurses}
    assert after["n0"].skills == ["nurse", "senior", "静脉治疗"]
    assert after["n0"].expired_certificates == ["ICU专科护士"]
    assert after["hn"].skills == ["nurse", "senior", "head_nurse"]
    assert after["n1"].skills == ["nurse"]


def test_a_partial_change_keeps_the_other_parts_and_marks_what_is_the_wards_own() -> None:
    store, directory = hospital()
    part_time = {"id": "part_time", "name": "兼职", "max_shifts_per_week": 3, "max_consecutive_work": 3}
    full = {"id": "full_time", "name": "全职", "min_shifts_per_week": 4, "max_shifts_per_week": 5}
    after = change(
        store,
        directory,
        version=0,
        min_rest_hours=12,
        forbidden_successions=[{"first": "N", "then": "D"}],
        contracts=[full, part_time],
        nurse_contracts={"n1": "part_time"},
        shifts=[{"code": "N", "name": "大夜", "start": "00:00", "end": "08:00", "max_consecutive": 2}],
    )
    assert after.version == 1 and after.updated_by_name == "王护士长"
    assert (after.min_rest.source, after.min_rest.hours) == ("ward", 12)
    assert after.forbidden_successions.items[0].model_dump() == {"first": "N", "then": "D"}
    assert after.shifts.source == "ward"
    assert [(s.code, s.source, s.max_consecutive) for s in after.shifts.items] == [
        ("D", "default", None),
        ("P", "default", None),
        ("N", "ward", 2),
    ]
    nurses = {n.staff_id: n for n in after.nurses}
    assert (nurses["n1"].contract_id, nurses["n1"].contract_name, nurses["n1"].contract_source) == (
        "part_time",
        "兼职",
        "ward",
    )
    assert nurses["n2"].contract_source == "default"
    assert after.demand.source == "default"  # untouched parts stay inherited

    again = change(store, directory, version=1, skip_approval=True, nurse_contracts={"n1": None})
    assert again.version == 2 and again.min_rest.hours == 12 and again.approval.skip_approval is True
    assert {n.staff_id: n.contract_source for n in again.nurses}["n1"] == "default"
    back = change(store, directory, version=2, min_rest_hours=None)  # null: back to the default
    assert (back.min_rest.source, back.min_rest.hours) == ("default", 11)
    assert view(store, directory).version == 3
    assert store.uow.audited[-1] == ("ward_setup.change", "ward", WARD)


def test_a_change_based_on_a_stale_version_is_a_conflict_and_changes_nothing() -> None:
    store, directory = hospital()
    change(store, directory, version=0, min_rest_hours=10)
    with pytest.raises(Conflict, match="changed by someone else"):
        change(store, directory, version=0, min_rest_hours=14)
    assert view(store, directory).min_rest.hours == 10


def test_the_stored_version_is_checked_again_when_the_change_is_written() -> None:
    """Two rosterers read version 0; the first to write wins, the second's write is refused."""
    store, directory = hospital()
    first = SetupChange(version=0, min_rest_hours=10)
    setup.change_setup(HEAD, WARD, first, "r1", store=store, uow=store.uow, directory=directory)  # type: ignore[arg-type]
    with pytest.raises(Conflict):  # the second, still based on version 0, reaches the write
        store.ward_rules.save(store.ward_rules.get(WARD), 0)
        store.uow.commit()
    assert store.tables.ward_rules[(T, WARD)].version == 1


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"demand": [{"day": "mon", "shift": "X", "minimum": 1, "optimal": 2}]}, "demand[0].shift"),
        ({"demand": [{"day": "mon", "shift": "D", "minimum": 3, "optimal": 2}]}, "demand[0].minimum"),
        (
            {"demand": [{"day": "mon", "shift": "D", "minimum": 1, "optimal": 2}] * 2},
            "demand[1]",
        ),
        ({"forbidden_successions": [{"first": "N", "then": "X"}]}, "forbidden_successions[0]"),
        (
            {"contracts": [{"id": "c", "name": "错", "min_shifts_per_week": 6, "max_shifts_per_week": 5}]},
            "contracts[0].min_shifts_per_week",
        ),
        (
            {"contracts": [{"id": "c", "name": "错", "min_consecutive_off": 4, "max_consecutive_off": 2}]},
            "contracts[0].min_consecutive_off",
        ),
        ({"nurse_contracts": {"other": "full_time"}}, "nurse_contracts.other"),  # another ward's nurse
        ({"nurse_contracts": {"doc": "full_time"}}, "nurse_contracts.doc"),  # not a nurse
        ({"nurse_contracts": {"n1": "nope"}}, "nurse_contracts.n1"),
        ({"default_contract": "nope"}, "default_contract"),
        ({"shift_codes": ["D", "Q"]}, "shift_codes[1]"),
        ({"shift_codes": []}, "shift_codes"),
        (
            {"shifts": [{"code": "E", "name": "早班", "start": "07:00", "end": "15:00"}] * 2},
            "shifts[1].code",
        ),
        (  # a demand for a shift the ward stopped running
            {"shift_codes": ["D", "N"], "demand": [{"day": "sun", "shift": "P", "minimum": 1, "optimal": 1}]},
            "demand[0].shift",
        ),
    ],
)
def test_a_change_is_validated_whole_and_names_the_field(parts: dict[str, Any], field: str) -> None:
    store, directory = hospital()
    with pytest.raises(RuleViolation) as refused:
        change(store, directory, version=0, **parts)
    assert refused.value.field == field
    assert store.tables.ward_rules == {}


def test_a_wards_own_shifts_and_the_shifts_it_runs_shape_its_default_demand() -> None:
    store, directory = hospital()
    after = change(
        store,
        directory,
        version=0,
        shifts=[{"code": "A", "name": "值班", "start": "08:00", "end": "08:00", "skill": "senior"}],
        shift_codes=["D", "A"],
    )
    assert [(s.code, s.source) for s in after.shifts.items] == [("D", "default"), ("A", "ward")]
    assert {d.shift for d in after.demand.items} == {"D", "A"}
    assert {d.skill for d in after.demand.items if d.shift == "A"} == {"senior"}


def test_only_the_wards_rosterers_change_it_and_its_nurses_read_it() -> None:
    store, directory = hospital()
    with pytest.raises(Forbidden):
        change(store, directory, who=NURSE, version=0, min_rest_hours=12)
    other_head = Principal(tenant=T, user="u-x", staff_id="other", roles=frozenset({"head_nurse"}))
    with pytest.raises(Forbidden):
        change(store, directory, who=other_head, version=0, min_rest_hours=12)
    assert view(store, directory, who=NURSE).ward_id == WARD
    with pytest.raises(NotFound):
        setup.get_setup(HEAD, "w-none", store=store, directory=directory)  # type: ignore[arg-type]


def test_a_contract_kept_for_a_nurse_who_left_the_ward_is_dropped_on_the_next_save() -> None:
    store, directory = hospital()
    change(store, directory, version=0, nurse_contracts={"n2": "part_time"})
    directory.people[(T, "n2")] = Person("护士2", "E2", "w-resp", nurse_grade="N1", roles=("nurse",))
    with store.uow as uow:
        envelope = STAFF_CREATED.envelope(T, StaffChanged(staff_id="n2", department_id="w-resp"))
        staff.project_staff(envelope, uow, store=store, directory=directory)  # type: ignore[arg-type]
        uow.commit()
    change(store, directory, version=1, min_rest_hours=12)
    assert store.tables.ward_rules[(T, WARD)].nurse_contracts == {}


# --- the calendar --------------------------------------------------------------------------------


def test_the_package_gives_holidays_and_adjusted_working_days_in_chinese() -> None:
    store = FakeStore(T)
    year = calendar.calendar_year(NURSE, 2026, store=store)  # type: ignore[arg-type]
    assert year.package_has_year and year.complete and year.notice is None
    days = {d.date: d for d in year.items}
    assert (days[date(2026, 10, 1)].kind, days[date(2026, 10, 1)].name) == ("holiday", "国庆节")
    assert (days[date(2026, 2, 14)].kind, days[date(2026, 2, 14)].name) == ("workday", "春节调休")
    assert {d.source for d in year.items} == {"package"}


def test_a_year_the_package_does_not_know_says_so_until_the_hospital_adds_its_days() -> None:
    store = FakeStore(T)
    empty = calendar.calendar_year(NURSE, 2027, store=store)  # type: ignore[arg-type]
    assert (empty.package_has_year, empty.complete, empty.items) == (False, False, [])
    assert empty.notice and "PUT /scheduling/calendar/{date}" in empty.notice and "2027" in empty.notice
    # …and in the reader's language: a head nurse reading Chinese is told in Chinese
    zh = calendar.calendar_year(NURSE, 2027, "zh-CN,zh;q=0.9", store=store)  # type: ignore[arg-type]
    assert zh.notice and zh.notice.startswith("chinesecalendar 软件包尚未收录 2027 年的节假日")
    new_year = CalendarChange(kind="holiday", name="元旦")
    calendar.put_day(ADMIN, "2027-01-01", new_year, "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    year = calendar.calendar_year(NURSE, 2027, store=store)  # type: ignore[arg-type]
    assert year.complete and [(d.date, d.name, d.source) for d in year.items] == [
        (date(2027, 1, 1), "元旦", "hospital")
    ]
    with pytest.raises(RuleViolation) as bad:
        calendar.put_day(ADMIN, "2027-02-30", new_year, "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    assert bad.value.field == "date"


def test_a_day_the_hospital_sets_wins_over_the_package_and_removing_it_brings_the_package_back() -> None:
    store = FakeStore(T)
    worked = CalendarChange(kind="workday", name="院内调整")
    calendar.put_day(ADMIN, "2026-10-01", worked, "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    days = inputs.calendar(store, date(2026, 9, 28), date(2026, 10, 11))  # type: ignore[arg-type]
    assert (days[date(2026, 10, 1)].kind, days[date(2026, 10, 1)].name) == ("workday", "院内调整")
    calendar.delete_day(ADMIN, "2026-10-01", "req", store=store, uow=store.uow)  # type: ignore[arg-type]
    days = inputs.calendar(store, date(2026, 9, 28), date(2026, 10, 11))  # type: ignore[arg-type]
    assert days[date(2026, 10, 1)].kind == "holiday"
    # a holiday uses the holiday demand, a 调休 working day (Saturday 10 October) a regular weekday's
    assert day_key(date(2026, 10, 1), days) == "holiday"
    assert day_key(date(2026, 10, 10), days) == "mon"
    assert day_key(date(2026, 10, 11), days) == "sun"
    with pytest.raises(NotFound, match="calendar day"):
        calendar.delete_day(ADMIN, "2026-10-01", "req", store=store, uow=store.uow)  # type: ignore[arg-type]


# --- the inputs of a period's problem ------------------------------------------------------------


def test_who_counts_as_a_wards_nurse_and_certificates_expired_by_then_are_dropped() -> None:
    store, _ = hospital()
    nurses = inputs.ward_nurses(store, [WARD], date(2026, 12, 1))  # type: ignore[arg-type]
    assert [n.staff_id for n in nurses] == sorted(["hn", *[f"n{i}" for i in range(7)]])
    n0 = next(n for n in nurses if n.staff_id == "n0")
    assert (n0.name, n0.ward_id, n0.grade) == ("陈思雨", WARD, "N3")
    assert [c.type for c in n0.certificates] == ["静脉治疗"]
    group = inputs.ward_nurses(store, [WARD, "w-resp"], date(2026, 12, 1))  # type: ignore[arg-type]
    assert [n.ward_id for n in group][-1] == "w-resp" and len(group) == len(nurses) + 1


def test_the_raw_setup_leaves_unset_parts_to_the_problems_defaults() -> None:
    store, directory = hospital()
    raw = inputs.ward_setup(store, WARD)  # type: ignore[arg-type]
    assert raw.shifts == default_shifts() and raw.demand == () and raw.contracts == ()
    change(store, directory, version=0, skip_approval=True, min_rest_hours=12)
    raw = inputs.ward_setup(store, WARD)  # type: ignore[arg-type]
    assert (raw.skip_approval, raw.min_rest_hours) == (True, 12)


def test_a_ward_with_only_nurses_in_the_directory_is_rostered_feasibly_on_day_one() -> None:
    """Setup, nurses and calendar from the store, through build_problem, solved for a few seconds: a
    roster with no hard violation over National Day week (holiday demand, a 调休 Saturday)."""
    store, _ = hospital(nurses=12)
    start, days = date(2026, 9, 28), 14
    end = date(2026, 10, 11)
    problem = build_problem(
        inputs.ward_setup(store, WARD),  # type: ignore[arg-type]
        inputs.ward_nurses(store, [WARD], start),  # type: ignore[arg-type]
        start,
        days,
        calendar=inputs.calendar(store, start, end),  # type: ignore[arg-type]
    )
    assert len(problem.nurses) == 12
    assert {d.shift for d in problem.demand if d.day == 3} == {"D", "P", "N"}  # 1 October: holiday demand
    result = solve(problem, SolveOptions(time_limit=4, seed=0))
    assert evaluate(problem, result.roster).feasible


def test_a_contracts_night_limit_reaches_the_problem_scaled_to_the_period() -> None:
    """8 nights in 4 weeks is 9 in a 31-day month and 2 in a week; 28 means no limit at all."""
    store, directory = hospital(nurses=4)
    month, week = date(2027, 1, 1), date(2027, 1, 4)
    nurses = inputs.ward_nurses(store, [WARD], month)  # type: ignore[arg-type]

    def limits(days: int, start: date = month) -> dict[str, int]:
        setup = inputs.ward_setup(store, WARD)  # type: ignore[arg-type]
        problem = build_problem(setup, nurses, start, days)
        return {k: c.max_nights for k, c in problem.contracts.items()}

    assert limits(31) == {"full_time": 9, "part_time": 5}
    assert limits(7, week) == {"full_time": 2, "part_time": 1}
    contracts = [
        {"id": "full_time", "name": "全职", "max_nights_per_4_weeks": 28},
        {"id": "part_time", "name": "兼职", "max_nights_per_4_weeks": 0},
    ]
    change(store, directory, version=0, contracts=contracts)
    assert limits(31) == {"full_time": UNLIMITED, "part_time": 0}
