"""No log line carries a full mobile or resident ID number, whoever logs it and however."""

from __future__ import annotations

import io
import json

from shared.observability import logger
from shared.personal import mask_identifiers_in


def test_log_lines_are_masked() -> None:
    stream = io.StringIO()
    log = logger("masking-test")
    for handler in log._logger.handlers:
        handler.stream = stream  # type: ignore[attr-defined]
    log.warning(
        "call 13812345678 now", extra={"patient_id": "11010519491231002X", "note": "tel:+8613900001111"}
    )
    line = json.loads(stream.getvalue().splitlines()[-1])
    text = json.dumps(line, ensure_ascii=False)
    assert "13812345678" not in text and "138****5678" in line["message"]
    assert line["patient_id"] == "110105********002X"
    assert "13900001111" not in text


def test_mobiles_written_with_separators_or_a_country_code_are_masked_too() -> None:
    for written in (
        "138-1234-5678",
        "138 1234 5678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "86 13812345678",
    ):
        masked = mask_identifiers_in(f"call {written} now")
        assert "1234" not in masked and "138" in masked and "5678" in masked, (written, masked)


def test_other_numbers_are_left_alone() -> None:
    assert mask_identifiers_in("order 20261123 took 1234 ms, id 01a2090b9c20b61c07695d") == (
        "order 20261123 took 1234 ms, id 01a2090b9c20b61c07695d"
    )
    assert mask_identifiers_in("2026-12-04 13:05, room 138 1234") == "2026-12-04 13:05, room 138 1234"
