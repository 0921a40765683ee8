"""Authentication: a bearer JWT from any OIDC issuer becomes a ``Principal``; routes declare their needs."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from shared.errors import Forbidden, Unauthenticated
from shared.settings import get_settings

if TYPE_CHECKING:
    import jwt

    from shared.settings import Settings

Kind = Literal["staff", "patient", "partner", "service"]
KINDS: frozenset[str] = frozenset({"staff", "patient", "partner", "service"})
# Asymmetric only, spelled exactly: 'none', 'None', HS256 and friends never reach signature checking.
ALLOWED_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256")
# Headers that would let a token name its own key; we only trust the configured issuer's JWKS.
FORBIDDEN_HEADERS = ("jwk", "jku", "x5u", "x5c")
MAX_TOKEN_BYTES = 8 * 1024
TENANT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
STAFF_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The roles the hospital directory assigns to its staff (messaging's directory validates against these);
# for a member of staff with a directory record, the record, not the token, says which of them they hold.
DIRECTORY_ROLES: frozenset[str] = frozenset(
    {
        "hospital_admin",
        "department_head",
        "head_nurse",
        "doctor",
        "nurse",
        "pharmacist",
        "technician",
        "clerk",
        # the referral desk (转诊中心/双向转诊办公室): answers the referrals other hospitals send
        "referral_desk",
        # the hospital's leaders (院领导: 院长, 副院长): the daily report (院长日报) is theirs
        "hospital_leader",
    }
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: always scoped to one tenant (hospital)."""

    tenant: str
    user: str
    kind: Kind = "staff"
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The caller's staff record, when the identity provider says so (claim ``staff_id`` by default).
    staff_id: str | None = None
    # Their display name, as the directory's sign-in has it (set by ``shared.standing``), if any.
    staff_name: str | None = None
    # A partner app's token (issued by the marketplace): the installation and app it acts for, and the
    # installation's per-minute allowance (set by ``shared.installations``).
    installation: str | None = None
    app: str | None = None
    rate_per_minute: int = 0
    issued_at: int | None = None  # a partner app token's ``iat`` (its installation may revoke older ones)

    @property
    def staff(self) -> str:
        """The staff id this caller acts as: the token's staff claim, else its subject."""
        return self.staff_id or self.user

    def has_any_role(self, roles: Iterable[str]) -> bool:
        return bool(self.roles.intersection(roles))


def require(
    principal: Principal,
    *,
    roles: Iterable[str] = (),
    scopes: Iterable[str] = (),
    kinds: Iterable[str] = (),
) -> None:
    """Raise ``Forbidden`` unless the principal has one of ``roles``, all ``scopes`` and an allowed kind."""
    kinds = tuple(kinds)
    if kinds and principal.kind not in kinds:
        raise Forbidden(f"callers of kind '{principal.kind}' may not use this operation")
    scopes = tuple(scopes)
    if principal.kind == "partner":
        # A partner app reaches only routes that declare the scopes it needs, holding every one of them
        # (consented by the hospital); a partner organisation (no installation) only the scope-less
        # routes made for partners (the marketplace's own). Roles are for staff: a partner has none.
        if principal.installation is None:
            if scopes:
                raise Forbidden("only an installed app's token may use this operation")
            return
        if not scopes:
            raise Forbidden("an app's token may not use this operation (it declares no partner scope)")
        missing = sorted(set(scopes) - principal.scopes)
        if missing:
            raise Forbidden("requires the scopes: " + ", ".join(missing))
        return
    roles = tuple(roles)
    if roles and not principal.has_any_role(roles):
        raise Forbidden("requires one of the roles: " + ", ".join(roles))
    # Staff and services are authorised by their roles and the directory; scopes are what a hospital
    # consents to for a partner app (above).


class TokenVerifier:
    """Verifies bearer tokens against the configured issuer's JWKS (fetched lazily, cached)."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str,
        tenant_claim: str,
        cache_seconds: int,
        staff_claim: str = "staff_id",
        marketplace_issuer: str = "",
    ):
        self.staff_claim = staff_claim
        self.marketplace_issuer = marketplace_issuer
        self.issuer = issuer
        self.audience = audience
        self.tenant_claim = tenant_claim
        self._jwks_url = jwks_url
        self._cache_seconds = cache_seconds
        self._client: jwt.PyJWKClient | None = None
        self._file_keys: tuple[float, jwt.PyJWKSet] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        return cls(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            jwks_url=settings.jwks_url,
            tenant_claim=settings.tenant_claim,
            cache_seconds=settings.jwks_cache_seconds,
            staff_claim=settings.staff_claim,
            marketplace_issuer=settings.marketplace_issuer,
        )

    def _signing_key(self, kid: str) -> jwt.PyJWK:
        """The issuer's key ``kid``: over HTTPS (cached, refetched on an unknown kid) or from a JWKS file."""
        import jwt  # on first use: PyJWT and cryptography are ~50 ms of a cold start

        if not self._jwks_url:
            raise Unauthenticated("token verification is not configured (FH_JWKS_URL)")
        if self._jwks_url.startswith("file://"):
            return self._file_key(kid)
        with self._lock:
            if self._client is None:
                self._client = jwt.PyJWKClient(
                    self._jwks_url, cache_jwk_set=True, lifespan=self._cache_seconds, timeout=5
                )
            client = self._client
        try:
            return client.get_signing_key(kid)
        except jwt.PyJWKClientError as exc:
            raise Unauthenticated("unknown signing key") from exc

    def _file_key(self, kid: str) -> jwt.PyJWK:
        import jwt  # on first use: PyJWT and cryptography are ~50 ms of a cold start

        path = Path(self._jwks_url.removeprefix("file://"))
        with self._lock:
            try:
                mtime = path.stat().st_mtime
                if self._file_keys is None or self._file_keys[0] != mtime:
                    self._file_keys = (mtime, jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8")))
            except (OSError, jwt.PyJWTError) as exc:
                raise Unauthenticated("signing keys unavailable") from exc
            keys = self._file_keys[1]
        try:
            return keys[kid]
        except KeyError as exc:
            raise Unauthenticated("unknown signing key") from exc

    def verify_header(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthenticated("missing Authorization header")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("expected 'Authorization: Bearer <token>'")
        return self.verify(token.strip())

    def verify(self, token: str) -> Principal:
        import jwt  # on first use: PyJWT and cryptography are ~50 ms of a cold start

        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated("token too large")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed token") from exc
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise Unauthenticated("token algorithm not allowed")
        if any(name in header for name in FORBIDDEN_HEADERS):
            raise Unauthenticated("token may not carry its own key")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("token has no key id")
        # Which issuer's keys to check it with: the identity provider's, or the marketplace's for a partner
        # app's token. The claimed issuer only chooses the key; the signature and ``iss`` are then checked.
        try:
            claimed_issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed token") from exc
        partner_app = bool(self.marketplace_issuer) and claimed_issuer == self.marketplace_issuer
        key = self._marketplace_key(kid) if partner_app else self._signing_key(kid)
        if key.algorithm_name != alg:
            # The key decides the algorithm: an RS256 header naming an EC key is a forgery, not a 500.
            raise Unauthenticated("token algorithm does not match its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.marketplace_issuer if partner_app else self.issuer,
                leeway=30,
                options={"require": ["iss", "aud", "exp", "sub"] + (["iat"] if partner_app else [])},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc
        return self._app_principal(claims) if partner_app else self._principal(claims)

    def _marketplace_key(self, kid: str) -> jwt.PyJWK:
        import jwt

        from shared import partner_tokens

        try:
            jwk = partner_tokens.public_jwk()
        except Exception as exc:  # KMS unreachable or the key missing: the token cannot be checked
            raise Unauthenticated("partner token keys unavailable") from exc
        if jwk["kid"] != kid:
            raise Unauthenticated("unknown signing key")
        return jwt.PyJWK(jwk)

    def _app_principal(self, claims: dict[str, Any]) -> Principal:
        """A partner app's token: the hospital that installed it, the installation, the consented scopes."""
        principal = self._principal({**claims, "kind": "partner", "roles": []})
        scope = claims.get("scope", "")
        installation, app = claims.get("inst"), claims.get("app")
        if not isinstance(installation, str) or not STAFF_ID_PATTERN.match(installation):
            raise Unauthenticated("partner token names no installation")
        if not isinstance(app, str) or not STAFF_ID_PATTERN.match(app):
            raise Unauthenticated("partner token names no app")
        issued = claims.get("iat")
        return replace(
            principal,
            installation=installation,
            app=app,
            scopes=frozenset(scope.split() if isinstance(scope, str) else ()),
            staff_id=None,
            issued_at=int(issued) if isinstance(issued, int | float) else None,
        )

    def _principal(self, claims: dict[str, Any]) -> Principal:
        tenant = claims.get(self.tenant_claim)
        if not isinstance(tenant, str) or not TENANT_PATTERN.match(tenant):
            raise Unauthenticated(f"token lacks a valid '{self.tenant_claim}' claim")
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub or "#" in sub:
            raise Unauthenticated("token has an invalid subject")
        kind = claims.get("kind", "staff")
        if kind not in KINDS:
            raise Unauthenticated("token has an unknown principal kind")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthenticated("token roles must be a list of strings")
        scope = claims.get("scope", "")
        scopes = scope.split() if isinstance(scope, str) else []
        staff_id = claims.get(self.staff_claim)
        if staff_id is not None and (not isinstance(staff_id, str) or not STAFF_ID_PATTERN.match(staff_id)):
            raise Unauthenticated(f"token has an invalid '{self.staff_claim}' claim")
        if kind == "partner":
            # The identity provider's partner principal is a partner organisation's developer: it manages
            # its apps in the marketplace, and reaches a hospital only through an installation's token
            # (the marketplace's issuer), never with scopes of its own making.
            scopes, staff_id = [], None
        return Principal(
            tenant=tenant,
            user=sub,
            kind=kind,
            roles=frozenset(roles),
            scopes=frozenset(scopes),
            staff_id=staff_id,
        )


@lru_cache(maxsize=1)
def get_verifier() -> TokenVerifier:
    return TokenVerifier.from_settings(get_settings())
