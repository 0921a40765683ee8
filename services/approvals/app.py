"""The approvals function group."""

from chalicelib.approvals import api

from shared.app import create_app

app = create_app("approvals", [api.api])
