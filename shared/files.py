"""Files in the province's attachments bucket, for every service that takes uploads: presigned PUT and GET
URLs (the files never pass through a function) and whether an upload has landed (one HeadObject).

Each service's ``adapters/s3.py`` offers ``S3Files`` as its ``Files`` port; keys start with the tenant, and
each service keeps to its own part of a tenant's keys (see the services' ``object_key``)."""

from __future__ import annotations

from urllib.parse import quote

from botocore.exceptions import ClientError

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


def put(object_key: str, content: bytes, content_type: str) -> None:
    """Store a file the service made itself (an export), to be fetched through ``download_url``."""
    aws.client("s3").put_object(
        Bucket=get_settings().attachments_bucket_name, Key=object_key, Body=content, ContentType=content_type
    )


def uploaded(object_key: str) -> bool:
    """Whether the object is there (a HeadObject: S3, not the table; s3:GetObject allows it)."""
    try:
        aws.client("s3").head_object(Bucket=get_settings().attachments_bucket_name, Key=object_key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


class S3Files:
    """The services' ``Files`` ports in the attachments bucket."""

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str:
        return upload_url(object_key, content_type, size, expires_in)

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        return download_url(object_key, filename, expires_in)

    def uploaded(self, object_key: str) -> bool:
        return uploaded(object_key)

    def put(self, object_key: str, content: bytes, content_type: str) -> None:
        put(object_key, content, content_type)

    def read(self, object_key: str, max_bytes: int) -> bytes | None:
        return read(object_key, max_bytes)


def read(object_key: str, max_bytes: int) -> bytes | None:
    """An uploaded file's bytes (a service reading what a user put through ``upload_url``), None when it is
    not there; ``ValueError`` when it is larger than ``max_bytes`` (read no further)."""
    try:
        found = aws.client("s3").get_object(Bucket=get_settings().attachments_bucket_name, Key=object_key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    if int(found.get("ContentLength", 0)) > max_bytes:
        raise ValueError(f"the file is larger than {max_bytes} bytes")
    return bytes(found["Body"].read(max_bytes + 1))
