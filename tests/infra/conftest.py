"""One synth of every province per test session, shared by all infra tests (it is the slow part)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Assembly:
    outdir: Path
    stacks: list[str]
    findings: list[str]
    seconds: float
    _templates: dict[str, dict[str, Any]] = field(default_factory=dict)

    def template(self, stack: str) -> dict[str, Any]:
        if stack not in self._templates:
            path = self.outdir / f"{stack}.template.json"
            self._templates[stack] = json.loads(path.read_text(encoding="utf-8"))
        return self._templates[stack]

    def text(self, stack: str) -> str:
        return (self.outdir / f"{stack}.template.json").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Assembly]:
    """Every province of ``infra/provinces.toml``: data stack + five service stacks each, cdk-nag applied.

    Made once per run, not once per pytest-xdist worker: the first worker to need it synthesizes
    into the run's shared temporary directory (under a file lock), the other reads it (~30 s saved
    whenever the infra modules land on both workers). The tests only read the assembly."""
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # the directory the run's workers share
    shared = root / "infra-assembly"
    with FileLock(str(root / "infra-assembly.lock")):
        made = shared / "synthesis.json"
        if not made.exists():
            from infra.assembly import synthesize

            result = synthesize(outdir=shared / "cdk.out")
            print(f"\n[infra] synthesized {len(result.stacks)} stacks in {result.seconds:.1f}s")
            summary = {"stacks": result.stacks, "findings": result.findings, "seconds": result.seconds}
            made.write_text(json.dumps(summary), encoding="utf-8")
        summary = json.loads(made.read_text(encoding="utf-8"))
    yield Assembly(shared / "cdk.out", summary["stacks"], summary["findings"], summary["seconds"])


@pytest.fixture(scope="session")
def config() -> Any:
    from infra.config import load

    return load()


def resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}
