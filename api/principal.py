"""Who is calling: the key's role, its permissions and its units.

Plain data below the request handling: the services, the scope rules and the
audit trail all take a ``Principal`` without knowing how it was authenticated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

from storage.apikeys import reuse_covers
from storage.models import ApiKey

Role = Literal["clerk", "officer", "system", "intake", "admin"]
Permission = Literal["read", "submit", "write", "verify", "admin", "reuse"]

PERMISSIONS: dict[str, frozenset[str]] = {
    "clerk": frozenset({"read", "submit", "write"}),
    "officer": frozenset({"read", "verify"}),
    "system": frozenset({"read"}),
    # The one-stop software: hands dossiers and scans in, reads them back. ``submit`` is
    # creating/updating a dossier and uploading to it; ``write`` (corrections, checklist
    # ticks, reprocessing, clearing the attention queue) stays a person's judgement.
    "intake": frozenset({"read", "submit"}),
    "admin": frozenset(get_args(Permission)),
}
"""``reuse`` (a citizen's papers looked up by ID number, ``api.routes_citizens``) is not a
role's: a ``system`` key has it only where its grant says (``ApiKey.reuse_scope``)."""


@dataclass(frozen=True)
class Principal:
    """The caller behind a key: what it may do, and in which units."""

    key_id: str
    name: str
    role: Role
    units: frozenset[str]
    reuse_scope: frozenset[str] = frozenset()

    def sees_unit(self, unit_code: str) -> bool:
        return self.role == "admin" or unit_code in self.units

    def can(self, permission: Permission) -> bool:
        if permission == "reuse" and self.role == "system":
            return bool(self.reuse_scope)
        return permission in PERMISSIONS.get(self.role, frozenset())

    def may_reuse_in(self, unit_code: str) -> bool:
        """Whether a reuse look-up may answer with this unit's papers."""
        return self.role == "admin" or reuse_covers(self.reuse_scope, unit_code)

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}"

    @classmethod
    def from_key(cls, key: ApiKey) -> Principal:
        return cls(
            key.id,
            key.name,
            cast(Role, key.role),
            frozenset(key.units),
            frozenset(key.reuse_scope or ()),
        )
