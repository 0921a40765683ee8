"""The report page: server-rendered, mobile-first HTML (pure: a view model in, a string out).

No script, no link, no font or image fetched, no URL at all: CSS is inline, charts are inline SVG drawn
by ``svg.py``, and every text that comes from data (a hospital's name) is escaped. A Content-Security-
Policy in a ``<meta>`` forbids anything else. Readable on a 390 px phone; prints on A4 (``@media print``).
"""

from __future__ import annotations

from html import escape

from chalicelib.reports.domain.compare import Figure
from chalicelib.reports.domain.daily import OVERDUE_TITLE, ConsortiumReport, DailyReport
from chalicelib.reports.domain.indicators import Indicator
from chalicelib.reports.domain.svg import bars, sparkline

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
NO_DATA = "—"
NOT_REPORTED = "未上报"
WEEKDAYS = "一二三四五六日"

STYLE = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;
color:#1f2937;background:#f3f4f6}
header{position:sticky;top:0;background:#0f3d7a;color:#fff;padding:10px 14px;z-index:1}
header h1{font-size:17px;margin:0}
header p{margin:2px 0 0;font-size:13px;opacity:.85}
main{padding:10px;max-width:960px;margin:0 auto}
section{background:#fff;border-radius:10px;padding:10px 12px;margin:0 0 10px;
break-inside:avoid;page-break-inside:avoid}
h2{font-size:15px;margin:0 0 8px;color:#0f3d7a}
.tiles{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:8px}
.tile{background:#fff;border-radius:10px;padding:8px 10px;min-width:0}
.tile .name{font-size:12px;color:#6b7280}
.tile .value{font-size:22px;font-weight:600;overflow-wrap:anywhere}
.unit{font-size:12px;color:#6b7280;font-weight:400;margin-left:2px}
.change{font-size:12px;display:block}
.good{color:#15803d}.bad{color:#b91c1c}.flat{color:#6b7280}
table{width:100%;border-collapse:collapse;table-layout:fixed}
td,th{padding:5px 2px;border-top:1px solid #e5e7eb;font-size:13px;vertical-align:middle;
overflow-wrap:anywhere}
th{font-weight:500;color:#6b7280;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.fig td:first-child{width:34%}
.fig td.spark{width:30%}
svg.spark{display:block;max-width:100%;height:auto}
svg.bars{display:block;max-width:100%;height:auto}
.overdue li{margin:2px 0}.overdue .value{font-weight:600;color:#b91c1c}
.empty{color:#6b7280;font-size:13px}
.wide{overflow-x:auto}
footer{font-size:12px;color:#6b7280;padding:4px 12px 16px}
@media (min-width:720px){.tiles{grid-template-columns:repeat(4,minmax(0,1fr))}}
@page{size:A4;margin:12mm}
@media print{body{background:#fff;font-size:11pt}
header{position:static;color:#000;background:#fff;border-bottom:2px solid #0f3d7a}
section,.tile{break-inside:avoid;page-break-inside:avoid;border:1px solid #e5e7eb}.wide{overflow:visible}}
"""


def _fmt(value: float | None, empty: str = NO_DATA) -> str:
    if value is None:
        return empty
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _plain(value: float | None) -> str:
    """A machine-readable value (``data-value``): no grouping, "" for no data."""
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


def _empty_for(indicator: Indicator, census_recorded: bool) -> str:
    return NOT_REPORTED if indicator.area == "census" and not census_recorded else NO_DATA


def _change(f: Figure, against: float | None, label: str) -> str:
    delta = f.change(against)
    if delta is None:
        return f'<span class="change flat">{escape(label)} {NO_DATA}</span>'
    pct = f.change_percent(against)
    arrow = "↑" if delta > 0 else "↓" if delta < 0 else "→"
    good = f.indicator.better
    tone = "flat" if delta == 0 or good is None else ("good" if (delta > 0) == (good == "up") else "bad")
    sign = "+" if delta > 0 else ""
    text = f"{label} {arrow}{sign}{_fmt(delta)}" + (f"（{sign}{pct}%）" if pct is not None else "")
    return f'<span class="change {tone}">{escape(text)}</span>'


def _page(title: str, subtitle: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>"
        f"<main>{body}</main>"
        "<footer>数据为当日汇总，不含任何患者身份信息；"
        "“—”表示无数据，“未上报”表示 HIS 未上报当日数据。</footer>"
        "</body></html>"
    )


def _day_label(r_day: object) -> str:
    from datetime import date

    assert isinstance(r_day, date)
    return f"{r_day.year}年{r_day.month}月{r_day.day}日 星期{WEEKDAYS[r_day.weekday()]}"


def daily_page(r: DailyReport) -> str:
    parts: list[str] = []
    # headline tiles
    tiles = []
    for f in r.headline:
        i = f.indicator
        value = _fmt(f.value, _empty_for(i, r.census_recorded))
        unit = f'<span class="unit">{escape(i.unit)}</span>' if f.value is not None and i.unit else ""
        tiles.append(
            f'<div class="tile"><div class="name">{escape(i.name)}</div>'
            f'<div class="value" data-indicator="{escape(i.code)}" data-value="{escape(_plain(f.value))}">'
            f"{escape(value)}{unit}</div>"
            f"{_change(f, f.day_before, '较前日')}{_change(f, f.week_before, '较上周同日')}</div>"
        )
    parts.append(
        f'<section class="headline" aria-label="核心指标"><div class="tiles">{"".join(tiles)}</div></section>'
    )
    # overdue items
    if r.overdue:
        items = "".join(
            f'<li>{escape(f.indicator.name)}：<span class="value" data-overdue="{escape(f.indicator.code)}">'
            f"{escape(_fmt(f.value))}</span>{escape(f.indicator.unit)}</li>"
            for f in r.overdue
        )
        parts.append(f'<section class="overdue"><h2>{OVERDUE_TITLE}</h2><ul>{items}</ul></section>')
    else:
        parts.append(
            f'<section class="overdue"><h2>{OVERDUE_TITLE}</h2><p class="empty">无逾期事项</p></section>'
        )
    # the comparison chart for the headline figures
    groups = [(f.indicator.name, (f.value, f.day_before, f.week_before, f.year_before)) for f in r.headline]
    parts.append(
        '<section class="compare"><h2>核心指标对比</h2>'
        + bars(groups, ("当日", "前日", "上周同日", "去年同日"))
        + "</section>"
    )
    # one section per area
    for s in r.sections:
        rows = []
        for f in s.figures:
            i = f.indicator
            value = _fmt(f.value, _empty_for(i, r.census_recorded))
            unit = f'<span class="unit">{escape(i.unit)}</span>' if f.value is not None and i.unit else ""
            rows.append(
                f'<tr><td title="{escape(i.definition)}">{escape(i.name)}</td>'
                f'<td class="num"><span data-indicator="{escape(i.code)}" '
                f'data-value="{escape(_plain(f.value))}">'
                f"{escape(value)}</span>{unit}{_change(f, f.day_before, '较前日')}</td>"
                f'<td class="spark">{sparkline(f.trend, label=f"{i.name} 近30天")}</td></tr>'
            )
        parts.append(
            f'<section class="area" id="area-{escape(s.code)}"><h2>{escape(s.title)}</h2>'
            f'<table class="fig">{"".join(rows)}</table></section>'
        )
    title = f"{r.hospital_name or r.hospital_id} 院长日报"
    return _page(title, _day_label(r.day), "".join(parts))


def consortium_page(r: ConsortiumReport) -> str:
    head = "".join(f"<th>{escape(m.hospital_name or m.hospital_id)}</th>" for m in r.members)
    rows = []
    for i in r.indicators:
        cells = "".join(
            f'<td class="num" data-member="{escape(m.hospital_id)}" data-indicator="{escape(i.code)}">'
            f"{escape(_fmt(m.values.get(i.code)))}</td>"
            for m in r.members
        )
        total = r.total.get(i.code)
        rows.append(
            f'<tr><td>{escape(i.name)}<span class="unit">{escape(i.unit)}</span></td>{cells}'
            f'<td class="num" data-total="{escape(i.code)}">{escape(_fmt(total))}</td></tr>'
        )
    table = (
        f'<div class="wide"><table><tr><th>指标</th>{head}<th>合计</th></tr>{"".join(rows)}</table></div>'
        if r.members
        else '<p class="empty">暂无在册成员医院</p>'
    )
    body = f'<section class="members"><h2>成员医院对比</h2>{table}</section>'
    return _page(f"{r.consortium_name} 医联体日报", _day_label(r.day), body)
