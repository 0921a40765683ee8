"""The marketplace's events: an app installed in a hospital, upgraded to a version it consented to, or
uninstalled; a hospital's webhook endpoint disabled after failing. Thin: ids, names a person reads, the
consented scopes and event types — a partner fetches anything else through the APIs its scopes allow.

Each is emitted under the hospital's tenant. The lifecycle events (``app.*``) are also delivered to the
installation's own endpoint, whatever its scopes (``shared.scopes.LIFECYCLE_EVENTS``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.events.envelope import EventType


class InstallationChanged(BaseModel):
    installation_id: str
    app_id: str
    app_name: str
    partner: str = Field(description="the partner organisation (its tenant id)")
    partner_name: str = ""
    version: int = Field(description="the app version the hospital consented to")
    scopes: list[str] = Field(
        default_factory=list, description="the scopes consented (after an uninstall: none)"
    )
    events: list[str] = Field(default_factory=list, description="the event types consented")
    webhook_url: str | None = Field(None, description="where the installation's events are delivered")
    by: str = Field(description="who installed, upgraded or uninstalled: the hospital admin's staff id")
    by_name: str | None = None


APP_INSTALLED = EventType(
    "app.installed", "marketplace", InstallationChanged, description="A hospital installed an app (安装应用)"
)
APP_UPGRADED = EventType(
    "app.upgraded",
    "marketplace",
    InstallationChanged,
    description="A hospital consented to an app's new version (its scopes or events changed)",
)
APP_UNINSTALLED = EventType(
    "app.uninstalled",
    "marketplace",
    InstallationChanged,
    description="A hospital uninstalled an app: its tokens are refused and nothing more is delivered",
)


class EndpointDisabled(BaseModel):
    installation_id: str
    app_id: str
    app_name: str
    partner: str
    url: str = Field(description="the endpoint that was disabled")
    reason: str = Field(description="why: 'gone' (410), 'failing' (5 days of failures), 'uninstalled'")
    failing_since: str | None = None


WEBHOOK_ENDPOINT_DISABLED = EventType(
    "webhook.endpoint.disabled",
    "marketplace",
    EndpointDisabled,
    description="A hospital's webhook endpoint of an app was disabled (its admins are told)",
)


class DeliveryFailing(BaseModel):
    installation_id: str
    app_id: str
    app_name: str
    event_type: str = Field(description="the type of the event the message carries")
    message_id: str


WEBHOOK_DELIVERY_FAILING = EventType(
    "webhook.delivery.failing",
    "marketplace",
    DeliveryFailing,
    description="A webhook message's first attempt failed (once per message; it is retried on its schedule)",
)

MARKETPLACE_EVENTS = (
    APP_INSTALLED,
    APP_UPGRADED,
    APP_UNINSTALLED,
    WEBHOOK_ENDPOINT_DISABLED,
    WEBHOOK_DELIVERY_FAILING,
)
