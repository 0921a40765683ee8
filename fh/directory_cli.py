"""``fh directory import FILE --tenant T``: send an HR export to the import API and show its progress.
``fh directory reindex --tenant T --province P``: give a hospital's staff their search entries.

The import goes through the same HTTP API as the admin console (``--api``, default the local stack), so
what it imports is validated, audited and published exactly as any other change. Without ``--token`` it
signs a dev admin token with the local dev issuer (works against ``fh dev`` only).

The reindex writes to the province's tables directly (like ``fh tenant add``): staff added before search
had its index, or whose tokens a newer pinyin dictionary reads differently, get them through the same
write path as any change to a member of staff; those already right are left alone, so it can be run
again at any time.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    directory = sub.add_parser("directory", help="the hospital directory")
    commands = directory.add_subparsers(dest="directory_command", required=True)
    imp = commands.add_parser("import", help="import staff from a CSV or XLSX HR export")
    imp.add_argument("file", type=Path)
    imp.add_argument("--tenant", required=True)
    imp.add_argument("--api", default="http://127.0.0.1:8000", help="the gateway URL (default: fh dev)")
    imp.add_argument("--token", help="a hospital_admin bearer token (default: a dev token, local only)")
    imp.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the job")
    imp.set_defaults(handler=run_import)
    reindex = commands.add_parser(
        "reindex",
        help="give every member of staff of a hospital the search entries their name and 工号 make",
        description=(
            "Writes to the province's tables with the AWS credentials of the environment; "
            "--province local writes to the running `make dev`."
        ),
    )
    reindex.add_argument("--tenant", required=True)
    reindex.add_argument(
        "--province", required=True, help="province code from infra/provinces.toml, or local"
    )
    reindex.add_argument("--endpoint-url", default=None, help="AWS endpoint (the local moto server)")
    reindex.add_argument("--table-prefix", default=None, help="override fh-<province> (tests, local runtime)")
    reindex.add_argument("--config", default=None, help="provinces file (default infra/provinces.toml)")
    reindex.set_defaults(handler=run_reindex)


def _call(api: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(api.rstrip("/") + path, data=data, method=method)  # noqa: S310 - operator-given URL
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def run_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx"):
        print(f"{path}: expected a .csv or .xlsx file", file=sys.stderr)
        return 2
    token = args.token
    if not token:
        from fh.dev_issuer import DevIssuer, default_home

        token = DevIssuer(default_home()).token(args.tenant, "fh-cli", ["hospital_admin"])
    body = {
        "format": suffix,
        "content_base64": base64.b64encode(path.read_bytes()).decode(),
        "filename": path.name,
    }
    status, job = _call(args.api, token, "POST", "/messaging/imports", body)
    if status == 422:
        print(f"{path}: {job.get('detail', 'invalid file')}", file=sys.stderr)
        for error in job.get("errors", []):
            print(f"  {error['field']}: {error['message']}", file=sys.stderr)
        return 1
    if status != 202:
        print(f"import refused: {status} {job}", file=sys.stderr)
        return 1
    deadline = time.monotonic() + args.timeout
    while job["status"] != "done":
        print(f"\r{job['processed']}/{job['total']} rows ({job['percent']}%)", end="", flush=True)
        if time.monotonic() > deadline:
            print(f"\nstill running after {args.timeout:.0f}s: job {job['id']}", file=sys.stderr)
            return 1
        time.sleep(1)
        status, job = _call(args.api, token, "GET", f"/messaging/imports/{job['id']}")
        if status != 200:
            print(f"\ncannot follow job: {status} {job}", file=sys.stderr)
            return 1
    print(f"\r{job['total']}/{job['total']} rows (100%)")
    print(f"created {job['created']}, updated {job['updated']}, unchanged {job['unchanged']}")
    return 0


def run_reindex(args: argparse.Namespace) -> int:
    import getpass

    from fh.services import add_service_paths
    from fh.tenant_cli import _local, _region, configure
    from shared.auth import Principal
    from shared.errors import DomainError

    if args.province == "local":  # the running `make dev`'s moto server, as for fh tenant add
        if not _local(args, "fh directory reindex"):
            return 1
        region = None
    else:
        region = _region(args.province, args.config)
    configure(args.province, args.table_prefix, args.endpoint_url, region)
    add_service_paths()
    from chalicelib.messaging.service.directory import reindex_staff

    operator = Principal(tenant=args.tenant, user=f"devops:{getpass.getuser()}", kind="service")
    try:
        reindexed, unchanged = reindex_staff(operator)
    except DomainError as exc:
        print(f"fh directory reindex: {exc}", file=sys.stderr)
        return 1
    print(f"{args.tenant}: {reindexed} staff reindexed, {unchanged} already indexed")
    return 0
