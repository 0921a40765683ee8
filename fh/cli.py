"""``fh``: the project's command line — the local stack, dev tokens, roster benchmark, schemas."""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import signal
import sys
import threading
from pathlib import Path


def _dev(args: argparse.Namespace) -> int:
    from fh.dev_issuer import default_home
    from fh.local import state
    from fh.local.seed import DEMO_ROLES, DEMO_TENANT, PARTNER_PEOPLE, marketplace_tokens, seed
    from fh.local.stack import LocalStack

    home = default_home()
    stack = LocalStack(home=home, host=args.host, port=args.port, metrics=args.metrics)
    stop = threading.Event()

    def stopping(*_: object) -> None:
        stop.set()
        # A second Ctrl-C stops at once; and a stop that hangs (a thread stuck in the embedded server)
        # prints every thread's stack and exits after 20 s instead of leaving the terminal stuck.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        faulthandler.dump_traceback_later(20, exit=True)

    signal.signal(signal.SIGINT, stopping)
    signal.signal(signal.SIGTERM, stopping)
    stack.start()
    try:
        state.write(home, url=stack.url, moto_url=stack.moto_url, table_prefix=stack.table_prefix)
        print(f"Future Hospital local stack on {stack.url}  (API docs: {stack.url}/docs)")
        print("State is in memory (embedded moto server): it is gone when you stop this.")
        print("fh tenant add --province local and fh directory import find this stack by themselves.")
        if not args.no_seed:
            made = seed(stack)
            # The seed's events (projections, department groups) are through before anyone is told
            # the stack is ready: what a person does next is not queued behind them.
            stack.drain()
            print(f"Seeded {DEMO_TENANT}: {len(made['departments'])} units, {len(made['staff'])} staff.")
            print("Tokens (12 h) for the demo hospital, each signing in as its demo person:")
            for label, roles in DEMO_ROLES.items():
                who = made["demo"][label]["name"]
                print(f"  {label:16s} {who}  {stack.token(DEMO_TENANT, f'demo-{label}', roles)}")
            print("Tokens for its consortium's town clinic (demo-clinic) and an outside hospital:")
            for label, (_, _, _, roles) in PARTNER_PEOPLE.items():
                person = made["partner_people"][label]
                token = stack.token(person["tenant"], f"demo-{label}", roles)
                print(f"  {label:16s} {person['name']}  {token}")
            print("Marketplace: the demo partner organisation (demo-partner) and a platform admin:")
            for label, token in marketplace_tokens(stack).items():
                print(f"  {label:16s} {token}")
            print(
                f"  demo app {made['marketplace']['app']['id']} (智能排班助手),"
                f" bundle {made['marketplace']['bundle']['id']}"
            )
        print(f"Try: curl -H 'Authorization: Bearer <token>' {stack.url}/messaging/staff")
        print("Ctrl-C stops.", flush=True)
        # Wait in short steps, not one wait without a timeout: the kernel may deliver Ctrl-C to any
        # thread (the embedded servers' included), and Python runs the handler only in the main thread
        # — which, blocked in one long lock wait, is not woken by a signal another thread took (a CI run's
        # thread dump showed exactly that: the main thread still in stop.wait() 30 s after Ctrl-C).
        while not stop.wait(0.2):
            pass
    finally:
        state.clear(home)
        stack.stop()
        print("stopped.", flush=True)
    # Everything was in memory and is stopped: exit now rather than in the interpreter's finalisation,
    # where a daemon thread still inside the embedded moto server could hold the exit (a CI run saw
    # fh dev outlive its Ctrl-C by 30 s).
    sys.stderr.flush()
    os._exit(0)


def describe_error(exc: BaseException) -> str:
    """What went wrong, in one line a person can act on (the cause chain is searched for the reason)."""
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__
        if name in ("EndpointConnectionError", "ConnectionRefusedError", "ConnectTimeoutError") or (
            isinstance(seen, OSError) and "Connection refused" in str(seen)
        ):
            where = getattr(seen, "kwargs", {}).get("endpoint_url", "") if hasattr(seen, "kwargs") else ""
            target = f" {where}" if where else ""
            return f"cannot reach{target}: is the local stack running (make dev), or the address right?"
        if name in ("NoCredentialsError", "PartialCredentialsError"):
            return "no AWS credentials: configure the province's account (AWS_PROFILE or aws configure)"
        if name == "ClientError" and "ExpiredToken" in str(seen):
            return "the AWS credentials have expired: sign in again"
        seen = seen.__cause__ or seen.__context__
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def _token(args: argparse.Namespace) -> int:
    from fh.dev_issuer import DevIssuer, default_home

    roles = [r for r in (args.roles or "").split(",") if r]
    scopes = [s for s in (args.scopes or "").split(",") if s]
    extra = {"staff_id": args.staff_id} if args.staff_id else {}
    token = DevIssuer(default_home()).token(
        args.tenant, args.user, roles, kind=args.kind, scopes=scopes, ttl_seconds=args.ttl, **extra
    )
    print(token)
    return 0


def _roster_bench(argv: list[str]) -> int:
    from fh.services import add_service_paths

    add_service_paths()
    from fh.roster import bench

    return int(bench.main(argv))


def _roster_bound(argv: list[str]) -> int:
    from fh.services import add_service_paths

    add_service_paths()
    from fh.roster import bound

    return int(bound.main(argv))


def _schemas(args: argparse.Namespace) -> int:
    from fh.services import load_apps
    from shared import openapi
    from shared.app import published_event_types, route_specs

    out = Path(args.out)
    (out / "events").mkdir(parents=True, exist_ok=True)
    apps = load_apps()
    count = 0
    for name, app in apps.items():
        doc = openapi.build(name, route_specs(app))
        (out / f"{name}.openapi.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        for event_type in published_event_types(app):
            target = out / "events" / f"{event_type.name}.v{event_type.version}.schema.json"
            target.write_text(
                json.dumps(event_type.json_schema(), indent=2, ensure_ascii=False), encoding="utf-8"
            )
            count += 1
    print(f"wrote {len(apps)} OpenAPI documents and {count} event schemas to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["roster", "bench"]:
        return _roster_bench(argv[2:])
    if argv[:2] == ["roster", "bound"]:
        return _roster_bound(argv[2:])
    parser = argparse.ArgumentParser(prog="fh", description="Future Hospital tooling")
    sub = parser.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="run the whole stack locally on an embedded moto server")
    dev.add_argument("--port", type=int, default=8000)
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--no-seed", action="store_true", help="do not create the demo hospital")
    dev.add_argument(
        "--metrics", action="store_true", help="print the services' metrics (EMF JSON) on the console"
    )
    dev_sub = dev.add_subparsers(dest="dev_command")
    token = dev_sub.add_parser("token", help="print a dev token (last line of output)")
    token.add_argument("--tenant", required=True)
    token.add_argument("--user", required=True)
    token.add_argument("--roles", default="")
    token.add_argument("--scopes", default="")
    token.add_argument("--kind", default="staff", choices=["staff", "patient", "partner", "service"])
    token.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    token.add_argument("--staff-id", default="", help="bind the account to a staff record (staff_id claim)")

    roster = sub.add_parser("roster", help="the roster engine")
    roster.add_argument("roster_command", choices=["bench", "bound"])

    schemas = sub.add_parser("schemas", help="export OpenAPI documents and event JSON Schemas")
    schemas.add_argument("--out", default="build/schemas")

    from fh import directory_cli, partner, routes, stack_cli, tenant_cli

    routes.register(sub)
    partner.register(sub)
    stack_cli.register(sub)
    tenant_cli.register(sub)
    directory_cli.register(sub)

    args = parser.parse_args(argv)
    if getattr(args, "handler", None):
        try:
            return int(args.handler(args))
        except KeyboardInterrupt:
            return 130
        except Exception as exc:  # one clear line, not a traceback (FH_DEBUG=1 shows it)
            if os.environ.get("FH_DEBUG"):
                raise
            print(f"fh {args.command}: {describe_error(exc)}", file=sys.stderr)
            return 1
    if args.command == "dev":
        return _token(args) if args.dev_command == "token" else _dev(args)
    if args.command == "schemas":
        return _schemas(args)
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
