"""Directory changes over the app: update, move, leave, search, reveal and the audit trail."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.test_directory_api import Api, make_department


@pytest.fixture
def messaging(clients: dict[str, Any], admin: str) -> Api:
    return Api(clients["messaging"], admin)


def add_staff(api: Api, dept: str, name: str, number: str, **extra: Any) -> dict[str, Any]:
    resp = api.call("POST", "/staff", {"name": name, "employee_no": number, "department_id": dept, **extra})
    assert resp.status_code == 201, resp.body
    return dict(resp.json_body)


def test_search_answers_the_matches_on_the_first_page(messaging: Api) -> None:
    dept = make_department(messaging)
    other = make_department(messaging, "骨科")
    for n in range(12):  # before 李四 by id; a page read first and filtered after would miss her
        add_staff(messaging, dept["id"], f"王{n:02d}", f"W{n:02d}")
    li = add_staff(messaging, dept["id"], "李四", "E200")
    add_staff(messaging, other["id"], "张伟", "E300")
    lv = add_staff(messaging, dept["id"], "吕布", "E400")

    def search(query: str) -> tuple[list[str], str | None]:
        resp = messaging.call("GET", "/staff?" + query)
        assert resp.status_code == 200, resp.body
        return [s["name"] for s in resp.json_body["items"]], resp.json_body["next_cursor"]

    # the default page and the Chinese query as a phone sends it (percent-encoded UTF-8)
    assert search("q=%E6%9D%8E%E5%9B%9B") == (["李四"], None)  # 李四
    assert search("limit=3&q=lis") == (["李四"], None)
    for spelling in ("lyu", "lv", "l%C3%BC", "Lu%3A+Bu"):  # lü, Lu: Bu
        assert search(f"q={spelling}") == (["吕布"], None), spelling
    assert search(f"q=zhang&department_id={other['id']}&status=active") == (["张伟"], None)
    names, cursor = search("q=wang&limit=5")
    assert len(names) == 5 and cursor
    assert len(search(f"q=wang&limit=5&cursor={cursor}")[0]) == 5

    # A rename, a move, 20 new certificates and a new sign-in in one change: the search entries are
    # replaced in the same transaction, which stays within DynamoDB's 100 items.
    certificates = [{"type": "BLS", "number": f"B{n}", "valid_until": "2030-01-01"} for n in range(20)]
    changed = messaging.call(
        "PATCH",
        f"/staff/{li['id']}",
        {
            "version": 1,
            "name": "欧阳乐乐",
            "department_id": other["id"],
            "certificates": certificates,
            "user_id": "idp-ouyang",
        },
    )
    assert changed.status_code == 200, changed.body
    assert search("q=lisi") == ([], None)
    renamed = messaging.call("GET", "/staff?q=ouyangyue").json_body["items"]
    assert [(s["name"], s["department_id"], s["version"]) for s in renamed] == [("欧阳乐乐", other["id"], 2)]

    left = messaging.call("POST", f"/staff/{lv['id']}/leave", {"version": 1})
    assert left.status_code == 200, left.body
    assert search("q=lvbu") == ([], None)
    assert search("q=lvbu&status=left") == (["吕布"], None)


def test_update_with_version_and_stale_update_is_409(messaging: Api) -> None:
    dept = make_department(messaging)
    nurse = add_staff(messaging, dept["id"], "王芳", "N1", roles=["nurse"], nurse_grade="N1")
    updated = messaging.call(
        "PATCH", f"/staff/{nurse['id']}", {"version": 1, "nurse_grade": "N2", "title": "护师"}
    )
    assert updated.status_code == 200, updated.body
    assert (updated.json_body["nurse_grade"], updated.json_body["version"]) == ("N2", 2)
    stale = messaging.call("PATCH", f"/staff/{nurse['id']}", {"version": 1, "title": "主管护师"})
    assert stale.status_code == 409
    assert messaging.call("GET", f"/staff/{nurse['id']}").json_body["title"] == "护师"


def test_move_department_and_refuse_cycles(messaging: Api) -> None:
    campus = make_department(messaging, "西院区", kind="campus")
    dept = make_department(messaging, "内科")
    ward = make_department(messaging, "内科一病区", kind="ward", parent_id=dept["id"])
    moved = messaging.call(
        "POST", f"/departments/{dept['id']}/move", {"version": 1, "parent_id": campus["id"]}
    )
    assert moved.status_code == 200, moved.body
    assert moved.json_body["parent_id"] == campus["id"]
    into_child = messaging.call(
        "POST", f"/departments/{dept['id']}/move", {"version": 2, "parent_id": ward["id"]}
    )
    assert into_child.status_code == 422


def test_leave_keeps_history_revokes_roles_and_reaches_scheduling(
    messaging: Api, clients: dict[str, Any], admin: str, stack: Any
) -> None:
    dept = make_department(messaging)
    nurse = add_staff(messaging, dept["id"], "赵敏", "N9", roles=["nurse"])
    scheduling = Api(clients["scheduling"], admin)
    stack.drain()
    assert [s["id"] for s in scheduling.call("GET", "/staff").json_body["items"]] == [nurse["id"]]
    left = messaging.call("POST", f"/staff/{nurse['id']}/leave", {"version": 1})
    assert left.status_code == 200
    assert (left.json_body["status"], left.json_body["roles"]) == ("left", [])
    assert messaging.call("POST", f"/staff/{nurse['id']}/leave", {"version": 2}).status_code == 409
    stack.drain()
    assert scheduling.call("GET", "/staff").json_body["items"] == []


def test_mobile_is_masked_everywhere_and_revealed_only_with_audit(
    messaging: Api, clients: dict[str, Any], token: Any, tenant: str
) -> None:
    dept = make_department(messaging)
    me = add_staff(messaging, dept["id"], "孙丽", "M1", mobile="+86 138-1234-5678", user_id="sunli")
    assert me["mobile"] == "138****5678"
    listed = messaging.call("GET", "/staff").json_body["items"]
    assert [s["mobile"] for s in listed] == ["138****5678"]
    assert "13812345678" not in messaging.call("GET", f"/staff/{me['id']}").body.decode()

    colleague = Api(clients["messaging"], token(tenant, "someone-else", ["nurse"]))
    assert colleague.call("GET", f"/staff/{me['id']}/mobile").status_code == 403
    myself = Api(clients["messaging"], token(tenant, "sunli", ["nurse"]))
    assert myself.call("GET", f"/staff/{me['id']}/mobile").json_body == {
        "staff_id": me["id"],
        "mobile": "13812345678",
    }
    assert messaging.call("GET", f"/staff/{me['id']}/mobile").json_body["mobile"] == "13812345678"

    trail = messaging.call("GET", f"/audit?resource_type=staff&resource_id={me['id']}").json_body["items"]
    actions = [(e["action"], e["actor"]) for e in trail]
    assert ("staff.create", "admin-1") in actions
    assert ("reveal:mobile", "sunli") in actions and ("reveal:mobile", "admin-1") in actions
    assert "13812345678" not in str(trail)
    # only admins read the trail
    assert myself.call("GET", f"/audit?resource_type=staff&resource_id={me['id']}").status_code == 403


def test_my_colleagues(messaging: Api, clients: dict[str, Any], token: Any, tenant: str) -> None:
    dept = make_department(messaging)
    other = make_department(messaging, "药剂科")
    add_staff(messaging, dept["id"], "甲", "C1", user_id="user-a")
    add_staff(messaging, dept["id"], "乙", "C2")
    add_staff(messaging, other["id"], "丙", "C3")
    me = Api(clients["messaging"], token(tenant, "user-a", ["doctor"]))
    names = sorted(s["name"] for s in me.call("GET", "/staff/me/colleagues").json_body["items"])
    assert names == ["乙", "甲"]
    stranger = Api(clients["messaging"], token(tenant, "no-record", ["doctor"]))
    assert stranger.call("GET", "/staff/me/colleagues").status_code == 404


def test_certificates_are_announced_once_thirty_days_before_expiry(
    messaging: Api, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date, timedelta

    from chalicelib.messaging.service import certificates

    import shared.persistence.uow as uow_module

    emitted: list[dict[str, Any]] = []
    original = uow_module.UnitOfWork.emit

    def capture(self: Any, event: Any) -> None:
        if event.type == "certificate.expiring" and event.tenant == tenant:
            emitted.append(event.data)
        original(self, event)

    monkeypatch.setattr(uow_module.UnitOfWork, "emit", capture)
    dept = make_department(messaging)
    soon = (date.today() + timedelta(days=40)).isoformat()
    later = (date.today() + timedelta(days=400)).isoformat()
    nurse = add_staff(
        messaging,
        dept["id"],
        "周护士",
        "C1",
        certificates=[
            {"type": "护士执业证书", "number": "N-001", "valid_until": soon},
            {"type": "BLS", "number": "B-9", "valid_until": later},
        ],
    )
    assert [c["type"] for c in nurse["certificates"]] == ["护士执业证书", "BLS"]

    assert certificates.sweep(date.today() + timedelta(days=5)) >= 0 and emitted == []
    certificates.sweep(date.today() + timedelta(days=11))
    assert emitted == [{"staff_id": nurse["id"], "certificate_type": "护士执业证书", "valid_until": soon}]
    certificates.sweep(date.today() + timedelta(days=12))
    assert len(emitted) == 1  # announced once

    renewed = (date.today() + timedelta(days=800)).isoformat()
    resp = messaging.call(
        "PATCH",
        f"/staff/{nurse['id']}",
        {"version": 1, "certificates": [{"type": "护士执业证书", "number": "N-002", "valid_until": renewed}]},
    )
    assert resp.status_code == 200, resp.body
    certificates.sweep(date.today() + timedelta(days=500))
    assert len(emitted) == 1  # the BLS reminder went with the certificate; the renewal is far off
