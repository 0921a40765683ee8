"""Consuming bus events from SQS: partial batch failures (Powertools) and one effect per event id."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shared import observability
from shared.auth import Principal
from shared.errors import Conflict
from shared.events.subscription import Subscription
from shared.observability import for_service

if TYPE_CHECKING:
    from shared.events.envelope import EventEnvelope
    from shared.persistence.uow import UnitOfWork

logger = observability.logger("consumer")

Handler = Callable[["EventEnvelope", "UnitOfWork"], None]


class AlreadyProcessed(Conflict):
    pass


def envelope_from_sqs_body(body: str) -> EventEnvelope:
    """SQS bodies from an EventBridge rule target hold the whole bus event; the envelope is its detail."""
    from shared.events.envelope import EventEnvelope  # with the first batch, not at start-up

    message = json.loads(body)
    detail = message.get("detail", message)
    if isinstance(detail, str):
        detail = json.loads(detail)
    return EventEnvelope.model_validate(detail)


def handle_once(subscription: Subscription, envelope: EventEnvelope, handler: Handler) -> bool:
    """Apply ``handler`` in a unit of work with an inbox marker; a repeat of the same event id is a no-op."""
    # With the first batch, not when the function starts (see shared.app).
    from shared.persistence.models import now_utc, service_item_models, tenant_key
    from shared.persistence.uow import UnitOfWork

    inbox_cls = service_item_models(subscription.service)["inbox"]
    ttl = int((now_utc() + timedelta(days=14)).timestamp())
    marker = inbox_cls(
        tenant_key(envelope.tenant, "inbox"),
        f"{subscription.name}#{envelope.id}",
        entity="inbox",
        tenant=envelope.tenant,
        expires_at=ttl,
    )
    principal = Principal(tenant=envelope.tenant, user=f"service:{subscription.service}", kind="service")
    with UnitOfWork(service=subscription.service, principal=principal, request_id=envelope.id) as uow:
        # The marker goes in first: on a repeat every condition may fail, and the first failing write
        # names the outcome — it must say "already processed", not the handler's own "already exists".
        uow.create(marker, on_conflict=AlreadyProcessed("event already processed"))
        handler(envelope, uow)
        try:
            uow.commit()
        except AlreadyProcessed:
            logger.info("duplicate event skipped", extra={"event_id": envelope.id, "type": envelope.type})
            return False
    return True


def check_payload(envelope: EventEnvelope) -> None:
    """Refuse, before any effect, an event whose type, schema version or data the catalog does not accept:
    that message alone fails (retried, then the DLQ), logged with its id."""
    from pydantic import ValidationError

    from shared.events.envelope import UnknownSchema
    from shared.events.published import event_type

    known = event_type(envelope.type)
    try:
        if known is None:
            raise UnknownSchema(f"event {envelope.id}: {envelope.type} is not in the published catalog")
        known.parse(envelope)
    except (UnknownSchema, ValidationError) as exc:
        logger.error(
            "event refused: unknown schema or invalid data",
            extra={"event_id": envelope.id, "type": envelope.type, "schema_version": envelope.schema_version},
        )
        raise UnknownSchema(str(exc)) from exc


def consume_batch(event: dict[str, Any], subscription: Subscription, handler: Handler) -> dict[str, Any]:
    """Process an SQS batch; failed records are reported back so only they are retried (then DLQ)."""
    # Imported when a batch arrives, not when an API function starts.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: SQSRecord) -> None:
        envelope = envelope_from_sqs_body(record.body)
        if envelope.type not in subscription.event_types:
            logger.warning("unexpected event type ignored", extra={"type": envelope.type})
            return
        check_payload(envelope)
        applied = handle_once(subscription, envelope, handler)
        metrics.add_metric(name="EventsApplied" if applied else "DuplicateEvents", unit="Count", value=1)

    metrics = for_service(subscription.service).metrics
    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor))
