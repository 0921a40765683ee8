"""The provinces file: validated before anything is synthesized."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.config import InfraConfig, load, partition_of

IDENTITY = {
    "issuer": "https://sso.example.cn/realms/h",
    "jwks_url": "https://sso.example.cn/realms/h/certs",
    "audience": "future-hospital",
}


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
