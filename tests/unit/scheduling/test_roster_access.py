"""Who may roster a ward and who may read its roster (``service/access.py``), on the fake directory."""

from __future__ import annotations

import pytest
from chalicelib.scheduling.service import access

from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from tests.unit.scheduling.fakes import FakeDirectory, Person

T = "t-hospital"


def hospital() -> FakeDirectory:
    """院区 › 内科 (科主任 s-dir) › 心内科病区 (护士长 s-hn1), 呼吸科病区; 院区 › 外科 › 普外病区."""
    d = FakeDirectory()
    d.add_unit(T, "campus", "本部", kind="campus")
    d.add_unit(T, "med", "内科", parent_id="campus", head_id="s-dir", kind="department")
    d.add_unit(T, "w-cardio", "心内科病区", parent_id="med", head_id="s-hn1")
    d.add_unit(T, "w-resp", "呼吸科病区", parent_id="med")
    d.add_unit(T, "surg", "外科", parent_id="campus", kind="department")
    d.add_unit(T, "w-gen", "普外病区", parent_id="surg", head_id="s-sch")
    d.add_unit("t-other", "w-else", "别院病区")
    for staff_id, unit, roles in [
        ("s-hn1", "w-cardio", ("head_nurse",)),
        ("s-hnmed", "med", ("head_nurse",)),
        ("s-sch", "w-resp", ()),
        ("s-n1", "w-cardio", ("nurse",)),
        ("s-dir", "med", ("department_head",)),
        ("s-gone", "med", ("head_nurse",)),
    ]:
        d.people[(T, staff_id)] = Person(staff_id, staff_id, unit, roles=roles)
    d.people[(T, "s-gone")] = Person("s-gone", "s-gone", "med", status="left")
    return d


def who(staff_id: str, *roles: str, tenant: str = T) -> Principal:
    return Principal(tenant=tenant, user=f"u-{staff_id}", staff_id=staff_id, roles=frozenset(roles))


ADMIN = Principal(tenant=T, user="admin", roles=frozenset({"hospital_admin"}))


@pytest.mark.parametrize(
    ("principal", "ward", "allowed"),
    [
        (ADMIN, "w-gen", True),  # an admin rosters any ward
        (who("s-hn1", "head_nurse"), "w-cardio", True),  # her own unit (and she heads it)
        (who("s-hn1", "head_nurse"), "w-resp", False),  # a sister ward is not hers
        (who("s-hnmed", "head_nurse"), "w-cardio", True),  # 内科's head nurse: the wards under it
        (who("s-hnmed", "head_nurse"), "w-resp", True),
        (who("s-hnmed", "head_nurse"), "w-gen", False),  # not 外科's
        (who("s-sch", "scheduler"), "w-resp", True),  # a scheduler: her own unit
        (who("s-sch", "scheduler"), "w-gen", True),  # and the unit she heads, wherever she sits
        (who("s-sch", "scheduler"), "w-cardio", False),
        (who("s-gone", "head_nurse"), "w-cardio", False),  # left: her old unit gives her nothing
    ],
)
def test_who_rosters_which_ward(principal: Principal, ward: str, allowed: bool) -> None:
    directory = hospital()
    if allowed:
        assert access.require_rosterer(principal, ward, directory).id == ward  # type: ignore[arg-type]
    else:
        with pytest.raises(Forbidden, match="your own unit"):
            access.require_rosterer(principal, ward, directory)  # type: ignore[arg-type]


def test_the_ward_comes_back_with_its_name_for_responses() -> None:
    ward = access.require_rosterer(who("s-hn1", "head_nurse"), "w-cardio", hospital())  # type: ignore[arg-type]
    assert (ward.id, ward.name) == ("w-cardio", "心内科病区")


def test_without_a_rostering_role_nobody_rosters_not_even_the_head_of_the_department() -> None:
    directory = hospital()
    for principal in (who("s-n1", "nurse"), who("s-dir", "department_head")):
        with pytest.raises(Forbidden, match="head_nurse, scheduler or hospital_admin"):
            access.require_rosterer(principal, "w-cardio", directory)  # type: ignore[arg-type]
    assert directory.reads == []  # the role alone decided: nothing was read


def test_an_unknown_ward_or_another_hospitals_is_a_404_that_does_not_echo_the_id() -> None:
    directory = hospital()
    for ward in ("w-nowhere", "w-else"):
        with pytest.raises(NotFound) as missing:
            access.require_rosterer(ADMIN, ward, directory)  # type: ignore[arg-type]
        assert ward not in str(missing.value)
        with pytest.raises(NotFound):
            access.can_read_ward(who("s-n1", "nurse"), ward, directory)  # type: ignore[arg-type]


def test_a_decision_reads_the_units_once_and_the_callers_record_at_most_once() -> None:
    directory = hospital()
    access.require_rosterer(ADMIN, "w-cardio", directory)  # type: ignore[arg-type]
    assert directory.reads == ["Query"]  # an admin: only whether the ward exists
    directory.reads.clear()
    wards = access.require_rosterer_all(who("s-hnmed", "head_nurse"), ["w-cardio", "w-resp"], directory)  # type: ignore[arg-type]
    assert [w.name for w in wards] == ["心内科病区", "呼吸科病区"]  # a group of wards (分组排班)
    assert sorted(directory.reads) == ["GetItem", "Query"]


def test_a_group_is_refused_when_one_of_its_wards_is_not_the_callers() -> None:
    with pytest.raises(Forbidden):
        access.require_rosterer_all(who("s-hn1", "head_nurse"), ["w-cardio", "w-resp"], hospital())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("principal", "ward", "allowed"),
    [
        (who("s-n1", "nurse"), "w-cardio", True),  # her own ward's grid
        (who("s-n1", "nurse"), "w-resp", False),  # not another ward's
        (who("s-dir", "department_head"), "w-cardio", True),  # the 科主任 above the ward
        (who("s-dir", "department_head"), "w-gen", False),
        (who("s-hnmed", "head_nurse"), "w-resp", True),  # its rosterers
        (ADMIN, "w-gen", True),
        (
            Principal(tenant=T, user="app", kind="partner", roles=frozenset({"hospital_admin"})),
            "w-gen",
            False,
        ),
    ],
)
def test_who_reads_a_wards_grid(principal: Principal, ward: str, allowed: bool) -> None:
    directory = hospital()
    assert access.can_read_ward(principal, ward, directory) is allowed  # type: ignore[arg-type]
    if allowed:
        assert access.require_reader(principal, ward, directory).id == ward  # type: ignore[arg-type]
    else:
        with pytest.raises(Forbidden, match="its rosterers, its department head and its own staff"):
            access.require_reader(principal, ward, directory)  # type: ignore[arg-type]
