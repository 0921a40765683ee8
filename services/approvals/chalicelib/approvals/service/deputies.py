"""Deputies (代理人): an approver names who stands in for them over a period, reads or clears it."""

from __future__ import annotations

from chalicelib.approvals.contracts.deputies import Deputy, SetDeputy
from chalicelib.approvals.domain import deputies
from chalicelib.approvals.domain.ports import Directory, Store
from chalicelib.approvals.service import wiring
from chalicelib.approvals.service._common import field_problem, now

from shared.auth import Principal
from shared.errors import NotFound


def _deputy(d: deputies.Delegation) -> Deputy:
    return Deputy(
        approver=d.approver,
        deputy_id=d.deputy,
        start=d.start,
        end=d.end,
        reason=d.reason,
        active=d.covers(now()),
    )


def set_deputy(
    principal: Principal,
    body: SetDeputy,
    request_id: str,
    store: Store | None = None,
    directory: Directory | None = None,
) -> Deputy:
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
    status = (directory or wiring.directory(principal.tenant)).member_status(body.deputy_id)
    if status is None or status == "left":
        raise field_problem([("deputy_id", "no such member of staff in this hospital")])
    store = store or wiring.store(principal, request_id)
    with store:
        store.deputies.put(delegation, set_at=at)
        store.audit(
            "deputy.set", "approval-deputy", principal.staff, after=delegation.model_dump(mode="json")
        )
        store.commit()
    return _deputy(delegation)


def get_deputy(principal: Principal, store: Store | None = None) -> Deputy:
    delegation = (store or wiring.store(principal)).deputies.get(principal.staff)
    if delegation is None:
        raise NotFound("deputy")
    return _deputy(delegation)


def clear_deputy(principal: Principal, request_id: str, store: Store | None = None) -> None:
    """Clearing is idempotent: no deputy set is already the state asked for."""
    store = store or wiring.store(principal, request_id)
    with store:
        store.deputies.remove(principal.staff)
        store.audit("deputy.clear", "approval-deputy", principal.staff)
        store.commit()
