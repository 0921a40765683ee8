"""Follow-up's KPIs on the fakes: what each of its events counts, in which department and month, and the four
figures as numerator over denominator, read by the department's staff and the hospital's admins only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from chalicelib.followup.contracts.kpis import KpiQuery
from chalicelib.followup.domain.kpis import Counts, figures
from chalicelib.followup.service import kpis

from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.events.published.followup import (
    FOLLOWUP_ALERT_RAISED,
    FOLLOWUP_ENROLLED,
    FOLLOWUP_TASK_DONE,
    FOLLOWUP_TASK_MISSED,
    AlertRaised,
    Enrolled,
    TaskEvent,
)
from tests.unit.followup.fakes import FakeDirectory, FakeHospitals, FakeStore, Tables

T = "t-kpi"


def who(user: str, *roles: str) -> Principal:
    return Principal(tenant=T, user=user, kind="staff", roles=frozenset(roles))


def task_event(n: int, due: date, outcome: str = "", department: str = "cardio") -> TaskEvent:
    return TaskEvent(
        task_id=f"p{n}-t1",
        patient_id=f"p{n}",
        kind="call",
        title="电话随访",
        due=due,
        department_id=department,
        outcome=outcome,
    )


def feed(store: FakeStore, hospitals: FakeHospitals, envelope: Any) -> None:
    with store.uow as uow:
        kpis.count(envelope, uow, store=store, hospitals=hospitals)  # type: ignore[arg-type]
        uow.commit()


@pytest.fixture
def world() -> dict[str, Any]:
    directory = FakeDirectory()
    directory.add_unit(T, "cardio", "心内科")
    directory.add_unit(T, "surgery", "普外科")
    directory.add_person(T, "doc-li", "李医生", "cardio", "doctor")
    directory.add_person(T, "head-chen", "陈主任", "cardio", "department_head")
    directory.add_person(T, "doc-sun", "孙医生", "surgery", "doctor")
    directory.add_person(T, "admin", "管理员", "surgery", "hospital_admin")
    store = FakeStore(T, Tables())
    hospitals = FakeHospitals({T: "Asia/Shanghai"})
    november = date(2026, 11, 10)
    events = [
        FOLLOWUP_ENROLLED.envelope(
            T,
            Enrolled(
                enrolment_id="p1-e1",
                patient_id="p1",
                plan_id="htn",
                plan_version=1,
                department_id="cardio",
                discharge_date=date(2026, 11, 3),
                tasks=4,
            ),
        ),
        # done on its due day (Shanghai): reached, on time
        FOLLOWUP_TASK_DONE.envelope(T, task_event(1, november, "reached")),
        # done two days late: reached, not on time
        FOLLOWUP_TASK_DONE.envelope(T, task_event(2, november, "reached")),
        FOLLOWUP_TASK_DONE.envelope(T, task_event(3, november, "lost")),
        FOLLOWUP_TASK_MISSED.envelope(T, task_event(4, november)),
        # due in December: another month
        FOLLOWUP_TASK_DONE.envelope(T, task_event(5, date(2026, 12, 1), "reached")),
        FOLLOWUP_ALERT_RAISED.envelope(
            T,
            AlertRaised(
                alert_id="p1-a1",
                patient_id="p1",
                patient_label="张*",
                task_id="p1-t9",
                department_id="cardio",
                notify=["doc-li"],
                title="随访异常：收缩压 182 mmHg（>160）",
            ),
        ),
    ]
    times = [
        datetime(2026, 11, 3, 2, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 15, 30, tzinfo=UTC),  # 23:30 on the 10th in Shanghai: on time
        datetime(2026, 11, 12, 1, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 1, 0, tzinfo=UTC),
        datetime(2026, 11, 18, 16, 5, tzinfo=UTC),
        datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 16, 30, tzinfo=UTC),  # already 1 December in Shanghai
    ]
    for envelope, at in zip(events, times, strict=True):
        feed(store, hospitals, envelope.model_copy(update={"time": at}))
    return {"directory": directory, "store": store, "hospitals": hospitals}


def read(world: dict[str, Any], caller: Principal, **query: Any) -> Any:
    return kpis.kpis(
        caller,
        KpiQuery(**query),
        store=world["store"].as_caller(caller),
        directory=world["directory"],
        hospitals=world["hospitals"],
        now=datetime(2026, 12, 5, 2, 0, tzinfo=UTC),
    )


def test_the_four_figures_of_a_department_and_month(world: dict[str, Any]) -> None:
    result = read(world, who("doc-li", "doctor"), month="2026-11")
    assert (result.department_id, result.department_name, result.month) == ("cardio", "心内科", "2026-11")
    assert (result.enrolled, result.due) == (1, 4)
    assert (result.followup_rate.numerator, result.followup_rate.denominator, result.followup_rate.rate) == (
        2,
        4,
        0.5,
    )
    assert (result.on_time_rate.numerator, result.on_time_rate.denominator) == (
        2,
        3,
    )  # the reached late one is not
    assert result.on_time_rate.rate == 0.6667
    assert (result.lost_rate.numerator, result.lost_rate.denominator, result.lost_rate.rate) == (1, 4, 0.25)
    assert (result.abnormal_results.numerator, result.abnormal_results.denominator) == (
        0,
        3,
    )  # raised in December
    assert "reached" in result.followup_rate.definition
    december = read(world, who("doc-li", "doctor"))  # this month, the hospital's
    assert december.month == "2026-12"
    assert (december.followup_rate.numerator, december.abnormal_results.numerator) == (1, 1)


def test_an_empty_month_has_no_rate_rather_than_zero(world: dict[str, Any]) -> None:
    result = read(world, who("doc-li", "doctor"), month="2025-01")
    assert result.due == 0 and result.followup_rate.rate is None
    assert figures(Counts())["on_time_rate"].rate is None


def test_who_reads_a_departments_figures(world: dict[str, Any]) -> None:
    assert read(world, who("head-chen", "department_head"), department_id="cardio", month="2026-11").due == 4
    assert read(world, who("admin", "hospital_admin"), department_id="cardio", month="2026-11").due == 4
    with pytest.raises(Forbidden):
        read(world, who("doc-sun", "doctor"), department_id="cardio")
    with pytest.raises(NotFound):
        read(world, who("admin", "hospital_admin"), department_id="nowhere")


def test_each_department_counts_its_own(world: dict[str, Any]) -> None:
    feed(
        world["store"],
        world["hospitals"],
        FOLLOWUP_TASK_MISSED.envelope(T, task_event(9, date(2026, 11, 2), department="surgery")),
    )
    surgery = read(world, who("doc-sun", "doctor"), month="2026-11")
    assert (surgery.department_id, surgery.due, surgery.followup_rate.rate) == ("surgery", 1, 0.0)
    assert read(world, who("doc-li", "doctor"), month="2026-11").due == 4
