"""Onboarding a hospital: the rules (no AWS) and ``fh tenant add`` against the local stack's moto."""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import pytest

from fh import tenancy
from shared.errors import RuleViolation


def test_plan_fills_in_a_tenant_id_for_a_chinese_name() -> None:
    plan = tenancy.plan("zj", " 浙江省人民医院 ", "王伟")
    assert re.fullmatch(r"zj-[0-9a-f]{8}", plan.tenant)
    assert (plan.name, plan.admin_name, plan.admin_unit) == (
        "浙江省人民医院",
        "王伟",
        tenancy.DEFAULT_ADMIN_UNIT,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tenant": "Upper"}, "tenant"),
        ({"tenant": "-leading"}, "tenant"),
        ({"tenant": "x"}, "tenant"),
        ({"tenant": "a" * 64}, "tenant"),
        ({"admin_employee_no": "工号 1"}, "admin_employee_no"),
        ({"admin_unit": "  "}, "admin_unit"),
    ],
)
def test_plan_rejects(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(RuleViolation) as raised:
        tenancy.plan("zj", "医院", "王伟", **kwargs)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("province", "name", "admin"), [("ZJ", "医院", "王伟"), ("zj", " ", "王伟"), ("zj", "医院", "")]
)
def test_plan_rejects_blank_names_and_bad_provinces(province: str, name: str, admin: str) -> None:
    with pytest.raises(RuleViolation):
        tenancy.plan(province, name, admin)


@pytest.fixture
def restore_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``fh tenant add`` configures the process (it is a command); put the variables back afterwards."""
    names = ("FH_PROVINCE", "FH_TABLE_PREFIX", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "FH_DEV_HOME")
    for name in (*names, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)


@pytest.mark.e2e
def test_tenant_add_onboards_a_hospital_and_its_first_admin(
    stack: Any, restore_environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from fh.cli import main

    tenant = f"t-{uuid.uuid4().hex[:12]}"
    argv = ["tenant", "add", "--province", "local", "--name", "宁夏医科大学总医院", "--admin", "马丽"]
    argv += ["--id", tenant, "--admin-user", "sso|ma-li", "--endpoint-url", stack.moto_url]
    argv += ["--table-prefix", stack.table_prefix]
    assert main(argv) == 0
    out = capsys.readouterr().out
    admin_id = re.search(r"staff id (\w+)", out)
    assert admin_id, out

    token = stack.token(tenant, "sso|ma-li", ["hospital_admin"])
    status, admin = stack.request("GET", f"/messaging/staff/{admin_id.group(1)}", token)
    assert status == 200, admin
    assert (admin["name"], admin["roles"], admin["employee_no"]) == ("马丽", ["hospital_admin"], "admin")
    # Her token acts as her record: a personal route answers for her (the sign-in was bound).
    status, colleagues = stack.request("GET", "/messaging/staff/me/colleagues", token)
    assert status == 200, colleagues
    status, units = stack.request("GET", "/messaging/departments", token)
    assert [u["name"] for u in units["items"]] == ["院办"]
    status, found = stack.request("GET", "/messaging/staff?q=mali", token)  # pinyin search finds her
    assert [s["id"] for s in found["items"]] == [admin_id.group(1)]

    # The onboarding's events went through the outbox like any directory change: scheduling hears of her.
    def projected() -> list[Any]:
        return list(stack.request("GET", "/scheduling/staff", token)[1]["items"])

    stack.drain()
    [seen] = projected()
    assert seen["name"] == "马丽"

    # The same tenant twice is refused, and nothing more is written.
    assert main(argv) == 1
    assert "already exists" in capsys.readouterr().err
    assert len(stack.request("GET", "/messaging/staff", token)[1]["items"]) == 1

    # Her sign-in carries her name, as every sign-in messaging binds does: what she writes names her.
    _, colleague = stack.request(
        "POST",
        "/messaging/staff",
        token,
        {"name": "单雪", "employee_no": "R1", "department_id": units["items"][0]["id"]},
    )
    status, chat = stack.request(
        "POST", "/messaging/conversations", token, {"kind": "direct", "member_ids": [colleague["id"]]}
    )
    assert status == 201, chat
    status, sent = stack.request(
        "POST", f"/messaging/conversations/{chat['id']}/messages", token, {"text": "你好"}
    )
    assert status == 201, sent
    assert (sent["sender_id"], sent["sender_name"]) == (admin_id.group(1), "马丽")


@pytest.mark.e2e
def test_tenant_add_local_finds_the_running_stack_with_no_credentials_or_endpoint_given(
    stack: Any,
    restore_environment: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As the README says: with `make dev` running, `fh tenant add --province local` needs nothing else."""
    from fh.cli import main
    from fh.local import state

    monkeypatch.setenv("FH_DEV_HOME", str(tmp_path))
    state.write(tmp_path, url=stack.url, moto_url=stack.moto_url, table_prefix=stack.table_prefix)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    argv = ["tenant", "add", "--province", "local", "--name", "镇卫生院", "--admin", "周敏", "--id", tenant]
    assert main(argv) == 0, capsys.readouterr().err
    status, units = stack.request(
        "GET", "/messaging/departments", stack.token(tenant, "x", ["hospital_admin"])
    )
    assert status == 200 and [u["name"] for u in units["items"]] == [tenancy.DEFAULT_ADMIN_UNIT]


def test_tenant_add_local_without_a_running_stack_is_one_clear_line(
    restore_environment: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fh.cli import main

    monkeypatch.setenv("FH_DEV_HOME", str(tmp_path))  # no stack has written its address here
    assert main(["tenant", "add", "--province", "local", "--name", "医院", "--admin", "周敏"]) == 1
    err = capsys.readouterr().err.strip()
    assert "make dev" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_a_command_that_fails_deep_down_says_why_in_one_line() -> None:
    from fh.cli import describe_error

    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as inner:
            raise RuntimeError("the request failed") from inner
    except RuntimeError as exc:
        line = describe_error(exc)
    assert line.startswith("cannot reach") and "make dev" in line
    assert describe_error(ValueError("a\nmulti-line\n  reason")) == "a multi-line reason"


@pytest.mark.e2e
def test_directory_reindex_gives_staff_added_before_search_their_entries_once(
    stack: Any, restore_environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.messaging.adapters.dynamodb import StaffSearchEntry

    from fh.cli import main
    from shared.directory import StaffItem

    tenant = f"t-{uuid.uuid4().hex[:12]}"
    token = stack.token(tenant, "admin", ["hospital_admin"])
    _, unit = stack.request("POST", "/messaging/departments", token, {"name": "药剂科"})
    made = [
        stack.request(
            "POST", "/messaging/staff", token, {"name": name, "employee_no": no, "department_id": unit["id"]}
        )[1]
        for name, no in (("单雪", "R1"), ("曾乐", "R2"))
    ]
    # As a stack that had these staff before search had its index: no tokens, no entries.
    for entry in StaffSearchEntry.query(StaffSearchEntry.partition(tenant)):
        entry.delete()
    for item in StaffItem.query(StaffItem.partition(tenant)):
        item.update(actions=[StaffItem.search_tokens.set([])])
    assert stack.request("GET", "/messaging/staff?q=shanxue", token)[1]["items"] == []

    argv = ["directory", "reindex", "--province", "local", "--tenant", tenant]
    argv += ["--endpoint-url", stack.moto_url, "--table-prefix", stack.table_prefix]
    assert main(argv) == 0
    assert f"{tenant}: 2 staff reindexed, 0 already indexed" in capsys.readouterr().out
    for query, person in (("shanxue", made[0]), ("zengyue", made[1]), ("sx", made[0])):
        status, found = stack.request("GET", f"/messaging/staff?q={query}", token)
        assert status == 200 and [s["id"] for s in found["items"]] == [person["id"]], (query, found)
    assert main(argv) == 0  # again: nothing to do, nothing changes
    assert f"{tenant}: 0 staff reindexed, 2 already indexed" in capsys.readouterr().out
