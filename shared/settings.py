"""Runtime settings, parsed once from the environment (prefix ``FH_``).

The pydantic-settings model lives in ``shared.settings_model`` and is imported on the first
``get_settings()``, inside a request rather than during a function's cold start.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.settings_model import Settings

__all__ = ["DEFAULT_REGION", "REGION_VARIABLE", "Settings", "get_settings", "region_name", "reset_settings"]

REGION_VARIABLE = "AWS_DEFAULT_REGION"
DEFAULT_REGION = "cn-northwest-1"


def region_name() -> str:
    """The region, as ``Settings.region`` reads it, without parsing the settings (PynamoDB asks for it
    when each model class is defined, at import time)."""
    return os.environ.get(REGION_VARIABLE) or DEFAULT_REGION


def __getattr__(name: str) -> Any:
    if name == "Settings":
        from shared.settings_model import Settings

        return Settings
    raise AttributeError(name)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    from shared.settings_model import Settings

    return Settings()


def reset_settings() -> None:
    """Forget the parsed settings (the local runtime and tests set the environment, then call this)."""
    get_settings.cache_clear()
