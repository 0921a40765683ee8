"""The task board's records on DynamoDB: the call log, the sweep's marks, the province's hospitals.

- A call entry is the patient's: ``<t>#patient#<patient_id>`` / ``call#<task_id>#<call_id>``, so a task's
  calls are one Query of the patient's partition and a purge removes them with the patient.
- A due notice (the sweep announced the task) is the patient's too: ``due#<task_id>``, create-only, gone by
  TTL a year after the due date.
- A sweep's progress for one local day: ``<t>#sweep`` / ``day#<date>``, gone by TTL after a month.
- The hospitals come from the province's index of tenants (``shared.directory.hospitals``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from chalicelib.followup.adapters.dynamodb import Codec, Keys, patient_partition, writes
from chalicelib.followup.domain.board import CallEntry, DueNotice, SweepProgress

from shared import directory
from shared.errors import DomainError
from shared.persistence.models import tenant_key
from shared.persistence.uow import UnitOfWork


def _expiry(day: date, days: int) -> int:
    return int((datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=days)).timestamp())


def _call_keys(tenant: str) -> Callable[[CallEntry], Keys]:
    def keys(c: CallEntry) -> Keys:
        return Keys(patient_partition(tenant, c.patient_id), f"call#{c.task_id}#{c.id}", {})

    return keys


@dataclass
class DynamoCalls:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[CallEntry]:
        return Codec(self.tenant, _call_keys(self.tenant), CallEntry, "task_call")

    def add(self, entry: CallEntry) -> None:
        self.codec.add(self.uow, entry)

    def get(self, task_id: str, call_id: str) -> CallEntry | None:
        if not call_id.startswith(task_id.split("-", 1)[0] + "-"):
            return None  # a call of another patient's partition (or none): not this task's
        return self.codec.get(
            patient_partition(self.tenant, task_id.split("-", 1)[0]), f"call#{task_id}#{call_id}"
        )

    def of_task(self, task_id: str, limit: int) -> list[CallEntry]:
        partition = patient_partition(self.tenant, task_id.split("-", 1)[0])
        rows, _ = self.codec.page(partition, limit, None, sk_prefix=f"call#{task_id}#", newest_first=True)
        return list(rows)


def _notice_keys(tenant: str) -> Callable[[DueNotice], Keys]:
    def keys(n: DueNotice) -> Keys:
        return Keys(
            patient_partition(tenant, n.patient_id), f"due#{n.task_id}", {}, expires_at=_expiry(n.due, 366)
        )

    return keys


def _progress_keys(tenant: str) -> Callable[[SweepProgress], Keys]:
    def keys(p: SweepProgress) -> Keys:
        return Keys(
            tenant_key(tenant, "sweep"), f"day#{p.day.isoformat()}", {}, expires_at=_expiry(p.day, 31)
        )

    return keys


@dataclass
class DynamoSweepMarks:
    tenant: str
    uow: UnitOfWork | None

    def announce(self, notice: DueNotice, taken: DomainError) -> None:
        Codec(self.tenant, _notice_keys(self.tenant), DueNotice, "task_due_notice").add(
            self.uow, notice, taken
        )

    @property
    def _progress(self) -> Codec[SweepProgress]:
        return Codec(self.tenant, _progress_keys(self.tenant), SweepProgress, "sweep_progress")

    def progress(self, day: date) -> SweepProgress | None:
        return self._progress.get(tenant_key(self.tenant, "sweep"), f"day#{day.isoformat()}")

    def save_progress(self, progress: SweepProgress, stale: DomainError) -> None:
        if progress.revision == 0:  # never stored: a stored one is read back at revision 1 or more
            writes(self.uow).create(self._progress.item(progress, 1), on_conflict=stale)
        else:
            self._progress.replace(self.uow, progress, stale)


class DynamoHospitals:
    """The province's hospitals, from the directory's province-wide index (``fh tenant add`` writes it)."""

    def all(self) -> list[tuple[str, str]]:
        return [(h.tenant, h.timezone) for h in directory.hospitals()]

    def time_zone(self, tenant: str) -> str | None:
        record = directory.hospital(tenant)
        return record.timezone if record is not None else None
