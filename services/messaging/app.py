"""The messaging function group."""

from chalicelib.messaging import api, contracts, events

from shared.app import create_app

app = create_app(
    "messaging",
    [api.api],
    event_blueprints=(events.events,),
    event_types=contracts.EVENT_TYPES,
    subscriptions=events.SUBSCRIPTIONS,
)
