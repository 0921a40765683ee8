"""The picture of the printed ward grid in docs/scheduling.md: a ward of twelve nurses rostered for October
2026 (国庆节) on the defaults, exported by the same code as `…/export.xlsx`, printed by LibreOffice to PDF and
rendered to PNG.

    python -m fh.roster.grid_png docs/img/ward-grid.png

Needs Debian's `libreoffice-calc-nogui` and `poppler-utils` (not the suite: it is a picture for the guide).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from fh.services import add_service_paths

NAMES = ["陈思雨", "李娜", "王芳", "赵敏", "刘洋", "杨静", "黄丽", "周婷", "吴敏", "徐慧", "孙悦", "马兰"]
GRADES = ["N4", "N3", "N3", "N2", "N2", "N2", "N1", "N1", "N1", "N0", "N0", "N1"]


def workbook() -> bytes:
    add_service_paths()
    from chalicelib.scheduling.domain import sheets
    from chalicelib.scheduling.domain.calendar import package_days
    from chalicelib.scheduling.domain.problem import RosterNurse, build_problem, resolved
    from chalicelib.scheduling.domain.roster.solver import SolveOptions, solve
    from chalicelib.scheduling.domain.setup import WardSetup

    start, days = date(2026, 10, 1), 31  # 国庆节 and a 调休 Saturday
    nurses = [RosterNurse(f"n{i}", n, "w", GRADES[i], ("nurse",)) for i, n in enumerate(NAMES)]
    calendar = {d.day: d for d in package_days(start, start + timedelta(days=days - 1))}
    setup = WardSetup("w")
    problem = build_problem(setup, nurses, start, days, calendar=calendar)
    roster = solve(problem, SolveOptions(time_limit=20, seed=0)).roster
    cells: dict[str, dict[date, str]] = {n.staff_id: {} for n in nurses}
    for a in roster.assignments:
        cells[a.nurse][start + timedelta(days=a.day)] = a.shift
    sheet = sheets.Sheet(
        title="心内一病区 2026年10月排班",
        status="第 1 版",
        printed=date(2026, 9, 25),
        days=[start + timedelta(days=d) for d in range(days)],
        shifts=resolved(setup, len(nurses)).shifts,
        nurses=[sheets.SheetNurse(n.staff_id, n.name, n.grade, cells[n.staff_id]) for n in nurses],
        calendar=calendar,
    )
    content: bytes = sheets.write(sheet)
    return content


def main(out: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / "grid.xlsx"
        xlsx.write_bytes(workbook())
        soffice = ["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(xlsx)]
        subprocess.run(soffice, check=True)  # noqa: S603 - a local tool on a file we wrote
        stem = Path(out).with_suffix("")
        pdf = str(Path(tmp) / "grid.pdf")
        # 150 dpi, cut to the grid and its legend (the top of the A4 landscape page)
        crop = ["-x", "40", "-y", "60", "-W", "1680", "-H", "440"]
        render = ["pdftoppm", "-png", "-r", "150", *crop, "-singlefile", pdf, str(stem)]
        subprocess.run(render, check=True)  # noqa: S603
    print(out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/img/ward-grid.png")
