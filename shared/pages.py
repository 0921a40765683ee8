"""The list-page models every list route shares: the query (``limit``, ``cursor``) and the page it returns.

Kept apart from ``shared.http`` so that starting a service does not import pydantic: a route module
imports these when its route is first called (see ``shared.app``).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None = None


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)
