"""公文 with real files, on the fakes: a file is uploaded before the form that names it (its record, a
presigned PUT), a submit takes only the submitter's own uploads of this hospital that have landed and binds
them to the approval, and the people on the approval — nobody else — open them, each download audited.

The HTTP round trip through real presigned URLs on moto is in ``tests/service/approvals/test_document_files.py``;
the store's attachment methods on DynamoDB and the fakes in ``tests/service/test_approvals_store.py``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from chalicelib.approvals.contracts.approvals import SubmitApproval
from chalicelib.approvals.contracts.attachments import UploadRequest
from chalicelib.approvals.contracts.templates import CreateTemplate
from chalicelib.approvals.domain.attachments import MAX_BYTES, object_key
from chalicelib.approvals.service import approvals, attachments, templates
from pydantic import ValidationError

from shared import problems
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from tests.unit.approvals.fakes import FakeStore
from tests.unit.approvals.test_approvals_service import (  # noqa: F401 - the fixture
    ADMIN,
    Hospital,
    T,
    h,
    leave,
)
from tests.unit.approvals.test_documents import document

DOC = "document_circulation"


def refused(
    h: Hospital,  # noqa: F811
    form: dict[str, Any],
    staff: str = "nurse",
    code: str = DOC,
) -> list[tuple[str, str]]:
    with pytest.raises(problems.Problem) as caught:
        h.submit(staff, form=form, code=code)
    assert caught.value.status == 422
    return [(e.field, e.message) for e in caught.value.errors]


def download(h: Hospital, staff: str, instance: str, attachment: str, *roles: str) -> Any:  # noqa: F811
    return attachments.download(h.who(staff, *roles), instance, attachment, store=h.store(), files=h.files)


# ---- uploading ---------------------------------------------------------------------------------------------


def test_an_upload_is_the_callers_record_under_the_hospital_and_a_put_bound_to_its_type_and_size(
    h: Hospital,  # noqa: F811
) -> None:
    body = UploadRequest(filename="../../公文/〔2026〕12号.ofd", content_type="application/ofd", size=482133)
    ticket = attachments.request_upload(h.who("nurse"), body, store=h.store(), files=h.files)
    record = h.tables.attachments[(T, ticket.id)]
    assert (record.owner, record.filename, record.size, record.instance_id) == (
        "nurse",
        "〔2026〕12号.ofd",  # a file in no folder
        482133,
        None,
    )
    assert ticket.filename == "〔2026〕12号.ofd"
    assert object_key(T, ticket.id).startswith(f"{T}/")
    assert ticket.upload_url.startswith(f"https://files.test/{T}/approvals/{ticket.id}?put")
    assert "type=application/ofd" in ticket.upload_url and "size=482133" in ticket.upload_url
    assert ticket.upload_headers == {"Content-Type": "application/ofd"}
    assert 0 < (ticket.expires_at - record.created_at).total_seconds() <= 900


@pytest.mark.parametrize(
    "body",
    [
        {"filename": "a.exe", "content_type": "application/x-msdownload", "size": 10},
        {"filename": "a.txt", "content_type": "text/plain", "size": 10},
        {"filename": "big.pdf", "content_type": "application/pdf", "size": MAX_BYTES + 1},
        {"filename": "empty.pdf", "content_type": "application/pdf", "size": 0},
    ],
)
def test_only_office_documents_and_images_up_to_20_mb_are_taken(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        UploadRequest.model_validate(body)


def test_the_accepted_kinds_of_file() -> None:
    for content_type in (
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "image/jpeg",
        "image/png",
        "application/ofd",
    ):
        UploadRequest(filename="x", content_type=content_type, size=MAX_BYTES)


# ---- submitting -------------------------------------------------------------------------------------------


def test_a_submit_binds_the_files_it_names_to_the_approval(h: Hospital) -> None:  # noqa: F811
    form = document(h)
    (body,) = form["body"]
    a = h.submit("nurse", form=form, code=DOC)
    assert h.tables.attachments[(T, body)].instance_id == a.id
    # the same file cannot go on another approval, not even the uploader's own
    assert refused(h, {**document(h), "body": [body]}) == [
        (
            "form.body.0",
            "「关于开展院感培训的通知.pdf」 is attached to another approval: upload it again",
        )
    ]


def test_a_file_never_uploaded_someone_elses_or_another_hospitals_is_refused_by_field_and_name(
    h: Hospital,  # noqa: F811
) -> None:
    not_put = h.upload("nurse", "领导讲话.docx", put=False)
    colleagues = h.upload("nurse2", "同事的.pdf")
    elsewhere = FakeStore("t-another-hospital", tables=h.tables)
    body = UploadRequest(filename="外院.pdf", content_type="application/pdf", size=10)
    foreign = attachments.request_upload(
        Principal(tenant="t-another-hospital", user="nurse"), body, store=elsewhere, files=h.files
    ).id
    h.files.put(object_key("t-another-hospital", foreign))

    assert refused(h, document(h, body=[h.upload(), colleagues, foreign])) == [
        (
            "form.body.1",
            "「同事的.pdf」 is someone else's upload: attach your own",
        ),
        ("form.body.2", f"no file {foreign} in this hospital (upload it with POST /attachments)"),
    ]
    assert refused(h, document(h, body=[not_put])) == [
        ("form.body.0", "「领导讲话.docx」 has not been uploaded yet: PUT it to its upload_url first")
    ]
    assert refused(h, document(h, body=["../../etc/passwd"]))[0][0] == "form.body"  # not an id at all
    assert h.tables.approvals == {}  # nothing was submitted
    assert all(r.instance_id is None for r in h.tables.attachments.values())  # nor bound


def test_a_file_taken_by_another_approval_meanwhile_is_a_conflict_and_nothing_lands(
    h: Hospital,  # noqa: F811
) -> None:
    form = document(h)
    (body,) = form["body"]
    store = h.store()
    key = (T, body)
    # someone else's submit takes the file between this submit's check and its commit
    store.meanwhile = lambda: h.tables.attachments.__setitem__(
        key, replace(h.tables.attachments[key], instance_id="other")
    )
    submit = SubmitApproval(template_id=h.templates[DOC], form=form)
    with pytest.raises(Conflict, match="attached to another approval meanwhile"):
        approvals.submit(
            h.who("nurse"), submit, "req", None, store=store, directory=h.directory, files=h.files
        )
    assert h.tables.approvals == {} and h.tables.attachments[key].instance_id == "other"


def test_a_resubmitted_form_checks_and_binds_its_new_files_and_keeps_the_old(h: Hospital) -> None:  # noqa: F811
    first = h.upload("nurse", "病假证明.jpg")
    a = h.submit("nurse", form={**leave(days=2), "attachments": [first]}).id
    h.act("head", a, "return")
    later = h.upload("nurse", "补充证明.pdf", put=False)
    with pytest.raises(problems.Problem) as caught:
        h.act("nurse", a, "resubmit", form={**h.get(a).form, "attachments": [first, later]})
    assert [e.field for e in caught.value.errors] == ["form.attachments.1"]
    h.files.put(object_key(T, later))
    heads = h.files.heads
    again = h.act("nurse", a, "resubmit", form={**h.get(a).form, "attachments": [later]})
    assert again.status == "pending"
    assert h.files.heads == heads + 1  # only the new file is looked up in the bucket
    assert h.tables.attachments[(T, later)].instance_id == a
    assert h.tables.attachments[(T, first)].instance_id == a  # still the approval's (its record shows it)
    assert download(h, "head", a, first).filename == "病假证明.jpg"


# ---- downloading ------------------------------------------------------------------------------------------


def test_everyone_on_the_document_opens_its_files_and_each_download_is_audited(h: Hospital) -> None:  # noqa: F811
    form = document(h)
    (body,) = form["body"]
    a = h.submit("nurse", form=form, code=DOC).id
    h.act("office", a)
    h.act("leader", a)  # now at 传阅: nurse2, head2, charge (and the leader) read it
    for staff in ("nurse", "office", "leader", "nurse2", "head2", "charge", "head"):  # head: 承办 to come
        link = download(h, staff, a, body)
        assert link.filename == "关于开展院感培训的通知.pdf" and link.content_type == "application/pdf"
        assert (
            link.url.startswith(f"https://files.test/{T}/approvals/{body}?get") and "expires=300" in link.url
        )
    assert download(h, "admin-1", a, body, "hospital_admin").size == 1024
    downloads = [
        (who["staff_id"], rid) for _, action, _, rid, who in h.tables.audit_now if action.endswith("download")
    ]
    assert downloads == [
        (s, a) for s in ("nurse", "office", "leader", "nurse2", "head2", "charge", "head", "admin-1")
    ]
    assert {(t, r, who["attachment_id"], who["filename"]) for t, _, r, _, who in h.tables.audit_now} == {
        (T, "approval", body, "关于开展院感培训的通知.pdf")
    }


def test_anyone_else_another_hospital_or_a_file_of_another_approval_is_404_and_not_audited(
    h: Hospital,  # noqa: F811
) -> None:
    form = document(h)
    (body,) = form["body"]
    a = h.submit("nurse", form=form, code=DOC).id
    with pytest.raises(NotFound, match="approval"):
        download(h, "boss", a, body)  # not on it
    other = Principal(tenant="t-another-hospital", user="nurse")
    with pytest.raises(NotFound, match="approval"):
        attachments.download(other, a, body, store=h.store("t-another-hospital"), files=h.files)
    loose = h.upload("nurse", "草稿.pdf")  # uploaded, never submitted
    with pytest.raises(NotFound, match="attachment"):
        download(h, "nurse", a, loose)
    b = h.submit("nurse", form=document(h), code=DOC).id
    with pytest.raises(NotFound, match="attachment"):
        download(h, "nurse", b, body)  # a file of the other approval, through this one
    assert h.tables.audit_now == []


def test_deputies_and_people_copied_open_the_files_too(h: Hospital) -> None:  # noqa: F811
    from tests.unit.approvals.test_approvals_service import set_deputy

    template = templates.create_template(
        ADMIN,
        CreateTemplate.model_validate(
            {
                "name": "通知抄送",
                "fields": [{"name": "files", "label": "附件", "type": "attachment", "required": True}],
                "flow": {
                    "steps": [
                        {"id": "s", "name": "审核", "approvers": [{"kind": "person", "staff_id": "head"}]}
                    ],
                    "cc_on_start": [{"kind": "person", "staff_id": "boss"}],
                },
            }
        ),
        "req",
        store=h.store(),
    )
    h.templates["copied"] = template.id
    set_deputy(h, "head", "head2", days=3)  # new tasks of the head's go to head2 too
    f = h.upload("nurse", "通知.pdf")
    a = h.submit("nurse", form={"files": [f]}, code="copied").id
    assert download(h, "boss", a, f).filename == "通知.pdf"  # copied
    assert download(h, "head2", a, f).filename == "通知.pdf"  # the head's deputy on the task

    # a deputy named after the task was assigned, once they have acted for the approver
    b = h.submit("nurse2", form={"files": [h.upload("nurse2", "x.pdf")]}, code="copied").id
    set_deputy(h, "head", "office", days=3)
    with pytest.raises(NotFound):
        download(h, "office", b, h.get(b, "nurse2").form["files"][0])
    h.act("office", b, on_behalf_of="head")
    assert download(h, "office", b, h.get(b, "nurse2").form["files"][0]).filename == "x.pdf"
