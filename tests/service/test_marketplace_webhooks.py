"""Webhooks over HTTP on the local stack: an installation's app.installed reaches the partner's local
receiver (``fh partner receive``), a staff event follows, signed; the partner reads its endpoint, its
secret and its delivery log, the hospital admin the same log, the app its polling feed; uninstall ends
deliveries with app.uninstalled."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fh.partner import Receiver
from shared.events.envelope import EventEnvelope
from shared.events.published.marketplace import (
    APP_INSTALLED,
    APP_UNINSTALLED,
    InstallationChanged,
)
from shared.persistence.uow import UnitOfWork
from tests import partner_apps

pytestmark = pytest.mark.e2e
PARTNER = "partner-test"
APP = "app-web"


def publish(event: EventEnvelope) -> None:
    """An event of the marketplace put on its outbox, as its unit of work does (the stream relays it)."""
    from shared.auth import Principal

    with UnitOfWork("marketplace", Principal(tenant=event.tenant, user="test", kind="service"), "t") as uow:
        uow.emit(event)
        uow.commit()


def change(installation: str, url: str | None) -> InstallationChanged:
    return InstallationChanged(
        installation_id=installation,
        app_id=APP,
        app_name="护理排班助手",
        partner=PARTNER,
        version=1,
        scopes=["directory:read", "events:read"],
        events=["staff.*"],
        webhook_url=url,
        by="admin-1",
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(secret="whsec_" + "A" * 32, quiet=True).start()
    yield r
    r.stop()


def test_install_deliver_log_feed_and_uninstall(
    stack: Any, tenant: str, admin: str, token: Callable[..., str], receiver: Receiver
) -> None:
    installation = partner_apps.install(tenant, ["directory:read", "events:read"], app=APP)
    publish(APP_INSTALLED.envelope(tenant, change(installation, receiver.url)))
    stack.drain()
    partner = token(PARTNER, "dev-1", [], kind="partner")
    base = f"/marketplace/apps/{APP}/installations/{installation}"

    status, endpoint = stack.request("GET", f"{base}/endpoint", partner)
    assert status == 200 and endpoint["status"] == "enabled" and endpoint["secrets"] == 1, endpoint
    status, shown = stack.request("POST", f"{base}/endpoint/secret", partner, {})
    assert status == 200 and shown["secret"].startswith("whsec_")
    # the first delivery was signed with that secret: the receiver (keyed wrongly) refused it
    assert receiver.events == [] and receiver.rejected
    receiver.secret = shown["secret"]
    status, log = stack.request("GET", f"{base}/messages", partner)
    assert status == 200 and [m["event_type"] for m in log["items"]] == ["app.installed"]
    (installed,) = log["items"]
    assert installed["state"] == "pending" and installed["attempts"] == 1
    status, resent = stack.request("POST", f"{base}/messages/{installed['id']}/resend", partner, {})
    assert status == 200 and resent["state"] == "delivered", resent
    assert [a["status_code"] for a in resent["attempt_log"]] == [401, 204]
    assert receiver.events[0][0] == installed["id"]  # the webhook-id is the message id

    status, dept = stack.request("POST", "/messaging/departments", admin, {"name": "护理部"})
    body = {
        "name": "林晓",
        "employee_no": f"N{uuid.uuid4().hex[:6]}",
        "department_id": dept["id"],
        "roles": ["nurse"],
    }
    status, nurse = stack.request("POST", "/messaging/staff", admin, body)
    assert status == 201, nurse
    stack.drain()
    assert [e["type"] for _, e, _ in receiver.events] == ["app.installed", "staff.created"]
    assert receiver.events[1][1]["data"]["staff_id"] == nurse["id"]

    status, log = stack.request("GET", f"/marketplace/installations/{installation}/messages", admin)
    assert status == 200 and [m["state"] for m in log["items"]] == ["delivered", "delivered"]
    status, detail = stack.request(
        "GET", f"/marketplace/installations/{installation}/messages/{log['items'][0]['id']}", admin
    )
    assert status == 200 and detail["attempt_log"][0]["status_code"] == 204

    app = partner_apps.sign(tenant, installation, ["directory:read", "events:read"], app=APP)
    status, feed = stack.request("GET", "/marketplace/events?limit=1", app)
    assert status == 200 and [i["event"]["type"] for i in feed["items"]] == ["app.installed"]
    status, rest = stack.request("GET", f"/marketplace/events?cursor={feed['next_cursor']}", app)
    assert [i["event"]["type"] for i in rest["items"]] == ["staff.created"]
    status, none = stack.request("GET", f"/marketplace/events?cursor={rest['next_cursor']}", app)
    assert none["items"] == [] and none["next_cursor"] == rest["next_cursor"]  # poll on from there

    # another partner, or another app of this one, reaches nothing (a 404 naming no id)
    other = token("partner-other", "dev-9", [], kind="partner")
    status, problem = stack.request("GET", f"{base}/endpoint", other)
    assert status == 404 and installation not in str(problem)
    status, _ = stack.request(
        "GET", f"/marketplace/apps/app-else/installations/{installation}/endpoint", partner
    )
    assert status == 404

    from shared.installations import StandingItem

    standing = StandingItem.get(StandingItem.partition(tenant), installation)
    standing.update(actions=[StandingItem.status.set("uninstalled")])
    publish(APP_UNINSTALLED.envelope(tenant, change(installation, receiver.url)))
    stack.drain()
    status, _ = stack.request(
        "PATCH", f"/messaging/staff/{nurse['id']}", admin, {"title": "护师", "version": nurse["version"]}
    )
    assert status == 200
    stack.drain()
    assert [e["type"] for _, e, _ in receiver.events][-1] == "app.uninstalled"
    assert len(receiver.events) == 3
    status, endpoint = stack.request("GET", f"/marketplace/installations/{installation}/endpoint", admin)
    assert (endpoint["status"], endpoint["reason"]) == ("disabled", "uninstalled")
    status, _ = stack.request("GET", "/marketplace/events", app)
    assert status == 403  # the shared layer refuses an uninstalled installation's token


def test_rotation_signs_with_both_secrets_and_recover_queues_failed(
    stack: Any, tenant: str, token: Callable[..., str], receiver: Receiver
) -> None:
    installation = partner_apps.install(tenant, ["directory:read", "events:read"], app=APP)
    publish(APP_INSTALLED.envelope(tenant, change(installation, receiver.url)))
    stack.drain()
    partner = token(PARTNER, "dev-1", [], kind="partner")
    base = f"/marketplace/apps/{APP}/installations/{installation}"
    _, old = stack.request("POST", f"{base}/endpoint/secret", partner, {})
    status, new = stack.request("POST", f"{base}/endpoint/secret", partner, {"rotate": True})
    assert status == 200 and new["rotated"] and new["secret"] != old["secret"]
    status, endpoint = stack.request("GET", f"{base}/endpoint", partner)
    assert endpoint["secrets"] == 2
    receiver.secret = new["secret"]
    status, recovered = stack.request("POST", f"{base}/recover", partner, {"since": "2020-01-01T00:00:00Z"})
    assert status == 200 and recovered["queued"] == 1, recovered
    from chalicelib.marketplace.service import dispatch

    dispatch.sweep()
    assert [e["type"] for _, e, _ in receiver.events] == ["app.installed"]
    receiver.secret = old["secret"]  # the old secret still verifies (its signature is beside the new)
    status, detail = stack.request("GET", f"{base}/messages", partner)
    mid = detail["items"][0]["id"]
    status, resent = stack.request("POST", f"{base}/messages/{mid}/resend", partner, {})
    assert resent["attempt_log"][-1]["status_code"] == 204


def test_410_disables_the_partner_reenables_and_recovers(
    stack: Any, tenant: str, token: Callable[..., str], receiver: Receiver
) -> None:
    installation = partner_apps.install(tenant, ["directory:read", "events:read"], app=APP)
    receiver.answer = lambda event: 410
    publish(APP_INSTALLED.envelope(tenant, change(installation, receiver.url)))
    stack.drain()
    partner = token(PARTNER, "dev-1", [], kind="partner")
    base = f"/marketplace/apps/{APP}/installations/{installation}"
    _, shown = stack.request("POST", f"{base}/endpoint/secret", partner, {})
    receiver.secret = shown["secret"]
    status, log = stack.request("GET", f"{base}/messages", partner)
    mid = log["items"][0]["id"]
    status, resent = stack.request("POST", f"{base}/messages/{mid}/resend", partner)
    assert status == 200 and resent["attempt_log"][-1]["status_code"] == 410 and resent["state"] == "failed"
    status, endpoint = stack.request("GET", f"{base}/endpoint", partner)
    assert (endpoint["status"], endpoint["reason"]) == ("disabled", "gone")
    assert endpoint["failing_since"] is not None
    status, notices = stack.request("GET", "/marketplace/webhook-notices", partner)
    assert any(n["installation_id"] == installation and n["reason"] == "gone" for n in notices["items"])
    status, problem = stack.request("POST", f"{base}/messages/{mid}/resend", partner)
    assert status == 422, problem  # disabled: enable it first
    receiver.answer = None
    status, endpoint = stack.request(
        "PATCH", f"{base}/endpoint", partner, {"version": endpoint["version"], "enable": True}
    )
    assert status == 200 and endpoint["status"] == "enabled" and endpoint["failing_since"] is None, endpoint
    status, recovered = stack.request("POST", f"{base}/recover", partner, {"since": "2020-01-01T00:00:00Z"})
    assert recovered["queued"] == 1
    from chalicelib.marketplace.service import dispatch

    dispatch.sweep()
    status, detail = stack.request("GET", f"{base}/messages/{mid}", partner)
    assert detail["state"] == "delivered" and detail["attempt_log"][-1]["status_code"] == 204
    assert receiver.events[-1][0] == mid  # the same webhook-id throughout
