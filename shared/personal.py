"""Personal identifiers: normalising and masking them for display (lists, logs, exports)."""

from __future__ import annotations

import re

MOBILE = re.compile(r"^1[3-9]\d{9}$")
RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")


def normalise_mobile(value: str) -> str:
    """A mainland mobile number as 11 digits (accepts spaces, dashes and a +86/86 prefix)."""
    digits = re.sub(r"[\s-]", "", value)
    digits = digits.removeprefix("+86") if digits.startswith("+86") else digits
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not MOBILE.match(digits):
        raise ValueError("not a mainland mobile number (11 digits starting with 1)")
    return digits


def mask_mobile(mobile: str) -> str:
    """``13812345678`` → ``138****5678``."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else "****"


def mask_resident_id(number: str) -> str:
    """``11010519491231002X`` → ``110105********002X``."""
    return f"{number[:6]}{'*' * 8}{number[-4:]}" if len(number) == 18 else "*" * len(number)


def mask_name(name: str) -> str:
    """``张三丰`` → ``张*丰``, ``张三`` → ``张*``."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_mobiles_in(text: str) -> str:
    """Masks every mobile number inside free text (log lines, error messages)."""
    return _MOBILE.sub(lambda m: f"{m['cc'] or ''}{m['head']}{m['s1']}****{m['s2']}{m['tail']}", text)


# A mainland mobile as people write it: 13812345678, 138-1234-5678, 138 1234 5678, +86 138 1234 5678
# (one separator style at a time: a space or a hyphen between the groups, or none).
_MOBILE = re.compile(
    r"(?<![\d+])(?P<cc>(?:\+?86)[ -]?)?(?P<head>1[3-9]\d)"
    r"(?P<s1>[ -]?)\d{4}(?P<s2>(?P=s1))(?P<tail>\d{4})(?!\d)"
)


def mask_identifiers_in(text: str) -> str:
    """Masks mobiles and resident ID numbers inside free text (log lines, error messages)."""
    text = re.sub(r"(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])", r"\1********\2", text)
    return mask_mobiles_in(text)
