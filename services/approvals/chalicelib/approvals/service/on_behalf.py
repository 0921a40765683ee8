"""Approvals another service asks for with an event (a roster's 排班审批, a swap's 换班): the built-in
template started as the person who asked, or the reason it cannot start — which the caller answers with
its ``failed`` decision, so nothing is dropped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.approvals.domain.ports import Directory, Store
from chalicelib.approvals.service.approvals import start

from shared import problems
from shared.auth import Principal
from shared.errors import RuleViolation


class NotStarted(Exception):
    """The approval cannot start; ``reason`` is what its requester reads (and can act on)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Refusals:
    """Why it cannot start, in the words of its kind: no template, the requester gone, nobody to
    approve, the hospital's form refusing it (a format with the fields)."""

    not_installed: str
    requester_gone: str
    no_approver: str
    form_refused: str


def start_for(
    requester: Principal,
    code: str,
    form: Callable[[], dict[str, Any]],
    title: str,
    key: str,
    instance_id: str,
    store: Store,
    directory: Directory,
    refusals: Refusals,
) -> None:
    """The hospital's template ``code`` started as ``requester`` (named as the directory has her now,
    kept on the approval) with the ``form`` built once the template is there; ``NotStarted`` otherwise."""
    template = store.templates.by_code(code)
    if template is None:
        raise NotStarted(refusals.not_installed)
    if directory.member_status(requester.staff) != "active":
        raise NotStarted(refusals.requester_gone)
    filled = form()
    named = replace(requester, staff_name=directory.names([requester.staff]).get(requester.staff))
    try:
        start(named, template, filled, title, key, store, directory, instance_id=instance_id)
    except RuleViolation as exc:  # the route: nobody to approve (and no fallback)
        raise NotStarted(refusals.no_approver, str(exc)) from exc
    except problems.Problem as exc:  # the form, as the hospital's template now has it
        fields = ", ".join(e.field for e in exc.errors) or exc.detail
        raise NotStarted(refusals.form_refused.format(fields), str(exc)) from exc
