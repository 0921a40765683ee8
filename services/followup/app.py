"""The followup function group (routes are imported on first use: see ``shared.app``)."""

from chalicelib.followup import consumers, route_table, schedules

from shared.app import create_app

app = create_app(
    "followup",
    route_table.ROUTES,
    event_blueprints=(consumers.consumers, schedules.schedules),
    event_types="chalicelib.followup.contracts.events",
    subscriptions=consumers.SUBSCRIPTIONS,
)
