"""Standard Webhooks signing against the spec's own vectors (/work/shared/vectors/standard-webhooks.md)."""

from __future__ import annotations

import pytest
from chalicelib.marketplace.domain import signing

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TS = 1614265330
BODY = '{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(signature: str, ts: str = str(TS)) -> dict[str, str]:
    return {"webhook-id": MSG_ID, "webhook-timestamp": ts, "webhook-signature": signature}


def test_signs_the_vector_with_and_without_the_prefix() -> None:
    assert signing.sign(SECRET, MSG_ID, TS, BODY) == EXPECTED
    assert signing.sign(SECRET.removeprefix("whsec_"), MSG_ID, TS, BODY.encode()) == EXPECTED


def test_verifies_the_vector_and_a_rotation_list() -> None:
    signing.verify(SECRET, headers(EXPECTED), BODY, now=TS)
    rotation = (
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
    )
    signing.verify(SECRET, headers(rotation), BODY, now=TS)


@pytest.mark.parametrize(
    "signature",
    [
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        "v1,",
        "v1",
        "garbage",
        "v1,a,b",
        "",
    ],
)
def test_rejects_bad_signatures(signature: str) -> None:
    with pytest.raises(signing.InvalidSignature):
        signing.verify(SECRET, headers(signature), BODY, now=TS)


@pytest.mark.parametrize("ts,now", [("hello", TS), (str(TS), TS + 301), (str(TS), TS - 301)])
def test_rejects_bad_or_stale_timestamps(ts: str, now: int) -> None:
    with pytest.raises(signing.InvalidSignature):
        signing.verify(SECRET, headers(EXPECTED, ts), BODY, now=now)


def test_several_secrets_sign_side_by_side() -> None:
    fresh = signing.new_secret()
    assert fresh.startswith("whsec_") and len(fresh) >= 6 + 32
    header = signing.signature_header([SECRET, fresh], MSG_ID, TS, BODY)
    assert header.split(" ")[0] == EXPECTED
    signing.verify(fresh, headers(header), BODY, now=TS)


def test_the_standard_webhooks_library_verifies_what_the_marketplace_signs_during_a_rotation() -> None:
    """A partner verifying with the reference library (``standardwebhooks``) accepts a delivery signed with
    the old and the new secret during a rotation, with either secret, and refuses a changed body."""
    import time

    import pytest
    from chalicelib.marketplace.domain import signing
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"id":"e1","type":"staff.created","data":{"staff_id":"s1","name":"\\u6797\\u6653"}}'
    sent = signing.headers([old, new], "msg_1", int(time.time()), body)
    for secret in (old, new):
        assert Webhook(secret).verify(body, sent)["type"] == "staff.created"
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body.replace(b"s1", b"s2"), sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, sent)
