"""Installations: a hospital admin installs (consents), upgrades, uninstalls, revokes credentials and
reads usage; the partner gets per-installation credentials and sees where its app is installed."""

from __future__ import annotations

from chalicelib.marketplace.contracts import installations as models
from chalicelib.marketplace.service import installations

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route
ADMIN = ("hospital_admin",)
STAFF = ("staff",)
PARTNER = ("partner",)


@route(
    "/installations",
    "POST",
    summary="Install an app: consent to exactly the scopes and events its listed version asks",
    body=models.InstallIn,
    response=models.Installation,
    status=201,
    roles=ADMIN,
    kinds=STAFF,
    idempotent=True,
    # the catalogue entry, the hospital's claim on the app, the hospital's name; the installation, claim,
    # standing, the partner's entries, the event and the audit in one transaction
    budget={"GetItem": 3, "TransactWriteItems": 1},
)
def install(ctx: RequestContext, body: models.InstallIn) -> models.Installation:
    return installations.install(ctx.principal, body, ctx.request_id)


@route(
    "/installations",
    summary="The hospital's installations: app names, versions, who consented, whether an upgrade is listed",
    query=models.InstallationsQuery,
    response=models.InstallationList,
    roles=ADMIN,
    kinds=STAFF,
    budget={"Query": 1, "BatchGetItem": 1},
)
def list_installations(ctx: RequestContext, query: models.InstallationsQuery) -> models.InstallationList:
    return installations.list_installations(ctx.principal, query)


@route(
    "/installations/{installation_id}",
    summary="One installation of the hospital",
    response=models.Installation,
    roles=ADMIN,
    kinds=STAFF,
    budget={"GetItem": 2},  # the installation, its app's catalogue entry
)
def get_installation(ctx: RequestContext, installation_id: str) -> models.Installation:
    return installations.get_installation(ctx.principal, installation_id)


@route(
    "/installations/{installation_id}/upgrade",
    "POST",
    summary="Upgrade to the newer listed version: consent to exactly what it asks",
    body=models.UpgradeIn,
    response=models.Installation,
    roles=ADMIN,
    kinds=STAFF,
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def upgrade(ctx: RequestContext, installation_id: str, body: models.UpgradeIn) -> models.Installation:
    return installations.upgrade(ctx.principal, installation_id, body, ctx.request_id)


@route(
    "/installations/{installation_id}",
    "DELETE",
    summary="Uninstall: every token refused at once, credentials gone, the partner told (app.uninstalled)",
    status=204,
    roles=ADMIN,
    kinds=STAFF,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def uninstall(ctx: RequestContext, installation_id: str) -> None:
    installations.uninstall(ctx.principal, installation_id, ctx.request_id)


@route(
    "/installations/{installation_id}/credentials/revoke",
    "POST",
    summary="Revoke the app's credentials: every token issued before now is refused",
    response=models.Installation,
    roles=ADMIN,
    kinds=STAFF,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def revoke_credentials(ctx: RequestContext, installation_id: str) -> models.Installation:
    return installations.revoke(ctx.principal, installation_id, ctx.request_id)


@route(
    "/installations/{installation_id}/usage",
    summary="The app's calls per day in this hospital (from, to: days; the last 31 by default)",
    query=models.UsageQuery,
    response=models.Usage,
    roles=ADMIN,
    kinds=STAFF,
    budget={"GetItem": 1, "Query": 1},
)
def usage(ctx: RequestContext, installation_id: str, query: models.UsageQuery) -> models.Usage:
    return installations.usage(ctx.principal, installation_id, query)


@route(
    "/apps/{app_id}/installations/{installation_id}/credentials",
    "POST",
    summary="Client credentials for an installation of the partner's app (the secret shown once; rotates)",
    response=models.ClientCredentials,
    status=201,
    kinds=PARTNER,
    # where the installation is (the partner's pointer), the installation and its credentials (one Query)
    budget={"GetItem": 1, "Query": 1, "TransactWriteItems": 1},
)
def issue_credentials(ctx: RequestContext, app_id: str, installation_id: str) -> models.ClientCredentials:
    return installations.issue_credentials(ctx.principal, app_id, installation_id, ctx.request_id)


@route(
    "/apps/{app_id}/installations",
    summary="Where the partner's app is installed: hospitals by name, versions, status",
    query=models.InstallationsQuery,
    response=models.PartnerInstallationList,
    kinds=PARTNER,
    budget={"GetItem": 1, "Query": 1},  # the app (the partner's own), its installations
)
def list_partner_installations(
    ctx: RequestContext, app_id: str, query: models.InstallationsQuery
) -> models.PartnerInstallationList:
    return installations.partner_installations(ctx.principal, app_id, query)
