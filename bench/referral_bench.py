"""Two-way referral and consultation over HTTP on the local stack: a clinic refers its patients up to the
county hospital of its consortium, the county's referral desk pages its in box and accepts them all, and
the county's doctors ask emergency consultations.

Starts a LocalStack like ``fh dev`` (without its background trigger runner: the events wait in the outbox,
so only the requests' own DynamoDB calls are counted), makes the two hospitals and their consortium through
messaging's routes, registers ``--referrals`` patients at the clinic (not measured), then measures over
HTTP: each referral (``POST /followup/referrals``: both ends, the receiver's SLA timer, the audits, the
counters, one transaction), the desk's in box paged 100 at a time (``GET /followup/referrals?box=in``),
each acceptance (``POST /followup/referrals/{id}/accept``: the identity sealed into a patient of the county,
both access logs), and ``--consultations`` emergency consultations (``POST /followup/consultations``).

Reports, on stdout: ms per request (p50/p95) and DynamoDB calls per request for each route, the board's
pages. Its last line is one JSON object with at least ``referrals``, ``ddb_calls_per_referral``,
``ddb_calls_per_acceptance`` and ``board_page_ms``. Everything runs on 127.0.0.1.

    python bench/referral_bench.py [--referrals 500] [--consultations 100] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from followup_bench import Calls, pct  # noqa: E402  (the same DynamoDB call counter)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(n: int) -> str:
    """A valid, distinct resident ID number (GB 11643) for the n-th patient."""
    born = date(1940, 1, 1) + timedelta(days=(n * 7919) % (60 * 365))
    head = f"110106{born:%Y%m%d}{n % 1000:03d}"
    return head + "10X98765432"[sum(int(d) * w for d, w in zip(head, WEIGHTS, strict=True)) % 11]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=500)
    parser.add_argument("--consultations", type=int, default=100)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    calls = Calls()
    calls.install()
    from fh.local.stack import LocalStack

    home = Path(tempfile.mkdtemp(prefix="fh-referral-bench-"))
    stack = LocalStack(home=home, table_prefix="fh-bench", background=False)
    stack.start()
    try:
        run(stack, calls, args.referrals, args.consultations, args.threads)
    finally:
        stack.stop()


def ok(result: tuple[int, Any], *expected: int) -> Any:
    status, body = result
    if status not in (expected or (200,)):
        raise SystemExit(f"unexpected {status}: {json.dumps(body, ensure_ascii=False)[:400]}")
    return body


def timed(
    calls: Calls, threads: int, items: list[Any], send: Callable[[Any], Any]
) -> tuple[list[Any], list[float], float]:
    """Each item sent from ``threads`` clients: the answers, each request's seconds, calls per request."""
    latencies: list[float] = []
    answers: list[Any] = []
    lock = threading.Lock()

    def one(item: Any) -> None:
        started = time.perf_counter()
        answer = send(item)
        with lock:
            latencies.append(time.perf_counter() - started)
            answers.append(answer)

    before = calls.snapshot()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, items))
    spent = calls.snapshot() - before
    return answers, latencies, sum(spent.values()) / max(1, len(items))


def run(stack: Any, calls: Calls, n: int, n_consultations: int, threads: int) -> None:
    from fh.tenancy_store import register

    county, clinic = "bench-county", "bench-clinic"
    register(county, "县人民医院", "local")
    register(clinic, "城关镇卫生院", "local")
    county_admin = stack.token(county, "admin-c", ["hospital_admin"])
    clinic_admin = stack.token(clinic, "admin-t", ["hospital_admin"])
    cid = ok(
        stack.request(
            "POST",
            "/messaging/consortia",
            county_admin,
            {"name": "县域医共体", "hospital_name": "县人民医院"},
        ),
        201,
    )["id"]
    ok(
        stack.request(
            "POST", f"/messaging/consortia/{cid}/invitations", county_admin, {"hospital_id": clinic}
        )
    )
    ok(
        stack.request(
            "POST", f"/messaging/consortia/{cid}/accept", clinic_admin, {"hospital_name": "城关镇卫生院"}
        )
    )

    def department(token: str, name: str) -> str:
        return str(ok(stack.request("POST", "/messaging/departments", token, {"name": name}), 201)["id"])

    def person(token: str, name: str, no: str, dept: str, role: str, user: str) -> str:
        body = {"name": name, "employee_no": no, "department_id": dept, "roles": [role], "user_id": user}
        return str(ok(stack.request("POST", "/messaging/staff", token, body), 201)["id"])

    gp = department(clinic_admin, "全科")
    cardio = department(county_admin, "心血管内科")
    icu = department(county_admin, "重症医学科")
    desk_unit = department(county_admin, "转诊中心")
    person(clinic_admin, "郑医生", "T1", gp, "doctor", "gp")
    person(county_admin, "赵转诊", "C1", desk_unit, "referral_desk", "desk")
    person(county_admin, "冯医生", "C2", cardio, "doctor", "feng")
    person(county_admin, "王医生", "C3", icu, "doctor", "wang")
    stack.drain()
    gp_token = stack.token(clinic, "gp", ["doctor"])
    desk = stack.token(county, "desk", ["referral_desk"])
    feng = stack.token(county, "feng", ["doctor"])

    patients = [
        ok(
            stack.request(
                "POST",
                "/followup/patients",
                gp_token,
                {
                    "name": f"患者{i:05d}",
                    "id_number": resident_id(i),
                    "mobile": f"139{i:08d}",
                    "department_id": gp,
                },
            ),
            201,
        )["id"]
        for i in range(n)
    ]

    def refer(pid: str) -> str:
        body = {
            "patient_id": pid,
            "direction": "up",
            "to_hospital_id": county,
            "consortium_id": cid,
            "to_department_id": cardio,
            "urgency": "urgent",
            "reason": "血压控制不佳",
            "diagnosis_code": "I10",
            "diagnosis_name": "原发性高血压",
            "consent": {"given": True, "method": "signed"},
        }
        return str(ok(stack.request("POST", "/followup/referrals", gp_token, body), 201)["id"])

    referrals, refer_s, refer_calls = timed(calls, threads, patients, refer)
    print(
        f"{n} referrals up, from {threads} clients: request p50 {pct(refer_s, 0.5) * 1000:.0f} ms, "
        f"p95 {pct(refer_s, 0.95) * 1000:.0f} ms; {refer_calls:.2f} DynamoDB calls a referral"
    )

    pages: list[float] = []
    page_calls: list[int] = []
    seen, cursor = 0, ""
    while True:
        path = "/followup/referrals?box=in&state=requested&limit=100" + (
            f"&cursor={cursor}" if cursor else ""
        )
        before = calls.snapshot()
        started = time.perf_counter()
        page = ok(stack.request("GET", path, desk))
        pages.append((time.perf_counter() - started) * 1000)
        page_calls.append(sum((calls.snapshot() - before).values()))
        seen += len(page["items"])
        cursor = page.get("next_cursor") or ""
        if not cursor:
            break
    print(
        f"the desk's in box: {seen} referrals in {len(pages)} pages of 100; {pct(pages, 0.5):.0f} ms a page "
        f"(p95 {pct(pages, 0.95):.0f} ms), {max(page_calls)} DynamoDB calls a page at most"
    )

    def accept(rid: str) -> str:
        body = {"appointment_at": "2026-12-08T09:00:00+08:00"}
        return str(ok(stack.request("POST", f"/followup/referrals/{rid}/accept", desk, body))["state"])

    states, accept_s, accept_calls = timed(calls, threads, referrals, accept)
    assert Counter(states) == {"accepted": n}, Counter(states)
    print(
        f"{n} acceptances (identity sealed into a county patient, both access logs): p50 "
        f"{pct(accept_s, 0.5) * 1000:.0f} ms, p95 {pct(accept_s, 0.95) * 1000:.0f} ms; "
        f"{accept_calls:.2f} DynamoDB calls an acceptance"
    )

    county_patients = [
        ok(stack.request("GET", f"/followup/referrals/{rid}", feng))["patient_id"]
        for rid in referrals[:n_consultations]
    ]

    def consult(pid: str) -> str:
        body = {"patient_id": pid, "urgency": "emergency", "department_ids": [icu], "question": "请会诊"}
        return str(ok(stack.request("POST", "/followup/consultations", feng, body), 201)["id"])

    _, consult_s, consult_calls = timed(calls, threads, county_patients, consult)
    print(
        f"{len(county_patients)} emergency consultations (two SLA timers each): p50 "
        f"{pct(consult_s, 0.5) * 1000:.0f} ms, p95 {pct(consult_s, 0.95) * 1000:.0f} ms; "
        f"{consult_calls:.2f} DynamoDB calls a request"
    )
    print(
        json.dumps(
            {
                "referrals": n,
                "referral_ms_p50": round(pct(refer_s, 0.5) * 1000, 1),
                "referral_ms_p95": round(pct(refer_s, 0.95) * 1000, 1),
                "ddb_calls_per_referral": round(refer_calls, 2),
                "acceptance_ms_p50": round(pct(accept_s, 0.5) * 1000, 1),
                "ddb_calls_per_acceptance": round(accept_calls, 2),
                "board_pages": len(pages),
                "board_page_ms": round(pct(pages, 0.5), 1),
                "board_page_ddb_calls": max(page_calls),
                "consultations": len(county_patients),
                "consultation_ms_p50": round(pct(consult_s, 0.5) * 1000, 1),
                "ddb_calls_per_consultation": round(consult_calls, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
