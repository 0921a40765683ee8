"""The templates are valid CloudFormation (cfn-lint, with each province's region) and the data stack
deploys: in moto's CloudFormation, an event the relay publishes reaches its consumer's queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.api import ManualArgs, lint_file

from infra import names
from tests.infra.conftest import Assembly


@pytest.mark.parametrize("code", ["zj", "nx", "hk"])
def test_cfn_lint_is_clean(assembly: Assembly, code: str, config: Any) -> None:
    region = config.province(code).region
    stacks = [names.data_stack(code)] + [names.service_stack(code, s) for s in names.SERVICES]
    problems = []
    for stack in stacks:
        # Service templates carry the SAM transform: cfn-lint expands it like CloudFormation would.
        matches = lint_file(Path(assembly.outdir / f"{stack}.template.json"), ManualArgs(regions=[region]))
        problems += [f"{stack}: {m}" for m in matches]
    assert problems == []


def moto_compatible(template: dict[str, Any]) -> dict[str, Any]:
    """The data stack as moto's CloudFormation can take it; each change works around moto, not our template.

    - ``Rules``/``BootstrapVersion`` check the CDK bootstrap stack's SSM parameter: an artefact of the CDK
      deploy, not part of what the stack holds.
    - moto's KMS reads CloudFormation tags in the KMS API shape (``TagKey``/``TagValue``) and fails on ours.
    - moto's ``AWS::Events::Archive`` expects ``EventPattern`` as a JSON string; CloudFormation takes both.
    """
    template = json.loads(json.dumps(template))
    template.pop("Rules", None)
    template.get("Parameters", {}).pop("BootstrapVersion", None)
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::KMS::Key":
            props.pop("Tags", None)
        if resource["Type"] == "AWS::Events::Archive" and isinstance(props.get("EventPattern"), dict):
            props["EventPattern"] = json.dumps(props["EventPattern"])
    return template


# moto has no CloudFormation model for queue/topic policies and subscriptions; it skips them with a warning.
@pytest.mark.filterwarnings("ignore:Tried to parse AWS::")
def test_data_stack_deploys_and_the_bus_feeds_the_consumer_queue(
    assembly: Assembly, monkeypatch: pytest.MonkeyPatch
) -> None:
    import moto.events.models
    from moto import mock_aws

    from shared.events.consumer import envelope_from_sqs_body
    from shared.events.envelope import EventEnvelope
    from shared.events.relay import publish

    # moto bug: an AWS::Events::Rule whose EventBusName is {"Ref": <custom bus>} gets moto's EventBus
    # object instead of its name ("'EventBus' object has no attribute 'split'"), because moto's EventBus
    # has no physical_resource_id. A Ref to an event bus is its name in CloudFormation; teach moto that.
    monkeypatch.setattr(
        moto.events.models.EventBus, "physical_resource_id", property(lambda bus: bus.name), raising=False
    )
    # The local stack of other tests may have pointed boto3 at its moto server; this test is in-process.
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    code, region = "nx", "cn-northwest-1"
    template = moto_compatible(assembly.template(names.data_stack(code)))
    with mock_aws():
        cfn = boto3.client("cloudformation", region_name=region)
        cfn.create_stack(StackName=names.data_stack(code), TemplateBody=json.dumps(template))
        stack = cfn.describe_stacks(StackName=names.data_stack(code))["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        exports = {o["ExportName"] for o in stack["Outputs"]}
        assert names.export(code, "scheduling-stream-arn") in exports

        ddb = boto3.client("dynamodb", region_name=region)
        table = ddb.describe_table(TableName=names.table(code, "scheduling"))["Table"]
        assert table["StreamSpecification"]["StreamEnabled"]

        event = EventEnvelope(
            source="messaging", type="staff.created", tenant="nx-general", data={"staff_id": "s1"}
        )
        events = boto3.client("events", region_name=region)
        assert publish([event], events, names.bus(code)) == 1

        sqs = boto3.client("sqs", region_name=region)
        url = sqs.get_queue_url(QueueName=names.queue(code, "scheduling-staff-projection"))["QueueUrl"]
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        assert [envelope_from_sqs_body(m["Body"]) for m in messages] == [event]
        # The event went only where a rule asked for it: the DLQs are empty.
        dlq = sqs.get_queue_url(QueueName=names.dlq(code, "scheduling-staff-projection"))["QueueUrl"]
        assert "Messages" not in sqs.receive_message(QueueUrl=dlq)
