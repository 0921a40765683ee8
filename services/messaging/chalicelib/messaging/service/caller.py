"""Who the caller is in the directory: the staff record their sign-in is bound to."""

from __future__ import annotations

from shared.auth import Principal
from shared.errors import NotFound


def staff_id(principal: Principal) -> str:
    """The caller's staff id, as the directory binds their sign-in (``shared.standing`` sets it on every
    staff request, from the one read it makes anyway): no further lookup."""
    if principal.staff_id:
        return principal.staff_id
    raise NotFound("staff record for this user")
