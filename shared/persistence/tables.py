"""Every DynamoDB table of a province stack, declared once.

The local runtime creates these in moto and the CDK data stack creates them in AWS, from this list.
All keys start with the tenant id; the generic ``gsi1`` index carries secondary access paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.services import SERVICES


@dataclass(frozen=True)
class IndexSpec:
    name: str
    pk: str
    sk: str


@dataclass(frozen=True)
class TableSpec:
    suffix: str
    owner: str
    purpose: str
    pk: str = "pk"
    sk: str | None = "sk"
    indexes: tuple[IndexSpec, ...] = ()
    stream: bool = False
    ttl_attribute: str | None = None
    data_classification: str = "internal"
    key_attributes: tuple[str, ...] = field(default=())

    def attribute_names(self) -> list[str]:
        names = [self.pk] + ([self.sk] if self.sk else [])
        for index in self.indexes:
            names += [index.pk, index.sk]
        return list(dict.fromkeys(names))


GSI1 = IndexSpec("gsi1", "gsi1pk", "gsi1sk")
# Follow-up's task board is read per doctor (gsi1), per care team (gsi2) and per department (gsi3), one
# Query a page each: the task item carries the three keys, so a state change moves it on every board.
GSI2 = IndexSpec("gsi2", "gsi2pk", "gsi2sk")
GSI3 = IndexSpec("gsi3", "gsi3pk", "gsi3sk")

# Each service's own table holds its aggregates and its outbox (hence the stream) and its inbox markers.
SERVICE_TABLES: tuple[TableSpec, ...] = tuple(
    TableSpec(
        suffix=svc,
        owner=svc,
        purpose=f"{svc} aggregates, outbox and inbox",
        indexes=(GSI1, GSI2, GSI3) if svc == "followup" else (GSI1,),
        stream=True,
        ttl_attribute="expires_at",
        data_classification="confidential" if svc == "followup" else "internal",
    )
    for svc in SERVICES
)

DIRECTORY = TableSpec(
    suffix="directory",
    owner="messaging",
    purpose="the hospital directory: written by messaging, read by every service",
    indexes=(GSI1,),
    data_classification="confidential",
)
AUDIT = TableSpec(
    suffix="audit",
    owner="shared",
    purpose="append-only audit records, written in the same transaction as the change",
    indexes=(GSI1,),
    data_classification="confidential",
)
IDEMPOTENCY = TableSpec(
    suffix="idempotency",
    owner="shared",
    purpose="Idempotency-Key records (Powertools idempotency)",
    pk="id",
    sk=None,
    ttl_attribute="expiration",
)

TABLES: tuple[TableSpec, ...] = (*SERVICE_TABLES, DIRECTORY, AUDIT, IDEMPOTENCY)


def table_spec(suffix: str) -> TableSpec:
    for spec in TABLES:
        if spec.suffix == suffix:
            return spec
    raise KeyError(suffix)
