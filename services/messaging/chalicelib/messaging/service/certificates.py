"""Certificate reminders: ``certificate.expiring`` is published 30 days before a certificate expires.

A reminder item per certificate sits in a due index and is kept in step with the staff record in the
same transaction (``service/directory.py``, through the store's ``reminders``); a daily sweep publishes
the event and removes the reminder, both in one transaction, so each certificate is announced once.
"""

from __future__ import annotations

from datetime import date

from chalicelib.messaging.adapters import dynamodb
from chalicelib.messaging.adapters.dynamodb import CertificateReminder
from chalicelib.messaging.contracts.events import CERTIFICATE_EXPIRING, CertificateExpiring

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork


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
