"""``Vault`` on the province's KMS keys (``shared.crypto``): field encryption and blind indexes."""

from __future__ import annotations

from shared.crypto import get_blind_index, get_cipher


class KmsVault:
    def seal(self, tenant: str, plaintext: str) -> str:
        return get_cipher().encrypt(tenant, plaintext)

    def open(self, tenant: str, token: str) -> str:
        return get_cipher().decrypt(tenant, token)

    def digest(self, tenant: str, kind: str, value: str) -> str:
        return get_blind_index().digest(tenant, kind, value)
