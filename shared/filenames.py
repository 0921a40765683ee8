"""The name an uploaded file is stored and offered for download under: a file in no folder, nothing that
hides its extension. Pure (no AWS): every service that takes uploads uses this one rule."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 200


def safe_filename(name: str) -> str:
    """The name as a file in no folder: the last part of any path (``../../etc/passwd`` → ``passwd``),
    without control or format characters (NUL, right-to-left overrides that disguise an extension),
    without leading dots or spaces; ``attachment`` when nothing is left."""
    last = re.split(r"[\\/]", name)[-1]
    kept = "".join(ch for ch in last if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    kept = re.sub(r"\s+", " ", kept).strip().lstrip(". ")
    return kept[:MAX_NAME] or "attachment"
