"""The messaging function group (routes are imported on first use: see ``shared.app``)."""

from chalicelib.messaging import consumers, route_table, schedules

from shared.app import create_app

app = create_app(
    "messaging",
    route_table.ROUTES,
    event_blueprints=(consumers.consumers, schedules.schedules),
    event_types="chalicelib.messaging.contracts.events",
    subscriptions=consumers.SUBSCRIPTIONS,
)
