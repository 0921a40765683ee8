"""The reports service's timers."""

from __future__ import annotations

from chalice import Blueprint  # type: ignore[attr-defined]

schedules = Blueprint(__name__)
