"""PynamoDB base models: table names resolved from settings when used, tenant-first keys, versions."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from shared.settings import get_settings, region_name

if TYPE_CHECKING:
    from shared.auth import Principal


class _TableMeta(type):
    """A PynamoDB ``Meta`` whose table name and region come from the settings at call time, not import."""

    table_suffix: str

    @property
    def table_name(cls) -> str:
        return get_settings().table_name(cls.table_suffix)

    @property
    def region(cls) -> str:
        return region_name()


def table_meta(suffix: str) -> Any:
    """A fresh ``Meta`` class for a model stored in the table ``suffix``."""
    return _TableMeta("Meta", (), {"table_suffix": suffix})


def now_utc() -> datetime:
    return datetime.now(UTC)


def tenant_key(tenant: str, *parts: str) -> str:
    """A partition key: always the tenant first, so no query can cross tenants by accident."""
    if not tenant or "#" in tenant:
        raise ValueError("invalid tenant id")
    return "#".join((tenant, *parts))


class Gsi1(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
    """The generic secondary access path every table has (``gsi1pk`` / ``gsi1sk``, sparse)."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class TenantItem(Model):
    """Fields every item carries. Subclasses set ``Meta = table_meta(...)``, their ``ENTITY`` name and,
    usually, a ``partition(tenant)`` static method; ``Item.new(tenant, sk, **attributes)`` makes one."""

    ENTITY: ClassVar[str] = ""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    entity = UnicodeAttribute()
    tenant = UnicodeAttribute()

    @classmethod
    def new(cls, tenant: str, sk: str, *, pk: str | None = None, **attributes: Any) -> Self:
        """A new item of this entity for ``tenant``: in ``pk`` if given, else in ``cls.partition(tenant)``.

        The partition always starts with the tenant (``tenant_key``), whichever way it is given."""
        if not cls.ENTITY:
            raise TypeError(f"{cls.__name__} names no ENTITY")
        if pk is None:
            partition = getattr(cls, "partition", None)
            if partition is None:
                raise TypeError(f"{cls.__name__} has no partition(tenant); pass pk=")
            pk = str(partition(tenant))
        if pk != tenant and not pk.startswith(f"{tenant}#"):
            raise ValueError(f"the partition of a {cls.ENTITY} must start with its tenant")
        return cls(pk, sk, entity=cls.ENTITY, tenant=tenant, **attributes)


class Aggregate(TenantItem):
    """An aggregate root: optimistic locking by version, created/updated times."""

    version = VersionAttribute()
    created_at = UTCDateTimeAttribute(default=now_utc)
    updated_at = UTCDateTimeAttribute(default=now_utc)


_service_models: dict[str, dict[str, type[Model]]] = {}


def service_item_models(suffix: str) -> dict[str, type[Model]]:
    """Outbox and inbox item models for one service table (made once per table)."""
    if suffix not in _service_models:
        meta = table_meta(suffix)

        class OutboxItem(TenantItem):
            Meta = meta
            event = UnicodeAttribute()
            event_type = UnicodeAttribute()
            expires_at = NumberAttribute()

        class InboxItem(TenantItem):
            Meta = meta
            expires_at = NumberAttribute()

        OutboxItem.__name__ = f"OutboxItem_{suffix}"
        InboxItem.__name__ = f"InboxItem_{suffix}"
        _service_models[suffix] = {"outbox": OutboxItem, "inbox": InboxItem}
    return _service_models[suffix]


class AuditRecord(TenantItem):
    """Who did what to which resource, with before/after. Append-only: no API updates or deletes it."""

    Meta = table_meta("audit")
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    actor = UnicodeAttribute()
    actor_name = UnicodeAttribute(null=True)  # the member of staff's name when the actor is one
    actor_kind = UnicodeAttribute()
    action = UnicodeAttribute()
    resource_type = UnicodeAttribute()
    resource_id = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    request_id = UnicodeAttribute(null=True)
    before = UnicodeAttribute(null=True)
    after = UnicodeAttribute(null=True)

    @classmethod
    def of(
        cls,
        principal: Principal,
        action: str,
        resource_type: str,
        resource_id: str,
        request_id: str | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        tenant: str | None = None,
    ) -> AuditRecord:
        """A record under the resource (its trail) and, through gsi1, under the tenant's day (a sweep).

        ``tenant``: the hospital whose trail it goes in when it is not the actor's own — a disclosure
        across a consortium is recorded in both hospitals' trails; in the other one the actor is named
        with their hospital (``<hospital>:<user>``) so it is never taken for one of its own staff."""
        at = now_utc()
        record_id = uuid.uuid4().hex
        home = tenant or principal.tenant
        foreign = home != principal.tenant
        return cls(
            tenant_key(home, resource_type, resource_id),
            f"{at.isoformat()}#{record_id}",
            entity="audit",
            tenant=home,
            gsi1pk=tenant_key(home, "audit", at.strftime("%Y-%m-%d")),
            gsi1sk=f"{at.isoformat()}#{record_id}",
            actor=f"{principal.tenant}:{principal.user}" if foreign else principal.user,
            actor_name=principal.staff_name,
            actor_kind=principal.kind,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            at=at,
            request_id=request_id,
            before=json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
            after=json.dumps(after, ensure_ascii=False, default=str) if after is not None else None,
        )


def item_attributes(item: Model) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.get_attributes()}
