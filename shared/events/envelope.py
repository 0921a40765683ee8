"""The event envelope: ids, type, tenant, time, schema version and thin data — never personal details."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.persistence.models import now_utc


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    source: str = Field(description="the producing service, e.g. 'messaging'")
    type: str = Field(description="dotted event type, e.g. 'staff.created'")
    tenant: str
    time: datetime = Field(default_factory=now_utc)
    schema_version: int = 1
    data: dict[str, Any]


P = TypeVar("P", bound=BaseModel)


class UnknownSchema(ValueError):
    """An event whose schema version this code does not know: it fails alone (retried, then the DLQ)."""


@dataclass(frozen=True)
class EventType(Generic[P]):
    """A published event type: its name, producer, version and the pydantic model of its data."""

    name: str
    source: str
    data_model: type[P]
    version: int = 1
    description: str = ""

    def envelope(self, tenant: str, data: BaseModel) -> EventEnvelope:
        if not isinstance(data, self.data_model):
            raise TypeError(f"{self.name} carries {self.data_model.__name__}")
        return EventEnvelope(
            source=self.source,
            type=self.name,
            tenant=tenant,
            schema_version=self.version,
            data=data.model_dump(mode="json"),
        )

    def parse(self, envelope: EventEnvelope) -> P:
        """The event's data as this type's model; an envelope of another type or schema version is refused
        (``UnknownSchema``) rather than half-read."""
        if envelope.type != self.name:
            raise UnknownSchema(f"event {envelope.id} is a {envelope.type}, not a {self.name}")
        if envelope.schema_version != self.version:
            raise UnknownSchema(
                f"event {envelope.id}: {self.name} v{envelope.schema_version}"
                f" (this code reads v{self.version})"
            )
        return self.data_model.model_validate(envelope.data)

    def json_schema(self) -> dict[str, Any]:
        schema = EventEnvelope.model_json_schema()
        schema["title"] = self.name
        schema["description"] = self.description or f"{self.name} (v{self.version}) from {self.source}"
        schema["properties"]["type"] = {"const": self.name}
        schema["properties"]["source"] = {"const": self.source}
        schema["properties"]["schema_version"] = {"const": self.version}
        data_schema = self.data_model.model_json_schema(ref_template="#/$defs/{model}")
        schema.setdefault("$defs", {}).update(data_schema.pop("$defs", {}))
        schema["properties"]["data"] = data_schema
        return schema
