"""Consent to follow-up decides whether anyone follows the patient up: a patient who refused at discharge
is recorded, not enrolled; withdrawing consent cancels their open tasks and no link is sent to them; the
lifelong extension ends their plan instead of extending it."""

from __future__ import annotations

from datetime import date

import pytest
from chalicelib.followup.contracts import patients as models
from chalicelib.followup.service import intake, patients

from shared.errors import Conflict
from tests.unit.followup.fakes import FakeExtensionsDue
from tests.unit.followup.test_followup_intake import DOCTOR, World, discharge


@pytest.fixture
def world() -> World:
    return World()


def test_a_patient_who_refuses_is_recorded_not_enrolled(world: World) -> None:
    done = world.post(discharge(consent_followup=False))
    assert not done.enrolled and done.reason == intake.NO_CONSENT and done.tasks == 0
    assert world.store.tables.tasks == {}
    (kept,) = world.store.tables.patients.values()
    assert kept.refuses("followup") and kept.consents["followup"].given is False


def test_withdrawing_consent_cancels_the_open_tasks_and_stops_links_and_the_plan(world: World) -> None:
    from chalicelib.followup.contracts.questionnaires import LinkCreate
    from chalicelib.followup.service import links

    done = world.post(discharge(diagnoses=["Z94.0"], procedure="55.69"))
    assert done.enrolled and done.tasks > 20
    pid = done.patient_id
    first_task = next(t for t in world.store.tables.tasks.values() if t.patient_id == pid)
    withdrawn = patients.change_consent(
        DOCTOR,
        pid,
        models.ConsentChange(purpose="followup", given=False),
        store=world.store.as_caller(DOCTOR),
        directory=world.directory,
    )
    assert [(c.purpose, c.active) for c in withdrawn.consents] == [("followup", False)]
    states = {t.state for t in world.store.tables.tasks.values() if t.patient_id == pid}
    assert states == {"cancelled"}, states  # more than 40: the rest in further transactions
    with pytest.raises(Conflict):
        links.create_link(
            DOCTOR,
            first_task.id,
            LinkCreate(),
            "r",
            store=world.store.as_caller(DOCTOR),
            directory=world.directory,
            vault=world.vault,
        )
    # the nightly extension ends the plan rather than making next year's tasks
    made = intake.extend_due(
        date(2027, 10, 1),
        FakeExtensionsDue(world.store.tables),
        lambda tenant: world.store.for_tenant(tenant, DOCTOR),
    )
    assert made == 0
    (enrolment,) = world.store.tables.enrolments.values()
    assert enrolment.state == "ended"


def test_a_discharge_to_a_care_team_names_it_and_an_unknown_team_is_a_422(world: World) -> None:
    from datetime import UTC, datetime

    from chalicelib.followup.domain.teams import CareTeam

    from shared.errors import RuleViolation

    now = datetime(2026, 12, 1, tzinfo=UTC)
    world.store.tables.teams[("t-intake", "team-1")] = CareTeam(
        id="team-1", name="城东家庭医生团队", department_id="cardio", created_at=now, updated_at=now
    )
    done = world.post(discharge(team_id="team-1"))
    assert done.enrolment is not None and done.enrolment.team_name == "城东家庭医生团队"
    assert {t.team_name for t in world.store.tables.tasks.values()} == {"城东家庭医生团队"}
    with pytest.raises(RuleViolation) as bad:
        world.post(discharge(team_id="team-x", encounter_id="HIS-2"))
    assert bad.value.field == "team_id"
