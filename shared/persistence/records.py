"""Records as items: one item shape per service table and a ``Codec`` per record kind.

A service whose table holds its records as JSON (follow-up, the marketplace) declares one item class
(its keys, ``state`` and ``revision`` as attributes for conditions, the record in ``data``, its index
keys) and subclasses ``Codec`` naming that class and its indexes; a feature's adapter is then a codec:
an entity name, how to key a record, which pydantic model it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from pynamodb.exceptions import DoesNotExist

from shared.errors import DomainError
from shared.persistence.paging import decode_cursor, one_page
from shared.persistence.uow import UnitOfWork

M = TypeVar("M", bound=BaseModel)
Page = tuple[list[Any], str | None]


def writes(uow: UnitOfWork | None) -> UnitOfWork:
    if uow is None:
        raise RuntimeError("this store reads only: open it with a unit of work to write")
    return uow


@dataclass(frozen=True)
class Keys:
    """Where a record is stored: its key and its index keys (``{1: (gsi1pk, gsi1sk), …}``)."""

    pk: str
    sk: str
    indexes: Mapping[int, tuple[str, str]]
    state: str | None = None
    expires_at: int | None = None


class Codec(Generic[M]):
    # the table's one item class (keys, state, revision, data, gsiN keys) and its indexes by number
    item_class: ClassVar[Any]
    indexes: ClassVar[dict[int, Any]]

    """A record kind: its entity name, its model, and where a record of it is stored. A service subclasses
    it naming its table's item class and indexes."""

    def __init__(self, tenant: str, keys: Callable[[M], Keys], model: type[M], entity: str):
        self.tenant = tenant
        self.keys = keys
        self.model = model
        self.entity_name = entity

    def item(self, record: M, revision: int) -> Any:
        keys = self.keys(record)
        if not (keys.pk.startswith(f"{self.tenant}#")):
            raise ValueError("a key must start with its tenant")
        item = self.item_class(
            keys.pk,
            keys.sk,
            entity=self.entity_name,
            tenant=self.tenant,
            state=keys.state,
            revision=revision,
            data=record.model_dump_json(exclude={"revision"}),
            expires_at=keys.expires_at,
        )
        for n, (ipk, isk) in keys.indexes.items():
            setattr(item, f"gsi{n}pk", ipk)
            setattr(item, f"gsi{n}sk", isk)
        return item

    def record(self, item: Any) -> M:
        values = json.loads(item.data or "{}")
        if "revision" in self.model.model_fields:
            values["revision"] = int(item.revision or 0)
        return self.model.model_validate(values)

    def get(self, pk: str, sk: str, consistent: bool = True) -> M | None:
        try:
            item = self.item_class.get(pk, sk, consistent_read=consistent)
        except DoesNotExist:
            return None
        if item.tenant != self.tenant or item.entity != self.entity_name:
            return None
        return self.record(item)

    def add(self, uow: UnitOfWork | None, record: M, taken: DomainError | None = None) -> None:
        """Create-only, staged; ``taken`` when the key is in use."""
        writes(uow).create(self.item(record, 0), on_conflict=taken)

    def replace(self, uow: UnitOfWork | None, record: M, stale: DomainError) -> None:
        """Replace if the stored revision is still the record's (staged); the new one is revision + 1."""
        revision = int(getattr(record, "revision", 0))
        writes(uow).save(
            self.item(record, revision + 1), condition=self.item_class.revision == revision, on_conflict=stale
        )

    def delete(self, uow: UnitOfWork | None, record: M) -> None:
        keys = self.keys(record)
        writes(uow).delete(self.item_class(keys.pk, keys.sk))

    def page(
        self,
        pk: str,
        limit: int,
        cursor: str | None,
        sk_prefix: str | None = None,
        newest_first: bool = False,
    ) -> Page:
        condition = self.item_class.sk.startswith(sk_prefix) if sk_prefix else None
        result = self.item_class.query(
            pk,
            range_key_condition=condition,
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(cursor, pk),
            scan_index_forward=not newest_first,
        )
        items, next_cursor = one_page(self.item_class, result)
        return [self.record(i) for i in items if i.entity == self.entity_name], next_cursor

    def index_page(
        self,
        n: int,
        ipk: str,
        limit: int,
        cursor: str | None,
        sk_from: str | None = None,
        sk_to: str | None = None,
        newest_first: bool = False,
    ) -> Page:
        """One Query of index ``gsi<n>`` in partition ``ipk``, sort keys between the bounds (included)."""
        attr = getattr(self.item_class, f"gsi{n}sk")
        condition = None
        if sk_from is not None and sk_to is not None:
            condition = attr.between(sk_from, sk_to)
        elif sk_from is not None:
            condition = attr >= sk_from
        elif sk_to is not None:
            condition = attr <= sk_to
        result = self.indexes[n].query(
            ipk,
            range_key_condition=condition,
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(cursor, ipk, pk_name=f"gsi{n}pk"),
            scan_index_forward=not newest_first,
        )
        items, next_cursor = one_page(self.item_class, result)
        return [self.record(i) for i in items if i.tenant == self.tenant], next_cursor
