"""Builds the CDK app: for each selected province its data stack and one stack per selected service."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from infra import bundle, nag, names
from infra.chalice_app import forget_packages
from infra.config import InfraConfig, Province, load
from infra.stacks.data import DataStack
from infra.stacks.service import ServiceStack

# Feature flags of the CDK library this app relies on (the same whether run by ``fh stack`` or the cdk CLI).
CONTEXT = {
    # Server access logs are let in by a bucket policy, not the legacy LogDeliveryWrite ACL (ACLs are off).
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


def consumers() -> list[Any]:
    """Every consumer (``Subscription``) of the five apps: their queues and rules live in the data stack.

    The service stacks find their consumers' triggers in the Chalice package (``on_sqs_message``); a trigger
    whose queue no ``Subscription`` declares would point at a queue no stack creates, so it stops the synth.
    """
    from chalice.app import SQSEventConfig

    from fh.services import load_apps

    found = []
    for service, app in load_apps().items():
        declared = {sub.queue_name for sub in app.fh_subscriptions}
        for source in app.event_sources:
            if isinstance(source, SQSEventConfig) and source.queue not in declared:
                raise ValueError(
                    f"{service}: {source.name} reads queue {source.queue!r} but no Subscription declares it "
                    "(pass it to create_app(subscriptions=...))"
                )
        found += list(app.fh_subscriptions)
    return found


@dataclass
class ProvinceStacks:
    province: Province
    data: DataStack | None = None
    services: dict[str, ServiceStack] = field(default_factory=dict)


def environment(province: Province) -> cdk.Environment:
    return cdk.Environment(
        account=province.account or os.environ.get("CDK_DEFAULT_ACCOUNT"), region=province.region
    )


def build(
    config: InfraConfig | None = None,
    provinces: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
    outdir: Path | str | None = None,
    with_data: bool = True,
) -> tuple[cdk.App, dict[str, ProvinceStacks]]:
    """The app with the selected stacks; nothing is synthesized until ``app.synth()``."""
    config = config or load()
    selected_services = tuple(services) if services else names.SERVICES
    for service in selected_services:
        if service not in names.SERVICES:
            raise KeyError(f"no service {service!r} (known: {', '.join(names.SERVICES)})")
    app = cdk.App(outdir=str(outdir) if outdir else None, analytics_reporting=False, context=CONTEXT)
    subscriptions = consumers()
    built: dict[str, ProvinceStacks] = {}
    for province in config.select(provinces):
        env = environment(province)
        stacks = ProvinceStacks(province)
        if with_data:
            stacks.data = DataStack(
                app,
                province,
                subscriptions,
                env=env,
                description=f"Future Hospital {province.name} ({province.code}): tables, key, bus, queues",
            )
            nag.suppress_data(stacks.data)
        for service in selected_services:
            stack = ServiceStack(
                app,
                province,
                service,
                env=env,
                description=f"Future Hospital {province.name} ({province.code}): the {service} service",
            )
            if stacks.data is not None:
                stack.add_stack_dependency(stacks.data, "reads the data stack's exports")
            nag.suppress_service(stack)
            stacks.services[service] = stack
        built[province.code] = stacks
    nag.apply_packs(app)
    return app, built


@dataclass
class Synthesis:
    outdir: Path
    stacks: list[str]
    findings: list[str]
    seconds: float


def synthesize(
    provinces: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
    outdir: Path | str = "cdk.out",
    config: InfraConfig | None = None,
    with_data: bool = True,
) -> Synthesis:
    """Synthesize into ``outdir``; ``findings`` are error annotations (cdk-nag, CDK): none means clean."""
    started = time.monotonic()
    outdir = Path(outdir).resolve()
    if outdir.exists():
        shutil.rmtree(outdir)
    with bundle.exclusive():
        app, _ = build(config, provinces, services, outdir, with_data=with_data)
        assembly = app.synth()
        # chalice.out holds one copy of every package; the assets are in outdir now.
        shutil.rmtree(Path.cwd() / "chalice.out", ignore_errors=True)
        forget_packages()
        bundle.prune_cache()
    findings = [
        f"{stack.stack_name} {entry.path}: {entry.data}"
        for stack in assembly.stacks
        for entry in stack.find_metadata_by_type("aws:cdk:error")
    ]
    return Synthesis(outdir, [s.stack_name for s in assembly.stacks], findings, time.monotonic() - started)


def main() -> None:
    """Entry point for the cdk CLI (``infra/cdk.json``): FH_PROVINCES / FH_SERVICES narrow the selection."""
    provinces = [p for p in os.environ.get("FH_PROVINCES", "").split(",") if p]
    services = [s for s in os.environ.get("FH_SERVICES", "").split(",") if s]
    with bundle.exclusive():
        app, _ = build(provinces=provinces or None, services=services or None)
        app.synth()
        shutil.rmtree(Path.cwd() / "chalice.out", ignore_errors=True)


if __name__ == "__main__":
    main()
