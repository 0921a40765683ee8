"""The demo hospital: a campus, departments, wards and a few dozen staff, created over the real API."""

from __future__ import annotations

from typing import Any

from fh.local.stack import LocalStack

DEMO_HOSPITAL_NAME = "未来医院（演示）"
DEMO_TENANT = "demo-hospital"
DEMO_ROLES: dict[str, list[str]] = {
    "admin": ["hospital_admin"],
    "department-head": ["department_head", "doctor"],
    "head-nurse": ["head_nurse", "nurse"],
    "doctor": ["doctor"],
    "nurse": ["nurse"],
}
CAMPUSES = ["东院区"]
DEPARTMENTS = {
    "心血管内科": ["心内一病区", "心内二病区"],
    "呼吸与危重症医学科": ["呼吸病区"],
    "普通外科": ["普外一病区"],
    "骨科": ["骨科病区"],
    "儿科": ["儿科病区"],
    "急诊科": [],
    "重症医学科": ["ICU"],
    "护理部": [],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
]
DOCTOR_TITLES = ["主任医师", "副主任医师", "主治医师", "住院医师"]
NURSE_TITLES = ["主任护师", "副主任护师", "主管护师", "护师", "护士"]


def _ok(result: tuple[int, Any], what: str) -> dict[str, Any]:
    status, body = result
    if status != 201:
        raise RuntimeError(f"seeding {what} failed: {status} {body}")
    assert isinstance(body, dict)
    return body


def _install_builtin_templates(stack: LocalStack, token: str, fallback_staff_id: str) -> list[dict[str, Any]]:
    """Install approvals' built-in templates through the public API, as a hospital admin would."""
    status, body = stack.request(
        "POST", "/approvals/templates/builtin", token, {"fallback_staff_id": fallback_staff_id}
    )
    if status != 201:
        raise RuntimeError(f"installing the built-in approval templates failed: {status} {body}")
    return list(body)


def seed(stack: LocalStack, tenant: str = DEMO_TENANT) -> dict[str, Any]:
    """Create the demo hospital through the gateway with an admin token; returns what was made."""
    from fh.tenancy_store import register

    # A hospital of the (local) province, so other hospitals' consortia can invite it.
    register(tenant, DEMO_HOSPITAL_NAME, "local")
    token = stack.token(tenant, "seed-admin", ["hospital_admin"])
    made: dict[str, Any] = {"departments": [], "staff": []}
    campus = _ok(
        stack.request("POST", "/messaging/departments", token, {"name": CAMPUSES[0], "kind": "campus"}),
        "campus",
    )
    made["departments"].append(campus)
    n = 0
    for dept_name, wards in DEPARTMENTS.items():
        dept = _ok(
            stack.request(
                "POST", "/messaging/departments", token, {"name": dept_name, "parent_id": campus["id"]}
            ),
            dept_name,
        )
        made["departments"].append(dept)
        units = [dept] + [
            _ok(
                stack.request(
                    "POST",
                    "/messaging/departments",
                    token,
                    {"name": ward, "kind": "ward", "parent_id": dept["id"]},
                ),
                ward,
            )
            for ward in wards
        ]
        made["departments"].extend(units[1:])
        for i in range(4):
            n += 1
            nurse = i >= 2 or dept_name == "护理部"
            name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
            unit = units[min(i, len(units) - 1)] if nurse else dept
            body = {
                "name": name,
                "employee_no": f"E{n:04d}",
                "department_id": unit["id"],
                "title": (NURSE_TITLES if nurse else DOCTOR_TITLES)[n % (5 if nurse else 4)],
                "roles": ["nurse"] if nurse else ["doctor"],
            }
            made["staff"].append(_ok(stack.request("POST", "/messaging/staff", token, body), name))
    made["demo"] = _demo_people(stack, token, made["departments"])
    made["staff"].extend(made["demo"].values())
    made["staff"].extend(_demo_ward(stack, token, made["departments"]))
    made["templates"] = _install_builtin_templates(stack, token, fallback_staff_id=made["staff"][-1]["id"])
    return made


# The people the tokens ``make dev`` prints sign in as (``demo-<label>``, bound by ``user_id``), so the
# personal routes (inbox, colleagues, approvals) answer for someone: label → (name, unit, roles, boss).
DEMO_PEOPLE: dict[str, tuple[str, str, str | None]] = {
    "admin": ("郑晓岚", "护理部", None),
    "department-head": ("钱国栋", "心血管内科", None),
    "head-nurse": ("孙丽华", "心内一病区", "department-head"),
    "doctor": ("冯志远", "心血管内科", "department-head"),
    "nurse": ("陈思雨", "心内一病区", "head-nurse"),
}


def _demo_people(stack: LocalStack, token: str, units: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One member of staff per demo role, bound to that role's token; the department head and the head
    nurse head their units, so a demo nurse's leave goes to the demo head nurse and department head."""
    by_name = {u["name"]: u for u in units}
    people: dict[str, dict[str, Any]] = {}
    for n, (label, (name, unit, boss)) in enumerate(DEMO_PEOPLE.items(), start=1):
        body = {
            "name": name,
            "employee_no": f"D{n:03d}",
            "department_id": by_name[unit]["id"],
            "roles": DEMO_ROLES[label],
            "user_id": f"demo-{label}",
            **({"supervisor_id": people[boss]["id"]} if boss else {}),
        }
        people[label] = _ok(stack.request("POST", "/messaging/staff", token, body), name)
    for label, unit in (("department-head", "心血管内科"), ("head-nurse", "心内一病区")):
        department = by_name[unit]
        status, body = stack.request(
            "PATCH",
            f"/messaging/departments/{department['id']}",
            token,
            {"version": department["version"], "head_id": people[label]["id"]},
        )
        if status != 200:
            raise RuntimeError(f"making {people[label]['name']} head of {unit} failed: {status} {body}")
    return people


# 心内一病区, the demo head nurse's ward, has a ward's worth of nurses (with the demo nurse and the head
# nurse: 12), so the rostering walk-through (docs/scheduling.md) auto-rosters it on the defaults.
DEMO_WARD = "心内一病区"
DEMO_WARD_GRADES = ["N1", "N1", "N1", "N2", "N2", "N2", "N3", "N3", "N4", "N0"]


def _demo_ward(stack: LocalStack, token: str, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ward = next(u for u in units if u["name"] == DEMO_WARD)
    made = []
    for n, grade in enumerate(DEMO_WARD_GRADES, start=1):
        name = SURNAMES[(n * 3) % len(SURNAMES)] + GIVEN[(n * 11) % len(GIVEN)] + ("红" if n % 2 else "")
        body = {
            "name": name,
            "employee_no": f"W{n:03d}",
            "department_id": ward["id"],
            "title": NURSE_TITLES[-1 - (n % 3)],
            "roles": ["nurse"],
            "nurse_grade": grade,
        }
        made.append(_ok(stack.request("POST", "/messaging/staff", token, body), name))
    return made
