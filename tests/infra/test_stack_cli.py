"""``fh stack``: what it lists, and what it asks the pinned cdk CLI to do (the CLI itself is not run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fh import stack_cli
from fh.cli import main
from shared.services import SERVICES


def test_list_shows_every_province_stack_and_hospital(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "list"]) == 0
    out = capsys.readouterr().out
    assert "nx  宁夏  aws-cn/cn-northwest-1" in out
    for stack in ("fh-nx-data", "fh-nx-messaging", "fh-zj-scheduling", "fh-hk-marketplace"):
        assert f"    {stack}\n" in out
    assert "nx-general (宁夏医科大学总医院)" in out


@pytest.fixture
def cdk_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    monkeypatch.setattr(stack_cli, "_synth", lambda args: 0)
    monkeypatch.setattr(stack_cli, "_cdk", lambda argv: calls.append(argv) or 0)
    return calls


def test_deploy_of_one_service_touches_only_its_stack(cdk_calls: list[list[str]], tmp_path: Path) -> None:
    out = str(tmp_path / "cdk.out")
    assert main(["stack", "deploy", "--province", "nx", "--service", "scheduling", "--out", out]) == 0
    assert cdk_calls == [["deploy", "--exclusively", "--app", out, "fh-nx-scheduling"]]


def test_deploy_of_a_province_includes_its_data_stack(cdk_calls: list[list[str]], tmp_path: Path) -> None:
    out = str(tmp_path / "cdk.out")
    assert main(["stack", "deploy", "--province", "zj", "--yes", "--out", out]) == 0
    (call,) = cdk_calls
    assert call[:3] == ["deploy", "--require-approval", "never"]
    assert call[5:] == ["fh-zj-data", *(f"fh-zj-{svc}" for svc in SERVICES)]


def test_diff_names_the_selected_stacks(cdk_calls: list[list[str]], tmp_path: Path) -> None:
    out = str(tmp_path / "cdk.out")
    assert main(["stack", "diff", "--province", "hk", "--service", "followup", "--out", out]) == 0
    assert cdk_calls == [["diff", "--app", out, "fh-hk-followup"]]


def test_cdk_cli_is_pinned_below_3() -> None:
    """The 3.x CLI refuses this library's cloud assembly; package.json pins 2.1148.x."""
    root = Path(stack_cli.ROOT)
    pinned = json.loads((root / "package.json").read_text())["devDependencies"]["aws-cdk"]
    assert pinned.lstrip("~^").startswith("2.1148.")
    locked = json.loads((root / "package-lock.json").read_text())["packages"]["node_modules/aws-cdk"]
    assert locked["version"].startswith("2.1148.")


def test_unknown_province_is_an_error(capsys: pytest.CaptureFixture[str], cdk_calls: Any) -> None:
    assert main(["stack", "diff", "--province", "xx"]) == 2
    assert "known: zj, nx, hk" in capsys.readouterr().err
    assert cdk_calls == []


def test_an_invalid_provinces_file_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "provinces.toml"
    bad.write_text('[[province]]\ncode = "zj"\nname = "浙江"\npartition = "aws"\nregion = "cn-north-1"\n')
    assert main(["stack", "--config", str(bad), "list"]) == 2
    err = capsys.readouterr().err
    assert "province.0.identity" in err and "Field required" in err
