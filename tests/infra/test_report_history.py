"""The report history beyond the table's keep, in every province's stacks: a private, KMS-encrypted
bucket with a lifecycle, the reports role allowed to export its own table (and no other) into the
bucket's exports/ prefix, the weekly schedule told the bucket and the table, a Glue table over the
exports' DynamoDB JSON (every census measure a column) and an Athena workgroup writing its results,
encrypted, into the same bucket — and no partition (``arn:aws-cn``) written out anywhere."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import names
from infra.stacks.data import REPORT_HISTORY_CENSUS
from tests.infra.conftest import Assembly, resources

PROVINCES = ("zj", "nx", "hk")
ROOT = Path(__file__).resolve().parents[2]


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (policy,) = [
        p
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["ManagedPolicyName"].endswith("-app")
    ]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("code", PROVINCES)
def test_the_history_bucket_is_private_encrypted_with_the_province_key_and_has_a_lifecycle(
    assembly: Assembly, code: str
) -> None:
    data = assembly.template(names.data_stack(code))
    buckets = resources(data, "AWS::S3::Bucket")
    (bucket_id,) = [k for k in buckets if k.startswith("ReportHistory")]
    bucket = buckets[bucket_id]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert json.dumps(props["BucketName"]).count(f"fh-{code}-report-history-") == 1
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]["Fn::GetAtt"][0].startswith("DataKey")
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    lifecycle = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert lifecycle["exports-to-infrequent-access"]["Prefix"] == "exports/"
    assert lifecycle["athena-results"]["ExpirationInDays"] == 7
    policies = [
        p
        for p in resources(data, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    assert policies and "aws:SecureTransport" in json.dumps(policies[0])


@pytest.mark.parametrize("code", PROVINCES)
def test_the_reports_role_exports_its_own_table_only_into_the_exports_prefix(
    assembly: Assembly, code: str
) -> None:
    for svc in names.SERVICES:
        statements = _statements(assembly.template(names.service_stack(code, svc)))
        export = [s for s in statements if "dynamodb:ExportTableToPointInTime" in _listed(s["Action"])]
        if svc != "reports":
            assert not export, svc
            continue
        (grant,) = export
        assert _listed(grant["Action"]) == ["dynamodb:ExportTableToPointInTime"]
        assert json.dumps(grant["Resource"]).endswith(f':table/{names.table(code, "reports")}"]]}}')
        (objects,) = [s for s in statements if "s3:AbortMultipartUpload" in _listed(s["Action"])]
        assert sorted(_listed(objects["Action"])) == [
            "s3:AbortMultipartUpload",
            "s3:PutObject",
            "s3:PutObjectAcl",
        ]
        assert re.search(
            rf":s3:::fh-{code}-report-history-.*/exports/\*\"\]\]\}}$", json.dumps(objects["Resource"])
        )


@pytest.mark.parametrize("code", PROVINCES)
def test_the_weekly_export_function_is_told_the_bucket_and_the_table(assembly: Assembly, code: str) -> None:
    template = assembly.template(names.service_stack(code, "reports"))
    functions = resources(template, "AWS::Serverless::Function").values()
    (weekly,) = [
        f
        for f in functions
        if f["Properties"]["FunctionName"] == names.function(code, "reports", "reports-history-export")
    ]
    env = weekly["Properties"]["Environment"]["Variables"]
    assert f"fh-{code}-report-history-" in json.dumps(env["FH_REPORT_HISTORY_BUCKET"])
    assert json.dumps(env["FH_REPORT_TABLE_ARN"]).endswith(f':table/{names.table(code, "reports")}"]]}}')


@pytest.mark.parametrize("code", PROVINCES)
def test_glue_reads_the_exports_and_athena_writes_its_results_encrypted_in_the_bucket(
    assembly: Assembly, code: str
) -> None:
    data = assembly.template(names.data_stack(code))
    (database,) = resources(data, "AWS::Glue::Database").values()
    assert database["Properties"]["DatabaseInput"]["Name"] == names.report_history_database(code)
    (table,) = resources(data, "AWS::Glue::Table").values()
    table_input = table["Properties"]["TableInput"]
    assert table["Properties"]["DatabaseName"] == names.report_history_database(code)
    assert table_input["Name"] == "exports"
    assert (
        table_input["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
        == "org.openx.data.jsonserde.JsonSerDe"
    )
    assert "/exports/" in json.dumps(table_input["StorageDescriptor"]["Location"])
    assert table_input["PartitionKeys"] == [{"Name": "export_date", "Type": "string"}]
    assert table_input["Parameters"]["projection.enabled"] == "true"
    (workgroup,) = resources(data, "AWS::Athena::WorkGroup").values()
    config = workgroup["Properties"]["WorkGroupConfiguration"]
    assert workgroup["Properties"]["Name"] == names.report_history_workgroup(code)
    assert config["EnforceWorkGroupConfiguration"] is True
    result = config["ResultConfiguration"]
    location = json.dumps(result["OutputLocation"])
    assert "/athena-results/" in location and '{"Ref": "ReportHistory' in location
    assert result["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"


def test_every_census_measure_is_a_column_of_the_glue_table() -> None:
    sys.path.insert(0, str(ROOT / "services" / "reports"))
    from chalicelib.reports.domain.measures import CENSUS

    assert [f"m_census_{f}" for f in REPORT_HISTORY_CENSUS] == [m.attribute for m in CENSUS]


@pytest.mark.parametrize("code", PROVINCES)
def test_no_partition_is_written_out(assembly: Assembly, code: str) -> None:
    for stack in (names.data_stack(code), names.service_stack(code, "reports")):
        text = json.dumps(assembly.template(stack))
        assert "arn:aws-cn" not in text and "arn:aws:" not in text, stack
