"""Faults: what AWS does on a bad day must end in a retry, a clear 4xx/503, or the DLQ — never a loss or 500.

- PutEvents failing some entries: only those are retried, every event is delivered once.
- A poison SQS message: reported alone as a batch item failure, reaches the DLQ after max receives,
  while the rest of its batch and the messages after it go through.
- DynamoDB throttling on any call a route makes: bounded retries, then 503 with Retry-After.
- UnprocessedItems from batch writes: bounded retries, then an error (never silently dropped).
- The same event delivered twice: one effect, and the repeat is acknowledged (not retried into the DLQ).
- A TransactionCanceled condition failure: 409 problem+json, nothing half-written.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests.quality import botocore_hooks
from tests.quality.botocore_hooks import Fault
from tests.quality.budget import inproc_caller
from tests.quality.scenarios import marks
from tests.quality.surface import ResourceMaker, all_roles, all_routes, route_id

pytestmark = pytest.mark.e2e
MAX_ATTEMPTS_PER_CALL = 10


def _make_staff(stack: Any, token: str) -> dict[str, Any]:
    status, department = stack.request("POST", "/messaging/departments", token, {"name": "急诊科"})
    assert status == 201, department
    body = {"name": "李四", "employee_no": f"E{uuid.uuid4().hex[:8]}", "department_id": department["id"]}
    status, staff = stack.request("POST", "/messaging/staff", token, body)
    assert status == 201, staff
    return dict(staff)


def _projected(stack: Any, token: str, staff_id: str) -> Callable[[], Any]:
    def check() -> Any:
        status, page = stack.request("GET", "/scheduling/staff", token)
        return status == 200 and [s for s in page["items"] if s["id"] == staff_id]

    return check


# --- PutEvents failing some entries ----------------------------------------------------------------


class FlakyEvents:
    """Wraps the real EventBridge client; the first attempt at every other entry fails (as AWS may)."""

    def __init__(self, real: Any, tenant: str):
        self.real = real
        self.tenant = tenant
        self.failed_once: set[str] = set()
        self.accepted: Counter[str] = Counter()
        self.failures = 0

    def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        results: list[dict[str, Any] | None] = []
        forward = []
        for index, entry in enumerate(Entries):
            event_id = json.loads(entry["Detail"])["id"]
            ours = json.loads(entry["Detail"])["tenant"] == self.tenant
            if ours and index % 2 == 0 and event_id not in self.failed_once:
                self.failed_once.add(event_id)
                self.failures += 1
                results.append({"ErrorCode": "InternalFailure", "ErrorMessage": "injected"})
            else:
                results.append(None)
                forward.append(entry)
        response = self.real.put_events(Entries=forward) if forward else {"Entries": []}
        sent = iter(response["Entries"])
        merged = []
        for entry, result in zip(Entries, results, strict=True):
            if result is None:
                result = next(sent)
                if "EventId" in result and json.loads(entry["Detail"])["tenant"] == self.tenant:
                    self.accepted[json.loads(entry["Detail"])["id"]] += 1
            merged.append(result)
        return {"FailedEntryCount": sum("ErrorCode" in r for r in merged), "Entries": merged}


def test_put_events_partial_failure_is_retried_and_delivered_once(
    stack: Any, tenant: str, admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared import aws

    real_client = aws.client
    flaky = FlakyEvents(real_client("events"), tenant)
    monkeypatch.setattr(aws, "client", lambda name: flaky if name == "events" else real_client(name))

    staff = _make_staff(stack, admin)
    stack.drain()  # the relay's failed entries are retried within its rounds
    assert _projected(stack, admin, staff["id"])()

    assert flaky.failures >= 1, "no entry failed: the fault was never exercised"
    assert flaky.failed_once <= set(flaky.accepted), "a failed entry was never re-sent"
    assert set(flaky.accepted.values()) == {1}, f"an event was published more than once: {flaky.accepted}"
    assert len(flaky.accepted) == 2  # department.created and staff.created


def test_relay_gives_up_loudly_with_bounded_backoff() -> None:
    """An entry that always fails: bounded attempts with growing backoff, then RelayError (the stream
    trigger retries the batch) — never a silent drop."""
    from shared.events.envelope import EventEnvelope
    from shared.events.relay import RelayError, publish

    class AlwaysFailsOne:
        def __init__(self) -> None:
            self.calls: list[int] = []

        def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            self.calls.append(len(Entries))
            results = [{"EventId": "ok"} for _ in Entries]
            results[0] = {"ErrorCode": "InternalFailure"}
            return {"FailedEntryCount": 1, "Entries": results}

    client = AlwaysFailsOne()
    sleeps: list[float] = []
    envelopes = [EventEnvelope(source="q", type="q.test", tenant="t-relay", data={}) for _ in range(3)]
    with pytest.raises(RelayError):
        publish(envelopes, client, "bus", attempts=4, sleep=sleeps.append)
    assert client.calls == [3, 1, 1, 1], "only the failed entry is retried"
    assert sleeps == sorted(sleeps) and len(sleeps) == 3 and sleeps[-1] > sleeps[0]


# --- Poison SQS messages ---------------------------------------------------------------------------


def _sqs_record(body: str) -> dict[str, Any]:
    message_id = str(uuid.uuid4())
    return {
        "messageId": message_id,
        "receiptHandle": message_id,
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws-cn:sqs:cn-northwest-1:123456789012:q",
        "awsRegion": "cn-northwest-1",
    }


def _bus_body(envelope: Any) -> str:
    return json.dumps(
        {
            "detail-type": envelope.type,
            "source": f"fh.{envelope.source}",
            "detail": envelope.model_dump(mode="json"),
        }
    )


def _staff_created(tenant: str, staff_id: str) -> Any:
    from shared.events.envelope import EventEnvelope

    return EventEnvelope(
        source="messaging",
        type="staff.created",
        tenant=tenant,
        data={"staff_id": staff_id, "department_id": "d"},
    )


def _inbox_markers(tenant: str, subscription: str) -> set[str]:
    from shared.persistence.models import service_item_models, tenant_key

    inbox = service_item_models("scheduling")["inbox"]
    return {
        i.sk.partition("#")[2]
        for i in inbox.query(tenant_key(tenant, "inbox"))
        if i.sk.startswith(subscription + "#")
    }


def _consumers(stack: Any) -> list[tuple[str, Any, Any]]:
    """Every SQS consumer of every service: (service, event source, Lambda handler)."""
    return [
        (service, source, app.handler_map[source.name])
        for service, app in stack.apps.items()
        for source in app.event_sources
        if hasattr(source, "queue")
    ]


def _invoke(handler: Any, records: list[dict[str, Any]]) -> set[str]:
    """Run a consumer's Lambda handler on an SQS batch; the ids it reports failed (all, if it raised)."""
    from chalice.local import LambdaContext

    try:
        result = handler({"Records": records}, LambdaContext("quality", 256, 60_000)) or {}
    except Exception:  # noqa: BLE001 - Lambda retries the whole batch when the handler raises
        return {r["messageId"] for r in records}
    return {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}


def _outbox_events(tenant: str, event_type: str) -> list[Any]:
    from shared.events.envelope import EventEnvelope
    from shared.persistence.models import service_item_models, tenant_key

    outbox = service_item_models("messaging")["outbox"]
    events = [EventEnvelope.model_validate_json(i.event) for i in outbox.query(tenant_key(tenant, "outbox"))]
    return [e for e in events if e.type == event_type]


def test_consumers_are_discovered(stack: Any) -> None:
    assert _consumers(stack), "no SQS consumer found: the poison and duplicate gates would be empty"


def test_poison_message_fails_alone_in_its_batch(stack: Any, tenant: str, admin: str) -> None:
    """One batch: two real events around a poison one; only the poison one is reported failed."""
    staff = [_make_staff(stack, admin) for _ in range(2)]
    stack.drain()
    for member in staff:
        assert _projected(stack, admin, member["id"])()
    real = _outbox_events(tenant, "staff.created")
    assert len(real) == 2
    poison = _sqs_record(_bus_body(_staff_created(tenant, "no-such-staff")))
    garbage = _sqs_record("{not json")
    records = [_sqs_record(_bus_body(real[0])), poison, garbage, _sqs_record(_bus_body(real[1]))]
    handler = next(h for _, source, h in _consumers(stack) if source.queue.endswith("staff-projection"))
    assert _invoke(handler, records) == {poison["messageId"], garbage["messageId"]}


def test_every_consumer_refuses_an_unknown_schema_version_or_malformed_data_alone(
    stack: Any, tenant: str
) -> None:
    """For every subscription of every service: an event of a type it takes, but of a schema version
    this code does not know, or whose data does not fit the published model, fails alone (retried,
    then the DLQ) before any effect: no inbox marker, so a fixed consumer can still apply it."""
    from shared.events.envelope import EventEnvelope
    from shared.persistence.models import service_item_models, tenant_key

    checked = 0
    for app in stack.apps.values():
        for subscription in app.fh_subscriptions:
            handler = next(
                h for _, source, h in _consumers(stack) if source.queue.endswith(subscription.queue_name)
            )
            kind = subscription.event_types[0]
            newer = EventEnvelope(
                source=subscription.source, type=kind, tenant=tenant, schema_version=99, data={}
            )
            malformed = EventEnvelope(source=subscription.source, type=kind, tenant=tenant, data={"x": 1})
            records = [_sqs_record(_bus_body(newer)), _sqs_record(_bus_body(malformed))]
            assert _invoke(handler, records) == {r["messageId"] for r in records}, subscription.name
            inbox = service_item_models(subscription.service)["inbox"]
            markers = {i.sk for i in inbox.query(tenant_key(tenant, "inbox"))}
            assert not markers & {f"{subscription.name}#{newer.id}", f"{subscription.name}#{malformed.id}"}
            checked += 1
    assert checked >= 6, checked


def test_poison_message_reaches_the_dlq_and_the_rest_flows(stack: Any, tenant: str, admin: str) -> None:
    """Through the real queue: the poison message is received max-receives times, then lands in the
    DLQ; a staff member created meanwhile is projected as usual."""
    from fh.local.provision import MAX_RECEIVES

    sqs = boto3.client("sqs")
    prefix = stack.table_prefix
    queue = sqs.get_queue_url(QueueName=f"{prefix}-scheduling-staff-projection")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=f"{prefix}-scheduling-staff-projection-dlq")["QueueUrl"]
    poison_id = f"poison{uuid.uuid4().hex[:12]}"
    sqs.send_message(QueueUrl=queue, MessageBody=_bus_body(_staff_created(tenant, poison_id)))

    member = _make_staff(stack, admin)
    # Each round of the drain receives the poison message again (a failed message is retried at
    # once, not after the visibility timeout) until SQS moves it to the DLQ after max receives.
    stack.drain()
    assert _projected(stack, admin, member["id"])()

    def in_dlq() -> Any:
        messages = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        found = [m for m in messages if poison_id in m["Body"]]
        for m in messages:  # put others' messages straight back
            if m not in found:
                sqs.change_message_visibility(
                    QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
        return found

    found = in_dlq()
    assert found, "the poison message is not in the DLQ"
    receives = int(found[0]["Attributes"]["ApproximateReceiveCount"])
    assert receives >= MAX_RECEIVES, receives
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=found[0]["ReceiptHandle"])


# --- The same event twice ------------------------------------------------------------------------------


def test_duplicate_event_has_one_effect_and_is_acknowledged(stack: Any, tenant: str, admin: str) -> None:
    """SQS delivers at least once: the relay's event arrives again after it was handled."""
    member = _make_staff(stack, admin)
    stack.drain()
    first = _projected(stack, admin, member["id"])()[0]
    (event,) = _outbox_events(tenant, "staff.created")
    handler = next(h for _, source, h in _consumers(stack) if source.queue.endswith("staff-projection"))

    # Twice more, once in a batch of its own and once twice within one batch.
    assert _invoke(handler, [_sqs_record(_bus_body(event))]) == set()
    assert _invoke(handler, [_sqs_record(_bus_body(event)), _sqs_record(_bus_body(event))]) == set()

    status, page = stack.request("GET", "/scheduling/staff", admin)
    assert status == 200
    again = [s for s in page["items"] if s["id"] == member["id"]]
    assert again == [first], "the repeat changed the projection"


# --- DynamoDB throttling -----------------------------------------------------------------------------

THROTTLES = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")
THROTTLED = [
    pytest.param(
        route,
        op,
        THROTTLES[n % len(THROTTLES)],
        id=f"{route_id(route)} {op}",
        marks=marks("throttle", route_id(route)),
    )
    # Public routes too: one that reads the store (a calendar feed) must answer a throttle with a 503.
    for n, (route, op) in enumerate((r, op) for r in all_routes() for op in r.budget)
]


class FastClock:
    """Stands in for ``time`` inside botocore's endpoint: records each retry backoff instead of sleeping
    it (the test asserts the backoffs and the retries' bound; no wall-clock wait adds to that)."""

    def __init__(self) -> None:
        self.backoffs: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.backoffs.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> FastClock:
    import botocore.endpoint

    clock = FastClock()
    monkeypatch.setattr(botocore.endpoint, "time", clock)
    return clock


@pytest.mark.parametrize(("route", "operation", "code"), THROTTLED)
def test_throttled_store_is_503_with_retry_after(
    stack: Any,
    clients: dict[str, Any],
    full_token: Callable[..., str],
    fast_backoff: FastClock,
    route: Any,
    operation: str,
    code: str,
) -> None:
    token = full_token(f"t-th{uuid.uuid4().hex[:10]}")
    stack.discard()  # the earlier tests' backlog: a recipe's settle runs only what this one made
    maker = ResourceMaker(
        call=stack.request,
        mint=stack.token,
        settle=stack.drain,
        solve=stack.run_solver_jobs,
        routes=all_routes(),
    )
    request = maker.prepare_branch(route, operation, token)
    body = request.body
    if route.method == "POST" and isinstance(body, dict) and "parent_id" in route.body.model_fields:
        # Take the branch that reads the parent too, so every declared operation is exercised.
        body = {**body, "parent_id": maker.make(route.service, "/departments", token).id}
    url = request.url(route.service)
    call = inproc_caller(clients)
    token = request.token or token  # a partner route's recipe names its caller

    with botocore_hooks.counting() as log, botocore_hooks.injecting(Fault(code, operation)) as fault:
        status, headers, payload = call(route.method, url, request.token_for(token), body)
    # A declared operation the request did not make is a branch the gate did not reach: a failure,
    # not a skip, until a branch recipe (tests/quality/scenarios.py) takes the route down it.
    assert fault.injected, f"{route_id(route)} made no {operation}: add a branch recipe for it"
    assert status == 503, (status, payload)
    assert headers.get("retry-after", "").isdigit(), headers
    assert payload["type"] == "urn:fh:problem:unavailable"
    assert 1 < log.attempts[operation] <= MAX_ATTEMPTS_PER_CALL, f"retries not bounded/made: {log.attempts}"
    assert fast_backoff.backoffs and all(0 <= b <= 20 for b in fast_backoff.backoffs), fast_backoff.backoffs

    # Once the store recovers, the very same request goes through.
    status, _, payload = call(route.method, url, request.token_for(token), body)
    assert status < 300, (status, payload)


def test_throttled_transaction_reason_is_503(stack: Any, clients: dict[str, Any], admin: str) -> None:
    """DynamoDB may cancel a transaction with a ThrottlingError reason: also a 503, not a 409/500."""
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons [ThrottlingError]",
        "CancellationReasons": [{"Code": "ThrottlingError", "Message": "Throughput exceeds the limit"}],
    }
    fault = Fault("TransactionCanceledException", "TransactWriteItems", message=body["Message"])
    fault.response = _fixed_response(body)  # type: ignore[method-assign]
    call = inproc_caller(clients)
    with botocore_hooks.injecting(fault):
        status, headers, payload = call("POST", "/messaging/departments", admin, {"name": "药剂科"})
    assert status == 503, payload
    assert "retry-after" in headers


def _fixed_response(body: dict[str, Any]) -> Callable[[Any], Any]:
    from botocore.awsrequest import AWSResponse

    from tests.quality.botocore_hooks import _Raw

    def respond(request: Any) -> Any:
        return AWSResponse(request.url, 400, {"x-amzn-requestid": "fault"}, _Raw(json.dumps(body)))

    return respond


def _departments(tenant: str, n: int) -> list[Any]:
    from shared.directory import DepartmentItem

    return [
        DepartmentItem(
            DepartmentItem.partition(tenant), f"d{i:03d}", entity="department", tenant=tenant, name="x"
        )
        for i in range(n)
    ]


def test_unprocessed_items_are_retried_until_every_item_is_stored(stack: Any, tenant: str) -> None:
    """The bulk-write helper the fan-outs use (``shared.persistence.batch.put_all``), on moto: items
    DynamoDB leaves unprocessed are sent again with backoff, and in the end every one is stored."""
    from shared.directory import DepartmentItem
    from shared.persistence.batch import put_all

    fault = Fault("", "BatchWriteItem", times=2, unprocessed=True)
    with botocore_hooks.counting() as log, botocore_hooks.injecting(fault):
        calls = put_all(_departments(tenant, 30), base_delay=0.001)
    assert fault.injected == 2
    assert calls == log.attempts["BatchWriteItem"] == 4  # two batches of 25 + 5, the first sent three times
    stored = list(DepartmentItem.query(DepartmentItem.partition(tenant)))
    assert sorted(d.sk for d in stored) == [f"d{i:03d}" for i in range(30)]


def test_items_still_unprocessed_after_the_attempts_are_an_error_not_a_loss(stack: Any, tenant: str) -> None:
    """When DynamoDB keeps refusing, the helper raises ``TransientStoreError`` (a 503 with Retry-After at
    the API, a redelivery for a consumer) after a bounded number of attempts instead of dropping items."""
    from shared.errors import TransientStoreError
    from shared.persistence.batch import put_all

    fault = Fault("", "BatchWriteItem", unprocessed=True)
    with (
        botocore_hooks.counting() as log,
        botocore_hooks.injecting(fault),
        pytest.raises(TransientStoreError, match="25 items still unprocessed after 4 attempts"),
    ):
        put_all(_departments(tenant, 25), attempts=4, base_delay=0.001)
    assert log.attempts["BatchWriteItem"] == 4


# --- Condition failures ---------------------------------------------------------------------------------


def test_transaction_condition_failure_is_409_and_nothing_half_written(stack: Any, admin: str) -> None:
    status, department = stack.request("POST", "/messaging/departments", admin, {"name": "儿科"})
    assert status == 201
    body = {"name": "王五", "employee_no": "E-dup-1", "department_id": department["id"]}
    assert stack.request("POST", "/messaging/staff", admin, body)[0] == 201
    status, problem = stack.request("POST", "/messaging/staff", admin, {**body, "name": "赵六"})
    assert status == 409, problem
    assert problem["type"] == "urn:fh:problem:conflict"
    status, page = stack.request("GET", "/messaging/staff", admin)
    assert [s["name"] for s in page["items"]] == ["王五"], "the cancelled transaction left a staff record"


def test_roles_for_faults_exist() -> None:
    assert all_roles(all_routes())
