"""Recipes for routes the generic request builder (tests/quality/surface.py) cannot drive to success.

Add one when a new route needs more than "make what its path names, fill its body from its schema":
the budget gate says which route it could not drive. A recipe gets the ResourceMaker and the caller's
token (all roles, fresh tenant) and returns the request to send.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.quality.surface import Prepared, ResourceMaker


# Gates a route does not pass yet, each with its reason: "<gate> <service>:<METHOD> <path>" → why.
# The gate is marked xfail(strict=True) for it, so the day the route passes, the gate fails until the
# entry is removed. Gates: budget, throttle, fuzz-positive, fuzz-negative, isolation-404, isolation-list.
# Found by the gates on the routes of main at the time of writing; each owner to fix or explain.
KNOWN_GAPS: dict[str, str] = {
    # A shift code and a date are names the hospital gives (natural keys), not ids of a resource: PUT sets
    # that code or day in the caller's own hospital, so B's PUT succeeds on B's own and never reads,
    # changes or shows A's (its DELETE, which needs one to be there, is 404 for B).
    "isolation-404 scheduling:PUT /shift-types/{code}": "PUT creates the code in the caller's hospital",
    "isolation-404 scheduling:PUT /calendar/{date}": "PUT sets the day in the caller's hospital",
    # The five built-in follow-up plans (hypertension, diabetes, post-operative, heart failure, kidney
    # transplant) are the service's code, listed to every hospital until it publishes its own version;
    # B's list shows them, never A's own plans (test_followup_intake_api checks A's plan is 404 to B).
    "isolation-list followup:GET /plans": "the built-in plans are every hospital's (code, not data)",
    # A discharge is one discharge whoever posts it: the HIS's encounter id (else patient, department and
    # day) is claimed in the enrolment's transaction, so a second poster of the same body gets the first
    # encounter back marked ``repeated`` (never a second enrolment), not a new id. The Idempotency-Key
    # layer itself stays per caller (the first answer is never replayed to the second caller).
    "idempotency followup:POST /discharges": "the same discharge is the same encounter whoever posts it",
    "idempotency followup:POST /discharges/fhir": "the same discharge is the same encounter whoever posts it",
    # A report's day is a date, not an id of a resource: B asking for the same date reads B's own hospital's
    # day (tests/service/test_reports_daily.py checks it never shows A's figures).
    "isolation-404 reports:GET /daily/{day}": "the day is a date: B reads its own hospital's day",
    "isolation-404 reports:GET /daily/{day}/page": "the day is a date: B reads its own hospital's day",
    # A day of the census is a date the hospital's HIS reports (a natural key, like scheduling's calendar
    # day): B's PUT records B's own day and never reads, changes or shows A's (the range gate reads A's).
    "isolation-404 reports:PUT /census/{day}": "PUT records the day in the caller's hospital",
    "isolation-app-404 reports:PUT /census/{day}": "PUT records the day in the app's hospital",
}


def gap(gate: str, route_key: str) -> str | None:
    return KNOWN_GAPS.get(f"{gate} {route_key}")


def marks(gate: str, route_key: str) -> list[Any]:
    reason = gap(gate, route_key)
    return [pytest.mark.xfail(strict=True, reason=f"known gap: {reason}")] if reason else []


def _register_approvals() -> None:
    """Approvals (and the leave it hands to scheduling): a template the caller can approve alone."""
    from tests.quality.surface import Prepared, body_recipe, branch, scenario

    @body_recipe("approvals", "/templates")
    def template_the_submitter_confirms(
        maker: ResourceMaker, token: str, parents: dict[str, str]
    ) -> dict[str, Any]:
        # No required field, so a generated form without unknown fields (``{}`` first) is valid; the
        # submitter is the one approver, so the caller can take an approval to the end on their own.
        return {
            "name": "自助确认",
            "fields": [
                {
                    "name": "hours",
                    "label": "时长",
                    "type": "number",
                    "min": 0.5,
                    "max": 24,
                },  # the example form
                {"name": "note", "label": "说明", "type": "text"},
            ],
            "flow": {
                "steps": [{"id": "confirm", "name": "本人确认", "approvers": [{"kind": "submitter"}]}],
                "cc_on_start": [{"kind": "submitter"}],  # so the caller's CC list has it too
            },
        }

    @body_recipe("approvals", "/deputy")
    def a_colleague_as_my_deputy(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        from datetime import UTC, datetime, timedelta

        colleague = maker.make("messaging", "/staff", token)
        end = datetime.now(UTC) + timedelta(days=30)
        return {"deputy_id": colleague.id, "end": end.isoformat(), "reason": "年假"}

    @scenario("approvals", "GET", "/deputy")
    def my_deputy(maker: ResourceMaker, token: str) -> Prepared:
        status, body = maker.call(
            "POST", "/approvals/deputy", token, a_colleague_as_my_deputy(maker, token, {})
        )
        assert status == 200, body
        return Prepared("/deputy")

    def approved(maker: ResourceMaker, token: str, template_id: str, form: dict[str, Any]) -> str:
        status, approval = maker.call(
            "POST", "/approvals/approvals", token, {"template_id": template_id, "form": form}
        )
        assert status == 201, approval
        status, done = maker.call(
            "POST", f"/approvals/approvals/{approval['id']}/actions", token, {"action": "approve"}
        )
        assert status == 200 and done["status"] == "approved", done
        return str(approval["id"])

    def two_steps_pending(maker: ResourceMaker, token: str) -> str:
        """An approval at its first of two steps, both the submitter's: approving it assigns the
        second, which looks up the new approver's deputies (a BatchGetItem) in the same request."""
        confirm = {"name": "本人确认", "approvers": [{"kind": "submitter"}]}
        template = {
            "name": "两步确认",
            "fields": [{"name": "note", "label": "说明", "type": "text"}],
            "flow": {"steps": [{"id": "first", **confirm}, {"id": "second", **confirm}]},
        }
        status, made = maker.call("POST", "/approvals/templates", token, template)
        assert status == 201, made
        status, approval = maker.call(
            "POST", "/approvals/approvals", token, {"template_id": made["id"], "form": {}}
        )
        assert status == 201 and approval["status"] == "pending", approval
        return str(approval["id"])

    @branch("approvals", "POST", "/approvals/preview", "BatchGetItem")
    def preview_naming_a_colleague(maker: ResourceMaker, token: str) -> Prepared:
        """A form with a staff picker: the person it names is checked to be active staff (one batch read)."""
        template = {
            "name": "交接确认",
            "fields": [{"name": "handover", "label": "交接人", "type": "staff"}],
            "flow": {"steps": [{"id": "confirm", "name": "本人确认", "approvers": [{"kind": "submitter"}]}]},
        }
        status, made = maker.call("POST", "/approvals/templates", token, template)
        assert status == 201, made
        colleague = maker.make("messaging", "/staff", token)
        return Prepared("/approvals/preview", {"template_id": made["id"], "form": {"handover": colleague.id}})

    @branch("approvals", "POST", "/approvals/{instance_id}/actions", "BatchGetItem")
    def approve_into_a_second_step(maker: ResourceMaker, token: str) -> Prepared:
        instance = two_steps_pending(maker, token)
        return Prepared(f"/approvals/{instance}/actions", {"action": "approve"})

    @branch("approvals", "POST", "/batch-approve", "BatchGetItem")
    @branch("approvals", "POST", "/batch-approve", "TransactWriteItems")
    def batch_approve_into_a_second_step(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared("/batch-approve", {"instance_ids": [two_steps_pending(maker, token)]})

    def my_uploaded_file(maker: ResourceMaker, token: str) -> str:
        """A PDF the caller uploaded through its presigned PUT (a submit checks it is in the bucket)."""
        import urllib.request

        content = b"%PDF-1.7 quality gate"
        body = {"filename": "正文.pdf", "content_type": "application/pdf", "size": len(content)}
        status, ticket = maker.call("POST", "/approvals/attachments", token, body)
        assert status == 201, ticket
        put = urllib.request.Request(
            ticket["upload_url"], data=content, method="PUT", headers=ticket["upload_headers"]
        )
        with urllib.request.urlopen(put, timeout=10) as resp:
            assert resp.status == 200
        return str(ticket["id"])

    def a_form_with_my_file(maker: ResourceMaker, token: str) -> dict[str, Any]:
        """A submit naming an uploaded file: its record is read in one more batch and it is bound to the
        approval in the submit's transaction."""
        template = {
            "name": "发文确认",
            "fields": [{"name": "body", "label": "正文", "type": "attachment", "required": True}],
            "flow": {"steps": [{"id": "confirm", "name": "本人确认", "approvers": [{"kind": "submitter"}]}]},
        }
        status, made = maker.call("POST", "/approvals/templates", token, template)
        assert status == 201, made
        return {"template_id": made["id"], "form": {"body": [my_uploaded_file(maker, token)]}}

    @scenario("approvals", "POST", "/approvals")
    @branch("approvals", "POST", "/approvals", "BatchGetItem")
    def submit_with_a_file(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared("/approvals", a_form_with_my_file(maker, token))

    @scenario("approvals", "GET", "/approvals/{instance_id}/attachments/{attachment_id}")
    def open_a_file_of_my_approval(maker: ResourceMaker, token: str) -> Prepared:
        body = a_form_with_my_file(maker, token)
        status, approval = maker.call("POST", "/approvals/approvals", token, body)
        assert status == 201, approval
        return Prepared(f"/approvals/{approval['id']}/attachments/{body['form']['body'][0]}")

    @scenario("approvals", "GET", "/inbox/handled")
    def an_approval_i_handled(maker: ResourceMaker, token: str) -> Prepared:
        template = maker.make("approvals", "/templates", token)
        approved(maker, token, template.id, {})
        return Prepared("/inbox/handled", made=[template])

    def my_leave_template(maker: ResourceMaker, token: str) -> str:
        """The built-in leave template (installed if the tenant has none yet), republished with the
        submitter as its one approver, so the caller takes a leave to the end on their own."""
        status, page = maker.call("GET", "/approvals/templates?limit=200", token)
        if not any(t["code"] == "leave" for t in page["items"]):
            maker.call("POST", "/approvals/templates/builtin", token, {"fallback_staff_id": "gate-office"})
            status, page = maker.call("GET", "/approvals/templates?limit=200", token)
        leave = next(t for t in page["items"] if t["code"] == "leave")
        status, current = maker.call("GET", f"/approvals/templates/{leave['id']}", token)
        body = {k: current[k] for k in ("name", "category", "description", "fields")}
        body["flow"] = {
            "steps": [{"id": "confirm", "name": "本人确认", "approvers": [{"kind": "submitter"}]}]
        }
        status, published = maker.call(
            "POST",
            f"/approvals/templates/{leave['id']}/versions",
            token,
            {**body, "version": current["version"]},
        )
        assert status == 200, published
        return str(leave["id"])

    def leave_form() -> dict[str, Any]:
        """A leave in a month of its own (a person's leave requests may not overlap)."""
        import random

        month = f"{random.randrange(2030, 2090)}-{random.randrange(1, 13):02d}"
        period = {"start": f"{month}-03", "end": f"{month}-04", "start_half": "pm"}
        return {"leave_type": "年假", "period": period, "reason": "探亲"}

    @branch("approvals", "POST", "/approvals", "Query")
    def submit_a_leave(maker: ResourceMaker, token: str) -> Prepared:
        """A leave is checked against the submitter's leave book (one Query)."""
        return Prepared("/approvals", {"template_id": my_leave_template(maker, token), "form": leave_form()})

    @branch("approvals", "POST", "/approvals/{instance_id}/actions", "Query")
    def resubmit_a_returned_leave(maker: ResourceMaker, token: str) -> Prepared:
        """A returned leave freed its days; resubmitting claims them again, read from the leave book."""
        body = {"template_id": my_leave_template(maker, token), "form": leave_form()}
        status, approval = maker.call("POST", "/approvals/approvals", token, body)
        assert status == 201, approval
        path = f"/approvals/{approval['id']}/actions"
        status, returned = maker.call("POST", f"/approvals{path}", token, {"action": "return"})
        assert status == 200 and returned["status"] == "returned", returned
        return Prepared(path, {"action": "resubmit"})

    @scenario("scheduling", "GET", "/leave")
    def leave_approved_in_approvals(maker: ResourceMaker, token: str) -> Prepared:
        # The caller's own leave, approved; its approval reaches scheduling through the bus.
        form = {
            "leave_type": "年假",
            "period": {"start": "2026-12-01", "end": "2026-12-03"},
            "reason": "探亲",
        }
        approved(maker, token, my_leave_template(maker, token), form)
        return Prepared("/leave", query={"from": "2026-12-01", "to": "2026-12-31"})


def _register() -> None:
    from tests.quality.surface import Made, Prepared, body_recipe, branch, scenario

    @body_recipe("messaging", "/notifications")
    def notification_to_the_caller(
        maker: ResourceMaker, token: str, parents: dict[str, str]
    ) -> dict[str, Any]:
        # The caller is the recipient, so its inbox, read and acknowledge routes have something to act on.
        me = maker.caller_is_staff(token)
        return {
            "title": "停电通知",
            "body": "今晚 22:00 检修",
            "to": {"staff_ids": [me.id]},
            "ack_required": True,
        }

    @scenario("messaging", "GET", "/staff")
    def search_staff(maker: ResourceMaker, token: str) -> Prepared:
        # A search (the search index's Query), for someone who is there: the list without q is the
        # same one Query on the staff partition, driven by every other recipe that makes staff.
        someone = maker.make("messaging", "/staff", token)
        return Prepared("/staff", query={"q": someone.body["name"]}, made=[someone])

    def someone_with_a_supervisor(maker: ResourceMaker, token: str) -> tuple[Made, dict[str, Any]]:
        boss = maker.make("messaging", "/staff", token)
        body = {
            "name": "下属",
            "employee_no": "S" + boss.body["employee_no"][-20:],
            "department_id": boss.body["department_id"],
            "supervisor_id": boss.id,
        }
        status, person = maker.call("POST", "/messaging/staff", token, body)
        assert status == 201, person
        return boss, person

    @branch("messaging", "GET", "/staff", "BatchGetItem")
    def staff_named_with_their_supervisor(maker: ResourceMaker, token: str) -> Prepared:
        # A page naming a supervisor reads their name (one BatchGetItem for the page).
        boss, person = someone_with_a_supervisor(maker, token)
        return Prepared("/staff", query={"q": person["name"]}, made=[boss])

    def a_unit_with_a_head(maker: ResourceMaker, token: str) -> Made:
        head = maker.make("messaging", "/staff", token)
        unit = head.body["department_id"]
        status, current = maker.call("GET", f"/messaging/departments/{unit}", token)
        assert status == 200, current
        status, changed = maker.call(
            "PATCH",
            f"/messaging/departments/{unit}",
            token,
            {"version": current["version"], "head_id": head.id},
        )
        assert status == 200, changed
        return head

    @branch("messaging", "GET", "/departments", "BatchGetItem")
    def units_named_with_their_heads(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared("/departments", made=[a_unit_with_a_head(maker, token)])

    @branch("messaging", "GET", "/departments/tree", "BatchGetItem")
    def the_tree_names_its_heads(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared("/departments/tree", made=[a_unit_with_a_head(maker, token)])

    @scenario("messaging", "GET", "/staff/me/colleagues")
    def my_colleagues(maker: ResourceMaker, token: str) -> Prepared:
        # A colleague in the caller's own department, so the list has someone in it.
        me = maker.caller_is_staff(token)
        colleague = {**me.body, "name": "同事", "employee_no": "C" + me.body["employee_no"][-20:]}
        body = {k: colleague[k] for k in ("name", "employee_no", "department_id")}
        status, payload = maker.call("POST", "/messaging/staff", token, body)
        assert status == 201, payload
        return Prepared("/staff/me/colleagues")

    @body_recipe("messaging", "/conversations")
    def group_with_a_colleague(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        # The caller is staff (conversations are between people) and talks with someone who exists.
        maker.caller_is_staff(token)
        other = maker.make("messaging", "/staff", token)
        return {"kind": "group", "name": "夜班群", "member_ids": [other.id]}

    @body_recipe("messaging", "/conversations/{conversation_id}/read")
    def read_up_to_a_message(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        # A message of the conversation when there is one; any id when the call is meant to be refused.
        if "conversation_id" not in parents:
            return {"message_id": "0" * 22}
        path = f"/messaging/conversations/{parents['conversation_id']}/messages"
        status, message = maker.call("POST", path, token, {"text": "交班"})
        assert status == 201, message
        return {"message_id": message["id"]}

    def notified(maker: ResourceMaker, token: str, **extra: Any) -> str:
        """A notification to the caller (a 202, so not through ``make``), once it is in their inbox."""
        body = {**notification_to_the_caller(maker, token, {}), **extra}
        status, sent = maker.call("POST", "/messaging/notifications", token, body)
        assert status == 202, sent

        def delivered() -> bool:
            status, page = maker.call("GET", "/messaging/notifications/inbox", token)
            return status == 200 and any(i["notification_id"] == sent["id"] for i in page["items"])

        assert maker.settle is not None, "this recipe needs the event path: give the maker settle=stack.drain"
        maker.settle()
        assert delivered(), f"notification {sent['id']} did not reach the caller's inbox"
        return str(sent["id"])

    @branch("messaging", "GET", "/notifications/{notification_id}", "TransactWriteItems")
    def a_recipient_reads_it(maker: ResourceMaker, token: str) -> Prepared:
        # The caller's own delivery, unread: reading it marks it read (one transaction).
        return Prepared(f"/notifications/{notified(maker, token)}")

    for path in ("/notifications/inbox", "/sync"):

        @scenario("messaging", "GET", path)
        def my_own_feed(maker: ResourceMaker, token: str, path: str = path) -> Prepared:
            notified(maker, token)  # something in it
            return Prepared(path)

    for action in ("read", "ack"):

        @scenario("messaging", "POST", f"/notifications/{{notification_id}}/{action}")
        def act_on_mine(maker: ResourceMaker, token: str, action: str = action) -> Prepared:
            return Prepared(f"/notifications/{notified(maker, token)}/{action}")

    @body_recipe("messaging", "/imports")
    def an_hr_file(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        # One valid row into a real unit (named by id), unique 工号: importing it again changes nothing.
        import base64
        import uuid

        department = maker.make("messaging", "/departments", token)
        csv = f"姓名,工号,科室\n林晓,I{uuid.uuid4().hex[:10]},{department.id}\n"
        return {"format": "csv", "content_base64": base64.b64encode(csv.encode()).decode()}

    def previewed_import(maker: ResourceMaker, token: str) -> str:
        """An uploaded file, previewed by the consumer to the end (its first page written)."""
        status, job = maker.call("POST", "/messaging/imports", token, an_hr_file(maker, token, {}))
        assert status == 202, job
        assert maker.settle is not None, "this recipe needs the event path: give the maker settle=stack.drain"
        maker.settle()
        return str(job["id"])

    @scenario("messaging", "GET", "/imports/{job_id}")
    def an_import_job(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/imports/{previewed_import(maker, token)}")

    @scenario("messaging", "POST", "/imports/{job_id}/confirm")
    def confirm_a_previewed_import(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/imports/{previewed_import(maker, token)}/confirm", {})

    @scenario("messaging", "GET", "/notifications/{notification_id}")
    def my_notification(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/notifications/{notified(maker, token)}")

    @scenario("messaging", "GET", "/conversations/{conversation_id}/attachments/{attachment_id}")
    def an_attachment(maker: ResourceMaker, token: str) -> Prepared:
        conversation = maker.make("messaging", "/conversations", token)
        body = {"filename": "化验单.pdf", "content_type": "application/pdf", "size": 1024}
        status, ticket = maker.call("POST", f"{conversation.path}/attachments", token, body)
        assert status == 201, ticket
        path = f"/conversations/{conversation.id}/attachments/{ticket['attachment_id']}"
        return Prepared(path, made=[conversation])

    @scenario("messaging", "GET", "/notifications/{notification_id}/recipients")
    def who_has_read(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/notifications/{notified(maker, token)}/recipients")

    @scenario("messaging", "GET", "/alerts")
    def alerts_of_an_urgent_notice(maker: ResourceMaker, token: str) -> Prepared:
        # A DING (its SMS step at the policy's minimum); its sweep (a schedule, which never fires inside
        # a drain) runs here, on a clock past that step, and records the SMS attempt.
        from datetime import UTC, datetime, timedelta

        from chalicelib.messaging.service import ding

        notified(maker, token, ding={"sms_after_minutes": 5, "call_after_minutes": None})
        now = datetime.now(UTC) + timedelta(minutes=5, seconds=1)
        for _ in range(100):  # a sweep takes a batch of the due timers, other tests' first
            ding.sweep(now)
            status, page = maker.call("GET", "/messaging/alerts", token)
            if status == 200 and page["items"]:
                break
        return Prepared("/alerts")

    @scenario("messaging", "GET", "/conversations/{conversation_id}/messages")
    def history_with_a_message(maker: ResourceMaker, token: str) -> Prepared:
        conversation = maker.make("messaging", "/conversations", token)
        status, message = maker.call("POST", f"{conversation.path}/messages", token, {"text": "交班"})
        assert status == 201, message
        return Prepared(f"/conversations/{conversation.id}/messages", made=[conversation])

    @scenario("messaging", "POST", "/devices")
    def my_phone(maker: ResourceMaker, token: str) -> Prepared:
        maker.caller_is_staff(token)
        return Prepared("/devices", body={"platform": "fcm", "token": "device-" + token[-24:]})

    @branch("messaging", "POST", "/conversations", "Query")
    def a_cross_hospital_group(maker: ResourceMaker, token: str) -> Prepared:
        # A consortium group reads the consortium's member hospitals (the caller is known by standing).
        maker.caller_is_staff(token)
        consortium = maker.make("messaging", "/consortia", token)
        other = maker.make("messaging", "/staff", token)
        body = {"kind": "group", "name": "转诊群", "member_ids": [other.id], "consortium_id": consortium.id}
        return Prepared("/conversations", body)

    @branch("messaging", "POST", "/conversations/{conversation_id}/messages", "Query")
    def a_message_to_a_cross_hospital_group(maker: ResourceMaker, token: str) -> Prepared:
        # Only the hospitals still in the consortium get it: the consortium's roster is read.
        maker.caller_is_staff(token)
        consortium = maker.make("messaging", "/consortia", token)
        other = maker.make("messaging", "/staff", token)
        body = {"kind": "group", "name": "转诊群", "member_ids": [other.id], "consortium_id": consortium.id}
        status, group = maker.call("POST", "/messaging/conversations", token, body)
        assert status == 201, group
        return Prepared(f"/conversations/{group['id']}/messages", {"text": "请会诊"})

    @scenario("messaging", "GET", "/conversations")
    def my_conversations_with_news(maker: ResourceMaker, token: str) -> Prepared:
        # A 1:1 with a message, so the names (the other person, the sender) are read in their batch.
        maker.caller_is_staff(token)
        other = maker.make("messaging", "/staff", token)
        body = {"kind": "direct", "member_ids": [other.id]}
        status, direct = maker.call("POST", "/messaging/conversations", token, body)
        assert status == 201, direct
        path = f"/messaging/conversations/{direct['id']}/messages"
        status, sent = maker.call("POST", path, token, {"text": "交班"})
        assert status == 201, sent
        return Prepared("/conversations")

    @branch("messaging", "POST", "/conversations", "BatchWriteItem")
    def a_group_too_large_for_one_transaction(maker: ResourceMaker, token: str) -> Prepared:
        # Its members' list lines cannot share the conversation's transaction (100 items): written first.
        maker.caller_is_staff(token)
        members = [maker.make("messaging", "/staff", token).id for _ in range(99)]
        return Prepared("/conversations", {"kind": "group", "name": "全院群", "member_ids": members})

    @scenario("messaging", "GET", "/consortium-groups")
    def my_cross_hospital_group(maker: ResourceMaker, token: str) -> Prepared:
        maker.caller_is_staff(token)
        consortium = maker.make("messaging", "/consortia", token)
        other = maker.make("messaging", "/staff", token)
        body = {"kind": "group", "name": "转诊群", "member_ids": [other.id], "consortium_id": consortium.id}
        status, group = maker.call("POST", "/messaging/conversations", token, body)
        assert status == 201, group
        made = Made(
            "messaging", "/conversations", f"/messaging/conversations/{group['id']}", group["id"], group
        )
        return Prepared("/consortium-groups", made=[consortium, made])

    @scenario("messaging", "GET", "/audit")
    def audit_of_a_department(maker: ResourceMaker, token: str) -> Prepared:
        department = maker.make("messaging", "/departments", token)
        return Prepared("/audit", query={"resource_type": "department", "resource_id": department.id})

    def other_hospital(maker: ResourceMaker, token: str) -> tuple[str, str]:
        """A second hospital's admin token (same roles), for consortium links: (its tenant, its token)."""
        import uuid

        import jwt

        claims = jwt.decode(token, options={"verify_signature": False})
        assert maker.mint is not None, "this recipe needs a ResourceMaker that can mint tokens"
        from tests.conftest import register_hospital

        tenant = f"t-ot{uuid.uuid4().hex[:10]}"
        register_hospital(tenant)
        scopes = claims.get("scope", "").split()
        extra = {"scopes": scopes} if scopes else {}
        return tenant, str(maker.mint(tenant, "gate-lead", claims.get("roles", []), **extra))

    def invited_by_another_hospital(maker: ResourceMaker, token: str) -> str:
        """Another hospital's consortium that invited the caller's hospital; returns its id."""
        import jwt

        from tests.conftest import register_hospital

        me = jwt.decode(token, options={"verify_signature": False})["tenant"]
        register_hospital(me)
        _, lead = other_hospital(maker, token)
        consortium = maker.make("messaging", "/consortia", lead)
        status, body = maker.call(
            "POST", f"/messaging/consortia/{consortium.id}/invitations", lead, {"hospital_id": me}
        )
        assert status == 200, body
        return consortium.id

    @scenario("messaging", "POST", "/consortia/{consortium_id}/accept")
    def accept_an_invitation(maker: ResourceMaker, token: str) -> Prepared:
        consortium_id = invited_by_another_hospital(maker, token)
        return Prepared(f"/consortia/{consortium_id}/accept", body={"hospital_name": "浦沿镇卫生院"})

    @scenario("messaging", "POST", "/consortia/{consortium_id}/decline")
    def decline_an_invitation(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/consortia/{invited_by_another_hospital(maker, token)}/decline")

    @scenario("messaging", "POST", "/consortia/{consortium_id}/invitations")
    def invite_a_hospital(maker: ResourceMaker, token: str) -> Prepared:
        # Only a hospital the province onboarded can be invited.
        consortium = maker.make("messaging", "/consortia", token)
        invitee, _ = other_hospital(maker, token)
        return Prepared(
            f"/consortia/{consortium.id}/invitations", body={"hospital_id": invitee}, made=[consortium]
        )

    @scenario("messaging", "POST", "/consortia/{consortium_id}/remove")
    def withdraw_an_invitation(maker: ResourceMaker, token: str) -> Prepared:
        consortium = maker.make("messaging", "/consortia", token)
        invitee, _ = other_hospital(maker, token)
        status, body = maker.call(
            "POST", f"/messaging/consortia/{consortium.id}/invitations", token, {"hospital_id": invitee}
        )
        assert status == 200, body
        return Prepared(
            f"/consortia/{consortium.id}/remove", body={"hospital_id": invitee}, made=[consortium]
        )


def _register_roster_periods() -> None:
    """Roster periods: a ward with two nurses (reaching scheduling through the event path), a month of
    it, edited, submitted, published (the ward skips approval, so the caller publishes alone)."""
    from tests.quality.surface import Made, Prepared, body_recipe, branch, maker_recipe, scenario

    def ward_with_nurses(maker: ResourceMaker, token: str, skip_approval: bool = False) -> str:
        status, dept = maker.call("POST", "/messaging/departments", token, {"name": "内科"})
        assert status == 201, dept
        body = {"name": "心内科病区", "kind": "ward", "parent_id": dept["id"]}
        status, ward = maker.call("POST", "/messaging/departments", token, body)
        assert status == 201, ward
        for name in ("陈思雨", "李娜"):
            body = {
                "name": name,
                "employee_no": f"R{uuid.uuid4().hex[:10]}",
                "department_id": ward["id"],
                "roles": ["nurse"],
            }
            status, made = maker.call("POST", "/messaging/staff", token, body)
            assert status == 201, made
        if skip_approval:
            path = f"/scheduling/wards/{ward['id']}/setup"
            status, changed = maker.call("PUT", path, token, {"version": 0, "skip_approval": True})
            assert status == 200, changed
        if maker.settle is not None:
            maker.settle()  # staff.created → the scheduling projection
        return str(ward["id"])

    @body_recipe("scheduling", "/periods")
    def a_month_of_a_new_ward(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        return {"ward_ids": [ward_with_nurses(maker, token)], "start": "2027-01-01", "end": "2027-01-31"}

    def period(maker: ResourceMaker, token: str, skip_approval: bool = False) -> Made:
        if not skip_approval:
            return maker.make("scheduling", "/periods", token)
        ward = ward_with_nurses(maker, token, skip_approval=True)
        body = {"ward_ids": [ward], "start": "2027-01-01", "end": "2027-01-31"}
        status, made = maker.call("POST", "/scheduling/periods", token, body)
        assert status == 201, made
        return Made("scheduling", "/periods", f"/scheduling/periods/{made['id']}", made["id"], made)

    def a_change(maker: ResourceMaker, token: str, thing: Made, shift: str = "D") -> dict[str, Any]:
        status, grid = maker.call("GET", f"/scheduling/periods/{thing.id}", token)
        assert status == 200, grid
        nurse = grid["nurses"][0]["staff_id"]
        return {"changes": [{"staff_id": nurse, "date": "2027-01-04", "shift": shift}]}

    def published(maker: ResourceMaker, token: str, versions: int = 1) -> Made:
        thing = period(maker, token, skip_approval=True)
        for n in range(versions):
            change = a_change(maker, token, thing, "DP"[n % 2])
            status, body = maker.call("PUT", f"/scheduling/periods/{thing.id}/cells", token, change)
            assert status == 200, body
            status, body = maker.call("POST", f"/scheduling/periods/{thing.id}/publish", token, {})
            assert status == 200, body
        return thing

    @scenario("scheduling", "GET", "/periods")
    def a_wards_periods(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        return Prepared("/periods", query={"ward_id": thing.body["ward_ids"][0]}, made=[thing])

    @scenario("scheduling", "PUT", "/periods/{period_id}/cells")
    def a_nurse_on_a_day_shift(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        return Prepared(f"/periods/{thing.id}/cells", body=a_change(maker, token, thing), made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/withdraw")
    def withdraw_a_submitted_period(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        status, body = maker.call("POST", f"/scheduling/periods/{thing.id}/submit", token, {})
        assert status == 200, body
        return Prepared(f"/periods/{thing.id}/withdraw", body={}, made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/publish")
    def publish_a_ward_without_approval(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token, skip_approval=True)
        status, body = maker.call(
            "PUT", f"/scheduling/periods/{thing.id}/cells", token, a_change(maker, token, thing)
        )
        assert status == 200, body
        return Prepared(f"/periods/{thing.id}/publish", body={}, made=[thing])

    @branch("scheduling", "GET", "/periods/{period_id}", "GetItem")
    def the_grid_after_a_published_month(maker: ResourceMaker, token: str) -> Prepared:
        """The month after a published one: its history is read from that month's live version."""
        before = published(maker, token)
        ward = before.body["ward_ids"][0]
        body = {"ward_ids": [ward], "start": "2027-02-01", "end": "2027-02-28"}
        status, made = maker.call("POST", "/scheduling/periods", token, body)
        assert status == 201, made
        return Prepared(f"/periods/{made['id']}", made=[before])

    # Fairness over months (service/fairness.py): the ledger of a ward with a published month, so
    # every read it declares is made (its list, the versions' BatchGetItem, calendar, setup, staff).
    @scenario("scheduling", "GET", "/wards/{ward_id}/fairness")
    def the_fairness_ledger_of_a_published_month(maker: ResourceMaker, token: str) -> Prepared:
        thing = published(maker, token)
        ward = thing.body["ward_ids"][0]
        window = {"from": "2027-01-01", "to": "2027-03-31"}
        return Prepared(f"/wards/{ward}/fairness", query=window, made=[thing])

    # The ward-wall grid as a spreadsheet (service/sheets.py).
    @scenario("scheduling", "GET", "/periods/{period_id}/export.xlsx")
    def export_the_draft(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        status, body = maker.call(
            "PUT", f"/scheduling/periods/{thing.id}/cells", token, a_change(maker, token, thing)
        )
        assert status == 200, body
        return Prepared(f"/periods/{thing.id}/export.xlsx", made=[thing])

    @branch("scheduling", "GET", "/periods/{period_id}/export.xlsx", "GetItem")
    def export_a_version_after_a_published_month(maker: ResourceMaker, token: str) -> Prepared:
        """A published version (its snapshot) of the month after a published one (that month's live
        version carries the history in): every read the export declares."""
        before = published(maker, token)
        body = {"ward_ids": [before.body["ward_ids"][0]], "start": "2027-02-01", "end": "2027-02-28"}
        status, made = maker.call("POST", "/scheduling/periods", token, body)
        assert status == 201, made
        status, body = maker.call("POST", f"/scheduling/periods/{made['id']}/publish", token, {})
        assert status == 200, body
        return Prepared(f"/periods/{made['id']}/export.xlsx", query={"version": "1"}, made=[before])

    @scenario("scheduling", "POST", "/periods/{period_id}/import")
    def import_a_sheet(maker: ResourceMaker, token: str) -> Prepared:
        import base64
        import io

        from openpyxl import Workbook

        thing = period(maker, token)
        status, grid = maker.call("GET", f"/scheduling/periods/{thing.id}", token)
        assert status == 200, grid
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["排班表"])
        ws.append(["姓名", "层级", "2027-01-04", "2027-01-05"])
        ws.append([grid["nurses"][0]["name"], None, "白班", "休"])
        out = io.BytesIO()
        wb.save(out)
        body = {"content_base64": base64.b64encode(out.getvalue()).decode(), "filename": "一月.xlsx"}
        return Prepared(f"/periods/{thing.id}/import", body=body, made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/versions/{number}")
    def the_first_version(maker: ResourceMaker, token: str) -> Prepared:
        thing = published(maker, token)
        return Prepared(f"/periods/{thing.id}/versions/1", made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/versions/{number}/diff")
    def what_moved_in_the_second_version(maker: ResourceMaker, token: str) -> Prepared:
        thing = published(maker, token, versions=2)
        return Prepared(f"/periods/{thing.id}/versions/2/diff", made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/versions")
    def the_versions(maker: ResourceMaker, token: str) -> Prepared:
        thing = published(maker, token, versions=2)  # two, so a page of one has a page after it
        return Prepared(f"/periods/{thing.id}/versions", made=[thing])

    @scenario("scheduling", "GET", "/on-duty")
    def who_is_on_duty(maker: ResourceMaker, token: str) -> Prepared:
        thing = published(maker, token)
        if maker.settle is not None:
            maker.settle()  # roster.published → the on-duty read model
        ward = thing.body["ward_ids"][0]
        return Prepared("/on-duty", query={"ward_id": ward, "at": "2027-01-04T10:00:00+08:00"}, made=[thing])

    @scenario("scheduling", "GET", "/me/shifts")
    def my_month(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared("/me/shifts", query={"from": "2027-01-01", "to": "2027-01-31"})

    # The engine's operations on a draft (copy, rotation, explain).
    @scenario("scheduling", "POST", "/periods/{period_id}/copy")
    def copy_last_months_first_week(maker: ResourceMaker, token: str) -> Prepared:
        """The costliest copy: from another period of the ward (January, published) into February, whose
        grid also reads January's live version for the streaks it carries in."""
        before = published(maker, token)
        ward = before.body["ward_ids"][0]
        body = {"ward_ids": [ward], "start": "2027-02-01", "end": "2027-02-28"}
        status, made = maker.call("POST", "/scheduling/periods", token, body)
        assert status == 201, made
        block = {
            "from": "2027-01-04",
            "to": "2027-01-10",
            "starts": ["2027-02-01"],
            "source_period_id": before.id,
        }
        return Prepared(f"/periods/{made['id']}/copy", body=block, made=[before])

    @scenario("scheduling", "POST", "/periods/{period_id}/rotation")
    def a_day_on_day_off_rotation(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        return Prepared(f"/periods/{thing.id}/rotation", body={"pattern": ["D", None]}, made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/nurses/{staff_id}/explain")
    def why_a_nurses_roster(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        change = a_change(maker, token, thing, "N")
        status, body = maker.call("PUT", f"/scheduling/periods/{thing.id}/cells", token, change)
        assert status == 200, body
        nurse = change["changes"][0]["staff_id"]
        return Prepared(f"/periods/{thing.id}/nurses/{nurse}/explain", made=[thing])

    # Nurses' requests: the caller (who rosters every ward) records them for a nurse of the period.
    def a_request(maker: ResourceMaker, token: str, thing: Made, day: str = "2027-01-05") -> dict[str, Any]:
        nurse = a_change(maker, token, thing)["changes"][0]["staff_id"]
        return {"date": day, "kind": "shift_off", "shift": "N", "reason": "家里有事", "staff_id": nurse}

    @maker_recipe("scheduling", "/periods/{period_id}/nurses")
    def a_nurse_of_the_period(maker: ResourceMaker, token: str, parents: dict[str, str]) -> Made:
        """A nurse of a period is a member of its ward's staff (made with the ward): the grid's first."""
        path = f"/scheduling/periods/{parents['period_id']}"
        status, grid = maker.call("GET", path, token)
        assert status == 200 and grid["nurses"], grid
        nurse = grid["nurses"][0]
        return Made(
            "scheduling",
            "/periods/{period_id}/nurses",
            f"{path}/nurses/{nurse['staff_id']}",
            nurse["staff_id"],
            nurse,
            parents,
        )

    @body_recipe("scheduling", "/periods/{period_id}/requests")
    def a_day_off(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        """The caller's own day off (its ``date`` is a day, not a key of ``/calendar``)."""
        return {"date": "2027-01-05", "kind": "day_off"}

    @scenario("scheduling", "POST", "/periods/{period_id}/requests")
    def a_nurses_request(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        return Prepared(f"/periods/{thing.id}/requests", body=a_request(maker, token, thing), made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/requests")
    def the_periods_requests(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        for day in ("2027-01-05", "2027-01-06"):
            path = f"/scheduling/periods/{thing.id}/requests"
            status, body = maker.call("POST", path, token, a_request(maker, token, thing, day))
            assert status == 201, body
        return Prepared(f"/periods/{thing.id}/requests", made=[thing])

    @scenario("scheduling", "DELETE", "/periods/{period_id}/requests/{request_id}")
    def withdraw_a_request(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        path = f"/scheduling/periods/{thing.id}/requests"
        status, body = maker.call("POST", path, token, a_request(maker, token, thing))
        assert status == 201, body
        return Prepared(f"/periods/{thing.id}/requests/{body['id']}", made=[thing])

    @scenario("scheduling", "PATCH", "/periods/{period_id}")
    def move_the_request_deadline(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        return Prepared(f"/periods/{thing.id}", body={"request_deadline": "2026-12-20"}, made=[thing])

    # Auto-roster jobs. The tests' stack keeps each solver invocation until ``maker.solve()`` runs it.
    def solving(maker: ResourceMaker, token: str) -> tuple[Made, dict[str, Any]]:
        thing = period(maker, token)
        path = f"/scheduling/periods/{thing.id}/solve"
        status, job = maker.call("POST", path, token, {"time_limit": 10})
        assert status == 202, job
        return thing, job

    def stored_job(token: str, thing: Made, job: dict[str, Any]) -> tuple[Any, Any]:
        """The job's store and record (a state no request reaches at once: running, or a kept result)."""
        import jwt
        from chalicelib.scheduling.adapters.dynamodb import DynamoSolveJobs

        tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
        jobs = DynamoSolveJobs(tenant)
        return jobs, jobs.get(thing.id, job["id"])

    @scenario("scheduling", "POST", "/periods/{period_id}/solve")
    def solve_a_month(maker: ResourceMaker, token: str) -> Prepared:
        thing = period(maker, token)
        return Prepared(f"/periods/{thing.id}/solve", body={"time_limit": 10}, made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/jobs/{job_id}")
    def follow_a_job(maker: ResourceMaker, token: str) -> Prepared:
        thing, job = solving(maker, token)
        return Prepared(f"/periods/{thing.id}/jobs/{job['id']}", made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/jobs")
    def a_periods_jobs(maker: ResourceMaker, token: str) -> Prepared:
        thing, _ = solving(maker, token)
        return Prepared(f"/periods/{thing.id}/jobs", made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/jobs/{job_id}/cancel")
    def cancel_a_queued_job(maker: ResourceMaker, token: str) -> Prepared:
        thing, job = solving(maker, token)
        return Prepared(f"/periods/{thing.id}/jobs/{job['id']}/cancel", made=[thing])

    @branch("scheduling", "POST", "/periods/{period_id}/jobs/{job_id}/cancel", "UpdateItem")
    def cancel_a_running_job(maker: ResourceMaker, token: str) -> Prepared:
        """A running job is asked to stop at its next beat (its worker taken here, as the function would)."""
        from datetime import UTC, datetime

        thing, job = solving(maker, token)
        jobs, record = stored_job(token, thing, job)
        assert jobs.start(record, datetime.now(UTC)) is not None
        return Prepared(f"/periods/{thing.id}/jobs/{job['id']}/cancel", made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/jobs/{job_id}/stop")
    def stop_a_job_keeping_its_best(maker: ResourceMaker, token: str) -> Prepared:
        thing, job = solving(maker, token)
        return Prepared(f"/periods/{thing.id}/jobs/{job['id']}/stop", made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/jobs/{job_id}/apply")
    def apply_a_kept_result(maker: ResourceMaker, token: str) -> Prepared:
        """A result kept because the draft changed while solving (ended here as the worker ends it)."""
        from dataclasses import replace
        from datetime import UTC, datetime

        from chalicelib.scheduling.domain.roster.model import Assignment

        thing, job = solving(maker, token)
        jobs, record = stored_job(token, thing, job)
        now = datetime.now(UTC)
        running = jobs.start(record, now)
        nurse = a_change(maker, token, thing)["changes"][0]["staff_id"]
        ended = replace(
            running,
            state="succeeded",
            ended_at=now,
            percent=100,
            result="kept",
            base_revision=thing.body["revision"],
            reason="the draft changed while solving",
            kept=(Assignment(nurse, 2, "D", "nurse"),),
        )
        assert jobs.finish(running, ended)
        return Prepared(f"/periods/{thing.id}/jobs/{job['id']}/apply", body={}, made=[thing])


def _register_scheduling() -> None:
    """Scheduling's setup: a ward is a directory unit (made in messaging); codes and days are keys the
    hospital gives, so the caller sets one first where the route needs it there."""
    import random

    from tests.quality.surface import Prepared, scenario

    def ward(maker: ResourceMaker, token: str) -> Any:
        return maker.make("messaging", "/departments", token)

    @scenario("scheduling", "GET", "/wards/{ward_id}/setup")
    def read_a_wards_setup(maker: ResourceMaker, token: str) -> Prepared:
        unit = ward(maker, token)
        return Prepared(f"/wards/{unit.id}/setup", made=[unit])

    @scenario("scheduling", "PUT", "/wards/{ward_id}/setup")
    def change_a_wards_setup(maker: ResourceMaker, token: str) -> Prepared:
        unit = ward(maker, token)
        body = {"version": 0, "min_rest_hours": 12, "skip_approval": True}
        return Prepared(f"/wards/{unit.id}/setup", body=body, made=[unit])

    duty = {"name": "值班", "start": "08:00", "end": "08:00", "colour": "#d0021b"}

    @scenario("scheduling", "PUT", "/shift-types/{code}")
    def define_a_shift_type(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/shift-types/Z{random.randrange(10**6)}", body=duty)

    @scenario("scheduling", "DELETE", "/shift-types/{code}")
    def remove_a_shift_type(maker: ResourceMaker, token: str) -> Prepared:
        code = f"Z{random.randrange(10**6)}"
        status, body = maker.call("PUT", f"/scheduling/shift-types/{code}", token, duty)
        assert status == 200, body
        return Prepared(f"/shift-types/{code}")

    def next_years_day() -> str:
        return f"{random.randrange(2030, 2090)}-{random.randrange(1, 13):02d}-{random.randrange(1, 29):02d}"

    @scenario("scheduling", "PUT", "/calendar/{date}")
    def add_a_holiday(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/calendar/{next_years_day()}", body={"kind": "holiday", "name": "元旦"})

    @scenario("scheduling", "DELETE", "/calendar/{date}")
    def remove_a_holiday(maker: ResourceMaker, token: str) -> Prepared:
        day = next_years_day()
        status, body = maker.call(
            "PUT", f"/scheduling/calendar/{day}", token, {"kind": "holiday", "name": "元旦"}
        )
        assert status == 200, body
        return Prepared(f"/calendar/{day}")


def _register_calendar_feeds() -> None:
    """A nurse's calendar feed: the caller is a member of staff (a feed is hers), with a feed where the
    route needs one; the public .ics is fetched at the path the feed was made with."""
    from tests.quality.surface import Prepared, scenario

    def with_feed(maker: ResourceMaker, token: str) -> dict[str, Any]:
        maker.caller_is_staff(token)
        status, feed = maker.call("POST", "/scheduling/me/calendar-feed", token)
        assert status == 201, feed
        return dict(feed)

    @scenario("scheduling", "POST", "/me/calendar-feed")
    def make_my_feed(maker: ResourceMaker, token: str) -> Prepared:
        maker.caller_is_staff(token)
        return Prepared("/me/calendar-feed")

    @scenario("scheduling", "GET", "/me/calendar-feed")
    def my_feed(maker: ResourceMaker, token: str) -> Prepared:
        with_feed(maker, token)
        return Prepared("/me/calendar-feed")

    @scenario("scheduling", "DELETE", "/me/calendar-feed")
    def revoke_my_feed(maker: ResourceMaker, token: str) -> Prepared:
        with_feed(maker, token)
        return Prepared("/me/calendar-feed")

    @scenario("scheduling", "GET", "/calendar-feeds/{token}/shifts.ics")
    def fetch_my_feed(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(with_feed(maker, token)["path"].removeprefix("/scheduling"))


def _register_swaps() -> None:
    """Swaps (换班) on a published week of a ward that skips approval: two nurses with sign-ins (minted
    tokens), the caller a nurse of the ward too where the route is hers (proposing, cancelling,
    reversing); an applied swap is decided here as approvals' answer would be (its own consumer)."""
    from tests.quality.surface import Prepared, scenario

    def live_week(maker: ResourceMaker, token: str, caller_works: bool) -> tuple[str, str, dict[str, str]]:
        """A published week: 陈思雨 白班 on the 5th (the caller 白班 on the 6th when she works there).
        Returns the period id, the tenant and the staff ids by user."""
        import jwt

        from shared.auth import DIRECTORY_ROLES

        claims = jwt.decode(token, options={"verify_signature": False})
        tenant = str(claims["tenant"])
        status, dept = maker.call("POST", "/messaging/departments", token, {"name": "内科"})
        assert status == 201, dept
        body = {"name": "心内科病区", "kind": "ward", "parent_id": dept["id"]}
        status, ward = maker.call("POST", "/messaging/departments", token, body)
        assert status == 201, ward
        people = [
            ("陈思雨", f"sw-{uuid.uuid4().hex[:8]}", ["nurse"]),
            ("李娜", f"sw-{uuid.uuid4().hex[:8]}", ["nurse"]),
        ]
        if caller_works:
            people.append(
                ("周护士", str(claims["sub"]), [r for r in claims.get("roles", []) if r in DIRECTORY_ROLES])
            )
        ids: dict[str, str] = {}
        for name, user, roles in people:
            body = {
                "name": name,
                "employee_no": f"S{uuid.uuid4().hex[:10]}",
                "department_id": ward["id"],
                "roles": roles,
                "user_id": user,
            }
            status, made = maker.call("POST", "/messaging/staff", token, body)
            assert status == 201, made
            ids[user] = str(made["id"])
        path = f"/scheduling/wards/{ward['id']}/setup"
        status, changed = maker.call("PUT", path, token, {"version": 0, "skip_approval": True})
        assert status == 200, changed
        if maker.settle is not None:
            maker.settle()  # staff.created → the scheduling projection
        body = {"ward_ids": [ward["id"]], "start": "2027-01-04", "end": "2027-01-10"}
        status, period = maker.call("POST", "/scheduling/periods", token, body)
        assert status == 201, period
        users = list(ids)
        changes = [{"staff_id": ids[users[0]], "date": "2027-01-05", "shift": "D"}]
        if caller_works:
            changes.append({"staff_id": ids[str(claims["sub"])], "date": "2027-01-06", "shift": "D"})
        status, body = maker.call(
            "PUT", f"/scheduling/periods/{period['id']}/cells", token, {"changes": changes}
        )
        assert status == 200, body
        status, body = maker.call("POST", f"/scheduling/periods/{period['id']}/publish", token, {})
        assert status == 200, body
        return str(period["id"]), tenant, ids

    def nurses_swap(maker: ResourceMaker, token: str) -> tuple[str, str]:
        """陈思雨 (her own sign-in) gives her 白班 on the 5th to 李娜: (period id, swap id)."""
        pid, tenant, ids = live_week(maker, token, caller_works=False)
        first, second = list(ids)
        assert maker.mint is not None, "this recipe needs a ResourceMaker that can mint tokens"
        nurse = str(maker.mint(tenant, first, ["nurse"]))
        body = {"kind": "give", "my_date": "2027-01-05", "colleague_id": ids[second]}
        status, swap = maker.call("POST", f"/scheduling/periods/{pid}/swaps", nurse, body)
        assert status == 201, swap
        return pid, str(swap["id"])

    def my_swap(maker: ResourceMaker, token: str) -> tuple[str, dict[str, Any]]:
        """The caller gives her 白班 on the 6th to 李娜: (period id, swap)."""
        pid, _, ids = live_week(maker, token, caller_works=True)
        body = {"kind": "give", "my_date": "2027-01-06", "colleague_id": list(ids.values())[1]}
        status, swap = maker.call("POST", f"/scheduling/periods/{pid}/swaps", token, body)
        assert status == 201, swap
        return pid, dict(swap)

    @scenario("scheduling", "POST", "/periods/{period_id}/swaps")
    def give_my_shift_away(maker: ResourceMaker, token: str) -> Prepared:
        pid, _, ids = live_week(maker, token, caller_works=True)
        body = {"kind": "give", "my_date": "2027-01-06", "colleague_id": list(ids.values())[1]}
        return Prepared(f"/periods/{pid}/swaps", body=body)

    @scenario("scheduling", "GET", "/periods/{period_id}/swaps")
    def the_periods_swaps(maker: ResourceMaker, token: str) -> Prepared:
        pid, _ = nurses_swap(maker, token)
        return Prepared(f"/periods/{pid}/swaps")

    @scenario("scheduling", "GET", "/swaps/{swap_id}")
    def a_nurses_swap(maker: ResourceMaker, token: str) -> Prepared:
        _, swap_id = nurses_swap(maker, token)
        return Prepared(f"/swaps/{swap_id}")

    @scenario("scheduling", "POST", "/swaps/{swap_id}/cancel")
    def call_off_my_swap(maker: ResourceMaker, token: str) -> Prepared:
        _, swap = my_swap(maker, token)
        return Prepared(f"/swaps/{swap['id']}/cancel")

    @scenario("scheduling", "POST", "/swaps/{swap_id}/reverse")
    def reverse_my_applied_swap(maker: ResourceMaker, token: str) -> Prepared:
        import jwt
        from chalicelib.scheduling.consumers import SWAP_DECISIONS
        from chalicelib.scheduling.service import swaps

        from shared.events.consumer import handle_once
        from shared.events.published.approvals import SWAP_DECIDED, SwapDecided

        pid, swap = my_swap(maker, token)
        tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
        decided = SwapDecided(
            swap_id=swap["id"], period_id=pid, instance_id="gate", outcome="approved", by=swap["proposer_id"]
        )
        assert handle_once(SWAP_DECISIONS, SWAP_DECIDED.envelope(tenant, decided), swaps.record_decision)
        return Prepared(f"/swaps/{swap['id']}/reverse")


def _register_roster_repairs() -> None:
    """Late leave, sick calls and repairs: a published week of a ward of two nurses (白班 on the 4th, 小夜
    on the 6th; the ward skipping approval), the first one's sick call on the 4th, and what follows it."""
    from tests.quality.surface import Made, Prepared, body_recipe, scenario

    @body_recipe("scheduling", "/periods/{period_id}/absences")
    def a_sick_call(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        """A sick call's body for a caller who has no period to name a nurse of (another hospital's)."""
        return {"staff_id": f"s-{uuid.uuid4().hex[:8]}", "date": "2027-01-04", "reason": "发热"}

    def published_week(maker: ResourceMaker, token: str) -> tuple[Made, list[str]]:
        status, dept = maker.call("POST", "/messaging/departments", token, {"name": "内科"})
        assert status == 201, dept
        body = {"name": "心内科病区", "kind": "ward", "parent_id": dept["id"]}
        status, ward = maker.call("POST", "/messaging/departments", token, body)
        assert status == 201, ward
        nurses = []
        for name in ("陈思雨", "李娜"):
            body = {
                "name": name,
                "employee_no": f"X{uuid.uuid4().hex[:10]}",
                "department_id": ward["id"],
                "roles": ["nurse"],
            }
            status, made = maker.call("POST", "/messaging/staff", token, body)
            assert status == 201, made
            nurses.append(str(made["id"]))
        path = f"/scheduling/wards/{ward['id']}/setup"
        status, body = maker.call("PUT", path, token, {"version": 0, "skip_approval": True})
        assert status == 200, body
        if maker.settle is not None:
            maker.settle()  # staff.created → the scheduling projection
        body = {"ward_ids": [ward["id"]], "start": "2027-01-04", "end": "2027-01-10"}
        status, period = maker.call("POST", "/scheduling/periods", token, body)
        assert status == 201, period
        base = f"/scheduling/periods/{period['id']}"
        change = {
            "changes": [
                {"staff_id": nurses[0], "date": "2027-01-04", "shift": "D"},
                {"staff_id": nurses[1], "date": "2027-01-06", "shift": "P"},
            ]
        }
        status, body = maker.call("PUT", f"{base}/cells", token, change)
        assert status == 200, body
        status, body = maker.call("POST", f"{base}/publish", token, {})
        assert status == 200, body
        return Made("scheduling", "/periods", base, str(period["id"]), period), nurses

    def sick_call(maker: ResourceMaker, token: str) -> tuple[Made, list[str], str]:
        thing, nurses = published_week(maker, token)
        call = {"staff_id": nurses[0], "date": "2027-01-04", "reason": "发热"}
        status, made = maker.call("POST", f"{thing.path}/absences", token, call)
        assert status == 201, made
        return thing, nurses, str(made["id"])

    @scenario("scheduling", "POST", "/periods/{period_id}/absences")
    def report_a_sick_call(maker: ResourceMaker, token: str) -> Prepared:
        thing, nurses = published_week(maker, token)
        body = {"staff_id": nurses[0], "date": "2027-01-04", "reason": "发热"}
        return Prepared(f"/periods/{thing.id}/absences", body=body, made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/disruptions")
    def a_periods_disruptions(maker: ResourceMaker, token: str) -> Prepared:
        thing, nurses, _ = sick_call(maker, token)
        call = {"staff_id": nurses[1], "date": "2027-01-06", "reason": "发热"}
        status, made = maker.call("POST", f"{thing.path}/absences", token, call)
        assert status == 201, made  # two, so a page of one has a page after it
        return Prepared(f"/periods/{thing.id}/disruptions", made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/disruptions/{disruption_id}")
    def one_disruption(maker: ResourceMaker, token: str) -> Prepared:
        thing, _, disruption = sick_call(maker, token)
        return Prepared(f"/periods/{thing.id}/disruptions/{disruption}", made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/disruptions/{disruption_id}/repair")
    def ask_for_a_repair(maker: ResourceMaker, token: str) -> Prepared:
        thing, _, disruption = sick_call(maker, token)
        return Prepared(f"/periods/{thing.id}/disruptions/{disruption}/repair", body={}, made=[thing])

    @scenario("scheduling", "GET", "/periods/{period_id}/disruptions/{disruption_id}/candidates")
    def who_can_cover(maker: ResourceMaker, token: str) -> Prepared:
        thing, _, disruption = sick_call(maker, token)
        return Prepared(f"/periods/{thing.id}/disruptions/{disruption}/candidates", made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/disruptions/{disruption_id}/accept")
    def accept_a_candidate(maker: ResourceMaker, token: str) -> Prepared:
        thing, nurses, disruption = sick_call(maker, token)
        body = {"version": 1, "staff_id": nurses[1]}
        return Prepared(f"/periods/{thing.id}/disruptions/{disruption}/accept", body=body, made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/disruptions/{disruption_id}/reject")
    def reject_the_proposal(maker: ResourceMaker, token: str) -> Prepared:
        thing, _, disruption = sick_call(maker, token)
        status, job = maker.call("POST", f"{thing.path}/disruptions/{disruption}/repair", token, {})
        assert status == 202, job  # the proposal is being made: rejecting it keeps nothing it finds
        return Prepared(f"/periods/{thing.id}/disruptions/{disruption}/reject", made=[thing])

    @scenario("scheduling", "POST", "/periods/{period_id}/disruptions/{disruption_id}/dismiss")
    def dismiss_a_disruption(maker: ResourceMaker, token: str) -> Prepared:
        thing, _, disruption = sick_call(maker, token)
        return Prepared(f"/periods/{thing.id}/disruptions/{disruption}/dismiss", made=[thing])


def _register_followup_patients() -> None:
    """Follow-up's patients: registered in the caller's own department (the caller is made a member of
    staff there), so the caller reaches them; a sub-unit's patient takes the policy's units Query."""
    import random
    from datetime import date, timedelta

    from tests.quality.surface import Made, Prepared, body_recipe, branch, scenario

    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

    def resident_id() -> str:
        born = date(1940, 1, 1) + timedelta(days=random.randrange(60 * 365))
        head = f"110105{born:%Y%m%d}{random.randrange(1000):03d}"
        return head + "10X98765432"[sum(int(d) * w for d, w in zip(head, weights, strict=True)) % 11]

    def patient_body(department_id: str, id_number: str | None = None) -> dict[str, Any]:
        return {
            "name": "张建国",
            "id_number": id_number or resident_id(),
            "mobile": f"139{random.randrange(10**8):08d}",
            "address": "北京市朝阳区建国路88号",
            "department_id": department_id,
        }

    def my_department(maker: ResourceMaker, token: str) -> str:
        return str(maker.caller_is_staff(token).body["department_id"])

    @body_recipe("followup", "/patients")
    def a_patient_of_my_department(
        maker: ResourceMaker, token: str, parents: dict[str, str]
    ) -> dict[str, Any]:
        return patient_body(my_department(maker, token))

    def patient_under_my_department(maker: ResourceMaker, token: str) -> Made:
        """A patient of a ward under the caller's department: reached through the hospital's units."""
        body = {"name": "心内科病区", "kind": "ward", "parent_id": my_department(maker, token)}
        status, ward = maker.call("POST", "/messaging/departments", token, body)
        assert status == 201, ward
        status, made = maker.call("POST", "/followup/patients", token, patient_body(ward["id"]))
        assert status == 201, made
        return Made("followup", "/patients", f"/followup/patients/{made['id']}", made["id"], made)

    @scenario("followup", "GET", "/patients")
    def my_departments_patients(maker: ResourceMaker, token: str) -> Prepared:
        thing = maker.make("followup", "/patients", token)
        return Prepared("/patients", query={"department_id": thing.body["department_id"]}, made=[thing])

    @scenario("followup", "POST", "/patients/search")
    def a_patient_by_resident_id(maker: ResourceMaker, token: str) -> Prepared:
        number = resident_id()
        status, made = maker.call(
            "POST", "/followup/patients", token, patient_body(my_department(maker, token), number)
        )
        assert status == 201, made
        thing = Made("followup", "/patients", f"/followup/patients/{made['id']}", made["id"], made)
        return Prepared("/patients/search", body={"id_number": number}, made=[thing])

    for method, path, body in (
        ("GET", "/patients/{patient_id}", None),
        ("POST", "/patients/{patient_id}/reveal", {"fields": ["mobile"], "reason": "电话随访，核对号码"}),
        ("POST", "/patients/{patient_id}/consents", {"purpose": "research", "given": True}),
    ):

        def through_the_units(
            maker: ResourceMaker, token: str, path: str = path, body: Any = body
        ) -> Prepared:
            thing = patient_under_my_department(maker, token)
            return Prepared(path.replace("{patient_id}", thing.id), body=body, made=[thing])

        branch("followup", method, path, "Query")(through_the_units)

    @scenario("followup", "POST", "/retention/purge")
    def a_patient_past_retention(maker: ResourceMaker, token: str) -> Prepared:
        """A patient whose retention ended yesterday (set in the store: no route backdates it)."""
        import jwt
        from chalicelib.followup.adapters.dynamodb import DynamoStore

        from shared.auth import Principal
        from shared.errors import Conflict
        from shared.persistence.uow import UnitOfWork

        thing = maker.make("followup", "/patients", token)
        tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
        system = Principal(tenant=tenant, user="gate", kind="service")
        with UnitOfWork("followup", system, "gate") as uow:
            store = DynamoStore(tenant, uow, system)
            patient = store.patients.get(thing.id)
            assert patient is not None
            past = patient.model_copy(update={"retention_until": date.today() - timedelta(days=1)})
            store.patients.save(past, Conflict("changed"))
            uow.commit()
        return Prepared("/retention/purge", made=[thing])


def _register_followup_revisits() -> None:
    """Follow-up's chronic revisits and care teams: the caller is made a member of staff (a doctor and the
    head of a fresh department, as the token's roles say); patients are written through the store in the
    caller's department, sealed under the stack's KMS key (``tests/service/followup_world.py``), as
    registration leaves them."""
    from tests.quality.surface import Made, Prepared, body_recipe, branch, scenario

    def home(maker: ResourceMaker, token: str) -> tuple[str, str, str]:
        """(tenant, the caller's staff id, the caller's department)."""
        import jwt

        me = maker.caller_is_staff(token)
        tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
        return str(tenant), me.id, str(me.body["department_id"])

    def a_patient(maker: ResourceMaker, token: str, department: str = "", teams: tuple[str, ...] = ()) -> str:
        from tests.service.followup_world import put_patient

        tenant, _, dept = home(maker, token)
        patient_id = "p" + uuid.uuid4().hex[:12]
        put_patient(tenant, patient_id, department or dept, team_ids=teams)
        return patient_id

    @body_recipe("followup", "/teams")
    def a_team_with_the_caller(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        _, me, dept = home(maker, token)
        return {
            "name": "城东家庭医生团队",
            "department_id": dept,
            "members": [{"staff_id": me, "role": "doctor"}],
        }

    def a_team_without_the_caller(maker: ResourceMaker, token: str) -> str:
        """A team of the caller's department the caller is not in (signing then reads the units they reach)."""
        _, _, dept = home(maker, token)
        colleague = maker.make("messaging", "/staff", token)
        body = {
            "name": "城西家庭医生团队",
            "department_id": dept,
            "members": [{"staff_id": colleague.id, "role": "nurse"}],
        }
        status, team = maker.call("POST", "/followup/teams", token, body)
        assert status == 201, team
        return str(team["id"])

    def signed(maker: ResourceMaker, token: str, team_id: str = "") -> tuple[str, str]:
        team_id = team_id or maker.make("followup", "/teams", token).id
        patient_id = a_patient(maker, token)
        status, body = maker.call(
            "POST", f"/followup/teams/{team_id}/residents", token, {"patient_id": patient_id}
        )
        assert status == 201, body
        return team_id, patient_id

    @scenario("followup", "PUT", "/teams/{team_id}/members")
    def set_the_members(maker: ResourceMaker, token: str) -> Prepared:
        _, me, _ = home(maker, token)
        team = maker.make("followup", "/teams", token)
        colleague = maker.make("messaging", "/staff", token)
        members = [{"staff_id": me, "role": "doctor"}, {"staff_id": colleague.id, "role": "public_health"}]
        body = {"members": members, "revision": team.body["revision"]}
        return Prepared(f"/teams/{team.id}/members", body, made=[team])

    @scenario("followup", "POST", "/teams/{team_id}/residents")
    def sign_a_resident(maker: ResourceMaker, token: str) -> Prepared:
        team = maker.make("followup", "/teams", token)
        return Prepared(f"/teams/{team.id}/residents", {"patient_id": a_patient(maker, token)}, made=[team])

    @branch("followup", "POST", "/teams/{team_id}/residents", "Query")
    def sign_for_a_team_of_my_department(maker: ResourceMaker, token: str) -> Prepared:
        team = a_team_without_the_caller(maker, token)
        return Prepared(f"/teams/{team}/residents", {"patient_id": a_patient(maker, token)})

    @scenario("followup", "DELETE", "/teams/{team_id}/residents/{patient_id}")
    def end_a_signing(maker: ResourceMaker, token: str) -> Prepared:
        team, patient = signed(maker, token)
        return Prepared(f"/teams/{team}/residents/{patient}")

    @branch("followup", "DELETE", "/teams/{team_id}/residents/{patient_id}", "Query")
    def end_a_signing_for_a_team_of_my_department(maker: ResourceMaker, token: str) -> Prepared:
        team, patient = signed(maker, token, a_team_without_the_caller(maker, token))
        return Prepared(f"/teams/{team}/residents/{patient}")

    @scenario("followup", "GET", "/teams/{team_id}/residents")
    def my_teams_residents(maker: ResourceMaker, token: str) -> Prepared:
        team, _ = signed(maker, token)
        signed(maker, token, team)  # two, so a page of one has a page after it
        return Prepared(f"/teams/{team}/residents")

    def noted(maker: ResourceMaker, token: str) -> tuple[str, str]:
        team, patient = signed(maker, token)
        note = {"text": "上门随访：血压 138/86", "kind": "home", "team_id": team}
        for body in (note, {"text": "电话随访：已服药", "kind": "phone"}):
            status, made = maker.call("POST", f"/followup/patients/{patient}/notes", token, body)
            assert status == 201, made
        return team, patient

    @scenario("followup", "POST", "/patients/{patient_id}/notes")
    def a_note_for_my_team(maker: ResourceMaker, token: str) -> Prepared:
        team, patient = signed(maker, token)
        return Prepared(
            f"/patients/{patient}/notes", {"text": "上门随访：血压 138/86", "kind": "home", "team_id": team}
        )

    @branch("followup", "POST", "/patients/{patient_id}/notes", "Query")
    @branch("followup", "GET", "/patients/{patient_id}/notes", "Query")
    def a_note_on_a_resident_of_another_department(maker: ResourceMaker, token: str) -> Prepared:
        """The patient is followed by another department and signed with the caller's team: the caller
        reaches them through the team (their teams, one Query)."""
        team = maker.make("followup", "/teams", token).id
        elsewhere = maker.make("messaging", "/departments", token).id
        patient = a_patient(maker, token, elsewhere, (team,))
        return Prepared(f"/patients/{patient}/notes", {"text": "电话随访", "kind": "phone", "team_id": team})

    @scenario("followup", "GET", "/patients/{patient_id}/notes")
    def a_patients_notes(maker: ResourceMaker, token: str) -> Prepared:
        _, patient = noted(maker, token)
        return Prepared(f"/patients/{patient}/notes")

    @body_recipe("followup", "/revisits")
    def a_request_of_my_departments_patient(
        maker: ResourceMaker, token: str, parents: dict[str, str]
    ) -> dict[str, Any]:
        _, _, dept = home(maker, token)
        return {
            "patient_id": a_patient(maker, token),
            "department_id": dept,
            "ask": "renew",
            "text": "降压药续方",
        }

    @scenario("followup", "GET", "/revisits")
    def my_departments_pool(maker: ResourceMaker, token: str) -> Prepared:
        _, _, dept = home(maker, token)
        made = [maker.make("followup", "/revisits", token) for _ in range(2)]
        return Prepared("/revisits", query={"department_id": dept}, made=made)

    def claimed(maker: ResourceMaker, token: str) -> Made:
        revisit = maker.make("followup", "/revisits", token)
        status, body = maker.call("POST", f"/followup/revisits/{revisit.id}/claim", token)
        assert status == 200, body
        return revisit

    @scenario("followup", "POST", "/revisits/{revisit_id}/release")
    def give_my_claim_back(maker: ResourceMaker, token: str) -> Prepared:
        revisit = claimed(maker, token)
        return Prepared(f"/revisits/{revisit.id}/release", made=[revisit])

    @scenario("followup", "POST", "/revisits/{revisit_id}/close")
    def close_my_claim(maker: ResourceMaker, token: str) -> Prepared:
        revisit = claimed(maker, token)
        return Prepared(f"/revisits/{revisit.id}/close", {"resolution": "called"}, made=[revisit])


def _register_followup_intake() -> None:
    """Follow-up's intake: discharges of the caller's own department (the caller is made a member of
    staff there, with the doctor role the gate token holds), a FHIR bundle of the same, a plan's versions."""
    import random
    from datetime import date, timedelta

    from tests.quality.surface import Prepared, body_recipe, scenario

    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

    def resident_id() -> str:
        born = date(1940, 1, 1) + timedelta(days=random.randrange(60 * 365))
        head = f"110105{born:%Y%m%d}{random.randrange(1000):03d}"
        return head + "10X98765432"[sum(int(d) * w for d, w in zip(head, weights, strict=True)) % 11]

    def discharge(maker: ResourceMaker, token: str) -> dict[str, Any]:
        me = maker.caller_is_staff(token)
        return {
            "patient": {"name": "张建国", "id_number": resident_id(), "mobile": "13912345678"},
            "diagnoses": ["I10"],
            "department_id": me.body["department_id"],
            "discharge_date": "2026-12-01",
            "doctor_id": me.id,
            "encounter_id": f"ZY{uuid.uuid4().hex[:12]}",
        }

    @body_recipe("followup", "/discharges")
    def a_discharge_of_my_department(
        maker: ResourceMaker, token: str, parents: dict[str, str]
    ) -> dict[str, Any]:
        return discharge(maker, token)

    @scenario("followup", "POST", "/discharges/fhir")
    def a_discharge_bundle(maker: ResourceMaker, token: str) -> Prepared:
        body = discharge(maker, token)
        patient = "urn:uuid:" + str(uuid.uuid4())
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": patient,
                    "resource": {
                        "resourceType": "Patient",
                        "identifier": [
                            {"system": "urn:oid:2.16.156.10011.1.1", "value": body["patient"]["id_number"]}
                        ],
                        "name": [{"text": "张建国"}],
                    },
                },
                {
                    "resource": {
                        "resourceType": "Encounter",
                        "identifier": [{"value": body["encounter_id"]}],
                        "status": "finished",
                        "class": {"code": "IMP"},
                        "subject": {"reference": patient},
                        "period": {"end": "2026-12-01"},
                        "serviceProvider": {"reference": f"Organization/{body['department_id']}"},
                        "participant": [{"individual": {"reference": f"Practitioner/{body['doctor_id']}"}}],
                    },
                },
                {
                    "resource": {
                        "resourceType": "Condition",
                        "subject": {"reference": patient},
                        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "Z94.0"}]},
                    }
                },
            ],
        }
        return Prepared("/discharges/fhir", body=bundle)

    @scenario("followup", "GET", "/plans/{plan_id}/versions/{number}")
    def a_plans_first_version(maker: ResourceMaker, token: str) -> Prepared:
        plan = maker.make("followup", "/plans", token)
        return Prepared(f"/plans/{plan.id}/versions/1", made=[plan])

    @scenario("followup", "GET", "/patients/{patient_id}/fhir")
    def an_enrolled_patients_export(maker: ResourceMaker, token: str) -> Prepared:
        status, done = maker.call("POST", "/followup/discharges", token, discharge(maker, token))
        assert status == 201 and done["enrolled"], done
        return Prepared(f"/patients/{done['patient_id']}/fhir")


def _register_followup_links() -> None:
    """Follow-up's questionnaires, patient links and results. The caller is a clinical member of staff of
    a department, the patient is of a ward under it (so reaching them reads the hospital's units), made
    through the store as registration and enrolment would (tests/service/followup_seed.py); the task's
    questionnaire is the hospital's own (so the link reads its version). The public routes are driven at
    the path the link was made with, as the patient's phone opens it."""
    from tests.quality.surface import Made, Prepared, body_recipe, branch, maker_recipe, scenario
    from tests.service.followup_seed import seed_patient, seed_task

    @body_recipe("followup", "/questionnaires")
    def a_blood_pressure_form(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        return {
            "id": f"q{uuid.uuid4().hex[:12]}",
            "title": "每周血压随访",
            "urgent": True,
            "items": [
                {
                    "id": "systolic",
                    "kind": "number",
                    "label": "收缩压",
                    "unit": "mmHg",
                    "min": 50,
                    "max": 300,
                    "threshold": {"above": 160},
                },
                {"id": "note", "kind": "text", "label": "备注", "required": False},
            ],
        }

    def my_patient(maker: ResourceMaker, token: str) -> tuple[str, str, str, str]:
        """(tenant, patient id, caller's staff id, ward): a patient of a ward under the caller's
        department."""
        import jwt

        tenant = str(jwt.decode(token, options={"verify_signature": False})["tenant"])
        me = maker.caller_is_staff(token)
        ward = {"name": "心内科病区", "kind": "ward", "parent_id": me.body["department_id"]}
        status, made = maker.call("POST", "/messaging/departments", token, ward)
        assert status == 201, made
        return tenant, seed_patient(tenant, str(made["id"])), me.id, str(made["id"])

    def my_task(maker: ResourceMaker, token: str) -> tuple[str, str, str]:
        """(tenant, patient id, task id): an open questionnaire task of my patient, for me."""
        tenant, pid, me, ward = my_patient(maker, token)
        form = maker.make("followup", "/questionnaires", token)
        task = seed_task(tenant, pid, ward, me, "gate", detail={"questionnaire_code": form.id})
        return tenant, pid, task

    @maker_recipe("followup", "/tasks")
    def a_task(maker: ResourceMaker, token: str, parents: dict[str, str]) -> Made:
        _, _, task = my_task(maker, token)
        return Made("followup", "/tasks", f"/followup/tasks/{task}", task, {"id": task})

    def my_link(maker: ResourceMaker, token: str) -> dict[str, Any]:
        _, _, task = my_task(maker, token)
        status, link = maker.call("POST", f"/followup/tasks/{task}/link", token, {})
        assert status == 201, link
        return dict(link)

    @scenario("followup", "POST", "/tasks/{task_id}/link")
    def send_a_link(maker: ResourceMaker, token: str) -> Prepared:
        _, _, task = my_task(maker, token)
        return Prepared(f"/tasks/{task}/link", body={"days": 7})

    @scenario("followup", "DELETE", "/links/{link_id}")
    def revoke_a_link(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/links/{my_link(maker, token)['id']}")

    def my_revisit_link(maker: ResourceMaker, token: str) -> dict[str, Any]:
        _, pid, _, _ = my_patient(maker, token)
        status, link = maker.call("POST", f"/followup/patients/{pid}/revisit-link", token, {})
        assert status == 201, link
        return dict(link)

    @scenario("followup", "POST", "/patients/{patient_id}/revisit-link")
    def send_a_revisit_link(maker: ResourceMaker, token: str) -> Prepared:
        _, pid, _, _ = my_patient(maker, token)
        return Prepared(f"/patients/{pid}/revisit-link", body={"days": 30})

    @scenario("followup", "GET", "/p/{token}/revisit")
    def the_patient_opens_the_revisit_page(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(my_revisit_link(maker, token)["path"].removeprefix("/followup"))

    @scenario("followup", "POST", "/p/{token}/revisits")
    def the_patient_asks_for_a_revisit(maker: ResourceMaker, token: str) -> Prepared:
        path = my_revisit_link(maker, token)["path"].removeprefix("/followup").removesuffix("/revisit")
        return Prepared(f"{path}/revisits", body={"ask": "renew", "text": "苯磺酸氨氯地平"})

    @branch("followup", "GET", "/p/{token}/revisit", "GetItem")
    def the_patient_sees_the_request_waiting(maker: ResourceMaker, token: str) -> Prepared:
        path = my_revisit_link(maker, token)["path"].removeprefix("/followup")
        body = {"ask": "renew", "text": "苯磺酸氨氯地平"}
        status, made = maker.call(
            "POST", "/followup" + path.removesuffix("/revisit") + "/revisits", None, body
        )
        assert status == 201, made
        return Prepared(path)

    @scenario("followup", "GET", "/p/{token}")
    def the_patient_opens_it(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(my_link(maker, token)["path"].removeprefix("/followup"))

    @scenario("followup", "GET", "/p/{token}/form")
    def the_patient_opens_the_page(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(my_link(maker, token)["path"].removeprefix("/followup") + "/form")

    @scenario("followup", "POST", "/p/{token}/responses")
    def the_patient_answers_high(maker: ResourceMaker, token: str) -> Prepared:
        path = my_link(maker, token)["path"].removeprefix("/followup")
        return Prepared(f"{path}/responses", body={"answers": {"systolic": 182}})

    @scenario("followup", "PUT", "/questionnaires/{questionnaire_id}")
    def a_new_version(maker: ResourceMaker, token: str) -> Prepared:
        form = maker.make("followup", "/questionnaires", token)
        body = {k: v for k, v in a_blood_pressure_form(maker, token, {}).items() if k != "id"}
        return Prepared(f"/questionnaires/{form.id}", body={**body, "version": 1}, made=[form])

    @scenario("followup", "POST", "/patients/{patient_id}/observations")
    def a_high_trough(maker: ResourceMaker, token: str) -> Prepared:
        _, pid, _, _ = my_patient(maker, token)
        body = {
            "code": "tacrolimus_trough",
            "value": 14.2,
            "unit": "ng/mL",
            "taken_at": "2026-12-05T08:00:00+08:00",
        }
        return Prepared(f"/patients/{pid}/observations", body=body)

    @scenario("followup", "GET", "/patients/{patient_id}/results")
    def my_patients_results(maker: ResourceMaker, token: str) -> Prepared:
        _, pid, _, _ = my_patient(maker, token)
        return Prepared(f"/patients/{pid}/results")


_register_approvals()
_register()
_register_roster_periods()
_register_scheduling()
_register_calendar_feeds()
_register_roster_repairs()
_register_swaps()


def _register_followup_board() -> None:
    """Follow-up's board, tasks and KPIs: the caller is a clinical member of staff (the all-roles token
    made staff in a fresh department), and a patient with tasks of hers is put in through the store (the
    routes that enrol patients are other features'); the branches take the patient policy down its
    department and care-team reads (a patient of a ward under the caller's department, signed with a team)."""
    from tests.quality.surface import Made, Prepared, branch, maker_recipe, scenario

    def tenant_of(token: str) -> str:
        import jwt

        from shared.settings import get_settings

        claims = jwt.decode(token, options={"verify_signature": False})
        return str(claims[get_settings().tenant_claim])

    def tasks_of_a_patient(
        maker: ResourceMaker, token: str, how_many: int = 1, ward: bool = False, teams: tuple[str, ...] = ()
    ) -> list[str]:
        """A patient of the caller's department (or of a ward under it) with tasks of hers due today."""
        from datetime import UTC, date, datetime

        from chalicelib.followup.adapters.dynamodb import DynamoStore
        from chalicelib.followup.domain.board import local_day
        from chalicelib.followup.domain.patients import Patient
        from chalicelib.followup.domain.tasks import Task

        from shared.auth import Principal
        from shared.errors import Conflict
        from shared.persistence.uow import UnitOfWork

        me = maker.caller_is_staff(token)
        department = me.body["department_id"]
        if ward:
            body = {"name": "心内科病区", "kind": "ward", "parent_id": department}
            status, unit = maker.call("POST", "/messaging/departments", token, body)
            assert status == 201, unit
            department = unit["id"]
        tenant, now = tenant_of(token), datetime.now(UTC)
        pid = "p" + uuid.uuid4().hex[:12]
        patient = Patient(
            id=pid,
            masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
            sealed={"name": "sealed", "id_number": "sealed"},
            id_number_index=uuid.uuid4().hex,
            sex="male",
            birth_date=date(1950, 1, 1),
            department_id=department,
            team_ids=list(teams),
            created_at=now,
            updated_at=now,
        )
        tasks = [
            Task(
                id=f"{pid}-t{n}",
                patient_id=pid,
                patient_label="张*",
                kind="call",
                title="出院后第7天电话随访",
                due=local_day(now),
                department_id=department,
                doctor_id=me.id,
                doctor_name=me.body["name"],
                created_at=now,
            )
            for n in range(how_many)
        ]
        principal = Principal(tenant=tenant, user="gate-set-up", kind="service")
        with UnitOfWork("followup", principal, "gate") as uow:
            store = DynamoStore(tenant, uow, principal)
            store.patients.add(patient, Conflict("taken"))
            for task in tasks:
                store.tasks.add(task)
            uow.commit()
        return [t.id for t in tasks]

    @maker_recipe("followup", "/tasks")
    def a_task_of_the_caller(maker: ResourceMaker, token: str, parents: dict[str, str]) -> Made:
        (task_id,) = tasks_of_a_patient(maker, token)
        return Made("followup", "/tasks", f"/followup/tasks/{task_id}", task_id, {"id": task_id})

    @scenario("followup", "GET", "/board")
    def my_board_today(maker: ResourceMaker, token: str) -> Prepared:
        tasks_of_a_patient(maker, token, how_many=2)
        me = maker.caller_is_staff(token)  # named: another hospital has no one of that id (a 404)
        return Prepared("/board", query={"view": "due_today", "owner_id": me.id})

    @branch("followup", "GET", "/board", "Query")
    def my_departments_board(maker: ResourceMaker, token: str) -> Prepared:
        """The department's board (the units Query, then the board's)."""
        tasks_of_a_patient(maker, token)
        department = maker.caller_is_staff(token).body["department_id"]
        return Prepared("/board", query={"scope": "department", "owner_id": department})

    @scenario("followup", "GET", "/kpis")
    def my_departments_figures(maker: ResourceMaker, token: str) -> Prepared:
        maker.caller_is_staff(token)
        return Prepared("/kpis")

    def recording_of(maker: ResourceMaker, token: str, task_id: str, upload: bool = True) -> str:
        import urllib.request
        from datetime import UTC, datetime

        body = {
            "at": datetime.now(UTC).isoformat(),
            "duration_s": 60,
            "result": "reached",
            "recording": {"content_type": "audio/amr", "size": 6},
        }
        status, call = maker.call("POST", f"/followup/tasks/{task_id}/calls", token, body)
        assert status == 201, call
        if upload:
            put = urllib.request.Request(
                call["upload_url"], data=b"#!AMR\n", method="PUT", headers=call["upload_headers"]
            )
            with urllib.request.urlopen(put, timeout=10) as resp:
                assert resp.status == 200
        return str(call["id"])

    @scenario("followup", "GET", "/tasks/{task_id}/calls/{call_id}/recording")
    def a_recorded_call(maker: ResourceMaker, token: str) -> Prepared:
        (task_id,) = tasks_of_a_patient(maker, token)
        return Prepared(f"/tasks/{task_id}/calls/{recording_of(maker, token, task_id)}/recording")

    @branch("followup", "GET", "/tasks/{task_id}/calls/{call_id}/recording", "Query")
    def a_recorded_call_of_a_wards_patient(maker: ResourceMaker, token: str) -> Prepared:
        (task_id,) = tasks_of_a_patient(maker, token, ward=True, teams=("team-gate",))
        return Prepared(f"/tasks/{task_id}/calls/{recording_of(maker, token, task_id)}/recording")

    @branch("followup", "GET", "/tasks/{task_id}", "Query")
    def a_task_of_a_wards_patient(maker: ResourceMaker, token: str) -> Prepared:
        (task_id,) = tasks_of_a_patient(maker, token, ward=True, teams=("team-gate",))
        return Prepared(f"/tasks/{task_id}")

    @branch("followup", "POST", "/tasks/{task_id}/done", "Query")
    def a_death_cancels_the_rest(maker: ResourceMaker, token: str) -> Prepared:
        """Deceased: the patient's tasks read (a Query) and the others cancelled with it; of a ward's
        patient signed with a team, so the policy's two Queries are made too."""
        task_id, *_ = tasks_of_a_patient(maker, token, how_many=3, ward=True, teams=("team-gate",))
        return Prepared(f"/tasks/{task_id}/done", body={"outcome": "deceased", "notes": "家属告知"})

    @branch("followup", "POST", "/tasks/{task_id}/calls", "Query")
    def a_call_for_a_wards_patient(maker: ResourceMaker, token: str) -> Prepared:
        from datetime import UTC, datetime

        (task_id,) = tasks_of_a_patient(maker, token, ward=True, teams=("team-gate",))
        body = {"at": datetime.now(UTC).isoformat(), "duration_s": 30, "result": "no_answer"}
        return Prepared(f"/tasks/{task_id}/calls", body=body)


_register_followup_patients()
_register_followup_board()
_register_followup_revisits()
_register_followup_intake()
_register_followup_links()


def _register_followup_referrals() -> None:
    """Two-way referral (双向转诊): a second hospital (minted, registered) and a consortium both are active
    members of, made through messaging's routes; the caller's hospital refers (its token's subject a
    doctor of a fresh department, its patient written through the store) or receives (the partner refers
    one of its patients to the caller's department) and answers as its referral desk."""
    import jwt

    from tests.quality.surface import Prepared, body_recipe, scenario

    def tenant_of(token: str) -> str:
        return str(jwt.decode(token, options={"verify_signature": False})["tenant"])

    def partner(maker: ResourceMaker, token: str) -> tuple[str, str, str]:
        """A second hospital in a consortium with the caller's (led by the caller's): (tenant, its token
        with the caller's roles, the consortium id)."""
        from tests.conftest import register_hospital

        me = tenant_of(token)
        register_hospital(me)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert maker.mint is not None, "this recipe needs a ResourceMaker that can mint tokens"
        other = f"t-rf{uuid.uuid4().hex[:10]}"
        register_hospital(other, "市第一人民医院")
        scopes = claims.get("scope", "").split()
        theirs = str(
            maker.mint(other, "gate-desk", claims.get("roles", []), **({"scopes": scopes} if scopes else {}))
        )
        status, made = maker.call(
            "POST", "/messaging/consortia", token, {"name": "城东医共体", "hospital_name": "县医院"}
        )
        assert status == 201, made
        cid = str(made["id"])
        status, body = maker.call(
            "POST", f"/messaging/consortia/{cid}/invitations", token, {"hospital_id": other}
        )
        assert status == 200, body
        status, body = maker.call(
            "POST", f"/messaging/consortia/{cid}/accept", theirs, {"hospital_name": "市医院"}
        )
        assert status == 200, body
        return other, theirs, cid

    def referral_body(maker: ResourceMaker, token: str, to: str, to_token: str, cid: str) -> dict[str, Any]:
        from tests.service.followup_world import put_patient

        me = maker.caller_is_staff(token)
        patient_id = "p" + uuid.uuid4().hex[:12]
        put_patient(tenant_of(token), patient_id, str(me.body["department_id"]), name="张建国")
        dept = maker.make("messaging", "/departments", to_token).id
        return {
            "patient_id": patient_id,
            "to_hospital_id": to,
            "consortium_id": cid,
            "to_department_id": dept,
            "urgency": "urgent",
            "reason": "胸痛反复发作，需冠脉造影",
            "diagnosis_code": "I20.0",
            "diagnosis_name": "不稳定型心绞痛",
            "consent": {"given": True, "method": "signed"},
        }

    @body_recipe("followup", "/referrals")
    def a_referral_to_a_partner(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        other, theirs, cid = partner(maker, token)
        return referral_body(maker, token, other, theirs, cid)

    def referred_to_me(maker: ResourceMaker, token: str, *steps: str) -> str:
        """A partner hospital refers one of its patients to the caller's hospital; the caller's desk then
        takes ``steps`` (accept, arrived); returns the referral's id."""
        _, theirs, cid = partner(maker, token)
        body = referral_body(maker, theirs, tenant_of(token), token, cid)
        status, made = maker.call("POST", "/followup/referrals", theirs, body)
        assert status == 201, made
        rid = str(made["id"])
        for step in steps:
            payload = {"appointment_at": "2026-12-08T09:00:00+08:00"} if step == "accept" else {}
            status, answer = maker.call("POST", f"/followup/referrals/{rid}/{step}", token, payload)
            assert status == 200, answer
        return rid

    @scenario("followup", "GET", "/referrals/destinations")
    def where_i_may_refer(maker: ResourceMaker, token: str) -> Prepared:
        maker.caller_is_staff(token)
        partner(maker, token)
        return Prepared("/referrals/destinations")

    @scenario("followup", "GET", "/referrals/destinations/{hospital_id}/departments")
    def the_departments_i_may_refer_to(maker: ResourceMaker, token: str) -> Prepared:
        maker.caller_is_staff(token)
        other, theirs, cid = partner(maker, token)
        maker.make("messaging", "/departments", theirs)
        return Prepared(f"/referrals/destinations/{other}/departments", query={"consortium_id": cid})

    @scenario("followup", "GET", "/referrals")
    def my_out_box(maker: ResourceMaker, token: str) -> Prepared:
        other, theirs, cid = partner(maker, token)  # two referrals to one partner hospital
        for _ in range(2):
            body = referral_body(maker, token, other, theirs, cid)
            status, made = maker.call("POST", "/followup/referrals", token, body)
            assert status == 201, made
        return Prepared("/referrals", query={"box": "out", "state": "requested"})

    @scenario("followup", "GET", "/referrals/summary")
    def my_referral_counts(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared("/referrals/summary", made=[maker.make("followup", "/referrals", token)])

    @scenario("followup", "GET", "/referrals/consortium/{cid}/counts")
    def the_consortiums_month(maker: ResourceMaker, token: str) -> Prepared:
        maker.make("followup", "/referrals", token)  # the caller's hospital leads its partner's consortium
        _, _, cid = partner(maker, token)
        return Prepared(f"/referrals/consortium/{cid}/counts", query={"month": "2026-12"})

    @scenario("followup", "POST", "/referrals/{referral_id}/accept")
    def accept_a_referral(maker: ResourceMaker, token: str) -> Prepared:
        rid = referred_to_me(maker, token)
        return Prepared(f"/referrals/{rid}/accept", {"appointment_at": "2026-12-08T09:00:00+08:00"})

    @scenario("followup", "POST", "/referrals/{referral_id}/reject")
    def reject_a_referral(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/referrals/{referred_to_me(maker, token)}/reject", {"reason": "本院暂无床位"})

    @scenario("followup", "POST", "/referrals/{referral_id}/arrived")
    def the_patient_arrived(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/referrals/{referred_to_me(maker, token, 'accept')}/arrived", {})

    @scenario("followup", "POST", "/referrals/{referral_id}/no-show")
    def the_patient_did_not_come(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/referrals/{referred_to_me(maker, token, 'accept')}/no-show", {})

    @scenario("followup", "POST", "/referrals/{referral_id}/complete")
    def complete_a_referral(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/referrals/{referred_to_me(maker, token, 'accept', 'arrived')}/complete", {})

    @body_recipe("followup", "/referrals/attachments")
    def an_upload_for_a_referral(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        maker.caller_is_staff(token)  # a doctor of the referring hospital
        return {"filename": "出院小结.pdf", "content_type": "application/pdf", "size": 11}

    @scenario("followup", "GET", "/referrals/{referral_id}/attachments/{n}")
    def download_a_referrals_attachment(maker: ResourceMaker, token: str) -> Prepared:
        """The caller refers with a summary it uploaded (the object put straight into the bucket, as the
        presigned PUT would), then opens it."""
        from shared.files import put

        other, theirs, cid = partner(maker, token)
        body = referral_body(maker, token, other, theirs, cid)
        status, up = maker.call(
            "POST",
            "/followup/referrals/attachments",
            token,
            {"filename": "出院小结.pdf", "content_type": "application/pdf", "size": 11},
        )
        assert status == 201, up
        put(str(up["key"]), b"%PDF-1.4 ok", "application/pdf")
        attachment = {"upload_id": up["upload_id"], "filename": "出院小结.pdf", "kind": "summary"}
        status, made = maker.call("POST", "/followup/referrals", token, {**body, "attachments": [attachment]})
        assert status == 201, made
        return Prepared(f"/referrals/{made['id']}/attachments/0")


_register_followup_referrals()


def _register_followup_consultations() -> None:
    """Follow-up's consultations (会诊): the caller (a doctor and head of a fresh department) asks its own
    department about a patient it follows (to cancel and read it), or a colleague of another department
    asks the caller's department (to accept and answer it: no one answers their own request)."""
    from tests.quality.surface import Prepared, body_recipe, branch, scenario

    def home(maker: ResourceMaker, token: str) -> tuple[str, str, str]:
        import jwt

        me = maker.caller_is_staff(token)
        tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
        return str(tenant), me.id, str(me.body["department_id"])

    def ask(maker: ResourceMaker, token: str, **more: Any) -> dict[str, Any]:
        from tests.service.followup_world import put_patient

        tenant, _, dept = home(maker, token)
        patient_id = "p" + uuid.uuid4().hex[:12]
        put_patient(tenant, patient_id, dept)
        body = {
            "patient_id": patient_id,
            "urgency": "ordinary",
            "department_ids": [dept],
            "question": "请会诊",
        }
        return body | more

    @body_recipe("followup", "/consultations")
    def a_consultation_of_my_departments_patient(
        maker: ResourceMaker, token: str, parents: dict[str, str]
    ) -> dict[str, Any]:
        return ask(maker, token)

    @branch("followup", "POST", "/consultations", "BatchGetItem")
    def a_consultation_inviting_a_specialist(maker: ResourceMaker, token: str) -> Prepared:
        _, me, _ = home(maker, token)
        return Prepared("/consultations", ask(maker, token, invited=[me]))

    def made(maker: ResourceMaker, token: str) -> str:
        return maker.make("followup", "/consultations", token).id

    @scenario("followup", "GET", "/consultations")
    def my_departments_in_box(maker: ResourceMaker, token: str) -> Prepared:
        _, _, dept = home(maker, token)
        mine = [maker.make("followup", "/consultations", token) for _ in range(2)]
        return Prepared("/consultations", query={"box": "in", "department_id": dept}, made=mine)

    @scenario("followup", "GET", "/consultations/stats")
    def this_months_on_time_rates(maker: ResourceMaker, token: str) -> Prepared:
        from shared.persistence.models import now_utc

        made(maker, token)
        return Prepared("/consultations/stats", query={"month": now_utc().strftime("%Y-%m")})

    def asked_of_me(maker: ResourceMaker, token: str) -> str:
        """A colleague (minted, a doctor of a fresh department) asks the caller's department."""
        import jwt

        tenant, _, dept = home(maker, token)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert maker.mint is not None, "this recipe needs a ResourceMaker that can mint tokens"
        scopes = claims.get("scope", "").split()
        colleague = str(
            maker.mint(
                tenant,
                f"gate-colleague-{uuid.uuid4().hex[:8]}",
                claims.get("roles", []),
                **({"scopes": scopes} if scopes else {}),
            )
        )
        status, asked = maker.call(
            "POST", "/followup/consultations", colleague, ask(maker, colleague, department_ids=[dept])
        )
        assert status == 201, asked
        return str(asked["id"])

    @scenario("followup", "POST", "/consultations/{consultation_id}/accept")
    def accept_one(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/consultations/{asked_of_me(maker, token)}/accept")

    @scenario("followup", "POST", "/consultations/{consultation_id}/opinion")
    def answer_one(maker: ResourceMaker, token: str) -> Prepared:
        note = {"findings": "所见", "assessment": "评估", "recommendations": "建议", "diagnoses": ["I20.0"]}
        return Prepared(f"/consultations/{asked_of_me(maker, token)}/opinion", note)

    @scenario("followup", "POST", "/consultations/{consultation_id}/cancel")
    def withdraw_one(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/consultations/{made(maker, token)}/cancel", {"reason": "已转院"})

    @scenario("followup", "GET", "/consultations/{consultation_id}/fhir")
    def export_one(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/consultations/{made(maker, token)}/fhir")


_register_followup_consultations()


# The marketplace: its partner console is called by a partner organisation (``kind: partner``, tenant =
# the org) and its review and bundles by the province's platform admin (tenant ``platform``), not by the
# gate's hospital staff: those recipes return the token to call with (``Prepared.token``) and how to mint
# one of the same kind for another tenant (``Prepared.caller``). The catalogue, the review queue and the
# bundles are the province's, read (and, for bundles, installed) by every hospital: not tenant data.
KNOWN_GAPS.update(
    {
        "isolation-404 marketplace:GET /catalogue/{app_id}": "the catalogue is the province's: every hospital reads it",
        "isolation-list marketplace:GET /catalogue": "the catalogue is the province's: every hospital reads it",
        "isolation-list marketplace:GET /bundles": "bundles are the province's: every hospital reads them",
        "isolation-404 marketplace:POST /bundles/{bundle_id}/install": "a bundle is the province's: any hospital installs it",
        "isolation-list marketplace:GET /reviews": "the review queue is the province's, one platform tenant",
        "isolation-404 marketplace:POST /reviews/{app_id}/{number}/approve": "the review queue is the province's",
        "isolation-404 marketplace:POST /reviews/{app_id}/{number}/reject": "the review queue is the province's",
    }
)


def _register_marketplace() -> None:
    """Partners' apps, their review, the catalogue, installations (consent), credentials and tokens."""
    from collections.abc import Callable

    import jwt

    from shared.settings import get_settings
    from tests.quality.surface import Made, Prepared, body_recipe, branch, maker_recipe, scenario

    manifest = {
        "name": "质控排班助手",
        "description": "门禁测试应用",
        "scopes": [
            {"scope": "roster:read", "reason": "读取排班"},
            {"scope": "directory:read", "reason": "显示姓名"},
        ],
        "events": ["roster.published"],
        # feed only: the gates install this app hundreds of times, and a webhook would leave a delivery
        # to retry for each (the sweep, every minute, would spend the suite's time on them)
        "webhook_url": None,
    }
    consent = {"scopes": ["roster:read", "directory:read"], "events": ["roster.published"]}

    def partner_caller(maker: ResourceMaker) -> Callable[[str, str], str]:
        assert maker.mint is not None

        def mint(tenant: str, user: str) -> str:
            assert maker.mint is not None
            return str(maker.mint(tenant, user, [], kind="partner"))

        return mint

    def platform_caller(maker: ResourceMaker) -> Callable[[str, str], str]:
        def mint(tenant: str, user: str) -> str:
            assert maker.mint is not None
            return str(maker.mint(get_settings().platform_tenant, user, ["platform_admin"]))

        return mint

    def partner(maker: ResourceMaker, org: str) -> str:
        token = partner_caller(maker)(org, "gate-partner")
        status, body = maker.call(
            "PUT", "/marketplace/partner", token, {"name": "门禁合作伙伴", "contact": "q@x.cn"}
        )
        assert status == 200, body
        return token

    def own_partner(maker: ResourceMaker, token: str) -> str:
        """The gate's tenant as a partner organisation (its profile set)."""
        return partner(maker, str(jwt.decode(token, options={"verify_signature": False})["tenant"]))

    def draft(maker: ResourceMaker, partner_token: str) -> str:
        status, app = maker.call("POST", "/marketplace/apps", partner_token, manifest)
        assert status == 201, app
        return str(app["id"])

    def submitted(maker: ResourceMaker, partner_token: str) -> str:
        app = draft(maker, partner_token)
        status, body = maker.call("POST", f"/marketplace/apps/{app}/versions/1/submit", partner_token)
        assert status == 200, body
        return app

    def approve(maker: ResourceMaker, app: str, version: int = 1) -> None:
        reviewer = platform_caller(maker)("", "gate-reviewer")
        status, body = maker.call("POST", f"/marketplace/reviews/{app}/{version}/approve", reviewer)
        assert status == 200, body

    def listed(maker: ResourceMaker, partner_token: str | None = None) -> tuple[str, str]:
        """A listed app of a partner organisation of its own (or ``partner_token``'s): (app id, partner)."""
        partner_token = partner_token or partner(maker, f"gp{uuid.uuid4().hex[:10]}")
        app = submitted(maker, partner_token)
        approve(maker, app)
        return app, partner_token

    def installed(maker: ResourceMaker, token: str) -> tuple[str, str, str]:
        """An app installed in the gate's hospital: (app id, installation id, the partner's token)."""
        app, partner_token = listed(maker)
        status, inst = maker.call(
            "POST", "/marketplace/installations", token, {"app_id": app, "version": 1, **consent}
        )
        assert status == 201, inst
        return app, str(inst["id"]), partner_token

    def as_partner(
        maker: ResourceMaker, token: str, path: str, body: Any = None, made: Any = None
    ) -> Prepared:
        return Prepared(path, body, token=token, caller=partner_caller(maker), made=made or [])

    @scenario("marketplace", "PUT", "/partner")
    def set_profile(maker: ResourceMaker, token: str) -> Prepared:
        p = partner_caller(maker)(
            str(jwt.decode(token, options={"verify_signature": False})["tenant"]), "gate-p"
        )
        return as_partner(maker, p, "/partner", {"name": "门禁合作伙伴", "contact": "q@x.cn"})

    @scenario("marketplace", "GET", "/partner")
    def read_profile(maker: ResourceMaker, token: str) -> Prepared:
        return as_partner(maker, own_partner(maker, token), "/partner")

    @scenario("marketplace", "POST", "/apps")
    def register_app(maker: ResourceMaker, token: str) -> Prepared:
        return as_partner(maker, own_partner(maker, token), "/apps", manifest)

    @scenario("marketplace", "GET", "/apps")
    def my_apps(maker: ResourceMaker, token: str) -> Prepared:
        p = own_partner(maker, token)
        draft(maker, p)
        return as_partner(maker, p, "/apps")

    def made_app(app: str) -> list[Made]:
        return [Made("marketplace", "/apps", f"/marketplace/apps/{app}", app, {})]

    @scenario("marketplace", "GET", "/apps/{app_id}")
    def my_app(maker: ResourceMaker, token: str) -> Prepared:
        p = own_partner(maker, token)
        app = draft(maker, p)
        return as_partner(maker, p, f"/apps/{app}", made=made_app(app))

    @scenario("marketplace", "POST", "/apps/{app_id}/versions")
    def new_version(maker: ResourceMaker, token: str) -> Prepared:
        p = own_partner(maker, token)
        app, _ = listed(maker, p)
        return as_partner(maker, p, f"/apps/{app}/versions", manifest, made_app(app))

    @scenario("marketplace", "POST", "/apps/{app_id}/versions/{number}/submit")
    def submit_draft(maker: ResourceMaker, token: str) -> Prepared:
        p = own_partner(maker, token)
        app = draft(maker, p)
        return as_partner(maker, p, f"/apps/{app}/versions/1/submit", made=made_app(app))

    def as_reviewer(maker: ResourceMaker, path: str, body: Any = None, made: Any = None) -> Prepared:
        caller = platform_caller(maker)
        return Prepared(path, body, token=caller("", "gate-reviewer"), caller=caller, made=made or [])

    @scenario("marketplace", "GET", "/reviews")
    def review_queue(maker: ResourceMaker, token: str) -> Prepared:
        submitted(maker, partner(maker, f"gp{uuid.uuid4().hex[:10]}"))
        return as_reviewer(maker, "/reviews")

    @scenario("marketplace", "POST", "/reviews/{app_id}/{number}/approve")
    def approve_one(maker: ResourceMaker, token: str) -> Prepared:
        app = submitted(maker, partner(maker, f"gp{uuid.uuid4().hex[:10]}"))
        return as_reviewer(maker, f"/reviews/{app}/1/approve", made=made_app(app))

    @scenario("marketplace", "POST", "/reviews/{app_id}/{number}/reject")
    def reject_one(maker: ResourceMaker, token: str) -> Prepared:
        app = submitted(maker, partner(maker, f"gp{uuid.uuid4().hex[:10]}"))
        return as_reviewer(maker, f"/reviews/{app}/1/reject", {"reason": "说明不足"}, made_app(app))

    @scenario("marketplace", "GET", "/catalogue")
    def the_catalogue(maker: ResourceMaker, token: str) -> Prepared:
        listed(maker)
        return Prepared("/catalogue")

    @maker_recipe("marketplace", "/catalogue")
    def a_listed_app(maker: ResourceMaker, token: str, parents: dict[str, str]) -> Made:
        app, _ = listed(maker)
        return Made("marketplace", "/catalogue", f"/marketplace/catalogue/{app}", app, {})

    @body_recipe("marketplace", "/installations")
    def consent_to_a_listed_app(maker: ResourceMaker, token: str, parents: dict[str, str]) -> dict[str, Any]:
        app, _ = listed(maker)
        return {"app_id": app, "version": 1, **consent}

    @maker_recipe("marketplace", "/reviews")
    def an_app_to_reference(maker: ResourceMaker, token: str, parents: dict[str, str]) -> Made:
        """A body naming an ``app_id`` (an install) names a listed app."""
        app, _ = listed(maker)
        return Made("marketplace", "/catalogue", f"/marketplace/catalogue/{app}", app, {})

    @scenario("marketplace", "GET", "/installations")
    @branch("marketplace", "GET", "/installations", "BatchGetItem")
    def my_installations(maker: ResourceMaker, token: str) -> Prepared:
        installed(maker, token)
        return Prepared("/installations")

    @scenario("marketplace", "POST", "/installations/{installation_id}/upgrade")
    def upgrade_one(maker: ResourceMaker, token: str) -> Prepared:
        app, inst, p = installed(maker, token)
        status, body = maker.call("POST", f"/marketplace/apps/{app}/versions", p, manifest)
        assert status == 201, body
        status, body = maker.call("POST", f"/marketplace/apps/{app}/versions/2/submit", p)
        assert status == 200, body
        approve(maker, app, 2)
        return Prepared(f"/installations/{inst}/upgrade", {"version": 2, **consent})

    @scenario("marketplace", "GET", "/installations/{installation_id}/usage")
    def usage_of_one(maker: ResourceMaker, token: str) -> Prepared:
        _, inst, _ = installed(maker, token)
        made = [Made("marketplace", "/installations", f"/marketplace/installations/{inst}", inst, {})]
        return Prepared(f"/installations/{inst}/usage", made=made)

    def credentials(maker: ResourceMaker, token: str) -> tuple[str, str, str, dict[str, Any]]:
        app, inst, p = installed(maker, token)
        status, creds = maker.call("POST", f"/marketplace/apps/{app}/installations/{inst}/credentials", p)
        assert status == 201, creds
        return app, inst, p, creds

    @scenario("marketplace", "POST", "/apps/{app_id}/installations/{installation_id}/credentials")
    def issue_credentials(maker: ResourceMaker, token: str) -> Prepared:
        app, inst, p = installed(maker, token)
        return as_partner(maker, p, f"/apps/{app}/installations/{inst}/credentials", made=made_app(app))

    @scenario("marketplace", "GET", "/apps/{app_id}/installations")
    def where_installed(maker: ResourceMaker, token: str) -> Prepared:
        app, _, p = installed(maker, token)
        return as_partner(maker, p, f"/apps/{app}/installations", made=made_app(app))

    @scenario("marketplace", "POST", "/oauth/token")
    def a_token(maker: ResourceMaker, token: str) -> Prepared:
        _, _, _, creds = credentials(maker, token)
        body = {"grant_type": "client_credentials", **{k: creds[k] for k in ("client_id", "client_secret")}}
        return Prepared("/oauth/token", body)

    def bundle(maker: ResourceMaker) -> tuple[str, str]:
        app, _ = listed(maker)
        reviewer = platform_caller(maker)("", "gate-reviewer")
        status, made = maker.call(
            "POST", "/marketplace/bundles", reviewer, {"name": "门禁套件", "app_ids": [app]}
        )
        assert status == 201, made
        return str(made["id"]), app

    @scenario("marketplace", "POST", "/bundles")
    def make_bundle(maker: ResourceMaker, token: str) -> Prepared:
        app, _ = listed(maker)
        return as_reviewer(maker, "/bundles", {"name": "门禁套件", "app_ids": [app]})

    @scenario("marketplace", "GET", "/bundles")
    def the_bundles(maker: ResourceMaker, token: str) -> Prepared:
        bundle(maker)
        return Prepared("/bundles", query={"limit": "10"})

    @maker_recipe("marketplace", "/bundles")
    def a_bundle(maker: ResourceMaker, token: str, parents: dict[str, str]) -> Made:
        bundle_id, _ = bundle(maker)
        return Made("marketplace", "/bundles", f"/marketplace/bundles/{bundle_id}", bundle_id, {})

    @scenario("marketplace", "POST", "/bundles/{bundle_id}/install")
    def install_bundle(maker: ResourceMaker, token: str) -> Prepared:
        bundle_id, app = bundle(maker)
        return Prepared(f"/bundles/{bundle_id}/install", {"consents": {app: consent}})


_register_marketplace()


def _register_marketplace_webhooks() -> None:
    """The marketplace's webhooks (M2): an app installed in the caller's hospital (its standing written as
    the marketplace writes it, its ``app.installed`` put on the marketplace's outbox and settled: the
    lifecycle consumer makes the endpoint and tries the first delivery, to a closed loopback port, so a
    message is pending). The partner organisation's routes are called as that partner
    (``Prepared.token``), the feed as the app; the hospital admin's as the gate's caller."""
    import jwt

    from tests.quality.surface import Prepared, branch, scenario

    app_id = "app-gate"

    def installed(maker: ResourceMaker, token: str) -> tuple[str, str, str]:
        """(tenant, installation, the partner organisation's token)."""
        from shared.auth import Principal
        from shared.events.published.marketplace import APP_INSTALLED, InstallationChanged
        from shared.persistence.uow import UnitOfWork
        from tests import partner_apps

        tenant = str(jwt.decode(token, options={"verify_signature": False})["tenant"])
        partner = f"p-{tenant}"[:40]
        installation = partner_apps.install(tenant, ["directory:read", "events:read"], app=app_id)
        from shared.installations import StandingItem

        standing = StandingItem.get(StandingItem.partition(tenant), installation)
        standing.update(actions=[StandingItem.partner.set(partner)])
        change = InstallationChanged(
            installation_id=installation,
            app_id=app_id,
            app_name="门禁排班助手",
            partner=partner,
            version=1,
            scopes=["directory:read", "events:read"],
            events=["staff.*"],
            webhook_url="https://127.0.0.1:9/hook",
            by="gate",
        )
        principal = Principal(tenant=tenant, user="gate", kind="service")
        with UnitOfWork("marketplace", principal, "gate") as uow:
            uow.emit(APP_INSTALLED.envelope(tenant, change))
            uow.commit()
        maker.settle()
        return tenant, installation, maker.mint(partner, "gate-dev", [], kind="partner")

    def base(installation: str) -> str:
        return f"/apps/{app_id}/installations/{installation}"

    def first_message(maker: ResourceMaker, partner: str, installation: str) -> str:
        status, page = maker.call("GET", f"/marketplace{base(installation)}/messages", partner)
        assert status == 200 and page["items"], page
        return str(page["items"][0]["id"])

    @scenario("marketplace", "GET", "/installations/{installation_id}/endpoint")
    def admin_reads_the_endpoint(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, _ = installed(maker, token)
        return Prepared(f"/installations/{installation}/endpoint")

    @scenario("marketplace", "GET", "/installations/{installation_id}/messages")
    def admin_reads_the_log(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, _ = installed(maker, token)
        return Prepared(f"/installations/{installation}/messages")

    @scenario("marketplace", "GET", "/installations/{installation_id}/messages/{message_id}")
    def admin_reads_a_message(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, partner = installed(maker, token)
        return Prepared(
            f"/installations/{installation}/messages/{first_message(maker, partner, installation)}"
        )

    @scenario("marketplace", "GET", "/apps/{app_id}/installations/{installation_id}/endpoint")
    def partner_reads_the_endpoint(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, partner = installed(maker, token)
        return Prepared(f"{base(installation)}/endpoint", token=partner)

    @scenario("marketplace", "PATCH", "/apps/{app_id}/installations/{installation_id}/endpoint")
    def partner_changes_the_url(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, partner = installed(maker, token)
        _, endpoint = maker.call("GET", f"/marketplace{base(installation)}/endpoint", partner)
        body = {"version": endpoint["version"], "url": "https://hooks.example.com/fh"}
        return Prepared(f"{base(installation)}/endpoint", body, token=partner)

    @scenario("marketplace", "POST", "/apps/{app_id}/installations/{installation_id}/endpoint/secret")
    def partner_rotates_the_secret(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, partner = installed(maker, token)
        return Prepared(f"{base(installation)}/endpoint/secret", {"rotate": True}, token=partner)

    @scenario("marketplace", "GET", "/apps/{app_id}/installations/{installation_id}/messages")
    def partner_reads_the_log(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, partner = installed(maker, token)
        return Prepared(f"{base(installation)}/messages", token=partner)

    @scenario("marketplace", "GET", "/apps/{app_id}/installations/{installation_id}/messages/{message_id}")
    def partner_reads_a_message(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, partner = installed(maker, token)
        message = first_message(maker, partner, installation)
        return Prepared(f"{base(installation)}/messages/{message}", token=partner)

    @scenario(
        "marketplace", "POST", "/apps/{app_id}/installations/{installation_id}/messages/{message_id}/resend"
    )
    def partner_resends(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, partner = installed(maker, token)
        message = first_message(maker, partner, installation)
        return Prepared(f"{base(installation)}/messages/{message}/resend", token=partner)

    @scenario("marketplace", "POST", "/apps/{app_id}/installations/{installation_id}/recover")
    def partner_recovers(maker: ResourceMaker, token: str) -> Prepared:
        _, installation, partner = installed(maker, token)
        return Prepared(f"{base(installation)}/recover", {"since": "2020-01-01T00:00:00Z"}, token=partner)

    @scenario("marketplace", "GET", "/webhook-notices")
    def partner_reads_its_notices(maker: ResourceMaker, token: str) -> Prepared:
        from chalicelib.marketplace.service import dispatch

        tenant, installation, partner = installed(maker, token)
        assert dispatch.disable(tenant, installation, "gone")  # as a 410 answer does: a notice
        return Prepared("/webhook-notices", token=partner)

    @scenario("marketplace", "GET", "/events")
    def the_app_polls_its_feed(maker: ResourceMaker, token: str) -> Prepared:
        from tests import partner_apps

        tenant, installation, _ = installed(maker, token)
        app = partner_apps.sign(tenant, installation, ["directory:read", "events:read"], app=app_id)
        return Prepared("/events", token=app)

    del branch


_register_marketplace_webhooks()


def _register_reports_settings() -> None:
    """The morning report's settings (a hospital admin's): saved on the version read, the caller named as a
    listed leader where the route reads the leaders' names (a BatchGetItem)."""
    from tests.quality.surface import Prepared, branch, scenario

    def version(maker: ResourceMaker, token: str) -> int:
        status, view = maker.call("GET", "/reports/settings", token, None)
        assert status == 200, view
        return int(view["version"])

    def settings(maker: ResourceMaker, token: str, **more: Any) -> dict[str, Any]:
        return {"version": version(maker, token), "send_at": "07:00", "enabled": True} | more

    @scenario("reports", "PUT", "/settings")
    def save_the_defaults(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared("/settings", settings(maker, token))

    @branch("reports", "PUT", "/settings", "BatchGetItem")
    def name_myself_a_leader(maker: ResourceMaker, token: str) -> Prepared:
        me = maker.caller_is_staff(token)
        return Prepared("/settings", settings(maker, token, leaders=[me.id]))

    @branch("reports", "GET", "/settings", "BatchGetItem")
    def settings_naming_me(maker: ResourceMaker, token: str) -> Prepared:
        me = maker.caller_is_staff(token)
        status, saved = maker.call("PUT", "/reports/settings", token, settings(maker, token, leaders=[me.id]))
        assert status == 200, saved
        return Prepared("/settings")


_register_reports_settings()


def _register_reports_daily() -> None:
    """The daily report (a day: yesterday in the hospital's time zone) and the consortium view of a
    consortium the caller's hospital leads, with a member, each with a kept day."""
    from tests.quality.surface import Prepared, scenario

    def yesterday() -> str:
        from datetime import timedelta

        from chalicelib.reports.service.daily import today_in

        return (today_in(None) - timedelta(days=1)).isoformat()

    @scenario("reports", "GET", "/daily/{day}")
    def a_days_report(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/daily/{yesterday()}")

    @scenario("reports", "GET", "/daily/{day}/page")
    def a_days_page(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/daily/{yesterday()}/page")

    def led_consortium(maker: ResourceMaker, token: str) -> Any:
        import jwt

        from tests.conftest import register_hospital

        register_hospital(jwt.decode(token, options={"verify_signature": False})["tenant"])
        return maker.make("messaging", "/consortia", token)

    @scenario("reports", "GET", "/consortia/{consortium_id}/daily/{day}")
    def a_consortium_day(maker: ResourceMaker, token: str) -> Prepared:
        consortium = led_consortium(maker, token)
        return Prepared(f"/consortia/{consortium.id}/daily/{yesterday()}", made=[consortium])

    @scenario("reports", "GET", "/consortia/{consortium_id}/daily/{day}/page")
    def a_consortium_page(maker: ResourceMaker, token: str) -> Prepared:
        consortium = led_consortium(maker, token)
        return Prepared(f"/consortia/{consortium.id}/daily/{yesterday()}/page", made=[consortium])


_register_reports_daily()


def _register_reports() -> None:
    """The director's report: the HIS census (a day, a batch, an uploaded xlsx), ranges and the export."""
    import urllib.request
    from datetime import timedelta

    from chalicelib.reports.service.census import today

    from shared import spreadsheet
    from tests.quality.surface import Prepared, scenario

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def yesterday() -> str:
        return (today() - timedelta(days=1)).isoformat()

    def recorded(maker: ResourceMaker, token: str) -> str:
        day = yesterday()
        status, body = maker.call(
            "PUT",
            f"/reports/census/{day}",
            token,
            {"outpatient_visits": 3120, "inpatients": 980, "beds_open": 1000},
        )
        assert status == 200, body
        return day

    @scenario("reports", "PUT", "/census/{day}")
    def a_day(maker: ResourceMaker, token: str) -> Prepared:
        return Prepared(f"/census/{yesterday()}", body={"outpatient_visits": 3120, "surgeries": 87})

    @scenario("reports", "POST", "/census")
    def two_days(maker: ResourceMaker, token: str) -> Prepared:
        first = (today() - timedelta(days=2)).isoformat()
        rows = [{"day": first, "admissions": 110}, {"day": yesterday(), "admissions": 118}]
        return Prepared("/census", body={"rows": rows})

    @scenario("reports", "POST", "/census/uploads/{upload_id}/import")
    def an_uploaded_workbook(maker: ResourceMaker, token: str) -> Prepared:
        content = spreadsheet.xlsx_bytes("日报", ["日期", "门诊人次"], [[yesterday(), 3120]])
        status, ticket = maker.call(
            "POST",
            "/reports/census/uploads",
            token,
            {"filename": "日报.xlsx", "content_type": xlsx, "size": len(content)},
        )
        assert status == 201, ticket
        put = urllib.request.Request(
            ticket["upload_url"], data=content, method="PUT", headers=ticket["upload_headers"]
        )
        with urllib.request.urlopen(put, timeout=10) as resp:
            assert resp.status == 200
        return Prepared(f"/census/uploads/{ticket['id']}/import", body={})

    @scenario("reports", "GET", "/range")
    def a_week(maker: ResourceMaker, token: str) -> Prepared:
        day = recorded(maker, token)
        first = (today() - timedelta(days=7)).isoformat()
        return Prepared(
            "/range", query={"from": first, "to": day, "indicators": "outpatient_visits,bed_occupancy"}
        )

    @scenario("reports", "GET", "/export")
    def a_week_as_xlsx(maker: ResourceMaker, token: str) -> Prepared:
        day = recorded(maker, token)
        return Prepared("/export", query={"from": (today() - timedelta(days=7)).isoformat(), "to": day})


_register_reports()
