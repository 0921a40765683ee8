"""Who the caller is in the directory: the staff record their account is bound to."""

from __future__ import annotations

from chalicelib.messaging.adapters import dynamodb

from shared.auth import Principal
from shared.errors import NotFound


def staff_id(principal: Principal) -> str:
    """The caller's staff id: bound by the identity provider, else found by their user id (one Query)."""
    if principal.staff_id:  # the identity provider bound this account to a staff record
        return principal.staff_id
    me = dynamodb.staff_for_user(principal.tenant, principal.user)
    if me is None:
        raise NotFound("staff record for this user")
    return me.sk
