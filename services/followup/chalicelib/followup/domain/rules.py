"""Enrolment rules: which plan a discharge is enrolled in, by diagnosis, department and procedure.

The rules are an ordered list; the **first** rule that matches wins (so put the specific before the
general). A rule matches when every criterion it sets matches: an ICD-10 code prefix against any of
the discharge's diagnoses (``I10`` matches ``I10.x05``; dots and case do not matter), the department
exactly, a procedure code prefix (``*`` = any procedure at all). A discharge no rule matches is
recorded but not enrolled.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


def normalise_code(code: str) -> str:
    return code.strip().upper().replace(".", "")


class EnrolmentRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    icd10_prefix: str = Field("", max_length=10, examples=["I10"])
    department_id: str = Field("", max_length=64)
    procedure_code: str = Field("", max_length=20, description="a procedure code prefix; * = any procedure")
    plan_id: str = Field(min_length=1, max_length=64, examples=["hypertension"])

    def problem(self) -> str | None:
        if not (self.icd10_prefix or self.department_id or self.procedure_code):
            return "a rule sets at least one of icd10_prefix, department_id, procedure_code"
        return None

    def matches(self, diagnoses: list[str], department_id: str, procedure: str) -> bool:
        if self.icd10_prefix:
            prefix = normalise_code(self.icd10_prefix)
            if not any(normalise_code(d).startswith(prefix) for d in diagnoses):
                return False
        if self.department_id and self.department_id != department_id:
            return False
        if self.procedure_code:
            if not procedure:
                return False
            if self.procedure_code != "*" and not normalise_code(procedure).startswith(
                normalise_code(self.procedure_code)
            ):
                return False
        return True


class RuleSet(BaseModel):
    """A hospital's rules: the built-in defaults (``stored`` false, version 0) until it saves its own
    (version = stored revision + 1)."""

    model_config = ConfigDict(frozen=True)

    rules: list[EnrolmentRule]
    updated_at: datetime | None = None
    updated_by: str = ""
    updated_by_name: str = ""
    stored: bool = False
    revision: int = 0

    @property
    def version(self) -> int:
        return self.revision + 1 if self.stored else 0

    def match(self, diagnoses: list[str], department_id: str, procedure: str) -> EnrolmentRule | None:
        """The first rule matching the discharge (none: it is not enrolled)."""
        for rule in self.rules:
            if rule.matches(diagnoses, department_id, procedure):
                return rule
        return None
