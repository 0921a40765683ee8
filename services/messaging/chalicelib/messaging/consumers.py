"""Messaging's consumers: notification fan-out, imports, department groups, approval notices, roster
change notices, follow-up alerts, referral and consultation notices and referral groups.

Each function imports the service module it needs when it runs: every Lambda function of the service
loads this module, and one consumer should not start up with the others' code (see ``shared.app``).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]
from chalicelib.messaging.domain.approval_notices import APPROVAL_NOTICE_TYPES

from shared.events.consumer import consume_batch
from shared.events.subscription import Subscription

consumers = Blueprint(__name__)

FANOUT = Subscription(
    service="messaging",
    name="notification-fanout",
    source="messaging",
    event_types=("notification.sent",),
    # the notification, then per recipient: their name (BatchGets of 100, kept on the entry), their inbox
    # item (BatchWrites of 25), their devices (BatchGets of 100), a progress checkpoint every 1,000; the
    # final status with the inbox marker (a BatchGet more: the two reads' last partial batches)
    budget={"GetItem": 1, "TransactWriteItems": 1, "BatchGetItem": 1},
    per_item={"BatchWriteItem": 1 / 25, "BatchGetItem": 2 / 100, "UpdateItem": 1 / 1000},
)
IMPORTS = Subscription(
    service="messaging",
    name="directory-import",
    source="messaging",
    event_types=("directory.import.requested",),
    # the job, the chunk of rows holding the slice (and, applying, the slice's preview page); the slice's
    # 工号 claims and the staff they name (two BatchGetItems of at most 100); applying, per row: the
    # directory's use case (it reads the record it updates) in its own transaction; the page and the
    # progress (and next slice) with the marker
    budget={"GetItem": 3, "BatchGetItem": 2, "TransactWriteItems": 1},
    per_item={"GetItem": 1, "TransactWriteItems": 1},
)
GROUPS = Subscription(
    service="messaging",
    name="department-groups",
    source="messaging",
    event_types=("department.created", "department.updated", "staff.created", "staff.updated", "staff.left"),
    # the unit or person, its group and membership; the group made once (conditional put), its member
    # count kept; the membership change with the marker
    budget={"GetItem": 3, "PutItem": 1, "UpdateItem": 1, "TransactWriteItems": 1},
)
APPROVALS = Subscription(
    service="messaging",
    name="approval-notices",
    source="approvals",
    event_types=APPROVAL_NOTICE_TYPES,
    # the submitter's name; the notice and its inbox entry, with the marker
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
CONSORTIUM_GROUPS = Subscription(
    service="messaging",
    name="consortium-groups",
    source="messaging",
    event_types=("consortium.left",),
    # the consortium's list of groups; per group: the group, its departing members out, their pointers
    budget={"Query": 1, "TransactWriteItems": 1},
    per_item={"GetItem": 1, "UpdateItem": 1, "DeleteItem": 2},
)
ROSTER_NOTICES = Subscription(
    service="messaging",
    name="roster-notices",
    source="scheduling",
    event_types=("roster.published",),
    # the publisher's name; the changed nurses' standing (a BatchGetItem per 100); the notification (each
    # nurse's lines on it) and its notification.sent with the marker — the fan-out consumer delivers it
    budget={"GetItem": 1, "TransactWriteItems": 1},
    per_item={"BatchGetItem": 1 / 100},
)
DISRUPTION_NOTICES = Subscription(
    service="messaging",
    name="disruption-notices",
    source="scheduling",
    event_types=("roster.disrupted",),
    # the rosterers' standing (a BatchGetItem per 100), the absent nurse's name; the notification and its
    # notification.sent with the marker — the fan-out consumer delivers it
    budget={"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1},
)
SWAP_FAILURE_NOTICES = Subscription(
    service="messaging",
    name="swap-failure-notices",
    source="scheduling",
    event_types=("roster.swap.failed",),
    # the recipients' standing (a BatchGetItem per 100); the notification and its notification.sent with
    # the marker — the fan-out consumer delivers it
    budget={"BatchGetItem": 1, "TransactWriteItems": 1},
)
REVISIT_NOTICES = Subscription(
    service="messaging",
    name="revisit-notices",
    source="followup",
    event_types=("followup.revisit.requested",),
    # the pool's doctors' standing (a BatchGetItem per 100); the notification and its notification.sent
    # with the marker — the fan-out consumer delivers it
    budget={"BatchGetItem": 1, "TransactWriteItems": 1},
)
FOLLOWUP_ALERTS = Subscription(
    service="messaging",
    name="followup-alerts",
    source="followup",
    event_types=("followup.alert.raised",),
    # the recipients' standing (a BatchGetItem per 100), the hospital's DING minima when urgent; the
    # notification (and its DING timer) and its notification.sent with the marker — the fan-out delivers it
    budget={"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1},
)
# Follow-up's referral (双向转诊) and consultation (会诊) events, once per hospital side: the names are
# the published catalog's, written out (consumers.py loads no service module at start-up).
REFERRAL_NOTICES = Subscription(
    service="messaging",
    name="referral-notices",
    source="followup",
    event_types=(
        "referral.requested",
        "referral.accepted",
        "referral.rejected",
        "referral.arrived",
        "referral.no_show",
        "referral.completed",
        "referral.cancelled",
        "referral.overdue",
        "consultation.requested",
        "consultation.accepted",
        "consultation.answered",
        "consultation.reminded",
        "consultation.overdue",
        "consultation.cancelled",
    ),
    # the recipients' standing (a BatchGetItem per 100), the hospital's DING minima when urgent; the
    # notification (and its DING timer) and its notification.sent with the marker — the fan-out delivers it
    budget={"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1},
)
# A partner app's webhook endpoint disabled (the marketplace's event): the hospital's admins told.
WEBHOOK_NOTICES = Subscription(
    service="messaging",
    name="webhook-notices",
    source="marketplace",
    event_types=("webhook.endpoint.disabled",),
    # the hospital's admins (one filtered Query of the staff partition); the notification and its
    # notification.sent with the marker — the fan-out consumer delivers it
    budget={"Query": 1, "TransactWriteItems": 1},
)
# The director's daily report (the reports service's, 07:00 local): its leaders told.
DAILY_REPORT_NOTICES = Subscription(
    service="messaging",
    name="daily-report-notices",
    source="reports",
    event_types=("report.daily.ready",),
    # the leaders' standing (a BatchGetItem per 100); the notification and its notification.sent with the
    # marker — the fan-out consumer delivers it
    budget={"BatchGetItem": 1, "TransactWriteItems": 1},
)
REFERRAL_GROUPS = Subscription(
    service="messaging",
    name="referral-groups",
    source="followup",
    event_types=(
        "referral.requested",
        "referral.accepted",
        "referral.rejected",
        "referral.no_show",
        "referral.completed",
        "referral.cancelled",
    ),
    # the referral's group; made: both hospitals' consortium links, the two hospitals' names and the
    # department's (five GetItems), the members' names (one BatchGetItem); the group, its registration,
    # the members' pointers and lines with the marker (one transaction; a group past the transaction's
    # room writes its lines first, a BatchWriteItem per 25); joined: the links, the names, the same
    # transaction; closed: the group's flag with the marker
    budget={"GetItem": 6, "BatchGetItem": 1, "TransactWriteItems": 1, "BatchWriteItem": 2},
)
SUBSCRIPTIONS = (
    FANOUT,
    IMPORTS,
    GROUPS,
    APPROVALS,
    CONSORTIUM_GROUPS,
    ROSTER_NOTICES,
    DISRUPTION_NOTICES,
    SWAP_FAILURE_NOTICES,
    REVISIT_NOTICES,
    FOLLOWUP_ALERTS,
    REFERRAL_NOTICES,
    REFERRAL_GROUPS,
    WEBHOOK_NOTICES,
    DAILY_REPORT_NOTICES,
)


@consumers.on_sqs_message(queue=FANOUT.queue_name, batch_size=1)
def on_notification_sent(event: Any) -> dict[str, Any]:
    from chalicelib.messaging.service import notifications

    return consume_batch(event.to_dict(), FANOUT, notifications.fan_out)


@consumers.on_sqs_message(queue=IMPORTS.queue_name, batch_size=1)
def on_import_requested(event: Any) -> dict[str, Any]:
    from chalicelib.messaging.service import imports

    return consume_batch(event.to_dict(), IMPORTS, imports.run_slice)


@consumers.on_sqs_message(queue=GROUPS.queue_name, batch_size=10)
def on_directory_change(event: Any) -> dict[str, Any]:
    from chalicelib.messaging.service import department_groups

    return consume_batch(event.to_dict(), GROUPS, department_groups.sync)


@consumers.on_sqs_message(queue=CONSORTIUM_GROUPS.queue_name, batch_size=1)
def on_consortium_left(event: Any) -> dict[str, Any]:
    """A hospital left (or was removed from) a consortium: its part in the cross-hospital groups ends."""
    from chalicelib.messaging.service import conversations

    return consume_batch(event.to_dict(), CONSORTIUM_GROUPS, conversations.leave_consortium)


@consumers.on_sqs_message(queue=APPROVALS.queue_name, batch_size=10)
def on_approval_event(event: Any) -> dict[str, Any]:
    """An approver has something to act on (or is urged to): a work notification in their inbox."""
    from chalicelib.messaging.service import notifications

    return consume_batch(event.to_dict(), APPROVALS, notifications.from_approval)


@consumers.on_sqs_message(queue=ROSTER_NOTICES.queue_name, batch_size=10)
def on_roster_published(event: Any) -> dict[str, Any]:
    """A roster was published: each nurse whose shifts changed gets a work notification with her lines."""
    from chalicelib.messaging.service import notifications

    return consume_batch(event.to_dict(), ROSTER_NOTICES, notifications.from_roster)


@consumers.on_sqs_message(queue=DISRUPTION_NOTICES.queue_name, batch_size=10)
def on_roster_disrupted(event: Any) -> dict[str, Any]:
    """A live roster needs a repair (late leave, a sick call): its ward's rosterers are told."""
    from chalicelib.messaging.service import notifications

    return consume_batch(event.to_dict(), DISRUPTION_NOTICES, notifications.from_disruption)


@consumers.on_sqs_message(queue=SWAP_FAILURE_NOTICES.queue_name, batch_size=10)
def on_swap_failed(event: Any) -> dict[str, Any]:
    """An approved swap could not be applied: its nurses and approver are told why."""
    from chalicelib.messaging.service import notifications  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), SWAP_FAILURE_NOTICES, notifications.from_swap_failure)


@consumers.on_sqs_message(queue=REVISIT_NOTICES.queue_name, batch_size=10)
def on_revisit_requested(event: Any) -> dict[str, Any]:
    """A chronic revisit request entered (or came back to) a department's pool: its doctors are told."""
    from chalicelib.messaging.service import revisit_notices  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), REVISIT_NOTICES, revisit_notices.from_revisit_request)


@consumers.on_sqs_message(queue=FOLLOWUP_ALERTS.queue_name, batch_size=10)
def on_followup_alert(event: Any) -> dict[str, Any]:
    """An abnormal follow-up result: the responsible doctor is told (a DING when urgent)."""
    from chalicelib.messaging.service import notifications  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), FOLLOWUP_ALERTS, notifications.from_followup_alert)


@consumers.on_sqs_message(queue=REFERRAL_NOTICES.queue_name, batch_size=10)
def on_referral_notice(event: Any) -> dict[str, Any]:
    """A referral or consultation changed: the staff the event names on this side are told (DING when
    urgent)."""
    from chalicelib.messaging.service import referral_notices  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), REFERRAL_NOTICES, referral_notices.from_referral_event)


@consumers.on_sqs_message(queue=REFERRAL_GROUPS.queue_name, batch_size=10)
def on_referral_group(event: Any) -> dict[str, Any]:
    """A referral was made, accepted or ended: its group (转诊群) is made, joined or closed."""
    from chalicelib.messaging.service import referral_groups  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), REFERRAL_GROUPS, referral_groups.sync)


@consumers.on_sqs_message(queue=WEBHOOK_NOTICES.queue_name, batch_size=10)
def on_webhook_endpoint_disabled(event: Any) -> dict[str, Any]:
    """A partner app's webhook endpoint was disabled: the hospital's admins are told which app and why."""
    from chalicelib.messaging.service import webhook_notices  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), WEBHOOK_NOTICES, webhook_notices.from_endpoint_disabled)


@consumers.on_sqs_message(queue=DAILY_REPORT_NOTICES.queue_name, batch_size=10)
def on_daily_report_ready(event: Any) -> dict[str, Any]:
    """The director's daily report is ready: the hospital's leaders get its headline figures and link."""
    from chalicelib.messaging.service import report_notices  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), DAILY_REPORT_NOTICES, report_notices.from_daily_report)
