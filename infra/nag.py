"""cdk-nag: the AwsSolutions and HIPAA Security packs on every stack, and each accepted finding's reason.

A suppression names the rule, the reason, and where the rule allows it, the exact findings (``applies_to``),
so a new wildcard or a new resource type still fails the checks.
"""

from __future__ import annotations

from aws_cdk import Aspects, Stack
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NagPackSuppression,
    NagSuppressions,
    RegexAppliesTo,
)
from constructs import IConstruct


def apply_packs(scope: IConstruct) -> None:
    Aspects.of(scope).add(AwsSolutionsChecks(verbose=True))
    Aspects.of(scope).add(HIPAASecurityChecks(verbose=True))


def _suppress(stack: Stack, rules: list[tuple[str, str]]) -> None:
    NagSuppressions.add_stack_suppressions(
        stack,
        [NagPackSuppression(id=rule, reason=reason) for rule, reason in rules],
        apply_to_nested_stacks=True,
    )


DATA_STACK: list[tuple[str, str]] = [
    (
        "HIPAA.Security-DynamoDBInBackupPlan",
        "Every table has point-in-time recovery (35 days, restorable to the second) and deletion protection; "
        "an AWS Backup plan is an account-level choice of each hospital group's operators, outside this app.",
    ),
    (
        "HIPAA.Security-DynamoDBAutoscalingEnabled",
        "Tables are on-demand (PAY_PER_REQUEST): there is no provisioned capacity to scale.",
    ),
    (
        "AwsSolutions-SNS3",
        "The alarm topic enforces TLS with a resource policy (enforce_ssl); the rule does not see the "
        "policy that the topic construct adds.",
    ),
]

SERVICE_STACK: list[tuple[str, str]] = []
# The only wildcards a service's policies hold; anything else (a '*' on data) still fails the check.
ALLOWED_WILDCARDS: list[tuple[str, str]] = [
    ("Resource::*", "X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions."),
    (
        r"regex:/^Resource::arn:<AWS::Partition>:logs:.*:log-group:\/aws\/lambda\/fh-[a-z0-9-]+:\*$/",
        "A function writes log streams in its own log group; stream names are made by Lambda.",
    ),
    (
        r"regex:/^Resource::arn:<AWS::Partition>:dynamodb:.*:table\/fh-[a-z0-9-]+\/stream\/\*$/",
        "The relay reads its own table's stream, whose label changes when the stream is re-enabled.",
    ),
]
# Wildcards only messaging's (and approvals') policies hold, each added where the permission is granted.
ATTACHMENT_OBJECTS = (
    r"regex:/^Resource::arn:<AWS::Partition>:s3:::fh-[a-z0-9]+-attachments-.+\/\*$/",
    "Attachments are uploaded and downloaded through presigned URLs for keys made per file "
    "(messaging: <tenant>/<conversation>/<attachment>; approvals: <tenant>/approvals/<attachment>, its "
    "role limited to those); a role may put and get objects in this one bucket only.",
)
REPORT_HISTORY_OBJECTS = (
    r"regex:/^Resource::arn:<AWS::Partition>:s3:::fh-[a-z0-9]+-report-history-.+\/exports\/\*$/",
    "A point-in-time export writes objects DynamoDB names under the prefix it is given "
    "(exports/<date>/AWSDynamoDB/<export id>/...) and aborts a failed export's multipart uploads: the "
    "reports role reaches the report-history bucket's exports/ prefix only.",
)
SMS_TO_PHONE_NUMBERS = (
    "Resource::*",
    "DING escalation texts a phone number with sns:Publish(PhoneNumber=...): SNS has no resource ARN for a "
    "phone number and authorizes direct SMS only on '*'. The statement holds sns:Publish alone.",
)
PUSH_ENDPOINTS = (
    r"regex:/^Resource::arn:<AWS::Partition>:sns:.*:endpoint\/[A-Z_]+\/[A-Za-z0-9_.-]+\/\*$/",
    "A device's SNS endpoint is created at registration with an id SNS makes; the role may publish to the "
    "endpoints of the province's configured platform applications only.",
)
HMAC_KEY: list[tuple[str, str]] = [
    (
        "AwsSolutions-KMS5",
        "KMS cannot rotate HMAC keys automatically; rotating by hand means re-indexing every blind index, "
        "a planned data migration rather than a key setting.",
    ),
    (
        "HIPAA.Security-KMSBackingKeyRotationEnabled",
        "KMS cannot rotate HMAC keys automatically (see AwsSolutions-KMS5 on this key).",
    ),
]
SIGNING_KEY: list[tuple[str, str]] = [
    (
        "AwsSolutions-KMS5",
        "KMS cannot rotate asymmetric keys automatically; a new signing key is published beside the old in "
        "the JWKS for a token lifetime, then the old alias target retired (docs/marketplace.md).",
    ),
    (
        "HIPAA.Security-KMSBackingKeyRotationEnabled",
        "KMS cannot rotate asymmetric keys automatically (see AwsSolutions-KMS5 on this key).",
    ),
]
FAILURE_DESTINATION: list[tuple[str, str]] = [
    (
        "AwsSolutions-SQS3",
        "This queue is itself a dead-letter destination (failed deliveries or failed stream batches); "
        "nothing consumes it automatically, so it has no DLQ of its own.",
    )
]

# The solver function (scheduling's container image): what the HIPAA pack asks of a Lambda function that
# the province's other functions (SAM, not checked by the pack) do not do either, each with its reason.
SOLVER_FUNCTION: list[tuple[str, str]] = [
    (
        "HIPAA.Security-LambdaInsideVPC",
        "No function of a province runs in a VPC: they reach only DynamoDB, EventBridge, SQS and KMS "
        "through their regional endpoints with IAM, and hold no network-reachable state.",
    ),
    (
        "HIPAA.Security-LambdaConcurrency",
        "Each auto-roster job is its own invocation so wards solve in parallel; a period has at most one "
        "live job (409 on a second), which bounds it, and reserving concurrency would take it from the "
        "province's API and consumers.",
    ),
    (
        "HIPAA.Security-LambdaDLQ",
        "A failed solve is recorded on its job (failed, with the reason) by the worker or, when the worker "
        "died, by the sweep within minutes; a DLQ would hold a payload no one needs to replay.",
    ),
]

RESIDENCY = (
    "A province is the data-residency boundary: replicating hospital data to another region would take it "
    "out of the province; versioning and retention keep it recoverable in place."
)
ATTACHMENTS_BUCKET: list[tuple[str, str]] = [
    ("HIPAA.Security-S3BucketReplicationEnabled", RESIDENCY),
]
REPORT_HISTORY_BUCKET: list[tuple[str, str]] = [
    ("HIPAA.Security-S3BucketReplicationEnabled", RESIDENCY),
]
ACCESS_LOG_BUCKET: list[tuple[str, str]] = [
    ("HIPAA.Security-S3BucketReplicationEnabled", RESIDENCY),
    (
        "AwsSolutions-S1",
        "This bucket is the server access log destination itself; logging its own access would log forever.",
    ),
    (
        "HIPAA.Security-S3BucketLoggingEnabled",
        "This bucket is the server access log destination itself; logging its own access would log forever.",
    ),
    (
        "HIPAA.Security-S3DefaultEncryptionKMS",
        "S3 delivers server access logs only to buckets whose default encryption is SSE-S3, not SSE-KMS; the "
        "logs hold request metadata (keys are tenant/conversation/attachment ids), no message content.",
    ),
]


def suppress_data(stack: Stack) -> None:
    _suppress(stack, DATA_STACK)


def suppress_service(stack: Stack) -> None:
    if SERVICE_STACK:
        _suppress(stack, SERVICE_STACK)


def allow_wildcards(policy: IConstruct) -> None:
    """IAM5 on a policy, for exactly the wildcards of ``ALLOWED_WILDCARDS``."""
    for applies_to, reason in ALLOWED_WILDCARDS:
        allow_wildcard(policy, applies_to, reason)


def allow_wildcard(policy: IConstruct, applies_to: str, reason: str) -> None:
    """IAM5 on a policy for one wildcard (``regex:/.../`` or the finding itself), with its reason."""
    target: str | RegexAppliesTo = applies_to
    if applies_to.startswith("regex:"):
        target = RegexAppliesTo(regex=applies_to.removeprefix("regex:"))
    NagSuppressions.add_resource_suppressions(
        policy, [NagPackSuppression(id="AwsSolutions-IAM5", reason=reason, applies_to=[target])]
    )


def suppress_resource(resource: IConstruct, rules: list[tuple[str, str]]) -> None:
    NagSuppressions.add_resource_suppressions(
        resource,
        [NagPackSuppression(id=rule, reason=reason) for rule, reason in rules],
        apply_to_children=True,
    )
