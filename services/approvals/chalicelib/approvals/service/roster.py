"""排班审批 from scheduling's side: a submitted roster period starts the hospital's built-in ``roster``
approval as the head nurse who submitted it; one that cannot start is answered at once.

``roster.submitted`` → ``start_approval`` (approvals' ``roster-submitted`` consumer). The approval's end
is answered by ``instance_events`` (``approval.roster.decided``), in the transaction that ends it.
``roster.withdrawn`` → ``withdraw_approval`` (``roster-withdrawn``): the head nurse took the period back
to draft, so the approval of the revision submitted, still pending, is withdrawn as its submitter's.
"""

from __future__ import annotations

from typing import Any

from chalicelib.approvals.domain import roster
from chalicelib.approvals.domain.builtin_templates import ROSTER
from chalicelib.approvals.domain.ports import Directory, Store
from chalicelib.approvals.service import called_off, wiring
from chalicelib.approvals.service.on_behalf import NotStarted, Refusals, start_for

from shared import observability
from shared.auth import Principal
from shared.events.envelope import EventEnvelope
from shared.events.published.approvals import ROSTER_DECIDED, RosterDecided
from shared.events.published.scheduling import ROSTER_SUBMITTED, ROSTER_WITHDRAWN
from shared.observability import for_service
from shared.persistence.uow import UnitOfWork

logger = observability.logger("approvals.roster")


REFUSALS = Refusals(roster.NOT_INSTALLED, roster.SUBMITTER_GONE, roster.NO_APPROVER, roster.FORM_REFUSED)


def start_approval(
    envelope: EventEnvelope, uow: UnitOfWork, store: Store | None = None, directory: Directory | None = None
) -> None:
    """roster.submitted → a 排班审批 of the period's revision, submitted as the head nurse, titled and
    filled from the event; committed with the consumer's inbox marker.

    Once per period and revision: the approval's id is derived from them, so a redelivery — or the same
    revision submitted again — finds it started and does nothing. One that cannot start (no template
    installed, the submitter has left, nobody to approve, the hospital's edited form refuses it) is
    answered with ``approval.roster.decided`` ``failed`` and the reason, never dropped."""
    data = ROSTER_SUBMITTED.parse(envelope)
    tenant = envelope.tenant
    directory = directory or wiring.directory(tenant)
    submitter = Principal(tenant=tenant, user=data.submitter, kind="staff", staff_id=data.submitter)
    store = store or wiring.consumer_store(submitter, uow)
    instance_id = roster.instance_id(data.period_id, data.revision)
    if store.approvals.get(instance_id) is not None:
        logger.info(
            "roster approval already started",
            extra={"event_id": envelope.id, "period_id": data.period_id, "revision": data.revision},
        )
        return

    def form() -> dict[str, Any]:
        wards = {ward_id: directory.unit(ward_id) for ward_id in data.ward_ids[: roster.MAX_WARDS]}
        return roster.form(
            data.period_id, data.revision, data.ward_ids, wards, data.start, data.end, data.summary
        )

    try:
        start_for(
            submitter,
            ROSTER,
            form,
            data.title[: roster.TITLE_LENGTH],
            f"roster:{data.period_id}:{data.revision}",
            instance_id,
            store,
            directory,
            REFUSALS,
        )
    except NotStarted as failed:
        _failed(store, data.period_id, data.revision, failed, envelope.id)


def _failed(store: Store, period_id: str, revision: int, failed: NotStarted, event_id: str) -> None:
    logger.warning(
        "roster approval could not start",
        extra={
            "event_id": event_id,
            "period_id": period_id,
            "revision": revision,
            "reason": failed.reason,
            "detail": failed.detail,
        },
    )
    for_service("approvals").metrics.add_metric(name="RosterApprovalsFailed", unit="Count", value=1)
    decided = RosterDecided(period_id=period_id, revision=revision, outcome="failed", reason=failed.reason)
    with store:
        store.emit(ROSTER_DECIDED.envelope(store.tenant, decided))
        store.commit()


def withdraw_approval(envelope: EventEnvelope, uow: UnitOfWork, store: Store | None = None) -> None:
    """roster.withdrawn → the 排班审批 of the revision submitted, if still pending, withdrawn as the head
    nurse who submitted it (whoever of the ward's rosterers withdrew it: the audit names them), its
    record saying why; its approvers' pending lines go, she sees it withdrawn, and its
    ``approval.roster.decided`` ``withdrawn`` is ignored by scheduling (the period is a draft of a later
    revision there). One already decided or never started: acknowledged and logged. Committed with the
    consumer's inbox marker."""
    data = ROSTER_WITHDRAWN.parse(envelope)
    by = Principal(tenant=envelope.tenant, user=data.by, kind="staff", staff_id=data.by)
    store = store or wiring.consumer_store(by, uow)
    what = {"event_id": envelope.id, "period_id": data.period_id, "revision": data.revision}
    called_off.withdraw(store, roster.instance_id(data.period_id, data.revision), roster.WITHDRAWN, what)
