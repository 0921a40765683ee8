"""公文流转 on the fakes: a document goes to several named readers at once, each reads it (已阅), the step
completes when all have; and the document reads as the office files it, 文号 and title, everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from shared import problems
from tests.unit.approvals.test_approvals_service import Hospital, h  # noqa: F401 - the fixture

TITLE = "〔2026〕12号 关于开展院感培训的通知"


def document(h: Hospital, **form: Any) -> dict[str, Any]:  # noqa: F811
    """A 公文 the nurse registers, its 正文 a PDF she uploaded."""
    return {
        "doc_no": "〔2026〕12号",
        "doc_title": "关于开展院感培训的通知",
        "classification": "内部",
        "issuer": "市卫健委",
        "received_on": "2026-12-01",
        "handling_department": "d1",
        "readers": ["nurse2", "head2", "charge"],
        "body": [h.upload("nurse", "关于开展院感培训的通知.pdf")],
        **form,
    }


def test_a_document_circulates_to_all_its_named_readers_and_moves_on_when_all_have_read(
    h: Hospital,  # noqa: F811
) -> None:
    a = h.submit("nurse", form=document(h), code="document_circulation")
    assert a.title == TITLE
    h.act("office", a.id)  # 拟办 (the fallback: no clerk in this hospital)
    at_reading = h.act("leader", a.id)  # 批示
    assert at_reading.current_step == "reading"
    assert sorted(at_reading.pending_approvers) == ["charge", "head2", "leader", "nurse2"]
    for reader in ("nurse2", "head2", "leader"):
        assert h.act(reader, a.id, comment="已阅").current_step == "reading"  # not everyone yet
    assert [i.title for i in h.mine("charge", "pending", a.id)] == [TITLE]  # the inbox: 文号 and title
    done_reading = h.act("charge", a.id)
    assert done_reading.current_step == "handling"
    assert sorted(done_reading.pending_approvers) == ["head", "head2"]  # the department head(s)
    assigned = [e.data["title"] for e in h.events("approval.task.assigned", a.id)]
    assert assigned and set(assigned) == {TITLE}  # what messaging's notice names


def test_a_reader_who_is_not_active_staff_is_refused_by_position(h: Hospital) -> None:  # noqa: F811
    with pytest.raises(problems.Problem) as refused:
        h.submit("nurse", form=document(h, readers=["nurse2", "ghost"]), code="document_circulation")
    assert [e.field for e in refused.value.errors] == ["form.readers.1"]
    with pytest.raises(problems.Problem):
        h.submit("nurse", form=document(h, readers="nurse2"), code="document_circulation")


def test_a_title_the_submitter_gives_wins_and_other_templates_keep_their_name(h: Hospital) -> None:  # noqa: F811
    from chalicelib.approvals.contracts.approvals import SubmitApproval
    from chalicelib.approvals.service import approvals

    body = SubmitApproval(
        template_id=h.templates["document_circulation"], form=document(h), title="院感培训通知（转发）"
    )
    given = approvals.submit(
        h.who("nurse"), body, "req", None, store=h.store(), directory=h.directory, files=h.files
    )
    assert given.title == "院感培训通知（转发）"
    assert h.submit().title == "请假"
