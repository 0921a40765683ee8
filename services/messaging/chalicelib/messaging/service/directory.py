"""The directory's use cases: departments, staff and the audit trail, each change in one unit of work.

Each takes the store it works on (``store=``, and ``personal_data=`` where a mobile number is handled);
left out, ``service/wiring.py`` opens the DynamoDB one for the caller's hospital.
"""

from __future__ import annotations

import copy

from chalicelib.messaging.contracts.directory import (
    AuditEntry,
    Certificate,
    CreateDepartment,
    CreateStaff,
    Department,
    DepartmentNode,
    MoveDepartment,
    RevealedMobile,
    Staff,
    StaffQuery,
    UpdateDepartment,
    UpdateStaff,
)
from chalicelib.messaging.contracts.events import (
    DEPARTMENT_CREATED,
    DEPARTMENT_MOVED,
    DEPARTMENT_REMOVED,
    DEPARTMENT_UPDATED,
    STAFF_CREATED,
    STAFF_LEFT,
    STAFF_UPDATED,
    DepartmentChanged,
    StaffChanged,
)
from chalicelib.messaging.domain import directory as domain
from chalicelib.messaging.domain.ports import DirectoryStore, PersonalData
from chalicelib.messaging.domain.records import DepartmentRecord, StaffRecord
from chalicelib.messaging.domain.staff_search import search_key, search_tokens
from chalicelib.messaging.service import wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.personal import mask_mobile

ADMIN = "hospital_admin"
MAX_DEPTH = domain.MAX_DEPTH  # the deepest unit tree (and supervisor chain) the rules walk
STALE = domain.STALE


def _no_parent() -> RuleViolation:
    return RuleViolation("no such parent unit", field="parent_id")


def _no_department() -> RuleViolation:
    return RuleViolation("no such department", field="department_id")


def _department(record: DepartmentRecord) -> Department:
    return Department(
        id=record.id,
        name=record.name,
        kind=record.kind,
        parent_id=record.parent_id,
        head_id=record.head_id,
        version=record.version or 0,
        created_at=record.created_at,
    )


def _certificates(certs: list[Certificate]) -> list[dict[str, object]]:
    return [c.model_dump(mode="json") for c in certs]


def _staff(record: StaffRecord) -> Staff:
    return Staff(
        id=record.id,
        name=record.name,
        employee_no=record.employee_no,
        department_id=record.department_id,
        title=record.title,
        nurse_grade=record.nurse_grade,
        roles=list(record.roles),
        supervisor_id=record.supervisor_id,
        mobile=record.mobile_masked,
        user_id=record.user_id,
        certificates=record.certificates,
        status=record.status,
        version=record.version or 0,
        created_at=record.created_at,
    )


# --- departments -------------------------------------------------------------------------------


def _parent(store: DirectoryStore, parent_id: str | None) -> domain.ParentUnit | None:
    if not parent_id:
        return None
    found = store.departments.get(parent_id)
    if found is None:
        raise _no_parent()
    return domain.ParentUnit(found.id, found.kind, found.parent_id)


def create_department(
    principal: Principal, cmd: CreateDepartment, request_id: str, store: DirectoryStore | None = None
) -> Department:
    store = store or wiring.open_store(principal, request_id)
    domain.check_placement(cmd.kind, _parent(store, cmd.parent_id))
    now = now_utc()
    record = DepartmentRecord(
        id=new_id(), name=cmd.name, kind=cmd.kind, parent_id=cmd.parent_id, created_at=now, updated_at=now
    )
    with store:
        store.departments.create(record)
        if cmd.parent_id:
            store.departments.require(cmd.parent_id, _no_parent())  # it may be removed meanwhile
        store.emit(
            DEPARTMENT_CREATED.envelope(
                principal.tenant, DepartmentChanged(department_id=record.id, parent_id=cmd.parent_id)
            )
        )
        store.audit("department.create", "department", record.id, after=record)
        store.commit()  # the new unit gets its version (1)
    return _department(record)


def _load_department(store: DirectoryStore, department_id: str, version: int) -> DepartmentRecord:
    record = store.departments.get(department_id)
    if record is None:
        raise NotFound("department")
    if record.version != version:
        raise STALE
    return record


def update_department(
    principal: Principal,
    department_id: str,
    cmd: UpdateDepartment,
    request_id: str,
    store: DirectoryStore | None = None,
) -> Department:
    store = store or wiring.open_store(principal, request_id)
    record = _load_department(store, department_id, cmd.version)
    before = copy.deepcopy(record)
    changes = cmd.model_dump(exclude_unset=True, exclude={"version"})
    if "name" in changes and changes["name"] is None:
        raise RuleViolation("name cannot be removed", field="name")
    if changes.get("head_id"):
        head = store.staff.get(changes["head_id"])
        if head is None or head.status == "left":
            raise RuleViolation("no such active member of staff", field="head_id")
    for key, value in changes.items():
        setattr(record, key, value)
    record.updated_at = now_utc()
    with store:
        store.departments.save(record)
        store.emit(
            DEPARTMENT_UPDATED.envelope(
                principal.tenant, DepartmentChanged(department_id=record.id, parent_id=record.parent_id)
            )
        )
        store.audit("department.update", "department", record.id, before=before, after=record)
        store.commit()
    return _department(record)


def move_department(
    principal: Principal,
    department_id: str,
    cmd: MoveDepartment,
    request_id: str,
    store: DirectoryStore | None = None,
) -> Department:
    store = store or wiring.open_store(principal, request_id)
    record = _load_department(store, department_id, cmd.version)
    before = copy.deepcopy(record)
    domain.check_placement(record.kind, _parent(store, cmd.parent_id))
    domain.check_move(record.id, cmd.parent_id, lambda unit_id: _parent(store, unit_id))
    record.parent_id = cmd.parent_id
    record.updated_at = now_utc()
    with store:
        store.departments.save(record)
        if cmd.parent_id:
            store.departments.require(cmd.parent_id, _no_parent())
        store.emit(
            DEPARTMENT_MOVED.envelope(
                principal.tenant, DepartmentChanged(department_id=record.id, parent_id=cmd.parent_id)
            )
        )
        store.audit("department.move", "department", record.id, before=before, after=record)
        store.commit()
    return _department(record)


def get_department(
    principal: Principal, department_id: str, store: DirectoryStore | None = None
) -> Department:
    record = (store or wiring.open_store(principal)).departments.get(department_id)
    if record is None:
        raise NotFound("department")
    return _department(record)


def list_departments(
    principal: Principal, limit: int, cursor: str | None, store: DirectoryStore | None = None
) -> Page[Department]:
    """A page of the hospital's units, each head named (one Query, and one BatchGetItem when a unit on
    the page has a head)."""
    store = store or wiring.open_store(principal)
    units, next_cursor = store.departments.page(limit, cursor)
    names = _names(store, [u.head_id for u in units])
    return Page[Department].of(
        (units, next_cursor),
        lambda u: _department(u).model_copy(update={"head_name": names.get(u.head_id or "")}),
    )


def _names(store: DirectoryStore, ids: list[str | None]) -> dict[str, str]:
    """The display names of the people a page names (the first 100 distinct; one BatchGetItem, none when
    the page names nobody)."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    return store.staff.names(wanted) if wanted else {}


def department_tree(principal: Principal, store: DirectoryStore | None = None) -> list[DepartmentNode]:
    """The hospital's units nested under their parents (roots first, each level by name), from one Query
    of its units. No member counts: counting needs every staff record of the hospital read."""
    store = store or wiring.open_store(principal)
    units = store.departments.all()
    names = _names(store, [u.head_id for u in units])
    nodes = {
        u.id: DepartmentNode(
            id=u.id,
            name=u.name,
            kind=u.kind,
            head_id=u.head_id,
            head_name=names.get(u.head_id or ""),
            version=u.version or 0,
        )
        for u in units
    }
    roots: list[DepartmentNode] = []
    for unit in sorted(units, key=lambda u: (u.name, u.id)):
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent is not None else roots).append(nodes[unit.id])
    return roots


def remove_department(
    principal: Principal,
    department_id: str,
    version: int | None,
    request_id: str,
    store: DirectoryStore | None = None,
) -> None:
    """Remove an empty unit: none of its staff still there (only people who left may name it) and no
    unit under it, else a 409 saying what it holds. Audited and published (``department.removed``);
    once removed its name resolves nowhere (pickers, the tree, imports read the same units)."""
    store = store or wiring.open_store(principal, request_id)
    record = store.departments.get(department_id)
    if record is None:
        raise NotFound("department")
    if version is not None and record.version != version:
        raise STALE
    children = sorted(u.name for u in store.departments.all() if u.parent_id == department_id)
    staff = store.staff.count_in(department_id)
    if children or staff:
        raise Conflict(
            f"{record.name} still holds staff: {staff}, units under it: {len(children)} "
            f"({'、'.join(children) or '-'}); move or remove them first"
        )
    with store:
        store.departments.remove(record)
        store.emit(
            DEPARTMENT_REMOVED.envelope(
                principal.tenant, DepartmentChanged(department_id=record.id, parent_id=record.parent_id)
            )
        )
        store.audit("department.remove", "department", record.id, before=record)
        store.commit()


# --- staff -------------------------------------------------------------------------------------


def _set_mobile(
    record: StaffRecord, tenant: str, mobile: str | None, personal_data: PersonalData | None
) -> None:
    """The use case decides what is kept of a mobile: encrypted, masked and a blind index, never clear."""
    if mobile is None:
        record.mobile_encrypted = record.mobile_masked = record.mobile_index = None
        return
    personal_data = personal_data or wiring.personal_data()
    record.mobile_encrypted = personal_data.encrypt(tenant, mobile)
    record.mobile_masked = mask_mobile(mobile)
    record.mobile_index = personal_data.digest(tenant, "mobile", mobile)


def _check_supervisor(store: DirectoryStore, staff_id: str, supervisor_id: str | None) -> None:
    if supervisor_id is None:
        return
    supervisor = store.staff.get(supervisor_id)
    if supervisor is None or supervisor.status == "left":
        raise RuleViolation("no such active member of staff", field="supervisor_id")
    chain = [s.id for s in store.staff.supervisors(supervisor_id, domain.MAX_DEPTH)]
    domain.check_supervisor(staff_id, supervisor_id, chain)


def _keep_reminders_in_step(
    store: DirectoryStore, staff_id: str, before: list[dict[str, object]], after: list[dict[str, object]]
) -> None:
    """Add reminders for new certificates, drop those of removed or renewed ones (same transaction)."""
    removed, added = domain.reminder_changes(staff_id, before, after)
    for key in removed:
        store.reminders.remove(key)
    for reminder in added:
        store.reminders.add(reminder)


def create_staff(
    principal: Principal,
    cmd: CreateStaff,
    request_id: str,
    store: DirectoryStore | None = None,
    personal_data: PersonalData | None = None,
) -> Staff:
    tenant = principal.tenant
    store = store or wiring.open_store(principal, request_id)
    staff_id = new_id()
    _check_supervisor(store, staff_id, cmd.supervisor_id)
    now = now_utc()
    record = StaffRecord(
        id=staff_id,
        name=cmd.name,
        employee_no=cmd.employee_no,
        department_id=cmd.department_id,
        title=cmd.title,
        nurse_grade=cmd.nurse_grade,
        roles=list(cmd.roles),
        supervisor_id=cmd.supervisor_id,
        search_tokens=search_tokens(cmd.name, cmd.employee_no),
        user_id=cmd.user_id,
        certificates=_certificates(cmd.certificates),
        created_at=now,
        updated_at=now,
    )
    _set_mobile(record, tenant, cmd.mobile, personal_data)
    with store:
        store.staff.create(record)  # and the claim on the 工号: Conflict if the hospital has it already
        store.departments.require(cmd.department_id, _no_department())
        _keep_reminders_in_step(store, staff_id, [], record.certificates)
        store.emit(
            STAFF_CREATED.envelope(tenant, StaffChanged(staff_id=staff_id, department_id=cmd.department_id))
        )
        store.audit("staff.create", "staff", staff_id, after=record)
        store.commit()  # the new record gets its version (1)
    return _staff(record)


def _load_staff(store: DirectoryStore, staff_id: str, version: int | None = None) -> StaffRecord:
    record = store.staff.get(staff_id)
    if record is None:
        raise NotFound("staff")
    if version is not None and record.version != version:
        raise STALE
    return record


def update_staff(
    principal: Principal,
    staff_id: str,
    cmd: UpdateStaff,
    request_id: str,
    store: DirectoryStore | None = None,
    personal_data: PersonalData | None = None,
) -> Staff:
    tenant = principal.tenant
    store = store or wiring.open_store(principal, request_id)
    record = _load_staff(store, staff_id, cmd.version)
    if record.status == "left":
        raise Conflict("this member of staff has left; their record is kept as history")
    before = copy.deepcopy(record)
    changes = cmd.model_dump(exclude_unset=True, exclude={"version"})
    for required in ("name", "department_id", "roles"):
        if required in changes and changes[required] is None:
            raise RuleViolation(f"{required} cannot be removed", field=required)
    if "supervisor_id" in changes:
        _check_supervisor(store, staff_id, changes["supervisor_id"])
    if "mobile" in changes:
        _set_mobile(record, tenant, changes.pop("mobile"), personal_data)
    if "certificates" in changes:
        record.certificates = _certificates(cmd.certificates or [])
        changes.pop("certificates")
    for key, value in changes.items():
        setattr(record, key, value)
    record.search_tokens = search_tokens(record.name, record.employee_no)  # a rename replaces them
    record.updated_at = now_utc()
    before_sign_in = domain.sign_in_subject(before.user_id, staff_id)
    rebound = domain.sign_in_subject(record.user_id, staff_id) != before_sign_in
    with store:
        # A new sign-in is claimed (create-only) and the old one dropped: the old sign-in stops at once.
        store.staff.save(record, previous_sign_in=before_sign_in if rebound else None, before=before)
        if "department_id" in changes:
            store.departments.require(record.department_id, _no_department())
        if record.certificates != before.certificates:
            _keep_reminders_in_step(store, staff_id, before.certificates, record.certificates)
        store.emit(
            STAFF_UPDATED.envelope(
                tenant, StaffChanged(staff_id=staff_id, department_id=record.department_id)
            )
        )
        store.audit("staff.update", "staff", staff_id, before=before, after=record)
        store.commit()
    return _staff(record)


def leave_staff(
    principal: Principal, staff_id: str, version: int, request_id: str, store: DirectoryStore | None = None
) -> Staff:
    """Someone leaves: the record stays as history, their roles (and so their access) are revoked."""
    tenant = principal.tenant
    store = store or wiring.open_store(principal, request_id)
    record = _load_staff(store, staff_id, version)
    domain.check_can_leave(record.status)
    before = copy.deepcopy(record)
    record.status, record.roles, record.left_at, record.updated_at = "left", [], now_utc(), now_utc()
    with store:
        store.staff.save(record, before=before)  # out of the search, into the search of those who left
        store.emit(
            STAFF_LEFT.envelope(tenant, StaffChanged(staff_id=staff_id, department_id=record.department_id))
        )
        store.audit("staff.leave", "staff", staff_id, before=before, after=record)
        store.commit()
    return _staff(record)


def get_staff(principal: Principal, staff_id: str, store: DirectoryStore | None = None) -> Staff:
    return _for(principal, _staff(_load_staff(store or wiring.open_store(principal), staff_id)))


def _for(principal: Principal, staff: Staff) -> Staff:
    """What the caller may read of a member of staff: a partner app (``directory:read``) their name, unit,
    title and roles — not their (masked) mobile, their sign-in or their certificates."""
    if principal.kind != "partner":
        return staff
    return staff.model_copy(update={"mobile": None, "user_id": None, "certificates": []})


def list_staff(principal: Principal, query: StaffQuery, store: DirectoryStore | None = None) -> Page[Staff]:
    """The hospital's staff by id, or with ``q`` those it finds (one Query on the search index either
    way): matches come on the first page, the people who have left only with ``status=left``."""
    store = store or wiring.open_store(principal)
    staff = store.staff
    key = search_key(query.q) if query.q else ""
    if key:
        records, next_cursor = staff.search(key, query.limit, query.cursor, query.department_id, query.status)
    else:
        records, next_cursor = staff.page(query.limit, query.cursor, query.department_id, query.status)
    names = _names(store, [r.supervisor_id for r in records])
    return Page[Staff].of(
        (records, next_cursor),
        lambda r: _for(principal, _staff(r)).model_copy(
            update={"supervisor_name": names.get(r.supervisor_id or "")}
        ),
    )


def reindex_staff(principal: Principal, store: DirectoryStore | None = None) -> tuple[int, int]:
    """Give every member of staff of the hospital the search entries their name and 工号 make now (staff
    added before search had its index, or after the tokens changed): one transaction per person whose
    tokens differ, nothing for the others, so running it again changes nothing. Returns (reindexed,
    already right). The record's version moves on, as for any change to it."""
    store = store or wiring.open_store(principal, "reindex")
    reindexed = unchanged = 0
    cursor: str | None = None
    while True:
        records, cursor = store.staff.page(200, cursor, None, None)
        for record in records:
            tokens = search_tokens(record.name, record.employee_no)
            if tokens == record.search_tokens:
                unchanged += 1
                continue
            before = copy.deepcopy(record)
            record.search_tokens = tokens
            with store:
                store.staff.save(record, before=before)
                store.commit()
            reindexed += 1
        if not cursor:
            return reindexed, unchanged


def reveal_mobile(
    principal: Principal,
    staff_id: str,
    request_id: str,
    store: DirectoryStore | None = None,
    personal_data: PersonalData | None = None,
) -> RevealedMobile:
    """The full mobile number: only to the person themselves and to admins, and always audited."""
    store = store or wiring.open_store(principal, request_id)
    record = _load_staff(store, staff_id)
    if ADMIN not in principal.roles and (not record.user_id or record.user_id != principal.user):
        raise Forbidden("only the person themselves or a hospital admin may see the full number")
    store.trail.record_access("staff", staff_id, ["mobile"])
    mobile = (
        (personal_data or wiring.personal_data()).decrypt(principal.tenant, record.mobile_encrypted)
        if record.mobile_encrypted
        else None
    )
    return RevealedMobile(staff_id=staff_id, mobile=mobile)


def my_colleagues(
    principal: Principal, limit: int, cursor: str | None, store: DirectoryStore | None = None
) -> Page[Staff]:
    store = store or wiring.open_store(principal)
    # the record the directory binds the sign-in to (shared.standing), like every other route
    me = store.staff.get(principal.staff_id) if principal.staff_id else None
    if me is None:
        raise NotFound("staff record for this user")
    return list_staff(
        principal,
        StaffQuery(limit=limit, cursor=cursor, department_id=me.department_id, status="active"),
        store=store,
    )


def audit_trail(
    principal: Principal,
    resource_type: str,
    resource_id: str,
    limit: int,
    cursor: str | None,
    store: DirectoryStore | None = None,
) -> Page[AuditEntry]:
    entries, next_cursor = (store or wiring.open_store(principal)).trail.page(
        resource_type, resource_id, limit, cursor
    )
    return Page[AuditEntry](
        items=[
            AuditEntry(
                at=e.at,
                actor=e.actor,
                actor_name=e.actor_name,
                action=e.action,
                resource_type=e.resource_type,
                resource_id=e.resource_id,
                before=e.before,
                after=e.after,
                request_id=e.request_id,
            )
            for e in entries
        ],
        next_cursor=next_cursor,
    )
