"""What approvals' use cases share: the service's name, the clock, rule errors as 422, reading a template."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.approvals.domain.ports import Store
from chalicelib.approvals.domain.records import TemplateRecord

from shared import problems
from shared.errors import NotFound

SERVICE = "approvals"
ADMIN_ROLE = "hospital_admin"


def now() -> datetime:
    return datetime.now(UTC)


def field_problem(errors: list[tuple[str, str]]) -> Exception:
    return problems.validation_failed([problems.FieldError(f, m, "rule") for f, m in errors])


def template_of(store: Store, template_id: str) -> TemplateRecord:
    """The template as stored (its current version); 404 when there is none."""
    template = store.templates.get(template_id)
    if template is None:
        raise NotFound("template")
    return template
