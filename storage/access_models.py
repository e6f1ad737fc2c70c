"""Who may use the service and what they did: API keys, signed-in browsers, the audit trail.

The tables behind ``api.security`` (keys in roles and units, the counter's web
sessions) and the append-only record of who did what to which object. Only
hashes of secrets are kept here (a key's, a session token's), so a copy of the
database opens nothing. Import them from ``storage.models``, with every other
table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.roles import API_KEY_ROLES
from storage.table_base import Base, JsonType, one_of, utcnow


class ApiKey(Base):
    """An API key: who calls, in which role, for which units. The secret is not here.

    Only ``secret_hash`` (SHA-256 of the whole key) is kept, so a copy of the
    database does not open the API. ``units`` is a JSON list of unit codes
    (empty for admins). Keys are revoked, never deleted: audit events name them.
    """

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(one_of("role", API_KEY_ROLES), name="role"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    units: Mapped[list[str]] = mapped_column(JsonType)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    # Where a system key may look up a citizen's papers by ID number (api.reuse):
    # unit codes and ``province:<code>`` entries; None: not at all.
    reuse_scope: Mapped[list[str] | None] = mapped_column(JsonType)


class WebSession(Base):
    """A signed-in browser at the counter (``api.web``): which key it speaks for, until when.

    The browser holds a random token in an HttpOnly cookie; only its SHA-256 is
    kept here, so a copy of the database cannot be replayed as a cookie, and the
    API key typed at sign-in is never stored at all: the session points at the
    key's row, so revoking the key ends its sessions at once. ``csrf_token`` is
    not a credential (it is printed in every page the session sees); unsafe
    requests made with the cookie must echo it.
    """

    __tablename__ = "web_sessions"
    __table_args__ = (UniqueConstraint("token_sha256"), Index(None, "key_id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False, server_default=false())


class AuditEvent(Base):
    """Who did what to which object. Append-only: triggers refuse UPDATE and DELETE.

    ``unit_code`` is a plain column, not a foreign key: the trail must outlive
    what it talks about.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "object_type", "object_id"), Index(None, "unit_code", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(255))
    unit_code: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None]
