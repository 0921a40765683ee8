"""Partner webhooks on the local stack: 10,000 events to 50 endpoints on loopback receivers.

Starts a LocalStack like ``fh dev`` (loopback http allowed, nothing else), installs one partner app in
each of 50 hospitals (its standing written as the marketplace writes it, its ``app.installed`` through
the marketplace's lifecycle consumer, which makes the endpoint and its secret), starts 50 receivers
(``fh partner receive``, in-process: each verifies every signature) and reads each endpoint's secret over
HTTP (the partner's route). Then ``--events`` staff events (200 per hospital) are handed to the
dispatcher's Lambda handler in SQS batches of 10, from ``--threads`` threads, as the queue would: each
is fanned out (standing, endpoints, message + timer), sent at once (timer claimed, POST, attempt
recorded). The stream, relay and bus before the queue are not run (they are the platform's).

Reports deliveries per second, the p50/p99 latency from the event being put on the queue to the
receiver having verified it, and DynamoDB calls per delivery (counted by a botocore hook). Its last
line is one JSON object with at least ``deliveries_per_s``, ``p99_ms`` and ``ddb_calls_per_delivery``.
Everything runs on 127.0.0.1.

    python bench/webhook_bench.py [--events 10000] [--endpoints 50] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from followup_bench import Calls, pct  # noqa: E402  (the same DynamoDB call counter)

PARTNER = "bench-partner"
APP = "app-bench"


class _Context:
    function_name = "webhook-bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws-cn:lambda:cn-northwest-1:000000000000:function:webhook-bench"
    aws_request_id = "bench"


def sqs_event(envelopes: list[Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": uuid.uuid4().hex,
                "receiptHandle": "bench",
                "body": json.dumps(
                    {"detail-type": e.type, "source": f"fh.{e.source}", "detail": e.model_dump(mode="json")},
                    ensure_ascii=False,
                ),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws-cn:sqs:cn-northwest-1:000000000000:bench",
                "awsRegion": "cn-northwest-1",
            }
            for e in envelopes
        ]
    }


def handler_of(stack: Any, queue: str) -> Any:
    from chalice.app import SQSEventConfig  # type: ignore[attr-defined]

    app = stack.apps["marketplace"]
    (source,) = [s for s in app.event_sources if isinstance(s, SQSEventConfig) and s.queue == queue]
    return app.handler_map[source.name]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    calls = Calls()
    calls.install()
    from fh.local.stack import LocalStack

    home = Path(tempfile.mkdtemp(prefix="fh-webhook-bench-"))
    stack = LocalStack(home=home, table_prefix="fh-bench", background=False)
    stack.start()
    try:
        run(stack, calls, args.events, args.endpoints, args.threads)
    finally:
        stack.stop()


def run(stack: Any, calls: Calls, n_events: int, n_endpoints: int, threads: int) -> None:
    from chalicelib.marketplace.consumers import LIFECYCLE, MESSAGING

    from fh.partner import Receiver
    from shared.events.published.marketplace import APP_INSTALLED, InstallationChanged
    from shared.events.published.messaging import STAFF_CREATED, StaffChanged
    from shared.installations import StandingItem

    lifecycle, dispatch = handler_of(stack, LIFECYCLE.queue_name), handler_of(stack, MESSAGING.queue_name)
    partner = stack.token(PARTNER, "bench-dev", [], kind="partner")
    receivers: dict[str, Receiver] = {}
    for n in range(n_endpoints):
        hospital, installation = f"bench-h{n:02d}", f"inbench{n:04d}"
        StandingItem.new(
            hospital,
            installation,
            app_id=APP,
            app_name="排班助手",
            partner=PARTNER,
            status="active",
            scopes=["directory:read", "events:read"],
        ).save()
        receiver = Receiver(secret="whsec_" + "A" * 32, quiet=True).start()
        receivers[hospital] = receiver
        change = InstallationChanged(
            installation_id=installation,
            app_id=APP,
            app_name="排班助手",
            partner=PARTNER,
            version=1,
            scopes=["directory:read", "events:read"],
            events=["staff.*"],
            webhook_url=receiver.url,
            by="bench",
        )
        assert not (lifecycle(sqs_event([APP_INSTALLED.envelope(hospital, change)]), _Context()) or {}).get(
            "batchItemFailures"
        )
        status, body = stack.request(
            "POST", f"/marketplace/apps/{APP}/installations/{installation}/endpoint/secret", partner, {}
        )
        assert status == 200, body
        receiver.secret = body["secret"]
        receiver.events.clear()
    print(f"{n_endpoints} hospitals, one installation and one loopback receiver each", flush=True)

    hospitals = list(receivers)
    events = [
        STAFF_CREATED.envelope(
            hospitals[i % len(hospitals)],
            StaffChanged(staff_id=f"s{i}", name="林晓", department_id="d1", roles=["nurse"]),
        )
        for i in range(n_events)
    ]
    batches = [events[i : i + 10] for i in range(0, len(events), 10)]
    queued_at: dict[str, float] = {}
    lock = threading.Lock()

    def consume(batch: list[Any]) -> int:
        with lock:
            now = time.time()
            for e in batch:
                queued_at[e.id] = now
        result = dispatch(sqs_event(batch), _Context()) or {}
        return len(result.get("batchItemFailures", []))

    before = calls.snapshot()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        failures = sum(pool.map(consume, batches))
    elapsed = time.perf_counter() - started
    spent = calls.snapshot() - before
    received = [(e, at) for r in receivers.values() for _, e, at in r.events]
    latencies = [(at - queued_at[e["id"]]) * 1000 for e, at in received if e["id"] in queued_at]
    rejected = sum(len(r.rejected) for r in receivers.values())
    for r in receivers.values():
        r.stop()
    deliveries = len(received)
    per_delivery = sum(spent.values()) / max(1, deliveries)
    print(
        f"events {n_events}, deliveries {deliveries}, failed batches' records {failures}, rejected {rejected}"
    )
    print(f"{elapsed:.1f} s: {deliveries / elapsed:.0f} deliveries/s from {threads} threads")
    print(f"queue → receiver latency: p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms")
    print(
        "DynamoDB calls per delivery: "
        + ", ".join(f"{op} {n / max(1, deliveries):.2f}" for op, n in sorted(spent.items()))
    )
    print(
        json.dumps(
            {
                "events": n_events,
                "endpoints": n_endpoints,
                "deliveries": deliveries,
                "rejected": rejected,
                "deliveries_per_s": round(deliveries / elapsed, 1),
                "p50_ms": round(pct(latencies, 0.5), 1),
                "p99_ms": round(pct(latencies, 0.99), 1),
                "ddb_calls_per_delivery": round(per_delivery, 2),
                "ddb_calls": dict(spent),
            }
        )
    )


if __name__ == "__main__":
    main()
