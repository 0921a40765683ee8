"""Marketplace's HTTP routes (features land with their own issue; health and OpenAPI come from the app)."""

from __future__ import annotations

from shared.http import ServiceAPI

api = ServiceAPI("marketplace", __name__)
