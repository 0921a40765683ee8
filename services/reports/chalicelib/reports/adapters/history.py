"""The reports table's history: a DynamoDB point-in-time export (``ExportTableToPointInTime``) of the whole
table into the province's report-history bucket, under ``exports/<date>/`` (DynamoDB JSON, gzipped),
where Athena reads it through the Glue table the data stack declares (docs/reports.md, "History beyond
the table"). The table has PITR (the data stack); the export reads the backup, never the table's capacity.
"""

from __future__ import annotations

import logging
import uuid

from botocore.exceptions import ClientError

from shared import aws
from shared.settings import get_settings

log = logging.getLogger(__name__)


class DynamoHistoryExport:
    def _table_arn(self) -> str:
        settings = get_settings()
        if settings.report_table_arn:
            return settings.report_table_arn
        # the local stack only: the stacks set the ARN (the role has no DescribeTable)
        found = aws.client("dynamodb").describe_table(TableName=settings.table_name("reports"))
        return str(found["Table"]["TableArn"])

    def export(self, prefix: str) -> str | None:
        settings = get_settings()
        try:
            started = aws.client("dynamodb").export_table_to_point_in_time(
                TableArn=self._table_arn(),
                S3Bucket=settings.report_history_bucket_name,
                S3Prefix=prefix,
                S3SseAlgorithm="KMS",
                S3SseKmsKeyId=settings.kms_data_key,
                ExportFormat="DYNAMODB_JSON",
                ClientToken=str(uuid.uuid5(uuid.NAMESPACE_URL, prefix)),  # one export per prefix
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("PointInTimeRecoveryUnavailableException", "ExportConflictException"):
                log.warning("reports history export not started: %s", code)
                return None
            raise
        return str(started["ExportDescription"]["ExportArn"])
