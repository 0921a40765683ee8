"""The suite's long modules are handed to the xdist workers first (tests/conftest.py LONGEST_FIRST):
every module the list names exists, so a renamed module does not silently drop to the end."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LONGEST_FIRST

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_named_longest_first_exists_once() -> None:
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
    assert [m for m in LONGEST_FIRST if not (ROOT / m).is_file()] == []
