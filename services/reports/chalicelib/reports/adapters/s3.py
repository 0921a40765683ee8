"""Census uploads and xlsx exports in the province's attachments bucket, through ``shared.files``
(``<tenant>/reports/...``: the reports role reaches no other keys)."""

from __future__ import annotations

from shared.files import S3Files

__all__ = ["S3Files"]
