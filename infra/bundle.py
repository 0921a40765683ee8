"""Stages each service as a Chalice project that packages on its own: the shared layer vendored, pinned
runtime requirements (no dev tools), one dependency cache for all five services.

Chalice does not package local-path requirements, and ``services/<svc>/`` must stay free of build output,
so the project Chalice packages is a copy under ``build/chalice/<svc>`` (gitignored). The cache of
downloaded Lambda dependencies (``.chalice/deployments``) is one directory shared by the five copies: their
requirements and vendored code are identical, so a warm cache packages every service without the network.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "chalice"
# Installed in the Lambda runtime by Chalice itself, or not needed there.
NOT_BUNDLED = {"chalice"}
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
