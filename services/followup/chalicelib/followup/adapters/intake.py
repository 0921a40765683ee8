"""Plans, enrolment rules, encounters and enrolments on the followup table (Codecs of ``FollowupItem``).

Keys (every one starts with the tenant):

- a plan: ``<t>#plan#<plan_id>`` / ``plan`` (its current version; ``revision`` counts publishes), and
  each published version ``<t>#plan#<plan_id>`` / ``version#<nnnnn>`` (create-only: a version is never
  rewritten, so an enrolment's version is always there to read). The hospital's plans are listed
  through ``gsi1 = <t>#plans`` / ``<plan_id>``. Built-ins are not stored until a hospital publishes
  its own version of one.
- the enrolment rules: ``<t>#followup-config`` / ``enrolment-rules`` (one item, revision-checked).
- an encounter: in the patient's partition, ``encounter#<id>``; the **discharge claim**
  ``<t>#discharge#<key digest>`` / ``claim`` holds a copy of it without the diagnoses (create-only, in
  the enrolment's transaction): the same discharge posted again finds it in one GetItem and enrols
  nothing twice.
- an enrolment: in the patient's partition, ``enrolment#<id>``; an active lifelong one is also on the
  system index ``gsi2 = followupextend`` / ``<materialised_to>#<tenant>#<id>`` (sparse), which the
  daily extension reads across hospitals (every item it returns names its tenant).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from chalicelib.followup.adapters.dynamodb import (
    INDEXES,
    Codec,
    FollowupItem,
    Keys,
    owner_of,
    patient_partition,
)
from chalicelib.followup.domain.enrolments import Encounter, Enrolment
from chalicelib.followup.domain.plans import Plan
from chalicelib.followup.domain.ports import Page
from chalicelib.followup.domain.rules import RuleSet

from shared.errors import DomainError
from shared.persistence.models import tenant_key
from shared.persistence.uow import UnitOfWork

EXTEND_INDEX = "followupextend"  # a system index for the daily extension; each item names its tenant


def _plan_keys(tenant: str) -> Callable[[Plan], Keys]:
    def keys(p: Plan) -> Keys:
        return Keys(tenant_key(tenant, "plan", p.id), "plan", {1: (tenant_key(tenant, "plans"), p.id)})

    return keys


def _version_keys(tenant: str) -> Callable[[Plan], Keys]:
    def keys(p: Plan) -> Keys:
        return Keys(tenant_key(tenant, "plan", p.id), f"version#{p.version:05d}", {})

    return keys


@dataclass
class DynamoPlans:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[Plan]:
        return Codec(self.tenant, _plan_keys(self.tenant), Plan, "followup_plan")

    @property
    def versions(self) -> Codec[Plan]:
        return Codec(self.tenant, _version_keys(self.tenant), Plan, "followup_plan_version")

    def get(self, plan_id: str) -> Plan | None:
        return self.codec.get(tenant_key(self.tenant, "plan", plan_id), "plan")

    def version(self, plan_id: str, version: int) -> Plan | None:
        return self.versions.get(tenant_key(self.tenant, "plan", plan_id), f"version#{version:05d}")

    def page(self, limit: int, cursor: str | None) -> Page:
        return self.codec.index_page(1, tenant_key(self.tenant, "plans"), limit, cursor)

    def add(self, plan: Plan, taken: DomainError) -> None:
        self.codec.add(self.uow, plan, taken)
        self.versions.add(self.uow, plan, taken)

    def publish(self, plan: Plan, stale: DomainError) -> None:
        self.codec.replace(self.uow, plan, stale)
        self.versions.add(self.uow, plan.model_copy(update={"revision": 0}), stale)


@dataclass
class DynamoEnrolmentRules:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[RuleSet]:
        key = tenant_key(self.tenant, "followup-config")
        return Codec(self.tenant, lambda r: Keys(key, "enrolment-rules", {}), RuleSet, "followup_rules")

    def get(self) -> RuleSet | None:
        return self.codec.get(tenant_key(self.tenant, "followup-config"), "enrolment-rules")

    def add(self, rules: RuleSet, taken: DomainError) -> None:
        self.codec.add(self.uow, rules, taken)

    def save(self, rules: RuleSet, stale: DomainError) -> None:
        self.codec.replace(self.uow, rules, stale)


def discharge_digest(key: str) -> str:
    """A discharge's key as stored: a digest, so no HIS number or blind index is readable in a key."""
    return hashlib.sha256(key.encode()).hexdigest()[:40]


@dataclass
class DynamoEncounters:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[Encounter]:
        tenant = self.tenant
        return Codec(
            tenant,
            lambda e: Keys(patient_partition(tenant, e.patient_id), f"encounter#{e.id}", {}),
            Encounter,
            "encounter",
        )

    def claims(self, key: str) -> Codec[Encounter]:
        pk = tenant_key(self.tenant, "discharge", discharge_digest(key))
        return Codec(self.tenant, lambda e: Keys(pk, "claim", {}), Encounter, "discharge_claim")

    def get(self, encounter_id: str) -> Encounter | None:
        return self.codec.get(
            patient_partition(self.tenant, owner_of(encounter_id)), f"encounter#{encounter_id}"
        )

    def by_discharge(self, key: str) -> Encounter | None:
        return self.claims(key).get(tenant_key(self.tenant, "discharge", discharge_digest(key)), "claim")

    def add(self, encounter: Encounter, key: str, taken: DomainError) -> None:
        self.claims(key).add(self.uow, encounter.claim(), taken)
        self.codec.add(self.uow, encounter, taken)

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        return self.codec.page(
            patient_partition(self.tenant, patient_id),
            limit,
            cursor,
            sk_prefix="encounter#",
            newest_first=True,
        )


def _enrolment_keys(tenant: str) -> Callable[[Enrolment], Keys]:
    def keys(e: Enrolment) -> Keys:
        indexes = {}
        if e.lifelong and e.state == "active":
            indexes[2] = (EXTEND_INDEX, f"{e.materialised_to.isoformat()}#{tenant}#{e.id}")
        return Keys(patient_partition(tenant, e.patient_id), f"enrolment#{e.id}", indexes, state=e.state)

    return keys


@dataclass
class DynamoEnrolments:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[Enrolment]:
        return Codec(self.tenant, _enrolment_keys(self.tenant), Enrolment, "enrolment")

    def get(self, enrolment_id: str) -> Enrolment | None:
        return self.codec.get(
            patient_partition(self.tenant, owner_of(enrolment_id)), f"enrolment#{enrolment_id}"
        )

    def add(self, enrolment: Enrolment) -> None:
        self.codec.add(self.uow, enrolment)

    def save(self, enrolment: Enrolment, stale: DomainError) -> None:
        self.codec.replace(self.uow, enrolment, stale)

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        return self.codec.page(
            patient_partition(self.tenant, patient_id),
            limit,
            cursor,
            sk_prefix="enrolment#",
            newest_first=True,
        )


class DynamoExtensionsDue:
    """The lifelong enrolments whose tasks end by a day, across hospitals (one Query of the system index)."""

    def due(self, by: date, limit: int) -> list[tuple[str, str]]:
        """(tenant, enrolment id) of each, the nearest end first."""
        result = INDEXES[2].query(
            EXTEND_INDEX, FollowupItem.gsi2sk <= f"{by.isoformat()}#\uffff", limit=limit, page_size=limit
        )
        out = []
        for item in result:
            _, tenant, enrolment_id = str(item.gsi2sk).split("#", 2)
            if item.tenant == tenant:
                out.append((tenant, enrolment_id))
        return out
