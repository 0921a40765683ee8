"""A follow-up questionnaire (随访问卷): its items, when an item shows, how answers score, and which answers
are abnormal — and checking a patient's answers against the version they answered.

- **Items** are single choice, multi choice, a number with its unit (``min``/``max``), text, a date, or a
  scale (``0``–``10`` by default). An item with ``show_if`` is shown only while another item's answer
  matches (one of some options, or a number above/below): a hidden item is neither required nor kept.
- **Scores**: each option carries a score; a response's score is the sum of the options chosen, and
  ``bands`` name ranges of it (``0``: 良好, ``3``: 需关注, ``6``: 异常 — a band may be ``abnormal``).
- **Thresholds** per item mark an answer abnormal: a number (or scale) above or below a value, a choice
  among some options. An abnormal answer (or band) raises an alert to the responsible doctor, urgent
  when the questionnaire says ``urgent``.
- **Versions**: a change is a new version; a response keeps the version it answered, so it is read and
  scored by the items the patient saw.

Pure: no AWS. Built-ins are in ``domain/builtin_questionnaires.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ItemKind = Literal["single", "multi", "number", "text", "date", "scale"]
CHOICE_KINDS = ("single", "multi")
NUMBER_KINDS = ("number", "scale")
ITEM_ID = r"^[a-z][a-z0-9_]{0,39}$"
CODE = r"^[a-z][a-z0-9-]{1,47}$"
MAX_TEXT = 2000


class Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str = Field(min_length=1, max_length=40, description="what the answer holds, e.g. 'yes'")
    label: str = Field(min_length=1, max_length=100, description="what the patient reads, e.g. '是'")
    score: float = Field(0, ge=-1000, le=1000, description="added to the response's score when chosen")


class Condition(BaseModel):
    """Show an item only while ``item``'s answer is one of ``any_of`` (a choice), or above/below a value
    (a number or scale)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item: str = Field(pattern=ITEM_ID, description="the id of an earlier item")
    any_of: list[str] = Field(default_factory=list, max_length=50)
    above: float | None = None
    below: float | None = None


class Threshold(BaseModel):
    """When an item's answer is abnormal: a number above ``above`` or below ``below``, or a choice among
    ``any_of``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    above: float | None = None
    below: float | None = None
    any_of: list[str] = Field(default_factory=list, max_length=50)


class Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ITEM_ID, description="unique in the questionnaire, e.g. 'systolic'")
    kind: ItemKind
    label: str = Field(min_length=1, max_length=200, description="the question, e.g. '收缩压'")
    help: str = Field("", max_length=500)
    required: bool = True
    options: list[Option] = Field(default_factory=list, max_length=50, description="single and multi")
    unit: str = Field("", max_length=20, description="a number's unit, e.g. 'mmHg'")
    min: float | None = Field(None, description="number and scale (a scale is 0–10 unless given)")
    max: float | None = None
    show_if: Condition | None = None
    threshold: Threshold | None = None

    def bounds(self) -> tuple[float | None, float | None]:
        if self.kind == "scale":
            return (0.0 if self.min is None else self.min), (10.0 if self.max is None else self.max)
        return self.min, self.max


class Band(BaseModel):
    """From ``min_score`` up (to the next band): what the score means."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_score: float = Field(ge=-100000, le=100000)
    label: str = Field(min_length=1, max_length=60)
    abnormal: bool = False


class Definition(BaseModel):
    """What an admin writes: the questionnaire's content (its code and version are kept beside it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=1000)
    items: list[Item] = Field(min_length=1, max_length=100)
    bands: list[Band] = Field(default_factory=list, max_length=20)
    urgent: bool = Field(False, description="an abnormal response is a DING, not only a notification")


class Questionnaire(BaseModel):
    """One version of a hospital's questionnaire (or a built-in's, never stored until changed)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="its code, e.g. 'hypertension-bp' (a plan step names it)")
    version: int
    title: str
    description: str = ""
    items: list[Item]
    bands: list[Band] = Field(default_factory=list)
    urgent: bool = False
    builtin: bool = False
    updated_by: str = ""
    updated_by_name: str = ""
    updated_at: datetime | None = None
    revision: int = 0

    def definition(self) -> Definition:
        return Definition(
            title=self.title,
            description=self.description,
            items=self.items,
            bands=self.bands,
            urgent=self.urgent,
        )


# ---- checking a definition ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """What is wrong, and where (``items[2].show_if.item``, ``answers.systolic``)."""

    field: str
    message: str


def check_definition(definition: Definition) -> list[Fault]:
    """Faults of a definition an admin wrote (empty: it is sound)."""
    faults: list[Fault] = []
    seen: dict[str, Item] = {}
    for n, item in enumerate(definition.items):
        where = f"items[{n}]"
        if item.id in seen:
            faults.append(Fault(f"{where}.id", f"the item id {item.id} is used twice"))
        if item.kind in CHOICE_KINDS:
            values = [o.value for o in item.options]
            if not values:
                faults.append(Fault(f"{where}.options", "a choice item needs options"))
            if len(set(values)) != len(values):
                faults.append(Fault(f"{where}.options", "an option value is used twice"))
        elif item.options:
            faults.append(Fault(f"{where}.options", "only a choice item has options"))
        low, high = item.bounds()
        if item.kind in ("number", "scale") and low is not None and high is not None and low > high:
            faults.append(Fault(f"{where}.min", "min is above max"))
        if item.show_if is not None:
            target = seen.get(item.show_if.item)
            if target is None:
                faults.append(
                    Fault(f"{where}.show_if.item", f"the condition names an unknown item {item.show_if.item}")
                )
            else:
                faults += _rule_faults(f"{where}.show_if", target, item.show_if.any_of, item.show_if)
        if item.threshold is not None:
            faults += _rule_faults(f"{where}.threshold", item, item.threshold.any_of, item.threshold)
        seen.setdefault(item.id, item)
    return faults


def _rule_faults(where: str, target: Item, any_of: list[str], rule: Condition | Threshold) -> list[Fault]:
    """A condition or threshold on ``target``: options it has, or bounds if it is a number."""
    numeric = rule.above is not None or rule.below is not None
    if target.kind in CHOICE_KINDS:
        unknown = [v for v in any_of if v not in {o.value for o in target.options}]
        if unknown:
            return [Fault(f"{where}.any_of", f"{target.id} has no option {unknown[0]}")]
        if numeric or not any_of:
            return [Fault(where, f"a rule on the choice item {target.id} names its options (any_of)")]
        return []
    if target.kind in NUMBER_KINDS:
        if any_of or not numeric:
            return [Fault(where, f"a rule on the number item {target.id} gives above or below")]
        return []
    return [Fault(where, f"a rule cannot test the {target.kind} item {target.id}")]


# ---- answers ------------------------------------------------------------------------------------------


class Finding(BaseModel):
    """An abnormal answer (or score band), as the doctor reads it: '收缩压 182 mmHg（>160）'."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    label: str
    value: str
    rule: str
    text: str


@dataclass(frozen=True)
class Evaluation:
    answers: dict[str, Any]
    score: float
    band: str
    findings: list[Finding]
    faults: list[Fault]

    @property
    def abnormal(self) -> bool:
        return bool(self.findings)


def _num(value: float) -> str:
    return f"{value:g}"


def _matches(rule: Condition | Threshold, answer: Any) -> bool:
    if answer is None:
        return False
    if isinstance(answer, list):
        return any(v in rule.any_of for v in answer)
    if isinstance(answer, str):
        return answer in rule.any_of
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        return (rule.above is not None and answer > rule.above) or (
            rule.below is not None and answer < rule.below
        )
    return False


def visible(item: Item, answers: dict[str, Any]) -> bool:
    """Whether the patient sees ``item`` given the (cleaned) answers to the items before it."""
    return item.show_if is None or _matches(item.show_if, answers.get(item.show_if.item))


def _clean(item: Item, raw: Any) -> tuple[Any, str | None]:
    """The answer as kept, or what is wrong with it (never echoing free text back)."""
    if item.kind in CHOICE_KINDS:
        allowed = {o.value for o in item.options}
        if item.kind == "single":
            if not isinstance(raw, str) or raw not in allowed:
                return None, "choose one of the options"
            return raw, None
        if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v in allowed for v in raw):
            return None, "choose one or more of the options"
        return sorted(set(raw), key=[o.value for o in item.options].index), None
    if item.kind in NUMBER_KINDS:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            return None, "give a number"
        if item.kind == "scale" and raw != int(raw):
            return None, "give a whole number on the scale"
        low, high = item.bounds()
        if (low is not None and raw < low) or (high is not None and raw > high):
            return None, f"give a number from {_num(low if low is not None else raw)} to " + _num(
                high if high is not None else raw
            )
        return (int(raw) if item.kind == "scale" else float(raw)), None
    if item.kind == "date":
        try:
            return date.fromisoformat(str(raw)).isoformat(), None
        except ValueError:
            return None, "give a date (YYYY-MM-DD)"
    if not isinstance(raw, str) or len(raw) > MAX_TEXT:
        return None, f"give text of at most {MAX_TEXT} characters"
    return raw.strip(), None


def _shown(item: Item, value: Any) -> str:
    if item.kind in CHOICE_KINDS:
        labels = {o.value: o.label for o in item.options}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels[v] for v in values)
    if isinstance(value, float):
        value = _num(value)
    return f"{value} {item.unit}".strip()


def _rule_text(item: Item, threshold: Threshold, value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if threshold.above is not None and value > threshold.above:
            return f">{_num(threshold.above)}"
        if threshold.below is not None:
            return f"<{_num(threshold.below)}"
    return "异常选项"


def evaluate(questionnaire: Questionnaire, raw: dict[str, Any]) -> Evaluation:
    """Check ``raw`` answers against this version: each shown item's answer valid and present when
    required, hidden items' answers dropped, unknown items refused; the score, its band and the abnormal
    answers."""
    faults = [Fault(f"answers.{key}", "no such item") for key in raw if key not in _ids(questionnaire)]
    answers: dict[str, Any] = {}
    findings: list[Finding] = []
    score = 0.0
    for item in questionnaire.items:
        if not visible(item, answers):
            continue
        value = raw.get(item.id)
        if value is None or value == "" or value == []:
            if item.required:
                faults.append(Fault(f"answers.{item.id}", "an answer is required"))
            continue
        cleaned, fault = _clean(item, value)
        if fault is not None:
            faults.append(Fault(f"answers.{item.id}", fault))
            continue
        if item.kind == "text" and not cleaned:
            if item.required:
                faults.append(Fault(f"answers.{item.id}", "an answer is required"))
            continue
        answers[item.id] = cleaned
        if item.kind in CHOICE_KINDS:
            chosen = cleaned if isinstance(cleaned, list) else [cleaned]
            score += sum(o.score for o in item.options if o.value in chosen)
        if item.threshold is not None and _matches(item.threshold, cleaned):
            shown = _shown(item, cleaned)
            rule = _rule_text(item, item.threshold, cleaned)
            text = f"{item.label} {shown}（{rule}）" if rule != "异常选项" else f"{item.label}：{shown}"
            findings.append(Finding(item_id=item.id, label=item.label, value=shown, rule=rule, text=text))
    band = band_of(questionnaire.bands, score)
    if band is not None and band.abnormal:
        findings.append(
            Finding(
                item_id="",
                label="总分",
                value=_num(score),
                rule=band.label,
                text=f"总分 {_num(score)}（{band.label}）",
            )
        )
    return Evaluation(answers, score, band.label if band else "", findings, faults)


def band_of(bands: list[Band], score: float) -> Band | None:
    """The band the score falls in: the one with the highest ``min_score`` at or below it."""
    fitting = [b for b in bands if b.min_score <= score]
    return max(fitting, key=lambda b: b.min_score) if fitting else None


def _ids(questionnaire: Questionnaire) -> set[str]:
    return {i.id for i in questionnaire.items}
