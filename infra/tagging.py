"""Tags every deployed resource carries: app, province, service, data classification."""

from __future__ import annotations

from aws_cdk import Tags
from constructs import IConstruct

from infra import names


def tag(scope: IConstruct, province: str, service: str, classification: str) -> None:
    tags = Tags.of(scope)
    tags.add("app", names.APP)
    tags.add("province", province)
    tags.add("service", service)
    tags.add("data-classification", classification)
