"""The solver image compiles the numba kernels at build time; a cold container copies them and
loads them instead of compiling (`ahead.py`, `services/scheduling/solver/handler.py`)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[4]
SERVICE = REPO / "services" / "scheduling"
HANDLER = SERVICE / "solver" / "handler.py"

# what a cold container's first solve does, once the handler's module is loaded: the kernels a
# solve calls, with how many of their signatures numba loaded from its cache and how many it compiled
LOAD_AND_RUN = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("solver_handler", sys.argv[1])
handler = importlib.util.module_from_spec(spec)
spec.loader.exec_module(handler)
from chalicelib.scheduling.domain.roster import ahead
ahead.compile_kernels()
print(json.dumps({
    name: [sum(fn.stats.cache_hits.values()), sum(fn.stats.cache_misses.values())]
    for name, fn in ahead.kernels().items()
}))
"""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=SERVICE,
        env={**os.environ, "NUMBA_CPU_NAME": "generic", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_cold_container_loads_the_kernels_compiled_into_its_image(tmp_path: Path) -> None:
    seed = tmp_path / "image" / "numba-cache"
    # the image's build step: every kernel reached and compiled into the image's folder
    built = _run(["-m", "chalicelib.scheduling.domain.roster.ahead"], {"NUMBA_CACHE_DIR": str(seed)})
    assert built.returncode == 0, built.stderr[-2000:]
    assert any(seed.rglob("*.nbc")), "no machine code in the image's cache folder"

    # a cold container: /tmp/numba does not exist yet; the handler copies the image's folder there
    target = tmp_path / "tmp" / "numba"
    cold = _run(
        ["-c", LOAD_AND_RUN, str(HANDLER)], {"NUMBA_CACHE_DIR": str(target), "FH_NUMBA_CACHE_SEED": str(seed)}
    )
    assert cold.returncode == 0, cold.stderr[-2000:]
    counts = json.loads(cold.stdout.strip().splitlines()[-1])
    assert target.is_dir()
    compiled = {name: misses for name, (hits, misses) in counts.items() if misses}
    assert not compiled, f"compiled again in the container: {compiled}"
    # what a solve calls from Python came from the cache (the rest is inside them)
    for name in ("search", "row_cost", "best_row", "row_states", "seed"):
        assert counts[name][0] >= 1, (name, counts[name])


def _handler(monkeypatch: pytest.MonkeyPatch, seed: Path | None, target: Path | None) -> ModuleType:
    for var, value in (("FH_NUMBA_CACHE_SEED", seed), ("NUMBA_CACHE_DIR", target)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, str(value))
    spec = importlib.util.spec_from_file_location("solver_handler_under_test", HANDLER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # seeds the cache as a cold start does
    return module


def test_the_handler_seeds_the_cache_once_and_never_over_a_warm_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = tmp_path / "image"
    (seed / "roster").mkdir(parents=True)
    (seed / "roster" / "search.nbi").write_text("compiled", encoding="utf-8")
    target = tmp_path / "numba"

    module = _handler(monkeypatch, seed, target)  # cold start: copied
    assert (target / "roster" / "search.nbi").read_text(encoding="utf-8") == "compiled"

    # a warm container keeps what it compiled or loaded since: no copy over it
    (target / "roster" / "search.nbi").write_text("newer", encoding="utf-8")
    assert module.seed_numba_cache() is False
    assert (target / "roster" / "search.nbi").read_text(encoding="utf-8") == "newer"

    # outside the image (fh dev, tests) there is no seed: nothing to do, nothing created
    elsewhere = tmp_path / "elsewhere"
    assert _handler(monkeypatch, None, elsewhere).seed_numba_cache() is False
    assert _handler(monkeypatch, tmp_path / "no-such-folder", elsewhere).seed_numba_cache() is False
    assert not elsewhere.exists()
