"""The whole province stack in one process: moto server, resources, gateway, trigger runner, demo seed."""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from chalice.app import ScheduledEventConfig
from moto.server import ThreadedMotoServer

from fh.dev_issuer import DevIssuer
from fh.local import moto_fixes
from fh.local.gateway import Gateway, serve
from fh.local.provision import provision
from fh.local.runner import QueueTrigger, ScheduleTrigger, StreamTrigger, TriggerRunner
from fh.local.solver import LocalSolverFunction
from fh.services import load_apps
from shared import aws, crypto, idempotency
from shared.auth import get_verifier
from shared.persistence.tables import TABLES
from shared.settings import get_settings, reset_settings

LOCAL_REGION = "cn-northwest-1"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class LocalStack:
    """Start with ``start()``; ``url`` is the gateway. All state is in memory and gone on ``stop()``."""

    home: Path
    host: str = "127.0.0.1"
    port: int = 0
    moto_port: int = 0
    table_prefix: str = "fh-local"
    visibility_timeout: int = 5
    # Schedules (``rate(1 minute)``) are played more often locally, so escalations show up promptly.
    schedule_seconds: float = 5.0
    # ``fh dev`` plays the triggers in a background thread; the tests turn it off and call
    # ``drain()`` to run the event path to completion when they need its effects.
    background: bool = True
    # Metrics are recorded as in AWS only when asked (``fh dev --metrics`` prints them as EMF JSON).
    metrics: bool = False
    apps: dict[str, Any] = field(default_factory=dict)
    issuer: DevIssuer | None = None
    _moto: Any = None
    _server: Any = None
    runner: TriggerRunner | None = None
    # The solver function's Invoke API: a worker process per job under ``fh dev``; the tests' stack
    # (``background=False``) keeps the invocations for ``run_solver_jobs``.
    solver: LocalSolverFunction | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    def start(self) -> LocalStack:
        self.port = self.port or free_port(self.host)

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_fixes.apply()
        # A local stack runs for hours; ten minutes of stream records is plenty for its relays.
        moto_fixes.set_stream_retention(600)
        # Port 0: the OS assigns a free port atomically. (Picking one first and binding later races with
        # other processes, and moto's start() waits for ever when its bind fails.)
        self._moto = ThreadedMotoServer(ip_address=self.host, port=self.moto_port, verbose=False)
        self._moto.start()
        self.moto_port = int(self._moto.get_host_and_port()[1])
        self.issuer = DevIssuer(self.home)
        self.issuer.ensure_key()
        self.configure_environment()
        self.apps = load_apps()
        subscriptions = [sub for app in self.apps.values() for sub in app.fh_subscriptions]
        make_client: Any = boto3.client  # one call per service name (the stubs type each name apart)
        clients = {
            name: make_client(name, region_name=LOCAL_REGION)
            for name in ("dynamodb", "events", "sqs", "kms", "s3", "sns")
        }
        queues, push_apps = provision(clients, get_settings(), subscriptions, self.visibility_timeout)
        os.environ["FH_PUSH_APPS"] = json.dumps(push_apps)
        reset_settings()
        self.runner = TriggerRunner(self._triggers(queues))
        if self.background:
            self.runner.start()
        self.solver = LocalSolverFunction(get_settings().solver_function_name, deferred=not self.background)
        gateway = Gateway(self.apps, self.issuer.jwks(), self.solver, self.runner.fire_schedule)
        self._server = serve(gateway, self.host, self.port)
        return self

    def configure_environment(self) -> None:
        """Point the same code at the embedded moto server: only endpoints and names change."""
        assert self.issuer is not None
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.moto_url,
                # Lambda's Invoke (the solver function) is answered by the gateway (fh.local.solver)
                "AWS_ENDPOINT_URL_LAMBDA": self.url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": LOCAL_REGION,
                "FH_TABLE_PREFIX": self.table_prefix,
                "FH_EVENT_BUS_NAME": f"{self.table_prefix}-bus",
                "FH_JWT_ISSUER": self.issuer.issuer,
                "FH_JWT_AUDIENCE": self.issuer.audience,
                "FH_JWKS_URL": f"{self.url}/.well-known/jwks.json",
                "POWERTOOLS_TRACE_DISABLED": "true",
                # metrics go to the console as EMF JSON only when asked (fh dev --metrics)
                "POWERTOOLS_METRICS_DISABLED": "false" if self.metrics else "true",
                # moto has no voice-call API: calls are kept in the delivery log (SMS go through moto's SNS)
                "FH_VOICE_CHANNEL": "log",
                # partner webhooks may go to a receiver on this machine over http (fh partner receive)
                "FH_WEBHOOK_ALLOW_LOOPBACK_HTTP": "true",
                "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            }
        )
        reset_settings()
        aws.reset()
        crypto.reset()
        idempotency.reset()
        get_verifier.cache_clear()

    def _triggers(self, queues: dict[str, str]) -> list[StreamTrigger | QueueTrigger | ScheduleTrigger]:
        settings = get_settings()
        ddb = boto3.client("dynamodb", region_name=LOCAL_REGION)
        streams = boto3.client("dynamodbstreams", region_name=LOCAL_REGION)
        sqs = boto3.client("sqs", region_name=LOCAL_REGION)
        triggers: list[StreamTrigger | QueueTrigger | ScheduleTrigger] = []
        for service, app in self.apps.items():
            relay = next(f for f in app.pure_lambda_functions if f.name == "relay")
            table = ddb.describe_table(TableName=settings.table_name(service))["Table"]
            stream_arn = table["LatestStreamArn"]
            end = moto_fixes.stream_end(stream_arn)
            triggers.append(StreamTrigger(f"{service}-relay", stream_arn, relay, streams, end=end))
            for source in app.event_sources:
                if isinstance(source, ScheduledEventConfig):
                    triggers.append(
                        ScheduleTrigger(source.name, app.handler_map[source.name], self.schedule_seconds)
                    )
                    continue
                url = queues[source.queue]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                    "QueueArn"
                ]
                handler = app.handler_map[source.name]
                visible = moto_fixes.queue_has_visible(url, LOCAL_REGION)
                triggers.append(
                    QueueTrigger(source.name, url, arn, handler, sqs, source.batch_size, visible=visible)
                )
        return triggers

    @contextmanager
    def triggers_running(self) -> Iterator[None]:
        """The triggers in a background thread for the block, as under ``fh dev``: for a test that
        drives a client which itself follows a job over HTTP (``fh directory import``)."""
        assert self.runner is not None, "the stack is not started"
        if self.background:
            yield
            return
        runner = TriggerRunner(self.runner.triggers)
        runner.start()
        try:
            yield
        finally:
            runner.stop()

    def discard(self) -> int:
        """Drops the event path's backlog unprocessed (``TriggerRunner.discard``) and the solver
        invocations kept and never run (``LocalSolverFunction.discard``)."""
        assert self.runner is not None, "the stack is not started"
        return self.runner.discard() + (self.solver.discard() if self.solver else 0)

    def drain(self, max_rounds: int = 200) -> int:
        """Runs the event path (streams → relays → bus → queues → consumers) in this thread until
        nothing is left to do; see ``TriggerRunner.drain``."""
        assert self.runner is not None, "the stack is not started"
        return self.runner.drain(max_rounds)

    def run_solver_jobs(self) -> list[dict[str, str]]:
        """Runs the solver invocations made so far (``POST …/solve``), each to its job's end, in this
        thread with the solver function's handler; returns what each said. For the tests' stack, whose
        invocations wait for this (under ``fh dev`` each runs at once in a worker process)."""
        assert self.solver is not None, "the stack is not started"
        return self.solver.run_pending()

    def token(self, tenant: str, user: str, roles: list[str] | tuple[str, ...] = (), **kw: Any) -> str:
        assert self.issuer is not None
        return self.issuer.token(tenant, user, roles, **kw)

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """A real HTTP request to the gateway (what curl or the mobile app does)."""
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310 - our own loopback URL
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
                raw = resp.read()
                status = resp.status
                kind = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            raw = err.read()
            status = err.code
            kind = err.headers.get("Content-Type", "")
        if raw and kind.startswith("text/"):  # a page or a feed, as its text
            return status, raw.decode()
        return status, (json.loads(raw) if raw else None)

    def stop(self) -> None:
        if self.solver:
            self.solver.stop()  # running solves end with the stack
        if self.runner:
            self.runner.stop()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._moto:
            self._moto.stop()


__all__ = ["TABLES", "LocalStack", "free_port"]
