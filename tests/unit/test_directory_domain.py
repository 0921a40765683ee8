"""Directory rules: where units may be placed, which fields a member of staff needs."""

from __future__ import annotations

import pytest
from chalicelib.messaging.contracts.directory import CreateDepartment, CreateStaff
from chalicelib.messaging.domain.directory import ParentUnit, check_placement
from pydantic import ValidationError

from shared.errors import RuleViolation


@pytest.mark.parametrize(
    ("kind", "parent"),
    [
        ("campus", None),
        ("department", None),
        ("department", "campus"),
        ("ward", "department"),
        ("team", "ward"),
    ],
)
def test_allowed_placements(kind: str, parent: str | None) -> None:
    check_placement(kind, ParentUnit("p1", parent) if parent else None)


@pytest.mark.parametrize(
    ("kind", "parent"), [("campus", "department"), ("ward", None), ("department", "ward")]
)
def test_refused_placements_name_the_parent_field(kind: str, parent: str | None) -> None:
    with pytest.raises(RuleViolation) as err:
        check_placement(kind, ParentUnit("p1", parent) if parent else None)
    assert err.value.field == "parent_id"


def test_names_are_trimmed_and_chinese_works() -> None:
    assert CreateDepartment(name="  心血管内科 ").name == "心血管内科"
    with pytest.raises(ValidationError):
        CreateDepartment(name="   ")


def test_staff_roles_must_be_known() -> None:
    staff = CreateStaff(name="张三", employee_no="E1", department_id="d1", roles=["nurse", "nurse", "doctor"])
    assert staff.roles == ["doctor", "nurse"]
    with pytest.raises(ValidationError, match="unknown roles: wizard"):
        CreateStaff(name="张三", employee_no="E1", department_id="d1", roles=["wizard"])


def test_a_unit_cannot_move_into_its_own_subtree() -> None:
    from chalicelib.messaging.domain.directory import check_move

    tree = {"campus": None, "dept": "campus", "ward": "dept", "team": "ward"}

    def lookup(unit: str) -> ParentUnit | None:
        return ParentUnit(unit, "x", tree[unit]) if unit in tree else None

    check_move("ward", "campus", lookup)
    check_move("dept", None, lookup)
    for target in ("dept", "ward", "team"):
        with pytest.raises(RuleViolation):
            check_move("dept", target, lookup)


def test_supervisor_lines_cannot_cycle() -> None:
    from chalicelib.messaging.domain.directory import check_supervisor

    check_supervisor("a", "b", chain=["c", "d"])
    with pytest.raises(RuleViolation):
        check_supervisor("a", "a", chain=[])
    with pytest.raises(RuleViolation):
        check_supervisor("a", "b", chain=["c", "a"])
