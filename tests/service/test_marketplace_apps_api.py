"""Partners, apps, the review and the catalogue over HTTP on the local stack: a partner registers an app,
a platform admin approves it, every hospital finds it in Chinese and pinyin; manifests are checked
against the scope and event catalogues; nobody reviews their own app."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

SCHEDULER = {
    "name": "智能排班助手",
    "description": "根据排班与通讯录自动提醒值班",
    "icon_url": "https://example.com/icon.png",
    "scopes": [
        {"scope": "roster:read", "reason": "读取排班以生成提醒"},
        {"scope": "directory:read", "reason": "显示科室与人员姓名"},
    ],
    "events": ["roster.published"],
    "webhook_url": "https://example.com/hooks",
    "pricing": "免费",
}


def partner_org(stack: Any, name: str = "杭州示例医疗科技有限公司") -> str:
    org = f"p-{uuid.uuid4().hex[:10]}"
    token = stack.token(org, "dev-1", [], kind="partner")
    status, body = stack.request(
        "PUT", "/marketplace/partner", token, {"name": name, "contact": "dev@example.com"}
    )
    assert status == 200, body
    return str(token)


def platform_admin(stack: Any, user: str = "pa-1") -> str:
    return str(stack.token("platform", user, ["platform_admin"]))


def listed_app(stack: Any, partner: str, manifest: dict[str, Any] | None = None) -> str:
    status, app = stack.request("POST", "/marketplace/apps", partner, manifest or SCHEDULER)
    assert status == 201, app
    status, body = stack.request("POST", f"/marketplace/apps/{app['id']}/versions/1/submit", partner)
    assert status == 200, body
    status, body = stack.request("POST", f"/marketplace/reviews/{app['id']}/1/approve", platform_admin(stack))
    assert status == 200, body
    return str(app["id"])


def test_an_app_is_registered_reviewed_listed_and_found_in_chinese_and_pinyin(
    stack: Any, tenant: str, admin: str
) -> None:
    partner = partner_org(stack)
    status, app = stack.request("POST", "/marketplace/apps", partner, SCHEDULER)
    assert status == 201, app
    assert app["versions"][0]["state"] == "draft" and app["listed_version"] is None
    app_id = app["id"]
    status, body = stack.request("GET", f"/marketplace/catalogue/{app_id}", admin)
    assert status == 404  # not listed yet

    status, body = stack.request("POST", f"/marketplace/apps/{app_id}/versions/1/submit", partner)
    assert status == 200 and body["versions"][0]["state"] == "in_review", body
    reviewer = platform_admin(stack)
    status, queue = stack.request("GET", "/marketplace/reviews?limit=200", reviewer)
    assert status == 200
    mine = [r for r in queue["items"] if r["app_id"] == app_id]
    assert (
        mine
        and mine[0]["partner_name"] == "杭州示例医疗科技有限公司"
        and mine[0]["app_name"] == "智能排班助手"
    )

    # a hospital's admin is no reviewer; a platform admin of another tenant neither
    assert stack.request("POST", f"/marketplace/reviews/{app_id}/1/approve", admin)[0] == 403
    status, body = stack.request("POST", f"/marketplace/reviews/{app_id}/1/approve", reviewer)
    assert status == 200 and body["listed_version"] == 1, body
    assert body["versions"][0]["reviewed_by"] == "pa-1"

    for q in ("排班", "paiban", "pb", "zhineng", "znpb", "助手"):
        status, found = stack.request("GET", f"/marketplace/catalogue?q={quote(q)}&limit=200", admin)
        assert status == 200, found
        assert app_id in [i["app_id"] for i in found["items"]], q
    status, found = stack.request("GET", "/marketplace/catalogue?q=xyzxyz", admin)
    assert status == 200 and found["items"] == []

    status, detail = stack.request("GET", f"/marketplace/catalogue/{app_id}", admin)
    assert status == 200, detail
    assert detail["partner_name"] == "杭州示例医疗科技有限公司" and detail["installed"] is False
    labels = {s["scope"]: (s["label"], s["reason"]) for s in detail["manifest"]["scopes"]}
    assert labels["roster:read"] == ("读取排班与值班", "读取排班以生成提醒")
    assert detail["manifest"]["events"][0]["type"] == "roster.published"
    assert detail["manifest"]["events"][0]["description"]

    # a version rejected (with its reason) leaves the listed one listed; a new version can follow
    bumped = {**SCHEDULER, "scopes": [*SCHEDULER["scopes"], {"scope": "approvals:read", "reason": "审批"}]}
    status, body = stack.request("POST", f"/marketplace/apps/{app_id}/versions", partner, bumped)
    assert status == 201 and body["versions"][1]["state"] == "draft", body
    stack.request("POST", f"/marketplace/apps/{app_id}/versions/2/submit", partner)
    assert stack.request("POST", f"/marketplace/reviews/{app_id}/2/reject", reviewer, {})[0] == 422
    status, body = stack.request(
        "POST", f"/marketplace/reviews/{app_id}/2/reject", reviewer, {"reason": "理由不足"}
    )
    assert status == 200 and body["versions"][1]["state"] == "rejected" and body["listed_version"] == 1
    status, body = stack.request("POST", f"/marketplace/apps/{app_id}/versions", partner, bumped)
    assert status == 201 and body["versions"][2]["version"] == 3


def test_manifests_are_checked_against_the_scope_and_event_catalogues(stack: Any) -> None:
    partner = partner_org(stack)
    cases = {
        "unknown scope": (
            {**SCHEDULER, "scopes": [{"scope": "patients:everything", "reason": "x"}]},
            "patients:everything",
        ),
        "baseline": ({**SCHEDULER, "scopes": [{"scope": "events:read", "reason": "x"}]}, "events:read"),
        "unpublished event": ({**SCHEDULER, "events": ["no.such.event"]}, "no.such.event"),
        "event outside scopes": ({**SCHEDULER, "events": ["approval.completed"]}, "approval.completed"),
        "http webhook": ({**SCHEDULER, "webhook_url": "http://example.com/hooks"}, "webhook_url"),
    }
    for case, (manifest, named) in cases.items():
        status, body = stack.request("POST", "/marketplace/apps", partner, manifest)
        assert status == 422, (case, body)
        assert named in str(body), (case, body)


def test_a_partner_sees_only_its_own_apps_and_cannot_review(stack: Any, admin: str) -> None:
    mine, theirs = partner_org(stack), partner_org(stack, "另一家公司")
    status, app = stack.request("POST", "/marketplace/apps", mine, SCHEDULER)
    assert status == 201
    status, body = stack.request("GET", f"/marketplace/apps/{app['id']}", theirs)
    assert status == 404 and app["id"] not in str(body)
    status, page = stack.request("GET", "/marketplace/apps", theirs)
    assert status == 200 and page["items"] == []
    stack.request("POST", f"/marketplace/apps/{app['id']}/versions/1/submit", mine)
    assert stack.request("GET", "/marketplace/reviews", mine)[0] == 403
    assert stack.request("POST", f"/marketplace/reviews/{app['id']}/1/approve", mine)[0] == 403
    # staff are not partner organisations
    assert stack.request("POST", "/marketplace/apps", admin, SCHEDULER)[0] == 403


def test_the_dev_seed_lists_the_demo_app_and_the_support_bundle(stack: Any, admin: str) -> None:
    from fh.local.seed import SUPPORT_BUNDLE, seed_marketplace

    made = seed_marketplace(stack)
    status, found = stack.request("GET", "/marketplace/catalogue?q=pb&limit=200", admin)
    assert status == 200 and made["app"]["id"] in [i["app_id"] for i in found["items"]]
    assert made["bundle"]["name"] == SUPPORT_BUNDLE
    assert [a["name"] for a in made["bundle"]["apps"]] == ["智能排班助手"]
