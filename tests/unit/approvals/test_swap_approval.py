"""换班 on the fakes: scheduling's ``roster.swap.requested`` starts the built-in shift_swap approval as the
proposing nurse (once per swap), her colleague accepts, then the head nurse; taking an open shift has no
colleague step; a swap that cannot start is answered ``failed``; the approval's end is answered with
``approval.swap.decided`` in the transaction that ends it — only for the approval started for that swap; a
swap the nurse cancels in scheduling (``roster.swap.cancelled``) withdraws its approval, once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from chalicelib.approvals.contracts.approvals import ApprovalAction, SubmitApproval
from chalicelib.approvals.contracts.inbox import InboxQuery
from chalicelib.approvals.domain import swap
from chalicelib.approvals.service import approvals, templates
from chalicelib.approvals.service import inbox as inbox_service
from chalicelib.approvals.service import swap as swap_service

from shared.auth import Principal
from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.events.published.scheduling import (
    ROSTER_SWAP_CANCELLED,
    ROSTER_SWAP_REQUESTED,
    SwapCancelled,
    SwapRequested,
)
from shared.persistence.uow import UnitOfWork
from tests.unit.approvals.fakes import FakeDirectory, FakeStore, Tables

T = "t-hospital"
ADMIN = Principal(tenant=T, user="admin-1", roles=frozenset({"hospital_admin"}))


def _directory() -> FakeDirectory:
    # 心内一病区 w1: nurses n1, n2; 护士长 hn has the role head_nurse there; office is the fallback.
    return FakeDirectory(
        departments={"hn": "w1", "n1": "w1", "n2": "w1", "office": "admin"},
        roles={("w1", "head_nurse"): ["hn"]},
        names_of={"hn": "王护士长", "n1": "陈思雨", "n2": "李娜"},
    )


@pytest.fixture
def tables() -> Tables:
    tables = Tables()
    templates.install_builtins(ADMIN, "office", "req", store=FakeStore(T, tables=tables))
    return tables


def requested(swap_id: str = "sw-1", kind: str = "swap", proposer: str = "n1") -> EventEnvelope:
    data = SwapRequested(
        swap_id=swap_id,
        period_id="p-2027-01",
        kind=kind,  # type: ignore[arg-type]
        proposer=proposer,
        colleague="n2" if kind != "take" else None,
        my_date=date(2027, 1, 5),
        their_date=date(2027, 1, 6) if kind == "swap" else None,
        title="换班：陈思雨 ↔ 李娜（1月5日）",
        summary="陈思雨 1月5日 白班 → 休；李娜 1月5日 休 → 白班",
        reason="孩子生病",
    )
    return ROSTER_SWAP_REQUESTED.envelope(T, data)


def consume(tables: Tables, envelope: EventEnvelope, directory: FakeDirectory | None = None) -> FakeStore:
    store = FakeStore(T, tables=tables)
    swap_service.start_approval(
        envelope, UnitOfWork("approvals"), store=store, directory=directory or _directory()
    )
    return store


def decided(tables: Tables) -> list[dict[str, Any]]:
    return [e.data for e in tables.outbox if e.type == "approval.swap.decided"]


def act(tables: Tables, staff: str, instance_id: str, action: str, comment: str = "") -> Any:
    return approvals.act(
        Principal(tenant=T, user=staff),
        instance_id,
        ApprovalAction.model_validate({"action": action, "comment": comment}),
        "req",
        None,
        store=FakeStore(T, tables=tables),
        directory=_directory(),
    )


def test_a_swap_is_accepted_by_the_colleague_then_approved_by_the_head_nurse(tables: Tables) -> None:
    consume(tables, requested())
    (stored,) = tables.approvals.values()
    inst = stored.instance
    assert inst.id == swap.instance_id("sw-1")
    assert (inst.submitter, inst.submission.template_code, inst.submission.submitter_name) == (
        "n1",
        "shift_swap",
        "陈思雨",
    )
    assert inst.form == {
        "kind": "换班",
        "colleague": "n2",
        "my_shift": "2027-01-05",
        "their_shift": "2027-01-06",
        "summary": "陈思雨 1月5日 白班 → 休；李娜 1月5日 休 → 白班",
        "reason": "孩子生病",
        "swap_id": "sw-1",
        "period_id": "p-2027-01",
    }
    assert [(s.name, [t.approver for t in s.tasks]) for s in inst.steps] == [
        ("换班同事确认", ["n2"]),
        ("护士长审批", ["hn"]),
    ]
    consume(tables, requested())  # delivered again: no second approval
    assert len(tables.approvals) == 1
    act(tables, "n2", inst.id, "approve", "可以")
    assert decided(tables) == []  # the head nurse has not decided yet
    act(tables, "hn", inst.id, "approve", "同意")
    assert decided(tables) == [
        {
            "swap_id": "sw-1",
            "period_id": "p-2027-01",
            "instance_id": inst.id,
            "outcome": "approved",
            "reason": "同意",
            "by": "hn",
        }
    ]


def test_taking_an_open_shift_goes_to_the_head_nurse_alone(tables: Tables) -> None:
    consume(tables, requested(kind="take"))
    (stored,) = tables.approvals.values()
    assert "colleague" not in stored.instance.form and stored.instance.form["kind"] == "认领空班"
    assert [s.name for s in stored.instance.steps] == ["护士长审批"]
    act(tables, "hn", stored.instance.id, "reject", "人手够了")
    [answer] = decided(tables)
    assert (answer["outcome"], answer["reason"], answer["by"]) == ("rejected", "人手够了", "hn")


def test_the_colleague_declining_is_a_rejection(tables: Tables) -> None:
    consume(tables, requested())
    (stored,) = tables.approvals.values()
    act(tables, "n2", stored.instance.id, "reject", "那天我有事")
    [answer] = decided(tables)
    assert (answer["outcome"], answer["reason"], answer["by"]) == ("rejected", "那天我有事", "n2")


def test_a_swap_that_cannot_start_is_answered_failed_with_the_reason() -> None:
    bare = Tables()
    consume(bare, requested())
    assert bare.approvals == {} and [(d["outcome"], d["reason"]) for d in decided(bare)] == [
        ("failed", swap.NOT_INSTALLED)
    ]
    installed = Tables()
    templates.install_builtins(ADMIN, "office", "req", store=FakeStore(T, tables=installed))
    consume(installed, requested(proposer="ghost"))
    assert [(d["swap_id"], d["outcome"], d["reason"]) for d in decided(installed)] == [
        ("sw-1", "failed", swap.PROPOSER_GONE)
    ]


def test_a_shift_swap_filled_in_by_hand_is_not_heard_as_a_swap_decision(tables: Tables) -> None:
    template = next(t for t in tables.templates.values() if t.code == "shift_swap")
    form = {"colleague": "n2", "my_shift": "2027-01-05", "swap_id": "sw-1", "period_id": "p-2027-01"}
    made = approvals.submit(
        Principal(tenant=T, user="n1"),
        SubmitApproval(template_id=template.id, form=form),
        "req",
        None,
        store=FakeStore(T, tables=tables),
        directory=_directory(),
    )
    act(tables, "n2", made.id, "approve")
    act(tables, "hn", made.id, "approve")
    assert decided(tables) == []  # its id is not the swap's: nothing in scheduling waits for it


def cancelled(swap_id: str = "sw-1", by: str = "n1") -> EventEnvelope:
    return ROSTER_SWAP_CANCELLED.envelope(T, SwapCancelled(swap_id=swap_id, period_id="p-2027-01", by=by))


def withdraw(tables: Tables, envelope: EventEnvelope) -> FakeStore:
    store = FakeStore(T, tables=tables)
    swap_service.withdraw_approval(envelope, UnitOfWork("approvals"), store=store)
    return store


def box(tables: Tables, name: str, staff: str) -> list[tuple[str, str]]:
    """(approval, status) of each line of someone's list, as they page it."""
    page = inbox_service.inbox(
        Principal(tenant=T, user=staff), name, InboxQuery(), store=FakeStore(T, tables=tables)
    )
    return [(i.instance_id, i.status) for i in page.items]


def test_a_swap_cancelled_in_scheduling_is_withdrawn_even_after_the_colleague_accepted(
    tables: Tables,
) -> None:
    consume(tables, requested())
    instance_id = swap.instance_id("sw-1")
    act(tables, "n2", instance_id, "approve", "可以")
    assert box(tables, "pending", "hn") == [(instance_id, "pending")]
    # the template lets her withdraw only before the first approval: by hand, now, she may not
    with pytest.raises(Conflict):
        act(tables, "n1", instance_id, "withdraw")
    store = withdraw(tables, cancelled())
    assert store.uow.commits == 1
    stored = tables.approvals[(T, instance_id)]
    assert stored.instance.status == "withdrawn"
    assert box(tables, "pending", "hn") == []  # the head nurse no longer has it to decide
    assert box(tables, "submitted", "n1") == [(instance_id, "withdrawn")]  # the nurse sees it withdrawn
    assert [k for k in tables.timers if k[1] == instance_id] == []
    last = tables.records[(T, instance_id, stored.instance.records)].command
    assert (last.action, last.actor, last.comment, last.called_off) == (
        "withdraw",
        "n1",
        swap.CANCELLED,
        True,
    )
    assert [e.type for e in tables.outbox if e.type.startswith("approval.instance")][-1] == (
        "approval.instance.withdrawn"
    )
    (answer,) = decided(tables)
    assert (answer["outcome"], answer["reason"], answer["by"]) == ("withdrawn", swap.CANCELLED, "n1")
    # heard again (a redelivery past the inbox marker): nothing more is recorded or said
    records, events = len(tables.records), len(tables.outbox)
    assert withdraw(tables, cancelled()).uow.commits == 0
    assert (len(tables.records), len(tables.outbox)) == (records, events)
    # and the head nurse approving it now is refused: it has ended
    with pytest.raises(Conflict):
        act(tables, "hn", instance_id, "approve")


def test_a_cancel_after_the_swap_was_decided_or_never_started_changes_nothing(tables: Tables) -> None:
    consume(tables, requested())
    instance_id = swap.instance_id("sw-1")
    act(tables, "n2", instance_id, "approve")
    act(tables, "hn", instance_id, "approve")
    events = len(tables.outbox)
    assert withdraw(tables, cancelled()).uow.commits == 0
    assert tables.approvals[(T, instance_id)].instance.status == "approved"
    assert withdraw(tables, cancelled("sw-unknown")).uow.commits == 0
    assert len(tables.outbox) == events and len(tables.approvals) == 1
