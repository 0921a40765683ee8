"""Chronic revisits on the fakes: a request enters its department's pool and its doctors are told; one
doctor claims it — exactly one of 20 at once — handles and closes it; a claim left unhandled returns to
the pool after its hold, and only if it is still the same claim."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.contracts import revisits as models
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.revisits import ClaimTaken
from chalicelib.followup.service import revisits

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.followup.fakes import FakeDirectory, FakeExpiredClaims, FakeRevisits, FakeStore

T = "t-revisits"
AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def doctor(n: int, department: str = "d1") -> Principal:
    return Principal(T, f"doc{n}", "staff", frozenset({"doctor"}), staff_id=f"doc{n}", staff_name=f"医生{n}")


PARTNER = Principal(T, "app-1", "partner", scopes=frozenset({"followup:revisits:write"}))
NURSE = Principal(T, "nurse1", "staff", frozenset({"nurse"}), staff_id="nurse1", staff_name="陈护士")
STRANGER = Principal(T, "doc99", "staff", frozenset({"doctor"}), staff_id="doc99", staff_name="外科医生")


@pytest.fixture
def world() -> tuple[FakeStore, FakeDirectory]:
    d = FakeDirectory()
    d.add_unit(T, "d1", "心血管内科")
    d.add_unit(T, "d2", "普外科")
    for n in range(1, 21):
        d.add_person(T, f"doc{n}", f"医生{n}", "d1", "doctor")
    d.add_person(T, "nurse1", "陈护士", "d1", "nurse")
    d.add_person(T, "doc99", "外科医生", "d2", "doctor")
    d.add_person(T, "gone", "离职医生", "d1", "doctor", active=False)
    store = FakeStore(T)
    with store.uow:
        store.patients.add(patient("p1"), Conflict("taken"))
        store.commit()
    return store, d


def patient(pid: str) -> Patient:
    return Patient(
        id=pid,
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed", "id_number": "sealed"},
        id_number_index=f"idn-{pid}",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id="d1",
        department_name="心血管内科",
        created_at=AT,
        updated_at=AT,
    )


def ask(store: FakeStore, d: FakeDirectory, who: Principal = PARTNER) -> tuple[models.RevisitView, FakeStore]:
    body = models.NewRevisit(patient_id="p1", department_id="d1", ask="renew", text="苯磺酸氨氯地平")
    own = store.as_caller(who)
    return revisits.create(who, body, store=own, directory=d, now=AT), own


def claim(store: FakeStore, d: FakeDirectory, who: Principal, rid: str, at: datetime = AT) -> Any:
    own = store.as_caller(who)
    return revisits.claim(who, rid, store=own, directory=d, now=at), own


def test_a_partner_apps_request_enters_the_pool_and_the_departments_doctors_are_told(world) -> None:
    store, d = world
    made, own = ask(store, d)
    assert (made.state, made.channel, made.patient_label, made.summary) == (
        "pool",
        "partner",
        "张*",
        "续方：苯磺酸氨氯地平",
    )
    (event,) = own.uow.published
    assert event.type == "followup.revisit.requested"
    assert event.data["notify"] == sorted(f"doc{n}" for n in range(1, 21))  # active doctors of d1 only
    assert event.data["patient_label"] == "张*" and "sealed" not in str(event.data)
    page = revisits.list_revisits(
        doctor(1), models.RevisitsQuery(department_id="d1"), store=store, directory=d
    )
    assert [(r.id, r.patient_label, r.department_name) for r in page.items] == [
        (made.id, "张*", "心血管内科")
    ]
    with pytest.raises(Forbidden):  # another department's pool is not theirs
        revisits.list_revisits(STRANGER, models.RevisitsQuery(department_id="d1"), store=store, directory=d)
    without = Principal(T, "app-2", "partner")
    with pytest.raises(Forbidden):
        ask(store, d, without)
    with pytest.raises(NotFound):  # staff on the patient's behalf must reach the patient
        ask(store, d, STRANGER)
    by_phone, _ = ask(store, d, NURSE)
    assert (by_phone.channel, by_phone.requested_by_name) == ("staff", "陈护士")


def test_one_doctor_claims_handles_and_closes_and_the_others_are_told_who_has_it(world) -> None:
    store, d = world
    made, _ = ask(store, d)
    claimed, own = claim(store, d, doctor(1), made.id)
    assert (claimed.state, claimed.doctor_id, claimed.doctor_name) == ("claimed", "doc1", "医生1")
    assert claimed.claim_expires_at == AT + timedelta(minutes=30)
    assert [e.type for e in own.uow.published] == ["followup.revisit.claimed"]
    with pytest.raises(ClaimTaken, match="claimed by 医生1"):
        claim(store, d, doctor(2), made.id)
    with pytest.raises(Forbidden):  # only the claimant closes or releases it
        revisits.close(
            doctor(2),
            made.id,
            models.CloseRevisit(resolution="called"),
            store=store.as_caller(doctor(2)),
            directory=d,
        )
    with pytest.raises(NotFound):  # another department's doctor does not see it at all
        claim(store, d, STRANGER, made.id)
    with pytest.raises(RuleViolation):  # a renewal names its prescription note
        revisits.close(
            doctor(1),
            made.id,
            models.CloseRevisit(resolution="renewed"),
            store=store.as_caller(doctor(1)),
            directory=d,
        )

    back = revisits.release(
        doctor(1), made.id, store=(own := store.as_caller(doctor(1))), directory=d, now=AT
    )
    assert (back.state, back.doctor_id) == ("pool", "")
    assert [e.type for e in own.uow.published] == ["followup.revisit.requested"]  # the pool is told again
    claim(store, d, doctor(2), made.id)
    body = models.CloseRevisit(resolution="renewed", prescription_note="苯磺酸氨氯地平 5mg qd ×28天")
    own = store.as_caller(doctor(2))
    closed = revisits.close(doctor(2), made.id, body, store=own, directory=d, now=AT)
    assert (closed.state, closed.resolution, closed.doctor_name, closed.claims) == (
        "closed",
        "renewed",
        "医生2",
        2,
    )
    (event,) = own.uow.published
    assert (event.type, event.data["resolution"], event.data["doctor_id"]) == (
        "followup.revisit.closed",
        "renewed",
        "doc2",
    )
    with pytest.raises(ClaimTaken, match="closed"):
        claim(store, d, doctor(3), made.id)
    listed = revisits.list_revisits(
        doctor(1), models.RevisitsQuery(department_id="d1", state="closed"), store=store, directory=d
    )
    assert [r.id for r in listed.items] == [made.id]


def test_twenty_doctors_claim_one_request_at_once_and_exactly_one_wins(world, monkeypatch) -> None:
    """Every doctor reads the request in the pool before any claim is written (a barrier), so the race
    is decided by the conditional write alone: one lands, 19 are told who won."""
    store, d = world
    made, _ = ask(store, d)
    barrier = threading.Barrier(20, timeout=10)
    waited = threading.local()
    read = FakeRevisits.get

    def get_then_wait(self: FakeRevisits, revisit_id: str) -> Any:
        found = read(self, revisit_id)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(FakeRevisits, "get", get_then_wait)

    def attempt(n: int) -> tuple[str, str]:
        try:
            won, _ = claim(store, d, doctor(n), made.id)
            return "won", won.doctor_name
        except ClaimTaken as exc:
            return "409", exc.holder_name

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(attempt, range(1, 21)))
    winners = [name for kind, name in outcomes if kind == "won"]
    assert len(winners) == 1
    assert sorted(kind for kind, _ in outcomes) == ["409"] * 19 + ["won"]
    assert {name for kind, name in outcomes if kind == "409"} == set(winners)  # each loser told who
    stored = store.tables.revisits[(T, made.id)]
    assert (stored.state, stored.doctor_name, stored.claims, stored.revision) == ("claimed", winners[0], 1, 1)


def test_an_unhandled_claim_returns_to_the_pool_after_its_hold_and_the_pool_is_told_again(world) -> None:
    store, d = world
    made, _ = ask(store, d)
    handled, _ = ask(store, d)
    claim(store, d, doctor(1), made.id)
    claim(store, d, doctor(2), handled.id)
    system = store.as_caller(Principal(T, "system:followup", "service"))
    opened: list[FakeStore] = []

    def stores(tenant: str) -> FakeStore:
        opened.append(system.as_caller(Principal(tenant, "system:followup", "service")))
        return opened[-1]

    claims = FakeExpiredClaims(store.tables)
    assert revisits.return_expired_claims(AT + timedelta(minutes=29), claims, stores, d) == 0
    revisits.close(
        doctor(2),
        handled.id,
        models.CloseRevisit(resolution="called"),
        store=store.as_caller(doctor(2)),
        directory=d,
    )
    assert revisits.return_expired_claims(AT + timedelta(minutes=31), claims, stores, d) == 1
    back = store.tables.revisits[(T, made.id)]
    assert (back.state, back.doctor_id, back.claim_expires_at) == ("pool", "", None)
    assert store.tables.revisits[(T, handled.id)].state == "closed"  # handled in time: stays closed
    (event,) = [e for s in opened for e in s.uow.published]
    assert event.type == "followup.revisit.requested" and "doc1" in event.data["notify"]
    assert revisits.return_expired_claims(AT + timedelta(minutes=40), claims, stores, d) == 0  # once


def test_the_sweep_returns_a_claim_only_if_it_is_still_the_same_claim(world) -> None:
    """The index is read, then the claimant closes it: the sweep's conditional write finds it changed."""
    store, d = world
    made, _ = ask(store, d)
    claim(store, d, doctor(1), made.id)
    seen = FakeExpiredClaims(store.tables).due(AT + timedelta(hours=1), 10)
    revisits.close(
        doctor(1),
        made.id,
        models.CloseRevisit(resolution="called"),
        store=store.as_caller(doctor(1)),
        directory=d,
    )

    class Stale:
        def due(self, now: datetime, limit: int) -> list[Any]:
            return seen

    sweeper = Principal(T, "system:followup", "service")
    assert (
        revisits.return_expired_claims(
            AT + timedelta(hours=1), Stale(), lambda t: store.as_caller(sweeper), d
        )
        == 0
    )
    assert store.tables.revisits[(T, made.id)].state == "closed"


def test_a_patients_link_asks_through_the_same_use_case_and_the_hold_is_configurable(
    world, monkeypatch
) -> None:
    from shared.settings import reset_settings

    store, d = world
    link = Principal(T, "link-abc", "patient")
    own = store.as_caller(link)
    made = revisits.request_revisit(
        link,
        store.patients.get("p1"),
        "d1",
        "question",
        "血压偏高怎么办",
        "link",
        store=own,
        directory=d,
        now=AT,
    )
    assert (made.state, made.channel, made.requested_by_name, made.summary) == (
        "pool",
        "link",
        "患者",
        "咨询：血压偏高怎么办",
    )
    assert [e.type for e in own.uow.published] == ["followup.revisit.requested"]
    with pytest.raises(RuleViolation):  # a department of no such name in this hospital
        revisits.request_revisit(
            link, store.patients.get("p1"), "d9", "book", "", "link", store=own, directory=d
        )

    monkeypatch.setenv("FH_FOLLOWUP_REVISIT_CLAIM_MINUTES", "45")
    reset_settings()
    try:
        claimed, _ = claim(store, d, doctor(1), made.id)
    finally:
        monkeypatch.delenv("FH_FOLLOWUP_REVISIT_CLAIM_MINUTES")
        reset_settings()
    assert claimed.claim_expires_at == AT + timedelta(minutes=45)


class _Reason:
    def __init__(self, code: str):
        self.code = code


class _Cancelled(Exception):
    """What PynamoDB raises when DynamoDB cancels a transaction (its reasons, one per item)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.cancellation_reasons = [_Reason(code)]


def _failing_once(monkeypatch: pytest.MonkeyPatch, code: str) -> list[int]:
    """The next commit fails as DynamoDB would with ``code`` (its unit of work discarded, as a request's is)."""
    from shared.errors import TransientStoreError

    failed: list[int] = []
    commit = FakeStore.commit

    def flaky(self: FakeStore) -> None:
        if not failed:
            failed.append(1)
            self.uow.staged.clear()
            self.uow.checks.clear()
            self.uow.events.clear()
            raise TransientStoreError("the store is busy, retry shortly") from _Cancelled(code)
        commit(self)

    monkeypatch.setattr(FakeStore, "commit", flaky)
    return failed


def test_a_claim_cancelled_as_a_transaction_conflict_is_read_again_and_retried(world, monkeypatch) -> None:
    """Under DynamoDB two concurrent transactions on one item may both be cancelled (TransactionConflict,
    not a failed condition): neither landed, so the request is read again and the claim tried again."""
    store, d = world
    made, _ = ask(store, d)
    failed = _failing_once(monkeypatch, "TransactionConflict")
    claimed, own = claim(store, d, doctor(1), made.id)
    assert failed and (claimed.state, claimed.doctor_name) == ("claimed", "医生1")
    assert store.tables.revisits[(T, made.id)].revision == 1  # written once
    assert [e.type for e in own.uow.published] == ["followup.revisit.claimed"]


def test_a_throttled_claim_is_the_callers_to_retry(world, monkeypatch) -> None:
    from shared.errors import TransientStoreError

    store, d = world
    made, _ = ask(store, d)
    _failing_once(monkeypatch, "ThrottlingError")
    with pytest.raises(TransientStoreError):  # a 503 with Retry-After
        claim(store, d, doctor(1), made.id)
    assert store.tables.revisits[(T, made.id)].state == "pool"
