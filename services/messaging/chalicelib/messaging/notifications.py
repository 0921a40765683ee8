"""Work notifications (工作通知): recipients resolved at send time, fanned out in the background,
read and acknowledged per recipient, with counts and pending lists for the sender."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.messaging import ding, push
from chalicelib.messaging.adapters import list_page
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
from chalicelib.messaging.domain import approval_notices as domain
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.condition import Condition

from shared import directory, observability, onduty
from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.batch import put_all
from shared.persistence.models import Gsi1, TenantItem, now_utc, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork

SERVICE = "messaging"
logger = observability.logger("notifications")
CHECKPOINT_EVERY = 1000  # recipients between progress checkpoints during fan-out


class NotificationItem(TenantItem):
    """Not versioned on purpose: its counters move by atomic ADDs from many recipients at once."""

    Meta = table_meta("messaging")
    created_at = UTCDateTimeAttribute(default=now_utc)
    sender = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    ack_required = BooleanAttribute(default=False)
    ding = BooleanAttribute(default=False)
    status = UnicodeAttribute(default="fanning_out")
    recipient_ids = ListAttribute(of=UnicodeAttribute, default=list)
    delivered_count = NumberAttribute(default=0)
    read_count = NumberAttribute(default=0)
    ack_count = NumberAttribute(default=0)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "notif")


class RecipientItem(TenantItem):
    """One recipient of one notification; also the recipient's inbox entry (through gsi1)."""

    Meta = table_meta("messaging")
    title = UnicodeAttribute()
    sender = UnicodeAttribute()
    ack_required = BooleanAttribute(default=False)
    status = UnicodeAttribute(default="delivered")
    created_at = UTCDateTimeAttribute()
    read_at = UTCDateTimeAttribute(null=True)
    acked_at = UTCDateTimeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    inbox = Gsi1()

    @staticmethod
    def partition(tenant: str, notification_id: str) -> str:
        return tenant_key(tenant, "notif", notification_id)

    @staticmethod
    def inbox_partition(tenant: str, staff_id: str) -> str:
        """The person's feed (shared with chat messages, read by sync); the inbox filters it."""
        return tenant_key(tenant, "feed", staff_id)


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
    units = list(directory.DepartmentItem.query(directory.DepartmentItem.partition(tenant)))
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
        duty = onduty.on_duty(tenant, to.on_duty_ward_id, at)
        if not duty.known:
            raise RuleViolation(f"nobody can be resolved on duty: {duty.reason}", field="to.on_duty_ward_id")
        ids.update(duty.staff_ids)
    if to.department_ids or to.roles or to.staff_ids:
        departments = (
            _subtree(tenant, to.department_ids, to.include_sub_departments) if to.department_ids else set()
        )
        wanted = set(to.staff_ids)
        for staff in directory.StaffItem.query(
            directory.StaffItem.partition(tenant), filter_condition=directory.StaffItem.status == "active"
        ):
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
    notification = NotificationItem.get(
        NotificationItem.partition(tenant), str(envelope.data["notification_id"])
    )
    recipients: list[str] = [str(r) for r in notification.recipient_ids]
    done = int(notification.delivered_count)
    while done < len(recipients):
        chunk = recipients[done : done + CHECKPOINT_EVERY]
        put_all(
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
        push.notify(tenant, chunk, notification.title, "notification")
        done += len(chunk)
        if done < len(recipients):
            notification.update(actions=[NotificationItem.delivered_count.set(done)])
    uow.update(
        notification, [NotificationItem.delivered_count.set(done), NotificationItem.status.set("delivered")]
    )


def from_approval(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    """An approval task assigned, urged, overdue or escalated → a work notification to the approver(s).

    Runs inside the consumer's unit of work (one effect per event id); the notification's id is derived
    from the event's, so even a replay past the inbox marker cannot make a second one.
    """
    data = envelope.data
    staff_ids = domain.approval_recipients(envelope.type, data)
    if not staff_ids:
        logger.warning("approval event names nobody to notify", extra={"event_id": envelope.id})
        return
    title, body = domain.approval_notice(envelope.type, str(data["template_code"]), str(data["instance_id"]))
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
    try:
        item = NotificationItem.get(NotificationItem.partition(principal.tenant), notification_id)
    except NotificationItem.DoesNotExist as exc:
        raise NotFound("notification") from exc
    if item.sender != principal.user and "hospital_admin" not in principal.roles:
        raise NotFound("notification")  # who read what is the sender's business, not every colleague's
    return _notification(item)


def recipients(principal: Principal, notification_id: str, query: RecipientQuery) -> Page[RecipientStatus]:
    """The sender's view: everyone, or those who have not yet read / acknowledged."""
    get(principal, notification_id)  # another hospital's (or an unknown) id is a 404, not an empty page
    condition: Condition | None = None
    if query.pending == "read":
        condition = RecipientItem.status == "delivered"
    elif query.pending == "ack":
        condition = RecipientItem.status != "acknowledged"
    items, cursor = list_page(
        RecipientItem,
        RecipientItem.partition(principal.tenant, notification_id),
        query.limit,
        query.cursor,
        condition,
    )
    return Page[RecipientStatus](
        items=[
            RecipientStatus(staff_id=i.sk, status=i.status, read_at=i.read_at, acked_at=i.acked_at)
            for i in items
        ],
        next_cursor=cursor,
    )


def _me(principal: Principal) -> str:
    if principal.staff_id:  # the identity provider bound this account to a staff record
        return principal.staff_id
    me = directory.staff_for_user(principal.tenant, principal.user)
    if me is None:
        raise NotFound("staff record for this user")
    return me.sk


def inbox(principal: Principal, limit: int, cursor: str | None) -> Page[InboxItem]:
    from shared.http import decode_cursor, one_page

    partition = RecipientItem.inbox_partition(principal.tenant, _me(principal))
    result = RecipientItem.inbox.query(
        partition,
        filter_condition=RecipientItem.entity == "recipient",
        limit=limit,
        scan_index_forward=False,
        last_evaluated_key=decode_cursor(cursor, partition, "gsi1pk"),
    )
    page, next_cursor = one_page(RecipientItem, result)
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
    staff_id = _me(principal)
    try:
        item = RecipientItem.get(RecipientItem.partition(tenant, notification_id), staff_id)
    except RecipientItem.DoesNotExist as exc:
        raise NotFound("notification") from exc
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
