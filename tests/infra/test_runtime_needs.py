"""What the services do at runtime is deployed: every consumer and schedule the apps declare, the attachments
bucket, and exactly the permissions the code calls for (read from the services' own declarations and code,
so the next consumer, schedule or AWS call cannot be forgotten)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from chalice.app import ScheduledEventConfig, SQSEventConfig

from fh.services import load_apps
from infra import names
from infra.needs import CONSORTIA, NEEDS, ON_DUTY, PARTNER_CALLS
from tests.infra.conftest import Assembly, resources

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ("zj", "nx", "hk")


def _data(assembly: Assembly, code: str) -> dict[str, Any]:
    return assembly.template(names.data_stack(code))


def _service(assembly: Assembly, code: str, svc: str) -> dict[str, Any]:
    return assembly.template(names.service_stack(code, svc))


def _app_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (policy,) = [
        p
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["ManagedPolicyName"].endswith("-app")
    ]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _granted(statements: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [s for s in statements if action in _listed(s["Action"])]


# -- consumers and schedules, derived from the apps -----------------------------------------------------------
@pytest.mark.parametrize("code", PROVINCES)
def test_every_subscription_of_the_apps_has_its_rule_queue_dlq_and_trigger(
    assembly: Assembly, code: str
) -> None:
    data = _data(assembly, code)
    queues = {q["Properties"]["QueueName"]: qid for qid, q in resources(data, "AWS::SQS::Queue").items()}
    rules = {r["Properties"]["Name"]: r["Properties"] for r in resources(data, "AWS::Events::Rule").values()}
    subscriptions = [(svc, sub) for svc, app in load_apps().items() for sub in app.fh_subscriptions]
    assert subscriptions
    for svc, sub in subscriptions:
        queue, dlq = names.queue(code, sub.queue_name), names.dlq(code, sub.queue_name)
        assert queue in queues and dlq in queues, sub
        redrive = resources(data, "AWS::SQS::Queue")[queues[queue]]["Properties"]["RedrivePolicy"]
        assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [queues[dlq], "Arn"]}
        rule = rules[names.rule(code, sub.queue_name)]
        assert rule["EventPattern"] == sub.event_pattern()
        assert [t["Arn"] for t in rule["Targets"]] == [{"Fn::GetAtt": [queues[queue], "Arn"]}]
        triggers = [
            event["Properties"]
            for function in resources(_service(assembly, code, svc), "AWS::Serverless::Function").values()
            for event in function["Properties"].get("Events", {}).values()
            if event["Type"] == "SQS" and json.dumps(event["Properties"]["Queue"]).endswith(f':{queue}"]]}}')
        ]
        assert len(triggers) == 1, sub
        assert triggers[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("code", PROVINCES)
def test_every_schedule_of_the_apps_is_deployed_named_logged_and_alarmed(
    assembly: Assembly, code: str
) -> None:
    found = 0
    for svc, app in load_apps().items():
        template = _service(assembly, code, svc)
        functions = resources(template, "AWS::Serverless::Function")
        groups = {
            g["Properties"]["LogGroupName"] for g in resources(template, "AWS::Logs::LogGroup").values()
        }
        alarmed = {
            a["Properties"]["Dimensions"][0]["Value"]
            for a in resources(template, "AWS::CloudWatch::Alarm").values()
            if a["Properties"]["MetricName"] == "Errors"
        }
        for source in app.event_sources:
            if not isinstance(source, ScheduledEventConfig):
                continue
            found += 1
            scheduled = [
                (function["Properties"], event["Properties"])
                for function in functions.values()
                for event in function["Properties"].get("Events", {}).values()
                if event["Type"] == "Schedule"
                and event["Properties"]["Schedule"] == source.schedule_expression
                # two timers of a service may share an expression (every minute): the rule's name tells them apart
                and event["Properties"].get("Name") == names.schedule_rule(code, svc, source.name)
            ]
            assert len(scheduled) == 1, (svc, source.name)
            function, event = scheduled[0]
            assert event["Name"] == names.schedule_rule(code, svc, source.name)
            assert function["FunctionName"] == names.function(code, svc, source.name)
            assert f"/aws/lambda/{function['FunctionName']}" in groups
            assert function["FunctionName"] in alarmed
    # The messaging DING and certificate sweeps and the approvals SLA sweep at least.
    assert found >= 3


def test_every_queue_trigger_is_a_declared_subscription() -> None:
    """The synth refuses an ``on_sqs_message`` without its ``Subscription`` (no stack would create the queue)."""
    for svc, app in load_apps().items():
        declared = {sub.queue_name for sub in app.fh_subscriptions}
        for source in app.event_sources:
            if isinstance(source, SQSEventConfig):
                assert source.queue in declared, (svc, source.name)


def test_a_queue_trigger_without_its_subscription_stops_the_synth(monkeypatch: pytest.MonkeyPatch) -> None:
    import fh.services
    from infra.assembly import consumers

    trigger = SQSEventConfig("on_x", "app.on_x", "messaging-new", None, 1, 0, None)
    app = type("App", (), {"fh_subscriptions": (), "event_sources": [trigger]})()
    monkeypatch.setattr(fh.services, "load_apps", lambda: {"messaging": app})
    with pytest.raises(ValueError, match="messaging-new"):
        consumers()


# -- the attachments bucket -----------------------------------------------------------------------------------
@pytest.mark.parametrize("code", PROVINCES)
def test_attachments_bucket_is_private_encrypted_versioned_logged_and_tls_only(
    assembly: Assembly, code: str, config: Any
) -> None:
    account = config.province(code).account
    template = Template.from_json(_data(assembly, code))
    buckets = resources(_data(assembly, code), "AWS::S3::Bucket")
    (logs_id,) = [k for k in buckets if k.startswith("AccessLogs")]
    private = {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": Match.object_like(
                {
                    "BucketName": (f"fh-{code}-attachments-{account}" if account else Match.object_like({})),
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {
                                "BucketKeyEnabled": True,
                                "ServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": {
                                        "Fn::GetAtt": [Match.string_like_regexp("^DataKey"), "Arn"]
                                    },
                                },
                            }
                        ]
                    },
                    "PublicAccessBlockConfiguration": private,
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "LoggingConfiguration": {
                        "DestinationBucketName": {"Ref": logs_id},
                        "LogFilePrefix": "attachments/",
                    },
                    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )
    assert buckets[logs_id]["Properties"]["PublicAccessBlockConfiguration"] == private
    policies = resources(_data(assembly, code), "AWS::S3::BucketPolicy").values()
    for bucket_id in buckets:
        (policy,) = [p for p in policies if p["Properties"]["Bucket"] == {"Ref": bucket_id}]
        assert {
            "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
        }.items() <= policy["Properties"]["PolicyDocument"]["Statement"][0].items()


# -- messaging's permissions and settings ---------------------------------------------------------------------
@pytest.mark.parametrize("code", PROVINCES)
def test_messaging_role_reaches_attachments_sms_push_voice_and_the_index_key_scoped(
    assembly: Assembly, code: str, config: Any
) -> None:
    messaging = config.province(code).messaging
    statements = _app_statements(_service(assembly, code, "messaging"))

    (s3,) = [s for s in statements if any(a.startswith("s3:") for a in _listed(s["Action"]))]
    assert sorted(_listed(s3["Action"])) == ["s3:GetObject", "s3:PutObject"]
    assert re.search(rf":s3:::fh-{code}-attachments-.*/\*\"\]\]\}}$", json.dumps(s3["Resource"]))

    (mac,) = [s for s in statements if any(a.startswith("kms:") and "Mac" in a for a in _listed(s["Action"]))]
    assert mac["Action"] == "kms:GenerateMac"
    assert mac["Resource"] == {"Fn::ImportValue": names.export(code, "index-key-arn")}
    (key,) = _granted(statements, "kms:GenerateDataKey")
    assert key["Resource"] == {"Fn::ImportValue": names.export(code, "data-key-arn")}
    assert "kms:Decrypt" in key["Action"]

    publish = _granted(statements, "sns:Publish")
    (sms,) = [s for s in publish if s["Resource"] == "*"]
    assert sms == {"Sid": "SmsToPhoneNumbers", "Action": "sns:Publish", "Effect": "Allow", "Resource": "*"}
    endpoints = [s for s in publish if s is not sms]
    created = _granted(statements, "sns:CreatePlatformEndpoint")
    if messaging.push_apps:
        (push,) = endpoints
        (create,) = created
        text = json.dumps([push["Resource"], create["Resource"]])
        for arn in messaging.push_apps.values():
            resource = arn.split(":app/", 1)[1]
            assert f':app/{resource}"' in text and f':endpoint/{resource}/*"' in text
        assert len(_listed(create["Resource"])) == len(messaging.push_apps)
    else:
        assert endpoints == [] and created == []

    voice = _granted(statements, "sms-voice:SendVoiceMessage")
    if messaging.voice_origination:
        (call,) = voice
        kind, origination_id, _ = messaging.voice_resource()
        assert json.dumps(call["Resource"]).endswith(f':{kind}/{origination_id}"]]}}')
    else:
        assert voice == []


@pytest.mark.parametrize("code", PROVINCES)
def test_messaging_functions_are_told_the_bucket_push_apps_and_voice_channel(
    assembly: Assembly, code: str, config: Any
) -> None:
    messaging = config.province(code).messaging
    functions = resources(_service(assembly, code, "messaging"), "AWS::Serverless::Function").values()
    for function in functions:
        env = function["Properties"]["Environment"]["Variables"]
        assert f"fh-{code}-attachments-" in json.dumps(env["FH_ATTACHMENTS_BUCKET"])
        assert env["FH_VOICE_CHANNEL"] == messaging.voice_channel
        assert env.get("FH_VOICE_ORIGINATION") == messaging.voice_origination
        push = json.dumps(env["FH_PUSH_APPS"])
        if messaging.push_apps:
            for platform, arn in messaging.push_apps.items():
                assert f'\\"{platform}\\":\\"arn:' in push and arn.split(":app/", 1)[1] in push
        else:
            assert env["FH_PUSH_APPS"] == "{}"


@pytest.mark.parametrize("code", PROVINCES)
def test_approvals_reaches_its_own_files_in_the_attachments_bucket_only(
    assembly: Assembly, code: str
) -> None:
    """公文 files are ``<tenant>/approvals/<id>``: approvals' role puts and gets (and so heads) those keys,
    not messaging's conversations' files, and its functions are told the bucket."""
    template = _service(assembly, code, "approvals")
    (s3,) = [s for s in _app_statements(template) if any(a.startswith("s3:") for a in _listed(s["Action"]))]
    assert sorted(_listed(s3["Action"])) == ["s3:GetObject", "s3:PutObject"]
    assert re.search(rf":s3:::fh-{code}-attachments-.*/\*/approvals/\*\"\]\]\}}$", json.dumps(s3["Resource"]))
    for function in resources(template, "AWS::Serverless::Function").values():
        env = function["Properties"]["Environment"]["Variables"]
        assert f"fh-{code}-attachments-" in json.dumps(env["FH_ATTACHMENTS_BUCKET"])


@pytest.mark.parametrize("code", PROVINCES)
def test_scheduling_reaches_its_own_exports_in_the_attachments_bucket_only(
    assembly: Assembly, code: str
) -> None:
    """Spreadsheet exports are ``<tenant>/scheduling/exports/...``: scheduling's role puts and gets those
    keys only (not approvals' or messaging's files), and its API functions are told the bucket."""
    template = _service(assembly, code, "scheduling")
    (s3,) = [s for s in _app_statements(template) if any(a.startswith("s3:") for a in _listed(s["Action"]))]
    assert sorted(_listed(s3["Action"])) == ["s3:GetObject", "s3:PutObject"]
    assert re.search(
        rf":s3:::fh-{code}-attachments-.*/\*/scheduling/\*\"\]\]\}}$", json.dumps(s3["Resource"])
    )
    for function in resources(template, "AWS::Serverless::Function").values():
        env = function["Properties"]["Environment"]["Variables"]
        assert f"fh-{code}-attachments-" in json.dumps(env["FH_ATTACHMENTS_BUCKET"])


@pytest.mark.parametrize("code", PROVINCES)
def test_followup_reaches_its_own_recordings_in_the_attachments_bucket_only(
    assembly: Assembly, code: str
) -> None:
    """Call recordings are ``<tenant>/followup/recordings/<id>``: follow-up's role puts and gets those keys
    only (no other service's files), and its functions are told the bucket."""
    template = _service(assembly, code, "followup")
    (s3,) = [s for s in _app_statements(template) if any(a.startswith("s3:") for a in _listed(s["Action"]))]
    assert sorted(_listed(s3["Action"])) == ["s3:GetObject", "s3:PutObject"]
    assert re.search(rf":s3:::fh-{code}-attachments-.*/\*/followup/\*\"\]\]\}}$", json.dumps(s3["Resource"]))
    for function in resources(template, "AWS::Serverless::Function").values():
        env = function["Properties"]["Environment"]["Variables"]
        assert f"fh-{code}-attachments-" in json.dumps(env["FH_ATTACHMENTS_BUCKET"])


@pytest.mark.parametrize("code", PROVINCES)
def test_only_the_services_that_need_them_get_buckets_phones_push_and_the_index_key(
    assembly: Assembly, code: str
) -> None:
    for svc, needs in NEEDS.items():
        statements = _app_statements(_service(assembly, code, svc))
        actions = {a for s in statements for a in _listed(s["Action"])}
        assert ("kms:GenerateMac" in actions) == needs.blind_index, svc
        assert ("s3:GetObject" in actions) == needs.attachments, svc
        assert ("sns:Publish" in actions) == needs.alerts, svc
        assert "kms:VerifyMac" not in actions
        for model in needs.read_models:
            # another service's table: only its read model's actions, on its read model's keys only
            (grant,) = [
                s
                for s in statements
                if json.dumps(s["Resource"]).endswith(f':table/{names.table(code, model.table)}"]]}}')
                and s.get("Condition", {}).get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
                == model.leading_keys
            ]
            assert sorted(_listed(grant["Action"])) == sorted(model.actions)


@pytest.mark.parametrize("code", PROVINCES)
def test_fan_outs_may_batch_write_their_own_table_only(assembly: Assembly, code: str) -> None:
    for svc in names.SERVICES:
        for statement in _granted(_app_statements(_service(assembly, code, svc)), "dynamodb:BatchWriteItem"):
            tables = re.findall(r":table/(fh-[a-z0-9]+-[a-z]+)", json.dumps(statement["Resource"]))
            owned = {names.table(code, svc)} | (
                {names.table(code, "directory")} if svc == "messaging" else set()
            )
            assert set(tables) <= owned, (svc, tables)


# -- the declarations match the code --------------------------------------------------------------------------
def _source(svc: str) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "services" / svc / "chalicelib").rglob("*.py"))
        if "tests" not in p.parts
    )


KNOWN_CLIENTS = {"s3", "sns", "pinpoint-sms-voice-v2", "lambda", "dynamodb"}
# shared modules that make AWS calls for the service that imports them → the client they use
SHARED_CLIENTS = {r"shared\.files": "s3"}


@pytest.mark.parametrize("svc", names.SERVICES)
def test_infra_needs_match_what_the_service_code_calls(svc: str) -> None:
    """A service that starts calling a new AWS API (or stops) must change ``infra/needs.py`` with it."""
    code = _source(svc)
    clients = set(re.findall(r"""aws\.client\(\s*["']([a-z0-9-]+)["']""", code))
    # The shared modules that call AWS on a service's behalf count as its calls.
    clients |= {client for module, client in SHARED_CLIENTS.items() if re.search(rf"\b{module}\b", code)}
    assert clients <= KNOWN_CLIENTS, f"{svc} calls {clients - KNOWN_CLIENTS}: grant it in infra/needs.py"
    assert "boto3.client(" not in code and "boto3.resource(" not in code
    needs = NEEDS[svc]
    assert needs.attachments == ("s3" in clients)
    assert needs.alerts == ("PhoneNumber=" in code or "pinpoint-sms-voice-v2" in clients)
    assert needs.push == ("create_platform_endpoint" in code)
    assert needs.blind_index == ("get_blind_index" in code)
    assert needs.solver == ("lambda" in clients)  # only the solver function is ever invoked
    # the table itself is PynamoDB's; a dynamodb client is only the reports' point-in-time export
    assert needs.history_export == ("export_table_to_point_in_time" in code) == ("dynamodb" in clients)
    # A read model is another service's table: its owner (scheduling writes the on-duty items) reads
    # and writes its own table anyway and declares none.
    reads_on_duty = bool(re.search(r"from shared import [^\n]*\bonduty\b|shared\.onduty", code))
    assert (ON_DUTY in needs.read_models) == (reads_on_duty and svc != ON_DUTY.table)
    reads_consortia = bool(re.search(r"from shared import [^\n]*\bconsortia\b|shared\.consortia", code))
    assert (CONSORTIA in needs.read_models) == (reads_consortia and svc != CONSORTIA.table)
    # Every service answers partner app tokens (shared.http reads the installation's standing and counts the
    # call on the marketplace's table); the marketplace owns that table.
    for model in PARTNER_CALLS:
        assert (model in needs.read_models) == (svc != model.table)
    assert needs.signs_tokens == ("partner_tokens.sign(" in code)


@pytest.mark.parametrize("code", PROVINCES)
def test_every_role_may_verify_partner_tokens_and_only_the_marketplace_sign_them(
    assembly: Assembly, code: str
) -> None:
    """Partner app tokens are checked by every service with the signing key's public half; the private half
    signs (kms:Sign) for the marketplace alone, and never leaves KMS."""
    signing = names.export(code, "signing-key-arn")
    for svc in names.SERVICES:
        statements = _app_statements(_service(assembly, code, svc))
        actions = {
            a for s in statements if signing in json.dumps(s["Resource"]) for a in _listed(s["Action"])
        }
        assert "kms:GetPublicKey" in actions, svc
        assert ("kms:Sign" in actions) == (svc == "marketplace"), svc


# -- the solver function (scheduling's auto-roster jobs) -------------------------------------------------------
def _solver(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, f["Properties"])
        for logical_id, f in resources(template, "AWS::Lambda::Function").items()
        if f["Properties"].get("PackageType") == "Image"
    ]
    return found


@pytest.mark.parametrize("code", PROVINCES)
def test_the_solver_is_a_container_image_function_with_two_vcpus_and_fifteen_minutes(
    assembly: Assembly, code: str, config: Any
) -> None:
    from chalicelib.scheduling.domain.solve_jobs import MAX_TIME_LIMIT

    template = _service(assembly, code, "scheduling")
    logical_id, solver = _solver(template)
    assert solver["FunctionName"] == names.function(code, "scheduling", "solver")
    assert solver["MemorySize"] == 3538  # two vCPUs: CP-SAT's two workers and the annealing process
    assert MAX_TIME_LIMIT + 60 <= solver["Timeout"] <= 900
    assert "cdk-hnb659fds-container-assets" in json.dumps(solver["Code"]["ImageUri"])  # built at deploy
    assert solver["TracingConfig"] == {"Mode": "Active"}
    env = solver["Environment"]["Variables"]
    assert env["FH_TABLE_PREFIX"] == names.prefix(code) and env["FH_EVENT_BUS_NAME"] == names.bus(code)
    assert env["FH_JWKS_URL"] == config.province(code).identity.jwks_url
    (invoke_config,) = resources(template, "AWS::Lambda::EventInvokeConfig").values()
    assert invoke_config["Properties"]["FunctionName"] == {"Ref": logical_id}
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == 0  # the job's state tells what happened
    groups = {g["Properties"]["LogGroupName"] for g in resources(template, "AWS::Logs::LogGroup").values()}
    assert f"/aws/lambda/{solver['FunctionName']}" in groups
    alarmed = {
        a["Properties"]["Dimensions"][0]["Value"]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
    }
    assert solver["FunctionName"] in alarmed
    # the API and the other scheduling functions are told its name; no other service has one
    for function in resources(template, "AWS::Serverless::Function").values():
        assert (
            function["Properties"]["Environment"]["Variables"]["FH_SOLVER_FUNCTION"] == solver["FunctionName"]
        )
    for svc in names.SERVICES:
        if svc != "scheduling":
            assert not resources(_service(assembly, code, svc), "AWS::Lambda::Function")


@pytest.mark.parametrize("code", PROVINCES)
def test_only_scheduling_may_invoke_the_solver_which_reaches_its_table_and_the_directory_only(
    assembly: Assembly, code: str
) -> None:
    template = _service(assembly, code, "scheduling")
    _, solver = _solver(template)
    (invoke,) = _granted(_app_statements(template), "lambda:InvokeFunction")
    assert _listed(invoke["Action"]) == ["lambda:InvokeFunction"]
    assert json.dumps(invoke["Resource"]).endswith(f':function:{solver["FunctionName"]}"]]}}')
    for svc in names.SERVICES:
        if svc != "scheduling":
            assert "lambda:" not in json.dumps(_app_statements(_service(assembly, code, svc)))
    policies = {
        p["Properties"]["ManagedPolicyName"]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
    }
    statements = policies[names.component(code, "scheduling-solver")]
    tables = set(re.findall(r":table/(fh-[a-z0-9]+-[a-z]+)", json.dumps(statements)))
    assert tables == {names.table(code, "scheduling"), names.table(code, "directory")}
    directory = [
        s for s in statements if f":table/{names.table(code, 'directory')}" in json.dumps(s["Resource"])
    ]
    assert all(
        not any(a in _listed(s["Action"]) for a in ("dynamodb:PutItem", "dynamodb:UpdateItem"))
        for s in directory
    )
    actions = {a for s in statements for a in _listed(s["Action"])}
    assert not any(a.startswith(("lambda:", "sqs:", "s3:", "sns:")) for a in actions)
    roles = [r["Properties"] for r in resources(template, "AWS::IAM::Role").values()]
    (role,) = [r for r in roles if r["RoleName"] == names.component(code, "scheduling-solver")]
    assert not role.get("Policies")  # no inline policy: the managed one only


def test_the_solver_image_builds_from_its_dockerfile_with_the_locked_runtime_and_solver_only(
    assembly: Assembly,
) -> None:
    manifest = json.loads(
        (assembly.outdir / f"{names.service_stack('nx', 'scheduling')}.assets.json").read_text()
    )
    (image,) = manifest["dockerImages"].values()
    context = assembly.outdir / image["source"]["directory"]
    dockerfile = (context / "Dockerfile").read_text(encoding="utf-8")
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["public.ecr.aws/lambda/python:3.11"]
    assert "--require-hashes" in dockerfile and 'CMD ["solver_handler.handle"]' in dockerfile
    requirements = (context / "requirements-solver.txt").read_text(encoding="utf-8")
    pinned = set(re.findall(r"^([a-z0-9_.-]+)==", requirements, re.M))
    assert {"ortools", "numba", "numpy", "pynamodb", "pydantic", "aws-lambda-powertools"} <= pinned
    assert not pinned & {"moto", "pytest", "aws-cdk-lib", "chalice", "cfn-lint", "hypothesis", "schemathesis"}
    assert requirements.count("--hash=sha256:") >= len(pinned)
    assert (context / "solver_handler.py").exists() is False and (context / "handler.py").exists()
    assert (context / "chalicelib" / "scheduling" / "service" / "solve_jobs.py").exists()
    assert (context / "shared" / "persistence" / "uow.py").exists()
    # the numba kernels compiled at build time, for any x86-64, into the folder the handler seeds
    # the cold container's cache from (tests/unit/scheduling/roster/test_roster_compile_ahead.py)
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(re.findall(r"^ENV ((?:.*\\\n)*.*)", dockerfile, re.M))))
    assert env["NUMBA_CPU_NAME"] == "generic" and env["NUMBA_CACHE_DIR"].startswith("/tmp/")  # noqa: S108 - Lambda's one writable folder
    assert env["FH_NUMBA_CACHE_SEED"].startswith("/var/task/")
    (step,) = [cmd for cmd in re.findall(r"^RUN ((?:.*\\\n)*.*)", dockerfile, re.M) if "ahead" in cmd]
    assert 'NUMBA_CACHE_DIR="${FH_NUMBA_CACHE_SEED}"' in step
    assert "python -m chalicelib.scheduling.domain.roster.ahead" in step
    assert dockerfile.index(step) > dockerfile.index("COPY chalicelib")  # compiles the copied sources
    assert (context / "chalicelib" / "scheduling" / "domain" / "roster" / "ahead.py").exists()
