"""Tiny inline SVG charts drawn by the server (no library, no script, nothing fetched): a sparkline of a
figure's 30 days and a grouped bar chart of the headline figures against their comparison days.

Every number written is finite and rounded; a missing value (None) is a gap in the line, never a 0.
Text is escaped: the output is safe to put inside the page as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "0"


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def sparkline(values: Sequence[float | None], width: int = 120, height: int = 28, label: str = "") -> str:
    """A polyline per run of known values (a gap where a day has none), the last point marked."""
    points = [_finite(v) for v in values]
    known = [v for v in points if v is not None]
    title = f"<title>{escape(label)}</title>" if label else ""
    head = (
        f'<svg class="spark" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}">{title}'
    )
    if not known:
        return head + "</svg>"
    low, high = min(known), max(known)
    span = high - low or 1.0
    pad = 3.0
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        y = height - pad - (v - low) / span * (height - 2 * pad) if high != low else height / 2
        return pad + i * step, y

    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(points):
        if v is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(xy(i, v))
    parts = []
    for run in runs:
        if len(run) == 1:
            x, y = run[0]
            parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="1.5" fill="#1e6fd9"/>')
        elif run:
            pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
            parts.append(f'<polyline fill="none" stroke="#1e6fd9" stroke-width="1.5" points="{pts}"/>')
    last = next(((i, v) for i, v in reversed(list(enumerate(points))) if v is not None), None)
    if last is not None:
        x, y = xy(*last)
        parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.5" fill="#d9480f"/>')
    return head + "".join(parts) + "</svg>"


def bars(
    groups: Sequence[tuple[str, Sequence[float | None]]],
    series: Sequence[str],
    width: int = 360,
    row: int = 14,
) -> str:
    """Horizontal grouped bars: one group per label, one bar per series (the day, the day before, ...),
    each scaled to the group's largest value (figures of different units are not drawn on one axis)."""
    colours = ("#1e6fd9", "#94a3b8", "#cbd5e1", "#e2e8f0")
    label_w, value_w = 96, 56
    bar_w = width - label_w - value_w - 8
    height = sum(len(series) * row + 10 for _ in groups) + 24
    out = [
        f'<svg class="bars" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet">'
    ]
    # the legend
    x = 0.0
    for k, name in enumerate(series):
        out.append(f'<rect x="{_num(x)}" y="4" width="10" height="10" fill="{colours[k % len(colours)]}"/>')
        out.append(f'<text x="{_num(x + 13)}" y="13" font-size="10">{escape(name)}</text>')
        x += 13 + 11 * len(name) + 10
    y = 24.0
    for label, values in groups:
        known = [abs(v) for v in (_finite(v) for v in values) if v is not None]
        top = max(known) if known else 0.0
        out.append(
            f'<text x="0" y="{_num(y + row * len(series) / 2 + 4)}" font-size="11">{escape(label)}</text>'
        )
        for k, v in enumerate(values):
            v = _finite(v)
            length = (abs(v) / top * bar_w) if v is not None and top > 0 else 0.0
            out.append(
                f'<rect x="{label_w}" y="{_num(y + k * row + 1)}" width="{_num(length)}" height="{row - 3}"'
                f' fill="{colours[k % len(colours)]}"/>'
            )
            text = "—" if v is None else _num(v)
            out.append(
                f'<text x="{_num(label_w + length + 4)}" y="{_num(y + k * row + row - 4)}" font-size="10">'
                f"{escape(text)}</text>"
            )
        y += len(series) * row + 10
    out.append("</svg>")
    return "".join(out)
