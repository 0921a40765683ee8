"""Follow-up's KPI counters on DynamoDB: one item per department and month, ``<t>#kpi#<department_id>`` /
``month#<YYYY-MM>``, moved by atomic ADDs in the consumer's transaction (beside its inbox marker, so an
event counts once)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.followup.adapters.dynamodb import writes
from chalicelib.followup.domain.kpis import COUNTERS, Counts
from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DoesNotExist

from shared.persistence.models import TenantItem, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork


class KpiItem(TenantItem):
    ENTITY = "followup_kpi"
    Meta = table_meta("followup")
    enrolled = NumberAttribute(null=True)
    done = NumberAttribute(null=True)
    missed = NumberAttribute(null=True)
    reached = NumberAttribute(null=True)
    on_time = NumberAttribute(null=True)
    lost = NumberAttribute(null=True)
    alerts = NumberAttribute(null=True)


def _key(tenant: str, department_id: str, month: str) -> tuple[str, str]:
    return tenant_key(tenant, "kpi", department_id), f"month#{month}"


@dataclass
class DynamoKpis:
    tenant: str
    uow: UnitOfWork | None

    def add(self, department_id: str, month: str, moves: Mapping[str, int]) -> None:
        pk, sk = _key(self.tenant, department_id, month)
        actions = [getattr(KpiItem, name).add(n) for name, n in moves.items() if name in COUNTERS and n]
        if not actions:
            return
        actions += [KpiItem.entity.set(KpiItem.ENTITY), KpiItem.tenant.set(self.tenant)]
        writes(self.uow).update(KpiItem(pk, sk), actions)

    def get(self, department_id: str, month: str) -> Counts:
        pk, sk = _key(self.tenant, department_id, month)
        try:
            item = KpiItem.get(pk, sk)
        except DoesNotExist:
            return Counts()
        if item.tenant != self.tenant:
            return Counts()
        return Counts(**{name: int(getattr(item, name) or 0) for name in COUNTERS})
