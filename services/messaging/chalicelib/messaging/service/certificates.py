"""Certificate reminders: ``certificate.expiring`` is published 30 days before a certificate expires.

A reminder item per certificate sits in a due index and is kept in step with the staff record in the
same transaction (``service/directory.py``, through the store's ``reminders``); a daily sweep publishes
the event and removes the reminder, both in one transaction, so each certificate is announced once.

The sweep takes the store it works on (``store=``); left out, ``service/wiring.py`` gives the DynamoDB one.
"""

from __future__ import annotations

from datetime import date

from chalicelib.messaging.contracts.events import CERTIFICATE_EXPIRING, CertificateExpiring
from chalicelib.messaging.domain.ports import CertificateSweep
from chalicelib.messaging.service import wiring


def sweep(today: date, store: CertificateSweep | None = None) -> int:
    """Publish ``certificate.expiring`` for every reminder due by ``today``; returns how many."""
    store = store or wiring.certificate_sweep()
    published = 0
    for due in store.due(today):
        reminder = due.reminder
        event = CertificateExpiring(
            staff_id=reminder.staff_id,
            certificate_type=reminder.certificate_type,
            valid_until=date.fromisoformat(reminder.valid_until),
        )
        store.announce(due, CERTIFICATE_EXPIRING.envelope(due.tenant, event))
        published += 1
    return published
