"""An installed app's standing, checked on every partner request: the marketplace, not the token, decides.

A partner app's token (``POST /marketplace/oauth/token``) lives for minutes, and a hospital may uninstall
the app or take a scope back in that time. So for a principal of kind ``partner`` acting for an
installation, the HTTP layer reads the installation's standing item (one GetItem on the marketplace
table, written by the marketplace alone in the same transaction as the install, upgrade or uninstall)
and:

- refuses an installation that is no longer active (uninstalled, suspended) — at once, whatever the token;
- keeps only the scopes the hospital still consents to (token scopes ∩ standing scopes);
- refuses a token issued before the installation's ``not_before`` (credentials revoked);

then counts the call (``meter``): one UpdateItem on the installation's usage item of the day, which
both enforces the per-minute rate limit (a 429 with ``Retry-After``) and keeps the day's count the
hospital admin sees. Only the marketplace writes standing; every service reads it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.auth import Principal
from shared.errors import Forbidden, RateLimited
from shared.persistence.models import TenantItem, now_utc, table_meta, tenant_key

# Metering days are the province's days (China keeps one time zone); ids in the items below.
PROVINCE_TZ = timezone(timedelta(hours=8))
DEFAULT_RATE_PER_MINUTE = 600
ACTIVE = "active"


class StandingItem(TenantItem):
    """``<hospital>#app-standing`` / ``<installation id>``: what an installation may do now."""

    ENTITY = "installation-standing"
    Meta = table_meta("marketplace")
    app_id = UnicodeAttribute()
    app_name = UnicodeAttribute(null=True)
    partner = UnicodeAttribute()  # the partner organisation (its tenant id)
    status = UnicodeAttribute(default=ACTIVE)  # active | uninstalled | suspended
    scopes = ListAttribute(of=UnicodeAttribute, default=list)
    rate_per_minute = NumberAttribute(default=DEFAULT_RATE_PER_MINUTE)
    # Tokens issued before this instant are refused (credentials revoked, uninstall then reinstall).
    not_before = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=now_utc)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "app-standing")


class UsageItem(TenantItem):
    """``<hospital>#app-usage#<installation id>`` / ``<day>``: the day's calls and per-minute counters
    (``m0930`` attributes, added by the same UpdateItem)."""

    ENTITY = "installation-usage"
    Meta = table_meta("marketplace")
    calls = NumberAttribute(default=0)
    limited = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)

    @staticmethod
    def partition(tenant: str, installation: str) -> str:
        return tenant_key(tenant, "app-usage", installation)


def standing_item(tenant: str, installation: str) -> StandingItem | None:
    from pynamodb.exceptions import DoesNotExist

    try:
        return StandingItem.get(StandingItem.partition(tenant), installation, consistent_read=True)
    except DoesNotExist:
        return None


def standings(tenant: str, limit: int = 500) -> list[StandingItem]:
    """Every installation's standing in a hospital (one Query of ``<hospital>#app-standing``): who the
    webhook fan-out may deliver an event to."""
    return list(StandingItem.query(StandingItem.partition(tenant), limit=limit, page_size=limit))


def check(principal: Principal) -> Principal:
    """The partner principal as its installation allows it now; ``Forbidden`` if it may not act at all."""
    if principal.kind != "partner" or principal.installation is None:
        return principal
    standing = standing_item(principal.tenant, principal.installation)
    if standing is None or standing.status != ACTIVE:
        raise Forbidden("this app is not installed in this hospital (it was uninstalled or suspended)")
    if standing.app_id != principal.app:
        raise Forbidden("the token's app does not match its installation")
    issued = principal.issued_at
    if standing.not_before is not None and (issued is None or issued < standing.not_before.timestamp()):
        raise Forbidden("the app's credentials were revoked; request a new token")
    consented = [str(scope) for scope in standing.scopes or []]
    scopes = frozenset(principal.scopes & set(consented))
    # the app's name stands beside its id where a person reads what it did (audit trails, access logs)
    name = f"{standing.app_name}（应用）" if standing.app_name else None
    return replace(
        principal, scopes=scopes, rate_per_minute=int(standing.rate_per_minute or 0), staff_name=name
    )


def meter(principal: Principal, at: datetime | None = None) -> None:
    """Count one partner API call for its installation; ``RateLimited`` past the minute's allowance."""
    if principal.kind != "partner" or principal.installation is None:
        return
    from pynamodb.exceptions import UpdateError

    at = (at or now_utc()).astimezone(PROVINCE_TZ)
    day = at.strftime("%Y-%m-%d")
    minute = f"m{at.strftime('%H%M')}"
    limit = principal.rate_per_minute or DEFAULT_RATE_PER_MINUTE
    item = UsageItem(
        UsageItem.partition(principal.tenant, principal.installation),
        day,
        entity=UsageItem.ENTITY,
        tenant=principal.tenant,
    )
    from pynamodb.expressions.operand import Path

    counter = Path([minute])  # an attribute named at run time: one per minute of the day
    keep = int((at + timedelta(days=400)).astimezone(UTC).timestamp())
    try:
        item.update(
            actions=[
                UsageItem.calls.add(1),
                counter.add(1),
                UsageItem.entity.set(UsageItem.ENTITY),
                UsageItem.tenant.set(principal.tenant),
                UsageItem.expires_at.set(keep),
            ],
            condition=counter.does_not_exist() | (counter < limit),
        )
    except UpdateError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            retry = 60 - at.second
            raise RateLimited(f"this app may make {limit} calls a minute in this hospital", retry) from exc
        raise


def usage(tenant: str, installation: str, start: str, end: str) -> list[tuple[str, int]]:
    """(day, calls) for ``start``..``end`` (``YYYY-MM-DD``, inclusive): one Query."""
    return [
        (item.sk, int(item.calls or 0))
        for item in UsageItem.query(
            UsageItem.partition(tenant, installation), UsageItem.sk.between(start, end), consistent_read=False
        )
    ]
