"""The marketplace function group."""

from chalicelib.marketplace import api

from shared.app import create_app

app = create_app("marketplace", [api.api])
