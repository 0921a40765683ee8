"""Errors in the reader's language: negotiation, the catalogue, and a gate on every raise site."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared import i18n, problems
from shared.problems import FieldError, Problem

ROOT = Path(__file__).resolve().parents[2]

# Calls whose first argument is a message a person reads (domain errors, problems, validators).
RAISERS = {
    "NotFound",
    "Conflict",
    "RuleViolation",
    "Forbidden",
    "DomainError",
    "Unauthenticated",
    "RateLimited",
    "TransientStoreError",
    "bad_request",
    "conflict",
    "forbidden",
    "unauthorized",
    "unavailable",
    "too_many_requests",
}


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh", "zh"),
        ("zh-Hans-CN", "zh"),
        ("en-US,zh;q=0.5", "en"),
        ("en;q=0.4, zh-TW;q=0.8", "zh"),
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
        ("zh;q=abc, en", "en"),
    ],
)
def test_the_preferred_language_is_chosen(header: str | None, lang: str) -> None:
    assert i18n.language(header) == lang


def test_a_problem_reads_in_chinese_with_its_values_carried_over() -> None:
    problem = Problem(409, "conflict", "Conflict", "employee number E1001 is already taken")
    zh = i18n.localise(problem, "zh")
    assert (zh.status, zh.type, zh.title, zh.detail) == (409, problem.type, "冲突", "工号 E1001 已被占用")
    assert i18n.localise(problem, "en") is problem  # English is what the code wrote


def test_a_problem_of_a_slug_without_a_title_reads_by_its_status() -> None:
    problem = problems.conflict("已在导入中", "import-not-ready")
    assert i18n.localise(problem, "zh").title == "冲突"


def test_known_words_in_a_message_are_translated_too() -> None:
    assert i18n.translate("the approval is approved", "zh") == "该审批已通过"
    assert i18n.translate("No such approval", "zh") == "未找到审批"
    assert i18n.translate("a ward cannot be placed under hospital", "zh") == "病区不能放在医院之下"


def test_field_messages_are_translated_and_carry_no_regular_expression() -> None:
    error = {"type": "string_pattern_mismatch", "msg": "String should match pattern '^1[3-9]\\d{9}$'"}
    assert i18n.field_message(error) == "has an invalid format"
    problem = problems.validation_failed([FieldError("mobile", i18n.field_message(error), "x")])
    zh = i18n.localise(problem, "zh")
    assert zh.title == "校验未通过"
    assert zh.errors[0].message == "格式不正确"
    assert zh.detail == "以下字段有误：mobile"


def test_an_unknown_message_stays_as_written() -> None:
    assert i18n.translate("something nobody catalogued", "zh") == "something nobody catalogued"


def _template(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)  # type: ignore[misc]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def _messages() -> list[tuple[str, str]]:
    """(where, English template) of every literal message raised in the services and ``shared``."""
    found = []
    files = [*ROOT.glob("services/*/chalicelib/**/*.py"), *ROOT.glob("shared/**/*.py")]
    for path in sorted(files):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        validators = "contracts" in path.parts or path.name == "personal.py"
        for node in ast.walk(tree):
            # a form's field messages: (path, "message") pairs beside the field they name
            if path.name == "forms.py" and isinstance(node, ast.Tuple) and len(node.elts) == 2:
                if not isinstance(node.elts[0], ast.Constant):
                    text = _template(node.elts[1])
                    if text is not None:
                        found.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in RAISERS or (validators and name == "ValueError"):
                text = _template(node.args[0])
                if text is not None and name == "NotFound":
                    text = f"No such {text}"
                if text is not None and text != "{}":
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
    return found


def test_every_message_a_person_reads_has_a_chinese_translation() -> None:
    messages = _messages()
    assert len(messages) > 100  # the walk found the raise sites
    missing = [f"{where}: {text!r}" for where, text in messages if not i18n.known(text)]
    assert not missing, "add these to shared/i18n.py MESSAGES:\n" + "\n".join(missing)


def test_every_problem_slug_has_a_chinese_title() -> None:
    slugs = {
        node.args[1].value
        for path in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("fh/**/*.py")]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "Problem"
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
    }
    assert "not-found" in slugs
    assert not slugs - set(i18n.TITLES)


def test_every_not_found_noun_has_a_chinese_name() -> None:
    raised = {
        node.args[0].value
        for path in ROOT.glob("services/*/chalicelib/**/*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "NotFound"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert "approval" in raised
    assert not raised - set(i18n.NOUNS)
