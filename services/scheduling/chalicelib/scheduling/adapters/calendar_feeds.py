"""Nurses' calendar feeds on DynamoDB (``domain/calendar_feeds.py`` says what a feed is).

Keys (the scheduling table): ``<t>#calfeed#<staff_id>`` / ``feed``: her feed (its id, the token's
SHA-256, when it was made), tenant first like every key. The item also carries the system index key
``gsi1pk = calfeed#<sha256 hex>`` / ``gsi1sk = feed`` (sparse: only feeds have it), so a public fetch,
which names no hospital, finds the feed from its token's digest with one Query of one item and reads
its tenant from it — never a scan, and the token itself is stored nowhere. Regenerating overwrites the
item (the old digest's index entry goes with it); revoking deletes it. The index follows the table
within a second or so (DynamoDB's global indexes are eventually consistent): a new URL works, and an
old one stops working, that long after the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.scheduling.adapters.dynamodb import _writes
from chalicelib.scheduling.domain.calendar_feeds import Feed, FeedRef
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.errors import Conflict
from shared.persistence.models import Gsi1, TenantItem, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork

FEED = "feed"
CHANGED = "your calendar feed changed meanwhile; try again"


def lookup_key(token_hash: str) -> str:
    """The index key of a token's digest (system-wide: the request names no hospital)."""
    return f"calfeed#{token_hash}"


class CalendarFeedItem(TenantItem):
    ENTITY = "calendar_feed"
    Meta = table_meta("scheduling")
    staff_id = UnicodeAttribute()
    feed_id = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_token = Gsi1()

    @staticmethod
    def partition(tenant: str, staff_id: str) -> str:
        return tenant_key(tenant, "calfeed", staff_id)


def _feed(item: CalendarFeedItem) -> Feed:
    return Feed(item.staff_id, item.feed_id, item.token_hash, item.created_at)


@dataclass
class DynamoCalendarFeeds:
    """``CalendarFeedRepository``: one item per nurse, written in the request's unit of work."""

    tenant: str
    uow: UnitOfWork | None

    def get(self, staff_id: str) -> Feed | None:
        try:
            return _feed(CalendarFeedItem.get(CalendarFeedItem.partition(self.tenant, staff_id), FEED))
        except CalendarFeedItem.DoesNotExist:
            return None

    def save(self, feed: Feed, previous: Feed | None) -> None:
        item = CalendarFeedItem.new(
            self.tenant,
            FEED,
            pk=CalendarFeedItem.partition(self.tenant, feed.staff_id),
            staff_id=feed.staff_id,
            feed_id=feed.feed_id,
            token_hash=feed.token_hash,
            created_at=feed.created_at,
            gsi1pk=lookup_key(feed.token_hash),
            gsi1sk=FEED,
        )
        condition = (
            CalendarFeedItem.pk.does_not_exist()
            if previous is None
            else CalendarFeedItem.token_hash == previous.token_hash
        )
        _writes(self.uow).save(item, condition=condition, on_conflict=Conflict(CHANGED))

    def remove(self, feed: Feed) -> None:
        item = CalendarFeedItem(CalendarFeedItem.partition(self.tenant, feed.staff_id), FEED)
        _writes(self.uow).delete(
            item, condition=CalendarFeedItem.token_hash == feed.token_hash, on_conflict=Conflict(CHANGED)
        )


class DynamoFeedLookup:
    """``FeedLookup`` on the system index: the one item a digest names carries its hospital."""

    def find(self, token_hash: str) -> FeedRef | None:
        for item in CalendarFeedItem.by_token.query(lookup_key(token_hash), CalendarFeedItem.gsi1sk == FEED):
            if item.token_hash == token_hash:
                return FeedRef(item.tenant, item.staff_id, item.feed_id)
        return None
