"""Field encryption, blind indexes and masking against moto's KMS."""

from __future__ import annotations

from typing import Any

import pytest

from shared.crypto import DecryptionError, get_blind_index, get_cipher
from shared.personal import mask_mobile, mask_mobiles_in, mask_name, mask_resident_id, normalise_mobile


def test_field_round_trip_and_tenant_binding(stack: Any) -> None:
    cipher = get_cipher()
    token = cipher.encrypt("h1", "13812345678")
    assert "13812345678" not in token
    assert cipher.decrypt("h1", token) == "13812345678"
    assert cipher.encrypt("h1", "13812345678") != token  # fresh nonce every time
    with pytest.raises(DecryptionError):
        cipher.decrypt("h2", token)  # another tenant's record cannot decrypt it
    tampered = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(DecryptionError):
        cipher.decrypt("h1", tampered)


def test_blind_index_is_stable_per_tenant(stack: Any) -> None:
    index = get_blind_index()
    a = index.digest("h1", "mobile", "13812345678")
    assert a == index.digest("h1", "mobile", "13812345678")
    assert a != index.digest("h2", "mobile", "13812345678")
    assert a != index.digest("h1", "mobile", "13812345679")
    assert "1381234" not in a


def test_masks() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_mobiles_in("call 13812345678 or +86 13900001111") == "call 138****5678 or +86 139****1111"
    assert normalise_mobile("+86 138-1234-5678") == "13812345678"
    with pytest.raises(ValueError):
        normalise_mobile("12345")
