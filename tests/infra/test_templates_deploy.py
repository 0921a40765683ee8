"""The templates are valid CloudFormation (cfn-lint, with each province's region) and the data stack
deploys: in moto's CloudFormation, an event the relay publishes reaches its consumer's queue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file

from infra import names
from tests.infra.conftest import Assembly

ROOT = Path(__file__).resolve().parents[2]


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


def test_data_stack_deploys_and_the_bus_feeds_the_consumer_queue(assembly: Assembly, tmp_path: Path) -> None:
    code, region = "nx", "cn-northwest-1"
    template = tmp_path / "data.template.json"
    template.write_text(
        json.dumps(moto_compatible(assembly.template(names.data_stack(code)))), encoding="utf-8"
    )
    logical = "scheduling-staff-projection"
    argv = [str(template), names.data_stack(code), region, names.bus(code)]
    argv += [names.queue(code, logical), names.dlq(code, logical)]
    # In-process only for this: the child gets the test credentials but never the local stack's endpoint.
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env["PYTHONWARNINGS"] = "ignore"  # moto skips queue/topic policies and subscriptions with a warning
    done = subprocess.run(
        [sys.executable, "-m", "tests.infra.moto_deploy", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == "CREATE_COMPLETE"
    assert names.export(code, "scheduling-stream-arn") in report["exports"]
    assert names.table(code, "scheduling") in report["tables"]
    assert report["published"] == 1
    # The event the relay put on the province bus is in the consumer's queue, exactly as sent.
    assert report["received"] == [report["sent"]]
    assert report["parked"] == 0
