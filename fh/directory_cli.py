"""``fh directory import FILE --tenant T``: preview an HR export, confirm it, and follow the apply.
``fh directory reindex --tenant T --province P``: give a hospital's staff their search entries.

It goes through the same HTTP API as the admin console (``--api``, default the local stack), so what it
imports is checked, previewed, audited and published exactly as any other change: the file is uploaded
and previewed (nothing applied), the preview is shown — the rows to create, update (before → after) or
skip for an error, and the counts — and, once confirmed (the prompt, or ``--yes``), applied with
progress. ``--dry-run`` shows the preview only. Without ``--token`` it signs a dev admin token with the
local dev issuer (works against ``fh dev`` only).

Every failure is one line on stderr and a non-zero exit, never a traceback.

The reindex writes to the province's tables directly (like ``fh tenant add``): staff added before search
had its index, or whose tokens a newer pinyin dictionary reads differently, get them through the same
write path as any change to a member of staff; those already right are left alone, so it can be run
again at any time.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_API = "http://127.0.0.1:8000"
# (method, url, headers, body) → (status, body); a test passes its own (the app in-process).
Transport = Callable[[str, str, dict[str, str], bytes | None], tuple[int, bytes]]


class CliError(Exception):
    """A failure said in one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class Unreachable(CliError):
    pass


def urllib_transport(method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - operator-given URL
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as err:
        return int(err.code), bytes(err.read())
    except (urllib.error.URLError, OSError) as err:  # refused, unknown host, timed out…
        raise Unreachable(str(getattr(err, "reason", err))) from err


# What the command uses to reach the API, wait and ask; tests replace them.
transport: Transport = urllib_transport
sleep: Callable[[float], None] = time.sleep
ask: Callable[[str], str] = input


def register(sub: Any) -> None:
    directory = sub.add_parser("directory", help="the hospital directory")
    commands = directory.add_subparsers(dest="directory_command", required=True)
    imp = commands.add_parser(
        "import", help="import staff from a CSV or XLSX HR export: preview, confirm, apply"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--tenant", required=True)
    imp.add_argument("--api", default=None, help="the gateway URL (default: the running fh dev)")
    imp.add_argument("--token", help="a hospital_admin bearer token (default: a dev token, local only)")
    imp.add_argument("--yes", action="store_true", help="apply without asking once the preview is shown")
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="show the preview only (exit 1 if rows are in error)",
    )
    imp.add_argument("--skip-errors", action="store_true", help="apply the other rows when some are in error")
    imp.add_argument("--all", action="store_true", help="list the unchanged rows too")
    imp.add_argument("--lang", choices=["zh", "en"], help="the language of row messages (default: $LANG)")
    imp.add_argument("--timeout", type=float, default=1800, help="seconds to wait for each phase")
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


class ImportApi:
    """The import routes of one gateway, as one admin."""

    def __init__(self, api: str, token: str, lang: str):
        self.api, self.token, self.lang = api.rstrip("/"), token, lang

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept-Language": "zh-CN,zh;q=0.9" if self.lang == "zh" else "en",
        }
        data = json.dumps(body).encode() if body is not None else None
        try:
            status, raw = transport(method, self.api + "/messaging" + path, headers, data)
        except Unreachable as err:
            raise CliError(
                f"cannot reach {self.api} ({err}) — is `make dev` running? (or pass --api)"
            ) from err
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            payload = None
        if status >= 400:
            raise CliError(_problem_line(status, payload, method, path))
        return status, payload

    def pages(self, job_id: str) -> Iterator[dict[str, Any]]:
        """Every row of the job, page by page."""
        number, pages = 1, 1
        while number <= pages:
            _, job = self.call("GET", f"/imports/{job_id}?page={number}")
            pages = int(job["pages"])
            yield from job["rows"]
            number += 1


def _problem_line(status: int, payload: Any, method: str, path: str) -> str:
    if not isinstance(payload, dict):
        return f"{method} {path}: HTTP {status}"
    line = str(payload.get("detail") or payload.get("title") or f"HTTP {status}")
    errors = payload.get("errors") or []
    if errors:
        line += ": " + "; ".join(f"{e.get('field', '')} {e.get('message', '')}".strip() for e in errors[:5])
        if len(errors) > 5:
            line += f"; … {len(errors) - 5} more"
    return f"{status} {line}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _value(value: Any) -> str:
    if value is None or value == []:
        return "∅"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _describe(row: dict[str, Any]) -> str:
    if row["action"] == "error":
        return "; ".join(e["message"] for e in row["errors"])
    if row["action"] == "create":
        return "; ".join(f"{c['label']}: {_value(c['after'])}" for c in row["changes"])
    return "; ".join(f"{c['label']}: {_value(c['before'])} → {_value(c['after'])}" for c in row["changes"])


def _table(rows: list[dict[str, Any]], out: Any) -> None:
    if not rows:
        return
    no = max(_width(r["employee_no"]) for r in rows)
    name = max(_width(r["name"]) for r in rows)
    for r in rows:
        print(
            f"  {r['row']:>6}  {r['action']:<9}  {_cell(r['employee_no'], no)}  {_cell(r['name'], name)}  "
            + _describe(r),
            file=out,
        )


def _counts(summary: dict[str, int]) -> str:
    return " · ".join(f"{k} {summary[k]}" for k in ("create", "update", "unchanged", "error"))


def _follow(api: ImportApi, job: dict[str, Any], until: str, what: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while job["status"] != until:
        print(f"\r{what} {job['percent']}%", end="", flush=True)
        if time.monotonic() > deadline:
            print()
            raise CliError(f"still {job['status']} after {timeout:.0f}s: job {job['id']}")
        sleep(1)
        try:
            _, job = api.call("GET", f"/imports/{job['id']}")
        except CliError:
            print()  # the error's line starts on a line of its own
            raise
    print(f"\r{what} 100%")
    return job


def _token(args: argparse.Namespace) -> str:
    if args.token:
        return str(args.token)
    try:
        from fh.dev_issuer import DevIssuer, default_home

        return str(DevIssuer(default_home()).token(args.tenant, "fh-cli", ["hospital_admin"]))
    except Exception as exc:  # a missing or unreadable dev key: say so in a line
        raise CliError(f"cannot sign a dev token ({exc}); pass --token") from exc


def _language(args: argparse.Namespace) -> str:
    if args.lang:
        return str(args.lang)
    return "zh" if os.environ.get("LANG", "").lower().startswith("zh") else "en"


def run_import(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except CliError as err:
        print(f"fh directory import: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("fh directory import: interrupted", file=sys.stderr)
        return 130


def _local_api() -> str:
    """The running ``fh dev``'s gateway (it writes where it listens), else the default port."""
    from fh.dev_issuer import default_home
    from fh.local import state

    running = state.read(default_home())
    return str(running["url"]) if running else DEFAULT_API


def _run(args: argparse.Namespace) -> int:
    path: Path = args.file
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx"):
        raise CliError(f"{path}: expected a .csv or .xlsx file", 2)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}", 2) from exc
    api = ImportApi(args.api or _local_api(), _token(args), _language(args))
    body = {"format": suffix, "content_base64": base64.b64encode(content).decode(), "filename": path.name}
    _, job = api.call("POST", "/imports", body)
    job = _follow(api, job, "preview", "previewing", args.timeout)
    rows = [r for r in api.pages(job["id"]) if args.all or r["action"] != "unchanged"]
    _table(rows, sys.stdout)
    summary = job["summary"]
    print(_counts(summary))
    if args.dry_run:
        print("dry run: nothing applied")
        if summary["error"]:
            raise CliError(f"{summary['error']} rows have errors")
        return 0
    if summary["create"] + summary["update"] == 0:
        if summary["error"]:
            raise CliError(f"nothing to apply: {summary['error']} rows have errors")
        print("nothing to change")
        return 0
    skip = bool(args.skip_errors)
    if summary["error"] and not skip and args.yes:
        raise CliError(
            f"{summary['error']} rows have errors: fix the file, or pass --skip-errors to apply the rest"
        )
    if not args.yes:
        question = "apply it?"
        if summary["error"] and not skip:
            changes = summary["create"] + summary["update"]
            question = f"apply the {changes} changes and skip the {summary['error']} rows in error?"
        try:
            answer = ask(f"{question} [y/N] ").strip().lower()
        except EOFError:
            answer = ""
        if answer not in ("y", "yes", "是"):
            raise CliError("not applied (pass --yes to apply without asking)")
        skip = skip or bool(summary["error"])
    _, job = api.call("POST", f"/imports/{job['id']}/confirm", {"skip_errors": skip})
    job = _follow(api, job, "done", "applying", args.timeout)
    print(
        f"created {job['created']}, updated {job['updated']}, unchanged {job['unchanged']}, "
        f"skipped {job['skipped']}, conflicts {job['conflicts']}"
    )
    if job["conflicts"]:
        for row in api.pages(job["id"]):
            if row.get("outcome") == "conflict":
                print(
                    f"  row {row['row']} {row['employee_no']} {row['name']}: {row['outcome_message']}",
                    file=sys.stderr,
                )
        raise CliError(f"{job['conflicts']} rows were not applied: the directory changed since the preview")
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
