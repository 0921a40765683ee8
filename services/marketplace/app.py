"""The marketplace function group (routes are imported on first use: see ``shared.app``)."""

from chalicelib.marketplace import route_table

from shared.app import create_app

app = create_app(
    "marketplace",
    route_table.ROUTES,
    event_types="chalicelib.marketplace.contracts.events",
)
