"""The validation set: INRC-II instances the engine was never tuned on.

Drawn once, with a fixed seed, from the public scenario, history and week files (any history x
week-file combination is a valid instance), leaving out the published instances of the best-known
table. Changes to the engine are decided on this set; the published set is the comparison with the
literature. The reference is the engine's own lower bound (`fh roster bound`), stored beside the
names in `validation.txt`, so no best-known value is needed: a run reports cost / bound.

`python -m fh.roster.validation` prints the draw; a test keeps the file equal to it.
"""

from __future__ import annotations

import random
from pathlib import Path

SEED = 2028
# The 4-week datasets with a ward's sizes. n005w4 (5 nurses) is left out: below 20 nurses the
# engine solves the whole model with CP-SAT, and its relaxation bound is 13 % under an optimal
# roster, so cost / bound would measure the bound, not the engine.
DATASETS = ("n021w4", "n030w4", "n040w4", "n050w4", "n060w4", "n080w4", "n100w4", "n120w4")
PER_DATASET = 2
EXTRA = 4  # drawn from random datasets, for 20 in all
HISTORIES = 3
WEEK_FILES = 10
FILE = Path(__file__).with_name("validation.txt")


def draw(published: set[str], seed: int = SEED) -> list[str]:
    """20 four-week instance names, none of them published, in a fixed order."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not security
    out: list[str] = []
    datasets = [d for d in DATASETS for _ in range(PER_DATASET)]
    datasets += [rng.choice(DATASETS) for _ in range(EXTRA)]
    for dataset in datasets:
        while True:
            weeks = "-".join(str(rng.randrange(WEEK_FILES)) for _ in range(4))
            name = f"{dataset}_{rng.randrange(HISTORIES)}_{weeks}"
            if name not in published and name not in out:
                out.append(name)
                break
    return sorted(out, key=lambda n: (int(n[1:4]), n))


def load(path: Path = FILE) -> dict[str, int | None]:
    """The set's names and their stored lower bounds (None where none is stored yet)."""
    out: dict[str, int | None] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        out[parts[0]] = int(parts[1]) if len(parts) > 1 else None
    return out


if __name__ == "__main__":
    from fh.roster.bench import data_folder
    from fh.roster.inrc2 import parse_best_known

    data = data_folder(None)
    published = set(parse_best_known(data / "README.md")) if data else set()
    print("\n".join(draw(published)))
