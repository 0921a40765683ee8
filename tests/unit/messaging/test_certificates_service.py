"""The certificate sweep on the in-memory fakes (no AWS): ``certificate.expiring`` once per certificate,
30 days before it expires, from the reminders the directory keeps in step with each staff record.

``tests/service/test_directory_changes.py`` keeps the sweep end to end on moto (the staff route, the
due index, the outbox); ``tests/service/test_messaging_store.py`` checks the fake against the DynamoDB
store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.messaging.contracts.directory import CreateStaff, UpdateStaff
from chalicelib.messaging.domain.records import DepartmentRecord, DueReminder, Reminder
from chalicelib.messaging.service import certificates, directory

from shared.auth import Principal
from shared.errors import Conflict
from tests.unit.messaging.fakes import FakeCertificateSweep, FakeDirectoryStore, FakePersonalData, Tables

TODAY = date(2026, 12, 1)
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def admin(tenant: str) -> Principal:
    return Principal(tenant=tenant, user="admin-1", roles=frozenset({"hospital_admin"}))


def hire(tables: Tables, tenant: str, number: str, *certs: tuple[str, date]) -> Any:
    """A member of staff with these certificates (type, valid until), through the directory's use case."""
    tables.departments.setdefault(
        (tenant, "d1"), DepartmentRecord("d1", "护理部", "department", None, AT, AT, version=1)
    )
    cmd = CreateStaff.model_validate(
        {
            "name": "周护士",
            "employee_no": number,
            "department_id": "d1",
            "certificates": [
                {"type": t, "number": f"N-{t}", "valid_until": until.isoformat()} for t, until in certs
            ],
        }
    )
    store = FakeDirectoryStore(tenant, tables, admin(tenant), "req-1")
    return directory.create_staff(admin(tenant), cmd, "req-1", store=store, personal_data=FakePersonalData())


def announced(sweep: FakeCertificateSweep) -> list[tuple[str, str, str, str]]:
    return [
        (e.tenant, e.data["staff_id"], e.data["certificate_type"], e.data["valid_until"])
        for e in sweep.published
    ]


def test_each_certificate_is_announced_once_thirty_days_before_it_expires() -> None:
    tables = Tables()
    soon, later = TODAY + timedelta(days=40), TODAY + timedelta(days=400)
    nurse = hire(tables, "t-a", "C1", ("护士执业证书", soon), ("BLS", later))
    sweep = FakeCertificateSweep(tables)
    assert certificates.sweep(TODAY + timedelta(days=5), store=sweep) == 0 and sweep.published == []
    assert certificates.sweep(TODAY + timedelta(days=10), store=sweep) == 1  # 30 days before: due that day
    assert announced(sweep) == [("t-a", nurse.id, "护士执业证书", soon.isoformat())]
    assert certificates.sweep(TODAY + timedelta(days=12), store=sweep) == 0  # announced once
    assert sweep.published[0].type == "certificate.expiring"


def test_a_renewal_replaces_the_reminders_of_the_certificates_it_drops() -> None:
    tables = Tables()
    soon, later = TODAY + timedelta(days=40), TODAY + timedelta(days=400)
    nurse = hire(tables, "t-a", "C1", ("护士执业证书", soon), ("BLS", later))
    renewed = (TODAY + timedelta(days=800)).isoformat()
    cmd = UpdateStaff(
        version=1, certificates=[{"type": "护士执业证书", "number": "N-002", "valid_until": renewed}]
    )
    store = FakeDirectoryStore("t-a", tables, admin("t-a"), "req-2")
    directory.update_staff(
        admin("t-a"), nurse.id, cmd, "req-2", store=store, personal_data=FakePersonalData()
    )
    sweep = FakeCertificateSweep(tables)
    assert certificates.sweep(TODAY + timedelta(days=500), store=sweep) == 0  # BLS went with its certificate
    assert certificates.sweep(TODAY + timedelta(days=771), store=sweep) == 1
    assert announced(sweep) == [("t-a", nurse.id, "护士执业证书", renewed)]


def test_every_hospitals_due_reminders_soonest_first_each_under_its_own_hospital() -> None:
    tables = Tables()
    b = hire(tables, "t-b", "C1", ("BLS", TODAY + timedelta(days=31)))
    a = hire(tables, "t-a", "C1", ("ACLS", TODAY + timedelta(days=32)), ("BLS", TODAY + timedelta(days=31)))
    sweep = FakeCertificateSweep(tables)
    assert certificates.sweep(TODAY + timedelta(days=2), store=sweep) == 3
    assert [(t, s, c) for t, s, c, _ in announced(sweep)] == [
        ("t-a", a.id, "BLS"),
        ("t-b", b.id, "BLS"),
        ("t-a", a.id, "ACLS"),
    ]
    assert tables.reminders == {}


def test_a_reminder_removed_meanwhile_stops_the_sweep_without_announcing_it() -> None:
    tables = Tables()
    hire(tables, "t-a", "C1", ("BLS", TODAY + timedelta(days=31)))
    sweep = FakeCertificateSweep(tables)
    (due,) = sweep.due(TODAY + timedelta(days=1))
    tables.reminders.clear()  # the certificate was removed between the read and the announcement

    class Stale(FakeCertificateSweep):
        def due(self, today: date) -> list[DueReminder]:
            return [due]

    stale = Stale(tables)
    with pytest.raises(Conflict):
        certificates.sweep(TODAY + timedelta(days=1), store=stale)
    assert stale.published == []


def test_nothing_due_publishes_nothing() -> None:
    sweep = FakeCertificateSweep(Tables())
    assert certificates.sweep(TODAY, store=sweep) == 0
    far = Reminder("s1#BLS#N#2030-01-01", "s1", "BLS", "2030-01-01", date(2029, 12, 2))
    sweep.directory.reminders[("t-a", far.key)] = far
    assert certificates.sweep(TODAY, store=sweep) == 0 and sweep.published == []
