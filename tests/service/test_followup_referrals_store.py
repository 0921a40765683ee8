"""Referrals' repository: the same checks on the DynamoDB adapter (on moto) and on the in-memory fake the
use-case tests run on. Both ends of a referral are written in ONE unit of work (``store.other``), each
under its own tenant; a board is by box and state, the earliest SLA due first; a stale save conflicts;
another hospital's store finds nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.domain.referrals import Referral, ReferralConsent

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.followup.fakes import FakeStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TAKEN, STALE = Conflict("taken"), Conflict("stale")
Write = Callable[[Callable[[Any], None]], None]
Opener = Callable[[str], tuple[Callable[[str], Any], Write]]


def _principal(tenant: str) -> Principal:
    return Principal(tenant=tenant, user="doc1", kind="staff", staff_name="王医生")


def _dynamo(tenant: str) -> tuple[Callable[[str], Any], Write]:
    def write(change: Callable[[Any], None]) -> None:
        with UnitOfWork("followup", _principal(tenant), "test") as uow:
            change(DynamoStore(tenant, uow, _principal(tenant)))
            uow.commit()

    return (lambda t: DynamoStore(t, None, _principal(t), "test")), write


_TABLES = Tables()


def _fake(tenant: str) -> tuple[Callable[[str], Any], Write]:
    store = FakeStore(tenant, tables=_TABLES, principal=_principal(tenant))

    def write(change: Callable[[Any], None]) -> None:
        with store.uow as uow:
            change(store)
            uow.commit()

    return (lambda t: FakeStore(t, tables=_TABLES, principal=_principal(t))), write


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")  # moto, with the tables
        yield _dynamo
    else:
        yield _fake


def referral(a: str, b: str, minutes: int, box: str = "out") -> Referral:
    return Referral(
        id=uuid.uuid4().hex[:12],
        box=box,  # type: ignore[arg-type]
        direction="up",
        consortium_id="c1",
        from_hospital_id=a,
        to_hospital_id=b,
        patient_id="p1" if box == "out" else "",
        patient_label="张*",
        reason="胸痛",
        diagnosis_code="I20.0",
        urgency="urgent",
        to_department_id="d1",
        referrer_id="doc1",
        consent=ReferralConsent(given=True),
        sla_due_at=AT + timedelta(minutes=minutes),
        created_at=AT,
        updated_at=AT,
    )


def test_both_ends_in_one_unit_each_under_its_tenant_and_boards_by_due(opener: Opener) -> None:
    a, b, c = (f"t-{uuid.uuid4().hex[:8]}" for _ in range(3))
    read, write = opener(a)
    late, early = referral(a, b, 240), referral(a, b, 30)
    for r in (late, early):
        copy = r.model_copy(update={"box": "in", "patient_id": ""})
        write(lambda s, r=r, copy=copy: (s.referrals.add(r, TAKEN), s.other(b).referrals.add(copy, TAKEN)))
    mine, theirs, outside = read(a).referrals, read(b).referrals, read(c).referrals
    assert mine.get(early.id).box == "out" and theirs.get(early.id).box == "in"
    assert theirs.get(early.id).patient_id == ""
    assert outside.get(early.id) is None
    rows, _ = mine.box("out", "requested", 10, None)
    assert [r.id for r in rows] == [early.id, late.id]  # the earliest due first
    rows, _ = theirs.box("in", "requested", 10, None)
    assert [r.id for r in rows] == [early.id, late.id]
    assert outside.box("in", "requested", 10, None)[0] == []
    assert mine.box("in", "requested", 10, None)[0] == []
    # a page of one, then the next
    first, cursor = theirs.box("in", "requested", 1, None)
    second, _ = theirs.box("in", "requested", 1, cursor)
    assert [r.id for r in first + second] == [early.id, late.id]

    # a move: the board follows the state; a save over a stale revision conflicts
    stored = mine.get(early.id)
    write(lambda s: s.referrals.save(stored.model_copy(update={"state": "cancelled"}), STALE))
    assert [r.id for r in mine.box("out", "cancelled", 10, None)[0]] == [early.id]
    assert [r.id for r in mine.box("out", "requested", 10, None)[0]] == [late.id]
    with pytest.raises(Conflict):
        write(lambda s: s.referrals.save(stored, STALE))
    with pytest.raises(Conflict):
        write(lambda s: s.referrals.add(late, TAKEN))
