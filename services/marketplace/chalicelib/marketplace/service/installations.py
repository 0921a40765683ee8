"""Install = consent, upgrade, uninstall, client credentials, usage and bundles.

Every change of an installation is one transaction: the installation, its claim (one per app per
hospital), its **standing** (``shared.installations.StandingItem``, what every service reads on each
app request), the partner's list entry, the outbox event (``app.installed`` / ``app.upgraded`` /
``app.uninstalled``, under the hospital's tenant: the webhooks follow from it) and the audit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chalicelib.marketplace.contracts import installations as models
from chalicelib.marketplace.domain import installations as domain
from chalicelib.marketplace.domain.apps import CatalogueEntry, scope_label
from chalicelib.marketplace.domain.ports import AppsStore
from chalicelib.marketplace.service import wiring

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.events.published.marketplace import (
    APP_INSTALLED,
    APP_UNINSTALLED,
    APP_UPGRADED,
    InstallationChanged,
)
from shared.ids import new_id
from shared.installations import PROVINCE_TZ
from shared.persistence.models import now_utc
from shared.scopes import BASELINE_SCOPES

STALE = "the installation changed meanwhile; reload it"
USAGE_DAYS = 31


def view(i: domain.Installation, listed: CatalogueEntry | None = None) -> models.Installation:
    newer = (
        listed.version if listed is not None and listed.version > i.version and i.status == "active" else None
    )
    return models.Installation(
        **i.model_dump(
            include={
                "id",
                "app_id",
                "app_name",
                "partner",
                "partner_name",
                "version",
                "scopes",
                "events",
                "webhook_url",
                "status",
                "consented_by",
                "consented_by_name",
                "consented_at",
                "installed_at",
                "uninstalled_at",
            }
        ),
        upgrade_available=newer,
    )


def _event(i: domain.Installation, principal: Principal) -> InstallationChanged:
    return InstallationChanged(
        installation_id=i.id,
        app_id=i.app_id,
        app_name=i.app_name,
        partner=i.partner,
        partner_name=i.partner_name,
        version=i.version,
        scopes=list(i.scopes) if i.status == "active" else [],
        events=list(i.events) if i.status == "active" else [],
        webhook_url=i.webhook_url,
        by=principal.staff,
        by_name=principal.staff_name,
    )


def _listed(store: AppsStore, app_id: str) -> CatalogueEntry:
    entry: CatalogueEntry | None = store.province.entry(app_id)
    if entry is None:
        raise NotFound("app")
    return entry


def _consent(entry: CatalogueEntry, version: int, scopes: list[str], events: list[str]) -> None:
    if version != entry.version:
        raise Conflict(f"version {version} is not the listed version of this app ({entry.version})")
    domain.check_consent(entry.manifest.scope_names(), entry.manifest.events, scopes, events)


def _new_installation(
    principal: Principal,
    entry: CatalogueEntry,
    hospital_name: str,
    at: datetime,
    bundle_id: str | None = None,
) -> domain.Installation:
    return domain.Installation(
        id=new_id(),
        tenant=principal.tenant,
        hospital_name=hospital_name,
        app_id=entry.app_id,
        app_name=entry.manifest.name,
        partner=entry.partner,
        partner_name=entry.partner_name,
        version=entry.version,
        scopes=[*entry.manifest.scope_names(), *BASELINE_SCOPES],
        events=list(entry.manifest.events),
        webhook_url=entry.manifest.webhook_url,
        consented_by=principal.staff,
        consented_by_name=principal.staff_name or "",
        consented_at=at,
        installed_at=at,
        bundle_id=bundle_id,
    )


def _stage_install(store: AppsStore, principal: Principal, i: domain.Installation) -> None:
    existing = Conflict("this app is installed in this hospital already")
    store.installations.add(i, existing)
    store.emit(APP_INSTALLED.envelope(principal.tenant, _event(i, principal)))
    after = {
        "app_id": i.app_id,
        "app_name": i.app_name,
        "version": i.version,
        "scopes": i.scopes,
        "events": i.events,
    }
    store.audit("app.installed", "installation", i.id, after=after)


def install(
    principal: Principal,
    body: models.InstallIn,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.Installation:
    """The hospital admin consents to exactly what the listed version asks; one installation an app."""
    store = store or wiring.apps_store(principal, request_id)
    entry = _listed(store, body.app_id)
    _consent(entry, body.version, body.scopes, body.events)
    current = store.installations.of_app(entry.app_id)
    if current is not None:
        raise Conflict(f"this app is installed in this hospital already (installation {current})")
    i = _new_installation(principal, entry, store.installations.hospital_name(), now or now_utc())
    _stage_install(store, principal, i)
    store.commit()
    return view(i, entry)


def list_installations(
    principal: Principal, query: models.InstallationsQuery, *, store: AppsStore | None = None
) -> models.InstallationList:
    """The hospital's installations, newest first, each with the newer listed version if there is one."""
    store = store or wiring.apps_store(principal)
    rows, cursor = store.installations.page(query.limit, query.cursor)
    listed = store.province.entries_of([i.app_id for i in rows]) if rows else {}
    return models.InstallationList(items=[view(i, listed.get(i.app_id)) for i in rows], next_cursor=cursor)


def _installation(store: AppsStore, installation_id: str) -> domain.Installation:
    i: domain.Installation | None = store.installations.get(installation_id)
    if i is None:
        raise NotFound("installation")
    return i


def get_installation(
    principal: Principal, installation_id: str, *, store: AppsStore | None = None
) -> models.Installation:
    store = store or wiring.apps_store(principal)
    i = _installation(store, installation_id)
    return view(i, store.province.entry(i.app_id))


def _active(i: domain.Installation) -> None:
    if i.status != "active":
        raise Conflict("this installation was uninstalled")


def upgrade(
    principal: Principal,
    installation_id: str,
    body: models.UpgradeIn,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.Installation:
    """The consent to the newer listed version (exactly what it asks), whatever changed."""
    store = store or wiring.apps_store(principal, request_id)
    before = _installation(store, installation_id)
    _active(before)
    entry = _listed(store, before.app_id)
    if entry.version <= before.version:
        raise Conflict("no newer version of this app is listed")
    _consent(entry, body.version, body.scopes, body.events)
    at = now or now_utc()
    after = before.model_copy(
        update={
            "version": entry.version,
            "app_name": entry.manifest.name,
            "scopes": [*entry.manifest.scope_names(), *BASELINE_SCOPES],
            "events": list(entry.manifest.events),
            "webhook_url": entry.manifest.webhook_url,
            "consented_by": principal.staff,
            "consented_by_name": principal.staff_name or "",
            "consented_at": at,
        }
    )
    store.installations.save(after, Conflict(STALE))
    store.emit(APP_UPGRADED.envelope(principal.tenant, _event(after, principal)))
    store.audit(
        "app.upgraded",
        "installation",
        after.id,
        before={"version": before.version, "scopes": before.scopes, "events": before.events},
        after={"version": after.version, "scopes": after.scopes, "events": after.events},
    )
    store.commit()
    return view(after.model_copy(update={"revision": before.revision + 1}), entry)


def uninstall(
    principal: Principal,
    installation_id: str,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> None:
    """Standing uninstalled (every token refused at once), credentials gone, the claim freed, the event
    that disables the webhook endpoint and tells the partner: one transaction."""
    store = store or wiring.apps_store(principal, request_id)
    before = _installation(store, installation_id)
    _active(before)
    at = now or now_utc()
    after = before.model_copy(
        update={"status": "uninstalled", "uninstalled_at": at, "uninstalled_by": principal.staff}
    )
    store.installations.save(after, Conflict(STALE))
    store.emit(APP_UNINSTALLED.envelope(principal.tenant, _event(after, principal)))
    store.audit(
        "app.uninstalled",
        "installation",
        after.id,
        after={"app_id": after.app_id, "app_name": after.app_name},
    )
    store.commit()


def revoke(
    principal: Principal,
    installation_id: str,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.Installation:
    """Every token issued until now refused; the secrets cleared (the partner asks for new ones)."""
    store = store or wiring.apps_store(principal, request_id)
    before = _installation(store, installation_id)
    _active(before)
    at = now or now_utc()
    after = before.model_copy(update={"not_before": at})
    store.installations.save(after, Conflict(STALE), revoke=True)
    store.audit("app.credentials_revoked", "installation", after.id, after={"app_id": after.app_id})
    store.commit()
    return view(after)


# ---- the partner's side ------------------------------------------------------------------------------------


def issue_credentials(
    principal: Principal,
    app_id: str,
    installation_id: str,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.ClientCredentials:
    """New client credentials for an installation of the partner's app (the secret shown once); the
    previous secret stays valid for 24 hours, any older one no longer."""
    store = store or wiring.apps_store(principal, request_id)
    where = store.partner_installations.where(installation_id)
    if where is None or where[1] != app_id:
        raise NotFound("installation")
    hospital = store.other(where[0])
    i, current = hospital.installations.with_credentials(installation_id)
    if i is None or i.partner != principal.tenant or i.app_id != app_id:
        raise NotFound("installation")
    _active(i)
    at = now or now_utc()
    cid = domain.client_id(i.tenant, i.id)
    plain, creds = domain.rotate(current, cid, i.id, at)
    hospital.installations.put_credentials(creds, Conflict("the credentials changed meanwhile; try again"))
    previous = creds.secrets[1].valid_until if len(creds.secrets) > 1 else None
    store.audit(
        "app.credentials_issued", "installation", i.id, after={"client_id": cid, "hospital": i.tenant}
    )
    store.commit()
    return models.ClientCredentials(client_id=cid, client_secret=plain, previous_valid_until=previous)


def partner_installations(
    principal: Principal, app_id: str, query: models.InstallationsQuery, *, store: AppsStore | None = None
) -> models.PartnerInstallationList:
    store = store or wiring.apps_store(principal)
    if store.apps.get(app_id) is None:  # another partner's app is no app of this one's
        raise NotFound("app")
    return models.PartnerInstallationList.of(
        store.partner_installations.page(app_id, query.limit, query.cursor),
        lambda p: models.PartnerInstallation(**p.model_dump()),
    )


# ---- usage -------------------------------------------------------------------------------------------------


def usage(
    principal: Principal,
    installation_id: str,
    query: models.UsageQuery,
    *,
    store: AppsStore | None = None,
    today: date | None = None,
) -> models.Usage:
    store = store or wiring.apps_store(principal)
    i = _installation(store, installation_id)
    # the province's today: the meter counts each call on the China day (shared.installations),
    # and from 16:00 UTC that is already tomorrow's — a UTC today left the day's calls out
    end = query.to or today or now_utc().astimezone(PROVINCE_TZ).date()
    start = query.from_ or end - timedelta(days=USAGE_DAYS - 1)
    if start > end or (end - start).days >= 366:
        raise RuleViolation("from must be before to, at most a year apart", "from")
    days = [
        models.UsageDay(day=date.fromisoformat(d), calls=n)
        for d, n in store.installations.usage(i.id, start.isoformat(), end.isoformat())
    ]
    return models.Usage(
        installation_id=i.id,
        app_id=i.app_id,
        app_name=i.app_name,
        days=days,
        total=sum(d.calls for d in days),
    )


# ---- bundles -----------------------------------------------------------------------------------------------


def _bundle_app(entry: CatalogueEntry) -> models.BundleApp:
    return models.BundleApp(
        app_id=entry.app_id,
        name=entry.manifest.name,
        version=entry.version,
        scopes=[
            {"scope": s.scope, "label": scope_label(s.scope), "reason": s.reason}
            for s in entry.manifest.scopes
        ],
        events=list(entry.manifest.events),
    )


def _bundle_view(b: domain.Bundle, entries: dict[str, CatalogueEntry]) -> models.Bundle:
    return models.Bundle(
        id=b.id,
        name=b.name,
        description=b.description,
        apps=[_bundle_app(entries[a]) for a in b.app_ids if a in entries],
        created_at=b.created_at,
    )


def create_bundle(
    principal: Principal,
    body: models.BundleIn,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.Bundle:
    from chalicelib.marketplace.service.apps import platform_admin

    platform_admin(principal)
    store = store or wiring.apps_store(principal, request_id)
    ids = list(dict.fromkeys(body.app_ids))
    entries = store.province.entries_of(ids)
    missing = [a for a in ids if a not in entries]
    if missing:
        raise RuleViolation(f"not a listed app: {', '.join(missing)}", "app_ids")
    bundle = domain.Bundle(
        id=new_id(),
        name=body.name.strip(),
        description=body.description,
        app_ids=ids,
        created_by=principal.user,
        created_at=now or now_utc(),
    )
    store.bundles.add(bundle, Conflict("already exists"))
    store.audit("bundle.created", "bundle", bundle.id, after={"name": bundle.name, "app_ids": ids})
    store.commit()
    return _bundle_view(bundle, entries)


def list_bundles(
    principal: Principal, query: models.InstallationsQuery, *, store: AppsStore | None = None
) -> models.BundleList:
    """Bundles with each app's name and what it asks (one Query, one BatchGetItem of the apps)."""
    store = store or wiring.apps_store(principal)
    rows, cursor = store.bundles.page(min(query.limit, 10), query.cursor)
    entries = store.province.entries_of([a for b in rows for a in b.app_ids]) if rows else {}
    return models.BundleList(items=[_bundle_view(b, entries) for b in rows], next_cursor=cursor)


def install_bundle(
    principal: Principal,
    bundle_id: str,
    body: models.BundleInstallIn,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.BundleInstalled:
    """Every app of the bundle installed, each with its own consent to exactly what it asks, all or
    nothing (one transaction: at most 10 apps). An app installed already is a 409 naming it."""
    store = store or wiring.apps_store(principal, request_id)
    bundle = store.bundles.get(bundle_id)
    if bundle is None:
        raise NotFound("bundle")
    if set(body.consents) != set(bundle.app_ids):
        raise RuleViolation("give a consent for each app of the bundle, and only those", "consents")
    entries = store.province.entries_of(bundle.app_ids)
    missing = [a for a in bundle.app_ids if a not in entries]
    if missing:
        raise Conflict(f"no longer listed: {', '.join(missing)}")
    for app_id in bundle.app_ids:
        consent = body.consents[app_id]
        entry = entries[app_id]
        try:
            domain.check_consent(
                entry.manifest.scope_names(), entry.manifest.events, consent.scopes, consent.events
            )
        except RuleViolation as exc:
            raise RuleViolation(
                f"the consent to {entry.manifest.name} differs: {exc}", f"consents.{app_id}"
            ) from exc
    at = now or now_utc()
    hospital_name = store.installations.hospital_name()
    made = [_new_installation(principal, entries[a], hospital_name, at, bundle.id) for a in bundle.app_ids]
    for i in made:
        _stage_install(store, principal, i)
    store.commit()
    return models.BundleInstalled(
        bundle_id=bundle.id, installations=[view(i, entries[i.app_id]) for i in made]
    )
