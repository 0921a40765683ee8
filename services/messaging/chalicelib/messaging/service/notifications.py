"""Work notifications (工作通知): recipients resolved at send time, fanned out in the background,
read and acknowledged per recipient, with counts and pending lists for the sender."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.messaging.adapters import dynamodb
from chalicelib.messaging.adapters.dynamodb import NotificationItem, RecipientItem
from chalicelib.messaging.contracts.events import NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.contracts.notifications import (
    MAX_RECIPIENTS,
    InboxItem,
    Notification,
    RecipientQuery,
    Recipients,
    RecipientStatus,
    SendNotification,
)
from chalicelib.messaging.domain import approval_notices
from chalicelib.messaging.service import caller, devices, ding

from shared import observability
from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork

SERVICE = "messaging"
logger = observability.logger("notifications")
CHECKPOINT_EVERY = 1000  # recipients between progress checkpoints during fan-out


def _notification(item: NotificationItem) -> Notification:
    return Notification(
        id=item.sk,
        title=item.title,
        body=item.body,
        sender=item.sender,
        ack_required=item.ack_required,
        ding=bool(item.ding),
        status=item.status,
        recipient_count=len(item.recipient_ids),
        delivered_count=int(item.delivered_count),
        read_count=int(item.read_count),
        ack_count=int(item.ack_count),
        created_at=item.created_at,
    )


def _subtree(tenant: str, roots: list[str], include_sub: bool) -> set[str]:
    """The named departments (each must exist), and with ``include_sub`` everything below them."""
    units = dynamodb.departments_of(tenant)
    known = {u.sk for u in units}
    missing = sorted(set(roots) - known)
    if missing:
        raise RuleViolation(f"no such departments: {', '.join(missing[:5])}", field="to.department_ids")
    chosen = set(roots)
    if include_sub:
        children: dict[str, list[str]] = {}
        for unit in units:
            if unit.parent_id:
                children.setdefault(unit.parent_id, []).append(unit.sk)
        stack = list(roots)
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in chosen:
                    chosen.add(child)
                    stack.append(child)
    return chosen


def resolve(tenant: str, to: Recipients, at: datetime) -> list[str]:
    """Active staff ids for ``to``, sorted; a named person or unit that does not exist is an error."""
    ids: set[str] = set()
    if to.on_duty_ward_id:
        duty = dynamodb.on_duty(tenant, to.on_duty_ward_id, at)
        if not duty.known:
            raise RuleViolation(f"nobody can be resolved on duty: {duty.reason}", field="to.on_duty_ward_id")
        ids.update(duty.staff_ids)
    if to.department_ids or to.roles or to.staff_ids:
        departments = (
            _subtree(tenant, to.department_ids, to.include_sub_departments) if to.department_ids else set()
        )
        wanted = set(to.staff_ids)
        for staff in dynamodb.active_staff(tenant):
            if (
                staff.sk in wanted
                or staff.department_id in departments
                or set(staff.roles or []) & set(to.roles)
            ):
                ids.add(staff.sk)
        unknown = sorted(wanted - ids)
        if unknown:
            raise RuleViolation(f"not active staff: {', '.join(unknown[:5])}", field="to.staff_ids")
    if not ids:
        raise RuleViolation("these recipients resolve to nobody", field="to")
    if len(ids) > MAX_RECIPIENTS:
        raise RuleViolation(f"{len(ids)} recipients; at most {MAX_RECIPIENTS} per notification", field="to")
    return sorted(ids)


def send(principal: Principal, cmd: SendNotification, request_id: str) -> Notification:
    tenant = principal.tenant
    policy = cmd.ding
    if policy is not None and policy.call_after_minutes is not None:
        if policy.call_after_minutes < policy.sms_after_minutes:
            raise RuleViolation("the call step cannot come before the SMS step", field="ding")
    recipients = resolve(tenant, cmd.to, datetime.now(UTC))
    item = NotificationItem(
        NotificationItem.partition(tenant),
        new_id(),
        entity="notification",
        tenant=tenant,
        sender=principal.user,
        title=cmd.title,
        body=cmd.body,
        ack_required=cmd.ack_required or cmd.ding is not None,
        ding=cmd.ding is not None,
        recipient_ids=recipients,
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(item)
        if cmd.ding is not None:
            uow.create(ding.timer_for(tenant, item.sk, cmd.ding, item.created_at))
        uow.emit(
            NOTIFICATION_SENT.envelope(
                tenant, NotificationSent(notification_id=item.sk, recipient_count=len(recipients))
            )
        )
        uow.commit()
    return _notification(item)


def fan_out(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    """notification.sent → one recipient item per person, in BatchWrites of 25, resumable.

    Progress is checkpointed every ``CHECKPOINT_EVERY`` recipients, so a crash or a throttled batch
    makes the redelivered event resume where it stopped instead of starting over.
    """
    tenant = envelope.tenant
    notification = dynamodb.notification(tenant, str(envelope.data["notification_id"]))
    recipients: list[str] = [str(r) for r in notification.recipient_ids]
    done = int(notification.delivered_count)
    while done < len(recipients):
        chunk = recipients[done : done + CHECKPOINT_EVERY]
        dynamodb.put_all(
            [
                RecipientItem(
                    RecipientItem.partition(tenant, notification.sk),
                    staff_id,
                    entity="recipient",
                    tenant=tenant,
                    title=notification.title,
                    sender=notification.sender,
                    ack_required=notification.ack_required,
                    created_at=notification.created_at,
                    gsi1pk=RecipientItem.inbox_partition(tenant, staff_id),
                    gsi1sk=new_id(),  # made when written, so sync never skips it (see feed.sync)
                )
                for staff_id in chunk
            ]
        )
        devices.notify(tenant, chunk, notification.title, "notification")
        done += len(chunk)
        if done < len(recipients):
            dynamodb.checkpoint_delivered(notification, done)
    uow.update(
        notification, [NotificationItem.delivered_count.set(done), NotificationItem.status.set("delivered")]
    )


def from_approval(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    """An approval task assigned, urged, overdue or escalated → a work notification to the approver(s).

    Runs inside the consumer's unit of work (one effect per event id); the notification's id is derived
    from the event's, so even a replay past the inbox marker cannot make a second one.
    """
    data = envelope.data
    staff_ids = approval_notices.approval_recipients(envelope.type, data)
    if not staff_ids:
        logger.warning("approval event names nobody to notify", extra={"event_id": envelope.id})
        return
    title, body = approval_notices.approval_notice(
        envelope.type, str(data["template_code"]), str(data["instance_id"])
    )
    item = NotificationItem(
        NotificationItem.partition(envelope.tenant),
        f"ap-{envelope.id}"[:64],
        entity="notification",
        tenant=envelope.tenant,
        sender="service:approvals",
        title=title,
        body=body,
        ack_required=False,
        recipient_ids=staff_ids,
    )
    uow.create(item)
    uow.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant, NotificationSent(notification_id=item.sk, recipient_count=len(staff_ids))
        )
    )


def get(principal: Principal, notification_id: str) -> Notification:
    """The sender's view (or a hospital admin's); to anyone else it does not exist."""
    item = dynamodb.find_notification(principal.tenant, notification_id)
    if item is None:
        raise NotFound("notification")
    if item.sender != principal.user and "hospital_admin" not in principal.roles:
        raise NotFound("notification")  # who read what is the sender's business, not every colleague's
    return _notification(item)


def recipients(principal: Principal, notification_id: str, query: RecipientQuery) -> Page[RecipientStatus]:
    """The sender's view: everyone, or those who have not yet read / acknowledged."""
    get(principal, notification_id)  # another hospital's (or an unknown) id is a 404, not an empty page
    items, cursor = dynamodb.recipient_page(
        principal.tenant, notification_id, query.pending, query.limit, query.cursor
    )
    return Page[RecipientStatus](
        items=[
            RecipientStatus(staff_id=i.sk, status=i.status, read_at=i.read_at, acked_at=i.acked_at)
            for i in items
        ],
        next_cursor=cursor,
    )


def inbox(principal: Principal, limit: int, cursor: str | None) -> Page[InboxItem]:
    page, next_cursor = dynamodb.inbox_page(principal.tenant, caller.staff_id(principal), limit, cursor)
    items = [
        InboxItem(
            notification_id=i.pk.rsplit("#", 1)[1],
            title=i.title,
            sender=i.sender,
            ack_required=i.ack_required,
            status=i.status,
            created_at=i.created_at,
            read_at=i.read_at,
            acked_at=i.acked_at,
        )
        for i in page
    ]
    return Page[InboxItem](items=items, next_cursor=next_cursor)


def _status(item: RecipientItem) -> RecipientStatus:
    return RecipientStatus(staff_id=item.sk, status=item.status, read_at=item.read_at, acked_at=item.acked_at)


def mark(principal: Principal, notification_id: str, action: str, request_id: str) -> RecipientStatus:
    """The caller reads or acknowledges (idempotent); the sender's counts move in the same transaction."""
    tenant = principal.tenant
    staff_id = caller.staff_id(principal)
    item = dynamodb.find_recipient(tenant, notification_id, staff_id)
    if item is None:
        raise NotFound("notification")
    before = item.status
    if (action == "read" and before != "delivered") or (action == "ack" and before == "acknowledged"):
        return _status(item)
    now = now_utc()
    counters = []
    if before == "delivered":
        item.status, item.read_at = "read", now
        counters.append(NotificationItem.read_count.add(1))
    if action == "ack":
        item.status, item.acked_at = "acknowledged", now
        counters.append(NotificationItem.ack_count.add(1))
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(
            item, condition=RecipientItem.status == before, on_conflict=Conflict("changed meanwhile; reload")
        )
        notification = NotificationItem(NotificationItem.partition(tenant), notification_id)
        uow.update(notification, counters, condition=NotificationItem.pk.exists())
        uow.commit()
    return _status(item)
