"""Attachments in S3: presigned upload and download URLs (the files never pass through a function), on the
province's attachments bucket through ``shared.files`` (approvals' documents use the same code)."""

from __future__ import annotations

from shared.files import S3Files

__all__ = ["S3Files"]
