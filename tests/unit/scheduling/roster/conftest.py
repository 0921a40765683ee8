"""Fixtures for the roster engine tests: the INRC-II data folder and a realistic 30-nurse ward."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from types import MappingProxyType

import pytest
from chalicelib.scheduling.domain.roster.model import (
    Contract,
    Demand,
    Leave,
    Nurse,
    RosterProblem,
    ShiftRequest,
    ShiftType,
)

REPO = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="session")
def inrc2_dir() -> Path:
    env = os.environ.get("FH_INRC2_DIR")
    folder = Path(env) if env else REPO.parent / "shared" / "bench" / "inrc2"
    if not (folder / "n005w4").is_dir():
        pytest.skip(f"INRC-II data not found at {folder} (CI keeps it beside the repository)")
    return folder


@pytest.fixture(scope="session")
def fresh_process(inrc2_dir: Path) -> Callable[[str], str]:
    """Runs `code` in a new Python process where numba caches nothing (as on a read-only disk,
    or a fresh deployment): every kernel compiles there. `sys.argv[1]` is the INRC-II folder.
    Returns its standard output; fails the test if the process does."""
    service = REPO / "services" / "scheduling"
    prelude = (
        "from numba.core import caching\n"
        "caching.CacheImpl._locator_classes = []  # no cache folder anywhere\n"
    )

    def run(code: str) -> str:
        out = subprocess.run(
            [sys.executable, "-c", prelude + code, str(inrc2_dir)],
            cwd=service,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    return run


def make_ward(
    nurses: int = 30, days: int = 28, wards: tuple[str, ...] = ("W5",), seed: int = 7
) -> RosterProblem:
    """A surgical ward for a month: day / evening / night shifts with an 11-hour rest rule, charge
    nurses (grades N3-N4) needed on every shift, full- and part-time contracts, a week of annual
    leave for some, and day-off requests."""
    rng = random.Random(seed)
    shifts = (
        ShiftType("D", "白班 day", time(7), 8.0, 2, 5),
        ShiftType("E", "小夜 evening", time(15), 8.0, 2, 5),
        ShiftType("N", "大夜 night", time(23), 8.0, 2, 4, night=True),
    )
    contracts = {
        "FT": Contract("FT", 16, 20, 2, 5, 2, 4, 2, True, 128.0, 168.0),
        "PT": Contract("PT", 9, 13, 2, 4, 2, 5, 2, True, 72.0, 104.0),
    }
    staff = []
    for i in range(nurses):
        ward = wards[(i // 4) % len(wards)]
        senior = i % 4 == 0
        staff.append(
            Nurse(
                f"{ward}-{i:02d}",
                "PT" if i % 4 == 3 else "FT",
                ("RN", "charge") if senior else ("RN",),
                name=f"护士{i:02d}",
                grade="N4" if senior else f"N{i % 3}",
                ward=ward,
            )
        )
    demand = []
    per_ward = nurses // len(wards)
    scale = per_ward / 30
    for d in range(days):
        weekend = (date(2025, 3, 3).toordinal() + d) % 7 in (5, 6)  # 2025-03-03 is a Monday
        for sid, need in (("D", 5), ("E", 4), ("N", 3)):
            opt = max(1, round((need - (1 if weekend and sid == "D" else 0)) * scale))
            for ward in wards:
                tag = ward if len(wards) > 1 else ""
                demand.append(Demand(d, sid, "RN", max(1, opt - 1), opt, tag))
                charge_min = 1 if sid == "D" or (sid == "E" and len(wards) == 1) else 0
                demand.append(Demand(d, sid, "charge", charge_min, 1, tag))
    leave = []
    for who in rng.sample(range(nurses), 3):
        first = rng.randrange(0, days - 7)
        leave += [Leave(staff[who].id, d) for d in range(first, first + 7)]
    requests = [
        ShiftRequest(
            staff[rng.randrange(nurses)].id, rng.randrange(days), rng.choice([None, "N", "D"]), weight=1
        )
        for _ in range(25)
    ]
    return RosterProblem(
        name="surgical-ward",
        start=date(2025, 3, 3),
        num_days=days,
        shift_types=shifts,
        skills=("RN", "charge"),
        contracts=MappingProxyType(contracts),
        nurses=tuple(staff),
        demand=tuple(demand),
        min_rest_hours=11.0,
        leave=tuple(leave),
        requests=tuple(requests),
    )


@pytest.fixture(scope="session")
def ward_factory() -> Callable[..., RosterProblem]:
    return make_ward


@pytest.fixture(scope="session")
def ward() -> RosterProblem:
    return make_ward()
