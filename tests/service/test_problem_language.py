"""Errors as a person meets them over HTTP: in Chinese when asked, and a non-JSON body is a 415 problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def test_a_not_found_reads_in_chinese_when_asked(stack: Any, admin: str) -> None:
    status, body = stack.request("GET", "/approvals/approvals/nosuchapproval", admin, headers=ZH)
    assert status == 404
    assert (body["title"], body["detail"]) == ("未找到", "未找到审批")
    assert body["type"] == "urn:fh:problem:not-found"  # what a client branches on does not change
    assert body["instance"] == "/approvals/approvals/{instance_id}"  # the route: no id echoed back
    status, body = stack.request("GET", "/approvals/approvals/nosuchapproval", admin)
    assert (status, body["title"], body["detail"]) == (404, "Not found", "No such approval")


def test_field_errors_read_in_chinese_and_show_no_pattern(stack: Any, admin: str) -> None:
    status, body = stack.request(
        "POST",
        "/messaging/staff",
        admin,
        {"name": "", "employee_no": "E1", "department_id": "d1", "mobile": "12x"},
        headers=ZH,
    )
    assert status == 422
    assert body["title"] == "校验未通过"
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["name"] == "不能为空" or messages["name"].startswith("至少")
    assert "mobile" in messages
    assert all("pattern" not in m and "^" not in m for m in messages.values()), messages


def test_a_form_or_text_body_is_a_415_problem(stack: Any, admin: str) -> None:
    for kind, raw in (
        ("application/x-www-form-urlencoded", b"name=%E5%BC%A0%E4%B8%89"),
        ("text/plain", b"hello"),
        ("multipart/form-data; boundary=x", b"--x--"),
    ):
        status, body = stack.request(
            "POST", "/messaging/staff", admin, raw, headers={"Content-Type": kind, **ZH}
        )
        assert status == 415, (kind, body)
        assert body["type"] == "urn:fh:problem:unsupported-media-type"
        assert body["title"] == "不支持的内容类型"
        assert kind.split(";")[0] in body["detail"]


def test_json_with_a_charset_and_a_get_with_any_content_type_still_work(
    stack: Any, admin: str, token: Callable[..., str]
) -> None:
    status, _ = stack.request("GET", "/messaging/departments", admin, headers={"Content-Type": "text/plain"})
    assert status == 200
    status, body = stack.request(
        "POST",
        "/messaging/departments",
        admin,
        {"name": "心内科", "kind": "department"},
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert status == 201, body


def test_the_gateway_own_404_reads_in_chinese(stack: Any) -> None:
    status, body = stack.request("GET", "/nosuchservice/x", None, headers=ZH)
    assert status == 404
    assert body["title"] == "未找到"
    assert body["detail"] == "/nosuchservice 处没有服务"
