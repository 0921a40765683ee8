"""Loads the five services' Chalice apps side by side (``chalicelib`` is a namespace package)."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from typing import Any

from shared.services import SERVICES  # the one list of services

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT", "SERVICES", "add_service_paths", "load_app", "load_apps"]


def add_service_paths() -> None:
    for service in SERVICES:
        path = str(ROOT / "services" / service)
        if path not in sys.path:
            sys.path.append(path)


@cache
def load_app(service: str) -> Any:
    """Import ``services/<service>/app.py`` under the module name ``fh_app_<service>``."""
    if service not in SERVICES:
        raise KeyError(service)
    add_service_paths()
    path = ROOT / "services" / service / "app.py"
    spec = importlib.util.spec_from_file_location(f"fh_app_{service}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.app


def load_apps() -> dict[str, Any]:
    return {service: load_app(service) for service in SERVICES}
