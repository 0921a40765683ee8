"""Attachment rules, free of AWS: the name a file is stored and offered for download under (the shared
rule, ``shared.filenames``), and its key."""

from __future__ import annotations

from shared.filenames import MAX_NAME, safe_filename

__all__ = ["MAX_NAME", "object_key", "safe_filename"]


def object_key(hospital_id: str, conversation_id: str, attachment_id: str) -> str:
    """Where the file is kept: tenant first, like every key (``<tenant>/<conversation>/<attachment>``)."""
    return "/".join((hospital_id, conversation_id, attachment_id))
