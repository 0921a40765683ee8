"""Install = consent, credentials, the token endpoint and uninstall over HTTP on the local stack: a partner's
app passes review, a hospital admin installs it consenting to exactly what it asks, the partner gets
credentials, trades them for a token (form + Basic, as RFC 6749 §4.4 says), the token reaches a route in
another service within its scopes and nothing else; the uninstall refuses the same token at once."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import jwt

from tests.service.followup_world import department, put_patient
from tests.service.test_marketplace_apps_api import SCHEDULER, listed_app, partner_org, platform_admin

REVISITS = {
    "name": "慢病复诊助手",
    "description": "代患者提交慢病复诊申请",
    "scopes": [{"scope": "followup:revisits:write", "reason": "提交复诊申请"}],
    "events": ["followup.revisit.claimed"],
    "webhook_url": "https://partner.example.com/hooks",
}
CONSENT = {"scopes": ["followup:revisits:write"], "events": ["followup.revisit.claimed"]}


def token_request(stack: Any, cid: str, secret: str, scope: str | None = None) -> tuple[int, Any]:
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
    return stack.request(
        "POST",
        "/marketplace/oauth/token",
        None,
        urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
    )


def test_install_credentials_token_call_and_uninstall_end_to_end(
    stack: Any, tenant: str, admin: str, token: Callable[..., str]
) -> None:
    partner = partner_org(stack)
    app_id = listed_app(stack, partner, REVISITS)

    # the consent must be exactly what the version asks
    short = {"app_id": app_id, "version": 1, "scopes": [], "events": CONSENT["events"]}
    status, body = stack.request("POST", "/marketplace/installations", admin, short)
    assert status == 422 and "followup:revisits:write" in str(body), body
    assert (
        stack.request("POST", "/marketplace/installations", admin, {**short, **CONSENT, "version": 2})[0]
        == 409
    )
    doctor = token(tenant, "doc-1", ["doctor"])
    assert stack.request("POST", "/marketplace/installations", doctor, {**short, **CONSENT})[0] == 403
    status, inst = stack.request("POST", "/marketplace/installations", admin, {**short, **CONSENT})
    assert status == 201, inst
    assert inst["consented_by"] == "admin-1" and inst["app_name"] == "慢病复诊助手"
    assert inst["scopes"] == ["followup:revisits:write", "events:read"]
    status, again = stack.request("POST", "/marketplace/installations", admin, {**short, **CONSENT})
    assert status == 409 and inst["id"] in str(again), again
    status, detail = stack.request("GET", f"/marketplace/catalogue/{app_id}", admin)
    assert detail["installed"] is True and detail["installation_id"] == inst["id"]

    # the partner sees the hospital by name, and gets credentials for the installation
    status, where = stack.request("GET", f"/marketplace/apps/{app_id}/installations", partner)
    assert status == 200 and [w["installation_id"] for w in where["items"]] == [inst["id"]], where
    assert where["items"][0]["hospital_name"]
    other = partner_org(stack, "别家公司")
    creds_path = f"/marketplace/apps/{app_id}/installations/{inst['id']}/credentials"
    assert stack.request("POST", creds_path, other)[0] == 404
    assert stack.request("POST", creds_path, admin)[0] == 403
    status, creds = stack.request("POST", creds_path, partner)
    assert status == 201, creds
    cid, secret = creds["client_id"], creds["client_secret"]

    # the token endpoint: form + Basic
    assert token_request(stack, cid, "wrong")[0] == 401
    status, body = token_request(stack, cid, secret, scope="roster:read")
    assert status == 400 and body["error"] == "invalid_scope", body
    status, issued = token_request(stack, cid, secret)
    assert status == 200, issued
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 600
    assert set(issued["scope"].split()) == {"followup:revisits:write", "events:read"}
    status, jwks = stack.request("GET", "/marketplace/.well-known/jwks.json")
    assert status == 200
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(issued["access_token"], key.key, algorithms=["ES256"], options={"verify_aud": False})
    assert (claims["tenant"], claims["inst"], claims["app"]) == (tenant, inst["id"], app_id)
    app = issued["access_token"]

    # within its scopes: 200; a scope it did not ask: 403; a staff-only route: 403
    dept = department(stack, admin, "心血管内科")
    put_patient(tenant, "p1", dept, "心血管内科")
    revisit = {"patient_id": "p1", "department_id": dept, "ask": "renew", "text": "苯磺酸氨氯地平"}
    status, made = stack.request("POST", "/followup/revisits", app, revisit)
    assert status == 201, made
    status, narrow = token_request(stack, cid, secret, scope="events:read")
    assert status == 200
    assert stack.request("POST", "/followup/revisits", narrow["access_token"], revisit)[0] == 403
    assert stack.request("GET", "/marketplace/installations", app)[0] == 403

    # the hospital sees its usage
    status, usage = stack.request("GET", f"/marketplace/installations/{inst['id']}/usage", admin)
    assert status == 200 and usage["total"] >= 1 and usage["app_name"] == "慢病复诊助手", usage

    # uninstall: the same token refused at once, the credentials no longer work, a reinstall is new
    assert stack.request("DELETE", f"/marketplace/installations/{inst['id']}", admin)[0] == 204
    assert stack.request("POST", "/followup/revisits", app, revisit)[0] == 403
    assert token_request(stack, cid, secret)[0] in (400, 401)
    status, listed = stack.request("GET", "/marketplace/installations", admin)
    assert [i["status"] for i in listed["items"] if i["id"] == inst["id"]] == ["uninstalled"]
    status, again = stack.request("POST", "/marketplace/installations", admin, {**short, **CONSENT})
    assert status == 201 and again["id"] != inst["id"], again


def test_rotation_keeps_the_previous_secret_and_revocation_refuses_older_tokens(
    stack: Any, tenant: str, admin: str
) -> None:
    partner = partner_org(stack)
    app_id = listed_app(stack, partner, REVISITS)
    status, inst = stack.request(
        "POST", "/marketplace/installations", admin, {"app_id": app_id, "version": 1, **CONSENT}
    )
    assert status == 201, inst
    path = f"/marketplace/apps/{app_id}/installations/{inst['id']}/credentials"
    first = stack.request("POST", path, partner)[1]
    second = stack.request("POST", path, partner)[1]
    third = stack.request("POST", path, partner)[1]
    assert first["client_id"] == second["client_id"] == third["client_id"]
    assert second["previous_valid_until"]
    assert token_request(stack, third["client_id"], third["client_secret"])[0] == 200
    assert token_request(stack, second["client_id"], second["client_secret"])[0] == 200  # in overlap
    assert token_request(stack, first["client_id"], first["client_secret"])[0] == 401  # older: gone
    # JSON with the credentials in the body works too
    status, issued = stack.request(
        "POST",
        "/marketplace/oauth/token",
        None,
        {
            "grant_type": "client_credentials",
            "client_id": third["client_id"],
            "client_secret": third["client_secret"],
        },
    )
    assert status == 200, issued
    status, body = stack.request("POST", "/marketplace/oauth/token", None, {"grant_type": "password"})
    assert status == 400 and body["error"] == "unsupported_grant_type"

    status, _ = stack.request("POST", f"/marketplace/installations/{inst['id']}/credentials/revoke", admin)
    assert status == 200
    assert stack.request("POST", "/followup/revisits", issued["access_token"], {})[0] == 403
    assert token_request(stack, third["client_id"], third["client_secret"])[0] == 401


def test_upgrade_needs_the_consent_to_the_new_version(stack: Any, tenant: str, admin: str) -> None:
    partner = partner_org(stack)
    app_id = listed_app(stack, partner, SCHEDULER)
    consent = {"scopes": ["roster:read", "directory:read"], "events": ["roster.published"]}
    status, inst = stack.request(
        "POST", "/marketplace/installations", admin, {"app_id": app_id, "version": 1, **consent}
    )
    assert status == 201, inst
    bigger = {
        **SCHEDULER,
        "scopes": [*SCHEDULER["scopes"], {"scope": "approvals:read", "reason": "读取审批"}],
    }
    assert stack.request("POST", f"/marketplace/apps/{app_id}/versions", partner, bigger)[0] == 201
    stack.request("POST", f"/marketplace/apps/{app_id}/versions/2/submit", partner)
    assert stack.request("POST", f"/marketplace/reviews/{app_id}/2/approve", platform_admin(stack))[0] == 200
    status, listed = stack.request("GET", f"/marketplace/installations/{inst['id']}", admin)
    assert listed["upgrade_available"] == 2 and listed["version"] == 1
    path = f"/marketplace/installations/{inst['id']}/upgrade"
    status, body = stack.request("POST", path, admin, {"version": 2, **consent})
    assert status == 422 and "approvals:read" in str(body)
    new = {"version": 2, "scopes": [*consent["scopes"], "approvals:read"], "events": consent["events"]}
    status, up = stack.request("POST", path, admin, new)
    assert status == 200 and up["version"] == 2 and "approvals:read" in up["scopes"], up
    assert up["upgrade_available"] is None


def test_a_bundle_installs_its_apps_all_or_nothing(stack: Any, tenant: str, admin: str) -> None:
    partner = partner_org(stack)
    a = listed_app(stack, partner, SCHEDULER)
    b = listed_app(stack, partner, {**REVISITS, "name": f"复诊{uuid.uuid4().hex[:4]}"})
    status, bundle = stack.request(
        "POST",
        "/marketplace/bundles",
        platform_admin(stack),
        {"name": "西医医院免费支撑套件", "app_ids": [a, b]},
    )
    assert status == 201, bundle
    assert {x["name"] for x in bundle["apps"]} >= {"智能排班助手"}
    status, page = stack.request("GET", "/marketplace/bundles?limit=10", admin)
    assert status == 200 and page["items"]
    good = {
        a: {"scopes": ["roster:read", "directory:read"], "events": ["roster.published"]},
        b: CONSENT,
    }
    wrong = {**good, b: {"scopes": [], "events": []}}
    status, body = stack.request(
        "POST", f"/marketplace/bundles/{bundle['id']}/install", admin, {"consents": wrong}
    )
    assert status == 422, body
    status, mine = stack.request("GET", "/marketplace/installations", admin)
    assert mine["items"] == []  # nothing installed by the refused attempt
    status, done = stack.request(
        "POST", f"/marketplace/bundles/{bundle['id']}/install", admin, {"consents": good}
    )
    assert status == 201 and len(done["installations"]) == 2, done
