"""Personal data at rest: per-field envelope encryption under the province's KMS key, blind indexes.

A value is encrypted with AES-256-GCM under a KMS data key; the KMS-encrypted data key travels with
the value (``v1.<key>.<nonce+ciphertext>``), bound to the tenant by the KMS encryption context and the
GCM associated data, so a value copied to another tenant's record does not decrypt. Exact lookups use
a blind index: an HMAC computed inside KMS (the index key never leaves it).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from shared import aws
from shared.settings import get_settings

VERSION = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DecryptionError(Exception):
    pass


@dataclass
class _DataKey:
    plaintext: bytes
    encrypted: bytes
    created: float
    uses: int = 0


class FieldCipher:
    """Encrypts short field values. Data keys are reused for a while per tenant to spare KMS calls."""

    def __init__(self, kms: Any, key_id: str, reuse_seconds: float = 300, max_uses: int = 10_000):
        self.kms = kms
        self.key_id = key_id
        self.reuse_seconds = reuse_seconds
        self.max_uses = max_uses
        self._keys: dict[str, _DataKey] = {}
        self._plain_keys: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _data_key(self, tenant: str) -> _DataKey:
        with self._lock:
            key = self._keys.get(tenant)
            if (
                key is None
                or key.uses >= self.max_uses
                or time.monotonic() - key.created > self.reuse_seconds
            ):
                made = self.kms.generate_data_key(
                    KeyId=self.key_id, KeySpec="AES_256", EncryptionContext={"tenant": tenant}
                )
                key = _DataKey(made["Plaintext"], made["CiphertextBlob"], time.monotonic())
                self._keys[tenant] = key
            key.uses += 1
            return key

    def encrypt(self, tenant: str, plaintext: str) -> str:
        key = self._data_key(tenant)
        nonce = os.urandom(12)
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # on first use (cold start)

        sealed = AESGCM(key.plaintext).encrypt(nonce, plaintext.encode(), tenant.encode())
        return ".".join((VERSION, _b64(key.encrypted), _b64(nonce + sealed)))

    def decrypt(self, tenant: str, token: str) -> str:
        try:
            version, encrypted_key_text, payload_text = token.split(".")
            if version != VERSION:
                raise ValueError(version)
            encrypted_key, payload = _unb64(encrypted_key_text), _unb64(payload_text)
            plain_key = self._plain_key(tenant, encrypted_key)
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            return AESGCM(plain_key).decrypt(payload[:12], payload[12:], tenant.encode()).decode()
        except DecryptionError:
            raise
        except Exception as exc:  # a wrong tenant, a tampered value or a foreign key: one answer
            raise DecryptionError("value cannot be decrypted") from exc

    def _plain_key(self, tenant: str, encrypted_key: bytes) -> bytes:
        cache_key = tenant.encode() + b"|" + encrypted_key
        with self._lock:
            if cache_key in self._plain_keys:
                self._plain_keys.move_to_end(cache_key)
                return self._plain_keys[cache_key]
        try:
            plain = self.kms.decrypt(CiphertextBlob=encrypted_key, EncryptionContext={"tenant": tenant})[
                "Plaintext"
            ]
        except Exception as exc:  # KMS refuses: wrong context (tenant) or not our key
            raise DecryptionError("data key cannot be decrypted") from exc
        with self._lock:
            self._plain_keys[cache_key] = plain
            while len(self._plain_keys) > 256:
                self._plain_keys.popitem(last=False)
        return bytes(plain)


class BlindIndex:
    """``digest(tenant, kind, value)``: an HMAC-SHA256 made by KMS, for exact-match lookups."""

    def __init__(self, kms: Any, key_id: str):
        self.kms = kms
        self.key_id = key_id
        self._digest = lru_cache(maxsize=4096)(self._compute)

    def _compute(self, message: str) -> str:
        mac = self.kms.generate_mac(Message=message.encode(), KeyId=self.key_id, MacAlgorithm="HMAC_SHA_256")[
            "Mac"
        ]
        return _b64(mac)

    def digest(self, tenant: str, kind: str, value: str) -> str:
        return self._digest(f"{tenant}|{kind}|{value}")


@lru_cache(maxsize=1)
def get_cipher() -> FieldCipher:
    return FieldCipher(aws.client("kms"), get_settings().kms_data_key)


@lru_cache(maxsize=1)
def get_blind_index() -> BlindIndex:
    return BlindIndex(aws.client("kms"), get_settings().kms_index_key)


def reset() -> None:
    get_cipher.cache_clear()
    get_blind_index.cache_clear()
