"""Who is calling and what they may do: API keys, roles, unit scope, and the audit trail.

Citizens' papers are personal data: nobody reads one without a key that
allows it, and every read and every refusal is recorded. A key has a role:

=========  ============================  ==================
role       permissions                   units
=========  ============================  ==================
clerk      read, write                   its granted units
officer    read, verify                  its granted units
system     read                          its granted units
admin      read, write, verify, admin    all
=========  ============================  ==================

``authenticate`` turns the request's key into a ``Principal`` (401 otherwise),
or, for the counter's browsers, the session cookie of ``storage.web_sessions``
(signed in once with the key; unsafe methods must then echo the session's
CSRF token, 403 ``csrf_failed`` otherwise: a cookie rides along on requests
that other sites make, a header or a form field copied from our page does not),
``require`` adds the role check (403), and routes check the unit of what they
touch with ``Principal.sees_unit``, answering ``deny_unit``'s 404 when it is
outside: a key must not learn that a document exists in another unit.

Who a key is (``Principal``) is ``api.principal``; the audit trail of reads
and refusals (``audit_read``, ``deny_unit``) is ``api.access_audit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, get_args

import anyio.from_thread
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.access_audit import (
    ANONYMOUS,
    MAX_OBJECT_ID,
    MAX_PATH,
    THROTTLED,
    record_denial,
)
from api.error_responses import ApiError
from api.principal import Permission, Principal
from api.runtime_dependency import RuntimeDep, current_runtime
from api.throttle import AttemptThrottle, attempt_subjects
from pipeline.runtime import Runtime
from storage import apikeys, web_sessions
from storage import repository as repo
from storage.models import ApiKey, WebSession

# Declared for the OpenAPI page (the "Authorize" button of /docs); the key is
# read from the request itself, so ``authenticate(request)`` also works called directly.
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer sohoa_…")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: sohoa_…")


# ------------------------------------------------------------------ dependencies


def presented_key(request: Request) -> str | None:
    """The key sent as ``Authorization: Bearer <key>`` (preferred) or ``X-API-Key``."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key", "").strip() or None


_REASONS = {"missing": "missing key", "unknown": "unknown key", "revoked": "revoked"}
_UNAUTHORIZED = {
    "missing key": "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key'",
    "unknown key": "the API key is not valid",
    "revoked": "the API key has been revoked",
}


def authenticate(
    request: Request,
    _bearer_doc: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    _header_doc: Annotated[str | None, Security(_header)] = None,
) -> Principal:
    """FastAPI dependency: the ``Principal`` of the request's key, or 401 ``unauthorized``.

    A missing, unknown or revoked key is recorded as ``access.denied``; the
    secret never is. The lookup, the refusal's audit event and the
    once-a-minute ``last_used_at`` share one transaction.
    """
    rt = current_runtime(request)
    secret = presented_key(request)
    if secret is None and (token := request.cookies.get(web_sessions.COOKIE)):
        return authenticate_session(request, token).principal
    subjects = attempt_subjects(client_address(request), apikeys.parse_key_id(secret or ""))
    if secret is not None:
        refuse_if_throttled(rt, subjects)
    with rt.session() as s:
        found = apikeys.check_key(s, secret) if secret else None
        if found is not None and found.verdict == "ok" and found.key is not None:
            apikeys.touch(s, found.key)
            return Principal.from_key(found.key)
        reason = _REASONS[found.verdict if found else "missing"]
        key_id = found.key_id if found else None
        # Only a key whose secret matched speaks for its id; a wrong secret is a stranger.
        actor = f"key:{key_id}" if found and found.verdict == "revoked" else ANONYMOUS
        record_denial(s, request, actor=actor, reason=reason, key_id=key_id)
        if secret is not None:
            record_failed_attempt(s, request, subjects)
    raise ApiError(401, "unauthorized", _UNAUTHORIZED[reason])


def attempt_throttle(rt: Runtime) -> AttemptThrottle:
    """This process's counter of wrong keys (``api.throttle``), for ``rt``'s limits."""
    return _throttle(rt.settings.auth_max_failures, rt.settings.auth_failure_window)


@cache
def _throttle(max_failures: int, window: int) -> AttemptThrottle:
    return AttemptThrottle(max_failures, window)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


def refuse_if_throttled(rt: Runtime, subjects: list[str]) -> None:
    """429 ``too_many_attempts`` while the sender or the key id is blocked."""
    wait = attempt_throttle(rt).retry_after(subjects)
    if wait is not None:
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many wrong keys: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def record_failed_attempt(s: Session, request: Request, subjects: list[str]) -> None:
    """Count a wrong key; a block it starts is audited once, as ``access.throttled``."""
    rt = current_runtime(request)
    for block in attempt_throttle(rt).failed(subjects):
        repo.record_audit(
            s,
            actor=ANONYMOUS,
            action=THROTTLED,
            object_type="request",
            object_id=block.subject[:MAX_OBJECT_ID],
            detail={
                "failures": block.failures,
                "blocked_seconds": block.seconds,
                "refused_in_last_block": block.refused_in_last_block,
                "path": request.url.path[:MAX_PATH],
            },
        )


_SESSION_REASONS = {
    "missing": "missing session",
    "unknown": "unknown session",
    "expired": "session expired",
    "revoked": "session revoked",
    "key_revoked": "revoked",
}
_SESSION_UNAUTHORIZED = {
    "missing session": "sign in first",
    "unknown session": "the session is not valid: sign in again",
    "session expired": "the session has expired: sign in again",
    "session revoked": "the session has been ended: sign in again",
    "revoked": "the API key has been revoked",
}
CSRF_FAILED = "csrf token missing or wrong"


@dataclass(frozen=True)
class SessionAuth:
    """A request authenticated by its session cookie: the key's ``Principal`` and the session."""

    principal: Principal
    session_id: str
    csrf_token: str
    expires_at: datetime


def authenticate_session(request: Request, token: str | None) -> SessionAuth:
    """The session behind a cookie's ``token``: 401 like an invalid key, 403 ``csrf_failed``.

    On unsafe methods the request must present the session's CSRF token
    (``presented_csrf``); it is read only once the session is known to be
    good, outside the database transaction (a form body may still be
    arriving). A session whose key was revoked, that expired or was revoked
    itself is refused and recorded like a bad key.
    """
    rt = current_runtime(request)
    auth: SessionAuth | None = None
    reason = _SESSION_REASONS["unknown"]
    with rt.session() as s:
        found = web_sessions.check_session(s, token) if token else web_sessions.MISSING
        key, session = found.key, found.session
        if found.verdict == "ok" and key is not None and session is not None:
            auth = _session_auth(key, session)
            if request.method in web_sessions.SAFE_METHODS:
                apikeys.touch(s, key)
                return auth
        else:
            key_id = (
                key.id if key is not None and found.verdict not in ("missing", "unknown") else None
            )
            actor = f"key:{key_id}" if key_id else ANONYMOUS
            reason = _SESSION_REASONS[found.verdict]
            record_denial(s, request, actor=actor, reason=reason, key_id=key_id, via="session")
    if auth is None or key is None:
        raise ApiError(401, "unauthorized", _SESSION_UNAUTHORIZED[reason])
    csrf_ok = web_sessions.same_token(auth.csrf_token, presented_csrf(request))
    with rt.session() as s:
        if csrf_ok:
            apikeys.touch(s, key)
            return auth
        record_denial(
            s,
            request,
            actor=auth.principal.actor,
            reason=CSRF_FAILED,
            key_id=key.id,
            via="session",
        )
    raise ApiError(
        403,
        "csrf_failed",
        f"a request made with the session cookie must carry its CSRF token "
        f"({web_sessions.CSRF_HEADER} header or {web_sessions.CSRF_FIELD!r} form field)",
    )


def _session_auth(key: ApiKey, session: WebSession) -> SessionAuth:
    return SessionAuth(Principal.from_key(key), session.id, session.csrf_token, session.expires_at)


def presented_csrf(request: Request) -> str | None:
    """The CSRF token sent with a request: the header, else an HTML form's ``csrf`` field.

    Only URL-encoded forms are read here (what the pages post); a multipart
    upload is streamed to disk by its route and must not be read twice. Called
    outside a worker thread (directly, in a test), the form is not read.
    """
    header = request.headers.get(web_sessions.CSRF_HEADER)
    if header:
        return header
    if request.method in web_sessions.SAFE_METHODS:
        return None
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    try:
        form = anyio.from_thread.run(request.form)
    except RuntimeError:  # not in a worker thread
        return None
    value = form.get(web_sessions.CSRF_FIELD)
    return value if isinstance(value, str) else None


def require(permission: Permission) -> Callable[..., Principal]:
    """Dependency factory: ``authenticate``, then 403 ``forbidden`` if the role lacks it.

    The dependency may also be called directly with a ``Principal`` (a route
    that accepts one of several permissions); the refusal is then recorded
    without the request path.
    """
    if permission not in get_args(Permission):
        raise ValueError(f"unknown permission {permission!r}")

    def dependency(
        rt: RuntimeDep,
        principal: Annotated[Principal, Depends(authenticate)],
        request: Request = None,  # type: ignore[assignment]  # None when called directly
    ) -> Principal:
        if principal.can(permission):
            return principal
        with rt.session() as s:
            record_denial(
                s,
                request,
                actor=principal.actor,
                reason="role lacks permission",
                key_id=principal.key_id,
                permission=permission,
                role=principal.role,
            )
        raise ApiError(
            403, "forbidden", f"a {principal.role} key lacks the {permission!r} permission"
        )

    dependency.__name__ = f"require_{permission}"
    return dependency


def ensure_admin_key(rt: Runtime) -> str | None:
    """The first admin key when the database has no key at all (print it once), else None.

    ``sohoa serve`` calls this so that a fresh embedded install can be used
    at once; safe when several processes start together (see
    ``storage.apikeys.create_first_admin``).
    """
    with rt.session() as s:
        return apikeys.create_first_admin(s)
