"""Certificate reminders: ``certificate.expiring`` is published 30 days before a certificate expires.

A reminder item per certificate sits in a due index and is kept in step with the staff record in the
same transaction; a daily sweep publishes the event and removes the reminder, both in one transaction,
so each certificate is announced once.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from chalicelib.messaging.adapters import dynamodb
from chalicelib.messaging.adapters.dynamodb import CERTIFICATE_DUE_INDEX, CertificateReminder
from chalicelib.messaging.contracts.events import CERTIFICATE_EXPIRING, CertificateExpiring

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork

NOTICE = timedelta(days=30)


def _key(staff_id: str, cert: dict[str, Any]) -> str:
    return f"{staff_id}#{cert['type']}#{cert['number']}#{cert['valid_until']}"


def keep_in_step(
    uow: UnitOfWork, tenant: str, staff_id: str, before_json: str, after: list[dict[str, Any]]
) -> None:
    """Add reminders for new certificates, drop those of removed or renewed ones (same transaction)."""
    old = {_key(staff_id, c): c for c in json.loads(before_json or "[]")}
    new = {_key(staff_id, c): c for c in after}
    for key in old.keys() - new.keys():
        uow.delete(CertificateReminder(CertificateReminder.partition(tenant), key))
    for key in new.keys() - old.keys():
        cert = new[key]
        remind_on = date.fromisoformat(str(cert["valid_until"])) - NOTICE
        uow.save(
            CertificateReminder(
                CertificateReminder.partition(tenant),
                key,
                entity="certremind",
                tenant=tenant,
                staff_id=staff_id,
                certificate_type=cert["type"],
                valid_until=str(cert["valid_until"]),
                gsi1pk=CERTIFICATE_DUE_INDEX,
                gsi1sk=f"{remind_on.isoformat()}#{tenant}#{key}",
            )
        )


def sweep(today: date) -> int:
    """Publish ``certificate.expiring`` for every reminder due by ``today``; returns how many."""
    published = 0
    for reminder in dynamodb.due_certificate_reminders(today):
        principal = Principal(tenant=reminder.tenant, user="service:messaging", kind="service")
        event = CertificateExpiring(
            staff_id=reminder.staff_id,
            certificate_type=reminder.certificate_type,
            valid_until=date.fromisoformat(reminder.valid_until),
        )
        with UnitOfWork("messaging", principal) as uow:
            uow.emit(CERTIFICATE_EXPIRING.envelope(reminder.tenant, event))
            uow.delete(reminder, condition=CertificateReminder.pk.exists())
            uow.commit()
        published += 1
    return published
