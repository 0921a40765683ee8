"""The provinces file: validated before anything is synthesized."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.config import InfraConfig, load, parse_push_app, partition_of

IDENTITY = {
    "issuer": "https://sso.example.cn/realms/h",
    "jwks_url": "https://sso.example.cn/realms/h/certs",
    "audience": "future-hospital",
}


PUSH_APP = "arn:aws-cn:sns:cn-north-1:111111111111:app/BAIDU/fh-zj-baidu"


def province(**overrides: Any) -> dict[str, Any]:
    return {
        "code": "zj",
        "name": "浙江",
        "partition": "aws-cn",
        "region": "cn-north-1",
        "identity": IDENTITY,
        **overrides,
    }


def test_sample_has_three_provinces_one_in_ningxia() -> None:
    config = load()
    assert len(config.provinces) == 3
    assert "cn-northwest-1" in {p.region for p in config.provinces}
    assert all(p.partition == partition_of(p.region) for p in config.provinces)


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("ap-east-1", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
    ],
)
def test_partition_of_region(region: str, partition: str) -> None:
    assert partition_of(region) == partition


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"partition": "aws"}, "aws-cn partition"),
        ({"code": "ZJ"}, "code"),
        ({"account": "12345"}, "account"),
        ({"hospitals": [{"id": "Bad_Id", "name": "x"}]}, "id"),
        ({"hospitals": [{"id": "h1", "name": "a"}, {"id": "h1", "name": "b"}]}, "twice"),
        ({"retention": {"log_days": 42}}, "CloudWatch Logs"),
        ({"identity": {**IDENTITY, "issuer": "http://plain"}}, "issuer"),
        ({"unknown": 1}, "unknown"),
        ({"messaging": {"push_apps": {"fcm": "fh-zj-fcm"}}}, "not an SNS platform application ARN"),
        (
            {"messaging": {"push_apps": {"fcm": "arn:aws:sns:cn-north-1:111111111111:app/GCM/fh"}}},
            "push_apps.fcm is not in aws-cn cn-north-1",
        ),
        (
            {"messaging": {"push_apps": {"fcm": "arn:aws-cn:sns:cn-northwest-1:111111111111:app/GCM/fh"}}},
            "push_apps.fcm is not in aws-cn cn-north-1",
        ),
        ({"messaging": {"push_apps": {"FCM!": PUSH_APP}}}, "push platform"),
        ({"messaging": {"voice_origination": "+8657100000000"}}, "phone number id"),
        (
            {
                "messaging": {
                    "voice_origination": "arn:aws-cn:sms-voice:cn-northwest-1:111111111111:pool/pool-abc"
                }
            },
            "voice_origination is not in aws-cn cn-north-1",
        ),
    ],
)
def test_mistakes_are_rejected_with_the_field(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        InfraConfig.model_validate({"province": [province(**overrides)]})


def test_province_codes_are_unique() -> None:
    with pytest.raises(ValidationError, match="twice"):
        InfraConfig.model_validate({"province": [province(), province()]})


def test_select_unknown_province_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="zj"):
        load().select(["xx"])


def test_messaging_channels_are_optional_and_parsed() -> None:
    bare = InfraConfig.model_validate({"province": [province()]}).provinces[0].messaging
    assert bare.push_apps == {} and bare.voice_origination is None and bare.voice_channel == "log"
    configured = (
        InfraConfig.model_validate(
            {
                "province": [
                    province(
                        messaging={
                            "push_apps": {"baidu": PUSH_APP},
                            "voice_origination": "arn:aws-cn:sms-voice:cn-north-1:222222222222:pool/pool-abc1",
                        }
                    )
                ]
            }
        )
        .provinces[0]
        .messaging
    )
    assert configured.voice_channel == "pinpoint"
    assert configured.voice_resource() == ("pool", "pool-abc1", "222222222222")
    assert parse_push_app(PUSH_APP).resource == "BAIDU/fh-zj-baidu"
