"""Deploys a data stack template into moto's CloudFormation and sends one event through the bus.

Run as a separate process by ``test_templates_deploy``: moto's in-process mock resets every backend of
the process when it starts, which would wipe the local stack other tests share. Prints a JSON report.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def main(template_path: str, stack_name: str, region: str, bus: str, queue: str, dlq: str) -> dict[str, Any]:
    import boto3
    import moto.events.models
    from moto import mock_aws

    from shared.events.consumer import envelope_from_sqs_body
    from shared.events.envelope import EventEnvelope
    from shared.events.relay import publish

    # moto bug: an AWS::Events::Rule whose EventBusName is {"Ref": <custom bus>} gets moto's EventBus
    # object instead of its name ("'EventBus' object has no attribute 'split'"), because moto's EventBus
    # has no physical_resource_id. A Ref to an event bus is its name in CloudFormation; teach moto that.
    moto.events.models.EventBus.physical_resource_id = property(lambda bus: bus.name)  # type: ignore[attr-defined]

    with open(template_path, encoding="utf-8") as f:
        body = f.read()
    with mock_aws():
        cfn = boto3.client("cloudformation", region_name=region)
        cfn.create_stack(StackName=stack_name, TemplateBody=body)
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        tables = boto3.client("dynamodb", region_name=region).list_tables()["TableNames"]
        event = EventEnvelope(
            source="messaging", type="staff.created", tenant="nx-general", data={"staff_id": "s1"}
        )
        published = publish([event], boto3.client("events", region_name=region), bus)
        sqs = boto3.client("sqs", region_name=region)
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        dlq_url = sqs.get_queue_url(QueueName=dlq)["QueueUrl"]
        parked = sqs.receive_message(QueueUrl=dlq_url).get("Messages", [])
        return {
            "status": stack["StackStatus"],
            "exports": sorted(o["ExportName"] for o in stack.get("Outputs", []) if "ExportName" in o),
            "tables": tables,
            "published": published,
            "sent": event.model_dump(mode="json"),
            "received": [envelope_from_sqs_body(m["Body"]).model_dump(mode="json") for m in messages],
            "parked": len(parked),
        }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:7])))
