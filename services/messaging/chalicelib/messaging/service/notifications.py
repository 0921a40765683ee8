"""Work notifications (工作通知): recipients resolved at send time, fanned out in the background,
read and acknowledged per recipient, with counts and pending lists for the sender.

Each use case takes the store it works on (``store=``, and ``push=`` for the fan-out); left out,
``service/wiring.py`` opens the DynamoDB one for the caller's (or the event's) hospital.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.messaging.contracts.events import (
    NOTIFICATION_ACKNOWLEDGED,
    NOTIFICATION_READ,
    NOTIFICATION_SENT,
    NotificationReceipt,
    NotificationSent,
)
from chalicelib.messaging.contracts.notifications import (
    MAX_RECIPIENTS,
    InboxItem,
    Notification,
    NotificationPolicy,
    NotificationPolicyBody,
    RecipientQuery,
    Recipients,
    RecipientStatus,
    SendNotification,
    SentNotification,
)
from chalicelib.messaging.domain import approval_notices
from chalicelib.messaging.domain import notify_policy as rules
from chalicelib.messaging.domain.ports import NotificationStore, Push
from chalicelib.messaging.domain.records import Colleague, NotificationRecord, RecipientRecord, SentRecord
from chalicelib.messaging.service import wiring

from shared import observability
from shared.auth import Principal
from shared.errors import Forbidden, NotFound, RateLimited, RuleViolation
from shared.events.envelope import EventEnvelope, UnknownSchema
from shared.events.published import event_type
from shared.events.published.followup import FOLLOWUP_ALERT_RAISED
from shared.events.published.scheduling import ROSTER_DISRUPTED, ROSTER_PUBLISHED, ROSTER_SWAP_FAILED
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork

SERVICE = "messaging"
logger = observability.logger("notifications")
CHECKPOINT_EVERY = 1000  # recipients between progress checkpoints during fan-out
APPROVALS_SENDER_NAME = "审批"  # how approval notices name their sender (``service:approvals``)


def _notification(record: NotificationRecord) -> Notification:
    return Notification(
        id=record.id,
        title=record.title,
        body=record.body,
        sender=record.sender,
        sender_name=record.sender_name or None,
        ack_required=record.ack_required,
        ding=record.ding,
        status=record.status,
        recipient_count=len(record.recipient_ids),
        delivered_count=record.delivered_count,
        read_count=record.read_count,
        ack_count=record.ack_count,
        created_at=record.created_at,
    )


def _subtree(store: NotificationStore, roots: list[str], include_sub: bool) -> set[str]:
    """The named departments (each must exist), and with ``include_sub`` everything below them."""
    units = store.audience.units()
    known = {u.id for u in units}
    missing = sorted(set(roots) - known)
    if missing:
        raise RuleViolation(f"no such departments: {', '.join(missing[:5])}", field="to.department_ids")
    chosen = set(roots)
    if include_sub:
        children: dict[str, list[str]] = {}
        for unit in units:
            if unit.parent_id:
                children.setdefault(unit.parent_id, []).append(unit.id)
        stack = list(roots)
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in chosen:
                    chosen.add(child)
                    stack.append(child)
    return chosen


def resolve(
    store: NotificationStore, to: Recipients, at: datetime, staff: list[Colleague] | None = None
) -> list[str]:
    """Active staff ids for ``to``, sorted; a named person or unit that does not exist is an error."""
    ids: set[str] = set()
    if to.on_duty_ward_id:
        duty = store.audience.on_duty(to.on_duty_ward_id, at)
        if not duty.known:
            raise RuleViolation(f"nobody can be resolved on duty: {duty.reason}", field="to.on_duty_ward_id")
        ids.update(duty.staff_ids)
    if to.department_ids or to.roles or to.staff_ids:
        departments = (
            _subtree(store, to.department_ids, to.include_sub_departments) if to.department_ids else set()
        )
        wanted = set(to.staff_ids)
        for person in staff if staff is not None else store.audience.active_staff():
            if (
                person.id in wanted
                or person.department_id in departments
                or set(person.roles) & set(to.roles)
            ):
                ids.add(person.id)
        unknown = sorted(wanted - ids)
        if unknown:
            raise RuleViolation(f"not active staff: {', '.join(unknown[:5])}", field="to.staff_ids")
    if not ids:
        raise RuleViolation("these recipients resolve to nobody", field="to")
    if len(ids) > MAX_RECIPIENTS:
        raise RuleViolation(f"{len(ids)} recipients; at most {MAX_RECIPIENTS} per notification", field="to")
    return sorted(ids)


def send(
    principal: Principal, cmd: SendNotification, request_id: str, store: NotificationStore | None = None
) -> Notification:
    """Send within the hospital's policy (``domain.notify_policy``): the audience the sender may reach,
    DING minima and who may DING many, a rate per sender and per hospital (429 past it), audited."""
    tenant = principal.tenant
    ding = cmd.ding
    if ding is not None and ding.call_after_minutes is not None:
        if ding.call_after_minutes < ding.sms_after_minutes:
            raise RuleViolation("the call step cannot come before the SMS step", field="ding")
    store = store or wiring.open_notifications(principal, request_id)
    policy = store.notifications.policy()
    staff = store.audience.active_staff()
    me = next((s for s in staff if s.id == principal.staff_id), None) if principal.staff_id else None
    sender = rules.Sender(roles=principal.roles, unit_id=me.department_id if me else None)
    units = {u.id: rules.Unit(u.id, u.parent_id, u.kind) for u in store.audience.units()}
    try:
        rules.check_audience(policy, sender, units, cmd.to.department_ids, cmd.to.roles, cmd.to.staff_ids)
        recipients = resolve(store, cmd.to, datetime.now(UTC), staff)
        if ding is not None:
            rules.check_ding(
                policy,
                sender,
                len(recipients),
                ding.sms_after_minutes,
                ding.call_after_minutes,
                ding.emergency,
            )
            day, until_tomorrow = rules.day_window(now_utc())
            if store.notifications.used("alerts", day) >= policy.daily_alerts:
                raise RateLimited(
                    "the hospital's SMS and call budget for today is spent: a DING could not escalate; "
                    "send it as a notification, or DING again tomorrow",
                    until_tomorrow,
                )
    except (Forbidden, RuleViolation, RateLimited) as refused:
        logger.warning(
            "notification refused",
            extra={"sender": principal.user, "reason": str(refused), "ding": ding is not None},
        )
        raise
    now = now_utc()
    record = NotificationRecord(
        id=new_id(),
        sender=principal.staff,  # the staff id the directory binds the sign-in to (else the subject)
        title=cmd.title,
        body=cmd.body,
        created_at=now,
        recipient_ids=recipients,
        ack_required=cmd.ack_required or ding is not None,
        ding=ding is not None,
        sender_name=me.name if me else "",
    )
    hour, retry_after = rules.hour_window(now)
    with store:
        store.notifications.count(
            f"sender#{principal.user}",
            hour,
            policy.per_sender_per_hour,
            RateLimited(
                f"you have sent {policy.per_sender_per_hour} notifications this hour; try again later",
                retry_after,
            ),
        )
        store.notifications.count(
            "hospital",
            hour,
            policy.per_hospital_per_hour,
            RateLimited(
                f"the hospital has sent {policy.per_hospital_per_hour} notifications this hour; "
                "try again later",
                retry_after,
            ),
        )
        store.notifications.create(record)
        if ding is not None:
            store.notifications.start_ding(
                record.id, ding.sms_after_minutes, ding.call_after_minutes, record.created_at
            )
        store.audit(
            "notification.send",
            "notification",
            record.id,
            after={
                "recipients": len(recipients),
                "to": cmd.to.model_dump(exclude_defaults=True),
                "ding": ding.model_dump() if ding else None,
            },
        )
        store.emit(
            NOTIFICATION_SENT.envelope(
                tenant,
                NotificationSent(
                    notification_id=record.id,
                    recipient_count=len(recipients),
                    ack_required=record.ack_required,
                ),
            )
        )
        store.commit()
    return _notification(record)


def get_policy(principal: Principal, store: NotificationStore | None = None) -> NotificationPolicy:
    policy = (store or wiring.open_notifications(principal)).notifications.policy()
    return _policy_view(policy)


def set_policy(
    principal: Principal,
    body: NotificationPolicyBody,
    request_id: str,
    store: NotificationStore | None = None,
) -> NotificationPolicy:
    store = store or wiring.open_notifications(principal, request_id)
    before = store.notifications.policy()
    policy = rules.NotifyPolicy(
        broadcast_roles=frozenset(body.broadcast_roles),
        ding_roles=frozenset(body.ding_roles),
        emergency_roles=frozenset(body.emergency_roles),
        ding_many=body.ding_many,
        max_named=body.max_named,
        sms_min_minutes=body.sms_min_minutes,
        call_min_minutes=body.call_min_minutes,
        per_sender_per_hour=body.per_sender_per_hour,
        per_hospital_per_hour=body.per_hospital_per_hour,
        daily_alerts=body.daily_alerts,
        updated_by=principal.user,
        updated_at=now_utc(),
    )
    with store:
        store.notifications.set_policy(policy)
        store.audit(
            "notification.policy",
            "notification-policy",
            "policy",
            after={"before": _policy_view(before).model_dump(mode="json"), **body.model_dump()},
        )
        store.commit()
    return _policy_view(policy)


def _policy_view(policy: rules.NotifyPolicy) -> NotificationPolicy:
    return NotificationPolicy(
        broadcast_roles=sorted(policy.broadcast_roles),
        ding_roles=sorted(policy.ding_roles),
        emergency_roles=sorted(policy.emergency_roles),
        ding_many=policy.ding_many,
        max_named=policy.max_named,
        sms_min_minutes=policy.sms_min_minutes,
        call_min_minutes=policy.call_min_minutes,
        per_sender_per_hour=policy.per_sender_per_hour,
        per_hospital_per_hour=policy.per_hospital_per_hour,
        daily_alerts=policy.daily_alerts,
        updated_by=policy.updated_by,
        updated_at=policy.updated_at,
    )


def fan_out(
    envelope: EventEnvelope,
    uow: UnitOfWork,
    store: NotificationStore | None = None,
    push: Push | None = None,
) -> None:
    """notification.sent → one recipient entry per person, in batch writes, resumable.

    Progress is checkpointed every ``CHECKPOINT_EVERY`` recipients, so a crash or a throttled batch
    makes the redelivered event resume where it stopped instead of starting over. The final status is
    staged in the consumer's unit of work (committed with its inbox marker).
    """
    tenant = envelope.tenant
    store = store or wiring.consumer_notifications(tenant, uow)
    push = push or wiring.push()
    notification = store.notifications.get(NOTIFICATION_SENT.parse(envelope).notification_id)
    if notification is None:
        raise NotFound("notification")  # as before: the event names a notification that must exist
    recipients = notification.recipient_ids
    done = notification.delivered_count
    while done < len(recipients):
        chunk = recipients[done : done + CHECKPOINT_EVERY]
        # the names as the directory has them now, kept on each entry: the sender's pending list names
        # people without a read per row (one BatchGetItem per 100, like the push devices')
        store.notifications.deliver(notification, chunk, store.audience.names(chunk))
        push.notify(tenant, chunk, notification.title, "notification")
        done += len(chunk)
        if done < len(recipients):
            store.notifications.checkpoint(notification, done)
    store.notifications.finish(notification, done)


def from_approval(envelope: EventEnvelope, uow: UnitOfWork, store: NotificationStore | None = None) -> None:
    """An approval task assigned, urged, overdue or escalated → a work notification to the approver(s).

    Runs inside the consumer's unit of work (one effect per event id); the notification's id is derived
    from the event's, so even a replay past the inbox marker cannot make a second one.
    """
    published = event_type(envelope.type)
    if published is None:  # the consumer framework refuses these before we run; never half-read one
        raise UnknownSchema(f"event {envelope.id}: {envelope.type} is not in the published catalog")
    data = published.parse(envelope).model_dump()
    staff_ids = approval_notices.approval_recipients(envelope.type, data)
    if not staff_ids:
        logger.warning("approval event names nobody to notify", extra={"event_id": envelope.id})
        return
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    submitter = str(data.get("submitter") or "")
    name = store.audience.name_of(submitter) if submitter else None
    title, body = approval_notices.approval_notice(envelope.type, data, name)
    record = NotificationRecord(
        id=f"ap-{envelope.id}"[:64],
        sender="service:approvals",
        title=title,
        body=body,
        created_at=now_utc(),
        recipient_ids=list(staff_ids),
        ack_required=False,
        sender_name=APPROVALS_SENDER_NAME,
    )
    store.notifications.create(record)
    store.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant,
            NotificationSent(
                notification_id=record.id, recipient_count=len(staff_ids), ack_required=record.ack_required
            ),
        )
    )


def from_roster(envelope: EventEnvelope, uow: UnitOfWork, store: NotificationStore | None = None) -> None:
    """roster.published → one work notification, from whoever published, to every nurse whose shifts
    changed: titled as the event, each reading her own lines (what moved) as its body, fanned out like any
    notification (``notification.sent`` → ``fan_out``: her inbox, her feed for sync, a push).

    Runs inside the consumer's unit of work (one effect per event id), and the notification's id is
    derived from the event's, so a retry sends nothing twice. A nurse who has left, or whom the directory
    does not know, is skipped — logged by id with a metric, never silently."""
    data = ROSTER_PUBLISHED.parse(envelope)
    lines = {change.staff_id: "\n".join(change.lines) for change in data.changes}
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    active = store.audience.active(list(lines)) if lines else set()
    recipients = sorted(active)
    skipped = sorted(set(lines) - active)
    if skipped:
        logger.warning(
            "roster change notice skipped: not active staff",
            extra={"event_id": envelope.id, "period_id": data.period_id, "staff_ids": skipped[:100]},
        )
        observability.for_service(SERVICE).metrics.add_metric(
            name="RosterNoticesSkipped", unit="Count", value=len(skipped)
        )
    if not recipients:
        logger.warning(
            "roster published with nobody to notify", extra={"event_id": envelope.id, "changes": len(lines)}
        )
        return
    record = NotificationRecord(
        id=f"rp-{envelope.id}"[:64],
        sender=data.published_by,
        title=data.title,
        body=f"{data.start.isoformat()} 至 {data.end.isoformat()} 的排班已发布（第{data.version}版），"
        f"{len(recipients)}位护士的班次有变动",
        created_at=now_utc(),
        recipient_ids=recipients,
        sender_name=store.audience.name_of(data.published_by) or "",
        bodies={staff_id: lines[staff_id] for staff_id in recipients if lines[staff_id]},
    )
    store.notifications.create(record)
    store.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant,
            NotificationSent(
                notification_id=record.id, recipient_count=len(recipients), ack_required=record.ack_required
            ),
        )
    )


DISRUPTION_KINDS = {"leave": "发布后获批请假", "sick": "临时病假缺勤"}


def from_disruption(envelope: EventEnvelope, uow: UnitOfWork, store: NotificationStore | None = None) -> None:
    """roster.disrupted → one work notification to the ward's rosterers (the event names them): a nurse
    can no longer work cells of the live roster, a repair is needed. Her name from the directory (one
    GetItem); the recipients' standing (a BatchGetItem per 100). The id derives from the event's, so a
    retry sends nothing twice; nobody active to tell is logged, never silent."""
    data = ROSTER_DISRUPTED.parse(envelope)
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    recipients = sorted(store.audience.active(data.notify)) if data.notify else []
    if not recipients:
        logger.warning(
            "roster disruption with nobody to tell",
            extra={"event_id": envelope.id, "period_id": data.period_id, "notify": data.notify[:100]},
        )
        return
    name = store.audience.name_of(data.staff_id) or ""
    days = "、".join(f"{d.month}月{d.day}日" for d in data.days[:10])
    record = NotificationRecord(
        id=f"rd-{envelope.id}"[:64],
        sender="service:scheduling",
        title=f"{name}{DISRUPTION_KINDS.get(data.kind, data.kind)}，{data.title}需要调整",
        body=f"{name}（{DISRUPTION_KINDS.get(data.kind, data.kind)}）{days}的班次无人上岗，"
        "请在排班中处理调整方案",
        created_at=now_utc(),
        recipient_ids=recipients,
        sender_name="排班",
    )
    store.notifications.create(record)
    store.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant,
            NotificationSent(
                notification_id=record.id, recipient_count=len(recipients), ack_required=record.ack_required
            ),
        )
    )


def from_swap_failure(
    envelope: EventEnvelope, uow: UnitOfWork, store: NotificationStore | None = None
) -> None:
    """roster.swap.failed → one work notification to the swap's two nurses and its approver: approved, it
    could not be applied, and the roster stays as it was (each of them believes it done). The recipients'
    standing (a BatchGetItem per 100); the id derives from the event's, so a retry sends nothing twice;
    nobody active to tell is logged, never silent."""
    data = ROSTER_SWAP_FAILED.parse(envelope)
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    recipients = sorted(store.audience.active(data.notify)) if data.notify else []
    if not recipients:
        logger.warning(
            "failed swap with nobody to tell",
            extra={"event_id": envelope.id, "swap_id": data.swap_id, "notify": data.notify[:10]},
        )
        return
    record = NotificationRecord(
        id=f"sf-{envelope.id}"[:64],
        sender="service:scheduling",
        title=f"换班未能生效：{data.title}",
        body=f"审批已通过，但换班未能生效：{data.reason}。排班保持不变，如仍需换班请重新申请或联系护士长。",
        created_at=now_utc(),
        recipient_ids=recipients,
        sender_name="排班",
    )
    store.notifications.create(record)
    store.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant,
            NotificationSent(
                notification_id=record.id, recipient_count=len(recipients), ack_required=record.ack_required
            ),
        )
    )


FOLLOWUP_SENDER_NAME = "随访"


def from_followup_alert(
    envelope: EventEnvelope, uow: UnitOfWork, store: NotificationStore | None = None
) -> None:
    """followup.alert.raised → a work notification to the people the event names (the responsible
    doctor, else the department's doctors): an abnormal follow-up result to look at, to acknowledge. When
    the alert is urgent it is a DING: its SMS step (and call step) at the hospital's policy minima (one
    GetItem). The recipients' standing (a BatchGetItem per 100). The event carries the masked name only,
    and so does the notification. The id derives from the event's, so a retry sends nothing twice;
    nobody active to tell is logged, never silent."""
    data = FOLLOWUP_ALERT_RAISED.parse(envelope)
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    recipients = sorted(store.audience.active(data.notify)) if data.notify else []
    if not recipients:
        logger.warning(
            "follow-up alert with nobody to tell",
            extra={"event_id": envelope.id, "task_id": data.task_id, "notify": data.notify[:20]},
        )
        observability.for_service(SERVICE).metrics.add_metric(
            name="FollowupAlertsUntold", unit="Count", value=1
        )
        return
    now = now_utc()
    record = NotificationRecord(
        id=f"fa-{envelope.id}"[:64],
        sender="service:followup",
        title=data.title,
        body=f"患者 {data.patient_label} 的随访结果异常，请在随访工作台处理该提醒任务。"
        + ("（紧急）" if data.urgent else ""),
        created_at=now,
        recipient_ids=recipients,
        ack_required=True,
        ding=data.urgent,
        sender_name=FOLLOWUP_SENDER_NAME,
    )
    store.notifications.create(record)
    if data.urgent:
        policy = store.notifications.policy()
        store.notifications.start_ding(record.id, policy.sms_min_minutes, policy.call_min_minutes, now)
    store.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant,
            NotificationSent(
                notification_id=record.id, recipient_count=len(recipients), ack_required=record.ack_required
            ),
        )
    )


def _sends(principal: Principal, record: NotificationRecord) -> bool:
    """Whether the caller may see who read what: the sender (or a hospital admin)."""
    return record.sender in (principal.staff, principal.user) or "hospital_admin" in principal.roles


def get(principal: Principal, notification_id: str, store: NotificationStore | None = None) -> Notification:
    """The sender's view (or a hospital admin's); to anyone else it does not exist."""
    record = (store or wiring.open_notifications(principal)).notifications.get(notification_id)
    if record is None or not _sends(principal, record):
        raise NotFound("notification")  # who read what is the sender's business, not every colleague's
    return _notification(record)


def read(
    principal: Principal, notification_id: str, request_id: str, store: NotificationStore | None = None
) -> Notification:
    """A notification as the caller may see it: a recipient reads it whole (which marks it read), the
    sender and admins see the counts too; to anyone else it does not exist."""
    store = store or wiring.open_notifications(principal, request_id)
    record = store.notifications.get(notification_id)
    if record is None:
        raise NotFound("notification")
    mine = store.notifications.recipient(notification_id, principal.staff_id) if principal.staff_id else None
    if mine is None and not _sends(principal, record):
        raise NotFound("notification")
    view = _notification(record)
    if mine is not None and mine.body:
        view.body = mine.body  # her own (a roster change: her shifts that moved)
    if mine is not None:
        if mine.status == "delivered":
            before, mine.status, mine.read_at = mine.status, "read", now_utc()
            with store:
                store.notifications.mark(mine, before, read=True, ack=False)
                store.emit(_receipt(principal.tenant, mine, ack=False))
                store.commit()
        view.my_status = _status(mine).status
    if not _sends(principal, record):
        view.recipient_count = view.delivered_count = view.read_count = view.ack_count = None
    return view


def _status(record: RecipientRecord) -> RecipientStatus:
    return RecipientStatus(
        staff_id=record.staff_id,
        name=record.name or None,
        status=record.status,
        read_at=record.read_at,
        acked_at=record.acked_at,
    )


def recipients(
    principal: Principal, notification_id: str, query: RecipientQuery, store: NotificationStore | None = None
) -> Page[RecipientStatus]:
    """The sender's view: everyone, or those who have not yet read / acknowledged."""
    store = store or wiring.open_notifications(principal)
    get(principal, notification_id, store=store)  # another hospital's (or an unknown) id is a 404
    records, cursor = store.notifications.recipients(
        notification_id, query.pending, query.limit, query.cursor
    )
    return Page[RecipientStatus](items=[_status(r) for r in records], next_cursor=cursor)


def _caller(principal: Principal, store: NotificationStore) -> str:
    """The caller's staff id, as the directory binds their sign-in (set by ``shared.standing``)."""
    if principal.staff_id:
        return principal.staff_id
    raise NotFound("staff record for this user")


def inbox(
    principal: Principal, limit: int, cursor: str | None, store: NotificationStore | None = None
) -> Page[InboxItem]:
    store = store or wiring.open_notifications(principal)
    records, next_cursor = store.notifications.inbox(_caller(principal, store), limit, cursor)
    items = [
        InboxItem(
            notification_id=r.notification_id,
            title=r.title,
            sender=r.sender,
            sender_name=r.sender_name or None,
            ack_required=r.ack_required,
            status=r.status,
            created_at=r.created_at,
            read_at=r.read_at,
            acked_at=r.acked_at,
        )
        for r in records
    ]
    return Page[InboxItem](items=items, next_cursor=next_cursor)


def _sent(record: SentRecord) -> SentNotification:
    return SentNotification(
        id=record.id,
        title=record.title,
        sent_at=record.created_at,
        ack_required=record.ack_required,
        ding=record.ding,
        status=record.status,
        recipient_count=record.recipient_count,
        delivered_count=record.delivered_count,
        read_count=record.read_count,
        ack_count=record.ack_count,
    )


def sent(
    principal: Principal, limit: int, cursor: str | None, store: NotificationStore | None = None
) -> Page[SentNotification]:
    """The notifications the caller sent, newest first, with the counts their detail view shows:
    one Query of the sender's own list (nobody else's)."""
    store = store or wiring.open_notifications(principal)
    records, next_cursor = store.notifications.sent(principal.staff, limit, cursor)
    return Page[SentNotification](items=[_sent(r) for r in records], next_cursor=next_cursor)


def mark(
    principal: Principal,
    notification_id: str,
    action: str,
    request_id: str,
    store: NotificationStore | None = None,
) -> RecipientStatus:
    """The caller reads or acknowledges (idempotent); the sender's counts move in the same transaction."""
    store = store or wiring.open_notifications(principal, request_id)
    record = store.notifications.recipient(notification_id, _caller(principal, store))
    if record is None:
        raise NotFound("notification")
    before = record.status
    if (action == "read" and before != "delivered") or (action == "ack" and before == "acknowledged"):
        return _status(record)
    now = now_utc()
    read = before == "delivered"
    if read:
        record.status, record.read_at = "read", now
    if action == "ack":
        record.status, record.acked_at = "acknowledged", now
    with store:
        store.notifications.mark(record, before, read=read, ack=action == "ack")
        if read:
            store.emit(_receipt(principal.tenant, record, ack=False))
        if action == "ack":
            store.emit(_receipt(principal.tenant, record, ack=True))
        store.commit()
    return _status(record)


def _receipt(tenant: str, record: RecipientRecord, ack: bool) -> EventEnvelope:
    """The first read (or acknowledgement) of a notification by one recipient, for the daily report: it
    rides in the transaction that moves her status, whose condition on the status before makes a repeat
    (or a concurrent second read) write nothing and emit nothing."""
    event = NOTIFICATION_ACKNOWLEDGED if ack else NOTIFICATION_READ
    receipt = NotificationReceipt(
        notification_id=record.notification_id, staff_id=record.staff_id, sent_at=record.created_at
    )
    return event.envelope(tenant, receipt)
