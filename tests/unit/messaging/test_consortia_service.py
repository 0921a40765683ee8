"""Consortium links' use cases on the in-memory fakes (no AWS): create, invite, accept, decline, leave,
remove, the roster and each hospital's own list, the 404s that keep another hospital's consortium out of
sight, the races the transaction's conditions settle, and each person's cross-hospital groups.

``tests/service/test_consortium.py`` keeps the routes end to end on moto (status codes, problem+json,
roles, the outbox); ``tests/service/test_messaging_store.py`` checks the fakes against the DynamoDB store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from chalicelib.messaging.contracts.consortia import AcceptInvitation, CreateConsortium, InviteHospital
from chalicelib.messaging.domain.records import ConsortiumGroupPointer, ConsortiumLink
from chalicelib.messaging.service import consortia

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from tests.unit.messaging.fakes import ConsortiumTables, FakeConsortiumStore

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@dataclass
class World:
    """Hospitals sharing one set of tables; ``published`` is every committed event, in order."""

    tables: ConsortiumTables = field(default_factory=ConsortiumTables)
    published: list[Any] = field(default_factory=list)

    def hospital(self, tenant: str, name: str | None = None) -> Hospital:
        """A hospital the province onboarded (under ``name``, by default its id)."""
        self.tables.hospitals[tenant] = name or tenant
        return Hospital(tenant, self)

    def events(self, consortium_id: str) -> list[tuple[str, str, str]]:
        """(tenant the event went out under, type, the hospital it is about) of one consortium."""
        return [
            (e.tenant, e.type, e.data["hospital_id"])
            for e in self.published
            if e.data["consortium_id"] == consortium_id
        ]


@dataclass
class Hospital:
    id: str
    world: World

    @property
    def admin(self) -> Principal:
        return Principal(tenant=self.id, user=f"admin-{self.id}", roles=frozenset({"hospital_admin"}))

    def do(self, use_case: Callable[..., Any], *args: Any, who: Principal | None = None) -> Any:
        """Run a use case as this hospital's admin (or ``who``) on a fresh store, as a request does."""
        store = FakeConsortiumStore(self.id, self.world.tables)
        try:
            return use_case(who or self.admin, *args, store=store)
        finally:
            self.world.published += store.uow.published

    def create(self, name: str = "滨江医共体", hospital_name: str = "滨江区人民医院", **extra: Any) -> str:
        cmd = CreateConsortium.model_validate({"name": name, "hospital_name": hospital_name, **extra})
        return str(self.do(consortia.create, cmd, "req-1").id)

    def invite(self, cid: str, hospital_id: str, name: str | None = None) -> Any:
        return self.do(
            consortia.invite, cid, InviteHospital(hospital_id=hospital_id, hospital_name=name), "r"
        )

    def accept(self, cid: str, hospital_name: str = "浦沿镇卫生院") -> Any:
        return self.do(consortia.accept, cid, AcceptInvitation(hospital_name=hospital_name), "r")

    def mine(self, limit: int = 50, cursor: str | None = None) -> Any:
        return self.do(consortia.mine, limit, cursor)

    def roster(self, cid: str) -> list[tuple[str, str | None, str, str]]:
        page = self.do(consortia.members, cid, 50, None)
        return [(m.id, m.hospital_name, m.role, m.status) for m in page.items]


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def lead(world: World) -> Hospital:
    return world.hospital("t-lead")


@pytest.fixture
def town(world: World) -> Hospital:
    return world.hospital("t-town")


@pytest.fixture
def other(world: World) -> Hospital:
    return world.hospital("t-other")


def joined(lead: Hospital, town: Hospital) -> str:
    cid = lead.create()
    lead.invite(cid, town.id)
    town.accept(cid)
    return cid


# --- create, invite, accept -----------------------------------------------------------------------


def test_a_new_consortium_is_led_by_its_creator_alone(world: World, lead: Hospital) -> None:
    cid = lead.create(name="医联体", hospital_name="市一院", kind="medical_alliance")
    got = lead.do(consortia.get, cid)
    assert (got.id, got.name, got.kind, got.lead_hospital_id, got.my_role, got.my_status) == (
        cid,
        "医联体",
        "medical_alliance",
        lead.id,
        "lead",
        "active",
    )
    assert lead.roster(cid) == [(lead.id, "市一院", "lead", "active")]
    assert world.events(cid) == [(lead.id, "consortium.created", lead.id)]
    assert world.tables.audits == [
        ("consortium.create", "consortium", cid, None, {"name": "医联体", "kind": "medical_alliance"})
    ]


def test_an_invitation_is_seen_by_the_invited_hospital_only_and_a_retry_answers_the_same(
    world: World, lead: Hospital, town: Hospital, other: Hospital
) -> None:
    cid = lead.create()
    invited = lead.invite(cid, town.id, "浦沿")
    assert (invited.id, invited.hospital_name, invited.role, invited.status) == (
        town.id,
        "浦沿",
        "member",
        "invited",
    )
    assert lead.invite(cid, town.id, "另一个名字") == invited  # a retry: the same invitation
    assert [(c.id, c.my_status, c.my_role, c.name) for c in town.mine().items] == [
        (cid, "invited", "member", "滨江医共体")
    ]
    assert town.do(consortia.get, cid).my_status == "invited"
    with pytest.raises(NotFound):
        town.do(consortia.members, cid, 50, None)  # no roster before joining
    assert other.mine().items == []
    assert world.events(cid) == [
        (lead.id, "consortium.created", lead.id),
        (lead.id, "consortium.invited", town.id),  # once: the retry changed nothing
    ]
    assert world.tables.audits[-1] == (
        "consortium.invite",
        "consortium",
        cid,
        None,
        {"hospital_id": town.id},
    )


def test_another_hospitals_consortium_is_a_404_whatever_is_tried(
    world: World, lead: Hospital, town: Hospital, other: Hospital
) -> None:
    cid = lead.create()
    lead.invite(cid, town.id)
    tries: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (consortia.get, (cid,)),
        (consortia.members, (cid, 50, None)),
        (consortia.accept, (cid, AcceptInvitation(hospital_name="冒名医院"), "r")),
        (consortia.decline, (cid, "r")),
        (consortia.leave, (cid, "r")),
        (consortia.invite, (cid, InviteHospital(hospital_id="t-x"), "r")),
        (consortia.remove, (cid, town.id, "r")),
    ]
    for use_case, args in tries:
        with pytest.raises(NotFound) as gone:
            other.do(use_case, *args)
        assert "滨江" not in str(gone.value)
    with pytest.raises(NotFound):
        lead.do(consortia.get, "no-such-consortium")
    assert [c.my_status for c in town.mine().items] == ["invited"]


def test_accepting_joins_both_sides_and_is_answered_once(
    world: World, lead: Hospital, town: Hospital
) -> None:
    cid = lead.create()
    lead.invite(cid, town.id)
    accepted = town.accept(cid, "浦沿镇卫生院")
    assert (accepted.my_status, accepted.my_role, accepted.lead_hospital_id) == ("active", "member", lead.id)
    with pytest.raises(NotFound):
        town.accept(cid, "x")  # answered already
    expected = [(lead.id, "滨江区人民医院", "lead", "active"), (town.id, "浦沿镇卫生院", "member", "active")]
    assert sorted(lead.roster(cid)) == sorted(expected)
    assert sorted(town.roster(cid)) == sorted(expected)
    assert world.events(cid)[-1] == (town.id, "consortium.joined", town.id)
    assert world.tables.audits[-1][0] == "consortium.accept"
    assert world.tables.audits[-1][4] == {"hospital_name": "浦沿镇卫生院"}


def test_invitations_the_rules_refuse(world: World, lead: Hospital, town: Hospital) -> None:
    cid = joined(lead, town)
    with pytest.raises(RuleViolation) as itself:
        lead.invite(cid, lead.id)
    assert itself.value.field == "hospital_id"
    with pytest.raises(Conflict, match="already a member"):
        lead.invite(cid, town.id)
    with pytest.raises(NotFound):
        town.invite(cid, "t-third")  # a member does not manage the roster
    assert len(world.tables.rosters) == 2


def test_only_a_hospital_of_the_province_can_be_invited_and_it_is_named_as_registered(
    world: World, lead: Hospital
) -> None:
    cid = lead.create()
    with pytest.raises(NotFound) as unknown:
        lead.invite(cid, "t-no-such-hospital")
    assert unknown.value.what == "hospital"
    assert len(world.tables.rosters) == 1 and len(world.tables.links) == 1  # nothing was written
    clinic = world.hospital("t-clinic", "浦沿镇卫生院")
    invited = lead.invite(cid, clinic.id)  # no name given: the province's record names it
    assert invited.hospital_name == "浦沿镇卫生院"
    assert [m[1] for m in lead.roster(cid)].count("浦沿镇卫生院") == 1


# --- decline, leave, remove -----------------------------------------------------------------------


def test_declining_removes_the_invitation_on_both_sides_and_the_lead_may_invite_again(
    world: World, lead: Hospital, town: Hospital
) -> None:
    cid = lead.create()
    lead.invite(cid, town.id)
    town.do(consortia.decline, cid, "r")
    assert town.mine().items == []
    assert [m[0] for m in lead.roster(cid)] == [lead.id]
    assert world.events(cid)[-1] == (town.id, "consortium.declined", town.id)
    assert world.tables.audits[-1] == (
        "consortium.decline",
        "consortium",
        cid,
        {"hospital_id": town.id, "status": "invited"},
        None,
    )
    with pytest.raises(NotFound):
        town.do(consortia.decline, cid, "r")  # nothing to decline any more
    assert lead.invite(cid, town.id).status == "invited"


def test_a_member_leaves_and_the_lead_leaves_only_once_alone(
    world: World, lead: Hospital, town: Hospital
) -> None:
    cid = joined(lead, town)
    with pytest.raises(Conflict, match="removing the other hospitals"):
        lead.do(consortia.leave, cid, "r")
    with pytest.raises(NotFound):
        town.do(consortia.decline, cid, "r")  # joined: there is no invitation to decline
    town.do(consortia.leave, cid, "r")
    assert town.mine().items == []
    with pytest.raises(NotFound):
        town.do(consortia.get, cid)
    assert [m[0] for m in lead.roster(cid)] == [lead.id]
    lead.do(consortia.leave, cid, "r")  # alone now: it dissolves
    assert lead.mine().items == []
    assert world.tables.links == {} and world.tables.rosters == {}
    assert world.events(cid) == [
        (lead.id, "consortium.created", lead.id),
        (lead.id, "consortium.invited", town.id),
        (town.id, "consortium.joined", town.id),
        (town.id, "consortium.left", town.id),
        (lead.id, "consortium.left", lead.id),
    ]


def test_the_lead_with_a_pending_invitation_is_not_alone(lead: Hospital, town: Hospital) -> None:
    cid = lead.create()
    lead.invite(cid, town.id)
    with pytest.raises(Conflict):
        lead.do(consortia.leave, cid, "r")


def test_the_lead_removes_a_member_or_withdraws_an_invitation(
    world: World, lead: Hospital, town: Hospital, other: Hospital
) -> None:
    cid = joined(lead, town)
    lead.do(consortia.remove, cid, town.id, "r")
    assert town.mine().items == [] and [m[0] for m in lead.roster(cid)] == [lead.id]
    assert world.events(cid)[-1] == (lead.id, "consortium.left", town.id)  # under the lead, about town
    assert world.tables.audits[-1][:4] == (
        "consortium.remove",
        "consortium",
        cid,
        {"hospital_id": town.id, "status": "active"},
    )

    lead.invite(cid, other.id)
    lead.do(consortia.remove, cid, other.id, "r")  # withdrawn
    with pytest.raises(NotFound):
        other.accept(cid)
    assert other.mine().items == []


def test_removals_the_rules_refuse(world: World, lead: Hospital, town: Hospital, other: Hospital) -> None:
    cid = joined(lead, town)
    with pytest.raises(RuleViolation) as itself:
        lead.do(consortia.remove, cid, lead.id, "r")
    assert itself.value.field == "hospital_id"
    with pytest.raises(NotFound, match="hospital in this consortium"):
        lead.do(consortia.remove, cid, other.id, "r")  # never invited
    with pytest.raises(NotFound):
        town.do(consortia.remove, cid, lead.id, "r")  # only the lead removes
    # Another lead's consortium is not this lead's to manage, nor is a link that names another lead.
    theirs = other.create()
    other.invite(theirs, town.id)
    with pytest.raises(NotFound):
        lead.do(consortia.remove, theirs, town.id, "r")
    assert [c.my_status for c in town.mine().items if c.id == theirs] == ["invited"]
    forged = ConsortiumLink("t-forged", cid, "x", "medical_community", other.id, "member", "active", AT)
    world.tables.links[("t-forged", cid)] = forged
    with pytest.raises(NotFound, match="hospital in this consortium"):
        lead.do(consortia.remove, cid, "t-forged", "r")
    assert ("t-forged", cid) in world.tables.links


# --- races the transaction settles ----------------------------------------------------------------


def test_an_invitation_withdrawn_while_accepting_is_a_404_and_joins_nobody(
    world: World, lead: Hospital, town: Hospital
) -> None:
    cid = lead.create()
    lead.invite(cid, town.id)
    del world.tables.rosters[(lead.id, cid, town.id)]  # the lead withdrew it meanwhile (half seen)
    with pytest.raises(NotFound):
        town.accept(cid)
    assert [c.my_status for c in town.mine().items] == ["invited"]  # all or nothing: the link unchanged
    assert [e[1] for e in world.events(cid)] == ["consortium.created", "consortium.invited"]


def race(monkeypatch: pytest.MonkeyPatch, hospital: Hospital, meanwhile: Callable[[], object]) -> None:
    """The next time ``hospital`` reads its link, ``meanwhile`` happens right after (once)."""
    read = consortia._link
    pending = [meanwhile]

    def racing(principal: Principal, *args: Any, **kwargs: Any) -> Any:
        found = read(principal, *args, **kwargs)
        if principal.tenant == hospital.id and pending:
            pending.pop()()
        return found

    monkeypatch.setattr(consortia, "_link", racing)


def test_an_invitation_answered_meanwhile_conflicts_and_joins_once(
    world: World, lead: Hospital, town: Hospital, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = lead.create()
    lead.invite(cid, town.id)
    race(monkeypatch, town, lambda: town.accept(cid, "另一位管理员"))
    with pytest.raises(Conflict, match="answered meanwhile"):
        town.accept(cid, "浦沿镇卫生院")
    assert (town.id, "另一位管理员", "member", "active") in lead.roster(cid)
    assert [e[1] for e in world.events(cid)].count("consortium.joined") == 1


def test_a_leave_racing_a_removal_is_a_404_and_leaves_once(
    world: World, lead: Hospital, town: Hospital, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = joined(lead, town)
    race(monkeypatch, town, lambda: lead.do(consortia.remove, cid, town.id, "r"))
    with pytest.raises(NotFound):
        town.do(consortia.leave, cid, "r")
    assert [e[1] for e in world.events(cid)].count("consortium.left") == 1
    assert [m[0] for m in lead.roster(cid)] == [lead.id]


# --- lists ----------------------------------------------------------------------------------------


def test_my_consortia_page_and_a_cursor_of_another_hospital_is_refused(
    lead: Hospital, town: Hospital, other: Hospital
) -> None:
    made = sorted(lead.create(name=f"医共体{n}") for n in range(5))
    for cid in made[:3]:
        lead.invite(cid, town.id)
    seen, cursor = [], None
    while True:
        page = lead.mine(limit=2, cursor=cursor)
        seen += [c.id for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == made
    cursor = lead.mine(limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(RuleViolation):
        town.mine(limit=1, cursor=cursor)
    assert [c.id for c in town.mine().items] == made[:3]


def test_my_cross_hospital_groups_newest_first_found_by_my_bound_sign_in(
    world: World, lead: Hospital, town: Hospital
) -> None:
    k1 = joined(lead, town)
    for n in range(3):
        pointer = ConsortiumGroupPointer(f"c{n}", f"转诊群{n}", k1, "t-lead", AT)
        world.tables.add_pointer(town.id, "s-zhou", pointer)
    world.tables.add_pointer(town.id, "s-other", ConsortiumGroupPointer("c9", "别人的", k1, "t-lead", AT))
    world.tables.add_pointer("t-elsewhere", "s-zhou", ConsortiumGroupPointer("c8", "x", k1, "t-lead", AT))
    # as the HTTP layer hands zhou over: the directory binds her sign-in to s-zhou (shared.standing)
    zhou = Principal(tenant=town.id, user="zhou", roles=frozenset({"doctor"}), staff_id="s-zhou")
    first = town.do(consortia.groups, 2, None, who=zhou)
    assert [(g.id, g.name, g.home_hospital_id, g.consortium_id) for g in first.items] == [
        ("c2", "转诊群2", "t-lead", k1),
        ("c1", "转诊群1", "t-lead", k1),
    ]
    rest = town.do(consortia.groups, 2, first.next_cursor, who=zhou)
    assert [g.id for g in rest.items] == ["c0"] and rest.next_cursor is None
    bound = Principal(tenant=town.id, user="sso-x", roles=frozenset({"doctor"}), staff_id="s-other")
    assert [g.id for g in town.do(consortia.groups, 10, None, who=bound).items] == ["c9"]
    stranger = Principal(tenant=town.id, user="nobody", roles=frozenset({"doctor"}))
    with pytest.raises(NotFound, match="staff record"):
        town.do(consortia.groups, 10, None, who=stranger)
    # once the town clinic has left the consortium, its groups there are closed to it: not listed
    town.do(consortia.leave, k1, "r")
    assert town.do(consortia.groups, 10, None, who=zhou).items == []
