"""The published event catalog: what producers emit and consumers parse is one model per type."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.events.consumer import check_payload
from shared.events.envelope import EventEnvelope, UnknownSchema
from shared.events.published import CATALOG, event_type
from shared.events.published.messaging import STAFF_CREATED, StaffChanged
from shared.services import SERVICES


def test_every_type_is_listed_once_under_its_name_and_from_a_known_service() -> None:
    assert len(CATALOG) >= 20
    for name, kind in CATALOG.items():
        assert kind.name == name and kind.source in SERVICES
        assert kind.json_schema()["properties"]["type"] == {"const": name}


def test_a_known_event_passes_and_a_newer_version_or_a_misfit_is_refused_before_any_effect() -> None:
    good = STAFF_CREATED.envelope("t1", StaffChanged(staff_id="s1", department_id="d1"))
    check_payload(good)
    assert STAFF_CREATED.parse(good) == StaffChanged(staff_id="s1", department_id="d1")
    newer = good.model_copy(update={"schema_version": 2})
    with pytest.raises(UnknownSchema, match=good.id):
        check_payload(newer)
    with pytest.raises(UnknownSchema):
        STAFF_CREATED.parse(newer)
    with pytest.raises(UnknownSchema):
        check_payload(good.model_copy(update={"data": {"staff_id": "s1"}}))
    with pytest.raises(ValidationError):
        STAFF_CREATED.parse(good.model_copy(update={"data": {"staff_id": "s1"}}))
    unknown = EventEnvelope(source="messaging", type="staff.teleported", tenant="t1", data={})
    assert event_type("staff.teleported") is None
    with pytest.raises(UnknownSchema, match="not in the published catalog"):
        check_payload(unknown)


def test_a_type_parses_only_its_own_events() -> None:
    other = CATALOG["department.created"]
    good = STAFF_CREATED.envelope("t1", StaffChanged(staff_id="s1", department_id="d1"))
    with pytest.raises(UnknownSchema):
        other.parse(good)
