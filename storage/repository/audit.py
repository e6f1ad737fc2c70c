"""The audit trail: one row per read or change of a citizen's data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.models import (
    AuditEvent,
)


def record_audit(
    s: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    unit_code: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event. There is no update or delete: the table refuses them."""
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        unit_code=unit_code,
        detail=detail,
    )
    s.add(event)
    return event
