"""The list-page models every list route shares: the query (``limit``, ``cursor``) and the page it returns.

Kept apart from ``shared.http`` so that starting a service does not import pydantic: a route module
imports these when its route is first called (see ``shared.app``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None = None

    @classmethod
    def of(cls, page: tuple[Iterable[Any], str | None], to_view: Callable[[Any], T]) -> Self:
        """A repository's page (its rows and the cursor after them), each row mapped to the view:
        ``Page[Staff].of(store.staff.page(limit, cursor), to_staff)``."""
        rows, next_cursor = page
        return cls(items=[to_view(row) for row in rows], next_cursor=next_cursor)


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)
