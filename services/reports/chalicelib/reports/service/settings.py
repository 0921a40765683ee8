"""The morning report's settings: a hospital admin names the leaders told (roles and people) and the time.

Audited; saved on the version read (409 when another admin saved first). Listed leaders must be active
staff of the hospital: unknown or departed ones are a 422 naming them (with the name when it is known).
"""

from __future__ import annotations

from chalicelib.reports.contracts import settings as models
from chalicelib.reports.domain.morning import ReportSettings
from chalicelib.reports.domain.ports import Directory, Store
from chalicelib.reports.service import wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, RuleViolation

ADMIN = "hospital_admin"
DEFAULT_TIMEZONE = "Asia/Shanghai"


def _require_admin(principal: Principal) -> None:
    if ADMIN not in principal.roles:
        raise Forbidden(f"requires one of the roles: {ADMIN}")


def _view(principal: Principal, settings: ReportSettings, directory: Directory) -> models.SettingsView:
    people = directory.people(principal.tenant, settings.leaders) if settings.leaders else {}
    hospital = directory.hospital(principal.tenant)
    return models.SettingsView(
        version=settings.revision,
        leader_roles=settings.leader_roles,
        leaders=[models.Leader(id=i, name=people[i].name if i in people else "") for i in settings.leaders],
        send_at=settings.send_at,
        enabled=settings.enabled,
        timezone=hospital.timezone if hospital else DEFAULT_TIMEZONE,
    )


def get_settings(
    principal: Principal, *, store: Store | None = None, directory: Directory | None = None
) -> models.SettingsView:
    _require_admin(principal)
    store = store or wiring.reader(principal.tenant)
    directory = directory or wiring.directory()
    return _view(principal, store.settings.get() or ReportSettings(), directory)


def put_settings(
    principal: Principal,
    body: models.SettingsIn,
    request_id: str | None = None,
    *,
    store: Store | None = None,
    directory: Directory | None = None,
) -> models.SettingsView:
    _require_admin(principal)
    store = store or wiring.store(principal, request_id)
    directory = directory or wiring.directory()
    leaders = list(dict.fromkeys(body.leaders))
    people = directory.people(principal.tenant, leaders) if leaders else {}
    refused = [
        f"{people[i].name}（{i}）" if i in people else i
        for i in leaders
        if i not in people or people[i].status == "left"
    ]
    if refused:
        raise RuleViolation(f"not active staff of this hospital: {', '.join(refused)}", field="leaders")
    before = store.settings.get()
    if (before.revision if before else 0) != body.version:
        raise Conflict("the report settings changed meanwhile; reload them")
    settings = ReportSettings(
        leader_roles=list(dict.fromkeys(body.leader_roles)),
        leaders=leaders,
        send_at=body.send_at,
        enabled=body.enabled,
        revision=body.version,
    )
    store.settings.put(settings, Conflict("the report settings changed meanwhile; reload them"))
    store.audit(
        "report.settings_saved",
        "report-settings",
        "settings",
        before=before.model_dump(exclude={"revision"}) if before else None,
        after=settings.model_dump(exclude={"revision"}),
    )
    store.commit()
    return _view(principal, settings.model_copy(update={"revision": body.version + 1}), directory)
