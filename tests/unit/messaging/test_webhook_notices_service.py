"""Webhook endpoint disabled → the hospital's admins get one work notification naming the app (Chinese)."""

from __future__ import annotations

from chalicelib.messaging.service import webhook_notices

from shared.events.published.marketplace import WEBHOOK_ENDPOINT_DISABLED, EndpointDisabled
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeNotificationStore, NotificationTables

T = "t-webhook"


def disabled(reason: str) -> object:
    data = EndpointDisabled(
        installation_id="in1",
        app_id="app-1",
        app_name="护理排班助手",
        partner="p-acme",
        url="https://partner.example/hook",
        reason=reason,
    )
    return WEBHOOK_ENDPOINT_DISABLED.envelope(T, data)


def test_the_admins_are_told_which_app_and_why() -> None:
    tables = NotificationTables()
    store = FakeNotificationStore(T, tables)
    webhook_notices.from_endpoint_disabled(disabled("failing"), UnitOfWork("messaging"), store, ["a1", "a2"])  # type: ignore[arg-type]
    store.commit()
    [record] = tables.notifications.values()
    assert record.recipient_ids == ["a1", "a2"]
    assert "护理排班助手" in record.title and "连续 5 天推送失败" in record.body
    assert [e.type for e in store.uow.published] == ["notification.sent"]


def test_an_uninstall_or_no_admin_tells_nobody() -> None:
    tables = NotificationTables()
    store = FakeNotificationStore(T, tables)
    webhook_notices.from_endpoint_disabled(disabled("uninstalled"), UnitOfWork("messaging"), store, ["a1"])  # type: ignore[arg-type]
    webhook_notices.from_endpoint_disabled(disabled("gone"), UnitOfWork("messaging"), store, [])  # type: ignore[arg-type]
    store.commit()
    assert tables.notifications == {}
