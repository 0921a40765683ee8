"""The report guide lists every indicator (docs/reports.md, "Indicators and ranges"): its code, name,
formula and unit, as ``domain/indicators.py`` defines them — an indicator added without its row fails here."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.reports.domain.indicators import INDICATORS
from chalicelib.reports.domain.measures import BY_NAME

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "reports.md"


def _table() -> dict[str, list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Indicators and ranges", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`([a-z_]+)`", cells[0]) if len(cells) >= 5 else None
        if match:
            rows[match.group(1)] = cells
    return rows


def test_every_indicator_has_its_row_in_the_guide_with_name_formula_and_unit() -> None:
    rows = _table()
    missing = [i.code for i in INDICATORS if i.code not in rows]
    assert not missing, f"add these indicators to docs/reports.md's table: {missing}"
    assert set(rows) <= {i.code for i in INDICATORS}, "the guide lists an indicator that no longer exists"
    for indicator in INDICATORS:
        _code, name, formula, unit, *_ = rows[indicator.code]
        assert name == indicator.name, indicator.code
        assert BY_NAME[indicator.numerator].label in formula, indicator.code
        if indicator.denominator:
            assert BY_NAME[indicator.denominator].label in formula, indicator.code
        if indicator.factor != 1:
            assert f"× {indicator.factor:g}" in formula, indicator.code
        assert unit == (indicator.unit or "—"), indicator.code
