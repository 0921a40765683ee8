"""Attachments in S3: presigned upload and download URLs (the files never pass through a function)."""

from __future__ import annotations

from urllib.parse import quote

from shared import aws
from shared.settings import get_settings


def upload_url(object_key: str, content_type: str, size: int, expires_in: int) -> str:
    """A presigned PUT of exactly this type and size."""
    return str(
        aws.client("s3").generate_presigned_url(
            "put_object",
            Params={
                "Bucket": get_settings().attachments_bucket_name,
                "Key": object_key,
                "ContentType": content_type,
                "ContentLength": size,
            },
            ExpiresIn=expires_in,
        )
    )


def download_url(object_key: str, filename: str, expires_in: int) -> str:
    """A presigned GET that saves the file under its own name."""
    return str(
        aws.client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": get_settings().attachments_bucket_name,
                "Key": object_key,
                "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            },
            ExpiresIn=expires_in,
        )
    )


class S3Files:
    """``Files`` (``domain/ports.py``) in the attachments bucket."""

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str:
        return upload_url(object_key, content_type, size, expires_in)

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        return download_url(object_key, filename, expires_in)
