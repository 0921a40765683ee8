"""Boto3 clients, created lazily once per process (endpoints come from the environment, never from code)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from shared.settings import get_settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


@cache
def client(name: str) -> Any:
    session: Any = boto3.session.Session()
    return session.client(name, region_name=get_settings().region, config=_CONFIG)


def reset() -> None:
    client.cache_clear()
    from shared.persistence.uow import reset_connection

    reset_connection()
