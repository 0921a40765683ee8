"""Botocore event hooks on every DynamoDB client the process makes: count calls, inject faults.

``install()`` wraps ``botocore.session.Session.create_client`` once, so each DynamoDB client (PynamoDB's
per-thread ones, boto3's, Powertools') gets two handlers: ``before-parameter-build`` counts API calls per
operation and ``before-send`` can answer a request with a fake error instead of sending it. Both act only
for the threads a test selected, so the trigger runner's background work never pollutes a count.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse

IDEMPOTENCY_SUFFIX = "-idempotency"
_installed = False
_lock = threading.Lock()


@dataclass
class CallLog:
    """DynamoDB calls made by one thread, per API operation (the idempotency table kept apart)."""

    thread: int
    calls: Counter[str] = field(default_factory=Counter)
    idempotency: Counter[str] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)


@dataclass
class Fault:
    """Answer ``operation`` (None: any) with a DynamoDB error, ``times`` times (-1: always)."""

    code: str
    operation: str | None = None
    times: int = -1
    status: int = 400
    message: str = "injected by the quality gates"
    unprocessed: bool = False
    injected: int = 0

    def matches(self, operation: str) -> bool:
        return (self.operation is None or self.operation == operation) and self.times != 0

    def response(self, request: Any) -> AWSResponse:
        self.injected += 1
        if self.times > 0:
            self.times -= 1
        if self.unprocessed:
            body = json.loads(request.body or b"{}")
            key = "UnprocessedItems" if "RequestItems" in body else "UnprocessedKeys"
            payload: dict[str, Any] = {key: body.get("RequestItems", {})}
            if key == "UnprocessedKeys":
                payload["Responses"] = {}
            return AWSResponse(request.url, 200, {"x-amzn-requestid": "fault"}, _Raw(json.dumps(payload)))
        payload = {"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}", "message": self.message}
        return AWSResponse(request.url, self.status, {"x-amzn-requestid": "fault"}, _Raw(json.dumps(payload)))


class _Raw:
    """The minimal raw-stream interface ``AWSResponse.content`` reads."""

    def __init__(self, text: str):
        self._data = text.encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


_logs: dict[int, CallLog] = {}
_faults: dict[int, Fault] = {}


def _on_call(model: Any, params: dict[str, Any], **_: Any) -> None:
    log = _logs.get(threading.get_ident())
    if log is None:
        return
    table = str(params.get("TableName", ""))
    target = log.idempotency if table.endswith(IDEMPOTENCY_SUFFIX) else log.calls
    target[model.name] += 1


def _on_send(request: Any, **_: Any) -> AWSResponse | None:
    ident = threading.get_ident()
    fault = _faults.get(ident)
    log = _logs.get(ident)
    target = request.headers.get("X-Amz-Target", b"")
    operation = (target.decode() if isinstance(target, bytes) else str(target)).rpartition(".")[2]
    if log is not None:
        log.attempts[operation] += 1
    if fault is not None and fault.matches(operation):
        return fault.response(request)
    return None


def _register(client: Any) -> None:
    if client.meta.service_model.service_name == "dynamodb":
        client.meta.events.register("before-parameter-build.dynamodb", _on_call)
        client.meta.events.register_first("before-send.dynamodb", _on_send)


def install() -> None:
    """Hook every DynamoDB client made from now on (call before the stack makes its first client)."""
    global _installed
    with _lock:
        if _installed:
            return
        original = botocore.session.Session.create_client

        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            _register(client)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
        _installed = True


@contextmanager
def counting() -> Iterator[CallLog]:
    """Count the DynamoDB calls this thread makes inside the block."""
    ident = threading.get_ident()
    log = CallLog(ident)
    _logs[ident] = log
    try:
        yield log
    finally:
        _logs.pop(ident, None)


@contextmanager
def injecting(fault: Fault) -> Iterator[Fault]:
    """Answer this thread's matching DynamoDB requests with ``fault`` inside the block."""
    ident = threading.get_ident()
    _faults[ident] = fault
    try:
        yield fault
    finally:
        _faults.pop(ident, None)
