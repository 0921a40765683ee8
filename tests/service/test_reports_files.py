"""The reports' ``Files`` and ``HistoryExport`` ports: the same checks on S3 (moto, through
``shared.files``) and on the in-memory fakes the service tests use; and the point-in-time export of the
reports table landing in the history bucket on moto."""

from __future__ import annotations

import gzip
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from chalicelib.reports.adapters.history import DynamoHistoryExport
from chalicelib.reports.adapters.s3 import S3Files

from shared import aws
from shared.settings import get_settings
from tests.unit.reports.fakes import MemoryFiles


@pytest.fixture(params=["s3", "memory"])
def files(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "s3":
        request.getfixturevalue("stack")
        yield S3Files()
    else:
        yield MemoryFiles()


def test_a_put_file_reads_back_and_a_missing_one_is_none(files: Any) -> None:
    key = f"t-{uuid.uuid4().hex[:8]}/reports/census/cu{uuid.uuid4().hex[:24]}.csv"
    assert files.read(key, 100) is None
    files.put(key, "日期,门诊人次\n".encode(), "text/csv")
    assert files.read(key, 100) == "日期,门诊人次\n".encode()


def test_a_file_over_the_cap_is_refused(files: Any) -> None:
    key = f"t-{uuid.uuid4().hex[:8]}/reports/census/big.csv"
    files.put(key, b"x" * 101, "text/csv")
    with pytest.raises(ValueError):
        files.read(key, 100)
    assert files.read(key, 101) == b"x" * 101


def test_the_reports_table_exports_to_the_history_bucket_on_moto(stack: Any) -> None:
    prefix = f"exports/test-{uuid.uuid4().hex[:8]}"
    arn = DynamoHistoryExport().export(prefix)
    assert arn
    s3 = aws.client("s3")
    bucket = get_settings().report_history_bucket_name
    found: list[str] = []
    for _ in range(50):  # moto writes the export on a thread
        found = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
        if found:
            break
        time.sleep(0.05)  # moto's export thread, not a clock: it ends in milliseconds
    assert found and found[0].endswith(".gz")
    body = gzip.decompress(s3.get_object(Bucket=bucket, Key=found[0])["Body"].read()).decode()
    assert all(line.startswith('{"Item"') for line in body.splitlines())
