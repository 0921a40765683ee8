"""Amending the live roster (an approved swap, an accepted repair): a new version at once, judged by the
hard rules on what nurses are working, carried into a draft in progress, announced once to the nurses
whose shifts moved, audited with every cell before and after."""

from __future__ import annotations

from datetime import date

import pytest
from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.service import periods
from chalicelib.scheduling.service.amendments import Actor, Amended, amend_live, preview_live

from shared.auth import Principal
from shared.errors import Conflict
from shared.problems import Problem
from tests.unit.scheduling.test_roster_periods import T, Ward

WEEK = (date(2027, 1, 4), date(2027, 1, 10))
APPROVER = Actor("s-hn", "周护士长")


def refused(e: rules.EditRefused) -> Problem:
    return Problem(422, "roster-rule-violated", "Roster rule violated", e.faults[0].text())


def amend(
    w: Ward, period_id: str, *changes: tuple[str, str, str | None], expected: int | None = None
) -> Amended:
    cells = [rules.Change(s, date.fromisoformat(d), code) for s, d, code in changes]
    return amend_live(
        w.store, T, period_id, cells, APPROVER, "roster.swap", {"swap_id": "sw1"}, refused, expected
    )


def published(w: Ward) -> str:
    pid = w.create(*WEEK)
    w.edit(pid, ("s-a", "2027-01-05", "D"), ("s-b", "2027-01-06", "N"), ("s-c", "2027-01-07", "P"))
    w.approve_and_publish(pid)
    return pid


def test_a_swap_is_a_new_version_announced_to_the_two_nurses_only_and_audited_cell_by_cell() -> None:
    w = Ward()
    pid = published(w)
    done = amend(w, pid, ("s-a", "2027-01-05", None), ("s-d", "2027-01-05", "D"), expected=1)
    assert (done.period.version, done.period.state, done.period.published_by_name) == (
        2,
        "published",
        "周护士长",
    )
    v2 = w.events("roster.published")[-1]
    assert v2.data["version"] == 2
    assert {c["staff_id"]: c["lines"] for c in v2.data["changes"]} == {
        "s-a": ["1月5日 白班 → 休"],
        "s-d": ["1月5日 休 → 白班"],
    }
    grid = w.grid(pid)
    cells = {n.staff_id: {d: c.shift for d, c in n.cells.items()} for n in grid.nurses}
    assert cells["s-d"] == {date(2027, 1, 5): "D"} and cells["s-a"] == {}  # the sheet follows
    record = w.store.uow.audit_records[-1]
    assert record["action"] == "roster.swap" and record["after"]["swap_id"] == "sw1"
    assert record["after"]["by_name"] == "周护士长" and record["before"] == {"version": 1}
    assert record["after"]["cells"] == [
        {
            "staff_id": "s-a",
            "staff_name": "陈思雨",
            "date": "2027-01-05",
            "before": "D",
            "before_name": "白班",
            "after": None,
            "after_name": "",
        },
        {
            "staff_id": "s-d",
            "staff_name": "赵敏",
            "date": "2027-01-05",
            "before": None,
            "before_name": "",
            "after": "D",
            "after_name": "白班",
        },
    ]
    w.project()
    d = Principal(tenant=T, user="u-d", staff_id="s-d", roles=frozenset({"nurse"}))
    mine = periods.my_shifts(
        d, models.MyShiftsQuery.model_validate({"from": "2027-01-04", "to": "2027-01-10"}), store=w.store
    )
    assert [s.shift for s in mine.items] == ["D"]  # the on-duty read model follows the new version


def test_an_amendment_made_on_another_version_or_breaking_a_hard_rule_changes_nothing() -> None:
    w = Ward()
    pid = published(w)
    swap = [rules.Change("s-a", date(2027, 1, 5), None), rules.Change("s-d", date(2027, 1, 5), "D")]
    preview = preview_live(w.store, T, pid, swap, refused)  # what it would move, nothing written
    assert [(m.staff_name, m.before, m.after) for m in preview] == [
        ("陈思雨", "D", None),
        ("赵敏", None, "D"),
    ]
    with pytest.raises(Conflict, match="at version 1, not 2"):
        amend(w, pid, ("s-a", "2027-01-05", None), expected=2)
    with pytest.raises(Problem) as bad:  # 小夜 on the 7th until midnight, then 白班 at 8: too short a rest
        amend(w, pid, ("s-c", "2027-01-08", "D"))
    assert "王芳" in bad.value.detail
    assert len(w.events("roster.published")) == 1 and w.grid(pid).period.version == 1


def test_a_draft_in_progress_carries_the_amendment_unless_it_changed_that_cell_itself() -> None:
    w = Ward()
    pid = published(w)
    w.edit(pid, ("s-d", "2027-01-08", "D"))  # the head nurse edits after publishing: a draft again
    done = amend(w, pid, ("s-a", "2027-01-05", None), ("s-d", "2027-01-05", "D"))
    assert (done.period.state, done.period.version) == ("draft", 2)
    cells = {n.staff_id: {d: c.shift for d, c in n.cells.items()} for n in w.grid(pid).nurses}
    assert cells["s-d"] == {date(2027, 1, 5): "D", date(2027, 1, 8): "D"}
    assert done.snapshot.cells["s-d"] == {
        date(2027, 1, 5): rules.Cell("D", "nurse")
    }  # the draft's edit is not published
    w.edit(pid, ("s-b", "2027-01-06", "P"))
    with pytest.raises(Conflict, match="changed this cell"):
        amend(w, pid, ("s-b", "2027-01-06", None))


def test_a_period_never_published_has_no_live_roster_to_amend() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    with pytest.raises(Conflict, match="not published yet"):
        amend(w, pid, ("s-a", "2027-01-05", "D"))
