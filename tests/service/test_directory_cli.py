"""``fh directory import``: the preview as a table, the confirmation, the apply's progress, and every
failure as one line on stderr (no traceback). The command talks to the app in-process here (its
transport injected), with the event path drained between its polls."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from fh import directory_cli
from fh.cli import main
from tests.service.test_directory_api import Api, make_department


@pytest.fixture
def messaging(clients: dict[str, Any], admin: str) -> Api:
    return Api(clients["messaging"], admin)


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch,
    clients: dict[str, Any],
    stack: Any,
    tenant: str,
    admin: str,
    tmp_path: Path,
) -> Any:
    """``cli(text, *flags, answer=None)`` → exit status: runs the command on a file holding ``text``."""

    def transport(method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
        path = url.removeprefix("http://fh.test/messaging")
        resp = clients["messaging"].http.request(method, path, headers=headers, body=body or b"")
        return resp.status_code, resp.body

    monkeypatch.setattr(directory_cli, "transport", transport)
    monkeypatch.setattr(directory_cli, "sleep", lambda _: stack.drain(max_rounds=100))

    def run(text: str, *flags: str, answer: str | None = None) -> int:
        asked: list[str] = []

        def ask(question: str) -> str:
            asked.append(question)
            if answer is None:
                raise EOFError  # no terminal
            return answer

        monkeypatch.setattr(directory_cli, "ask", ask)
        hr = tmp_path / "hr.csv"
        hr.write_text(text, encoding="utf-8")
        args = [
            "directory",
            "import",
            str(hr),
            "--tenant",
            tenant,
            "--api",
            "http://fh.test",
            "--token",
            admin,
        ]
        return int(main([*args, *flags]))

    return run


def staff(api: Api) -> dict[str, dict[str, Any]]:
    return {s["employee_no"]: s for s in api.call("GET", "/staff?limit=200").json_body["items"]}


def test_the_preview_is_shown_and_applied_only_once_confirmed(
    cli: Any, messaging: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    make_department(messaging, "检验科")
    make_department(messaging, "骨科")
    assert cli("姓名,工号,科室,职称\n钱一,L1,检验科,技师\n", "--yes", "--lang", "zh") == 0
    capsys.readouterr()
    text = "姓名,工号,科室,职称\n钱一,L1,骨科,主管技师\n钱二,L2,检验科,技师\n钱三,L3,没有这个科,技师\n"

    assert cli(text, "--dry-run", "--lang", "zh") == 1  # a row is in error
    out, err = capsys.readouterr()
    assert err == "fh directory import: 1 rows have errors\n"
    assert "科室: 检验科 → 骨科; 职称: 技师 → 主管技师" in out
    assert "create" in out and "钱二" in out and "没有名为“没有这个科”的科室" in out
    assert "create 1 · update 1 · unchanged 0 · error 1" in out and "dry run: nothing applied" in out
    assert set(staff(messaging)) == {"L1"} and staff(messaging)["L1"]["title"] == "技师"

    assert cli(text, "--lang", "en") == 1  # no terminal to ask: nothing applied
    err = capsys.readouterr().err
    assert err == "fh directory import: not applied (pass --yes to apply without asking)\n"
    assert cli(text, "--yes") == 1  # rows in error need --skip-errors
    assert "1 rows have errors" in capsys.readouterr().err
    assert set(staff(messaging)) == {"L1"}

    assert cli(text, answer="y") == 0  # the prompt says the rows in error are skipped
    out = capsys.readouterr().out
    assert "applying 100%" in out and "created 1, updated 1, unchanged 0, skipped 1, conflicts 0" in out
    people = staff(messaging)
    assert set(people) == {"L1", "L2"} and people["L1"]["title"] == "主管技师"


def test_an_unreachable_api_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """#21 (10): without ``--api`` (and no local stack) the command printed a ConnectionRefusedError
    traceback."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hr = tmp_path / "hr.csv"
    hr.write_text("姓名,工号,科室\n钱一,L1,检验科\n", encoding="utf-8")
    api = f"http://127.0.0.1:{port}"
    assert main(["directory", "import", str(hr), "--tenant", "t1", "--api", api, "--token", "x"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err and captured.out == ""
    assert lines[0].startswith(f"fh directory import: cannot reach {api}")
    assert lines[0].endswith("is `make dev` running? (or pass --api)")
    assert main(["directory", "import", str(tmp_path / "none.csv"), "--tenant", "t1", "--token", "x"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
