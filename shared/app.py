"""Builds a service's Chalice app: its blueprints, health and OpenAPI routes, observability middleware."""

from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint, Chalice, ConvertToMiddleware, Response  # type: ignore[attr-defined]

from shared import aws, openapi
from shared.events.consumer import Subscription
from shared.events.envelope import EventType
from shared.events.relay import outbox_envelopes, publish
from shared.http import ServiceAPI
from shared.observability import for_service
from shared.settings import get_settings


def relay_outbox(event: dict[str, Any], context: Any = None) -> dict[str, int]:
    """The stream trigger of a service table: publish its new outbox items on the province bus."""
    envelopes = outbox_envelopes(event)
    published = publish(envelopes, aws.client("events"), get_settings().event_bus_name) if envelopes else 0
    if envelopes:
        for_service(envelopes[0].source).metrics.add_metric(
            name="EventsPublished", unit="Count", value=published
        )
    return {"published": published}


def create_app(
    service: str,
    apis: list[ServiceAPI],
    *,
    event_blueprints: tuple[Blueprint, ...] = (),
    event_types: tuple[EventType, ...] = (),
    subscriptions: tuple[Subscription, ...] = (),
) -> Chalice:
    """The app and what the local runtime and the stacks need to know of it (events, consumers, routes)."""
    app = Chalice(app_name=f"fh-{service}")
    obs = for_service(service)
    app.register_middleware(ConvertToMiddleware(obs.logger.inject_lambda_context(clear_state=True)))
    # Chalice applies these decorators per invocation, so the tracer and metrics are built on first use.
    app.register_middleware(ConvertToMiddleware(lambda handler: obs.tracer.capture_lambda_handler(handler)))
    app.register_middleware(ConvertToMiddleware(lambda handler: obs.metrics.log_metrics(handler)))

    meta = ServiceAPI(service, f"shared.app.{service}")
    routes = [route for api in apis for route in api.routes]
    document: dict[str, Any] = {}

    @meta.route("/health", summary="Liveness check", public=True)
    def health(ctx: Any) -> dict[str, str]:
        return {"service": service, "status": "ok"}

    @meta.blueprint.route("/openapi.json", methods=["GET"])
    def openapi_document() -> Response:
        if not document:
            document.update(openapi.build(service, routes + meta.routes))
        return Response(
            body=json.dumps(document, ensure_ascii=False), headers={"Content-Type": "application/json"}
        )

    relay = Blueprint(f"shared.app.{service}.relay")
    relay.lambda_function(name="relay")(relay_outbox)

    for api in (meta, *apis):
        app.register_blueprint(api.blueprint)
    for blueprint in (relay, *event_blueprints):
        app.register_blueprint(blueprint)
    app.fh_service = service  # type: ignore[attr-defined]
    app.fh_routes = routes + meta.routes  # type: ignore[attr-defined]
    app.fh_event_types = event_types  # type: ignore[attr-defined]
    app.fh_subscriptions = subscriptions  # type: ignore[attr-defined]
    return app
