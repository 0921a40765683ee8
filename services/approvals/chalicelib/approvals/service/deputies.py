"""Deputies (代理人): an approver names who stands in for them over a period, reads or clears it."""

from __future__ import annotations

from chalicelib.approvals.adapters import dynamodb
from chalicelib.approvals.adapters.directory import staff_member
from chalicelib.approvals.adapters.dynamodb import DelegationItem, delete
from chalicelib.approvals.contracts.deputies import Deputy, SetDeputy
from chalicelib.approvals.domain import deputies
from chalicelib.approvals.service._common import SERVICE, field_problem, now

from shared.auth import Principal
from shared.errors import NotFound
from shared.persistence.uow import UnitOfWork


def _deputy(item: DelegationItem) -> Deputy:
    d = item.delegation()
    return Deputy(
        approver=d.approver,
        deputy_id=d.deputy,
        start=d.start,
        end=d.end,
        reason=d.reason,
        active=d.covers(now()),
    )


def set_deputy(principal: Principal, body: SetDeputy, request_id: str) -> Deputy:
    at = now()
    delegation = deputies.Delegation(
        approver=principal.staff,
        deputy=body.deputy_id,
        start=body.start or at,
        end=body.end,
        reason=body.reason,
    )
    errors = deputies.check_delegation(delegation, at)
    if errors:
        raise field_problem(errors)
    staff = staff_member(principal.tenant, body.deputy_id)
    if staff is None or staff.status == "left":
        raise field_problem([("deputy_id", "no such member of staff in this hospital")])
    item = DelegationItem(
        DelegationItem.partition(principal.tenant),
        principal.staff,
        entity="deputy",
        tenant=principal.tenant,
        deputy_id=delegation.deputy,
        start=delegation.start,
        end=delegation.end,
        reason=delegation.reason,
        set_at=at,
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(item)
        uow.audit("deputy.set", "approval-deputy", principal.staff, after=delegation.model_dump(mode="json"))
        uow.commit()
    return _deputy(item)


def get_deputy(principal: Principal) -> Deputy:
    item = dynamodb.delegation_of(principal.tenant, principal.staff)
    if item is None:
        raise NotFound("deputy")
    return _deputy(item)


def clear_deputy(principal: Principal, request_id: str) -> None:
    """Clearing is idempotent: no deputy set is already the state asked for."""
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        delete(uow, DelegationItem(DelegationItem.partition(principal.tenant), principal.staff))
        uow.audit("deputy.clear", "approval-deputy", principal.staff)
        uow.commit()
