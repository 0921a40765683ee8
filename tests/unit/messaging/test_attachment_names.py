"""#20 (11): the name an attachment is stored and offered under cannot climb out of a folder or hide
its extension behind control characters."""

from __future__ import annotations

import pytest
from chalicelib.messaging.domain.attachments import MAX_NAME, safe_filename


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("交班.txt", "交班.txt"),
        ("../../etc/passwd", "passwd"),
        ("..\\\\..\\\\boot.ini", "boot.ini"),
        ("re\u0000port\u202egpj.exe", "reportgpj.exe"),
        ("  .hidden  name .pdf", "hidden name .pdf"),
        ("../", "attachment"),
        ("\u0007\u0008", "attachment"),
    ],
)
def test_names_are_stored_safe(given: str, stored: str) -> None:
    assert safe_filename(given) == stored


def test_a_long_name_is_cut_to_the_limit() -> None:
    assert len(safe_filename("病" * 500 + ".txt")) == MAX_NAME
