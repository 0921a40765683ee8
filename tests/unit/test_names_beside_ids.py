"""Names, not ids, where a person reads (#21.4): in every list a response carries, an object that names a
member of staff by id carries their display name beside it (``x_name`` for ``x`` / ``x_id``; ``name``
beside ``staff_id``).

Checked on the response schemas of every service's OpenAPI document, so every route is covered the day
it lands, driven by a scenario or not. What a staff id is called is listed here (the names the services
use); a list that still shows ids only is a ``KNOWN_GAPS`` entry saying why, and the test fails once it
is named, until the entry goes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fh.services import SERVICES, load_app
from shared import openapi
from shared.app import route_specs

STAFF_ID_FIELDS = {
    "staff_id",
    "sender",
    "sender_id",
    "submitter",
    "actor",
    "approver",
    "on_behalf_of",
    "deputy",
    "deputy_id",
    "acted_by",
    "added_by",
    "escalate_to",
    "supervisor_id",
    "head_id",
    "uploader",
    "recipient_id",
    "requested_by",
    "updated_by",
}
KNOWN_GAPS = {
    ("approvals", "StepDefinition", "escalate_to"): "a template's flow as its editor wrote it (a definition)",
    ("approvals", "ApproverRule", "staff_id"): "a template's flow as its editor wrote it (a definition)",
}


def _schema(doc: dict[str, Any], node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[1]
        return name, doc["components"]["schemas"][name]
    return None, node


def _list_items(doc: dict[str, Any], node: dict[str, Any], seen: set[str]) -> Iterator[tuple[str, Any]]:
    """(schema name, schema) of every object that appears as an item of a list under ``node``."""
    name, schema = _schema(doc, node)
    if name is not None:
        if name in seen:
            return
        seen.add(name)
    for part in (*schema.get("anyOf", ()), *schema.get("allOf", ()), *schema.get("oneOf", ())):
        yield from _list_items(doc, part, seen)
    if schema.get("type") == "array" and "items" in schema:
        item_name, item = _schema(doc, schema["items"])
        if item_name is not None:
            yield item_name, item
        yield from _list_items(doc, schema["items"], seen)
    for prop in schema.get("properties", {}).values():
        yield from _list_items(doc, prop, seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _list_items(doc, extra, seen)


def _unnamed(service: str) -> set[tuple[str, str, str]]:
    doc = openapi.build(service, route_specs(load_app(service)))
    found: set[tuple[str, str, str]] = set()
    for operations in doc["paths"].values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    for name, item in _list_items(doc, content.get("schema", {}), set()):
                        props = item.get("properties", {})
                        for field in STAFF_ID_FIELDS & set(props):
                            names = {f"{field}_name", f"{field.removesuffix('_id')}_name"}
                            if field == "staff_id":
                                names.add("name")
                            if not names & set(props):
                                found.add((service, name, field))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_list_names_the_staff_it_lists(service: str) -> None:
    unnamed = _unnamed(service)
    gaps = {key for key in KNOWN_GAPS if key[0] == service}
    assert unnamed - gaps == set(), "ids without a name beside them (add the name, or a KNOWN_GAPS reason)"
    assert gaps - unnamed == set(), "named now: take these out of KNOWN_GAPS"
