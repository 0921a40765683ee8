"""The messaging function group (routes are imported on first use: see ``shared.app``)."""

from chalicelib.messaging import events, route_table

from shared.app import create_app

app = create_app(
    "messaging",
    route_table.ROUTES,
    event_blueprints=(events.events,),
    event_types="chalicelib.messaging.contracts.events",
    subscriptions=events.SUBSCRIPTIONS,
)
