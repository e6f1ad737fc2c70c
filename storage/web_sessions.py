"""Server-side sessions of the counter's browsers: create, check, end.

Why server-side and not a signed cookie: a session must die the moment its
key is revoked or its clerk signs out, and a signed cookie cannot be taken
back. The cookie holds only a random token (256 bits); the database keeps
its SHA-256, the key's id, a CSRF token and an absolute expiry (8 hours: one
working day at the counter, then sign in again). The API key typed at
sign-in is checked once and forgotten: neither the cookie nor the row holds it.

Like ``storage.apikeys``, every function takes an open ``Session`` and leaves
committing to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import ApiKey, WebSession, utcnow
from storage.repository.audit import record_audit

COOKIE = "sohoa_session"
"""The session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS."""

SIGNIN_COOKIE = "sohoa_signin"
"""A one-use token pairing the sign-in form with its browser (login CSRF)."""

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
LIFETIME = timedelta(hours=8)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")

Verdict = Literal["ok", "missing", "unknown", "expired", "revoked", "key_revoked"]


@dataclass(frozen=True)
class SessionCheck:
    """What a presented cookie turned out to be; ``session`` and ``key`` when a row matched."""

    verdict: Verdict
    session: WebSession | None = None
    key: ApiKey | None = None


MISSING = SessionCheck("missing")
"""The verdict on a request that carries no session cookie at all."""


def new_token() -> str:
    """43 URL-safe characters, 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def same_token(expected: str, presented: str | None) -> bool:
    """Constant-time comparison of two tokens; a missing one never matches."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), presented.encode("utf-8"))


def create_session(s: Session, key: ApiKey, now: datetime | None = None) -> tuple[WebSession, str]:
    """A new session for ``key`` and the token for its cookie (the only time it exists).

    Expired rows are swept here, at sign-in, so the table holds about one
    working day of sessions without a separate clean-up job.
    """
    now = now or utcnow()
    s.execute(delete(WebSession).where(WebSession.expires_at < now))
    token = new_token()
    session = WebSession(
        id=secrets.token_hex(16),
        token_sha256=hash_token(token),
        key_id=key.id,
        csrf_token=new_token(),
        created_at=now,
        expires_at=now + LIFETIME,
        revoked=False,
    )
    s.add(session)
    s.flush()
    return session, token


def start_session(s: Session, key: ApiKey) -> tuple[WebSession, str]:
    """``create_session``, recorded as ``session.start`` in the same transaction.

    A sign-in opens a way to every citizen's paper the key may read, so it is
    never left out of the audit trail.
    """
    session, token = create_session(s, key)
    record_audit(
        s,
        actor=f"key:{key.id}",
        action="session.start",
        object_type="web_session",
        object_id=session.id,
        detail={"role": key.role},
    )
    return session, token


def check_session(s: Session, token: str, now: datetime | None = None) -> SessionCheck:
    """Find the session of a cookie's token and judge it (and the key behind it)."""
    if not _TOKEN.fullmatch(token):
        return SessionCheck("unknown")
    session = s.scalar(select(WebSession).where(WebSession.token_sha256 == hash_token(token)))
    if session is None:
        return SessionCheck("unknown")
    key = s.get(ApiKey, session.key_id)
    if key is None:
        return SessionCheck("unknown", session)
    if session.revoked:
        return SessionCheck("revoked", session, key)
    if key.revoked_at is not None:
        return SessionCheck("key_revoked", session, key)
    if session.expires_at <= (now or utcnow()):
        return SessionCheck("expired", session, key)
    return SessionCheck("ok", session, key)


def end_session(s: Session, token: str) -> WebSession | None:
    """Delete the session of ``token`` (sign-out); returns it, or None if there was none."""
    if not _TOKEN.fullmatch(token):
        return None
    session = s.scalar(select(WebSession).where(WebSession.token_sha256 == hash_token(token)))
    if session is not None:
        s.delete(session)
        s.flush()
    return session


def sign_out(s: Session, token: str, actor: str) -> WebSession | None:
    """``end_session``, recorded as ``session.end`` when there was a session."""
    ended = end_session(s, token)
    if ended is not None:
        record_audit(
            s, actor=actor, action="session.end", object_type="web_session", object_id=ended.id
        )
    return ended


def revoke_sessions(s: Session, key_id: str) -> int:
    """Mark every session of ``key_id`` revoked (e.g. a lost workstation); returns how many."""
    result = s.execute(
        update(WebSession)
        .where(WebSession.key_id == key_id, WebSession.revoked.is_(False))
        .values(revoked=True)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
