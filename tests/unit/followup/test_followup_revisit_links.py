"""A chronic patient asks for a revisit through their link (慢病复诊 in two taps): the request enters the
department's pool like any other, one open request at a time; the link opens its revisit page only, never
a questionnaire, and a questionnaire link never asks for revisits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from chalicelib.followup.contracts.questionnaires import PatientRevisitBody, RevisitLinkCreate
from chalicelib.followup.service import links, revisits

from shared.errors import Conflict, NotFound, Unauthenticated
from tests.unit.followup.fakes import FakeLinkLookup
from tests.unit.followup.test_followup_links import DOCTOR, NOW, STRANGER, World


def revisit_link(world: World, who: Any = DOCTOR, **body: Any) -> Any:
    return links.create_revisit_link(
        who,
        "p1",
        RevisitLinkCreate(**body),
        "r",
        "https://fh.example.cn",
        store=world.store.as_caller(who),
        directory=world.directory,
        vault=world.vault,
        now=NOW,
    )


def ask(world: World, token: str, text: str = "苯磺酸氨氯地平 5mg", minutes: int = 1) -> Any:
    return links.ask_revisit(
        token,
        PatientRevisitBody(ask="renew", text=text),
        "r",
        FakeLinkLookup(world.store.tables),
        world._store_of,
        world.directory,
        world.vault,
        NOW + timedelta(minutes=minutes),
    )


def page(world: World, token: str) -> Any:
    return links.open_revisit(
        token, FakeLinkLookup(world.store.tables), world._store_of, world.vault, NOW + timedelta(minutes=1)
    )


def token_of(made: Any) -> str:
    return str(made.path.split("/p/", 1)[1].removesuffix("/revisit"))


def test_a_patient_asks_through_the_link_and_the_departments_doctors_are_told() -> None:
    world = World()
    made = revisit_link(world)
    assert (made.patient_label, made.department_name) == ("张*", "心内科")
    assert made.url.startswith("https://fh.example.cn/followup/p/") and made.url.endswith("/revisit")
    assert "p1" not in made.path and made.expires_at == NOW + timedelta(days=30)
    token = token_of(made)
    shown = page(world, token)
    assert (shown.patient_label, shown.department_name, shown.can_ask, shown.latest) == (
        "张*",
        "心内科",
        True,
        None,
    )
    assert [a.label for a in shown.asks] == ["续方", "预约复诊", "咨询"]

    receipt = ask(world, token)
    assert receipt.state == "pool"
    (revisit,) = world.store.tables.revisits.values()
    assert (revisit.channel, revisit.department_id, revisit.summary) == (
        "link",
        "d-card",
        "续方：苯磺酸氨氯地平 5mg",
    )
    assert revisit.requested_by_name == links.LINK_ACTOR_NAME
    (event,) = [e for e in world.published if e.type == "followup.revisit.requested"]
    assert sorted(event.data["notify"]) == ["doc-1", "doc-2"] and event.data["patient_label"] == "张*"

    # one open request at a time: a second while the first waits is refused, and the page says why
    with pytest.raises(Conflict):
        ask(world, token, "再问一次", minutes=2)
    assert page(world, token).can_ask is False and page(world, token).latest.state_label == "等待医生接单"

    # a doctor takes it and closes it: the patient sees who, then may ask again
    revisits.claim(
        DOCTOR, revisit.id, store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )
    assert page(world, token).latest.doctor_name == "李医生"
    revisits.close(
        DOCTOR,
        revisit.id,
        revisits.models.CloseRevisit(resolution="called"),
        store=world.store.as_caller(DOCTOR),
        directory=world.directory,
        now=NOW,
    )
    assert page(world, token).can_ask is True
    ask(world, token, "预约下周复诊", minutes=3)
    assert len(world.store.tables.revisits) == 2


def test_the_link_is_for_revisits_only_and_only_for_staff_who_reach_the_patient() -> None:
    world = World()
    token = token_of(revisit_link(world))
    with pytest.raises(Unauthenticated):
        world.open(token)  # a revisit link opens no questionnaire
    world.task()
    questionnaire_link = world.link()
    q_token = questionnaire_link.path.split("/p/", 1)[1]
    with pytest.raises(Unauthenticated):
        ask(world, q_token)  # a questionnaire link asks for no revisit
    with pytest.raises(Unauthenticated):
        page(world, q_token)
    with pytest.raises(NotFound) as hidden:
        revisit_link(world, STRANGER)
    assert "p1" not in str(hidden.value)


def test_a_revoked_or_expired_revisit_link_is_401() -> None:
    world = World()
    made = revisit_link(world, days=1)
    token = token_of(made)
    with pytest.raises(Unauthenticated):
        ask(world, token, minutes=60 * 24 + 1)
    links.revoke_link(
        DOCTOR, made.id, "r", store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )
    with pytest.raises(Unauthenticated):
        ask(world, token)
    assert world.store.tables.revisits == {}


def test_an_alert_with_no_responsible_doctor_goes_to_the_care_teams_members() -> None:
    from chalicelib.followup.domain.teams import CareTeam, TeamMember

    world = World()
    team = CareTeam(
        id="team-1",
        name="城东家庭医生团队",
        department_id="d-card",
        members=[
            TeamMember(staff_id="doc-2", name="王医生", role="doctor"),
            TeamMember(staff_id="nurse-1", name="护士", role="nurse"),
        ],
        created_at=NOW,
        updated_at=NOW,
    )
    world.store.tables.teams[("t1", "team-1")] = team
    task = world.task(doctor="").model_copy(update={"team_id": "team-1", "team_name": "城东家庭医生团队"})
    world.store.tables.tasks[("t1", task.id)] = task
    link = world.link()
    world.submit(
        link.path.split("/p/", 1)[1], {"measured_on": "2026-12-05", "systolic": 182, "diastolic": 96}
    )
    (alert,) = [e for e in world.published if e.type == "followup.alert.raised"]
    assert sorted(alert.data["notify"]) == ["doc-2", "nurse-1"]
