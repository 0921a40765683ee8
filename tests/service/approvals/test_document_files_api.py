"""A 公文 with its real file over HTTP, on moto: upload the PDF through the presigned PUT, submit the
document naming it, and a 传阅 reader opens it through the presigned GET; who else may not, and the
download's audit record. The rules behind it are tested on the fakes in
``tests/unit/approvals/test_document_files.py``."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from shared.persistence.models import AuditRecord, tenant_key
from tests.service.approvals.conftest import Hospital

PDF = "%PDF-1.7\n关于开展院感培训的通知\n%%EOF".encode()


def upload(h: Hospital, who: str, content: bytes | None) -> dict[str, Any]:
    """Ask for an upload; PUT the bytes to the presigned URL (unless ``content`` is None)."""
    body = {"filename": "关于开展院感培训的通知.pdf", "content_type": "application/pdf", "size": len(PDF)}
    ticket = h.as_(who)("POST", "/attachments", body)
    assert ticket.status_code == 201, ticket.body
    if content is not None:
        put = urllib.request.Request(
            ticket.json_body["upload_url"],
            data=content,
            method="PUT",
            headers=ticket.json_body["upload_headers"],
        )
        with urllib.request.urlopen(put, timeout=10) as resp:
            assert resp.status == 200
    return dict(ticket.json_body)


def document(h: Hospital, body: list[str]) -> dict[str, Any]:
    return {
        "template_id": h.templates["document_circulation"],
        "form": {
            "doc_no": "〔2026〕12号",
            "doc_title": "关于开展院感培训的通知",
            "classification": "内部",
            "issuer": "市卫健委",
            "received_on": "2026-12-01",
            "readers": [h.staff["nurse2"]],
            "body": body,
        },
    }


def test_a_document_with_its_file_goes_to_a_reader_who_opens_it(hospital: Hospital, stack: Any) -> None:
    h = hospital
    not_put = upload(h, "nurse", None)
    refused = h.as_("nurse").client.http.request(
        "POST",
        "/approvals",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {h.as_('nurse').token}",
            "Accept-Language": "zh-CN",
        },
        body=json.dumps(document(h, [not_put["id"]])).encode(),
    )
    assert refused.status_code == 422, refused.body
    problem = json.loads(refused.body)
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [
        ("form.body.0", "「关于开展院感培训的通知.pdf」尚未上传：请先 PUT 到其 upload_url")
    ]

    ticket = upload(h, "nurse", PDF)
    assert ticket["filename"] == "关于开展院感培训的通知.pdf" and ticket["expires_at"]
    made = h.as_("nurse")("POST", "/approvals", document(h, [ticket["id"]]))
    assert made.status_code == 201, made.body
    a = made.json_body["id"]
    assert made.json_body["form"]["body"] == [ticket["id"]]
    again = h.as_("nurse")("POST", "/approvals", document(h, [ticket["id"]]))
    assert again.status_code == 422 and again.json_body["errors"][0]["field"] == "form.body.0"  # bound to a

    assert h.as_("office")("POST", f"/approvals/{a}/actions", {"action": "approve"}).status_code == 200
    at_reading = h.as_("leader")("POST", f"/approvals/{a}/actions", {"action": "approve"}).json_body
    assert at_reading["current_step"] == "reading" and h.staff["nurse2"] in at_reading["pending_approvers"]

    path = f"/approvals/{a}/attachments/{ticket['id']}"
    link = h.as_("nurse2")("GET", path)
    assert link.status_code == 200, link.body
    assert link.json_body["filename"] == "关于开展院感培训的通知.pdf" and link.json_body["expires_at"]
    with urllib.request.urlopen(link.json_body["url"], timeout=10) as resp:
        assert resp.read() == PDF
        assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]

    # head2 is on none of its steps (no 承办科室 named: the fallback handles it); another hospital's admin
    assert h.as_("head2")("GET", path).status_code == 404
    elsewhere = stack.token("t-elsewhere-docs", "admin-x", ["hospital_admin"])
    other = h.as_("nurse").client.http.request("GET", path, headers={"Authorization": f"Bearer {elsewhere}"})
    assert other.status_code == 404 and json.loads(other.body)["type"].endswith("not-found")

    audit = list(AuditRecord.query(tenant_key(h.tenant, "approval", a)))
    downloads = [json.loads(r.after or "{}") for r in audit if r.action == "approval.attachment.download"]
    assert downloads == [
        {
            "staff_id": h.staff["nurse2"],
            "attachment_id": ticket["id"],
            "filename": "关于开展院感培训的通知.pdf",
        }
    ]


def test_an_upload_of_another_kind_or_too_large_is_refused(hospital: Hospital) -> None:
    h = hospital
    for body in (
        {"filename": "run.exe", "content_type": "application/x-msdownload", "size": 10},
        {"filename": "big.pdf", "content_type": "application/pdf", "size": 20 * 1024 * 1024 + 1},
    ):
        resp = h.as_("nurse")("POST", "/attachments", body)
        assert resp.status_code == 422 and resp.json_body["errors"][0]["field"] in ("content_type", "size")
