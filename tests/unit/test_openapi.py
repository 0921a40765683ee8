"""Every service's OpenAPI document is valid 3.1 and documents its routes, errors and auth."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from fh.services import SERVICES, load_app
from shared import openapi
from shared.app import published_event_types, route_specs


@pytest.mark.parametrize("service", SERVICES)
def test_service_document_is_valid_openapi_31(service: str) -> None:
    app = load_app(service)
    doc = openapi.build(service, route_specs(app))
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert "/health" in doc["paths"]
    assert doc["paths"]["/health"]["get"]["security"] == []


def test_messaging_routes_document_bodies_and_problems() -> None:
    doc = openapi.build("messaging", route_specs(load_app("messaging")))
    create = doc["paths"]["/staff"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateStaff"
    }
    assert set(create["responses"]) >= {"201", "400", "401", "403", "413", "422"}
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert create["x-fh-roles"] == ["hospital_admin"]


def test_merged_document_prefixes_every_service() -> None:
    docs = {name: openapi.build(name, route_specs(load_app(name))) for name in SERVICES}
    merged = openapi.merge(docs)
    validate(merged)
    for name in SERVICES:
        assert f"/{name}/health" in merged["paths"]


def test_event_types_export_json_schema() -> None:
    from jsonschema import Draft202012Validator

    types = published_event_types(load_app("messaging"))
    assert {t.name for t in types} >= {"staff.created", "department.created"}
    for event_type in types:
        schema = event_type.json_schema()
        Draft202012Validator.check_schema(schema)
        assert schema["properties"]["type"] == {"const": event_type.name}
