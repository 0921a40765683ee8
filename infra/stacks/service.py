"""One service's stack in a province: its Chalice app (API, relay, consumers), roles, triggers, logs, alarms.

Deploys on its own: it reads the data stack only through exports by name and ARNs built from the names in
``infra.names``, so rolling one service back or forward touches no other stack.
"""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import ArnFormat, Duration, Fn, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import bundle, nag, names
from infra.chalice_app import ServiceApp
from infra.config import Province, parse_push_app
from infra.needs import NEEDS, Needs
from infra.tagging import tag
from shared.persistence.tables import TABLES, TableSpec

RELAY = "Relay"
API = "APIHandler"
SOLVER = "Solver"
READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"]
WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
# Fan-outs (a notification's recipients, a message's feed entries) write their own table 25 items a call.
BULK_WRITE = ["dynamodb:BatchWriteItem"]
CONSUME = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
STREAM = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
]
KEY_USE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]


def handler_name(logical_id: str) -> str:
    """``APIHandler`` → ``api``, ``OnDirectoryStaff`` → ``on-directory-staff`` (for function names)."""
    if logical_id == API:
        return "api"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


def table_access(service: str, spec: TableSpec) -> list[str]:
    """What a service's functions may do on a table: their own in full, the directory read-only (written by
    its owner, messaging), audit append + read, idempotency records read/write; nothing on other services'."""
    if spec.owner == service:
        return READ + WRITE + BULK_WRITE
    if spec.suffix == "directory":
        return READ
    if spec.suffix == "audit":
        return ["dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query"]
    if spec.suffix == "idempotency":
        return READ + WRITE
    return []


class ServiceStack(Stack):
    def __init__(self, scope: Construct, province: Province, service: str, **kwargs: Any) -> None:
        super().__init__(scope, names.service_stack(province.code, service), **kwargs)
        self.province = province
        self.service = service
        code = province.code
        spec = next(t for t in TABLES if t.suffix == service)
        tag(self, code, service, spec.data_classification)

        self.needs: Needs = NEEDS[service]
        self.key = kms.Key.from_key_arn(self, "DataKey", Fn.import_value(names.export(code, "data-key-arn")))
        self.alarm_topic = sns.Topic.from_topic_arn(
            self, "AlarmTopic", self._arn("sns", names.alarm_topic(code))
        )
        self.app = ServiceApp(self, "App", service=service, region=province.region)
        self.functions = self.app.functions()
        self.function_names = {
            logical_id: names.function(code, service, handler_name(logical_id))
            for logical_id in self.functions
        }
        if self.needs.solver:
            self.function_names[SOLVER] = names.function(code, service, "solver")
        self.log_groups = {logical_id: self._log_group(logical_id) for logical_id in self.function_names}

        self.policies: dict[str, iam.ManagedPolicy] = {}
        self.app_role = self._role("AppRole", "app", [f for f in self.functions if f != RELAY])
        self.relay_role = self._role("RelayRole", "relay", [RELAY])
        self._grant_app()
        self.relay_dlq = sqs.Queue(
            self,
            "RelayDlq",
            queue_name=names.component(code, f"{service}-relay-dlq"),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        nag.suppress_resource(self.relay_dlq, nag.FAILURE_DESTINATION)
        self._grant_relay()

        for logical_id, resource in self.functions.items():
            self._configure_function(logical_id, resource)
        if "ManagedLayer" in self.app.sam["Resources"]:
            # Chalice names the layer after the app and stage; give it the province's name.
            self.app.get_resource("ManagedLayer").add_property_override(
                "LayerName", names.component(code, f"{service}-dependencies")
            )
        self._relay_trigger()
        if self.needs.solver:
            self._solver()
        self._alarms()

    # -- names and ARNs -------------------------------------------------------------------------------
    def _arn(self, service: str, resource: str) -> str:
        return self.format_arn(service=service, resource=resource, arn_format=ArnFormat.NO_RESOURCE_NAME)

    def _table_arn(self, suffix: str) -> str:
        return self.format_arn(
            service="dynamodb", resource="table", resource_name=names.table(self.province.code, suffix)
        )

    def _push_app_arn(self, arn: str, endpoints: bool = False) -> str:
        """A configured platform application (or its endpoints), rebuilt so no partition is written out."""
        app = parse_push_app(arn)
        return self.format_arn(
            service="sns",
            region=app.region,
            account=app.account,
            resource="endpoint" if endpoints else "app",
            resource_name=f"{app.resource}/*" if endpoints else app.resource,
        )

    def _queue_arn(self, name: str) -> str:
        return self._arn("sqs", name)

    def _consumer_queues(self) -> dict[str, str]:
        """SAM consumer function → the logical queue name it was declared with (``on_sqs_message``)."""
        found = {}
        for logical_id, resource in self.functions.items():
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] == "SQS":
                    found[logical_id] = event["Properties"]["Queue"]["Fn::Sub"].rsplit(":", 1)[1]
        return found

    # -- functions ------------------------------------------------------------------------------------
    def _log_group(self, logical_id: str) -> logs.CfnLogGroup:
        return logs.CfnLogGroup(
            self,
            f"Logs{logical_id}",
            log_group_name=f"/aws/lambda/{self.function_names[logical_id]}",
            retention_in_days=self.province.retention.log_days,
            kms_key_id=self.key.key_arn,
        )

    def _configure_function(self, logical_id: str, resource: dict[str, Any]) -> None:
        code = self.province.code
        function = self.app.get_resource(logical_id)
        function.add_property_override("FunctionName", self.function_names[logical_id])
        function.add_property_override(
            "Role", (self.relay_role if logical_id == RELAY else self.app_role).role_arn
        )
        function.add_property_override(
            "Environment.Variables", {**self._base_environment(), **self._environment()}
        )
        function.add_property_override(
            "Tags",
            {
                "app": names.APP,
                "province": code,
                "service": self.service,
                "data-classification": next(
                    t for t in TABLES if t.suffix == self.service
                ).data_classification,
            },
        )
        function.add_resource_dependency(self.log_groups[logical_id])
        queues = self._consumer_queues()
        if logical_id in queues:
            # Chalice names the queue as declared (the logical name) and has no switch for partial batch
            # responses: point the trigger at the province's real queue and turn them on.
            (event_id,) = resource["Properties"]["Events"]
            base = f"Events.{event_id}.Properties"
            function.add_property_override(
                f"{base}.Queue", self._queue_arn(names.queue(code, queues[logical_id]))
            )
            function.add_property_override(f"{base}.FunctionResponseTypes", ["ReportBatchItemFailures"])
        for event_id, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] == "Schedule":
                # SAM would name the rule after the stack; give it the province's name like everything else.
                function.add_property_override(
                    f"Events.{event_id}.Properties.Name",
                    names.schedule_rule(code, self.service, handler_name(logical_id)),
                )

    def _base_environment(self) -> dict[str, str]:
        code, identity = self.province.code, self.province.identity
        return {
            "FH_PROVINCE": code,
            "FH_TABLE_PREFIX": names.prefix(code),
            "FH_EVENT_BUS_NAME": names.bus(code),
            "FH_JWT_ISSUER": identity.issuer,
            "FH_JWT_AUDIENCE": identity.audience,
            "FH_JWKS_URL": identity.jwks_url,
            "FH_TENANT_CLAIM": identity.tenant_claim,
            # partner app tokens: the province's marketplace issues them (signed by its signing key)
            "FH_MARKETPLACE_ISSUER": f"urn:fh:{code}:marketplace",
            "POWERTOOLS_SERVICE_NAME": self.service,
        }

    def _solver(self) -> None:
        """The container-image solver function: auto-roster jobs, one asynchronous invocation each.

        Its image is built at deploy time from the context ``bundle.stage_solver`` stages (the asset is
        only fingerprinted at synth: no Docker engine needed). Its role reads and writes the service's
        table (the job, its heartbeat, the draft) and reads the directory (the nurses to roster); the
        API's role may invoke it and nothing else may."""
        role = self._role("SolverRole", "solver", [SOLVER])
        for spec in TABLES:
            if spec.owner == self.service or spec.suffix == "directory":
                arn = self._table_arn(spec.suffix)
                self.policies["solver"].add_statements(
                    iam.PolicyStatement(
                        actions=table_access(self.service, spec),
                        resources=[arn] + [f"{arn}/index/{ix.name}" for ix in spec.indexes],
                    )
                )
        function = lambda_.DockerImageFunction(
            self,
            SOLVER,
            function_name=self.function_names[SOLVER],
            description="scheduling's auto-roster jobs: one solve per invocation",
            code=lambda_.DockerImageCode.from_image_asset(str(bundle.stage_solver())),
            memory_size=names.SOLVER_MEMORY_MB,
            timeout=Duration.seconds(names.SOLVER_TIMEOUT_SECONDS),
            role=role,
            environment=self._base_environment(),
            # A failed invocation is not retried: the job's state says what happened (the sweep fails a
            # job whose worker died), and a retry of a job already taken would do nothing anyway.
            retry_attempts=0,
            max_event_age=Duration.minutes(5),
        )
        # Traced like the other functions; set on the resource, as the construct's switch would add an
        # inline X-Ray policy (the roles' managed policies already allow the two X-Ray actions).
        cfn = function.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        cfn.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        # Its log group and permissions exist before it runs. Set on the resource: the construct's own
        # dependency on the role repeats what the role's GetAtt already says (cfn-lint W3005).
        policy = self.policies["solver"].node.default_child
        assert isinstance(policy, iam.CfnManagedPolicy)
        cfn.add_override(
            "DependsOn", [self.get_logical_id(self.log_groups[SOLVER]), self.get_logical_id(policy)]
        )
        nag.suppress_resource(function, nag.SOLVER_FUNCTION)
        self.solver_function = function
        self.policies["app"].add_statements(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    self.format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=self.function_names[SOLVER],
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )

    def _environment(self) -> dict[str, str]:
        """What a service's needs add to ``FH_*`` (see ``shared.settings_model``)."""
        env: dict[str, str] = {}
        if self.needs.solver:
            env["FH_SOLVER_FUNCTION"] = names.function(self.province.code, self.service, "solver")
        messaging = self.province.messaging
        if self.needs.attachments:
            env["FH_ATTACHMENTS_BUCKET"] = names.attachments_bucket(self.province.code, self.account)
        if self.needs.history_export:
            env["FH_REPORT_HISTORY_BUCKET"] = names.report_history_bucket(self.province.code, self.account)
            env["FH_REPORT_TABLE_ARN"] = self._table_arn(self.service)
        if self.needs.push:
            env["FH_PUSH_APPS"] = self.to_json_string(
                {platform: self._push_app_arn(arn) for platform, arn in messaging.push_apps.items()}
            )
        if self.needs.alerts:
            env["FH_VOICE_CHANNEL"] = messaging.voice_channel
            if messaging.voice_origination:
                env["FH_VOICE_ORIGINATION"] = messaging.voice_origination
        return env

    def _relay_trigger(self) -> None:
        code = self.province.code
        relay = self.app.get_resource(RELAY)
        mapping = lambda_.CfnEventSourceMapping(
            self,
            "RelayTrigger",
            function_name=relay.ref,
            event_source_arn=Fn.import_value(names.export(code, f"{self.service}-stream-arn")),
            # Outbox items written before the first deploy are still published.
            starting_position="TRIM_HORIZON",
            batch_size=100,
            maximum_batching_window_in_seconds=1,
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=20,
            destination_config=lambda_.CfnEventSourceMapping.DestinationConfigProperty(
                on_failure=lambda_.CfnEventSourceMapping.OnFailureProperty(
                    destination=self.relay_dlq.queue_arn
                )
            ),
        )
        # The trigger is validated against the role when it is created: its permissions must exist first.
        mapping.add_resource_dependency(self.policies["relay"].node.default_child)  # type: ignore[arg-type]

    # -- permissions ----------------------------------------------------------------------------------
    def _role(self, construct_id: str, kind: str, functions: list[str]) -> iam.Role:
        name = names.component(self.province.code, f"{self.service}-{kind}")[:64]
        # A customer-managed policy rather than an inline one (HIPAA IAMNoInlinePolicy): it can be reviewed
        # and versioned on its own.
        policy = iam.ManagedPolicy(self, f"{construct_id}Policy", managed_policy_name=name)
        role = iam.Role(
            self,
            construct_id,
            role_name=name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self.service} {kind} functions in {self.province.code}",
            managed_policies=[policy],
        )
        self.policies[kind] = policy
        nag.allow_wildcards(policy)
        log_arns = [
            self.format_arn(
                service="logs",
                resource="log-group",
                resource_name=f"/aws/lambda/{self.function_names[f]}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for f in functions
        ]
        if log_arns:
            policy.add_statements(
                iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=log_arns)
            )
        # X-Ray has no resource-level permissions: these two actions only ever take "*".
        policy.add_statements(
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            )
        )
        policy.add_statements(iam.PolicyStatement(actions=KEY_USE, resources=[self.key.key_arn]))
        # Every function verifies partner app tokens with the signing key's public half
        # (shared.partner_tokens).
        signing_key = Fn.import_value(names.export(self.province.code, "signing-key-arn"))
        policy.add_statements(iam.PolicyStatement(actions=["kms:GetPublicKey"], resources=[signing_key]))
        return role

    def _grant_app(self) -> None:
        for spec in TABLES:
            allowed = table_access(self.service, spec)
            if not allowed:
                continue
            arn = self._table_arn(spec.suffix)
            resources = [arn] + ([f"{arn}/index/{ix.name}" for ix in spec.indexes])
            self.policies["app"].add_statements(iam.PolicyStatement(actions=allowed, resources=resources))
        for model in self.needs.read_models:
            # Another service's read model: queries on its items only, never the rest of that table.
            self.policies["app"].add_statements(
                iam.PolicyStatement(
                    actions=list(model.actions),
                    resources=[self._table_arn(model.table)],
                    conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": model.leading_keys}},
                )
            )
        self._grant_needs()
        queues = [
            self._queue_arn(names.queue(self.province.code, q)) for q in self._consumer_queues().values()
        ]
        if queues:
            self.policies["app"].add_statements(iam.PolicyStatement(actions=CONSUME, resources=queues))

    def _grant_needs(self) -> None:
        policy = self.policies["app"]
        code = self.province.code
        if self.needs.signs_tokens:
            signing_key = Fn.import_value(names.export(code, "signing-key-arn"))
            policy.add_statements(iam.PolicyStatement(actions=["kms:Sign"], resources=[signing_key]))
        if self.needs.blind_index:
            # Blind indexes are computed (GenerateMac), never verified against a stored MAC: nothing else.
            index_key_arn = Fn.import_value(names.export(code, "index-key-arn"))
            policy.add_statements(iam.PolicyStatement(actions=["kms:GenerateMac"], resources=[index_key_arn]))
        needs = self.needs
        if needs.attachments:
            # Presigned URLs carry the role's permissions: uploads and downloads of objects, nothing else
            # (no listing, no deletes). The objects' KMS use is the data key statement every role has.
            bucket = names.attachments_bucket(code, self.account)
            policy.add_statements(
                iam.PolicyStatement(
                    actions=["s3:PutObject", "s3:GetObject"],
                    resources=[
                        self.format_arn(
                            service="s3", region="", account="", resource=f"{bucket}/{needs.attachment_keys}"
                        )
                    ],
                )
            )
            nag.allow_wildcard(policy, *nag.ATTACHMENT_OBJECTS)
        if needs.history_export:
            # The weekly point-in-time export of its own table (reads PITR, not the table's capacity) into
            # the report-history bucket's exports/ prefix; the files' KMS use is the data key statement.
            policy.add_statements(
                iam.PolicyStatement(
                    actions=["dynamodb:ExportTableToPointInTime"], resources=[self._table_arn(self.service)]
                ),
                iam.PolicyStatement(
                    actions=["s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl"],
                    resources=[
                        self.format_arn(
                            service="s3",
                            region="",
                            account="",
                            resource=f"{names.report_history_bucket(code, self.account)}/exports/*",
                        )
                    ],
                ),
            )
            nag.allow_wildcard(policy, *nag.REPORT_HISTORY_OBJECTS)
        if self.needs.alerts:
            # SMS to a phone number has no resource ARN: SNS only authorizes it on "*" (reason in infra.nag).
            policy.add_statements(
                iam.PolicyStatement(sid="SmsToPhoneNumbers", actions=["sns:Publish"], resources=["*"])
            )
            nag.allow_wildcard(policy, *nag.SMS_TO_PHONE_NUMBERS)
            messaging = self.province.messaging
            if messaging.voice_origination:
                kind, origination_id, account = messaging.voice_resource()
                policy.add_statements(
                    iam.PolicyStatement(
                        actions=["sms-voice:SendVoiceMessage"],
                        resources=[
                            self.format_arn(
                                service="sms-voice",
                                account=account or self.account,
                                resource=kind,
                                resource_name=origination_id,
                            )
                        ],
                    )
                )
        if self.needs.push and self.province.messaging.push_apps:
            apps = self.province.messaging.push_apps.values()
            policy.add_statements(
                iam.PolicyStatement(
                    actions=["sns:CreatePlatformEndpoint"], resources=[self._push_app_arn(a) for a in apps]
                ),
                iam.PolicyStatement(
                    actions=["sns:Publish"], resources=[self._push_app_arn(a, endpoints=True) for a in apps]
                ),
            )
            nag.allow_wildcard(policy, *nag.PUSH_ENDPOINTS)

    def _grant_relay(self) -> None:
        self.policies["relay"].add_statements(
            iam.PolicyStatement(actions=STREAM, resources=[f"{self._table_arn(self.service)}/stream/*"])
        )
        bus_arn = self.format_arn(
            service="events", resource="event-bus", resource_name=names.bus(self.province.code)
        )
        self.policies["relay"].add_statements(
            iam.PolicyStatement(actions=["events:PutEvents"], resources=[bus_arn])
        )
        self.policies["relay"].add_statements(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.relay_dlq.queue_arn])
        )

    # -- alarms ---------------------------------------------------------------------------------------
    def _alarm(self, construct_id: str, metric: cloudwatch.Metric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=names.component(self.province.code, f"{self.service}-{construct_id}"),
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.alarm_topic))

    def _alarms(self) -> None:
        period = Duration.minutes(5)
        for logical_id, function_name in self.function_names.items():
            for metric_name in ("Errors", "Throttles"):
                self._alarm(
                    f"{handler_name(logical_id)}-{metric_name.lower()}",
                    cloudwatch.Metric(
                        namespace="AWS/Lambda",
                        metric_name=metric_name,
                        dimensions_map={"FunctionName": function_name},
                        statistic="Sum",
                        period=period,
                    ),
                    f"{function_name}: {metric_name.lower()} in the last 5 minutes",
                )
        code = self.province.code
        dlqs = {f"{q}-dlq": names.dlq(code, q) for q in self._consumer_queues().values()}
        dlqs["relay-dlq"] = names.component(code, f"{self.service}-relay-dlq")
        for label, queue_name in dlqs.items():
            self._alarm(
                f"{label}-depth",
                cloudwatch.Metric(
                    namespace="AWS/SQS",
                    metric_name="ApproximateNumberOfMessagesVisible",
                    dimensions_map={"QueueName": queue_name},
                    statistic="Maximum",
                    period=period,
                ),
                f"{queue_name} holds messages that failed every retry: inspect, fix, redrive",
            )
