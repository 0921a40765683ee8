"""Partners, apps, versions, the review and the catalogue: requests and responses."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.pages import ListQuery, Page

URL = r"^https://[^\s]{1,500}$"


class PartnerIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "杭州示例医疗科技有限公司", "contact": "dev@example.com", "website": None}]
        },
    )

    name: str = Field(min_length=1, max_length=80, description="the organisation's name (Chinese)")
    contact: str = Field(min_length=1, max_length=120)
    website: str | None = Field(None, pattern=URL)


class Partner(BaseModel):
    id: str
    name: str
    contact: str
    website: str | None
    updated_at: datetime
    revision: int


class AskedScope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=200, description="why the app needs it (the admin reads it)")


class ManifestIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "智能排班助手",
                    "description": "根据排班与通讯录自动提醒值班",
                    "icon_url": "https://example.com/icon.png",
                    "scopes": [
                        {"scope": "roster:read", "reason": "读取排班以生成提醒"},
                        {"scope": "directory:read", "reason": "显示科室与人员姓名"},
                    ],
                    "events": ["roster.published"],
                    "webhook_url": "https://example.com/hooks",
                    "pricing": "免费",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=40)
    description: str = Field(min_length=1, max_length=2000)
    icon_url: str | None = Field(None, pattern=URL)
    scopes: list[AskedScope] = Field(max_length=20)
    events: list[str] = Field(default_factory=list, max_length=50)
    webhook_url: str | None = Field(
        None, pattern=r"^https?://[^\s]{1,500}$", description="https (a local stack: also http to 127.0.0.1)"
    )
    pricing: str = Field("", max_length=200)


class ScopeView(BaseModel):
    scope: str
    label: str = Field(description="what the hospital admin reads (Chinese)")
    reason: str


class EventView(BaseModel):
    type: str
    description: str


class ManifestView(BaseModel):
    name: str
    description: str
    icon_url: str | None
    scopes: list[ScopeView]
    events: list[EventView]
    webhook_url: str | None
    pricing: str


class VersionView(BaseModel):
    version: int
    state: str
    manifest: ManifestView
    created_at: datetime
    submitted_at: datetime | None
    reviewed_by: str
    reviewed_by_name: str
    reviewed_at: datetime | None
    reason: str


class AppView(BaseModel):
    id: str
    name: str
    partner: str
    partner_name: str
    listed_version: int | None
    versions: list[VersionView]
    created_at: datetime
    updated_at: datetime


class AppSummary(BaseModel):
    id: str
    name: str
    listed_version: int | None
    latest_version: int
    latest_state: str
    updated_at: datetime


class AppList(Page[AppSummary]):
    pass


class AppsQuery(ListQuery):
    pass


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class ReviewView(BaseModel):
    app_id: str
    app_name: str
    version: int
    partner: str
    partner_name: str
    submitted_at: datetime
    submitted_by: str


class ReviewList(Page[ReviewView]):
    pass


class CatalogueQuery(ListQuery):
    q: str | None = Field(
        None, max_length=40, description="Chinese, full pinyin or initials: 排班, paiban, pb"
    )


class CatalogueItem(BaseModel):
    app_id: str
    name: str
    description: str
    icon_url: str | None
    partner: str
    partner_name: str
    version: int


class CatalogueList(Page[CatalogueItem]):
    pass


class CatalogueDetail(BaseModel):
    app_id: str
    version: int
    partner: str
    partner_name: str
    manifest: ManifestView
    baseline_scopes: list[ScopeView] = Field(description="what every installation holds without asking")
    installed: bool
    installation_id: str | None
