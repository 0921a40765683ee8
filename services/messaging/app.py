"""The messaging function group."""

from chalicelib.messaging import api, contracts

from shared.app import create_app

app = create_app("messaging", [api.api], event_types=contracts.EVENT_TYPES)
