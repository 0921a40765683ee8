"""The services are named once (``shared.services``); what cannot import it is checked against it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from shared.services import SERVICES

REPO = Path(__file__).resolve().parents[2]


def test_every_service_has_a_folder_and_nothing_else_does() -> None:
    folders = {p.name for p in (REPO / "services").iterdir() if (p / "app.py").exists()}
    assert folders == set(SERVICES)


def test_pytest_finds_every_service_and_only_those() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    paths = config["tool"]["pytest"]["ini_options"]["pythonpath"]
    assert [p for p in paths if p.startswith("services/")] == [f"services/{s}" for s in SERVICES]


def test_the_runtime_the_stacks_and_the_tables_use_the_one_list() -> None:
    from fh.services import SERVICES as runtime
    from infra.names import SERVICES as stacks
    from shared.persistence.tables import SERVICE_TABLES

    assert runtime is SERVICES and stacks is SERVICES
    assert [t.owner for t in SERVICE_TABLES] == list(SERVICES)
