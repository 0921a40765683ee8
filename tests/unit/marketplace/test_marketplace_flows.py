"""The marketplace's use cases on the in-memory fakes: a partner's app reviewed and listed, a hospital's
consent recorded with who gave it, one installation per app, upgrade by consent, uninstall ending the
standing and the credentials in the same unit of work, bundles all or nothing, and nobody deciding their
own request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chalicelib.marketplace.contracts import apps as app_models
from chalicelib.marketplace.contracts import installations as models
from chalicelib.marketplace.domain.installations import verify
from chalicelib.marketplace.service import apps, installations

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.marketplace.fakes import FakeAppsStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
PARTNER = Principal(tenant="p-one", user="dev-1", kind="partner")
OTHER_PARTNER = Principal(tenant="p-two", user="dev-2", kind="partner")
REVIEWER = Principal(
    tenant="platform", user="pa-1", kind="staff", roles=frozenset({"platform_admin"}), staff_name="审核员"
)
ADMIN = Principal(
    tenant="h-one", user="adm-1", kind="staff", roles=frozenset({"hospital_admin"}), staff_name="王伟"
)
MANIFEST = app_models.ManifestIn(
    name="智能排班助手",
    description="d",
    scopes=[
        app_models.AskedScope(scope="roster:read", reason="排班"),
        app_models.AskedScope(scope="directory:read", reason="姓名"),
    ],
    events=["roster.published"],
    webhook_url="https://example.com/h",
)
CONSENT = {"scopes": ["roster:read", "directory:read"], "events": ["roster.published"]}


@pytest.fixture
def tables() -> Tables:
    t = Tables()
    t.hospital_names["h-one"] = "未来医院"
    return t


def as_(principal: Principal, tables: Tables) -> FakeAppsStore:
    return FakeAppsStore(principal.tenant, tables)


def listed(tables: Tables, manifest: app_models.ManifestIn = MANIFEST) -> str:
    apps.put_partner(
        PARTNER, app_models.PartnerIn(name="杭州示例", contact="c"), store=as_(PARTNER, tables), now=AT
    )
    app = apps.create_app(PARTNER, manifest, store=as_(PARTNER, tables), now=AT)
    apps.submit(PARTNER, app.id, 1, store=as_(PARTNER, tables), now=AT)
    apps.decide(REVIEWER, app.id, 1, True, store=as_(REVIEWER, tables), now=AT)
    return app.id


def test_review_lists_the_newest_approved_version_and_audits_the_reviewer(tables: Tables) -> None:
    app_id = listed(tables)
    store = as_(REVIEWER, tables)
    assert tables.entries[app_id].version == 1
    found = apps.catalogue(ADMIN, app_models.CatalogueQuery(q="pb"), store=as_(ADMIN, tables))
    assert [i.app_id for i in found.items] == [app_id]
    assert apps.list_reviews(REVIEWER, app_models.AppsQuery(), store=store).items == []
    with pytest.raises(Forbidden):
        apps.list_reviews(ADMIN, app_models.AppsQuery(), store=as_(ADMIN, tables))
    # a reviewer who submitted is refused (a platform admin is no partner, but the rule stands)
    apps.add_version(PARTNER, app_id, MANIFEST, store=as_(PARTNER, tables), now=AT)
    apps.submit(PARTNER, app_id, 2, store=as_(PARTNER, tables), now=AT)
    same = Principal(tenant="platform", user="dev-1", kind="staff", roles=frozenset({"platform_admin"}))
    with pytest.raises(Forbidden):
        apps.decide(same, app_id, 2, True, store=as_(same, tables))
    with pytest.raises(NotFound):
        apps.get_app(OTHER_PARTNER, app_id, store=as_(OTHER_PARTNER, tables))


def test_an_install_records_the_consent_and_is_one_per_app(tables: Tables) -> None:
    app_id = listed(tables)
    store = as_(ADMIN, tables)
    with pytest.raises(RuleViolation, match="roster:read"):
        installations.install(
            ADMIN,
            models.InstallIn(app_id=app_id, version=1, scopes=["directory:read"], events=CONSENT["events"]),
            store=store,
        )
    made = installations.install(
        ADMIN, models.InstallIn(app_id=app_id, version=1, **CONSENT), store=store, now=AT
    )
    assert (made.consented_by, made.consented_by_name, made.consented_at) == ("adm-1", "王伟", AT)
    assert tables.standing[("h-one", made.id)]["scopes"] == ["roster:read", "directory:read", "events:read"]
    assert [e.type for e in store.uow.published] == ["app.installed"]
    assert store.uow.published[0].data["webhook_url"] == "https://example.com/h"
    with pytest.raises(Conflict, match=made.id):
        installations.install(
            ADMIN, models.InstallIn(app_id=app_id, version=1, **CONSENT), store=as_(ADMIN, tables)
        )
    view = tables.partner_views[("p-one", app_id)]
    assert [v.hospital_name for v in view.values()] == ["未来医院"]


def test_usage_counts_todays_calls_on_the_provinces_day(
    tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Calls are metered on the China day (UTC+8): at 16:30 UTC on 1 December it is 2 December
    there, and the admin's usage view (no dates asked) includes that day's calls."""
    app_id = listed(tables)
    store = as_(ADMIN, tables)
    made = installations.install(
        ADMIN, models.InstallIn(app_id=app_id, version=1, **CONSENT), store=store, now=AT
    )
    tables.usage[("h-one", made.id)] = {"2026-12-01": 3, "2026-12-02": 2}
    monkeypatch.setattr(installations, "now_utc", lambda: datetime(2026, 12, 1, 16, 30, tzinfo=UTC))
    seen = installations.usage(ADMIN, made.id, models.UsageQuery(), store=as_(ADMIN, tables))
    assert [(d.day.isoformat(), d.calls) for d in seen.days] == [("2026-12-01", 3), ("2026-12-02", 2)]
    assert seen.total == 5


def test_uninstall_ends_standing_and_credentials_together_and_a_reinstall_is_new(tables: Tables) -> None:
    app_id = listed(tables)
    inst = installations.install(
        ADMIN, models.InstallIn(app_id=app_id, version=1, **CONSENT), store=as_(ADMIN, tables), now=AT
    )
    creds = installations.issue_credentials(PARTNER, app_id, inst.id, store=as_(PARTNER, tables), now=AT)
    stored = tables.credentials[("h-one", inst.id)]
    assert verify(stored, creds.client_secret, AT) and creds.client_secret not in stored.model_dump_json()
    with pytest.raises(NotFound):
        installations.issue_credentials(OTHER_PARTNER, app_id, inst.id, store=as_(OTHER_PARTNER, tables))
    store = as_(ADMIN, tables)
    installations.uninstall(ADMIN, inst.id, store=store, now=AT + timedelta(hours=1))
    assert tables.standing[("h-one", inst.id)]["status"] == "uninstalled"
    assert ("h-one", inst.id) not in tables.credentials
    assert store.uow.published[-1].type == "app.uninstalled" and store.uow.published[-1].data["scopes"] == []
    again = installations.install(
        ADMIN, models.InstallIn(app_id=app_id, version=1, **CONSENT), store=as_(ADMIN, tables)
    )
    assert again.id != inst.id


def test_revocation_refuses_older_tokens_and_clears_the_secrets(tables: Tables) -> None:
    app_id = listed(tables)
    inst = installations.install(
        ADMIN, models.InstallIn(app_id=app_id, version=1, **CONSENT), store=as_(ADMIN, tables), now=AT
    )
    installations.issue_credentials(PARTNER, app_id, inst.id, store=as_(PARTNER, tables), now=AT)
    installations.revoke(ADMIN, inst.id, store=as_(ADMIN, tables), now=AT + timedelta(minutes=5))
    assert tables.standing[("h-one", inst.id)]["not_before"] == AT + timedelta(minutes=5)
    assert ("h-one", inst.id) not in tables.credentials


def test_a_bundle_installs_all_or_nothing(tables: Tables) -> None:
    a = listed(tables)
    b = listed(tables, MANIFEST.model_copy(update={"name": "护理日报"}))
    bundle = installations.create_bundle(
        REVIEWER,
        models.BundleIn(name="西医医院免费支撑套件", app_ids=[a, b]),
        store=as_(REVIEWER, tables),
        now=AT,
    )
    wrong = models.BundleInstallIn(
        consents={a: models.Consent(**CONSENT), b: models.Consent(scopes=[], events=[])}
    )
    with pytest.raises(RuleViolation, match="护理日报"):
        installations.install_bundle(ADMIN, bundle.id, wrong, store=as_(ADMIN, tables))
    assert not [k for k in tables.installations if k[0] == "h-one"]
    good = models.BundleInstallIn(consents={a: models.Consent(**CONSENT), b: models.Consent(**CONSENT)})
    done = installations.install_bundle(ADMIN, bundle.id, good, store=as_(ADMIN, tables), now=AT)
    assert {i.app_id for i in done.installations} == {a, b}
