"""Stages each service as a Chalice project that packages on its own: the shared layer vendored, pinned
runtime requirements (no dev tools), one dependency cache for all five services.

Chalice does not package local-path requirements, and ``services/<svc>/`` must stay free of build output,
so the project Chalice packages is a copy under ``build/chalice/<svc>`` (gitignored). The cache of
downloaded Lambda dependencies (``.chalice/deployments``) is one directory shared by the five copies: their
requirements and vendored code are identical, so a warm cache packages every service without the network.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import shutil
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "chalice"
# Installed in the Lambda runtime by Chalice itself, or not needed there.
NOT_BUNDLED = {"chalice"}
# Chalice keeps a zip per dependency/app hash and never deletes one; older ones are rebuilt on demand.
CACHE_DAYS = 7
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".chalice", "vendor", "requirements.txt")


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def locked_versions(lock: Path = ROOT / "requirements.lock") -> dict[str, str]:
    versions: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", line)
        if match:
            versions[match.group(1).lower().replace("_", "-")] = match.group(2)
    return versions


def runtime_requirements() -> list[str]:
    """The project's runtime dependencies (never the dev or infra extras), pinned to the lock's versions."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    versions = locked_versions()
    pinned = []
    for requirement in project["dependencies"]:
        name = _name(requirement)
        if name in NOT_BUNDLED:
            continue
        extras = re.search(r"\[[^\]]+\]", requirement)
        pinned.append(f"{name}{extras.group(0) if extras else ''}=={versions[name]}")
    return sorted(pinned)


def _sync_tree(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=_IGNORE)


def stage(service: str, build: Path = BUILD) -> Path:
    """Copy ``services/<service>`` + the vendored shared layer into a packageable Chalice project."""
    source = ROOT / "services" / service
    target = build / service
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "app.py", target / "app.py")
    _sync_tree(source / "chalicelib", target / "chalicelib")
    _sync_tree(ROOT / "shared", target / "vendor" / "shared")
    (target / "requirements.txt").write_text("\n".join(runtime_requirements()) + "\n", encoding="utf-8")
    chalice_dir = target / ".chalice"
    chalice_dir.mkdir(exist_ok=True)
    config = json.loads((source / ".chalice" / "config.json").read_text(encoding="utf-8"))
    (chalice_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    cache = build / "_deployments"
    cache.mkdir(parents=True, exist_ok=True)
    link = chalice_dir / "deployments"
    if not link.is_symlink():
        if link.exists():
            shutil.rmtree(link)
        link.symlink_to(cache, target_is_directory=True)
    return target


@contextlib.contextmanager
def exclusive(build: Path = BUILD) -> Iterator[None]:
    """One synth at a time per work tree: the staged projects, the package cache and ``chalice.out`` are
    shared, and several test runs (or engineers) may synthesize at once."""
    build.mkdir(parents=True, exist_ok=True)
    with (build / ".synth.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prune_cache(build: Path = BUILD, days: int = CACHE_DAYS) -> int:
    """Delete cached packages older than ``days`` (Chalice reuses a zip without touching it, so an old one
    still in use is simply rebuilt once). Returns how many were deleted."""
    cache = build / "_deployments"
    if not cache.is_dir():
        return 0
    cutoff = time.time() - days * 24 * 3600
    stale = [z for z in cache.glob("*.zip") if z.stat().st_mtime < cutoff]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


# ---- the solver function's image -----------------------------------------------------------------------

SOLVER_SOURCE = ROOT / "services" / "scheduling" / "solver"
SOLVER_BUILD = ROOT / "build" / "solver"


def _lock_entries(lock: Path) -> dict[str, tuple[list[str], set[str]]]:
    """name → (the entry's lines, with its hashes; the names it is there for: ``# via``)."""
    entries: dict[str, tuple[list[str], set[str]]] = {}
    current: str | None = None
    in_via = False
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==", line)
        if match:
            current = match.group(1).lower().replace("_", "-")
            entries[current] = ([line], set())
            in_via = False
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("--hash=") or line.endswith("\\"):
            entries[current][0].append(line)
        elif stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            in_via = not rest
            if rest:
                entries[current][1].add(rest.split(" ")[0].lower().replace("_", "-"))
        elif in_via and stripped.startswith("#"):
            entries[current][1].add(stripped.lstrip("#").strip().split(" ")[0].lower().replace("_", "-"))
    return entries


def solver_requirements(lock: Path = ROOT / "requirements.lock") -> str:
    """The lock's entries, hashes included, for the runtime dependencies, the ``solver`` extra and
    everything they pull in (the lock's ``# via`` graph): never the dev or infra tools."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in [*project["dependencies"], *project["optional-dependencies"]["solver"]]}
    wanted -= NOT_BUNDLED  # the worker is no Chalice app (and chalice[cdkv2] would bring the CDK)
    entries = _lock_entries(lock)
    changed = True
    while changed:
        changed = False
        for name, (_, via) in entries.items():
            if name not in wanted and via & wanted:
                wanted.add(name)
                changed = True
    lines = [line for name in sorted(wanted) if name in entries for line in entries[name][0]]
    return "\n".join(lines) + "\n"


def stage_solver(build: Path = SOLVER_BUILD) -> Path:
    """The solver image's build context: its Dockerfile and handler, the pinned requirements, ``shared/``
    and scheduling's ``chalicelib/`` (small, so synth fingerprints it quickly)."""
    build.mkdir(parents=True, exist_ok=True)
    shutil.copy2(SOLVER_SOURCE / "Dockerfile", build / "Dockerfile")
    shutil.copy2(SOLVER_SOURCE / "handler.py", build / "handler.py")
    (build / "requirements-solver.txt").write_text(solver_requirements(), encoding="utf-8")
    _sync_tree(ROOT / "shared", build / "shared")
    _sync_tree(ROOT / "services" / "scheduling" / "chalicelib", build / "chalicelib")
    return build
