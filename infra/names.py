"""Every deployed name in one place: ``fh-<province>-<component>``, the same names the functions read."""

from __future__ import annotations

from shared.services import SERVICES as SERVICES  # the one list of services, re-exported

APP = "future-hospital"
PREFIX = "fh"
LAMBDA_RUNTIME = "python3.11"
# Redrives before a message is parked in its DLQ (the local runtime uses the same number).
MAX_RECEIVES = 5
# SQS visibility must exceed the consumer's timeout (AWS recommends 6x for batches).
CONSUMER_TIMEOUT_SECONDS = 60
QUEUE_VISIBILITY_SECONDS = 6 * CONSUMER_TIMEOUT_SECONDS


def prefix(province: str) -> str:
    """``FH_TABLE_PREFIX`` of a province: table, queue and bus names all start with it."""
    return f"{PREFIX}-{province}"


def component(province: str, name: str) -> str:
    return f"{prefix(province)}-{name}"


def table(province: str, suffix: str) -> str:
    return component(province, suffix)


def bus(province: str) -> str:
    return component(province, "bus")


def archive(province: str) -> str:
    return component(province, "bus-archive")


def queue(province: str, logical: str) -> str:
    """A consumer's queue; ``logical`` is ``Subscription.queue_name`` (``scheduling-staff-projection``)."""
    return component(province, logical)


def dlq(province: str, logical: str) -> str:
    return component(province, f"{logical}-dlq")


def rule(province: str, logical: str) -> str:
    return component(province, f"{logical}-rule")


def data_key_alias(province: str) -> str:
    """The province's CMK: tables, queues, logs, field encryption (``Settings.kms_data_key`` default)."""
    return f"alias/{component(province, 'data')}"


def index_key_alias(province: str) -> str:
    """The HMAC key of blind indexes (``Settings.kms_index_key`` defaults to this)."""
    return f"alias/{component(province, 'index')}"


def signing_key_alias(province: str) -> str:
    """The marketplace's asymmetric key that signs partner app tokens (``shared.partner_tokens``)."""
    return f"alias/{component(province, 'marketplace-signing')}"


def attachments_bucket(province: str, account: str) -> str:
    """Files people attach: conversations' and approval forms' (``FH_ATTACHMENTS_BUCKET``). Bucket names
    are global within a partition, so the account id makes the name one no other deployment of this code
    already holds."""
    return component(province, f"attachments-{account}")


def report_history_bucket(province: str, account: str) -> str:
    """The reports table's point-in-time exports and the Athena workgroup's results
    (``FH_REPORT_HISTORY_BUCKET``)."""
    return component(province, f"report-history-{account}")


def report_history_database(province: str) -> str:
    """The Glue database of the report history (Glue and Athena names take underscores, not dashes)."""
    return f"fh_{province}_report_history"


def report_history_workgroup(province: str) -> str:
    return component(province, "report-history")


def access_logs_bucket(province: str, account: str) -> str:
    """Server access logs of the province's buckets."""
    return component(province, f"access-logs-{account}")


def schedule_rule(province: str, service: str, schedule: str) -> str:
    """The EventBridge rule of a scheduled function (``schedule`` is its Chalice name)."""
    return component(province, f"{service}-{schedule}")[:64]


def alarm_topic(province: str) -> str:
    return component(province, "alarms")


def data_stack(province: str) -> str:
    return component(province, "data")


def service_stack(province: str, service: str) -> str:
    return component(province, service)


def function(province: str, service: str, handler: str) -> str:
    """A Lambda function name (at most 64 characters)."""
    name = component(province, f"{service}-{handler}")
    return name[:64]


# The solver function: two vCPUs (Lambda gives one vCPU per 1,769 MB) for CP-SAT's two workers and the
# annealing process; up to Lambda's 15 minutes, above the longest time limit a job may ask (600 s).
SOLVER_MEMORY_MB = 3538
SOLVER_TIMEOUT_SECONDS = 15 * 60


def export(province: str, what: str) -> str:
    """A CloudFormation export of the data stack that service stacks import by name."""
    return component(province, what)
