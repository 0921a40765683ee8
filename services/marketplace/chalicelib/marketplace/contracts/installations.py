"""Installations (install = consent), upgrades, uninstalls, credentials, usage and bundles."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.pages import ListQuery, Page

ID = r"^[A-Za-z0-9_-]{1,64}$"


class Consent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scopes: list[str] = Field(max_length=20, description="exactly the scopes the version asks")
    events: list[str] = Field(
        default_factory=list, max_length=50, description="exactly the event types it asks"
    )


class InstallIn(Consent):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "app_id": "a1",
                    "version": 1,
                    "scopes": ["roster:read", "directory:read"],
                    "events": ["roster.published"],
                }
            ]
        },
    )

    # x-fh-ref: the id names an app of the catalogue (the fuzzing gate makes one to reference)
    app_id: str = Field(pattern=ID, json_schema_extra={"x-fh-ref": "/catalogue"})
    version: int = Field(ge=1)


class UpgradeIn(Consent):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class Installation(BaseModel):
    id: str
    app_id: str
    app_name: str
    partner: str
    partner_name: str
    version: int
    scopes: list[str]
    events: list[str]
    webhook_url: str | None
    status: str
    consented_by: str
    consented_by_name: str
    consented_at: datetime
    installed_at: datetime
    uninstalled_at: datetime | None
    upgrade_available: int | None = Field(None, description="the newer listed version, if any")


class InstallationList(Page[Installation]):
    pass


class InstallationsQuery(ListQuery):
    pass


class ClientCredentials(BaseModel):
    client_id: str
    client_secret: str = Field(description="shown once; the previous secret stays valid for 24 hours")
    previous_valid_until: datetime | None


class PartnerInstallation(BaseModel):
    installation_id: str
    tenant: str
    hospital_name: str
    app_id: str
    version: int
    status: str
    installed_at: datetime


class PartnerInstallationList(Page[PartnerInstallation]):
    pass


class UsageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: date | None = Field(None, alias="from")
    to: date | None = None


class UsageDay(BaseModel):
    day: date
    calls: int


class Usage(BaseModel):
    installation_id: str
    app_id: str
    app_name: str
    days: list[UsageDay]
    total: int


class BundleIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "西医医院免费支撑套件", "description": "排班、管理、日报", "app_ids": ["a1"]}
            ]
        },
    )

    name: str = Field(min_length=1, max_length=60)
    description: str = Field("", max_length=500)
    app_ids: list[str] = Field(min_length=1, max_length=10)


class BundleApp(BaseModel):
    app_id: str
    name: str
    version: int
    scopes: list[dict[str, str]] = Field(description="scope, label and the partner's reason")
    events: list[str]


class Bundle(BaseModel):
    id: str
    name: str
    description: str
    apps: list[BundleApp]
    created_at: datetime


class BundleList(Page[Bundle]):
    pass


class BundleInstallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consents: dict[str, Consent] = Field(
        description="app id → the consent to its listed version", max_length=10
    )


class BundleInstalled(BaseModel):
    bundle_id: str
    installations: list[Installation]
