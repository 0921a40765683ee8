"""The reports function group (routes are imported on first use: see ``shared.app``)."""

from chalicelib.reports import consumers, route_table, schedules

from shared.app import create_app

app = create_app(
    "reports",
    route_table.ROUTES,
    event_blueprints=(consumers.consumers, schedules.schedules),
    event_types="chalicelib.reports.contracts.events",
    subscriptions=consumers.SUBSCRIPTIONS,
)
