"""The local dev issuer: an ES256 key made on first run, its JWKS, and tokens for any tenant/user/roles."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

DEV_ISSUER = "https://dev-issuer.future-hospital.local"
DEV_AUDIENCE = "future-hospital"


def default_home() -> Path:
    return Path(os.environ.get("FH_DEV_HOME", ".fh")).resolve()


@dataclass
class DevIssuer:
    home: Path
    issuer: str = DEV_ISSUER
    audience: str = DEV_AUDIENCE

    @property
    def key_path(self) -> Path:
        return self.home / "dev-issuer-key.pem"

    @property
    def jwks_path(self) -> Path:
        return self.home / "dev-issuer-jwks.json"

    @property
    def jwks_url(self) -> str:
        return "file://" + str(self.jwks_path)

    def ensure_key(self) -> ec.EllipticCurvePrivateKey:
        """Load the key, or make one (and its JWKS) on first run."""
        if self.key_path.exists():
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            if not self.jwks_path.exists():
                self._write_jwks(key)
            return key
        self.home.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        self._write_jwks(key)
        return key

    def kid(self, key: ec.EllipticCurvePrivateKey) -> str:
        numbers = key.public_key().public_numbers()
        return f"dev-{numbers.x % 10**12:012d}"

    def _write_jwks(self, key: ec.EllipticCurvePrivateKey) -> None:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": self.kid(key), "alg": "ES256", "use": "sig"})
        self.jwks_path.write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")

    def jwks(self) -> dict[str, object]:
        self.ensure_key()
        data: dict[str, object] = json.loads(self.jwks_path.read_text(encoding="utf-8"))
        return data

    def token(
        self,
        tenant: str,
        user: str,
        roles: list[str] | tuple[str, ...] = (),
        kind: str = "staff",
        scopes: list[str] | tuple[str, ...] = (),
        ttl_seconds: int = 12 * 3600,
        **extra: object,
    ) -> str:
        key = self.ensure_key()
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user,
            "tenant": tenant,
            "kind": kind,
            "roles": list(roles),
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        if scopes:
            claims["scope"] = " ".join(scopes)
        claims.update(extra)
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": self.kid(key)})
