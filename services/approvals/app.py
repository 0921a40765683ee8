"""The approvals function group (routes are imported on first use: see ``shared.app``)."""

from chalicelib.approvals import consumers, route_table, schedules

from shared.app import create_app

app = create_app(
    "approvals",
    route_table.ROUTES,
    event_blueprints=(consumers.consumers, schedules.schedules),
    event_types="chalicelib.approvals.contracts.events",
    subscriptions=consumers.SUBSCRIPTIONS,
)
