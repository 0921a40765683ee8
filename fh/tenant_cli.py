"""``fh tenant add``: onboard a hospital (tenant record + first administrator) into a province's tables."""

from __future__ import annotations

import argparse
import getpass
import os
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tenant = sub.add_parser("tenant", help="hospitals (tenants) of a province")
    commands = tenant.add_subparsers(dest="tenant_command", required=True)
    add = commands.add_parser(
        "add",
        help="onboard a hospital: tenant record + its first administrator",
        description=(
            "Writes to the province's tables with the AWS credentials of the environment; for the local "
            "runtime pass --endpoint-url (the moto server) and --province local."
        ),
    )
    add.add_argument("--province", required=True, help="province code from infra/provinces.toml, or local")
    add.add_argument("--name", required=True, help="the hospital's name, e.g. 浙江省人民医院")
    add.add_argument("--admin", required=True, help="the first administrator's name")
    add.add_argument("--id", dest="tenant", default=None, help="tenant id (default: <province>-<random>)")
    add.add_argument(
        "--admin-user", default=None, help="the administrator's subject (sub) at the OIDC issuer"
    )
    add.add_argument("--admin-employee-no", default="admin", help="the administrator's 工号")
    add.add_argument("--admin-unit", default=None, help="the unit the administrator belongs to (院办)")
    add.add_argument("--timezone", default="Asia/Shanghai")
    add.add_argument("--endpoint-url", default=None, help="AWS endpoint (the local moto server)")
    add.add_argument("--table-prefix", default=None, help="override fh-<province> (tests, local runtime)")
    add.add_argument("--config", default=None, help="provinces file (default infra/provinces.toml)")
    tenant.set_defaults(handler=run)


def _region(province: str, config_path: str | None) -> str | None:
    from fh.stack_cli import ROOT  # noqa: F401 - puts infra/ on the path
    from infra.config import load

    try:
        return load(config_path).province(province).region
    except KeyError:
        return None


def configure(province: str, table_prefix: str | None, endpoint_url: str | None, region: str | None) -> None:
    """Point settings, boto3 and PynamoDB at the province's tables (read once, at first use)."""
    from shared import aws
    from shared.settings import reset_settings

    os.environ["FH_PROVINCE"] = province
    os.environ["FH_TABLE_PREFIX"] = table_prefix or f"fh-{province}"
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
    reset_settings()
    aws.reset()


def _local(args: argparse.Namespace, command: str = "fh tenant add") -> bool:
    """The local runtime: its moto server and table prefix from the running ``fh dev``, and the dummy
    credentials moto takes, so the command needs nothing but ``--province local``."""
    from fh.dev_issuer import default_home
    from fh.local import state
    from fh.local.stack import LOCAL_REGION

    running = state.read(default_home())
    if args.endpoint_url is None:
        if running is None:
            print(
                f"{command}: no local stack is running: start it with `make dev` (or pass --endpoint-url)",
                file=sys.stderr,
            )
            return False
        args.endpoint_url = running["moto_url"]
    if args.table_prefix is None and running is not None:
        args.table_prefix = running["table_prefix"]
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ["AWS_DEFAULT_REGION"] = LOCAL_REGION
    return True


def run(args: argparse.Namespace) -> int:
    from fh import tenancy
    from fh.tenancy_store import onboard
    from shared.errors import DomainError

    try:
        plan = tenancy.plan(
            args.province,
            args.name,
            args.admin,
            tenant=args.tenant,
            admin_employee_no=args.admin_employee_no,
            admin_unit=args.admin_unit or tenancy.DEFAULT_ADMIN_UNIT,
            timezone=args.timezone,
            admin_user=args.admin_user,
        )
        if args.province == "local":
            if not _local(args):
                return 1
            region = None
        else:
            region = _region(args.province, args.config)
        configure(args.province, args.table_prefix, args.endpoint_url, region)
        done = onboard(plan, operator=getpass.getuser())
    except DomainError as exc:
        print(f"fh tenant add: {exc}", file=sys.stderr)
        return 1
    print(f"onboarded {plan.name} as tenant {done.tenant} in {plan.province}")
    print(f"  administrator {plan.admin_name} (工号 {plan.admin_employee_no}): staff id {done.admin_id}")
    print(f"  unit {plan.admin_unit}: {done.unit_id}")
    print(
        "Next: issue the administrator tokens with the claims "
        f'{{"tenant": "{done.tenant}", "roles": ["{tenancy.ADMIN_ROLE}"]}} from the province\'s OIDC issuer,'
    )
    print(
        f'and record the hospital in infra/provinces.toml: {{ id = "{done.tenant}", name = "{plan.name}" }}'
    )
    return 0
