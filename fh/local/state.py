"""Where a running ``fh dev`` can be reached: a small file in the dev home, so the other local commands
(``fh tenant add --province local``, ``fh directory import``) find the stack without being told."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FILE = "local-stack.json"


def write(home: Path, *, url: str, moto_url: str, table_prefix: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    state = {"url": url, "moto_url": moto_url, "table_prefix": table_prefix, "pid": os.getpid()}
    (home / FILE).write_text(json.dumps(state), encoding="utf-8")


def read(home: Path) -> dict[str, Any] | None:
    """The running stack's addresses, or None when none runs (a file left by a stopped one is ignored)."""
    try:
        state = json.loads((home / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = state.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return None
    return dict(state)


def clear(home: Path) -> None:
    (home / FILE).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
