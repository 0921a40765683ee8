"""Questionnaires, links, responses and observations: the same checks on the DynamoDB adapters (moto) and
on the fakes (``tests/unit/followup/fakes.py``), so the fakes the use-case tests run on cannot drift."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.adapters.questionnaires import DynamoLinkLookup
from chalicelib.followup.domain import links as rules
from chalicelib.followup.domain.builtin_questionnaires import HYPERTENSION_BP
from chalicelib.followup.domain.links import Link
from chalicelib.followup.domain.results import Observation, Response

from shared.errors import Conflict, RateLimited
from tests.service.test_followup_store import Opener, all_pages, opener  # noqa: F401  (the fixture)
from tests.unit.followup.fakes import FakeLinkLookup, FakeStore

AT = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def _tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def _lookup(store: Any) -> Any:
    return FakeLinkLookup(store.tables) if isinstance(store, FakeStore) else DynamoLinkLookup()


def _link(n: int, patient_id: str = "p001", token: str | None = None) -> Link:
    return Link(
        id=f"{patient_id}-l{n:03d}",
        patient_id=patient_id,
        patient_label="张*",
        questionnaire_id="hypertension-bp",
        questionnaire_version=1,
        questionnaire_title="高血压家庭血压监测",
        department_id="d1",
        token_hash=rules.token_hash(token or uuid.uuid4().hex),
        created_by="doc-1",
        created_at=AT,
        expires_at=AT + timedelta(days=7),
    )


def test_a_questionnaire_keeps_every_version_and_saves_only_over_what_it_read(opener: Opener) -> None:  # noqa: F811
    store, write = opener(_tenant())
    first = HYPERTENSION_BP.model_copy(update={"id": "bp", "builtin": False})
    write(lambda s: s.questionnaires.add(first, Conflict("taken")))
    with pytest.raises(Conflict, match="taken"):
        write(lambda s: s.questionnaires.add(first, Conflict("taken")))
    read = store.questionnaires.get("bp")
    assert read is not None and read.revision == 0 and read.version == 1
    second = read.model_copy(update={"version": 2, "title": "血压（新）"})
    write(lambda s: s.questionnaires.save(second, Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):
        write(lambda s: s.questionnaires.save(read.model_copy(update={"version": 3}), Conflict("stale")))
    now = store.questionnaires.get("bp")
    assert (now.version, now.title, now.revision) == (2, "血压（新）", 1)
    assert store.questionnaires.version("bp", 1).title == "高血压家庭血压监测"
    assert store.questionnaires.version("bp", 2).title == "血压（新）"
    assert store.questionnaires.version("bp", 3) is None
    write(lambda s: s.questionnaires.add(first.model_copy(update={"id": "ask"}), Conflict("taken")))
    assert [q.id for q in all_pages(lambda c: store.questionnaires.page(1, c))] == ["ask", "bp"]
    other, _ = opener(_tenant())
    assert other.questionnaires.get("bp") is None and other.questionnaires.page(10, None)[0] == []


def test_a_link_is_found_by_its_digest_with_its_hospital_and_saves_over_its_revision(opener: Opener) -> None:  # noqa: F811
    tenant = _tenant()
    store, write = opener(tenant)
    token = uuid.uuid4().hex
    link = _link(1, token=token)
    write(lambda s: s.links.add(link))
    found = _lookup(store).find(rules.token_hash(token))
    assert found is not None and found[0] == tenant and found[1].id == link.id
    assert _lookup(store).find(rules.token_hash("nothing")) is None
    read = store.links.get(link.id)
    write(lambda s: s.links.save(read.model_copy(update={"response_id": "p001-r1"}), Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):
        write(lambda s: s.links.save(read.model_copy(update={"response_id": "p001-r2"}), Conflict("stale")))
    assert store.links.get(link.id).response_id == "p001-r1"
    other, _ = opener(_tenant())
    assert other.links.get(link.id) is None


def test_a_links_requests_are_counted_per_window_up_to_the_limit(opener: Opener) -> None:  # noqa: F811
    store, _ = opener(_tenant())
    for _ in range(3):
        store.links.hit("p001-l001", "202612051000", 3, RateLimited("slow down", 30))
    with pytest.raises(RateLimited):
        store.links.hit("p001-l001", "202612051000", 3, RateLimited("slow down", 30))
    store.links.hit("p001-l001", "202612051001", 3, RateLimited("slow down", 30))  # the next minute
    store.links.hit("p001-l002", "202612051000", 3, RateLimited("slow down", 30))  # another link


def test_a_patients_responses_and_observations_are_read_newest_first(opener: Opener) -> None:  # noqa: F811
    store, write = opener(_tenant())
    for n in range(3):
        response = Response(
            id=f"p001-{n:03d}",
            patient_id="p001",
            patient_label="张*",
            link_id="p001-l001",
            questionnaire_id="hypertension-bp",
            questionnaire_version=1,
            questionnaire_title="高血压家庭血压监测",
            answers={"systolic": 120 + n},
            score=0,
            submitted_at=AT + timedelta(minutes=n),
        )
        observation = Observation(
            id=f"p001-{n:03d}",
            patient_id="p001",
            patient_label="张*",
            code="creatinine",
            name="血肌酐",
            value=90 + n,
            unit="µmol/L",
            taken_at=AT,
            recorded_by="lis",
            recorded_at=AT,
        )
        write(lambda s, r=response, o=observation: (s.responses.add(r), s.observations.add(o)))
    with pytest.raises(Conflict):
        write(lambda s: s.responses.add(response))
    assert [r.id for r in all_pages(lambda c: store.responses.of_patient("p001", 2, c))] == [
        "p001-002",
        "p001-001",
        "p001-000",
    ]
    assert [o.value for o in store.observations.of_patient("p001", 5, None)[0]] == [92, 91, 90]
    assert store.responses.of_patient("p002", 5, None)[0] == []
    other, _ = opener(_tenant())
    assert other.observations.of_patient("p001", 5, None)[0] == []
