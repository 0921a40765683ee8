"""A province's data stack: what outlives any one service deploy.

Tables (from ``shared.persistence.tables.TABLES``, PITR, deletion protection, the province's customer-managed
key, streams for the outbox), the event bus with its archive, and for every consumer its queue, DLQ and the
rule on the province bus that feeds it. Queues live here rather than in the service stacks so that rolling a
service stack back, or replacing it, never drops events that are waiting for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Tags
from aws_cdk import aws_athena as athena
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag, names
from infra.config import Province
from infra.tagging import tag
from shared.events.subscription import Subscription
from shared.persistence.tables import TABLES, TableSpec

# The reports table's items as an export writes them (DynamoDB JSON: each attribute a {"S"|"N"|"L": …}
# object; the JSON SerDe reads keys lower-cased). A day's census figures are ``m_census_<field>`` (the
# reports' measures, ``Measure.attribute``); ``tests/infra`` checks every census measure is a column here.
REPORT_HISTORY_CENSUS = (
    "outpatient_visits",
    "emergency_visits",
    "admissions",
    "discharges",
    "inpatients",
    "beds_open",
    "discharged_bed_days",
    "surgeries",
)
REPORT_HISTORY_ITEM = (
    "struct<pk:struct<s:string>,sk:struct<s:string>,entity:struct<s:string>,tenant:struct<s:string>,"
    "day:struct<s:string>,census_at:struct<s:string>,census_by:struct<s:string>,"
    + ",".join(f"m_census_{f}:struct<n:string>" for f in REPORT_HISTORY_CENSUS)
    + ">"
)


def _attribute(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class DataStack(Stack):
    def __init__(
        self,
        scope: Construct,
        province: Province,
        consumers: Sequence[Subscription],
        **kwargs: object,
    ) -> None:
        super().__init__(scope, names.data_stack(province.code), **kwargs)  # type: ignore[arg-type]
        self.province = province
        code = province.code
        tag(self, code, "data", "confidential")
        self.termination_protection = True

        self.key = kms.Key(
            self,
            "DataKey",
            alias=names.data_key_alias(code),
            description=f"Future Hospital {province.name} ({code}): tables, queues, topics, logs",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs (service stacks' log groups), EventBridge (delivering to encrypted queues) and
        # CloudWatch alarms (publishing to the encrypted topic) use the key as services, not as roles.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(Fn.sub("logs.${AWS::Region}.${AWS::URLSuffix}"))],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": self.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        for service_principal in ("events.amazonaws.com", "cloudwatch.amazonaws.com"):
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal(service_principal)],
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:SourceAccount": self.account}},
                )
            )

        # Blind indexes of patient identifiers (HMAC of name, ID number, phone): a separate key, so the
        # lookup capability can be granted without the power to decrypt.
        self.index_key = kms.Key(
            self,
            "IndexKey",
            alias=names.index_key_alias(code),
            description=f"Future Hospital {province.name} ({code}): blind indexes (HMAC)",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.suppress_resource(self.index_key, nag.HMAC_KEY)

        # Partner app tokens (shared.partner_tokens): the marketplace signs them with this key's private half,
        # which never leaves KMS; every service verifies them with its public half (GetPublicKey).
        self.signing_key = kms.Key(
            self,
            "SigningKey",
            alias=names.signing_key_alias(code),
            description=f"Future Hospital {province.name} ({code}): partner app tokens (ES256)",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.suppress_resource(self.signing_key, nag.SIGNING_KEY)

        self.tables = {spec.suffix: self._table(spec) for spec in TABLES}

        self.bus = events.EventBus(self, "Bus", event_bus_name=names.bus(code))
        archive = self.bus.archive(
            "Archive",
            archive_name=names.archive(code),
            description=f"every event of {code}, for replay",
            event_pattern=events.EventPattern(account=[self.account]),
            retention=Duration.days(province.retention.bus_archive_days),
        )
        # The construct writes an empty key id when none is given; leave the property out instead.
        archive.node.default_child.add_property_deletion_override("KmsKeyIdentifier")  # type: ignore[union-attr]
        # Events a rule could not deliver to its queue (e.g. a queue policy mistake) land here.
        self.delivery_dlq = self._queue("DeliveryDlq", names.component(code, "bus-delivery-dlq"))
        nag.suppress_resource(self.delivery_dlq, nag.FAILURE_DESTINATION)
        self.queues = {sub.queue_name: self._consumer(sub) for sub in consumers}

        self.access_logs, self.attachments = self._attachments()
        self.report_history = self._report_history()

        self.alarm_topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=names.alarm_topic(code),
            display_name=f"Future Hospital {code} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        if province.alarms.email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(province.alarms.email))

        self._export("data-key-arn", self.key.key_arn)
        self._export("index-key-arn", self.index_key.key_arn)
        self._export("signing-key-arn", self.signing_key.key_arn)
        for spec in TABLES:
            if spec.stream:
                self._export(f"{spec.suffix}-stream-arn", self.tables[spec.suffix].table_stream_arn or "")

    def _attachments(self) -> tuple[s3.Bucket, s3.Bucket]:
        """Files people attach — messaging's conversation attachments, approval forms' documents (presigned
        uploads and downloads) — and their access logs.

        Objects are encrypted with the province's key (the presigning role's KMS permissions apply to the
        upload), versioned so an overwrite or a delete can be undone for a month, and never public.
        """
        code = self.province.code
        # Server access logs can only be delivered to an SSE-S3 bucket (S3 refuses a KMS default there).
        logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=names.access_logs_bucket(code, self.account),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="keep-logs-as-configured",
                    expiration=Duration.days(self.province.retention.log_days),
                    noncurrent_version_expiration=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.suppress_resource(logs_bucket, nag.ACCESS_LOG_BUCKET)
        bucket = self._private_bucket(
            "Attachments", names.attachments_bucket(code, self.account), logs_bucket, "attachments/", []
        )
        nag.suppress_resource(bucket, nag.ATTACHMENTS_BUCKET)
        Tags.of(bucket).add("service", "messaging approvals")
        Tags.of(bucket).add("data-classification", "confidential")
        return logs_bucket, bucket

    def _private_bucket(
        self, logical_id: str, name: str, logs: s3.IBucket, logs_prefix: str, rules: list[s3.LifecycleRule]
    ) -> s3.Bucket:
        """A bucket of the province's data: its key, no public access, TLS only, versioned, access-logged,
        kept on stack deletion; ``rules`` and then a 30-day undo window and abandoned uploads cleared."""
        return s3.Bucket(
            self,
            logical_id,
            bucket_name=name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=logs,
            server_access_logs_prefix=logs_prefix,
            lifecycle_rules=[
                *rules,
                s3.LifecycleRule(
                    id="undo-window-and-abandoned-uploads",
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _report_history(self) -> s3.Bucket:
        """The reports table's history beyond its keep (``KEEP_DAYS``): the reports service's weekly
        point-in-time exports (``exports/<date>/AWSDynamoDB/<id>/data/*.json.gz``, DynamoDB JSON), a Glue
        table over them (a partition per export date, projected: no crawler) and an Athena workgroup whose
        results stay in the same bucket under ``athena-results/``, encrypted with the province key."""
        code = self.province.code
        bucket = self._private_bucket(
            "ReportHistory",
            names.report_history_bucket(code, self.account),
            self.access_logs,
            "report-history/",
            [
                # exports are the history: kept, moved to infrequent access once a month old
                s3.LifecycleRule(
                    id="exports-to-infrequent-access",
                    prefix="exports/",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(30),
                        )
                    ],
                ),
                # query results are a convenience: a week
                s3.LifecycleRule(id="athena-results", prefix="athena-results/", expiration=Duration.days(7)),
            ],
        )
        nag.suppress_resource(bucket, nag.REPORT_HISTORY_BUCKET)
        Tags.of(bucket).add("service", "reports")
        Tags.of(bucket).add("data-classification", "internal")
        database_name = names.report_history_database(code)
        database = glue.CfnDatabase(
            self,
            "ReportHistoryDatabase",
            catalog_id=self.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database_name,
                description=f"Future Hospital {code}: the reports table's point-in-time exports",
            ),
        )
        exports = f"s3://{bucket.bucket_name}/exports"
        table = glue.CfnTable(
            self,
            "ReportHistoryDays",
            catalog_id=self.account,
            database_name=database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name="exports",
                description="Every item of the reports table, one export (a partition) per export_date",
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "json",
                    "compressionType": "gzip",
                    "projection.enabled": "true",
                    "projection.export_date.type": "date",
                    "projection.export_date.format": "yyyy-MM-dd",
                    "projection.export_date.range": "2026-01-01,NOW",
                    "projection.export_date.interval": "1",
                    "projection.export_date.interval.unit": "DAYS",
                    "storage.location.template": exports + "/${export_date}/",
                },
                partition_keys=[glue.CfnTable.ColumnProperty(name="export_date", type="string")],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=exports + "/",
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library="org.openx.data.jsonserde.JsonSerDe",
                        # an export's manifest files are JSON of another shape: their rows read as nulls
                        parameters={"ignore.malformed.json": "true"},
                    ),
                    columns=[glue.CfnTable.ColumnProperty(name="item", type=REPORT_HISTORY_ITEM)],
                ),
            ),
        )
        table.add_dependency(database)
        athena.CfnWorkGroup(
            self,
            "ReportHistoryWorkGroup",
            name=names.report_history_workgroup(code),
            description=f"Future Hospital {code}: queries of the report history",
            state="ENABLED",
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=10 * 1024**3,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{bucket.bucket_name}/athena-results/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=self.key.key_arn
                    ),
                ),
            ),
        )
        return bucket

    def _export(self, what: str, value: str) -> None:
        name = names.export(self.province.code, what)
        CfnOutput(self, f"Export-{what}", value=value, export_name=name)

    def _table(self, spec: TableSpec) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            f"Table-{spec.suffix}",
            table_name=names.table(self.province.code, spec.suffix),
            partition_key=_attribute(spec.pk),
            sort_key=_attribute(spec.sk) if spec.sk else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            stream=dynamodb.StreamViewType.NEW_IMAGE if spec.stream else None,
            time_to_live_attribute=spec.ttl_attribute,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name, partition_key=_attribute(index.pk), sort_key=_attribute(index.sk)
            )
        Tags.of(table).add("data-classification", spec.data_classification)
        Tags.of(table).add("service", spec.owner)
        return table

    def _queue(self, construct_id: str, name: str, dead_letter: sqs.IQueue | None = None) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=Duration.days(self.province.retention.dlq_days if dead_letter is None else 4),
            visibility_timeout=Duration.seconds(names.QUEUE_VISIBILITY_SECONDS),
            dead_letter_queue=(
                sqs.DeadLetterQueue(queue=dead_letter, max_receive_count=names.MAX_RECEIVES)
                if dead_letter
                else None
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _consumer(self, subscription: Subscription) -> sqs.Queue:
        """Queue + DLQ + one rule on the province's custom bus, for one consumer (``Subscription``)."""
        code = self.province.code
        logical = subscription.queue_name
        dlq = self._queue(f"Dlq-{logical}", names.dlq(code, logical))
        queue = self._queue(f"Queue-{logical}", names.queue(code, logical), dead_letter=dlq)
        pattern = subscription.event_pattern()
        rule = events.Rule(
            self,
            f"Rule-{logical}",
            rule_name=names.rule(code, logical),
            event_bus=self.bus,
            description=f"{subscription.source} events for {logical}",
            event_pattern=events.EventPattern(source=pattern["source"], detail_type=pattern["detail-type"]),
        )
        rule.add_target(targets.SqsQueue(queue, dead_letter_queue=self.delivery_dlq, retry_attempts=20))
        Tags.of(queue).add("service", subscription.service)
        Tags.of(dlq).add("service", subscription.service)
        return queue
