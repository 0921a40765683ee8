"""Questionnaires, patient links, responses and observations on DynamoDB (the followup table, one item shape).

Keys (tenant first, except the links' system index key, as scheduling's calendar feed):

- a questionnaire ``<t>#questionnaire#<id>``: ``current`` (the hospital's current version, on the list
  ``gsi1pk = <t>#questionnaires`` / ``gsi1sk = <id>``) and ``version#000002`` per version kept (a response
  is read by the version it answered; version 1 of a built-in is in the code, never stored).
- a link ``<t>#patient#<pid>`` / ``link#<link_id>`` (the patient's partition: purging the patient takes
  their links), with ``gsi1pk = followup-link#<sha256 of the token>`` / ``gsi1sk = link`` — a public
  request, which names no hospital, finds its link with one Query and reads the tenant from the item. The
  item expires (TTL) 90 days after the link does.
- a link's request counter ``<t>#link-rate#<link_id>`` / ``<minute>``: ``hits`` added atomically
  (``ADD``, conditioned on staying under the limit), expiring (TTL) two minutes after its minute.
- a response ``<t>#patient#<pid>`` / ``response#<id>``, an observation ``…`` / ``observation#<id>`` (ids
  ``<pid>-<time-ordered id>``: newest first is one Query backwards).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.followup.adapters.dynamodb import (
    Codec,
    FollowupItem,
    Keys,
    owner_of,
    patient_partition,
)
from chalicelib.followup.domain.links import Link
from chalicelib.followup.domain.ports import Page
from chalicelib.followup.domain.questionnaires import Questionnaire
from chalicelib.followup.domain.results import Observation, Response
from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from shared.errors import DomainError
from shared.persistence.models import TenantItem, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork

LINK_RETENTION_SECONDS = 90 * 86400
LOOKUP_SK = "link"


def lookup_key(token_hash: str) -> str:
    """The system index key of a token's digest (the request names no hospital)."""
    return f"followup-link#{token_hash}"


def _questionnaire_partition(tenant: str, questionnaire_id: str) -> str:
    return tenant_key(tenant, "questionnaire", questionnaire_id)


def _version_sk(version: int) -> str:
    return f"version#{version:06d}"


@dataclass
class DynamoQuestionnaires:
    tenant: str
    uow: UnitOfWork | None

    @property
    def current(self) -> Codec[Questionnaire]:
        tenant = self.tenant

        def keys(q: Questionnaire) -> Keys:
            return Keys(
                _questionnaire_partition(tenant, q.id),
                "current",
                {1: (tenant_key(tenant, "questionnaires"), q.id)},
            )

        return Codec(tenant, keys, Questionnaire, "questionnaire")

    @property
    def versions(self) -> Codec[Questionnaire]:
        tenant = self.tenant

        def keys(q: Questionnaire) -> Keys:
            return Keys(_questionnaire_partition(tenant, q.id), _version_sk(q.version), {})

        return Codec(tenant, keys, Questionnaire, "questionnaire_version")

    def get(self, questionnaire_id: str) -> Questionnaire | None:
        return self.current.get(_questionnaire_partition(self.tenant, questionnaire_id), "current")

    def version(self, questionnaire_id: str, version: int) -> Questionnaire | None:
        return self.versions.get(
            _questionnaire_partition(self.tenant, questionnaire_id), _version_sk(version)
        )

    def page(self, limit: int, cursor: str | None) -> Page:
        return self.current.index_page(1, tenant_key(self.tenant, "questionnaires"), limit, cursor)

    def add(self, questionnaire: Questionnaire, taken: DomainError) -> None:
        self.current.add(self.uow, questionnaire, taken)
        self.versions.add(self.uow, questionnaire, taken)

    def save(self, questionnaire: Questionnaire, stale: DomainError) -> None:
        self.current.replace(self.uow, questionnaire, stale)
        self.versions.add(self.uow, questionnaire, stale)


class LinkRateItem(TenantItem):
    """A link's requests in one minute (an atomic counter)."""

    ENTITY = "followup_link_rate"
    Meta = table_meta("followup")
    hits = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)


def _link_keys(tenant: str) -> Callable[[Link], Keys]:
    def keys(link: Link) -> Keys:
        return Keys(
            patient_partition(tenant, link.patient_id),
            f"link#{link.id}",
            {1: (lookup_key(link.token_hash), LOOKUP_SK)},
            expires_at=int(link.expires_at.timestamp()) + LINK_RETENTION_SECONDS,
        )

    return keys


def link_codec(tenant: str) -> Codec[Link]:
    return Codec(tenant, _link_keys(tenant), Link, "link")


@dataclass
class DynamoLinks:
    tenant: str
    uow: UnitOfWork | None

    def get(self, link_id: str) -> Link | None:
        return link_codec(self.tenant).get(
            patient_partition(self.tenant, owner_of(link_id)), f"link#{link_id}"
        )

    def add(self, link: Link) -> None:
        link_codec(self.tenant).add(self.uow, link)

    def save(self, link: Link, stale: DomainError) -> None:
        link_codec(self.tenant).replace(self.uow, link, stale)

    def hit(self, link_id: str, window: str, limit: int, refused: DomainError) -> None:
        item = LinkRateItem.new(self.tenant, window, pk=tenant_key(self.tenant, "link-rate", link_id))
        try:
            item.update(
                actions=[
                    LinkRateItem.hits.add(1),
                    LinkRateItem.entity.set(LinkRateItem.ENTITY),
                    LinkRateItem.tenant.set(self.tenant),
                    LinkRateItem.expires_at.set(int(time.time()) + 180),
                ],
                condition=LinkRateItem.hits.does_not_exist() | (LinkRateItem.hits < limit),
            )
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                raise refused from exc
            raise


class DynamoLinkLookup:
    """``LinkLookup`` on the system index: the one item a digest names carries its hospital."""

    def find(self, token_hash: str) -> tuple[str, Link] | None:
        for item in FollowupItem.index1.query(lookup_key(token_hash), FollowupItem.gsi1sk == LOOKUP_SK):
            if item.entity == "link" and item.tenant:
                link = link_codec(str(item.tenant)).record(item)
                if link.token_hash == token_hash:
                    return str(item.tenant), link
        return None


def _owned_codec(tenant: str, kind: str, model: type, entity: str) -> Codec:  # type: ignore[type-arg]
    def keys(record: Response | Observation) -> Keys:
        return Keys(patient_partition(tenant, record.patient_id), f"{kind}#{record.id}", {})

    return Codec(tenant, keys, model, entity)


@dataclass
class DynamoResponses:
    tenant: str
    uow: UnitOfWork | None

    def add(self, response: Response) -> None:
        _owned_codec(self.tenant, "response", Response, "response").add(self.uow, response)

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        codec = _owned_codec(self.tenant, "response", Response, "response")
        return codec.page(
            patient_partition(self.tenant, patient_id),
            limit,
            cursor,
            sk_prefix="response#",
            newest_first=True,
        )


@dataclass
class DynamoObservations:
    tenant: str
    uow: UnitOfWork | None

    def add(self, observation: Observation) -> None:
        _owned_codec(self.tenant, "observation", Observation, "observation").add(self.uow, observation)

    def of_patient(self, patient_id: str, limit: int, cursor: str | None) -> Page:
        codec = _owned_codec(self.tenant, "observation", Observation, "observation")
        return codec.page(
            patient_partition(self.tenant, patient_id),
            limit,
            cursor,
            sk_prefix="observation#",
            newest_first=True,
        )
