"""The daily figures kept from the event stream: each counted event adds its contributions to the
hospital's day (``domain/sources.py`` says which), in the consumer's transaction with its inbox marker —
so a redelivered or replayed event (the same id) changes nothing."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from chalicelib.reports.domain import sources
from chalicelib.reports.domain.ports import Store
from chalicelib.reports.service import wiring

from shared.events.envelope import EventEnvelope, UnknownSchema
from shared.events.published import event_type
from shared.persistence.uow import UnitOfWork


def record(envelope: EventEnvelope, store: Store, zone: ZoneInfo) -> int:
    """Stage the event's contributions to its days; returns how many days it adds to. The event is parsed
    with the catalog's model (an unknown type or schema version is refused before any effect)."""
    known = event_type(envelope.type)
    if known is None:
        raise UnknownSchema(f"event {envelope.id}: {envelope.type} is not in the published catalog")
    data = known.parse(envelope)
    made = sources.contributions(envelope.type, data, envelope, zone)
    for contribution in made:
        store.days.add(contribution)
    return len(made)


def count(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    """The consumers' handler: the hospital's store in the consumer's unit of work, in its zone."""
    record(envelope, wiring.consumer_store(envelope.tenant, uow), wiring.zone(envelope.tenant))
