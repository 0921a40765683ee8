"""``PersonalData`` on KMS: per-hospital field encryption and HMAC blind indexes (``shared.crypto``)."""

from __future__ import annotations

from shared.crypto import get_blind_index, get_cipher


class KmsPersonalData:
    def encrypt(self, tenant: str, plaintext: str) -> str:
        return get_cipher().encrypt(tenant, plaintext)

    def decrypt(self, tenant: str, token: str) -> str:
        return get_cipher().decrypt(tenant, token)

    def digest(self, tenant: str, kind: str, value: str) -> str:
        return get_blind_index().digest(tenant, kind, value)
