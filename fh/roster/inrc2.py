"""INRC-II text files: read scenario, history and week data into a `RosterProblem`; read and write
the competition's `Sol-...` solution files; read the best-known table from the data folder's README.

An instance is named `<dataset>_<history>_<week data per week>`, e.g. `n030w4_1_6-2-9-1`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from types import MappingProxyType

from chalicelib.scheduling.domain.roster.model import (
    Assignment,
    Contract,
    Demand,
    Nurse,
    NurseHistory,
    Roster,
    RosterProblem,
    ShiftRequest,
    ShiftType,
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# INRC-II gives no clock times; these only matter for explanations and exports.
CLOCK = {"Early": time(6), "Day": time(9), "Late": time(14), "Night": time(22)}
MONDAY = date(2024, 1, 1)
_PAIR = re.compile(r"\((-?\d+),(-?\d+)\)")
_INSTANCE = re.compile(r"^(n\d+w\d+)_(\d+)_(\d+(?:-\d+)*)$")


@dataclass(frozen=True)
class InstanceName:
    dataset: str
    history: int
    weeks: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.dataset}_{self.history}_{'-'.join(map(str, self.weeks))}"


def parse_instance_name(name: str) -> InstanceName:
    m = _INSTANCE.match(name)
    if not m:
        raise ValueError(f"not an INRC-II instance name: {name!r}")
    return InstanceName(m.group(1), int(m.group(2)), tuple(int(x) for x in m.group(3).split("-")))


def _lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text().splitlines() if ln.strip()]


def _pairs(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in _PAIR.findall(text)]


def _count(line: str) -> int:
    return int(line.split("=")[1])


def load_instance(data_dir: Path, name: str) -> RosterProblem:
    """Build the static problem (all weeks known) of instance `name` from `data_dir/<dataset>/`."""
    inst = parse_instance_name(name)
    folder = Path(data_dir) / inst.dataset
    sc = _lines(folder / f"Sc-{inst.dataset}.txt")
    i = 0

    def take() -> str:
        nonlocal i
        i += 1
        return sc[i - 1]

    skills: list[str] = []
    shifts: list[ShiftType] = []
    forbidden: set[tuple[str, str]] = set()
    contracts: dict[str, Contract] = {}
    nurses: list[Nurse] = []
    while i < len(sc):
        line = take()
        if line.startswith("SKILLS"):
            skills = [take() for _ in range(_count(line))]
        elif line.startswith("SHIFT_TYPES"):
            for _ in range(_count(line)):
                row = take()
                sid = row.split()[0]
                ((lo, hi),) = _pairs(row)
                shifts.append(ShiftType(sid, sid, CLOCK.get(sid, time(8)), 8.0, lo, hi, night=sid == "Night"))
        elif line.startswith("FORBIDDEN_SHIFT_TYPES_SUCCESSIONS"):
            for _ in shifts:
                parts = take().split()
                forbidden.update((parts[0], nxt) for nxt in parts[2 : 2 + int(parts[1])])
        elif line.startswith("CONTRACTS"):
            for _ in range(_count(line)):
                row = take()
                cid = row.split()[0]
                (amin, amax), (wmin, wmax), (omin, omax) = _pairs(row)
                tail = row.split()[-2:]
                contracts[cid] = Contract(
                    cid, amin, amax, wmin, wmax, omin, omax, int(tail[0]), tail[1] == "1"
                )
        elif line.startswith("NURSES"):
            for _ in range(_count(line)):
                parts = take().split()
                nurses.append(Nurse(parts[0], parts[1], tuple(parts[3 : 3 + int(parts[2])]), parts[0]))

    history: dict[str, NurseHistory] = {}
    hist = _lines(folder / f"H0-{inst.dataset}-{inst.history}.txt")
    start = hist.index("NURSE_HISTORY") + 1
    for row in hist[start:]:
        p = row.split()
        history[p[0]] = NurseHistory(
            int(p[1]), int(p[2]), None if p[3] == "None" else p[3], int(p[4]), int(p[5]), int(p[6])
        )

    demand: list[Demand] = []
    requests: list[ShiftRequest] = []
    for week, wd in enumerate(inst.weeks):
        lines = _lines(folder / f"WD-{inst.dataset}-{wd}.txt")
        j = lines.index("REQUIREMENTS") + 1
        while j < len(lines) and not lines[j].startswith("SHIFT_OFF_REQUESTS"):
            parts = lines[j].split()
            for dow, (lo, opt) in enumerate(_pairs(lines[j])):
                if opt > 0 or lo > 0:
                    demand.append(Demand(week * 7 + dow, parts[0], parts[1], lo, opt))
            j += 1
        for row in lines[j + 1 :]:
            nurse_id, shift, dow_name = row.split()
            requests.append(
                ShiftRequest(nurse_id, week * 7 + WEEKDAYS.index(dow_name), None if shift == "Any" else shift)
            )
    return RosterProblem(
        name=str(inst),
        start=MONDAY,
        num_days=7 * len(inst.weeks),
        shift_types=tuple(shifts),
        skills=tuple(skills),
        contracts=MappingProxyType(contracts),
        nurses=tuple(nurses),
        demand=tuple(demand),
        forbidden_successions=frozenset(forbidden),
        requests=tuple(requests),
        history=MappingProxyType(history),
    )


def read_solution(folder: Path, problem: RosterProblem) -> Roster:
    """Read the `Sol-<dataset>-<wd>-<week>.txt` files of one solution folder into a roster."""
    assignments: list[Assignment] = []
    files = sorted(Path(folder).glob("Sol-*.txt"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if not files:
        raise FileNotFoundError(f"no Sol-*.txt files in {folder}")
    for path in files:
        week = int(path.stem.rsplit("-", 1)[1])
        lines = _lines(path)
        start = next(k for k, ln in enumerate(lines) if ln.startswith("ASSIGNMENTS")) + 1
        for row in lines[start:]:
            parts = row.split()
            if len(parts) != 4 or parts[1] not in WEEKDAYS:
                continue  # some published files end with a "Viol: / Cost: / Time:" trailer
            nurse_id, dow_name, shift, skill = parts
            assignments.append(Assignment(nurse_id, week * 7 + WEEKDAYS.index(dow_name), shift, skill))
    del problem  # the files are self-describing; the problem is kept for symmetry with write_solution
    return Roster(tuple(assignments))


def write_solution(folder: Path, instance: str, roster: Roster) -> list[Path]:
    """Write one `Sol-<dataset>-<wd>-<week>.txt` file per week, as the competition's validator reads."""
    inst = parse_instance_name(instance)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for week, wd in enumerate(inst.weeks):
        rows = sorted((a for a in roster.assignments if a.day // 7 == week), key=lambda a: (a.nurse, a.day))
        body = [f"SOLUTION\n{week} {inst.dataset}\n\nASSIGNMENTS = {len(rows)}"]
        body += [f"{a.nurse} {WEEKDAYS[a.day % 7]} {a.shift} {a.skill}" for a in rows]
        path = folder / f"Sol-{inst.dataset}-{wd}-{week}.txt"
        path.write_text("\n".join(body) + "\n")
        paths.append(path)
    return paths


def reference_instance(folder_name: str, dataset: str) -> str:
    """`Solution_H_0-WD_1-2-3-3` in `n005w4/` -> instance name `n005w4_0_1-2-3-3`."""
    m = re.match(r"Solution_H_(\d+)-WD_([\d-]+)$", folder_name)
    if not m:
        raise ValueError(folder_name)
    return f"{dataset}_{m.group(1)}_{m.group(2)}"


def parse_best_known(path: Path) -> dict[str, int]:
    """Best-known values from a markdown table (`| instance | value | ...`), e.g. the data README.

    Any line whose first cell is an instance name and second cell an integer counts, so a plain
    `instance value` text file (one per line) works as well.
    """
    best: dict[str, int] = {}
    for line in Path(path).read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").replace("|", " ").split()]
        if len(cells) >= 2 and _INSTANCE.match(cells[0]) and cells[1].isdigit():
            best[cells[0]] = int(cells[1])
    return best
