"""Follow-up plans by disease (随访方案): steps relative to discharge, versioned like approval templates.

A plan is a list of **steps**, each a task on a day counted from discharge (D+1 call, D+7
questionnaire, D+30 revisit reminder…) for the responsible doctor, a nurse of the department, or the
patient's care team. A step may **repeat** every N days up to a day after discharge, or for life (a
kidney transplant's labs). Publishing a plan makes a new **version**; an enrolment keeps the version it
started with, so a patient's schedule never changes under them.

``occurrences`` turns a plan into dated steps between two days: an enrolment materialises its first
year at once, and a lifelong plan is extended later from where it stopped (``materialised_to``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StepKind = Literal["call", "questionnaire", "revisit", "lab", "visit"]
Assignee = Literal["doctor", "nurse", "team"]
# How far ahead an enrolment's tasks exist: its first year at enrolment, then kept a year ahead.
HORIZON_DAYS = 365
# An enrolment of at most this many tasks a year (steps × repeats) fits one transaction with its
# patient (3 items), encounter and claim, enrolment, two audits and event (DynamoDB's 100-item limit).
MAX_TASKS_PER_YEAR = 80


class LabItem(BaseModel):
    """One value a lab step asks for, with its unit and normal range: a result outside it alerts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$", examples=["tacrolimus_trough"])
    name: str = Field(min_length=1, max_length=40, examples=["他克莫司谷浓度"])
    unit: str = Field("", max_length=20, examples=["ng/mL"])
    low: float | None = Field(None, description="the lowest normal value (none: no lower bound)")
    high: float | None = Field(None, description="the highest normal value (none: no upper bound)")
    normal: str = Field("", max_length=40, description="a qualitative normal result, e.g. 阴性")

    def problem(self) -> str | None:
        if self.low is None and self.high is None and not self.normal:
            return "a lab item needs a normal range (low, high) or a normal result"
        if self.low is not None and self.high is not None and self.low > self.high:
            return "a lab item's low is above its high"
        return None

    def abnormal(self, value: float | str) -> bool:
        """Whether ``value`` is outside the normal range (a number) or is not the normal result."""
        if isinstance(value, str):
            return bool(self.normal) and value.strip() != self.normal
        return (self.low is not None and value < self.low) or (self.high is not None and value > self.high)


class Repeat(BaseModel):
    """Every ``every_days`` days after the step's first day, up to day ``until_day`` (none: for life)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    every_days: int = Field(ge=1, le=3650, examples=[7])
    until_day: int | None = Field(
        None, ge=0, le=36500, description="the last day after discharge; none: lifelong"
    )


class PlanStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=30, pattern=r"^[a-z0-9-]+$", examples=["d7-questionnaire"])
    offset_days: int = Field(ge=0, le=3650, description="the day after discharge it is due (D+n)")
    kind: StepKind
    title: str = Field(min_length=1, max_length=60, examples=["出院后第7天问卷"])
    assignee: Assignee = Field(
        "doctor", description="who does it: the responsible doctor, a nurse of the department, the care team"
    )
    window_days: int = Field(7, ge=0, le=90, description="days after due it may still be done")
    urgent: bool = Field(False, description="an abnormal result of it is sent as DING")
    questionnaire_code: str = Field("", max_length=40, description="a questionnaire step's questionnaire")
    lab_items: list[LabItem] = Field(default_factory=list, max_length=20)
    repeat: Repeat | None = None

    def problems(self, at: str) -> list[tuple[str, str]]:
        """What is wrong with the step, each (field, message); ``at`` is where the step is."""
        out = []
        if self.kind == "questionnaire" and not self.questionnaire_code:
            out.append((f"{at}.questionnaire_code", "a questionnaire step names its questionnaire_code"))
        if self.kind == "lab" and not self.lab_items:
            out.append((f"{at}.lab_items", "a lab step lists its lab_items"))
        for n, item in enumerate(self.lab_items):
            problem = item.problem()
            if problem:
                out.append((f"{at}.lab_items.{n}", problem))
        until = self.repeat.until_day if self.repeat is not None else None
        if until is not None and until < self.offset_days:
            out.append((f"{at}.repeat.until_day", "a step repeats until a day after its first"))
        return out

    def days(self, first: int, last: int) -> list[int]:
        """The days after discharge it falls on, between ``first`` and ``last`` (both included)."""
        if self.repeat is None:
            return [self.offset_days] if first <= self.offset_days <= last else []
        end = last if self.repeat.until_day is None else min(last, self.repeat.until_day)
        every = self.repeat.every_days
        start = self.offset_days
        if first > start:
            start += -(-(first - start) // every) * every
        return list(range(start, end + 1, every))

    def detail(self) -> dict[str, Any]:
        """What a task of this step carries: ``questionnaire_code``, or the lab ``items`` with their ranges
        (``{code, name, unit, low, high, normal}``)."""
        out: dict[str, Any] = {}
        if self.questionnaire_code:
            out["questionnaire_code"] = self.questionnaire_code
        if self.lab_items:
            # ``items``: the key the lab-result check reads its ranges from (domain/results.plan_range)
            out["items"] = [i.model_dump() for i in self.lab_items]
        return out


class PlanBody(BaseModel):
    """What an editor writes: the plan's words and its steps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$", examples=["copd"])
    name: str = Field(min_length=1, max_length=60, examples=["慢阻肺出院随访"])
    disease: str = Field(min_length=1, max_length=60, examples=["慢性阻塞性肺疾病"])
    icd10: list[str] = Field(default_factory=list, max_length=20, description="the codes it is meant for")
    description: str = Field("", max_length=500)
    steps: list[PlanStep] = Field(min_length=1, max_length=40)

    def problems(self) -> list[tuple[str, str]]:
        """What is wrong with the plan beyond its schema, each (field, message): a questionnaire step
        without its questionnaire, a lab step without items or ranges, two steps of one id, more tasks
        a year than one enrolment's transaction holds."""
        out = [p for n, step in enumerate(self.steps) for p in step.problems(f"steps.{n}")]
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            out.append(("steps", "two steps have the same id"))
        made = len(occurrences(self.steps, 0, HORIZON_DAYS))
        if made > MAX_TASKS_PER_YEAR:
            out.append(("steps", f"a plan makes at most {MAX_TASKS_PER_YEAR} tasks in a year"))
        return out

    @property
    def lifelong(self) -> bool:
        return any(s.repeat is not None and s.repeat.until_day is None for s in self.steps)

    @property
    def last_day(self) -> int | None:
        """The last day after discharge a task falls on (none: lifelong)."""
        if self.lifelong:
            return None
        ends = [s.repeat.until_day if s.repeat else s.offset_days for s in self.steps]
        return max(e for e in ends if e is not None)


class Plan(PlanBody):
    """A hospital's plan at one version (a built-in's version 1 is the code's own)."""

    id: str
    version: int = 1
    builtin: bool = False
    created_at: datetime
    updated_at: datetime
    updated_by: str = ""
    updated_by_name: str = ""
    revision: int = 0


@dataclass(frozen=True)
class Occurrence:
    """One dated step of a plan: the ``ordinal``-th task of the enrolment (stable for a plan version)."""

    ordinal: int
    day: int
    step: PlanStep


def occurrences(steps: list[PlanStep], first: int, last: int) -> list[Occurrence]:
    """Every step's days between ``first`` and ``last`` after discharge, by day then step order.

    ``ordinal`` counts from day 0, so the same occurrence has the same ordinal whether it is made at
    enrolment or by a later extension (tasks are keyed on it: extending twice makes nothing twice)."""
    before = len(_dated(steps, 0, first - 1)) if first > 0 else 0
    return [Occurrence(before + n, day, step) for n, (day, step) in enumerate(_dated(steps, first, last))]


def _dated(steps: list[PlanStep], first: int, last: int) -> list[tuple[int, PlanStep]]:
    if last < first:
        return []
    order = {s.id: n for n, s in enumerate(steps)}
    dated = [(day, step) for step in steps for day in step.days(first, last)]
    return sorted(dated, key=lambda d: (d[0], order[d[1].id]))


def due_on(discharge: date, day: int) -> date:
    return discharge + timedelta(days=day)
