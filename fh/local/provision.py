"""Creates a stack's resources from the shared definitions: tables, bus, consumer queues and rules."""

from __future__ import annotations

import json
from typing import Any

from shared.events.subscription import Subscription
from shared.persistence.tables import TABLES, TableSpec
from shared.settings import Settings

MAX_RECEIVES = 5


def create_table(ddb: Any, spec: TableSpec, settings: Settings) -> None:
    keys = [{"AttributeName": spec.pk, "KeyType": "HASH"}]
    if spec.sk:
        keys.append({"AttributeName": spec.sk, "KeyType": "RANGE"})
    kwargs: dict[str, Any] = {
        "TableName": settings.table_name(spec.suffix),
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in spec.attribute_names()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": ix.name,
                "KeySchema": [
                    {"AttributeName": ix.pk, "KeyType": "HASH"},
                    {"AttributeName": ix.sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for ix in spec.indexes
        ]
    if spec.stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    ddb.create_table(**kwargs)
    if spec.ttl_attribute:
        ddb.update_time_to_live(
            TableName=kwargs["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )
    # PITR as in the data stack (the reports' weekly history export reads it; moto exports too)
    ddb.update_continuous_backups(
        TableName=kwargs["TableName"],
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )


def queue_name(settings: Settings, subscription: Subscription) -> str:
    return f"{settings.table_prefix}-{subscription.queue_name}"


def create_consumer(
    sqs: Any, events: Any, settings: Settings, subscription: Subscription, visibility_timeout: int
) -> str:
    """Queue + DLQ + a rule on the province bus targeting the queue. Returns the queue URL."""
    name = queue_name(settings, subscription)
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
            ),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"{name}-rule"
    events.put_rule(
        Name=rule,
        EventBusName=settings.event_bus_name,
        EventPattern=json.dumps(subscription.event_pattern()),
        State="ENABLED",
    )
    events.put_targets(Rule=rule, EventBusName=settings.event_bus_name, Targets=[{"Id": "queue", "Arn": arn}])
    return str(url)


def create_keys(kms: Any, settings: Settings) -> None:
    """The province's KMS keys: field encryption (symmetric), blind indexes (HMAC), partner token signing."""
    data = kms.create_key(Description="fh field encryption", KeyUsage="ENCRYPT_DECRYPT")
    kms.create_alias(AliasName=settings.kms_data_key, TargetKeyId=data["KeyMetadata"]["KeyId"])
    index = kms.create_key(Description="fh blind index", KeyUsage="GENERATE_VERIFY_MAC", KeySpec="HMAC_256")
    kms.create_alias(AliasName=settings.kms_index_key, TargetKeyId=index["KeyMetadata"]["KeyId"])
    signing = kms.create_key(
        Description="fh marketplace token signing", KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256"
    )
    kms.create_alias(AliasName=settings.marketplace_signing_key, TargetKeyId=signing["KeyMetadata"]["KeyId"])


def provision(
    clients: dict[str, Any],
    settings: Settings,
    subscriptions: list[Subscription],
    visibility_timeout: int = 30,
) -> tuple[dict[str, str], dict[str, str]]:
    """Everything a province's data stack and consumers hold: (logical queue → URL, push platform → app)."""
    create_keys(clients["kms"], settings)
    push_apps = {
        platform: clients["sns"].create_platform_application(
            Name=f"{settings.table_prefix}-{platform}",
            Platform=kind,
            Attributes={"PlatformCredential": "local"},
        )["PlatformApplicationArn"]
        for platform, kind in (("fcm", "GCM"), ("apns", "APNS"))
    }
    for bucket in (settings.attachments_bucket_name, settings.report_history_bucket_name):
        clients["s3"].create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings.region}
        )
    for spec in TABLES:
        create_table(clients["dynamodb"], spec, settings)
    clients["events"].create_event_bus(Name=settings.event_bus_name)
    queues = {
        sub.queue_name: create_consumer(clients["sqs"], clients["events"], settings, sub, visibility_timeout)
        for sub in subscriptions
    }
    return queues, push_apps
