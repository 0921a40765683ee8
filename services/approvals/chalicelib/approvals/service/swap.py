"""换班 from scheduling's side: a nurse's swap starts the hospital's built-in ``shift_swap`` approval as
her; one that cannot start is answered at once.

``roster.swap.requested`` → ``start_approval`` (approvals' ``swap-requested`` consumer). The approval's
end is answered by ``instance_events`` (``approval.swap.decided``), in the transaction that ends it.
``roster.swap.cancelled`` → ``withdraw_approval`` (``swap-cancelled``): the nurse called it off, so its
approval, still pending, is withdrawn as hers (``called_off``).
Mirrors 排班审批 (``service/roster.py``).
"""

from __future__ import annotations

from chalicelib.approvals.domain import swap
from chalicelib.approvals.domain.builtin_templates import SHIFT_SWAP
from chalicelib.approvals.domain.ports import Directory, Store
from chalicelib.approvals.service import called_off, wiring
from chalicelib.approvals.service.on_behalf import NotStarted, Refusals, start_for

from shared import observability
from shared.auth import Principal
from shared.events.envelope import EventEnvelope
from shared.events.published.approvals import SWAP_DECIDED, SwapDecided
from shared.events.published.scheduling import ROSTER_SWAP_CANCELLED, ROSTER_SWAP_REQUESTED
from shared.observability import for_service
from shared.persistence.uow import UnitOfWork

logger = observability.logger("approvals.swap")


REFUSALS = Refusals(swap.NOT_INSTALLED, swap.PROPOSER_GONE, swap.NO_APPROVER, swap.FORM_REFUSED)


def start_approval(
    envelope: EventEnvelope, uow: UnitOfWork, store: Store | None = None, directory: Directory | None = None
) -> None:
    """roster.swap.requested → a 换班 of the swap, submitted as the proposing nurse, titled and filled
    from the event; committed with the consumer's inbox marker. Once per swap (the approval's id is
    derived from it). One that cannot start (no template, the nurse has left, nobody to approve, the
    hospital's edited form refuses it) is answered ``approval.swap.decided`` ``failed`` with the reason."""
    data = ROSTER_SWAP_REQUESTED.parse(envelope)
    tenant = envelope.tenant
    directory = directory or wiring.directory(tenant)
    proposer = Principal(tenant=tenant, user=data.proposer, kind="staff", staff_id=data.proposer)
    store = store or wiring.consumer_store(proposer, uow)
    instance_id = swap.instance_id(data.swap_id)
    if store.approvals.get(instance_id) is not None:
        logger.info("swap approval already started", extra={"event_id": envelope.id, "swap_id": data.swap_id})
        return
    try:
        start_for(
            proposer,
            SHIFT_SWAP,
            lambda: swap.form(
                data.swap_id,
                data.period_id,
                data.kind,
                data.colleague,
                data.my_date,
                data.their_date,
                data.summary,
                data.reason,
            ),
            data.title[: swap.TITLE_LENGTH],
            f"swap:{data.swap_id}",
            instance_id,
            store,
            directory,
            REFUSALS,
        )
    except NotStarted as failed:
        logger.warning(
            "swap approval could not start",
            extra={
                "event_id": envelope.id,
                "swap_id": data.swap_id,
                "reason": failed.reason,
                "detail": failed.detail,
            },
        )
        for_service("approvals").metrics.add_metric(name="SwapApprovalsFailed", unit="Count", value=1)
        decided = SwapDecided(
            swap_id=data.swap_id, period_id=data.period_id, outcome="failed", reason=failed.reason
        )
        with store:
            store.emit(SWAP_DECIDED.envelope(store.tenant, decided))
            store.commit()


def withdraw_approval(envelope: EventEnvelope, uow: UnitOfWork, store: Store | None = None) -> None:
    """roster.swap.cancelled → the swap's 换班, if still pending, withdrawn as the nurse who proposed it,
    whatever the template's withdraw policy (her colleague may have accepted already), its record saying
    why; its approvers' pending lines go, she sees it withdrawn, and its ``approval.swap.decided``
    ``withdrawn`` is ignored by scheduling (the swap is cancelled there). One already decided or never
    started: acknowledged and logged. Committed with the consumer's inbox marker."""
    data = ROSTER_SWAP_CANCELLED.parse(envelope)
    by = Principal(tenant=envelope.tenant, user=data.by, kind="staff", staff_id=data.by)
    store = store or wiring.consumer_store(by, uow)
    what = {"event_id": envelope.id, "swap_id": data.swap_id}
    called_off.withdraw(store, swap.instance_id(data.swap_id), swap.CANCELLED, what)
