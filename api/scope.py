"""Unit scope: which dossiers and documents a key may touch, and how refusals look.

A key sees the units it was granted (an admin key sees all). Anything outside
them answers exactly like something that does not exist (404
``dossier_not_found`` / ``document_not_found``), through
``api.access_audit.deny_unit``, which also records the attempt.

Refusals are raised *after* the database transaction has ended
(``OutOfScope`` inside, ``deny_unit`` outside): ``deny_unit`` writes its own
audit event, and on SQLite a second transaction opened inside the first would
wait for the write lock the first one holds.

Dossier codes are unique per unit, not globally. ``resolve_dossier`` finds one
by code and optional unit: with ``unit`` given, that unit (it must be one the
key sees); without, the key's units are searched and the code must name
exactly one dossier among them (409 ``ambiguous_dossier`` otherwise, asking for
``?unit=``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access_audit import audit_read, deny_unit
from api.error_responses import ApiError
from api.principal import Principal
from api.security import require
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import Document, Dossier

Reader = Annotated[Principal, Depends(require("read"))]
Writer = Annotated[Principal, Depends(require("write"))]
Submitter = Annotated[Principal, Depends(require("submit"))]
"""Creates or updates dossiers and uploads into them: clerks, intake software, admins."""


class OutOfScope(Exception):
    """Raised inside a transaction for an object of a unit the key does not see."""

    def __init__(self, unit_code: str) -> None:
        super().__init__(unit_code)
        self.unit_code = unit_code


@contextmanager
def scoped(rt: Runtime, principal: Principal, object_type: str, object_id: str) -> Iterator[None]:
    """Turn an ``OutOfScope`` raised in the block into ``deny_unit``'s 404, outside it.

    Wrap the ``with rt.session()`` block in this, so the transaction has
    ended (rolled back) before the refusal is recorded.
    """
    try:
        yield
    except OutOfScope as exc:
        raise deny_unit(
            rt, principal, exc.unit_code, object_type=object_type, object_id=object_id
        ) from None


def check_unit(principal: Principal, unit_code: str) -> None:
    if not principal.sees_unit(unit_code):
        raise OutOfScope(unit_code)


def document_not_found(document_id: str) -> ApiError:
    return ApiError(404, "document_not_found", f"no document {document_id}")


def dossier_not_found(code: str) -> ApiError:
    return ApiError(404, "dossier_not_found", f"no dossier {code}")


def load_document(s: Session, principal: Principal, document_id: str) -> Document:
    """The document if the key sees its unit; raise 404 or ``OutOfScope``."""
    document = repo.get_document(s, document_id) if len(document_id) <= 36 else None
    if document is None:
        raise document_not_found(document_id)
    check_unit(principal, document.dossier.unit_code)
    return document


def lock_document(s: Session, principal: Principal, document_id: str) -> Document:
    """Like ``load_document``, its row locked for a change."""
    try:
        document = repo.lock_document(s, document_id) if len(document_id) <= 36 else None
    except LookupError:
        document = None
    if document is None:
        raise document_not_found(document_id)
    check_unit(principal, document.dossier.unit_code)
    return document


def resolve_dossier(s: Session, principal: Principal, code: str, unit: str | None) -> Dossier:
    """The dossier ``code`` (of ``unit`` if given) among those the key sees (see module doc)."""
    if unit is not None:
        check_unit(principal, unit)
        dossier = repo.get_dossier(s, unit, code)
        if dossier is None:
            raise dossier_not_found(code)
        return dossier
    try:
        code = repo.validate_code(code)
    except ValueError:
        raise dossier_not_found(code) from None
    candidates = list(s.scalars(select(Dossier).where(Dossier.code == code)))
    visible = [d for d in candidates if principal.sees_unit(d.unit_code)]
    if len(visible) == 1:
        return visible[0]
    if len(visible) > 1:
        units = ", ".join(sorted(d.unit_code for d in visible))
        raise ApiError(
            409, "ambiguous_dossier", f"dossier {code} exists in units {units}: add ?unit="
        )
    if candidates:
        raise OutOfScope(candidates[0].unit_code)
    raise dossier_not_found(code)


def visible_units(principal: Principal, unit: str | None) -> list[str] | None:
    """Units a listing or search covers: None for every unit (admin, no filter).

    Call ``check_filter_unit`` on ``unit`` first.
    """
    if unit is not None:
        return [unit]
    if principal.role == "admin":
        return None
    return sorted(principal.units)


def check_filter_unit(rt: Runtime, principal: Principal, unit: str | None) -> None:
    """A unit filter the key does not see is refused like a missing unit (and recorded)."""
    if unit is not None:
        with scoped(rt, principal, "unit", unit):
            check_unit(principal, unit)


def channel(via: str | None) -> dict[str, str]:
    """The audit detail naming the channel of a read (``via="web"`` for the pages), or none."""
    return {"via": via} if via is not None else {}


def audit(
    rt: Runtime, principal: Principal, action: str, target: Document | Dossier, **detail: Any
) -> None:
    """Record a read or change of a document (or dossier) by this key, in its own transaction.

    Call it after the route's transaction has ended, with objects whose
    dossier was loaded inside it.
    """
    if isinstance(target, Document):
        object_type, object_id, unit = "document", target.id, target.dossier.unit_code
    else:
        object_type, object_id, unit = "dossier", target.code, target.unit_code
    audit_read(
        rt,
        principal,
        action=action,
        object_type=object_type,
        object_id=object_id,
        unit_code=unit,
        detail=detail or None,
    )
