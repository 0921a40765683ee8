"""Form validation and route resolution (branches, approver kinds, auto-skip, fallback) — no AWS."""

from __future__ import annotations

from typing import Any

import pytest
from chalicelib.approvals.domain.builtin_templates import templates
from chalicelib.approvals.domain.flow import FlowDefinition, check_flow, resolve_route
from chalicelib.approvals.domain.forms import FormField, check_fields, validate_form

from shared.errors import RuleViolation
from tests.unit.approvals.fakes import FakeDirectory

FIELDS = [
    FormField(name="amount", label="金额", type="money", required=True, min=0),
    FormField(name="period", label="时间", type="date_range"),
    FormField(name="kind", label="类型", type="select", options=["甲", "乙"]),
    FormField(name="who", label="审批人", type="staff"),
    FormField(
        name="items",
        label="明细",
        type="table",
        columns=[FormField(name="qty", label="数量", type="number", required=True, min=1)],
    ),
]


def test_form_errors_name_each_field() -> None:
    errors = dict(
        validate_form(
            FIELDS,
            {
                "amount": 1.234,
                "period": {"start": "2026-12-05", "end": "2026-12-01"},
                "kind": "丙",
                "items": [{"qty": 0}],
                "extra": 1,
            },
        )
    )
    assert set(errors) == {"form.amount", "form.period", "form.kind", "form.items.0.qty", "form.extra"}
    assert validate_form(FIELDS, {"amount": "12.50", "items": [{"qty": 2}]}) == []
    assert validate_form(FIELDS, {}) == [("form.amount", "is required")]


def test_template_rules() -> None:
    dup = [FormField(name="a", label="A", type="text"), FormField(name="a", label="B", type="select")]
    assert {f for f, _ in check_fields(dup)} == {"fields.1.name", "fields.1.options"}
    flow = FlowDefinition.model_validate(
        {
            "steps": [
                {
                    "id": "s",
                    "name": "S",
                    "mode": "k_of_n",
                    "approvers": [{"kind": "chosen", "field": "nope"}],
                },
                {
                    "id": "s",
                    "name": "T",
                    "approvers": [{"kind": "person"}],
                    "when": [{"field": "x", "op": "gt", "value": 1}],
                },
            ]
        }
    )
    fields = {f for f, _ in check_flow(flow, FIELDS)}
    assert fields == {
        "flow.steps.0.k",
        "flow.steps.0.approvers.0.field",
        "flow.steps.1.id",
        "flow.steps.1.when.0.field",
        "flow.steps.1.approvers.0.staff_id",
    }


def directory() -> FakeDirectory:
    return FakeDirectory(
        departments={"nurse": "d1", "head": "d1"},
        supervisor={"nurse": "head", "head": "dean"},
        heads={"d1": "head"},
        roles={("d1", "head_nurse"): ["hn1", "hn2"], (None, "hospital_admin"): ["dean"]},
    )


def flow(**extra: Any) -> FlowDefinition:
    return FlowDefinition.model_validate(
        {
            "steps": [
                {"id": "head", "name": "科主任", "approvers": [{"kind": "department_head"}]},
                {
                    "id": "nurses",
                    "name": "护士长",
                    "mode": "percentage",
                    "percent": 50,
                    "approvers": [{"kind": "role", "role": "head_nurse"}],
                },
                {
                    "id": "big",
                    "name": "院领导",
                    "approvers": [{"kind": "supervisor", "level": 2}],
                    "when": [{"field": "amount", "op": "gt", "value": 10000}],
                },
                {"id": "chosen", "name": "指定", "approvers": [{"kind": "chosen", "field": "who"}]},
                {
                    "id": "duty",
                    "name": "值班",
                    "approvers": [{"kind": "on_duty", "ward_id": "w1"}],
                    "fallback_staff_id": "hn1",
                },
                {
                    "id": "all",
                    "name": "全院",
                    "approvers": [{"kind": "role", "role": "hospital_admin", "scope": "hospital"}],
                },
            ],
            "cc_on_start": [{"kind": "person", "staff_id": "boss"}],
            **extra,
        }
    )


def test_resolution_of_every_approver_kind_with_branch_and_on_duty_fallback() -> None:
    route = resolve_route(flow(), {"amount": 20000, "who": "x1"}, "nurse", directory())
    got = {s.id: (s.approvers, s.need) for s in route.steps}
    assert got == {
        "head": (["head"], 1),
        "nurses": (["hn1", "hn2"], 1),
        "big": (["dean"], 1),
        "chosen": (["x1"], 1),
        "duty": (["hn1"], 1),
        "all": (["dean"], 1),
    }
    assert "no published roster" in route.steps[4].note and "fallback" in route.steps[4].note
    assert route.cc_on_start == ["boss"]
    small = resolve_route(flow(), {"amount": 10, "who": "x1"}, "nurse", directory())
    assert "big" not in [s.id for s in small.steps]
    on_duty = directory()
    on_duty.duty["w1"] = ["n7", "n8"]
    assert resolve_route(flow(), {"amount": 1, "who": "x"}, "nurse", on_duty).steps[3].approvers == [
        "n7",
        "n8",
    ]


def test_submitter_is_never_their_own_approver_and_nobody_without_fallback_is_refused() -> None:
    """#20 (4): a step whose only approver is the submitter used to be skipped, so a department
    head's own request approved itself. Now the step's or the flow's fallback, else the supervisor,
    takes it; a colleague's consent given to oneself, or nobody at all, is refused at submit."""
    route = resolve_route(flow(), {"amount": 1, "who": "x"}, "head", directory())
    assert route.steps[0].approvers == ["dean"] and "supervisor" in route.steps[0].note
    covered = resolve_route(flow(fallback_staff_id="office"), {"amount": 1, "who": "x"}, "head", directory())
    assert covered.steps[0].approvers == ["office"]
    alone = directory()
    alone.supervisor.pop("head")
    with pytest.raises(RuleViolation, match="only approver"):
        resolve_route(flow(), {"amount": 1, "who": "x"}, "head", alone)
    with pytest.raises(RuleViolation) as myself:
        resolve_route(flow(), {"amount": 1, "who": "nurse"}, "nurse", directory())
    assert myself.value.field == "form.who"
    with pytest.raises(RuleViolation):
        resolve_route(flow(), {"amount": 1}, "nurse", directory())  # nobody chosen, no fallback
    fallback = resolve_route(flow(fallback_staff_id="office"), {"amount": 1}, "nurse", directory())
    assert fallback.steps[2].approvers == ["office"]


def test_builtin_templates_are_valid_and_leave_branches_on_days() -> None:
    made = templates("office")
    assert {t.code for t in made} == {
        "leave",
        "shift_swap",
        "purchase",
        "repair",
        "record_inspection",
        "document_circulation",
        "roster",
    }
    for t in made:
        assert check_fields(t.fields) + check_flow(t.flow, t.fields) == [], t.code
    leave = next(t for t in made if t.code == "leave")
    d = directory()
    short = {"leave_type": "年假", "period": {"start": "2026-12-01", "end": "2026-12-03"}, "reason": "r"}
    long = {**short, "period": {"start": "2026-12-01", "end": "2026-12-04"}}
    assert validate_form(leave.fields, short) == []
    assert [s.id for s in resolve_route(leave.flow, short, "nurse", d).steps] == ["department"]
    assert [s.id for s in resolve_route(leave.flow, long, "nurse", d).steps] == ["department", "leader"]
