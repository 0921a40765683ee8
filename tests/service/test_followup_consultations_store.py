"""Consultations' repository: the same checks on the DynamoDB adapter (on moto) and on the in-memory fake the
use-case tests run on — create-only, revision-checked saves with the in-box rows following, boards by
due time, one hospital never seeing another's copies, SLA settings and counters — and the SLA timers
surviving a restart: a consultation asked in one process is escalated by the sweep of a fresh one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.contracts import consultations as models
from chalicelib.followup.domain.consultations import Consultation, SlaSettings
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.service import consultations, timers, wiring

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.followup.fakes import FakeDirectory, FakePeers, FakeStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
STALE = Conflict("stale")
Write = Callable[[Callable[[Any], None]], None]
Opener = Callable[[str], tuple[Any, Write]]


def _principal(tenant: str) -> Principal:
    return Principal(tenant=tenant, user="doc", kind="staff", staff_id="doc", staff_name="医生")


def _dynamo(tenant: str) -> tuple[Any, Write]:
    def write(change: Callable[[Any], None]) -> None:
        with UnitOfWork("followup", _principal(tenant), "test") as uow:
            change(DynamoStore(tenant, uow, _principal(tenant)))
            uow.commit()

    return DynamoStore(tenant, None, _principal(tenant), "test"), write


_TABLES = Tables()


def _fake(tenant: str) -> tuple[Any, Write]:
    store = FakeStore(tenant, tables=_TABLES, principal=_principal(tenant))

    def write(change: Callable[[Any], None]) -> None:
        with store.uow as uow:
            change(store)
            uow.commit()

    return store, write


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield _dynamo
    else:
        yield _fake


def _consultation(cid: str, due: datetime, departments: list[str], **kw: Any) -> Consultation:
    return Consultation(
        id=cid,
        scope="local",
        from_hospital_id="x",
        to_hospital_id="x",
        patient_id="p1",
        patient_label="张*",
        from_department_id="card",
        requested_by="doc",
        urgency="mdt" if len(departments) > 1 else "ordinary",
        department_ids=departments,
        question="q",
        requested_at=AT,
        due_at=due,
        updated_at=AT,
        **kw,
    )


def test_copies_boards_settings_and_counters(opener: Opener) -> None:
    tenant, other = f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"
    store, write = opener(tenant)
    later = _consultation("c-later", AT + timedelta(hours=2), ["neuro"])
    sooner = _consultation("c-sooner", AT + timedelta(hours=1), ["neuro", "surg"])
    write(lambda s: s.consultations.add(later, STALE))
    write(lambda s: s.consultations.add(sooner, STALE))
    with pytest.raises(Conflict):
        write(lambda s: s.consultations.add(later, Conflict("taken")))
    assert store.consultations.get("c-later").question == "q"
    # the in-box of each target department, the earliest due first; the out-box of the requesting one
    assert [c.id for c in store.consultations.box("in", "neuro", "open", 10, None)[0]] == [
        "c-sooner",
        "c-later",
    ]
    assert [c.id for c in store.consultations.box("in", "surg", "open", 10, None)[0]] == ["c-sooner"]
    assert [c.id for c in store.consultations.box("out", "card", "open", 10, None)[0]] == [
        "c-sooner",
        "c-later",
    ]
    # a save moves it on every board, over the revision read only
    answered = later.model_copy(update={"state": "answered"})
    write(lambda s: s.consultations.save(answered, STALE))
    with pytest.raises(Conflict):
        write(lambda s: s.consultations.save(answered, STALE))
    assert [c.id for c in store.consultations.box("in", "neuro", "open", 10, None)[0]] == ["c-sooner"]
    assert [c.id for c in store.consultations.box("in", "neuro", "answered", 10, None)[0]] == ["c-later"]
    assert store.consultations.get("c-later").revision == 1
    # another hospital sees none of it
    theirs, _ = opener(other)
    assert theirs.consultations.get("c-later") is None
    assert theirs.consultations.box("in", "neuro", "open", 10, None)[0] == []
    # settings (create, then over the revision) and counters (atomic adds, one Query a month)
    assert store.consultations.settings() is None
    write(lambda s: s.consultations.put_settings(SlaSettings(emergency_minutes=20), STALE))
    with pytest.raises(Conflict):
        write(lambda s: s.consultations.put_settings(SlaSettings(), STALE))
    assert store.consultations.settings().emergency_minutes == 20
    write(lambda s: s.consultations.count("neuro", "2026-12", {"requested": 2, "on_time": 1}))
    write(lambda s: s.consultations.count("neuro", "2026-12", {"requested": -1, "answered": 1}))
    stats = store.consultations.stats("2026-12")
    assert (stats["neuro"].requested, stats["neuro"].answered, stats["neuro"].on_time) == (1, 1, 1)
    assert theirs.consultations.stats("2026-12") == {}


def test_an_emergency_asked_before_a_restart_is_escalated_by_a_fresh_processs_sweep(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    d = FakeDirectory()
    d.add_unit(tenant, "card", "心血管内科")
    d.add_unit(tenant, "neuro", "神经内科")
    d.add_person(tenant, "doc", "冯志远", "card", "doctor")
    d.add_person(tenant, "neuro1", "王神经", "neuro", "doctor")
    doctor = Principal(tenant, "doc", "staff", frozenset({"doctor"}), staff_id="doc", staff_name="冯志远")
    with UnitOfWork("followup", doctor, "set-up") as uow:
        DynamoStore(tenant, uow, doctor).patients.add(_patient(), Conflict("taken"))
        uow.commit()
    now = datetime.now(UTC)
    store = DynamoStore(tenant, UnitOfWork("followup", doctor, "ask"), doctor, "ask")
    body = models.NewConsultation(
        patient_id="p1", urgency="emergency", department_ids=["neuro"], question="q"
    )
    made = consultations.request(doctor, body, store=store, directory=d, peers=FakePeers(), now=now)
    del store  # the process that asked is gone; only the items remain

    monkeypatch.setattr(wiring, "directory", lambda: d)
    monkeypatch.setattr(wiring, "consultation_peers", FakePeers)
    timers.fire_due(now + timedelta(minutes=10, seconds=1))
    fresh = DynamoStore(tenant, None, doctor)
    seen = fresh.consultations.get(made.id)
    assert seen is not None and seen.overdue_at is not None and seen.reminded_at is not None
    assert seen.escalated_to == ["neuro1"]  # no one on duty, no head: the department's doctors
    assert fresh.timers.of_subject("consultation", made.id) == []


def _patient() -> Patient:
    return Patient(
        id="p1",
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "", "address": ""},
        sealed={"name": "sealed"},
        id_number_index=f"idn-{uuid.uuid4().hex}",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id="card",
        created_at=AT,
        updated_at=AT,
    )
