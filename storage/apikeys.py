"""API keys in the database: create, check, list, revoke, and the first admin key.

A key reads ``sohoa_<id>_<secret>``: the id (16 hex digits) finds the row
without scanning, the secret is 32 random bytes (URL-safe base64). Only the
SHA-256 of the whole key is stored. A keyed or slow hash (HMAC with a server
secret, bcrypt, argon2) protects guessable passwords; against 256 random bits
plain SHA-256 is as strong and needs no extra secret to deploy, and it lets
every request be checked in microseconds. The comparison is constant-time.

Like ``storage.repository``, every function takes an open ``Session`` and
leaves committing to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from core.vietnamese import nfc
from storage.models import API_KEY_ROLES, ApiKey, utcnow
from storage.repository import record_audit, validate_code

PREFIX = "sohoa"
ID_HEX = 16
SECRET_BYTES = 32
MAX_NAME_LENGTH = 255

_KEY = re.compile(rf"{PREFIX}_([0-9a-f]{{{ID_HEX}}})_[A-Za-z0-9_-]{{43}}")

TOUCH_INTERVAL = timedelta(minutes=1)
"""``last_used_at`` is written at most this often: a write per request would
serialise every request on SQLite for a timestamp nobody needs to the second."""

FIRST_ADMIN_LOCK = 0x736F686F6B
"""pg_advisory_xact_lock key held while deciding whether to make the first admin key."""

Verdict = Literal["ok", "unknown", "revoked"]


@dataclass(frozen=True)
class KeyCheck:
    """What a presented key turned out to be. ``key_id`` is set when a row matched it."""

    verdict: Verdict
    key: ApiKey | None = None

    @property
    def key_id(self) -> str | None:
        return self.key.id if self.key is not None else None


# ------------------------------------------------------------------ secrets


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_key_id(secret: str) -> str | None:
    """The id part of a well-formed key, or None for anything else."""
    match = _KEY.fullmatch(secret)
    return match.group(1) if match else None


def _new_secret() -> tuple[str, str]:
    key_id = secrets.token_hex(ID_HEX // 2)
    return key_id, f"{PREFIX}_{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"


# ------------------------------------------------------------------ rules


def check_grant(role: str, units: Iterable[str]) -> list[str]:
    """The units of a key of ``role``, validated, deduplicated and sorted; ValueError if wrong.

    Clerks, officers and systems work in the units they are given, so they need
    at least one. An admin sees every unit; units given to it would suggest a
    limit that does not exist, so they are refused.
    """
    if role not in API_KEY_ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(API_KEY_ROLES)}")
    codes = sorted({validate_code(u, "unit code") for u in units})
    if role == "admin" and codes:
        raise ValueError("an admin key sees every unit: give it no units")
    if role != "admin" and not codes:
        raise ValueError(f"a {role} key needs at least one unit")
    return codes


PROVINCE = "province:"
"""A reuse grant covering every unit of a province: ``province:H26`` is each unit
whose code ends in ``.H26`` (``000.A0.01.H26``), the province part of unit codes."""


def check_reuse_scope(role: str, scope: Iterable[str]) -> list[str] | None:
    """A system key's reuse grant (unit codes, ``province:<code>``), validated; None: none.

    Looking citizens' papers up by ID number is for other agencies' software, granted
    deliberately and per unit or province; a person's key never needs it (admins have it).
    """
    entries = sorted({entry.strip() for entry in scope if entry.strip()})
    if not entries:
        return None
    if role != "system":
        raise ValueError("only a system key is granted reuse look-ups")
    for entry in entries:
        code = entry.removeprefix(PROVINCE)
        validate_code(code, "province code" if entry.startswith(PROVINCE) else "unit code")
        if entry.startswith(PROVINCE) and "." in code:
            raise ValueError(f"{entry}: a province is the last part of a unit code, e.g. H26")
    return entries


def reuse_covers(scope: Iterable[str], unit_code: str) -> bool:
    """Whether a reuse grant covers ``unit_code`` (a unit named, or its province)."""
    province = unit_code.rsplit(".", 1)[-1]
    return any(e == unit_code or e == PROVINCE + province for e in scope)


def _check_name(name: str | None, role: str, units: list[str]) -> str:
    if name is None or not name.strip():
        return " ".join([role, *units])[:MAX_NAME_LENGTH]
    name = nfc(name).strip()
    if len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise ValueError(f"a key name is at most {MAX_NAME_LENGTH} printable characters")
    return name


# ------------------------------------------------------------------ operations


def create_key(
    s: Session,
    *,
    role: str,
    units: Iterable[str] = (),
    name: str | None = None,
    actor: str,
    reuse_scope: Iterable[str] = (),
) -> tuple[ApiKey, str]:
    """A new key and its secret: the only moment the secret exists outside the caller.

    ``actor`` (who asked: ``key:<id>``, ``cli:<user>``) goes into the audit
    event ``key.created``, written in the same transaction as the key.
    """
    codes = check_grant(role, units)
    reuse = check_reuse_scope(role, reuse_scope)
    name = _check_name(name, role, codes)
    key_id, secret = _new_secret()
    key = ApiKey(
        id=key_id,
        name=name,
        role=role,
        units=codes,
        reuse_scope=reuse,
        secret_hash=hash_secret(secret),
        created_at=utcnow(),
    )
    s.add(key)
    s.flush()
    _audit(s, actor, "key.created", key)
    return key, secret


def get_key(s: Session, key_id: str) -> ApiKey | None:
    return s.get(ApiKey, key_id) if len(key_id) <= ID_HEX * 2 else None


def list_keys(s: Session) -> list[ApiKey]:
    return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def revoke_key(s: Session, key_id: str, *, actor: str) -> tuple[ApiKey, bool]:
    """Revoke ``key_id``; returns the key and whether it was active. LookupError if none.

    Revoking twice keeps the first time: that is when the key stopped working.
    """
    key = get_key(s, key_id)
    if key is None:
        raise LookupError(f"no key {key_id}")
    if key.revoked_at is not None:
        return key, False
    key.revoked_at = utcnow()
    _audit(s, actor, "key.revoked", key)
    return key, True


def active_admins(s: Session) -> list[str]:
    """Ids of the admin keys not revoked, their rows locked until the transaction ends.

    The lock makes "do not revoke the last admin key" hold when two admins
    revoke each other at once on PostgreSQL (SQLite serialises anyway).
    """
    query = select(ApiKey.id).where(ApiKey.role == "admin", ApiKey.revoked_at.is_(None))
    return list(s.scalars(query.with_for_update()))


def check_key(s: Session, presented: str) -> KeyCheck:
    """Find the key ``presented`` (the full ``sohoa_…`` string) and judge it."""
    key_id = parse_key_id(presented)
    key = s.get(ApiKey, key_id) if key_id else None
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(presented)):
        # A wrong secret for an existing id names the key: someone is guessing at it.
        return KeyCheck("unknown", key)
    if key.revoked_at is not None:
        return KeyCheck("revoked", key)
    return KeyCheck("ok", key)


def touch(s: Session, key: ApiKey, now: datetime | None = None) -> bool:
    """Record that ``key`` was used, unless that was recorded less than a minute ago."""
    now = now or utcnow()
    if key.last_used_at is not None and now - key.last_used_at < TOUCH_INTERVAL:
        return False
    s.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    key.last_used_at = now
    return True


def create_first_admin(s: Session) -> str | None:
    """An admin key if there is no key at all (returns its secret), else None.

    Two processes starting on an empty database must not both make one: on
    PostgreSQL they queue on an advisory lock held to the end of the
    transaction, and the later one's count, taken after the lock, sees the
    first one's key. SQLite transactions hold the write lock from the start.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FIRST_ADMIN_LOCK})
    if s.scalar(select(ApiKey.id).limit(1)) is not None:
        return None
    _, secret = create_key(s, role="admin", name="admin (first start)", actor="system:first-start")
    return secret


def _audit(s: Session, actor: str, action: str, key: ApiKey) -> None:
    detail = {"name": key.name, "role": key.role, "units": list(key.units)}
    record_audit(
        s, actor=actor, action=action, object_type="api_key", object_id=key.id, detail=detail
    )
