"""The department tree and removing an empty unit, on the in-memory fakes (no AWS): the tree nested from
one read of the units, a unit removed only when nobody and nothing is left in it (else a 409 naming
what it holds), audited and published, and its name resolving nowhere afterwards.

``tests/service/test_directory_api.py`` keeps the two routes on moto (admins only, another hospital's
unit a 404); ``tests/service/test_messaging_store.py`` checks the store methods on both stores."""

from __future__ import annotations

import pytest
from chalicelib.messaging.domain.records import DepartmentRecord
from chalicelib.messaging.service import directory

from shared.errors import Conflict, NotFound
from tests.unit.messaging.fakes import FakeImportStore, ImportTables
from tests.unit.messaging.test_directory_service import ADMIN, TENANT, Hospital, who


@pytest.fixture
def h() -> Hospital:
    return Hospital()


def tree(h: Hospital, principal=ADMIN):  # type: ignore[no-untyped-def]
    def walk(nodes):  # type: ignore[no-untyped-def]
        return [(n.name, n.kind, walk(n.children)) for n in nodes]

    return walk(directory.department_tree(principal, store=h.store(principal)))


def test_the_tree_nests_units_under_their_parents(h: Hospital) -> None:
    east = h.department("东院区", kind="campus")
    medicine = h.department("内科", parent_id=east.id)
    h.department("心内一病区", kind="ward", parent_id=medicine.id)
    h.department("呼吸科", parent_id=east.id)
    h.department("药剂科")
    assert tree(h) == [
        (
            "东院区",
            "campus",
            [("内科", "department", [("心内一病区", "ward", [])]), ("呼吸科", "department", [])],
        ),
        ("药剂科", "department", []),
    ]
    assert tree(h, who("admin", "hospital_admin", tenant="h-other")) == []  # another hospital's: nothing


def test_an_empty_unit_is_removed_audited_and_published(h: Hospital) -> None:
    medicine = h.department("内科")
    ward = h.department("心内一病区", kind="ward", parent_id=medicine.id)
    directory.remove_department(ADMIN, ward.id, ward.version, "r", store=h.store())
    assert h.published()[-1] == ("department.removed", {"department_id": ward.id, "parent_id": medicine.id})
    assert h.audited()[-1] == ("department.remove", "department", ward.id)
    assert tree(h) == [("内科", "department", [])]
    with pytest.raises(NotFound):
        directory.get_department(ADMIN, ward.id, store=h.store())
    with pytest.raises(NotFound):  # again (a retry): it is gone
        directory.remove_department(ADMIN, ward.id, None, "r", store=h.store())
    # its name resolves nowhere: an import reads the same units
    assert [u.name for u in FakeImportStore(TENANT, h.tables, ImportTables()).departments()] == ["内科"]
    with pytest.raises(Exception, match="no such department"):
        h.add_staff(ward.id, "新人", "N1")


def test_a_unit_that_still_holds_staff_or_units_is_a_409_saying_what(h: Hospital) -> None:
    medicine = h.department("内科")
    h.department("心内科", parent_id=medicine.id)
    h.department("呼吸科", parent_id=medicine.id)
    h.add_staff(medicine.id, "张三", "E1")
    h.add_staff(medicine.id, "李四", "E2")
    gone = h.add_staff(medicine.id, "王五", "E3")
    directory.leave_staff(ADMIN, gone.id, gone.version, "r", store=h.store())
    with pytest.raises(Conflict) as refused:
        directory.remove_department(ADMIN, medicine.id, None, "r", store=h.store())
    assert (
        str(refused.value)
        == "内科 still holds staff: 2, units under it: 2 (呼吸科、心内科); move or remove them first"
    )
    assert ("department.remove", "department", medicine.id) not in h.audited()
    assert [e for e, _ in h.published() if e == "department.removed"] == []


def test_a_stale_version_or_a_change_meanwhile_is_a_409(h: Hospital) -> None:
    ward = h.department("心内一病区")
    directory.update_department(ADMIN, ward.id, _rename("心内二病区"), "r", store=h.store())
    with pytest.raises(Conflict):  # the version I read is not the unit's any more
        directory.remove_department(ADMIN, ward.id, ward.version, "r", store=h.store())
    renamed = h.tables.departments[(TENANT, ward.id)]
    store = h.store()
    with store:  # renamed between the read and the commit: the removal fails whole
        store.departments.remove(DepartmentRecord(**{**renamed.__dict__, "version": 1}))
        with pytest.raises(Conflict):
            store.commit()
    assert (TENANT, ward.id) in h.tables.departments


def _rename(name: str):  # type: ignore[no-untyped-def]
    from chalicelib.messaging.contracts.directory import UpdateDepartment

    return UpdateDepartment(version=1, name=name)
