"""Follow-up's files in S3 (call recordings): presigned uploads and downloads and the upload check
(HeadObject), on the province's attachments bucket through ``shared.files``, under ``<tenant>/followup/``."""

from __future__ import annotations

from shared.files import S3Files

__all__ = ["S3Files"]
