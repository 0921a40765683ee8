"""The daily report page in a real browser: Debian's headless Chromium, driven over the DevTools
protocol on a pipe (``tests/browser.py``), loads the page from the local stack over HTTP at a phone's
width after a scripted month of figures, and the test reads the rendered numbers back.

``FH_UPDATE_SCREENSHOTS=1`` writes the phone-width screenshot the report guide shows
(``docs/img/report-phone.png``).
"""

from __future__ import annotations

import base64
import math
import os
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from chalicelib.reports.adapters.dynamodb import DynamoStore
from chalicelib.reports.domain.days import Contribution
from chalicelib.reports.service.daily import today_in

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork
from tests.browser import Browser, available
from tests.conftest import register_hospital

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not available(), reason="Debian's chromium is not installed (make install installs it)"
    ),
]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "report-phone.png"
PHONE_WIDTH = 390


def demo_day(i: int) -> tuple[dict[str, float], dict[str, float], dict[str, list[float]]]:
    """A plausible county hospital's day ``i`` (counts, census, samples): weekly rhythm and a little noise."""
    weekday = i % 7
    wave = math.sin(i / 4.0)
    busy = 1.0 if weekday < 5 else 0.6
    census = {
        "census.outpatient_visits": round(1850 * busy + 120 * wave),
        "census.emergency_visits": round(210 + 25 * math.cos(i / 3.0)),
        "census.admissions": round(92 * busy + 8 * wave),
        "census.discharges": round(88 * busy + 6 * math.cos(i / 2.0)),
        "census.inpatients": round(612 + 20 * wave),
        "census.beds_open": 680,
        "census.discharged_bed_days": round((88 * busy + 6 * math.cos(i / 2.0)) * (7.6 + 0.4 * wave)),
        "census.surgeries": round(46 * busy + 5 * wave),
    }
    counts = {
        "approvals.submitted": round(34 * busy + 6 * wave),
        "approvals.approved": round(29 * busy + 5 * wave),
        "approvals.rejected": 2 + i % 3,
        "approvals.overdue_tasks": (i * 7 + 3) % 5,
        "messaging.notifications_sent": round(140 * busy + 20 * wave),
        "messaging.notification_recipients": round(900 * busy + 100 * wave),
        "messaging.notifications_read": round((900 * busy + 100 * wave) * (0.82 + 0.05 * wave)),
        "messaging.ack_requested": 60,
        "messaging.notifications_acknowledged": 48 + i % 9,
        "messaging.ding_sms": i % 4,
        "messaging.ding_phone": i % 2,
        "staff.joined": 1 if i % 6 == 0 else 0,
        "staff.left": 1 if i % 11 == 0 else 0,
        "scheduling.shortfall_shifts": (i * 3 + 1) % 4,
    }
    samples = {"approvals.turnaround_hours": [1.5 + (i + k) % 7 for k in range(5)]}
    return counts, census, samples


def write_day(tenant: str, day: date, i: int) -> tuple[dict[str, float], dict[str, float]]:
    counts, census, samples = demo_day(i)
    principal = Principal(tenant=tenant, user="service:reports", kind="service")
    for stage in ("counts", "census"):  # a transaction touches an item once
        store = DynamoStore(tenant, UnitOfWork("reports", principal, "demo"), principal, "demo")
        if stage == "counts":
            store.days.add(Contribution(day=day, counts=counts, samples=samples))
        else:
            store.days.set_census(day, census, by="his")
        store.uow.commit()
    return counts, census


def test_the_report_page_on_a_phone_shows_what_was_written_and_nothing_else(stack: Any) -> None:
    tenant = f"t-demo{uuid.uuid4().hex[:8]}"
    register_hospital(tenant, "滨江区人民医院")
    day = today_in(None) - timedelta(days=1)
    written = {}
    for back in range(30):
        written[back] = write_day(tenant, day - timedelta(days=back), 100 - back)
    write_day(tenant, day.replace(year=day.year - 1) if not (day.month == 2 and day.day == 29) else day, 7)
    counts, census = written[0]
    token = stack.token(tenant, "director", ["hospital_leader"])
    url = f"{stack.url}/reports/daily/{day.isoformat()}/page"

    with Browser() as browser:
        for domain in ("Runtime", "Log", "Network", "Page"):
            browser.send(f"{domain}.enable")
        browser.send("Network.setExtraHTTPHeaders", headers={"Authorization": f"Bearer {token}"})
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            width=PHONE_WIDTH,
            height=844,
            deviceScaleFactor=2,
            mobile=True,
        )
        browser.send("Page.navigate", url=url)
        browser.wait_for("Page.loadEventFired")

        shown = browser.evaluate(
            "Object.fromEntries([...document.querySelectorAll('[data-indicator]')]"
            ".map(e => [e.dataset.indicator, e.dataset.value]))"
        )
        texts = browser.evaluate(
            "[...document.querySelectorAll('[data-indicator]')].map(e => [e.dataset.indicator, e.textContent])"
        )
        title = browser.evaluate("document.querySelector('h1').textContent")
        width = browser.evaluate("document.documentElement.scrollWidth")

        assert title == "滨江区人民医院 院长日报"
        assert shown["outpatient_visits"] == str(int(census["census.outpatient_visits"]))
        assert shown["inpatients"] == str(int(census["census.inpatients"]))
        occupancy = round(census["census.inpatients"] / census["census.beds_open"] * 100, 2)
        assert float(shown["bed_occupancy"]) == occupancy
        assert shown["approvals_submitted"] == str(int(counts["approvals.submitted"]))
        assert shown["approvals_overdue"] == str(int(counts["approvals.overdue_tasks"]))
        assert shown["roster_shortfall"] == str(int(counts["scheduling.shortfall_shifts"]))
        assert (
            shown["followups_due"] == "0" and shown["followup_completion_rate"] == ""
        )  # nothing due: no rate
        assert ("followup_completion_rate", "—") in [tuple(t) for t in texts]
        assert browser.errors() == []
        outside = [u for u in browser.requested() if not u.startswith((stack.url + "/", "data:"))]
        assert outside == [], outside
        assert width <= PHONE_WIDTH

        shot = browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        png = base64.b64decode(shot["data"])
        assert png.startswith(b"\x89PNG")
        if os.environ.get("FH_UPDATE_SCREENSHOTS"):
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            SCREENSHOT.write_bytes(png)

        pdf = base64.b64decode(
            browser.send("Page.printToPDF", paperWidth=8.27, paperHeight=11.69, printBackground=True)["data"]
        )
        assert pdf.startswith(b"%PDF")
        pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
        assert 1 <= pages <= 6, pages
