"""The daily report's consumers on the local stack (moto): N synthetic events of every counted type.

Starts a LocalStack like ``fh dev`` (no background runner), registers ``--hospitals`` hospitals in the
province's directory, and hands ``--events`` events (the counted types of every producer, in turn, over
the hospitals and a week of days) to the reports consumers' Lambda handlers in SQS batches of 10, as the
queues would. Each event is parsed, its day found in the hospital's zone (read once a process), and its
counts added with the inbox marker in one transaction. Then the same events are handed over again (a
replay): nothing may change.

Reports events per second, DynamoDB calls per event by operation (a botocore hook), and checks that the
kept days hold exactly the events' counts. Its last line is one JSON object with ``events_per_s`` and
``ddb_calls_per_event``.

    python bench/report_bench.py [--events 2000] [--hospitals 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from followup_bench import Calls  # noqa: E402  (the same DynamoDB call counter)
from webhook_bench import sqs_event  # noqa: E402

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


class _Context:
    function_name = "report-bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws-cn:lambda:cn-northwest-1:000000000000:function:report-bench"
    aws_request_id = "bench"


def handler_of(stack: Any, queue: str) -> Any:
    from chalice.app import SQSEventConfig  # type: ignore[attr-defined]

    app = stack.apps["reports"]
    (source,) = [s for s in app.event_sources if isinstance(s, SQSEventConfig) and s.queue == queue]
    return app.handler_map[source.name]


def makers() -> list[Any]:
    """One function per counted type: (tenant, n) → an envelope."""
    from shared.events.published.approvals import INSTANCE_EVENTS, REMINDED, InstanceEvent, TaskEvent
    from shared.events.published.followup import FOLLOWUP_TASK_DONE
    from shared.events.published.followup import TaskEvent as FollowupTask
    from shared.events.published.marketplace import WEBHOOK_DELIVERY_FAILING, DeliveryFailing
    from shared.events.published.messaging import (
        DING_ESCALATED,
        NOTIFICATION_READ,
        NOTIFICATION_SENT,
        STAFF_CREATED,
        DingEscalated,
        NotificationReceipt,
        NotificationSent,
        StaffChanged,
    )
    from shared.events.published.scheduling import ROSTER_DISRUPTED, RosterDisrupted

    def instance(name: str) -> Any:
        def make(tenant: str, n: int) -> Any:
            data = InstanceEvent(
                instance_id=f"i{n}",
                template_id="t",
                template_code="leave",
                submitter="s",
                status=name,
                submitted_at=T0 if name != "submitted" else None,
            )
            return INSTANCE_EVENTS[name].envelope(tenant, data)

        return make

    return [
        instance("submitted"),
        instance("approved"),
        lambda t, n: REMINDED.envelope(
            t, TaskEvent(instance_id=f"i{n}", template_code="leave", step_id="s1", staff_id="a")
        ),
        lambda t, n: NOTIFICATION_SENT.envelope(
            t, NotificationSent(notification_id=f"n{n}", recipient_count=5, ack_required=n % 2 == 0)
        ),
        lambda t, n: NOTIFICATION_READ.envelope(
            t, NotificationReceipt(notification_id=f"n{n}", staff_id="s", sent_at=T0)
        ),
        lambda t, n: DING_ESCALATED.envelope(
            t, DingEscalated(notification_id=f"n{n}", staff_id="s", channel="sms")
        ),
        lambda t, n: STAFF_CREATED.envelope(t, StaffChanged(staff_id=f"s{n}", department_id="d")),
        lambda t, n: ROSTER_DISRUPTED.envelope(
            t,
            RosterDisrupted(
                period_id="p",
                disruption_id=f"x{n}",
                kind="sick",
                staff_id="s",
                days=[date(2026, 12, 3)],
                ward_ids=["w"],
                title="t",
                notify=[],
            ),
        ),
        lambda t, n: FOLLOWUP_TASK_DONE.envelope(
            t,
            FollowupTask(
                task_id=f"t{n}",
                patient_id="p",
                kind="call",
                title="t",
                due=date(2026, 12, 3),
                department_id="d",
            ),
        ),
        lambda t, n: WEBHOOK_DELIVERY_FAILING.envelope(
            t,
            DeliveryFailing(
                installation_id="in",
                app_id="a",
                app_name="排班助手",
                event_type="staff.created",
                message_id=f"m{n}",
            ),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--hospitals", type=int, default=10)
    args = parser.parse_args()
    calls = Calls()
    calls.install()
    from fh.local.stack import LocalStack

    home = Path(tempfile.mkdtemp(prefix="fh-report-bench-"))
    stack = LocalStack(home=home, table_prefix="fh-bench", background=False)
    stack.start()
    try:
        run(stack, calls, args.events, args.hospitals)
    finally:
        stack.stop()


def run(stack: Any, calls: Calls, n_events: int, n_hospitals: int) -> None:
    from chalicelib.reports import consumers
    from chalicelib.reports.adapters.dynamodb import DynamoStore

    from fh.tenancy_store import register

    run_id = uuid.uuid4().hex[:6]
    hospitals = [f"bench-r{run_id}-{n:02d}" for n in range(n_hospitals)]
    for h in hospitals:
        register(h, h, "local")
    by_source = {sub.source: sub for sub in consumers.SUBSCRIPTIONS}
    make = makers()
    events = []
    for n in range(n_events):
        envelope = make[n % len(make)](hospitals[n % n_hospitals], n)
        events.append(envelope.model_copy(update={"time": T0 + timedelta(hours=(n * 7) % (24 * 7))}))
    batches: list[tuple[Any, list[Any]]] = []
    for source, sub in by_source.items():
        mine = [e for e in events if e.source == source]
        handler = handler_of(stack, sub.queue_name)
        batches += [(handler, mine[i : i + 10]) for i in range(0, len(mine), 10)]

    def hand(round_name: str) -> float:
        started = time.perf_counter()
        for handler, batch in batches:
            failures = (handler(sqs_event(batch), _Context()) or {}).get("batchItemFailures")
            if failures:
                raise SystemExit(f"{round_name}: {len(failures)} events failed")
        return time.perf_counter() - started

    before = calls.snapshot()
    elapsed = hand("first")
    used = calls.snapshot() - before

    def kept() -> dict[str, float]:
        out: dict[str, float] = {}
        for h in hospitals:
            for day in DynamoStore(h).days.between(date(2026, 11, 30), date(2026, 12, 10)):
                for k, v in day.values.items():
                    out[k] = out.get(k, 0) + v
        return out

    first = kept()
    replay_elapsed = hand("replay")
    assert kept() == first, "a replay changed the figures"
    counted = sum(v for k, v in first.items() if k in ("approvals.submitted", "staff.joined"))
    per_event = {op: round(n / n_events, 3) for op, n in sorted(used.items())}
    total = round(sum(used.values()) / n_events, 3)
    rate = n_events / elapsed
    print(f"{n_events} events over {n_hospitals} hospitals in {elapsed:.1f} s: {rate:.0f} events/s")
    print(f"DynamoDB calls per event: {total} ({per_event})")
    print(f"replay of the same {n_events} events: {replay_elapsed:.1f} s, nothing changed")
    print(
        json.dumps(
            {
                "bench": "report",
                "events": n_events,
                "hospitals": n_hospitals,
                "events_per_s": round(n_events / elapsed, 1),
                "ddb_calls_per_event": total,
                "ddb_calls_by_operation": per_event,
                "replay_events_per_s": round(n_events / replay_elapsed, 1),
                "checked_counts": counted,
            }
        )
    )


if __name__ == "__main__":
    main()
