"""What the synthesized templates promise: durable encrypted state, the custom bus, partial batch
responses, DLQs, alarms, least privilege, names and tags — in every province."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra import nag, names
from shared.persistence.tables import TABLES
from tests.infra.conftest import Assembly, resources

PROVINCES = ("zj", "nx", "hk")


def data(assembly: Assembly, code: str) -> dict[str, Any]:
    return assembly.template(names.data_stack(code))


def service(assembly: Assembly, code: str, svc: str) -> dict[str, Any]:
    return assembly.template(names.service_stack(code, svc))


def test_every_province_has_a_data_stack_and_five_service_stacks(assembly: Assembly) -> None:
    expected = {names.data_stack(p) for p in PROVINCES} | {
        names.service_stack(p, s) for p in PROVINCES for s in names.SERVICES
    }
    assert set(assembly.stacks) == expected


def test_cdk_nag_awssolutions_and_hipaa_are_clean(assembly: Assembly) -> None:
    assert assembly.findings == []
    reports = sorted(p.name for p in assembly.outdir.glob("*-NagReport.csv"))
    assert any(r.startswith("AwsSolutions-") for r in reports)
    assert any(r.startswith("HIPAA.Security-") for r in reports)


def test_every_suppression_carries_a_reason() -> None:
    for rule, reason in [
        *nag.DATA_STACK,
        *nag.SERVICE_STACK,
        *nag.ALLOWED_WILDCARDS,
        *nag.FAILURE_DESTINATION,
        *nag.ATTACHMENTS_BUCKET,
        *nag.ACCESS_LOG_BUCKET,
        nag.ATTACHMENT_OBJECTS,
        nag.SMS_TO_PHONE_NUMBERS,
        nag.PUSH_ENDPOINTS,
    ]:
        assert len(reason) > 30, rule


@pytest.mark.parametrize("code", PROVINCES)
def test_tables_have_pitr_deletion_protection_and_the_province_key(assembly: Assembly, code: str) -> None:
    template = Template.from_json(data(assembly, code))
    template.resource_count_is("AWS::DynamoDB::Table", len(TABLES))
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    for spec in TABLES:
        expected: dict[str, Any] = {
            "TableName": names.table(code, spec.suffix),
            "BillingMode": "PAY_PER_REQUEST",
            "DeletionProtectionEnabled": True,
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {
                "SSEEnabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^DataKey"), "Arn"]},
            },
        }
        if spec.stream:
            expected["StreamSpecification"] = {"StreamViewType": "NEW_IMAGE"}
        if spec.ttl_attribute:
            expected["TimeToLiveSpecification"] = {"AttributeName": spec.ttl_attribute, "Enabled": True}
        template.has_resource(
            "AWS::DynamoDB::Table",
            {"Properties": expected, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
        )


@pytest.mark.parametrize("code", PROVINCES)
def test_tables_are_tagged_with_their_data_classification(assembly: Assembly, code: str) -> None:
    tables = resources(data(assembly, code), "AWS::DynamoDB::Table").values()
    by_name = {
        t["Properties"]["TableName"]: {x["Key"]: x["Value"] for x in t["Properties"]["Tags"]} for t in tables
    }
    for spec in TABLES:
        tags = by_name[names.table(code, spec.suffix)]
        assert tags["data-classification"] == spec.data_classification
        assert tags["app"] == names.APP and tags["province"] == code and tags["service"] == spec.owner


@pytest.mark.parametrize("code", PROVINCES)
def test_bus_has_an_archive_and_rules_target_the_custom_bus(assembly: Assembly, code: str) -> None:
    template = data(assembly, code)
    (bus_id,) = resources(template, "AWS::Events::EventBus")
    assert template["Resources"][bus_id]["Properties"]["Name"] == names.bus(code)
    (archive,) = resources(template, "AWS::Events::Archive").values()
    assert archive["Properties"]["SourceArn"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert "KmsKeyIdentifier" not in archive["Properties"]
    rules = resources(template, "AWS::Events::Rule")
    assert rules, "one rule per consumer"
    queues = resources(template, "AWS::SQS::Queue")
    for rule in rules.values():
        props = rule["Properties"]
        # Not the account's default bus: a rule without EventBusName would silently never fire.
        assert props["EventBusName"] == {"Ref": bus_id}
        (target,) = props["Targets"]
        queue_id = target["Arn"]["Fn::GetAtt"][0]
        assert queues[queue_id]["Properties"]["QueueName"].startswith(f"fh-{code}-")
        assert "DeadLetterConfig" in target  # undeliverable events are kept, not dropped


@pytest.mark.parametrize("code", PROVINCES)
def test_consumer_queues_are_encrypted_and_redrive_to_a_dlq(assembly: Assembly, code: str) -> None:
    template = data(assembly, code)
    queues = resources(template, "AWS::SQS::Queue")
    by_name = {q["Properties"]["QueueName"]: (qid, q["Properties"]) for qid, q in queues.items()}
    for logical in ("scheduling-staff-projection",):
        _, props = by_name[names.queue(code, logical)]
        dlq_id, _ = by_name[names.dlq(code, logical)]
        assert props["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
            "maxReceiveCount": names.MAX_RECEIVES,
        }
    for _, props in by_name.values():
        assert "KmsMasterKeyId" in props


@pytest.mark.parametrize("code", PROVINCES)
def test_consumers_use_partial_batch_responses_on_the_province_queue(assembly: Assembly, code: str) -> None:
    template = Template.from_json(service(assembly, code, "scheduling"))
    template.has_resource_properties(
        "AWS::Serverless::Function",
        {
            "FunctionName": names.function(code, "scheduling", "on-directory-staff"),
            "Events": {
                "OnDirectoryStaffSqsEventSource": {
                    "Type": "SQS",
                    "Properties": Match.object_like(
                        {
                            "FunctionResponseTypes": ["ReportBatchItemFailures"],
                            "Queue": {
                                "Fn::Join": [
                                    "",
                                    Match.array_with(
                                        [
                                            Match.string_like_regexp(
                                                f":{names.queue(code, 'scheduling-staff-projection')}$"
                                            )
                                        ]
                                    ),
                                ]
                            },
                        }
                    ),
                }
            },
        },
    )


@pytest.mark.parametrize("code", PROVINCES)
def test_every_sqs_trigger_reports_batch_item_failures(assembly: Assembly, code: str) -> None:
    for svc in names.SERVICES:
        for function in resources(service(assembly, code, svc), "AWS::Serverless::Function").values():
            for event in function["Properties"].get("Events", {}).values():
                if event["Type"] == "SQS":
                    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("code", PROVINCES)
def test_relay_is_triggered_by_its_own_table_stream_with_a_failure_destination(
    assembly: Assembly, code: str
) -> None:
    for svc in names.SERVICES:
        template = Template.from_json(service(assembly, code, svc))
        template.has_resource_properties(
            "AWS::Lambda::EventSourceMapping",
            {
                "FunctionName": {"Ref": "Relay"},
                "EventSourceArn": {"Fn::ImportValue": names.export(code, f"{svc}-stream-arn")},
                "BisectBatchOnFunctionError": True,
                "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
            },
        )


@pytest.mark.parametrize("code", PROVINCES)
def test_functions_know_their_province(assembly: Assembly, code: str, config: Any) -> None:
    identity = config.province(code).identity
    for svc in names.SERVICES:
        for function in resources(service(assembly, code, svc), "AWS::Serverless::Function").values():
            env = function["Properties"]["Environment"]["Variables"]
            assert env["FH_TABLE_PREFIX"] == names.prefix(code)
            assert env["FH_EVENT_BUS_NAME"] == names.bus(code)
            assert env["FH_JWT_ISSUER"] == identity.issuer and env["FH_JWKS_URL"] == identity.jwks_url
            assert "AWS_DEFAULT_REGION" not in env  # reserved: Lambda sets it
            assert function["Properties"]["FunctionName"].startswith(f"fh-{code}-{svc}-")
            assert function["Properties"]["Role"]["Fn::GetAtt"][1] == "Arn"


@pytest.mark.parametrize("code", PROVINCES)
def test_alarms_on_errors_throttles_and_dlq_depth(assembly: Assembly, code: str) -> None:
    template = service(assembly, code, "scheduling")
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    watched = {(a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"]) for a in alarms}
    for handler in ("api", "relay", "on-directory-staff"):
        function = names.function(code, "scheduling", handler)
        assert ("Errors", function) in watched and ("Throttles", function) in watched
    assert ("ApproximateNumberOfMessagesVisible", names.dlq(code, "scheduling-staff-projection")) in watched
    for alarm in alarms:
        (action,) = alarm["Properties"]["AlarmActions"]
        assert json.dumps(action).endswith(f':{names.alarm_topic(code)}"]]}}')


@pytest.mark.parametrize("code", PROVINCES)
def test_log_groups_keep_logs_as_configured_and_encrypted(assembly: Assembly, code: str, config: Any) -> None:
    days = config.province(code).retention.log_days
    for svc in names.SERVICES:
        template = service(assembly, code, svc)
        functions = resources(template, "AWS::Serverless::Function").values()
        groups = {
            g["Properties"]["LogGroupName"]: g["Properties"]
            for g in resources(template, "AWS::Logs::LogGroup").values()
        }
        for function in functions:
            group = groups[f"/aws/lambda/{function['Properties']['FunctionName']}"]
            assert group["RetentionInDays"] == days and "KmsKeyId" in group


DATA_SERVICES = ("dynamodb", "sqs", "events", "kms", "sns", "s3", "sms-voice")
# The one statement on "*" a data service forces: SNS authorizes SMS to a phone number only on "*".
SMS = {"Sid": "SmsToPhoneNumbers", "Action": "sns:Publish", "Effect": "Allow", "Resource": "*"}


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in resources(template, "AWS::IAM::ManagedPolicy").values():
        found += policy["Properties"]["PolicyDocument"]["Statement"]
    for policy in resources(template, "AWS::IAM::Policy").values():
        found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


@pytest.mark.parametrize("code", PROVINCES)
def test_least_privilege_no_wildcards_on_data(assembly: Assembly, code: str) -> None:
    for svc in names.SERVICES:
        template = service(assembly, code, svc)
        assert not resources(template, "AWS::IAM::Policy"), "inline policies"
        for statement in _statements(template):
            if statement == SMS and svc == "messaging":
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all("*" not in action for action in actions), actions
            if any(action.split(":")[0] in DATA_SERVICES for action in actions):
                resources_ = (
                    statement["Resource"]
                    if isinstance(statement["Resource"], list)
                    else [statement["Resource"]]
                )
                assert "*" not in resources_, (svc, actions)


def test_a_service_cannot_touch_another_services_table(assembly: Assembly) -> None:
    statements = _statements(service(assembly, "nx", "scheduling"))
    text = json.dumps(statements)
    assert ":table/fh-nx-scheduling" in text and ":table/fh-nx-directory" in text
    for other in ("messaging", "approvals", "followup"):
        assert f":table/fh-nx-{other}" not in text
    # the marketplace's table: an installed app's standing and call count only (shared.installations)
    on_marketplace = [s for s in statements if ":table/fh-nx-marketplace" in json.dumps(s)]
    assert on_marketplace and all(
        s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        in (["*#app-standing"], ["*#app-usage#*"])
        for s in on_marketplace
    )


@pytest.mark.parametrize("code", PROVINCES)
def test_no_template_hard_codes_a_partition(assembly: Assembly, code: str) -> None:
    for stack in [names.data_stack(code)] + [names.service_stack(code, s) for s in names.SERVICES]:
        assert "arn:aws:" not in assembly.text(stack), stack
        assert "arn:aws-cn:" not in assembly.text(stack), stack


def test_china_regions_use_regional_api_endpoints(assembly: Assembly) -> None:
    for svc in names.SERVICES:
        (api,) = resources(service(assembly, "nx", svc), "AWS::Serverless::Api").values()
        assert api["Properties"]["EndpointConfiguration"] == "REGIONAL"


def test_service_stacks_share_one_dependency_layer_asset(assembly: Assembly) -> None:
    """Packaged once: the same layer zip for every service and province (one upload per account)."""
    keys = {
        layer["Properties"]["ContentUri"]["Key"]
        for code in PROVINCES
        for svc in names.SERVICES
        for layer in resources(service(assembly, code, svc), "AWS::Serverless::LayerVersion").values()
    }
    assert len(keys) == 1


def test_lambda_bundle_has_no_dev_tools() -> None:
    from infra.bundle import runtime_requirements

    bundled = {r.split("[")[0].split("=")[0] for r in runtime_requirements()}
    assert not bundled & {"moto", "pytest", "chalice", "aws-cdk-lib", "cfn-lint", "hypothesis"}
    assert {"pynamodb", "pydantic", "aws-lambda-powertools"} <= bundled
