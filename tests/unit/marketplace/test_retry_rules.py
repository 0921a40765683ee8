"""The retry rules: 2xx delivered, 3xx and 5xx retried on the schedule, 410 disables, Retry-After capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.marketplace.domain.webhooks import RETRY_AFTER_CAP, SCHEDULE, judge, message_id, retry_after

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_the_schedule_is_the_issues() -> None:
    assert [d.total_seconds() for d in SCHEDULE] == [0, 5, 300, 1800, 7200, 18000, 36000, 36000]


def test_answers() -> None:
    assert judge(1, 204, None, NOW).delivered
    assert judge(1, 302, None, NOW).next_at == NOW + SCHEDULE[1]  # a redirect is a failure
    assert judge(3, 500, None, NOW).next_at == NOW + SCHEDULE[3]
    gone = judge(1, 410, None, NOW)
    assert gone.disable == "gone" and gone.next_at is None
    assert judge(len(SCHEDULE), 500, None, NOW).next_at is None
    assert judge(1, 503, "30", NOW).next_at == NOW + timedelta(seconds=30)
    assert judge(1, 429, "garbage", NOW).next_at == NOW + SCHEDULE[1]


def test_retry_after_is_capped_and_never_negative() -> None:
    assert retry_after("999999", NOW) == RETRY_AFTER_CAP
    assert retry_after("Mon, 30 Nov 2026 08:00:00 GMT", NOW) == timedelta(0)
    assert retry_after(None, NOW) is None


def test_a_message_id_is_the_event_and_the_installation() -> None:
    assert message_id("e1", "in1") == message_id("e1", "in1") != message_id("e1", "in2")
    assert message_id("e1", "in1").startswith("msg_")
