"""The scheduling function group (routes are imported on first use: see ``shared.app``)."""

from chalicelib.scheduling import consumers, route_table, schedules

from shared.app import create_app

app = create_app(
    "scheduling",
    route_table.ROUTES,
    event_blueprints=(consumers.consumers, schedules.schedules),
    subscriptions=consumers.SUBSCRIPTIONS,
)
