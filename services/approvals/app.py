"""The approvals function group."""

from chalicelib.approvals import api, contracts, events

from shared.app import create_app

app = create_app("approvals", [api.api], event_blueprints=(events.events,), event_types=contracts.EVENT_TYPES)
