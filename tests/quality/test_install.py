"""`make install` on a fresh clone: the pip it installs with is pinned, and a failed install stops the
build instead of being marked done (a missing tool would otherwise fail much later, as `ruff: No such
file or directory`, with the install's error filtered out of the log)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_pip_that_installs_the_lock_is_pinned_by_version_and_hash() -> None:
    lines = [x.strip() for x in (ROOT / "pip.lock").read_text().splitlines() if not x.startswith("#")]
    spec = " ".join(lines)
    assert re.search(r"^pip==\d+\.\d+(\.\d+)? \\ --hash=sha256:[0-9a-f]{64}$", spec), spec
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r pip.lock" in makefile


def test_a_failed_pip_install_fails_make_and_leaves_the_install_to_be_done_again(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    # A venv whose pip fails, as it does when the lock cannot be installed; its message goes through
    # the Makefile's filter of pip's noise like a real one.
    python = venv / "bin" / "python"
    python.write_text(
        '#!/bin/sh\necho "ERROR: In --require-hashes mode, all requirements must be pinned" >&2\nexit 1\n'
    )
    python.chmod(0o755)
    make = shutil.which("make")
    assert make, "make is one of the two commands' tools"
    out = subprocess.run(
        [make, "-C", str(ROOT), f"VENV={venv}", f"{venv}/.deps-stamp"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert out.returncode != 0, out.stdout + out.stderr
    assert "require-hashes mode" in out.stdout + out.stderr  # the cause is shown, not filtered away
    assert not (venv / ".deps-stamp").exists()  # the next make installs again
