"""Partners register their profile and apps, submit versions; platform admins review them; every
hospital's staff read the catalogue.

- A partner organisation (IdP token of kind ``partner``) sees and changes only its own profile and apps.
- A version is a whole manifest; a new one starts as a draft; only a draft is submitted (to the review
  queue); only a version in review is approved or rejected, by a platform admin (role
  ``platform_admin`` in the platform tenant) who did not submit it. The app's listed version becomes
  the newest approved one, and its catalogue entry and search tokens are written in the same transaction.
- The catalogue shows listed apps only; a search is one Query on a search-token prefix.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.marketplace.contracts import apps as models
from chalicelib.marketplace.domain import apps as domain
from chalicelib.marketplace.domain.ports import AppsStore
from chalicelib.marketplace.service import wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.ids import new_id
from shared.persistence.models import now_utc
from shared.scopes import BASELINE_SCOPES, SCOPES
from shared.settings import get_settings

STALE = "the app changed meanwhile; reload it"


# ---- views -------------------------------------------------------------------------------------------------


def manifest_view(m: domain.Manifest) -> models.ManifestView:
    from shared.events.published import CATALOG

    return models.ManifestView(
        name=m.name,
        description=m.description,
        icon_url=m.icon_url,
        scopes=[
            models.ScopeView(scope=s.scope, label=domain.scope_label(s.scope), reason=s.reason)
            for s in m.scopes
        ],
        events=[
            models.EventView(type=e, description=CATALOG[e].description if e in CATALOG else "")
            for e in m.events
        ],
        webhook_url=m.webhook_url,
        pricing=m.pricing,
    )


def _version_view(v: domain.AppVersion) -> models.VersionView:
    return models.VersionView(
        version=v.version,
        state=v.state,
        manifest=manifest_view(v.manifest),
        created_at=v.created_at,
        submitted_at=v.submitted_at,
        reviewed_by=v.reviewed_by,
        reviewed_by_name=v.reviewed_by_name,
        reviewed_at=v.reviewed_at,
        reason=v.reason,
    )


def _app_view(app: domain.App) -> models.AppView:
    return models.AppView(
        id=app.id,
        name=app.name,
        partner=app.partner,
        partner_name=app.partner_name,
        listed_version=app.listed_version,
        versions=[_version_view(v) for v in app.versions],
        created_at=app.created_at,
        updated_at=app.updated_at,
    )


def _summary(app: domain.App) -> models.AppSummary:
    return models.AppSummary(
        id=app.id,
        name=app.name,
        listed_version=app.listed_version,
        latest_version=app.latest.version,
        latest_state=app.latest.state,
        updated_at=app.updated_at,
    )


def _manifest(body: models.ManifestIn) -> domain.Manifest:
    manifest = domain.Manifest(
        name=body.name.strip(),
        description=body.description,
        icon_url=body.icon_url,
        scopes=[domain.AskedScope(scope=s.scope, reason=s.reason) for s in body.scopes],
        events=list(body.events),
        webhook_url=body.webhook_url,
        pricing=body.pricing,
    )
    domain.check_manifest(manifest, get_settings().webhook_allow_loopback_http)
    return manifest


# ---- partners ----------------------------------------------------------------------------------------------


def _partner_view(p: domain.PartnerProfile) -> models.Partner:
    return models.Partner(**p.model_dump())


def put_partner(
    principal: Principal,
    body: models.PartnerIn,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.Partner:
    store = store or wiring.apps_store(principal, request_id)
    before = store.partners.get()
    profile = domain.PartnerProfile(
        id=principal.tenant,
        name=body.name.strip(),
        contact=body.contact.strip(),
        website=body.website,
        updated_at=now or now_utc(),
        revision=before.revision if before else 0,
    )
    store.partners.put(profile, Conflict("the profile changed meanwhile; reload it"))
    store.audit("partner.profile_set", "partner", principal.tenant, after={"name": profile.name})
    store.commit()
    return _partner_view(profile.model_copy(update={"revision": profile.revision + 1}))


def get_partner(principal: Principal, *, store: AppsStore | None = None) -> models.Partner:
    store = store or wiring.apps_store(principal)
    profile = store.partners.get()
    if profile is None:
        raise NotFound("partner profile")
    return _partner_view(profile)


# ---- apps and versions -------------------------------------------------------------------------------------


def create_app(
    principal: Principal,
    body: models.ManifestIn,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.AppView:
    """A new app with version 1 as a draft. The partner's profile must exist (its name goes with the app)."""
    store = store or wiring.apps_store(principal, request_id)
    manifest = _manifest(body)
    profile = store.partners.get()
    if profile is None:
        raise RuleViolation("set the partner profile first (PUT /marketplace/partner)")
    at = now or now_utc()
    app = domain.App(
        id=new_id(),
        partner=principal.tenant,
        partner_name=profile.name,
        versions=[domain.AppVersion(version=1, manifest=manifest, created_at=at)],
        created_at=at,
        updated_at=at,
    )
    store.apps.add(app, Conflict("already exists"))
    store.audit("app.created", "app", app.id, after={"name": manifest.name, "version": 1})
    store.commit()
    return _app_view(app)


def list_apps(
    principal: Principal, query: models.AppsQuery, *, store: AppsStore | None = None
) -> models.AppList:
    store = store or wiring.apps_store(principal)
    return models.AppList.of(store.apps.page(query.limit, query.cursor), _summary)


def _app(store: AppsStore, app_id: str) -> domain.App:
    app: domain.App | None = store.apps.get(app_id)
    if app is None:
        raise NotFound("app")
    return app


def get_app(principal: Principal, app_id: str, *, store: AppsStore | None = None) -> models.AppView:
    return _app_view(_app(store or wiring.apps_store(principal), app_id))


def add_version(
    principal: Principal,
    app_id: str,
    body: models.ManifestIn,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.AppView:
    """A new draft version with a new manifest (a rejected or listed version stays as it was)."""
    store = store or wiring.apps_store(principal, request_id)
    app = _app(store, app_id)
    manifest = _manifest(body)
    if any(v.state in ("draft", "in_review") for v in app.versions):
        raise Conflict("the app has a version in draft or in review; submit or wait for it first")
    at = now or now_utc()
    version = domain.AppVersion(version=app.latest.version + 1, manifest=manifest, created_at=at)
    changed = app.model_copy(update={"versions": [*app.versions, version], "updated_at": at})
    store.apps.save(changed, Conflict(STALE))
    store.audit("app.version_added", "app", app.id, after={"version": version.version})
    store.commit()
    return _app_view(changed.model_copy(update={"revision": app.revision + 1}))


def submit(
    principal: Principal,
    app_id: str,
    version: int,
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.AppView:
    """A draft to the platform admins' review queue."""
    store = store or wiring.apps_store(principal, request_id)
    app = _app(store, app_id)
    current = app.version(version)
    if current is None:
        raise NotFound("app version")
    if current.state != "draft":
        raise Conflict("only a draft is submitted for review")
    at = now or now_utc()
    submitted = current.model_copy(
        update={"state": "in_review", "submitted_at": at, "submitted_by": principal.user}
    )
    changed = app.with_version(submitted, at)
    store.apps.save(changed, Conflict(STALE))
    entry = domain.ReviewEntry(
        app_id=app.id,
        version=version,
        partner=app.partner,
        partner_name=app.partner_name,
        app_name=current.manifest.name,
        submitted_at=at,
        submitted_by=principal.user,
    )
    store.province.enqueue(entry, Conflict("this version is in review already"))
    store.audit("app.version_submitted", "app", app.id, after={"version": version})
    store.commit()
    return _app_view(changed.model_copy(update={"revision": app.revision + 1}))


# ---- review ------------------------------------------------------------------------------------------------


def platform_admin(principal: Principal) -> None:
    if principal.tenant != get_settings().platform_tenant or "platform_admin" not in principal.roles:
        raise Forbidden("apps are reviewed by the province's platform admins")


def _review_view(r: domain.ReviewEntry) -> models.ReviewView:
    return models.ReviewView(**r.model_dump())


def list_reviews(
    principal: Principal, query: models.AppsQuery, *, store: AppsStore | None = None
) -> models.ReviewList:
    platform_admin(principal)
    store = store or wiring.apps_store(principal)
    return models.ReviewList.of(store.province.queue(query.limit, query.cursor), _review_view)


def decide(
    principal: Principal,
    app_id: str,
    version: int,
    approve: bool,
    reason: str = "",
    request_id: str | None = None,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.AppView:
    """Approve (the app's listed version becomes the newest approved) or reject (with the reason), audited
    with the reviewer, in one transaction with the queue and the catalogue."""
    platform_admin(principal)
    store = store or wiring.apps_store(principal, request_id)
    entry = store.province.review(app_id, version)
    if entry is None:
        raise NotFound("version in review")
    if entry.submitted_by == principal.user or entry.partner == principal.tenant:
        raise Forbidden("no one reviews what they submitted")
    partner = store.other(entry.partner)
    app = _app(partner, app_id)
    current = app.version(version)
    if current is None or current.state != "in_review":
        raise Conflict("this version is not in review")
    at = now or now_utc()
    decided = current.model_copy(
        update={
            "state": "approved" if approve else "rejected",
            "reviewed_by": principal.user,
            "reviewed_by_name": principal.staff_name or "",
            "reviewed_at": at,
            "reason": reason,
        }
    )
    changed = app.with_version(decided, at)
    if approve and (app.listed_version is None or version > app.listed_version):
        changed = changed.model_copy(update={"listed_version": version})
        before = store.province.entry(app.id)
        listed = domain.CatalogueEntry(
            app_id=app.id,
            partner=app.partner,
            partner_name=app.partner_name,
            version=version,
            manifest=current.manifest,
            listed_at=at,
            tokens=domain.search_tokens(current.manifest.name),
        )
        store.province.list_app(listed, before)
    partner.apps.save(changed, Conflict(STALE))
    store.province.dequeue(entry)
    action = "app.version_approved" if approve else "app.version_rejected"
    after = {"version": version, "app_name": current.manifest.name, "partner": app.partner, "reason": reason}
    store.audit(action, "app", app.id, after=after)
    store.commit()
    return _app_view(changed.model_copy(update={"revision": app.revision + 1}))


# ---- the catalogue -----------------------------------------------------------------------------------------


def catalogue(
    principal: Principal, query: models.CatalogueQuery, *, store: AppsStore | None = None
) -> models.CatalogueList:
    store = store or wiring.apps_store(principal)
    prefix = domain.normalise_query(query.q or "")
    rows, cursor = store.province.search(prefix or None, query.limit, query.cursor)
    seen: set[str] = set()
    items = []
    for row in rows:
        if row["app_id"] in seen:
            continue
        seen.add(str(row["app_id"]))
        items.append(
            models.CatalogueItem.model_validate({k: row.get(k) for k in models.CatalogueItem.model_fields})
        )
    return models.CatalogueList(items=items, next_cursor=cursor)


def catalogue_entry(
    principal: Principal, app_id: str, *, store: AppsStore | None = None
) -> models.CatalogueDetail:
    """The listed version's manifest as a hospital admin reads it before installing."""
    store = store or wiring.apps_store(principal)
    entry = store.province.entry(app_id)
    if entry is None:
        raise NotFound("app")
    installed = store.installations.of_app(app_id) if principal.kind == "staff" else None
    return models.CatalogueDetail(
        app_id=entry.app_id,
        version=entry.version,
        partner=entry.partner,
        partner_name=entry.partner_name,
        manifest=manifest_view(entry.manifest),
        baseline_scopes=[
            models.ScopeView(scope=s, label=SCOPES[s].label, reason="每个安装都具备（仅接收已授权的事件）")
            for s in BASELINE_SCOPES
        ],
        installed=installed is not None,
        installation_id=installed,
    )
