"""Identifiers: time-ordered, URL-safe, so list pages come out in creation order."""

from __future__ import annotations

import secrets
import time


def new_id() -> str:
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(5)}"
