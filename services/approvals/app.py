"""The approvals function group."""

from chalicelib.approvals import api, contracts

from shared.app import create_app

app = create_app("approvals", [api.api], event_types=contracts.EVENT_TYPES)
