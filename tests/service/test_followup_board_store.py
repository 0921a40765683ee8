"""The task board's repositories (calls, the sweep's marks, the KPI counters, a board newest first): the
same checks on the DynamoDB adapters (on moto) and on the fakes the use-case tests run on."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.domain.board import CallEntry, DueNotice, Recording, SweepProgress

from shared.errors import Conflict
from tests.service import test_followup_store as contract
from tests.service.test_followup_store import Opener, all_pages, task

opener = contract.opener  # the same fixture: each check on moto and on the fakes

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


def call(n: int, task_id: str, recording: bool = False) -> CallEntry:
    return CallEntry(
        id=f"{task_id.split('-')[0]}-c{n:03d}",
        task_id=task_id,
        patient_id=task_id.split("-")[0],
        at=NOW + timedelta(minutes=n),
        duration_s=60 * n,
        result="no_answer" if n % 2 else "reached",
        by="doc-1",
        by_name="李医生",
        recording=Recording(content_type="audio/amr", size=1000) if recording else None,
        created_at=NOW,
    )


def test_a_tasks_calls_are_its_own_newest_first(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    write(lambda s: [s.calls.add(call(n, "p001-t001", recording=n == 1)) for n in range(3)])
    write(lambda s: s.calls.add(call(9, "p001-t002")))
    assert [c.id for c in store.calls.of_task("p001-t001", 10)] == ["p001-c002", "p001-c001", "p001-c000"]
    got = store.calls.get("p001-t001", "p001-c001")
    assert got == call(1, "p001-t001", recording=True)
    assert store.calls.get("p001-t002", "p001-c001") is None  # not that task's
    assert store.calls.get("p001-t001", "p002-c001") is None
    with pytest.raises(Conflict):
        write(lambda s: s.calls.add(call(1, "p001-t001")))
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.calls.of_task("p001-t001", 10) == [] and other.calls.get("p001-t001", "p001-c001") is None


def test_a_task_is_announced_once_and_the_sweeps_progress_is_revision_checked(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    notice = DueNotice(task_id="p001-t001", patient_id="p001", due=date(2026, 12, 5), sent_at=NOW)
    write(lambda s: s.sweep.announce(notice, Conflict("announced")))
    with pytest.raises(Conflict, match="announced"):
        write(lambda s: s.sweep.announce(notice, Conflict("announced")))
    day = date(2026, 12, 5)
    assert store.sweep.progress(day) is None
    fresh = SweepProgress(day=day, department_id="cardio")
    write(lambda s: s.sweep.save_progress(fresh, Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):
        write(lambda s: s.sweep.save_progress(fresh, Conflict("stale")))  # another run created it first
    stored = store.sweep.progress(day)
    assert stored is not None and (stored.department_id, stored.revision) == ("cardio", 1)
    moved = stored.model_copy(update={"phase": "missed", "cursor": "abc", "announced": 3})
    write(lambda s: s.sweep.save_progress(moved, Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):
        write(lambda s: s.sweep.save_progress(moved, Conflict("stale")))
    assert store.sweep.progress(day) == moved.model_copy(update={"revision": 2})
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.sweep.progress(day) is None


def test_kpi_counters_add_up_per_department_and_month(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    assert store.kpis.get("d1", "2026-11").done == 0
    write(lambda s: s.kpis.add("d1", "2026-11", {"done": 1, "reached": 1, "on_time": 1}))
    write(lambda s: s.kpis.add("d1", "2026-11", {"done": 1, "lost": 1}))
    write(lambda s: s.kpis.add("d1", "2026-12", {"missed": 1}))
    write(lambda s: s.kpis.add("d2", "2026-11", {"enrolled": 1}))
    counts = store.kpis.get("d1", "2026-11")
    assert (counts.done, counts.reached, counts.on_time, counts.lost, counts.missed, counts.due) == (
        2,
        1,
        1,
        1,
        0,
        2,
    )
    assert store.kpis.get("d1", "2026-12").missed == 1 and store.kpis.get("d2", "2026-11").enrolled == 1
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.kpis.get("d1", "2026-11").done == 0


def test_a_board_reads_newest_first_when_asked(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    today = date(2026, 12, 4)
    tasks = [task(n, "p001", today + timedelta(days=n), state="done") for n in range(4)]
    write(lambda s: [s.tasks.add(t) for t in tasks])

    def read(cursor: str | None) -> Any:
        return store.tasks.board("doctor", "doc-1", "done", None, None, 3, cursor, newest_first=True)

    assert [t.id for t in all_pages(read)] == ["p001-t003", "p001-t002", "p001-t001", "p001-t000"]


def test_the_provinces_hospitals_and_their_time_zones(stack: Any) -> None:
    from chalicelib.followup.adapters.board import DynamoHospitals

    from fh.tenancy_store import register

    tenant = f"t-{uuid.uuid4().hex[:10]}"
    register(tenant, "乌鲁木齐第一医院", "local", "Asia/Urumqi")
    hospitals = DynamoHospitals()
    assert (tenant, "Asia/Urumqi") in hospitals.all()
    assert hospitals.time_zone(tenant) == "Asia/Urumqi"
    assert hospitals.time_zone(f"t-{uuid.uuid4().hex[:10]}") is None
