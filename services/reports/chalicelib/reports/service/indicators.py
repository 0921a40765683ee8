"""The indicator catalogue, an indicator's values over a range of kept days (one Query), and the xlsx
export of a range (a sheet of indicators by day, a sheet of their definitions)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chalicelib.reports.contracts import census as files_models
from chalicelib.reports.contracts import indicators as models
from chalicelib.reports.domain.days import DayFigures, day_range
from chalicelib.reports.domain.indicators import AREAS, BY_CODE, INDICATORS, Indicator
from chalicelib.reports.domain.measures import BY_NAME
from chalicelib.reports.domain.ports import Files, Store
from chalicelib.reports.service import wiring
from chalicelib.reports.service.census import DOWNLOAD_SECONDS, XLSX

from shared import spreadsheet
from shared.auth import Principal
from shared.errors import RuleViolation
from shared.filenames import safe_filename
from shared.persistence.models import now_utc

MAX_RANGE_DAYS = 366
AGGREGATES = {"sum": "合计", "ratio": "比值（分子合计 ÷ 分母合计）", "average": "日均", "median": "中位数"}


def catalogue() -> models.Catalogue:
    return models.Catalogue(
        indicators=[
            models.IndicatorOut(
                code=i.code,
                name=i.name,
                area=i.area,
                area_title=AREAS[i.area],
                numerator=BY_NAME[i.numerator].label,
                denominator=BY_NAME[i.denominator].label if i.denominator else None,
                factor=i.factor,
                unit=i.unit,
                aggregate=i.aggregate,
                definition=i.definition,
            )
            for i in INDICATORS
        ]
    )


def _check_range(first: date, last: date) -> None:
    if last < first:
        raise RuleViolation("the range ends before it starts", field="to")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise RuleViolation(f"a range is at most {MAX_RANGE_DAYS} days", field="to")


def chosen(codes: str | None) -> list[Indicator]:
    if not codes:
        return list(INDICATORS)
    out: list[Indicator] = []
    for code in (c.strip() for c in codes.split(",")):
        if not code:
            continue
        found = BY_CODE.get(code)
        if found is None:
            raise RuleViolation(f"no indicator {code}", field="indicators")
        if found not in out:
            out.append(found)
    return out


def values(indicators: list[Indicator], first: date, last: date, kept: list[DayFigures]) -> models.RangeOut:
    """Each indicator over the whole range and day by day (a day nothing was kept for: no value)."""
    by_day = {d.day: d for d in kept}
    out = []
    for indicator in indicators:
        out.append(
            models.RangeIndicator(
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                value=indicator.value(kept),
                days=[
                    models.DayValue(day=d, value=indicator.value([by_day[d]]) if d in by_day else None)
                    for d in day_range(first, last)
                ],
            )
        )
    return models.RangeOut(first=first, last=last, indicators=out)


def range_of(principal: Principal, query: models.RangeQuery, store: Store | None = None) -> models.RangeOut:
    _check_range(query.from_, query.to)
    indicators = chosen(query.indicators)
    store = store or wiring.reader(principal.tenant)
    return values(indicators, query.from_, query.to, store.days.between(query.from_, query.to))


def workbook(result: models.RangeOut) -> bytes:
    """Two sheets: the indicators by day (names and units in the header, never codes), and the
    definitions."""
    header = ["日期", *(f"{i.name}（{i.unit}）" if i.unit else i.name for i in result.indicators)]
    days = day_range(result.first, result.last)
    rows: list[list[object]] = []
    for n, d in enumerate(days):
        rows.append([d.isoformat(), *(i.days[n].value for i in result.indicators)])
    rows.append(["全期", *(i.value for i in result.indicators)])
    definitions = []
    for i in result.indicators:
        ind = BY_CODE[i.code]
        definitions.append(
            [
                AREAS[ind.area],
                ind.name,
                BY_NAME[ind.numerator].label,
                BY_NAME[ind.denominator].label if ind.denominator else "",
                ind.factor,
                ind.unit,
                AGGREGATES[ind.aggregate],
                ind.definition,
            ]
        )
    return spreadsheet.xlsx_book(
        [
            ("指标", header, rows),
            ("指标定义", ["领域", "指标", "分子", "分母", "系数", "单位", "多日汇总", "定义"], definitions),
        ]
    )


def export(
    principal: Principal,
    query: models.ExportQuery,
    store: Store | None = None,
    files: Files | None = None,
    now: datetime | None = None,
) -> files_models.Download:
    _check_range(query.from_, query.to)
    store = store or wiring.reader(principal.tenant)
    result = values(list(INDICATORS), query.from_, query.to, store.days.between(query.from_, query.to))
    content = workbook(result)
    at = now or now_utc()
    key = f"{principal.tenant}/reports/exports/{query.from_.isoformat()}_{query.to.isoformat()}.xlsx"
    filename = safe_filename(f"医院运营指标 {query.from_.isoformat()} 至 {query.to.isoformat()}.xlsx")
    files = files or wiring.files()
    files.put(key, content, XLSX)
    return files_models.Download(
        url=files.download_url(key, filename, DOWNLOAD_SECONDS),
        filename=filename,
        content_type=XLSX,
        size=len(content),
        expires_at=at + timedelta(seconds=DOWNLOAD_SECONDS),
    )
