"""The scheduling function group."""

from chalicelib.scheduling import api, events

from shared.app import create_app

app = create_app(
    "scheduling", [api.api], event_blueprints=(events.events,), subscriptions=events.SUBSCRIPTIONS
)
