"""Partner app tokens for tests: an installation's standing written as the marketplace writes it, and a
token signed by the province's key (moto's KMS) as ``POST /marketplace/oauth/token`` signs it.

For the gates and the services' tests, which need an app of a hospital holding given scopes without
going through a partner's registration, review and install; the marketplace's own tests go that way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from shared import partner_tokens
from shared.installations import StandingItem
from shared.settings import get_settings


def install(
    tenant: str,
    scopes: Iterable[str],
    *,
    app: str = "app-test",
    status: str = "active",
    rate_per_minute: int = 600,
) -> str:
    """A standing installation of ``app`` in ``tenant`` with ``scopes``: its id."""
    installation = "in" + uuid.uuid4().hex[:16]
    StandingItem.new(
        tenant,
        installation,
        app_id=app,
        app_name="测试应用",
        partner="partner-test",
        status=status,
        scopes=sorted(scopes),
        rate_per_minute=rate_per_minute,
    ).save()
    return installation


def sign(
    tenant: str, installation: str, scopes: Iterable[str], *, app: str = "app-test", ttl: int = 600
) -> str:
    settings = get_settings()
    now = int(time.time())
    return partner_tokens.sign(
        {
            "iss": settings.marketplace_issuer,
            "aud": settings.jwt_audience,
            "sub": f"app:{app}",
            "tenant": tenant,
            "inst": installation,
            "app": app,
            "scope": " ".join(sorted(scopes)),
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
    )


def app_token(tenant: str, scopes: Iterable[str], **kw: object) -> str:
    """A token of a freshly installed app of ``tenant`` holding ``scopes``."""
    scopes = list(scopes)
    app = str(kw.pop("app", "app-test"))
    installation = install(tenant, scopes, app=app, **kw)  # type: ignore[arg-type]
    return sign(tenant, installation, scopes, app=app)
