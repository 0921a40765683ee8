"""The consortium read model (医共体/医联体): which hospitals are active members of which consortium.

Messaging owns consortia (invitations, joining, leaving, its cross-hospital groups) and is the only
writer of these items, in the same transactions as its own changes; every other service reads them here
(one GetItem or one Query), the way it reads the directory (``shared.directory``) or who is on duty
(``shared.onduty``). Follow-up's referrals and remote consultations check through ``shared_consortium``
that both hospitals are active members *now*: a hospital that leaves loses access at the moment the
link changes, never after an event has travelled.

Keys (every one starts with a tenant):

- ``<hospital>#consortia`` / ``<consortium_id>``: the hospital's own link (role lead|member, status
  invited|active), under its own tenant;
- ``<lead>#consortium#<consortium_id>#members`` / ``<hospital_id>``: the lead's roster of the consortium.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.persistence.models import TenantItem, now_utc, table_meta, tenant_key


class HospitalLink(TenantItem):
    """One hospital's own record of one consortium (under that hospital's tenant)."""

    ENTITY = "consortium_link"
    Meta = table_meta("messaging")
    consortium_name = UnicodeAttribute()
    kind = UnicodeAttribute()
    lead_hospital_id = UnicodeAttribute()
    role = UnicodeAttribute()  # lead | member
    status = UnicodeAttribute()  # invited | active
    since = UTCDateTimeAttribute(default=now_utc)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "consortia")


class RosterEntry(TenantItem):
    """A hospital in the lead's roster of a consortium (under the lead's tenant)."""

    ENTITY = "consortium_member"
    Meta = table_meta("messaging")
    hospital_name = UnicodeAttribute(null=True)
    role = UnicodeAttribute()
    status = UnicodeAttribute()

    @staticmethod
    def partition(lead: str, consortium_id: str) -> str:
        return tenant_key(lead, "consortium", consortium_id, "members")


def hospital_link(hospital_id: str, consortium_id: str) -> HospitalLink | None:
    """The hospital's own link to a consortium (one GetItem under its own tenant), if any."""
    try:
        return HospitalLink.get(HospitalLink.partition(hospital_id), consortium_id)
    except HospitalLink.DoesNotExist:
        return None


def active_hospital_names(lead: str, consortium_id: str) -> dict[str, str]:
    """The hospitals that have joined and the names they gave ("" if none): one Query on the roster."""
    return {
        entry.sk: entry.hospital_name or ""
        for entry in RosterEntry.query(
            RosterEntry.partition(lead, consortium_id), filter_condition=RosterEntry.status == "active"
        )
    }


@dataclass(frozen=True)
class Membership:
    """A hospital's active membership of a consortium, as its own link says."""

    consortium_id: str
    name: str
    lead_hospital_id: str
    role: str  # lead | member


def membership(hospital_id: str, consortium_id: str) -> Membership | None:
    """``hospital_id``'s active membership of ``consortium_id`` (one GetItem), None when it is not an
    active member (never invited, only invited, left, removed, or the consortium is unknown)."""
    link = hospital_link(hospital_id, consortium_id)
    if link is None or link.status != "active" or link.tenant != hospital_id:
        return None
    return Membership(consortium_id, link.consortium_name, link.lead_hospital_id, link.role)


def shared_consortium(hospital_a: str, hospital_b: str, consortium_id: str) -> Membership | None:
    """The consortium both hospitals are active members of *now* (two GetItems, each under its own
    tenant), or None: the check every cross-hospital read and write makes before it touches anything."""
    if hospital_a == hospital_b:
        return None
    mine = membership(hospital_a, consortium_id)
    if mine is None:
        return None
    theirs = membership(hospital_b, consortium_id)
    if theirs is None or theirs.lead_hospital_id != mine.lead_hospital_id:
        return None
    return mine


def memberships(hospital_id: str, limit: int = 50) -> list[Membership]:
    """The consortia ``hospital_id`` is an active member of (one Query on its own partition)."""
    return [
        Membership(str(link.sk), link.consortium_name, link.lead_hospital_id, link.role)
        for link in HospitalLink.query(
            HospitalLink.partition(hospital_id), filter_condition=HospitalLink.status == "active", limit=limit
        )
        if link.tenant == hospital_id
    ]
