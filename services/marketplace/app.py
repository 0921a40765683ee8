"""The marketplace function group (routes are imported on first use: see ``shared.app``)."""

from chalicelib.marketplace import consumers, route_table, schedules

from shared.app import create_app

app = create_app(
    "marketplace",
    route_table.ROUTES,
    event_types="chalicelib.marketplace.contracts.events",
    event_blueprints=(consumers.consumers, schedules.schedules),
    subscriptions=consumers.SUBSCRIPTIONS,
)
