"""The issue's whole path on the local stack, through the real routes only: a partner registers an app
whose webhook is a local receiver (``fh partner receive``, verifying with the ``standardwebhooks``
library), the platform approves it, a hospital admin installs it consenting to what it asks, the partner
gets credentials and the webhook secret, the app's token reads the directory (200) and is refused a scope
it was not given and a staff-only route (403); a member of staff joins and the app's server receives
``staff.created``, signed; uninstalled, every later call is refused and nothing but ``app.uninstalled``
arrives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fh.partner import Receiver
from tests.service.test_marketplace_apps_api import listed_app, partner_org
from tests.service.test_marketplace_installs_api import token_request

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    # the partner's server; it learns its secret from the partner console below
    r = Receiver(secret="whsec_" + "A" * 32, quiet=True).start()
    yield r
    r.stop()


def _types(receiver: Receiver) -> list[str]:
    return [event["type"] for _, event, _ in receiver.events]


def test_register_review_install_call_receive_and_uninstall(
    stack: Any, tenant: str, admin: str, token: Callable[..., str], receiver: Receiver
) -> None:
    partner = partner_org(stack)
    manifest = {
        "name": "通讯录同步助手",
        "description": "把医院通讯录同步到合作伙伴系统",
        "scopes": [{"scope": "directory:read", "reason": "同步科室与人员"}],
        "events": ["staff.created", "staff.left"],
        "webhook_url": receiver.url,
    }
    app_id = listed_app(stack, partner, manifest)
    status, inst = stack.request(
        "POST",
        "/marketplace/installations",
        admin,
        {
            "app_id": app_id,
            "version": 1,
            "scopes": ["directory:read"],
            "events": ["staff.created", "staff.left"],
        },
    )
    assert status == 201, inst
    stack.drain()  # app.installed: the endpoint is made

    base = f"/marketplace/apps/{app_id}/installations/{inst['id']}"
    status, shown = stack.request("POST", f"{base}/endpoint/secret", partner, {})
    assert status == 200 and shown["secret"].startswith("whsec_"), shown
    receiver.secret = shown["secret"]
    status, creds = stack.request("POST", f"{base}/credentials", partner)
    assert status == 201, creds
    status, issued = token_request(stack, creds["client_id"], creds["client_secret"])
    assert status == 200, issued
    app = issued["access_token"]

    # within its consent: 200; a scope it was not given, a staff-only route: 403
    status, units = stack.request("GET", "/messaging/departments", app)
    assert status == 200, units
    revisit = {"patient_id": "p1", "department_id": "d1", "ask": "renew", "text": "x"}
    assert stack.request("POST", "/followup/revisits", app, revisit)[0] == 403
    assert stack.request("GET", "/messaging/audit", app)[0] == 403

    # a member of staff joins: the app's server receives staff.created, signed (the library verified it)
    status, unit = stack.request("POST", "/messaging/departments", admin, {"name": "心血管内科"})
    assert status == 201, unit
    person = {"name": "林晓", "employee_no": "E2E01", "department_id": unit["id"], "roles": ["nurse"]}
    status, joined = stack.request("POST", "/messaging/staff", admin, person)
    assert status == 201, joined
    stack.drain()
    created = [event for _, event, _ in receiver.events if event["type"] == "staff.created"]
    assert [e["data"]["staff_id"] for e in created] == [joined["id"]], (receiver.events, receiver.rejected)
    assert created[0]["tenant"] == tenant
    # the app fetches the details through the API its scope allows
    status, fetched = stack.request("GET", f"/messaging/staff/{joined['id']}", app)
    assert status == 200 and fetched["name"] == "林晓" and fetched["mobile"] is None

    # uninstalled: every later call refused, the credentials dead, nothing but app.uninstalled delivered
    assert stack.request("DELETE", f"/marketplace/installations/{inst['id']}", admin)[0] == 204
    assert stack.request("GET", "/messaging/departments", app)[0] == 403
    assert stack.request("GET", f"/messaging/staff/{joined['id']}", app)[0] == 403
    assert token_request(stack, creds["client_id"], creds["client_secret"])[0] in (400, 401)
    before = len(receiver.events)
    later = {**person, "name": "周敏", "employee_no": "E2E02"}
    assert stack.request("POST", "/messaging/staff", admin, later)[0] == 201
    stack.drain()
    assert _types(receiver)[before:] == ["app.uninstalled"], receiver.events[before:]
    status, log = stack.request("GET", f"/marketplace/installations/{inst['id']}/messages", admin)
    assert status == 200 and "周敏" not in str(log)
