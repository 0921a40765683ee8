"""Scheduling's spreadsheet exports in S3: stored and offered as a presigned download, on the province's
attachments bucket through ``shared.files`` (approvals' and messaging's files use the same code)."""

from __future__ import annotations

from shared.files import S3Files

__all__ = ["S3Files"]
