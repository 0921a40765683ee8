"""``fh stack list|synth|diff|deploy|bootstrap``: the province stacks from ``infra/``, through the pinned
``aws-cdk`` CLI (``node_modules/.bin/cdk``, installed by ``make install``) for anything that talks to AWS."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # infra/ is the repository's CDK app, not an installed package.
    sys.path.append(str(ROOT))
CDK = ROOT / "node_modules" / ".bin" / "cdk"
DEFAULT_OUT = ROOT / "cdk.out"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds ``fh stack ...`` to the ``fh`` parser."""
    stack = sub.add_parser("stack", help="province stacks: list, synth, diff, deploy (infra/, aws-cdk)")
    stack.add_argument("--config", default=None, help="provinces file (default infra/provinces.toml)")
    commands = stack.add_subparsers(dest="stack_command", required=True)
    commands.add_parser("list", help="the provinces and their stacks (no synth)")
    for name, text in (
        ("synth", "write the CloudFormation templates to --out (offline from a warm cache)"),
        ("diff", "synth, then show what a deploy would change"),
        ("deploy", "synth, then deploy (a --service deploys only that service's stack)"),
        ("bootstrap", "prepare each selected province's account/region for CDK deploys"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--province", action="append", help="province code (repeatable; default all)")
        command.add_argument("--service", action="append", help="service (repeatable; default all + data)")
        command.add_argument("--out", default=str(DEFAULT_OUT), help="cloud assembly directory")
        if name == "deploy":
            command.add_argument("--yes", action="store_true", help="do not ask to approve IAM changes")
    stack.set_defaults(handler=run)


def _stack_names(args: argparse.Namespace) -> list[str]:
    from infra import names
    from infra.config import load

    config = load(args.config)
    stacks = []
    for province in config.select(args.province):
        if not args.service:
            stacks.append(names.data_stack(province.code))
        stacks += [names.service_stack(province.code, s) for s in (args.service or names.SERVICES)]
    return stacks


def _list(args: argparse.Namespace) -> int:
    from infra import names
    from infra.config import load

    config = load(args.config)
    for province in config.provinces:
        account = province.account or "(credentials' account)"
        print(f"{province.code}  {province.name}  {province.partition}/{province.region}  account {account}")
        print(f"    {names.data_stack(province.code)}")
        for service in names.SERVICES:
            print(f"    {names.service_stack(province.code, service)}")
        hospitals = ", ".join(f"{h.id} ({h.name})" for h in province.hospitals) or "none yet"
        print(f"    hospitals: {hospitals}")
    return 0


def _synth(args: argparse.Namespace) -> int:
    from infra.assembly import synthesize
    from infra.config import load

    config = load(args.config)
    result = synthesize(args.province, args.service, args.out, config=config, with_data=not args.service)
    for name in result.stacks:
        print(f"  {name}  ->  {Path(result.outdir) / (name + '.template.json')}")
    print(f"synthesized {len(result.stacks)} stacks in {result.seconds:.1f}s into {result.outdir}")
    if result.findings:
        print(f"{len(result.findings)} unresolved findings (cdk-nag or CDK errors):", file=sys.stderr)
        for finding in result.findings:
            print(f"  {finding}", file=sys.stderr)
        return 1
    return 0


def _cdk(argv: list[str]) -> int:
    if not CDK.exists():
        print(f"{CDK} is missing: run `make install` (it runs `npm ci`)", file=sys.stderr)
        return 2
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", CDK_DISABLE_VERSION_CHECK="1")
    print("$ cdk " + " ".join(argv), flush=True)
    return subprocess.call([str(CDK), *argv], cwd=ROOT, env=env)  # noqa: S603 - our pinned CLI, our args


def _with_assembly(args: argparse.Namespace, cdk_args: list[str]) -> int:
    status = _synth(args)
    if status:
        return status
    return _cdk([*cdk_args, "--app", str(args.out), *_stack_names(args)])


def _bootstrap(args: argparse.Namespace) -> int:
    from infra.config import load

    config = load(args.config)
    targets = []
    for province in config.select(args.province):
        account = province.account or os.environ.get("CDK_DEFAULT_ACCOUNT")
        if not account:
            print(f"{province.code}: no account in the config or CDK_DEFAULT_ACCOUNT", file=sys.stderr)
            return 2
        targets.append(f"aws://{account}/{province.region}")
    return _cdk(["bootstrap", *targets])


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    try:
        return _run(args)
    except KeyError as exc:  # an unknown province or service: say which ones exist
        print(f"fh stack: {exc.args[0]}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"fh stack: the provinces file is not valid:\n{exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    command = args.stack_command
    if command == "list":
        return _list(args)
    if command == "synth":
        return _synth(args)
    if command == "diff":
        return _with_assembly(args, ["diff"])
    if command == "deploy":
        # --exclusively: a service deploy never drags its dependencies (the data stack) along.
        extra = ["--exclusively"] if args.service else []
        approval = ["--require-approval", "never"] if args.yes else []
        return _with_assembly(args, ["deploy", *extra, *approval])
    if command == "bootstrap":
        return _bootstrap(args)
    raise SystemExit(f"unknown stack command {command}")


def clean(out: Path = DEFAULT_OUT) -> None:
    shutil.rmtree(out, ignore_errors=True)
