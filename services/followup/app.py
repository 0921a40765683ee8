"""The followup function group."""

from chalicelib.followup import api

from shared.app import create_app

app = create_app("followup", [api.api])
