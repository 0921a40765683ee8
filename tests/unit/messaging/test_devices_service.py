"""Push devices' use cases on the in-memory fakes (no AWS): registering a phone (the platform must be
configured, the same phone once, the latest five kept) and pushing to everyone's devices (a dead one
skipped, another hospital's never reached, people read in batches).

``tests/service/test_conversations.py`` keeps a registration and a push through SNS on moto;
``tests/service/test_messaging_store.py`` checks the fake store against the DynamoDB one."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace

import pytest
from chalicelib.messaging.contracts.devices import RegisterDevice
from chalicelib.messaging.service import devices

from shared.auth import Principal
from shared.errors import NotFound, RuleViolation
from tests.unit.messaging.fakes import DeviceTables, FakeDeviceStore, FakePushEndpoints

T = "t-push"
APPS = {"fcm": "arn:fcm-app", "apns": "arn:apns-app"}
# As the HTTP layer hands it over: the directory binds the sign-in to the staff record (shared.standing).
LI = Principal(tenant=T, user="li", roles=frozenset({"nurse"}), staff_id="s-li")


@pytest.fixture(autouse=True)
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """FCM and APNs are configured here (FH_PUSH_APPS); Baidu is not."""
    monkeypatch.setattr(devices, "get_settings", lambda: SimpleNamespace(push_apps=APPS))


@pytest.fixture
def tables() -> DeviceTables:
    return DeviceTables()


def register(
    tables: DeviceTables,
    token: str,
    platform: str = "fcm",
    who: Principal = LI,
    sns: FakePushEndpoints | None = None,
) -> str:
    cmd = RegisterDevice.model_validate({"platform": platform, "token": token})
    device = devices.register(
        who, cmd, store=FakeDeviceStore(who.tenant, tables), endpoints=sns or FakePushEndpoints()
    )
    return device.device_id


def test_a_phone_becomes_an_endpoint_pointed_at_its_owner(tables: DeviceTables) -> None:
    sns = FakePushEndpoints()
    device_id = register(tables, "li-phone-token-123", sns=sns)
    assert device_id == hashlib.sha256(b"li-phone-token-123").hexdigest()[:16]
    arn = sns.by_token[("arn:fcm-app", "li-phone-token-123")]
    assert sns.user_data[arn] == f"{T}/s-li"
    assert tables.registries[(T, "s-li")] == {device_id: arn}


def test_the_same_phone_again_is_one_device_and_the_latest_five_are_kept(tables: DeviceTables) -> None:
    sns = FakePushEndpoints()
    ids = [register(tables, f"token-{n:04d}", sns=sns) for n in range(5)]
    assert register(tables, "token-0000", sns=sns) == ids[0]  # moves to the newest place
    assert list(tables.registries[(T, "s-li")]) == [*ids[1:], ids[0]]
    newest = register(tables, "token-0005", "apns", sns=sns)
    assert list(tables.registries[(T, "s-li")]) == [*ids[2:], ids[0], newest]  # the oldest one dropped


def test_a_platform_not_configured_here_is_refused_before_anything_is_made(tables: DeviceTables) -> None:
    sns = FakePushEndpoints()
    with pytest.raises(RuleViolation, match="push platform 'baidu' is not configured here") as refused:
        register(tables, "baidu-token-1", "baidu", sns=sns)
    assert refused.value.field == "platform"
    assert sns.by_token == {} and tables.registries == {}


def test_the_caller_must_have_a_staff_record(tables: DeviceTables) -> None:
    with pytest.raises(NotFound, match="staff record"):
        register(tables, "stranger-token", who=Principal(tenant=T, user="stranger", roles=frozenset()))
    bound = Principal(tenant=T, user="no-user-record", roles=frozenset(), staff_id="s-zhao")
    register(tables, "zhao-token-1", who=bound)
    assert (T, "s-zhao") in tables.registries


def test_a_push_reaches_every_device_of_everyone_but_a_dead_one(tables: DeviceTables) -> None:
    sns = FakePushEndpoints()
    for token in ("li-phone-1", "li-pad-1"):
        register(tables, token, sns=sns)
    register(
        tables,
        "wang-phone-1",
        who=Principal(tenant=T, user="wang", roles=frozenset(), staff_id="s-wang"),
        sns=sns,
    )
    dead = sns.by_token[("arn:fcm-app", "li-pad-1")]
    sns.dead = (dead,)
    sent = devices.notify(
        T, ["s-li", "s-wang", "s-nobody"], "夜班群", "message", FakeDeviceStore(T, tables), sns
    )
    assert sent == 2
    assert sorted(arn for arn, _ in sns.pushed) == sorted(a for a in sns.by_token.values() if a != dead)
    payload = sns.pushed[0][1]
    assert payload["default"] == "夜班群"
    assert json.loads(payload["GCM"]) == {"notification": {"title": "夜班群"}, "data": {"kind": "message"}}
    assert json.loads(payload["APNS"]) == {"aps": {"alert": "夜班群"}, "kind": "message"}


def test_a_push_never_reaches_another_hospitals_devices_and_reads_people_in_batches(
    tables: DeviceTables,
) -> None:
    sns = FakePushEndpoints()
    register(tables, "li-phone-1", sns=sns)
    assert (
        devices.notify("t-other", ["s-li"], "x", "notification", FakeDeviceStore("t-other", tables), sns) == 0
    )
    assert sns.pushed == []
    many = [f"s-{n:03d}" for n in range(150)] + ["s-li"]
    assert devices.notify(T, many, "x", "notification", FakeDeviceStore(T, tables), sns) == 1
    assert tables.reads == 1 + 2  # 100 people a read
