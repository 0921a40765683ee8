"""Partner organisations, their apps and app versions, the review, and the catalogue entry.

An app is a partner organisation's (its tenant); each version carries its whole manifest and goes
draft → in_review → approved | rejected. A platform admin reviews a version (never one they submitted);
the app's **listed** version is its newest approved one, copied to the province's catalogue with its
search tokens (Chinese suffixes, full pinyin and pinyin initials of its name), so that a search is one
Query on a prefix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import RuleViolation
from shared.scopes import BASELINE_SCOPES, SCOPES, events_allowed, unknown_scopes

VersionState = Literal["draft", "in_review", "approved", "rejected"]
# A name's search tokens: every suffix of its first characters, in three spellings (an approval writes
# them all in its one transaction, beside the old ones it deletes: 3 x 12 each way stays under 100).
SEARCH_CHARS = 12


class AskedScope(BaseModel):
    model_config = ConfigDict(frozen=True)

    scope: str
    reason: str


class Manifest(BaseModel):
    """What a version asks a hospital to consent to, and what its admin reads before installing."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    icon_url: str | None = None
    scopes: list[AskedScope]
    events: list[str] = Field(default_factory=list)
    webhook_url: str | None = None
    pricing: str = ""

    def scope_names(self) -> list[str]:
        return [s.scope for s in self.scopes]


class PartnerProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    contact: str
    website: str | None = None
    updated_at: datetime
    revision: int = 0


class AppVersion(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    state: VersionState = "draft"
    manifest: Manifest
    created_at: datetime
    submitted_at: datetime | None = None
    submitted_by: str = ""
    reviewed_by: str = ""
    reviewed_by_name: str = ""
    reviewed_at: datetime | None = None
    reason: str = ""


class App(BaseModel):
    """A partner's app: its versions (newest last) and which one is listed."""

    model_config = ConfigDict(frozen=True)

    id: str
    partner: str
    partner_name: str = ""
    versions: list[AppVersion]
    listed_version: int | None = None
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    @property
    def latest(self) -> AppVersion:
        return self.versions[-1]

    @property
    def name(self) -> str:
        listed = self.version(self.listed_version) if self.listed_version else None
        return (listed or self.latest).manifest.name

    def version(self, number: int | None) -> AppVersion | None:
        return next((v for v in self.versions if v.version == number), None)

    def with_version(self, changed: AppVersion, at: datetime) -> App:
        versions = [changed if v.version == changed.version else v for v in self.versions]
        return self.model_copy(update={"versions": versions, "updated_at": at})


class CatalogueEntry(BaseModel):
    """A listed app as the province's catalogue shows it (its listed version's manifest)."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    partner: str
    partner_name: str
    version: int
    manifest: Manifest
    listed_at: datetime
    tokens: list[str] = Field(default_factory=list)
    revision: int = 0


class ReviewEntry(BaseModel):
    """A version waiting for review, on the platform admins' queue (oldest first)."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    version: int
    partner: str
    partner_name: str
    app_name: str
    submitted_at: datetime
    submitted_by: str


LOOPBACK = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/")


def check_manifest(manifest: Manifest, loopback_http: bool = False) -> None:
    """Every scope is known (the baseline is held, not asked), asked once with a reason; every event
    type is published and allowed by the asked scopes; URLs are https (``loopback_http``: a local stack's
    webhook may be plain http to this machine, for ``fh partner receive``)."""
    names = manifest.scope_names()
    unknown = unknown_scopes(names)
    if unknown:
        raise RuleViolation(f"unknown scope: {', '.join(unknown)}", "scopes")
    baseline = sorted(set(names) & set(BASELINE_SCOPES))
    if baseline:
        raise RuleViolation(f"held by every installation, not asked: {', '.join(baseline)}", "scopes")
    if len(set(names)) != len(names):
        raise RuleViolation("each scope is asked once", "scopes")
    from shared.events.published import CATALOG

    unpublished = sorted(e for e in manifest.events if e not in CATALOG)
    if unpublished:
        raise RuleViolation(f"no such event type: {', '.join(unpublished)}", "events")
    held = [*names, *BASELINE_SCOPES]
    outside = sorted(e for e in manifest.events if not events_allowed(held, e))
    if outside:
        raise RuleViolation(f"event type not allowed by the scopes asked: {', '.join(outside)}", "events")
    if len(set(manifest.events)) != len(manifest.events):
        raise RuleViolation("each event type is asked once", "events")
    for name in ("icon_url", "webhook_url"):
        url = getattr(manifest, name)
        local = loopback_http and name == "webhook_url" and url is not None and url.startswith(LOOPBACK)
        if url is not None and not url.startswith("https://") and not local:
            raise RuleViolation("must be an https URL", name)


def scope_label(name: str) -> str:
    scope = SCOPES.get(name)
    return scope.label if scope else name


def search_tokens(name: str) -> list[str]:
    """The prefixes a search matches: each suffix of the name's first characters, in Chinese, in full
    pinyin and in pinyin initials (lower case, no spaces)."""
    from pypinyin import Style, lazy_pinyin

    text = "".join(name.lower().split())[:SEARCH_CHARS]
    split: Any = list  # a run pypinyin does not read (latin, digits) stays one syllable a character
    full = lazy_pinyin(text, errors=split)
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=split)
    tokens: set[str] = set()
    for i in range(len(text)):
        for token in (text[i:], "".join(full[i:]), "".join(initials[i:])):
            if token:
                tokens.add(token.lower())
    return sorted(tokens)


def normalise_query(q: str) -> str:
    return "".join(q.lower().split())
