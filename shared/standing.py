"""A member of staff's standing, checked on every request: the directory, not the token, decides.

A token lives for up to an hour, and an identity provider may let users edit their own attributes
(a ``staff_id`` claim among them). So for a staff principal the HTTP layer reads the directory's
sign-in item for the token's subject (``shared.directory.SignInItem``: one GetItem on the shared
directory table, charged to every staff route by the budget gate) and:

- refuses a person who has **left** (``POST /staff/{id}/leave`` takes effect on their next request);
- refuses a ``staff_id`` claim the directory does not bind to this subject (a token naming someone
  else's record, or a record no sign-in is bound to);
- sets the principal's staff id (and display name) to the record bound to the subject, so every
  service acts as the person the directory says, not as whatever the token claims;
- keeps only the **directory roles** the record still holds: a role taken away in the directory is
  gone at once, whatever the token says. Roles the directory does not manage stay as the token has them.

A subject the directory does not know (an admin who set the hospital up, a service account) keeps its
token's roles: there is nothing in the directory to contradict it. It cannot claim a staff id.
"""

from __future__ import annotations

from dataclasses import replace

from shared.auth import DIRECTORY_ROLES, Principal
from shared.errors import Forbidden


def check(principal: Principal) -> Principal:
    """The principal as the directory allows it now; ``Forbidden`` if it may not act at all."""
    if principal.kind != "staff":
        return principal
    from shared.directory import UNBOUND, sign_in  # PynamoDB: loaded with the first staff request

    binding = sign_in(principal.tenant, principal.user)
    claimed = principal.staff_id
    if binding is None:
        if claimed is not None and claimed != principal.user:
            raise Forbidden(
                "the token's staff_id is not bound to this sign-in in the directory "
                "(a hospital admin binds it: PATCH /messaging/staff/{id} with user_id)"
            )
        return principal
    if claimed is not None and claimed != binding.staff_id:
        raise Forbidden("the token's staff_id belongs to another member of staff")
    if binding.status == "left":
        raise Forbidden("this member of staff has left the hospital; their sign-in no longer works here")
    if binding.status == UNBOUND:
        raise Forbidden("this sign-in is no longer bound to a member of staff")
    held = set(binding.roles or ())
    roles = frozenset(r for r in principal.roles if r not in DIRECTORY_ROLES or r in held)
    return replace(principal, roles=roles, staff_id=binding.staff_id, staff_name=binding.name or None)
