"""Swaps and give-aways (换班) on the fakes: a nurse proposes her own cells on the live roster, judged at
once by every hard rule for both nurses; approvals' decision applies it as a new version (announced to the
two nurses only, audited), or records why not; a roster that moved under it fails it with the reason; a
decision heard twice applies nothing twice; an applied swap is reversed the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.contracts import swaps as api
from chalicelib.scheduling.domain.periods import Cell, NurseRow
from chalicelib.scheduling.domain.records import LeaveRecord
from chalicelib.scheduling.domain.swaps import proposed_cells
from chalicelib.scheduling.service import periods, swaps

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.events.published.approvals import SWAP_DECIDED, SwapDecided
from shared.problems import Problem
from tests.unit.scheduling.test_roster_periods import HEAD, OUTSIDER, T, Ward

WEEK = (date(2027, 1, 4), date(2027, 1, 10))
TODAY = date(2027, 1, 1)


def nurse(staff_id: str) -> Principal:
    return Principal(tenant=T, user=f"u-{staff_id}", staff_id=staff_id, roles=frozenset({"nurse"}))


A, B, C, D = nurse("s-a"), nurse("s-b"), nurse("s-c"), nurse("s-d")


def published(w: Ward) -> str:
    """A week published: 陈思雨 (s-a) 白班 on the 5th, 李娜 (s-b) 大夜 on the 6th, 王芳 (s-c) 小夜 on the 7th."""
    pid = w.create(*WEEK)
    w.edit(pid, ("s-a", "2027-01-05", "D"), ("s-b", "2027-01-06", "N"), ("s-c", "2027-01-07", "P"))
    w.approve_and_publish(pid)
    return pid


def propose(w: Ward, who: Principal, pid: str, **body: Any) -> api.Swap:
    return swaps.propose(who, pid, api.ProposeSwap.model_validate(body), store=w.store, today=TODAY)


def decide(
    w: Ward, swap_id: str, pid: str, outcome: str = "approved", by: str = "s-hn", **kw: Any
) -> EventEnvelope:
    data = SwapDecided(swap_id=swap_id, period_id=pid, instance_id="ap-sw", outcome=outcome, by=by, **kw)  # type: ignore[arg-type]
    envelope = SWAP_DECIDED.envelope(T, data)
    hear(w, envelope)
    return envelope


def hear(w: Ward, envelope: EventEnvelope) -> None:
    """The consumer's handler on the fakes (the real one commits with its inbox marker)."""
    with w.store.uow as uow:
        swaps.record_decision(envelope, uow, store=w.store, directory=w.directory)  # type: ignore[arg-type]
        uow.commit()


def live(w: Ward, pid: str) -> dict[str, dict[str, str]]:
    period = w.store.periods.get(pid)
    assert period is not None
    snapshot = w.store.versions.get(pid, period.version)
    assert snapshot is not None
    return {k: {d.isoformat(): c.shift for d, c in v.items()} for k, v in snapshot.cells.items() if v}


def test_a_swap_of_two_days_is_checked_sent_to_approval_and_applied_as_a_new_version() -> None:
    w = Ward()
    pid = published(w)
    swap = propose(w, A, pid, kind="swap", my_date="2027-01-05", colleague_id="s-b", their_date="2027-01-06")
    assert (swap.state, swap.kind_name, swap.proposer_name, swap.colleague_name, swap.version) == (
        "requested",
        "换班",
        "陈思雨",
        "李娜",
        1,
    )
    assert [(c.staff_name, c.date.isoformat(), c.before_name, c.after_name) for c in swap.cells] == [
        ("陈思雨", "2027-01-05", "白班", "休"),
        ("李娜", "2027-01-05", "休", "白班"),
        ("陈思雨", "2027-01-06", "休", "大夜"),
        ("李娜", "2027-01-06", "大夜", "休"),
    ]
    [sent] = w.events("roster.swap.requested")
    assert sent.data["proposer"] == "s-a" and sent.data["colleague"] == "s-b"
    assert sent.data["summary"].startswith("陈思雨 1月5日 白班 → 休；李娜 1月5日 休 → 白班")
    assert live(w, pid)["s-a"] == {"2027-01-05": "D"}  # nothing moves before the approval

    decided = decide(w, swap.id, pid)
    done = swaps.get_swap(A, swap.id, store=w.store, directory=w.directory)
    assert (done.state, done.applied_version, done.decided_by_name) == ("applied", 2, "周护士长")
    assert live(w, pid) == {
        "s-a": {"2027-01-06": "N"},
        "s-b": {"2027-01-05": "D"},
        "s-c": {"2027-01-07": "P"},
    }
    v2 = w.events("roster.published")[-1]
    assert v2.data["version"] == 2 and v2.data["published_by"] == "s-hn"
    assert {c["staff_id"] for c in v2.data["changes"]} == {"s-a", "s-b"}  # the two nurses, once each
    record = w.store.uow.audit_records[-1]
    assert (record["action"], record["after"]["swap_id"], record["after"]["by_name"]) == (
        "roster.swap",
        swap.id,
        "周护士长",
    )
    assert len(record["after"]["cells"]) == 4

    hear(w, decided)  # the same decision again (a redelivery past the inbox): nothing applied twice
    assert len(w.events("roster.published")) == 2 and w.store.periods.get(pid).version == 2  # type: ignore[union-attr]
    w.project()
    mine = periods.my_shifts(
        A, models.MyShiftsQuery.model_validate({"from": "2027-01-04", "to": "2027-01-10"}), store=w.store
    )
    assert [(s.date.isoformat(), s.shift) for s in mine.items] == [("2027-01-06", "N")]


def test_a_proposal_that_breaks_a_hard_rule_for_either_nurse_is_refused_naming_it() -> None:
    w = Ward()
    pid = published(w)
    with pytest.raises(Problem) as bad:  # 小夜 on the 7th until midnight, then 白班 at 8: too short a rest
        propose(w, C, pid, kind="take", my_date="2027-01-08", shift="D")
    assert bad.value.status == 422 and "王芳 1月8日" in bad.value.detail
    assert [e.code for e in bad.value.errors] == ["H3"]
    w.store.tables.leave[(T, "2027-01-05", "s-d", "lv1")] = LeaveRecord(
        "s-d", "lv1", "年假", date(2027, 1, 5), date(2027, 1, 5), datetime(2026, 12, 20, tzinfo=UTC)
    )
    with pytest.raises(Problem) as theirs:  # fine for 陈思雨, but 赵敏 is on approved leave that day
        propose(w, A, pid, kind="give", my_date="2027-01-05", colleague_id="s-d")
    assert [(e.field, e.code) for e in theirs.value.errors] == [("cells[1]", "leave")]
    assert "赵敏 1月5日" in theirs.value.errors[0].message
    assert w.events("roster.swap.requested") == [] and w.store.period_tables.swaps == {}


def test_what_a_nurse_may_propose() -> None:
    w = Ward()
    pid = published(w)
    refusals = [
        ({"kind": "give", "my_date": "2027-01-06", "colleague_id": "s-d"}, "no shift on 2027-01-06"),
        (
            {"kind": "give", "my_date": "2027-01-05", "colleague_id": "s-d", "their_date": "2027-01-06"},
            "names no date",
        ),
        ({"kind": "swap", "my_date": "2027-01-08", "colleague_id": "s-d"}, "nothing to swap"),
        ({"kind": "swap", "my_date": "2027-01-05", "colleague_id": "s-a"}, "someone other than you"),
        (
            {"kind": "swap", "my_date": "2027-01-05", "colleague_id": "s-r"},
            "not a nurse of this roster period",
        ),
        ({"kind": "swap", "my_date": "2027-01-05"}, "names the colleague"),
        ({"kind": "take", "my_date": "2027-01-05", "shift": "D"}, "already work"),
        ({"kind": "take", "my_date": "2027-01-08"}, "names the shift"),
        ({"kind": "take", "my_date": "2027-01-08", "shift": "X"}, "no shift X"),
        ({"kind": "take", "my_date": "2027-01-12", "shift": "D"}, "not a day of the roster period"),
    ]
    for body, message in refusals:
        with pytest.raises(RuleViolation, match=message):
            propose(w, A, pid, **body)
    with pytest.raises(RuleViolation, match="no open place"):  # 陈思雨 is the 5th's one 白班 wanted
        propose(w, D, pid, kind="take", my_date="2027-01-05", shift="D")
    with pytest.raises(RuleViolation, match="already past"):
        swaps.propose(
            A,
            pid,
            api.ProposeSwap(kind="give", my_date=date(2027, 1, 5), colleague_id="s-d"),
            store=w.store,
            today=date(2027, 1, 6),
        )
    with pytest.raises(Forbidden):  # a nurse of another ward proposes nothing on this roster
        propose(w, OUTSIDER, pid, kind="take", my_date="2027-01-08", shift="D")
    draft = w.create(date(2027, 2, 1), date(2027, 2, 7))
    with pytest.raises(Conflict, match="not published yet"):
        propose(w, A, draft, kind="take", my_date="2027-02-02", shift="D")
    taken = propose(w, D, pid, kind="take", my_date="2027-01-08", shift="D")  # an open 白班: below optimal
    assert (taken.kind_name, taken.colleague_id, [c.after_name for c in taken.cells]) == (
        "认领空班",
        None,
        ["白班"],
    )


def test_who_sees_cancels_and_hears_the_decisions_of_a_swap() -> None:
    w = Ward()
    pid = published(w)
    give = propose(w, A, pid, kind="give", my_date="2027-01-05", colleague_id="s-d", reason="家里有事")
    take = propose(w, C, pid, kind="take", my_date="2027-01-09", shift="D")
    kw = {"store": w.store, "directory": w.directory}
    assert [s.id for s in swaps.list_swaps(HEAD, pid, **kw).items] == [give.id, take.id]
    assert [s.id for s in swaps.list_swaps(D, pid, **kw).items] == [give.id]  # she is named in it
    assert swaps.list_swaps(B, pid, **kw).items == []
    with pytest.raises(Forbidden):
        swaps.list_swaps(OUTSIDER, pid, **kw)
    assert swaps.get_swap(D, give.id, **kw).summary == "陈思雨 1月5日 白班 → 休；赵敏 1月5日 休 → 白班"
    with pytest.raises(NotFound):
        swaps.get_swap(B, give.id, **kw)  # not hers, and she does not roster: as if it did not exist
    with pytest.raises(Forbidden):
        swaps.cancel(D, give.id, **kw)  # the colleague declines in approvals, not here
    with pytest.raises(NotFound):
        swaps.cancel(B, give.id, **kw)
    cancelled = swaps.cancel(A, give.id, **kw)
    assert (cancelled.state, cancelled.state_name) == ("cancelled", "已取消")
    # said in the same transaction, once: approvals withdraws its 换班 from the approvers' inboxes
    assert [e.data for e in w.events("roster.swap.cancelled")] == [
        {"swap_id": give.id, "period_id": pid, "by": "s-a"}
    ]
    with pytest.raises(Conflict, match="cancelled"):
        swaps.cancel(A, give.id, **kw)
    assert len(w.events("roster.swap.cancelled")) == 1
    decide(w, give.id, pid, "withdrawn", by="s-a", reason="撤回：申请人已取消换班")  # approvals' answer
    assert swaps.get_swap(A, give.id, **kw).decision_reason == "提出人已取消"  # ignored: still hers
    decide(w, give.id, pid)  # approved after she called it off: ignored
    assert swaps.get_swap(A, give.id, **kw).state == "cancelled" and live(w, pid)["s-a"] == {
        "2027-01-05": "D"
    }

    decide(w, take.id, pid, "rejected", by="s-hn", reason="周六白班已够")
    rejected = swaps.get_swap(C, take.id, **kw)
    assert (rejected.state, rejected.decision_reason, rejected.decided_by_name) == (
        "rejected",
        "周六白班已够",
        "周护士长",
    )
    other = propose(w, C, pid, kind="take", my_date="2027-01-09", shift="D")
    decide(w, other.id, pid, "failed", by="", reason="换班审批模板未安装")
    assert swaps.get_swap(C, other.id, **kw).decision_reason == "换班审批模板未安装"
    third = propose(w, C, pid, kind="take", my_date="2027-01-09", shift="D")
    decide(w, third.id, pid, "withdrawn", by="s-c")
    assert (swaps.get_swap(C, third.id, **kw).state, swaps.get_swap(C, third.id, **kw).decision_reason) == (
        "withdrawn",
        "审批已撤回",
    )
    fourth = propose(w, C, pid, kind="take", my_date="2027-01-09", shift="D")
    decide(w, fourth.id, pid, by="")  # approved, but naming no approver: no version can say who
    assert swaps.get_swap(C, fourth.id, **kw).decision_reason == swaps.NO_APPROVER
    assert len(w.events("roster.published")) == 1  # none of them moved the roster


def test_an_approved_swap_the_roster_has_moved_under_fails_with_the_reason() -> None:
    w = Ward()
    pid = published(w)
    first = propose(w, A, pid, kind="give", my_date="2027-01-05", colleague_id="s-d")
    with pytest.raises(Conflict, match="waiting for approval"):  # her 白班 is promised already
        propose(w, A, pid, kind="give", my_date="2027-01-05", colleague_id="s-c")
    w.edit(pid, ("s-a", "2027-01-05", None), ("s-c", "2027-01-05", "D"))  # the head nurse moves it herself
    w.approve_and_publish(pid)  # version 2
    decide(w, first.id, pid)
    failed = swaps.get_swap(A, first.id, store=w.store, directory=w.directory)
    assert failed.state == "failed" and "陈思雨 1月5日 白班 → 休" in str(failed.decision_reason)
    (told,) = w.events("roster.swap.failed")  # its nurses and approver believe it done: they are told
    assert told.data["notify"] == ["s-a", "s-d", "s-hn"] and told.data["reason"] == failed.decision_reason
    assert w.store.periods.get(pid).version == 2  # type: ignore[union-attr]

    third = propose(w, C, pid, kind="give", my_date="2027-01-05", colleague_id="s-d")
    w.edit(pid, ("s-d", "2027-01-05", "N"))  # the head nurse gives 赵敏 that day in the draft herself
    decide(w, third.id, pid)
    drafted = swaps.get_swap(C, third.id, store=w.store, directory=w.directory)
    assert drafted.state == "failed" and "草稿" in str(drafted.decision_reason)
    assert w.store.periods.get(pid).version == 2  # type: ignore[union-attr]

    fourth = propose(w, B, pid, kind="take", my_date="2027-01-09", shift="D")
    w.store.tables.leave[(T, "2027-01-09", "s-b", "lv1")] = LeaveRecord(  # leave approved since
        "s-b", "lv1", "年假", date(2027, 1, 9), date(2027, 1, 9), datetime(2027, 1, 2, tzinfo=UTC)
    )
    decide(w, fourth.id, pid)
    ruled = swaps.get_swap(B, fourth.id, store=w.store, directory=w.directory)
    assert (
        ruled.state == "failed"
        and "硬性规则" in str(ruled.decision_reason)
        and "李娜 1月9日" in str(ruled.decision_reason)
    )


def test_an_applied_swap_is_reversed_the_same_way() -> None:
    w = Ward()
    pid = published(w)
    kw = {"store": w.store, "directory": w.directory, "today": TODAY}
    swap = propose(w, A, pid, kind="swap", my_date="2027-01-05", colleague_id="s-b", their_date="2027-01-06")
    with pytest.raises(Conflict, match="requested"):
        swaps.reverse(B, swap.id, **kw)  # not applied yet
    decide(w, swap.id, pid)
    with pytest.raises(Forbidden):
        swaps.reverse(HEAD, swap.id, **kw)  # one of its nurses reverses it
    back = swaps.reverse(B, swap.id, **kw)
    assert (back.state, back.reverses, back.proposer_name, back.colleague_name, back.version) == (
        "requested",
        swap.id,
        "李娜",
        "陈思雨",
        2,
    )
    assert [(c.staff_name, c.before_name, c.after_name) for c in back.cells] == [
        ("陈思雨", "休", "白班"),
        ("李娜", "白班", "休"),
        ("陈思雨", "大夜", "休"),
        ("李娜", "休", "大夜"),
    ]
    assert w.events("roster.swap.requested")[-1].data["title"].startswith("撤销换班")
    decide(w, back.id, pid)
    assert swaps.get_swap(B, back.id, **{k: v for k, v in kw.items() if k != "today"}).applied_version == 3
    assert live(w, pid) == {
        "s-a": {"2027-01-05": "D"},
        "s-b": {"2027-01-06": "N"},
        "s-c": {"2027-01-07": "P"},
    }
    with pytest.raises(Conflict, match="changed since"):  # the first again: its cells moved back since
        swaps.reverse(A, swap.id, **kw)


def test_a_give_away_needs_a_colleague_who_is_off_that_day() -> None:
    rows = {
        "s-a": NurseRow("s-a", "陈思雨", "w", cells={date(2027, 1, 5): Cell("D")}),
        "s-b": NurseRow("s-b", "李娜", "w", cells={date(2027, 1, 5): Cell("N")}),
    }
    with pytest.raises(RuleViolation, match="李娜 already works 大夜 on 2027-01-05"):
        proposed_cells(
            "give", rows, {"D": "白班", "N": "大夜"}, "s-a", date(2027, 1, 5), "s-b", None, None, {}
        )
    same_day = proposed_cells(
        "swap", rows, {"D": "白班", "N": "大夜"}, "s-a", date(2027, 1, 5), "s-b", None, None, {}
    )
    assert [(c.staff_id, c.before, c.after) for c in same_day] == [("s-a", "D", "N"), ("s-b", "N", "D")]
