"""Onboarding a hospital into a province: the tenant and its first administrator (rules only, no AWS).

What is written, and where, is the adapter's business (``fh.tenancy_store``); this module decides what a
valid onboarding is, so it can be checked before any store is touched.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from shared.errors import RuleViolation

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
PROVINCE_CODE = re.compile(r"^[a-z][a-z0-9]{1,9}$")
EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
ADMIN_ROLE = "hospital_admin"
DEFAULT_ADMIN_UNIT = "院办"  # the hospital office, where the first administrator is placed
MAX_NAME = 100


@dataclass(frozen=True)
class Onboarding:
    """A hospital to create: tenant ``tenant`` in ``province``, with one administrator in one unit."""

    tenant: str
    name: str
    province: str
    admin_name: str
    admin_employee_no: str
    admin_unit: str = DEFAULT_ADMIN_UNIT
    timezone: str = "Asia/Shanghai"
    # The administrator's subject at the province's OIDC issuer (the tokens' ``sub``), when known.
    admin_user: str | None = None


def new_tenant_id(province: str) -> str:
    """A fresh id for a hospital whose name does not make one (Chinese names do not slug)."""
    return f"{province}-{secrets.token_hex(4)}"


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise RuleViolation(f"{field} must not be blank", field=field)
    if len(value) > MAX_NAME:
        raise RuleViolation(f"{field} is longer than {MAX_NAME} characters", field=field)
    return value


def plan(
    province: str,
    name: str,
    admin: str,
    *,
    tenant: str | None = None,
    admin_employee_no: str = "admin",
    admin_unit: str = DEFAULT_ADMIN_UNIT,
    timezone: str = "Asia/Shanghai",
    admin_user: str | None = None,
) -> Onboarding:
    """Check an onboarding request and fill in what was left out (the tenant id)."""
    if not PROVINCE_CODE.match(province):
        raise RuleViolation(f"{province!r} is not a province code (e.g. zj)", field="province")
    tenant = tenant if tenant is not None else new_tenant_id(province)
    if not TENANT_ID.match(tenant):
        raise RuleViolation(
            f"{tenant!r} is not a tenant id: lower-case letters, digits and '-', 2-63 characters, "
            "starting with a letter or digit",
            field="tenant",
        )
    if not EMPLOYEE_NO.match(admin_employee_no):
        raise RuleViolation(
            "an employee number is 1-32 letters, digits, '_' or '-'", field="admin_employee_no"
        )
    return Onboarding(
        tenant=tenant,
        name=_text(name, "name"),
        province=province,
        admin_name=_text(admin, "admin"),
        admin_employee_no=admin_employee_no,
        admin_unit=_text(admin_unit, "admin_unit"),
        timezone=timezone,
        admin_user=_text(admin_user, "admin_user") if admin_user is not None else None,
    )
