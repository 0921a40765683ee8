"""The demo hospitals, created over the real API: the county hospital (a campus, departments, wards and a
few dozen staff, a referral desk), and for referral and consultation (双向转诊/会诊) a town clinic in its
consortium (县域医共体) and an outside hospital that is not in it."""

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
    "desk": ["referral_desk"],
    "director": ["hospital_leader"],
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


def seed(stack: LocalStack, tenant: str = DEMO_TENANT, partners: bool | None = None) -> dict[str, Any]:
    """Create the demo hospital through the gateway with an admin token; returns what was made. With
    ``partners`` (by default for the demo tenant only: tests seeding a hospital of their own skip them),
    also its town clinic and the outside hospital (``partner_tenant``), and the consortium with the
    clinic: ``made["partner_people"]`` (label → the person, with their ``tenant``), ``made["consortium"]``."""
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
    for unit_name in (DESK_UNIT, OFFICE_UNIT):
        made["departments"].append(
            _ok(
                stack.request(
                    "POST", "/messaging/departments", token, {"name": unit_name, "parent_id": campus["id"]}
                ),
                unit_name,
            )
        )
    made["demo"] = _demo_people(stack, token, made["departments"])
    made["staff"].extend(made["demo"].values())
    made["staff"].extend(_demo_ward(stack, token, made["departments"]))
    made["templates"] = _install_builtin_templates(stack, token, fallback_staff_id=made["staff"][-1]["id"])
    if tenant == DEMO_TENANT if partners is None else partners:
        made.update(_partners(stack, tenant, token))
        made["marketplace"] = seed_marketplace(stack)
    return made


# The marketplace of ``make dev``: a partner organisation, a platform admin, one approved app and the free
# support bundle. Five requests through the real API (profile, app, submit, approve, bundle).
DEMO_PARTNER = "demo-partner"
DEMO_PARTNER_NAME = "杭州示例医疗科技有限公司"
DEMO_APP = {
    "name": "智能排班助手",
    "description": "读取排班与通讯录，在交接班前提醒值班人员；排班发布时同步到合作方系统。",
    "icon_url": "https://partner.example.com/icon.png",
    "scopes": [
        {"scope": "roster:read", "reason": "读取已发布的排班以生成值班提醒"},
        {"scope": "directory:read", "reason": "在提醒中显示科室与人员姓名"},
    ],
    "events": ["roster.published"],
    "webhook_url": "https://partner.example.com/hooks",
    "pricing": "免费",
}
SUPPORT_BUNDLE = "西医医院免费支撑套件"


def marketplace_tokens(stack: LocalStack) -> dict[str, str]:
    """The partner organisation's and the platform admin's tokens (``make dev`` prints them)."""
    from shared.settings import get_settings

    return {
        "partner": stack.token(DEMO_PARTNER, "demo-partner-dev", [], kind="partner"),
        "platform-admin": stack.token(
            get_settings().platform_tenant, "demo-platform-admin", ["platform_admin"]
        ),
    }


def seed_marketplace(stack: LocalStack) -> dict[str, Any]:
    tokens = marketplace_tokens(stack)
    partner, reviewer = tokens["partner"], tokens["platform-admin"]
    profile = {"name": DEMO_PARTNER_NAME, "contact": "dev@partner.example.com"}
    status, body = stack.request("PUT", "/marketplace/partner", partner, profile)
    if status != 200:
        raise RuntimeError(f"seeding the partner profile failed: {status} {body}")
    app = _ok(stack.request("POST", "/marketplace/apps", partner, DEMO_APP), "the demo app")
    for path, token in (
        (f"/marketplace/apps/{app['id']}/versions/1/submit", partner),
        (f"/marketplace/reviews/{app['id']}/1/approve", reviewer),
    ):
        status, body = stack.request("POST", path, token)
        if status != 200:
            raise RuntimeError(f"seeding the demo app failed at {path}: {status} {body}")
    bundle = {"name": SUPPORT_BUNDLE, "description": "排班、管理与日报的免费应用", "app_ids": [app["id"]]}
    made = _ok(stack.request("POST", "/marketplace/bundles", reviewer, bundle), SUPPORT_BUNDLE)
    return {"app": app, "bundle": made}


# The people the tokens ``make dev`` prints sign in as (``demo-<label>``, bound by ``user_id``), so the
# personal routes (inbox, colleagues, approvals) answer for someone: label → (name, unit, roles, boss).
DEMO_PEOPLE: dict[str, tuple[str, str, str | None]] = {
    "admin": ("郑晓岚", "护理部", None),
    "department-head": ("钱国栋", "心血管内科", None),
    "head-nurse": ("孙丽华", "心内一病区", "department-head"),
    "doctor": ("冯志远", "心血管内科", "department-head"),
    "nurse": ("陈思雨", "心内一病区", "head-nurse"),
    "desk": ("赵文静", "转诊中心", None),  # answers the referrals the other hospitals send (referral_desk)
    "director": ("林振华", "院长办公室", None),  # the hospital's leader: reads the daily report (院长日报)
}
DESK_UNIT = "转诊中心"
OFFICE_UNIT = "院长办公室"

# The other demo hospitals, for referral and consultation: a town clinic in the county hospital's
# consortium, and an outside hospital that is not in it (a referral there is refused).
CONSORTIUM_NAME = "县域医共体（演示）"
PARTNERS: dict[str, tuple[str, list[str]]] = {  # suffix → (name, departments)
    "clinic": ("城关镇卫生院（演示）", ["全科", "公共卫生科"]),
    "outside": ("外院（演示）", ["心血管内科"]),
}
# The partners' people: label → (partner, name, unit, roles); the labelled ones get tokens (``demo-<label>``).
PARTNER_PEOPLE: dict[str, tuple[str, str, str, list[str]]] = {
    "clinic-doctor": ("clinic", "郑文华", "全科", ["doctor"]),
    "clinic-admin": ("clinic", "吴秀英", "全科", ["hospital_admin"]),
    "outside-doctor": ("outside", "何建国", "心血管内科", ["doctor"]),
    "outside-admin": ("outside", "林佳", "心血管内科", ["hospital_admin"]),
}
CLINIC_STAFF = [
    ("马丽", "全科", ["nurse"]),
    ("胡军", "公共卫生科", ["doctor"]),
    ("郭敏", "公共卫生科", ["nurse"]),
]


def partner_tenant(tenant: str, partner: str) -> str:
    """The partner hospital's tenant: ``demo-clinic`` beside ``demo-hospital``, else ``<tenant>-clinic``."""
    return f"demo-{partner}" if tenant == DEMO_TENANT else f"{tenant}-{partner}"


def _partners(stack: LocalStack, tenant: str, token: str) -> dict[str, Any]:
    """The clinic and the outside hospital with their departments and people (each labelled one bound
    to its token), and the consortium: the county hospital leads it, the clinic accepts its invitation."""
    from fh.tenancy_store import register

    people: dict[str, dict[str, Any]] = {}
    admins: dict[str, str] = {}
    for partner, (name, departments) in PARTNERS.items():
        hospital = partner_tenant(tenant, partner)
        register(hospital, name, "local")
        admins[partner] = admin = stack.token(hospital, "seed-admin", ["hospital_admin"])
        units = {
            unit: _ok(stack.request("POST", "/messaging/departments", admin, {"name": unit}), unit)
            for unit in departments
        }
        extra = CLINIC_STAFF if partner == "clinic" else []
        labelled = [(label, p) for label, p in PARTNER_PEOPLE.items() if p[0] == partner]
        everyone = [(label, n, u, r) for label, (_, n, u, r) in labelled] + [(None, *p) for p in extra]
        for n, (label, person, unit, roles) in enumerate(everyone, start=1):
            body: dict[str, Any] = {
                "name": person,
                "employee_no": f"P{n:03d}",
                "department_id": units[unit]["id"],
                "roles": roles,
                **({"user_id": f"demo-{label}"} if label else {}),
            }
            made = _ok(stack.request("POST", "/messaging/staff", admin, body), person)
            if label:
                people[label] = {**made, "tenant": hospital}
    clinic = partner_tenant(tenant, "clinic")
    consortium = _ok(
        stack.request(
            "POST",
            "/messaging/consortia",
            token,
            {"name": CONSORTIUM_NAME, "hospital_name": DEMO_HOSPITAL_NAME},
        ),
        CONSORTIUM_NAME,
    )
    path = f"/messaging/consortia/{consortium['id']}"
    for method, url, who, body, what in (
        ("POST", f"{path}/invitations", token, {"hospital_id": clinic}, "the clinic's invitation"),
        ("POST", f"{path}/accept", admins["clinic"], {"hospital_name": PARTNERS["clinic"][0]}, "joining"),
    ):
        status, answer = stack.request(method, url, who, body)
        if status != 200:
            raise RuntimeError(f"seeding {what} failed: {status} {answer}")
    return {"partner_people": people, "consortium": consortium}


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
