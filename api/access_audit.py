"""The audit trail of access: who read or changed a citizen's paper, and every refusal.

Events are written in their own transaction (``record_denial`` excepted, which
joins the caller's). Call ``deny_unit`` and ``audit_read`` after the route's
own transaction has ended: on SQLite a second transaction inside the first
waits for the write lock the first one holds.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from api.error_responses import ApiError
from api.principal import Principal
from api.runtime_dependency import current_runtime
from pipeline.runtime import Runtime
from storage import repository as repo

DENIED = "access.denied"
THROTTLED = "access.throttled"
ANONYMOUS = "anonymous"

# Column sizes of audit_events: a long path or a made-up unit must not make the
# audit insert itself fail.
MAX_OBJECT_ID = 255
MAX_UNIT = 64
MAX_PATH = 1000


def record_denied(
    request: Request, *, actor: str, reason: str, key_id: str | None = None, **extra: str
) -> None:
    """``access.denied`` in its own transaction, for a refusal decided outside ``authenticate``.

    The pages use it: a wrong key typed at sign-in, a page another role may not see.
    """
    rt = current_runtime(request)
    with rt.session() as s:
        record_denial(s, request, actor=actor, reason=reason, key_id=key_id, **extra)


def deny_unit(
    rt: Runtime, principal: Principal, unit_code: str, *, object_type: str, object_id: str
) -> ApiError:
    """Record a reach into another unit and return the 404 that hides it; ``raise`` it.

    The message is the one a missing object gets (``no document <id>``), so
    the answer says nothing about whether the object exists.
    """
    with rt.session() as s:
        repo.record_audit(
            s,
            actor=principal.actor,
            action=DENIED,
            object_type=object_type,
            object_id=str(object_id)[:MAX_OBJECT_ID],
            unit_code=unit_code[:MAX_UNIT],
            detail={"reason": "other unit", "key_id": principal.key_id, "role": principal.role},
        )
    return ApiError(404, f"{object_type}_not_found", f"no {object_type} {object_id}")


def audit_read(
    rt: Runtime,
    principal: Principal,
    *,
    action: str,
    object_type: str,
    object_id: str,
    unit_code: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record that ``principal`` read or changed a citizen's document (its own transaction)."""
    with rt.session() as s:
        repo.record_audit(
            s,
            actor=principal.actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:MAX_OBJECT_ID],
            unit_code=unit_code[:MAX_UNIT] if unit_code is not None else None,
            detail=detail,
        )


def record_denial(
    s: Session,
    request: Request | None,
    *,
    actor: str,
    reason: str,
    key_id: str | None,
    **extra: str,
) -> None:
    """``access.denied`` for a request refused as a whole (no key, wrong key, wrong role)."""
    path = request.url.path[:MAX_PATH] if request is not None else None
    detail: dict[str, Any] = {"reason": reason, **extra}
    if request is not None:
        detail.update(method=request.method, path=path)
    if key_id is not None:
        detail["key_id"] = key_id
    repo.record_audit(
        s,
        actor=actor,
        action=DENIED,
        object_type="request",
        object_id=(path or "-")[:MAX_OBJECT_ID],
        detail=detail,
    )
