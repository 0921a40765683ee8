"""The marketplace's pure rules: manifests against the scope and event catalogues, the search tokens a name
is found by, the exact-consent rule, and client secrets (hashed, rotated with a 24 h overlap)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chalicelib.marketplace.domain.apps import AskedScope, Manifest, check_manifest, search_tokens
from chalicelib.marketplace.domain.installations import (
    OVERLAP,
    check_consent,
    client_id,
    consent_differences,
    parse_client_id,
    rotate,
    verify,
)

from shared.errors import RuleViolation

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def manifest(**kw: object) -> Manifest:
    base: dict[str, object] = {
        "name": "智能排班助手",
        "description": "d",
        "scopes": [AskedScope(scope="roster:read", reason="r")],
        "events": ["roster.published"],
        "webhook_url": "https://example.com/h",
    }
    return Manifest.model_validate({**base, **kw})


def test_a_manifest_names_what_it_asks_wrongly() -> None:
    check_manifest(manifest())
    for bad, named in (
        ({"scopes": [AskedScope(scope="nope:read", reason="r")]}, "nope:read"),
        ({"scopes": [AskedScope(scope="events:read", reason="r")]}, "events:read"),
        ({"events": ["approval.completed"]}, "approval.completed"),
        ({"events": ["no.such"]}, "no.such"),
    ):
        with pytest.raises(RuleViolation, match=named.replace(".", r"\.")):
            check_manifest(manifest(**bad))
    with pytest.raises(RuleViolation):
        check_manifest(manifest(webhook_url="http://127.0.0.1:9000/h"))
    check_manifest(manifest(webhook_url="http://127.0.0.1:9000/h"), loopback_http=True)
    with pytest.raises(RuleViolation):
        check_manifest(manifest(webhook_url="http://10.0.0.1/h"), loopback_http=True)


def test_a_name_is_found_by_any_part_in_chinese_pinyin_and_initials() -> None:
    tokens = search_tokens("智能排班助手")
    for query in ("排班", "智能", "paiban", "zhinengpaiban", "pb", "znpb", "zs"):
        assert any(t.startswith(query) for t in tokens), query
    assert not any(t.startswith("xyz") for t in tokens)
    assert all(t == t.lower() and " " not in t for t in search_tokens("HIS 对接 Pro"))


def test_the_consent_is_exactly_what_is_asked() -> None:
    check_consent(["a:b", "c:d"], ["x.y"], ["c:d", "a:b"], ["x.y"])
    assert consent_differences(["a:b"], [], [], []) == ["scopes asked but not consented: a:b"]
    assert consent_differences([], [], ["z:z"], ["e.f"]) == [
        "scopes consented but not asked: z:z",
        "events consented but not asked: e.f",
    ]
    with pytest.raises(RuleViolation, match="a:b"):
        check_consent(["a:b"], [], [], [])


def test_a_client_id_names_its_hospital_and_installation() -> None:
    assert parse_client_id(client_id("demo-hospital", "abc123")) == ("demo-hospital", "abc123")
    assert parse_client_id("nodot") is None


def test_rotation_keeps_the_previous_secret_for_the_overlap_and_drops_older() -> None:
    first, creds = rotate(None, "h.i", "i", T0)
    assert verify(creds, first, T0) and not verify(creds, "fhs_wrong", T0)
    assert first not in creds.model_dump_json()  # stored hashed
    second, creds = rotate(creds, "h.i", "i", T0 + timedelta(hours=1))
    assert verify(creds, second, T0 + timedelta(hours=2)) and verify(creds, first, T0 + timedelta(hours=2))
    assert not verify(creds, first, T0 + timedelta(hours=1) + OVERLAP)
    third, creds = rotate(creds, "h.i", "i", T0 + timedelta(hours=3))
    assert verify(creds, third, T0 + timedelta(hours=3))
    assert verify(creds, second, T0 + timedelta(hours=3)) and not verify(
        creds, first, T0 + timedelta(hours=3)
    )
