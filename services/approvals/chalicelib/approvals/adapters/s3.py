"""Approval forms' files in S3: presigned uploads and downloads and the upload check (HeadObject), on the
province's attachments bucket through ``shared.files`` (messaging's attachments use the same code)."""

from __future__ import annotations

from shared.files import S3Files

__all__ = ["S3Files"]
