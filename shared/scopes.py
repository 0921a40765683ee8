"""The partner scopes of the province: what an installed app may be given, read by every service.

A scope names, in one place, what a hospital consents to when it installs an app: the routes that
declare it (``ServiceAPI.route(..., kinds=(..., "partner"), scopes=(<scope>,))``) and the event types
an installation holding it may subscribe to. The marketplace checks manifests against this catalogue,
shows the hospital admin the labels below at install time, and fans events out by it; the HTTP layer
refuses a partner token any route that does not list ``partner`` among its kinds or whose scopes the
token was not given. No pydantic here: it is read on every partner request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    name: str
    label: str  # what the hospital admin reads at install time (Chinese)
    description: str
    # Event types (exact names, or a prefix ending in ``.*``) an installation with this scope may receive.
    events: tuple[str, ...] = ()

    def allows_event(self, event_type: str) -> bool:
        return any(
            event_type == pattern or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))
            for pattern in self.events
        )


SCOPES: dict[str, Scope] = {
    scope.name: scope
    for scope in (
        Scope(
            "events:read",
            "接收已授权的事件（事件拉取）",
            "Read the installation's own events (the polling feed); every installation holds it.",
        ),
        Scope(
            "directory:read",
            "读取通讯录（科室、人员姓名与职务）",
            "Read the hospital's departments and staff (names, departments, titles, roles; no mobiles).",
            events=("department.*", "staff.*"),
        ),
        Scope(
            "approvals:read",
            "读取审批单",
            "Read approval requests and their progress (approvals of the hospital's templates).",
            events=("approval.*",),
        ),
        Scope(
            "roster:read",
            "读取排班与值班",
            "Read published rosters and who is on duty.",
            events=("roster.*",),
        ),
        Scope(
            "followup:revisits:write",
            "提交慢病复诊申请",
            "Ask for chronic revisits on a patient's behalf, and hear how they are handled.",
            events=("followup.revisit.*",),
        ),
        Scope(
            "referral:read",
            "接收转诊与会诊动态",
            "Hear about the hospital's referrals and consultations (ids and states, no patient identity).",
            events=("referral.*", "consultation.*"),
        ),
        Scope(
            "report:census:write",
            "报送医疗业务日报数据（门急诊、出入院、床位、手术）",
            "Send the hospital's daily HIS census (visits, admissions, discharges, inpatients, beds, "
            "surgeries) for the director's daily report; read the indicator catalogue it feeds.",
        ),
    )
}

# Scopes every installation holds without asking (its own events, already consented type by type).
BASELINE_SCOPES: tuple[str, ...] = ("events:read",)

# Events every installation hears about itself, whatever its scopes (installed, upgraded, uninstalled).
LIFECYCLE_EVENTS: tuple[str, ...] = ("app.installed", "app.upgraded", "app.uninstalled")


def unknown_scopes(names: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> list[str]:
    return sorted(set(names) - set(SCOPES))


def events_allowed(scopes: list[str] | tuple[str, ...] | set[str] | frozenset[str], event_type: str) -> bool:
    """Whether an installation holding ``scopes`` may receive ``event_type``."""
    if event_type in LIFECYCLE_EVENTS:
        return True
    return any(SCOPES[name].allows_event(event_type) for name in scopes if name in SCOPES)
