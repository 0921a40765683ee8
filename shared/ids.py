"""Identifiers: time-ordered, URL-safe, so list pages come out in creation order."""

from __future__ import annotations

import secrets
import time


def new_id() -> str:
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(5)}"


def id_floor(at_ms: int) -> str:
    """The smallest id made at ``at_ms`` (milliseconds since the epoch): ids below it are older."""
    return f"{at_ms:012x}"
