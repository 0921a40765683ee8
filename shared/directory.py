"""The hospital directory read model: written by messaging, read by every service (one GetItem / Query).

Other services use the read functions at the bottom (a member of staff, a department and its head,
the supervisor chain, people by role in a department); only messaging writes these items.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from shared.persistence.models import Aggregate, Gsi1, TenantItem, now_utc, table_meta, tenant_key

STAFF_STATUSES = ("active", "on_leave", "left")
UNBOUND = "unbound"  # a sign-in's status once its person was bound to another subject


class DepartmentItem(Aggregate):
    ENTITY = "department"
    Meta = table_meta("directory")
    name = UnicodeAttribute()
    kind = UnicodeAttribute(default="department")
    parent_id = UnicodeAttribute(null=True)
    head_id = UnicodeAttribute(null=True)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "dept")


class StaffItem(Aggregate):
    ENTITY = "staff"
    Meta = table_meta("directory")
    name = UnicodeAttribute()
    employee_no = UnicodeAttribute()
    department_id = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    nurse_grade = UnicodeAttribute(null=True)
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    supervisor_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="active")
    left_at = UTCDateTimeAttribute(null=True)
    # Personal data: the mobile is stored encrypted (shared.crypto), with a masked copy for lists and a
    # blind index for exact lookups. Nothing else about it is stored in clear.
    mobile_encrypted = UnicodeAttribute(null=True)
    mobile_masked = UnicodeAttribute(null=True)
    mobile_index = UnicodeAttribute(null=True)
    # The tokens messaging's staff search finds this person by (one search entry each, same transaction).
    search_tokens = ListAttribute(of=UnicodeAttribute, default=list)
    certificates = UnicodeAttribute(default="[]")  # JSON [{"type", "number", "valid_until"}]
    # The identity provider's subject for this person, found through gsi1 (``<tenant>#user`` / user id).
    user_id = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_user = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "staff")

    @property
    def id(self) -> str:
        return str(self.sk)


class EmployeeNumberClaim(TenantItem):
    """Makes 工号 unique within a hospital: created in the same transaction as the staff member."""

    ENTITY = "staffno"
    Meta = table_meta("directory")
    staff_id = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "staffno")


class SignInItem(TenantItem):
    """Who a sign-in is in the directory: one per member of staff, keyed by the identity provider's
    subject bound to them (``user_id``), or by their staff id while none is bound (a token whose subject
    is the staff id). Written by messaging in the same transaction as the staff record; read by
    ``shared.standing`` on every staff request (one GetItem). Create-only per subject, so one sign-in
    is never bound to two people; a subject rebound away stays, ``unbound``, so it is refused rather
    than forgotten."""

    ENTITY = "signin"
    Meta = table_meta("directory")
    staff_id = UnicodeAttribute()
    status = UnicodeAttribute(default="active")
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    name = UnicodeAttribute(null=True)  # the person's display name, so what they write can carry it

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "signin")


class HospitalItem(TenantItem):
    """A hospital of the province (a tenant): ``pk = <tenant>#tenant``, ``sk = <tenant>``.

    Written when devops onboards the hospital (``fh tenant add``); read where one hospital names
    another (a consortium invitation), so only a hospital that exists can be invited, under its name.
    """

    Meta = table_meta("directory")
    name = UnicodeAttribute()
    province = UnicodeAttribute()
    timezone = UnicodeAttribute()
    status = UnicodeAttribute(default="active")
    created_at = UTCDateTimeAttribute(default=now_utc)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    listed = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "tenant")


# The province-wide index of hospitals (``gsi1pk`` of every HospitalItem, written by ``fh tenant add``): the
# only key that does not start with a tenant id.
PROVINCE_HOSPITALS = "_province#tenants"


def hospitals() -> list[HospitalItem]:
    """Every hospital onboarded in the province, by tenant id (the sweeps that work across hospitals)."""
    return list(HospitalItem.listed.query(PROVINCE_HOSPITALS))


def hospital(tenant: str) -> HospitalItem | None:
    """The province's record of hospital ``tenant``, if it was onboarded (one GetItem)."""
    try:
        return HospitalItem.get(HospitalItem.partition(tenant), tenant)
    except DoesNotExist:
        return None


def sign_in(tenant: str, subject: str) -> SignInItem | None:
    """The directory's binding of ``subject`` (a token's ``sub``), if any (one GetItem)."""
    try:
        return SignInItem.get(SignInItem.partition(tenant), subject)
    except DoesNotExist:
        return None


def get_department(tenant: str, department_id: str) -> DepartmentItem | None:
    try:
        return DepartmentItem.get(DepartmentItem.partition(tenant), department_id)
    except DoesNotExist:
        return None


def get_staff(tenant: str, staff_id: str) -> StaffItem | None:
    try:
        return StaffItem.get(StaffItem.partition(tenant), staff_id)
    except DoesNotExist:
        return None


def staff_names(tenant: str, staff_ids: Iterable[str]) -> dict[str, str]:
    """Display names of these members of staff, left or not (one BatchGetItem per 100 distinct ids, of
    the name alone); an id the directory does not have is left out. A colleague's name is not personal
    data here: colleagues see each other's names; mobiles and patients' data never come this way."""
    wanted = sorted(set(staff_ids))
    if not wanted:
        return {}
    partition = StaffItem.partition(tenant)
    return {
        str(item.sk): str(item.name)
        for item in StaffItem.batch_get(
            [(partition, staff_id) for staff_id in wanted], attributes_to_get=["pk", "sk", "name"]
        )
        if item.name
    }


def staff_for_user(tenant: str, user_id: str) -> StaffItem | None:
    """The staff record of an identity-provider subject (one Query on gsi1)."""
    for item in StaffItem.by_user.query(tenant_key(tenant, "user"), StaffItem.gsi1sk == user_id, limit=1):
        return item if item.tenant == tenant else None
    return None


def department_head(tenant: str, department_id: str) -> StaffItem | None:
    """The head of a department (科主任/护士长 as set by the hospital), if one is set and still active."""
    department = get_department(tenant, department_id)
    if department is None or not department.head_id:
        return None
    head = get_staff(tenant, department.head_id)
    return head if head is not None and head.status == "active" else None


def supervisor_chain(tenant: str, staff_id: str, levels: int) -> list[StaffItem]:
    """The direct supervisor, theirs, … up to ``levels`` (stops early at the top or on a cycle)."""
    chain: list[StaffItem] = []
    seen = {staff_id}
    current = get_staff(tenant, staff_id)
    while current is not None and current.supervisor_id and len(chain) < levels:
        if current.supervisor_id in seen:
            break
        seen.add(current.supervisor_id)
        current = get_staff(tenant, current.supervisor_id)
        if current is not None:
            chain.append(current)
    return chain


def staff_with_role(tenant: str, role: str, department_id: str | None = None) -> list[StaffItem]:
    """Active staff holding ``role`` (in one department, or hospital-wide when ``department_id`` is None).

    Cost: a filtered Query over the tenant's whole staff partition (the filter applies after the read),
    so read capacity grows with the hospital's headcount; a (department, role) index entry would make
    it one narrow Query once the directory items carry one.
    """
    condition = StaffItem.roles.contains(role) & (StaffItem.status == "active")
    if department_id is not None:
        condition = condition & (StaffItem.department_id == department_id)
    return list(StaffItem.query(StaffItem.partition(tenant), filter_condition=condition))
