"""A roster period's change history: each change to the roster, named in the reader's language, with who
made it and the cells before and after — for the ward's rosterers and the heads of its units only."""

from __future__ import annotations

from datetime import date

import pytest
from chalicelib.scheduling.contracts import history as models
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.service import history
from chalicelib.scheduling.service.amendments import Actor, amend_live

from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.pages import Page
from shared.problems import Problem
from tests.unit.scheduling.fakes import FakeAuditTrail
from tests.unit.scheduling.test_roster_periods import HEAD, NURSE, T, Ward

WEEK = (date(2027, 1, 4), date(2027, 1, 10))
DIRECTOR = Principal(
    tenant=T, user="u-dir", staff_id="s-dir", staff_name="钱主任", roles=frozenset({"department_head"})
)


def read(
    w: Ward, period_id: str, who: Principal = HEAD, lang: str | None = None, **query: object
) -> Page[models.HistoryEntry]:
    return history.period_history(
        who,
        period_id,
        models.HistoryQuery.model_validate(query),
        lang,
        store=w.store,
        trail=FakeAuditTrail(w.store.uow),
        directory=w.directory,
    )


def test_every_change_is_listed_newest_first_with_who_and_the_cells_before_and_after() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    w.edit(pid, ("s-a", "2027-01-05", "D"), ("s-b", "2027-01-06", "N"))
    w.approve_and_publish(pid)
    w.edit(pid, ("s-b", "2027-01-06", "P"))  # after publishing: a draft again, then a second version
    w.approve_and_publish(pid)
    swap = [rules.Change("s-a", date(2027, 1, 5), None), rules.Change("s-d", date(2027, 1, 5), "D")]
    refuse = lambda e: Problem(422, "x", "x", e.faults[0].text())  # noqa: E731
    amend_live(w.store, T, pid, swap, Actor("s-hn", "周护士长"), "roster.swap", {"swap_id": "sw1"}, refuse)

    page = read(w, pid, lang="zh-CN")
    actions = [e.action for e in page.items]
    assert actions == [
        "roster.swap",
        "roster.publish",
        "roster.submit",
        "roster.edit",
        "roster.publish",
        "roster.submit",
        "roster.edit",
        "roster.create",
    ]
    swapped, republished = page.items[0], page.items[1]
    assert (swapped.action_name, swapped.by_name, swapped.version) == ("换班", "周护士长", 3)
    assert swapped.details == {"swap_id": "sw1"}
    assert [(c.staff_name, c.date, c.before_name, c.after_name) for c in swapped.cells] == [
        ("陈思雨", date(2027, 1, 5), "白班", ""),
        ("赵敏", date(2027, 1, 5), "", "白班"),
    ]
    assert (republished.action_name, republished.version) == ("发布", 2)
    assert [(c.staff_name, c.before, c.after) for c in republished.cells] == [("李娜", "N", "P")]
    edit = page.items[3]
    assert [(c.staff_name, c.before_name, c.after_name) for c in edit.cells] == [("李娜", "大夜", "小夜")]
    assert read(w, pid).items[0].action_name == "swap applied"
    first = read(w, pid, limit=3)
    assert len(first.items) == 3 and first.next_cursor
    rest = read(w, pid, limit=10, cursor=first.next_cursor)
    assert [e.action for e in first.items + rest.items] == actions


def test_the_history_is_for_the_rosterers_and_the_heads_not_the_wards_nurses() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    with pytest.raises(Forbidden):
        read(w, pid, NURSE)  # she reads the grid, not who changed what and why
    w.directory.add_unit(T, "med", "内科", head_id="s-dir", kind="department")  # 科主任
    assert read(w, pid, DIRECTOR).items[0].action == "roster.create"
    with pytest.raises(NotFound):
        read(w, "p-missing")
