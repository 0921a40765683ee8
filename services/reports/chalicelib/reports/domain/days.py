"""A hospital's day as the report keeps it, and ranges of days.

``DayFigures`` is what the store returns for one day: every count and census figure by measure name,
every sample list by measure name. A range is a list of them (one Query), never a recomputation.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib.reports.domain.measures import BY_NAME


@dataclass
class DayFigures:
    day: date
    values: dict[str, float] = field(default_factory=dict)  # counts and census figures by measure
    samples: dict[str, list[float]] = field(default_factory=dict)  # sample measures' values
    census_recorded: bool = False  # the HIS census for the day arrived

    def value(self, name: str) -> float:
        return self.values.get(name, 0.0)


@dataclass(frozen=True)
class Contribution:
    """What one event adds to one day: counts to add and sample values to append."""

    day: date
    counts: dict[str, float] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (*self.counts, *self.samples):
            m = BY_NAME.get(name)
            if m is None:
                raise KeyError(f"no measure {name!r}")
        for name in self.counts:
            if BY_NAME[name].kind != "count":
                raise ValueError(f"{name} is a {BY_NAME[name].kind}, not a count")
        for name in self.samples:
            if BY_NAME[name].kind != "sample":
                raise ValueError(f"{name} is a {BY_NAME[name].kind}, not a sample")


def total(days: Iterable[DayFigures], name: str) -> float:
    return sum(d.value(name) for d in days)


def pooled(days: Iterable[DayFigures], name: str) -> list[float]:
    out: list[float] = []
    for d in days:
        out.extend(d.samples.get(name, ()))
    return out


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
