"""Units and dossiers: created once under races, found by code, listed by page."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from classifiers.checklists import Procedures, dossier_complete
from core.codes import validate_code
from core.vietnamese import nfc
from storage.models import (
    Document,
    Dossier,
    Unit,
    utcnow,
)
from storage.people import index_applicant
from storage.repository.rows import insert_or_get


@dataclass(frozen=True)
class Applicant:
    """Who handed the dossier in; a field left None is cleared (the whole applicant is set)."""

    name: str | None = None
    id_number: str | None = None
    phone: str | None = None


def ensure_unit(s: Session, code: str, name: str | None = None) -> Unit:
    """The unit ``code``, created if missing; ``name`` (when given) replaces the stored one."""
    code = validate_code(code, "unit code")
    unit = s.get(Unit, code)
    if unit is None:
        unit, _ = insert_or_get(s, lambda: Unit(code=code, name=name), lambda: s.get(Unit, code))
    if name is not None and unit.name != nfc(name):
        unit.name = nfc(name)
    return unit


def get_dossier(s: Session, unit_code: str, code: str) -> Dossier | None:
    """The dossier, or None (also for codes that could not be valid)."""
    try:
        unit_code, code = validate_code(unit_code, "unit code"), validate_code(code)
    except ValueError:
        return None
    return s.scalars(
        select(Dossier).where(Dossier.unit_code == unit_code, Dossier.code == code)
    ).one_or_none()


def upsert_dossier(
    s: Session,
    unit_code: str,
    code: str,
    *,
    procedure_code: str | None = None,
    received_date: date | None = None,
    callback_url: str | None = None,
    applicant: Applicant | None = None,
) -> Dossier:
    """The dossier ``code`` of unit ``unit_code``, created if missing.

    Optional fields given (not None) overwrite the stored ones; omitted ones are
    left alone, so re-sending a dossier without them loses nothing. Raises
    ValueError for an invalid code and LookupError if the unit does not exist.
    """
    unit_code, code = validate_code(unit_code, "unit code"), validate_code(code)
    if s.get(Unit, unit_code) is None:
        raise LookupError(f"no unit {unit_code}")
    dossier = get_dossier(s, unit_code, code)
    if dossier is None:
        dossier, _ = insert_or_get(
            s,
            lambda: Dossier(unit_code=unit_code, code=code),
            lambda: get_dossier(s, unit_code, code),
        )
    if procedure_code is not None:
        dossier.procedure_code = nfc(procedure_code).strip()
    if received_date is not None:
        dossier.received_date = received_date
    if callback_url is not None:
        dossier.callback_url = callback_url
    if applicant is not None:
        dossier.applicant_name = nfc(applicant.name).strip() if applicant.name else None
        dossier.applicant_id_number = applicant.id_number
        dossier.applicant_phone = applicant.phone
        s.flush()  # a new dossier's id, for its index rows
        index_applicant(s, dossier)
    return dossier


def set_checklist_mark(dossier: Dossier, key: str, mark: dict[str, Any] | None) -> None:
    """Tick (``mark``) or untick (None) the checklist item ``key`` of the dossier.

    The JSON is replaced, not changed in place, so the ORM sees the change.
    """
    marks = dict(dossier.checklist_marks or {})
    if mark is None:
        marks.pop(key, None)
    else:
        marks[key] = mark
    dossier.checklist_marks = marks or None


COUNT_UP_TO = 10_000
"""A dossier list counts its matches up to here: a commune's years of dossiers are
counted in an index's time, an admin's whole province is "more than 10,000"."""


def list_dossiers(
    s: Session,
    *,
    units: list[str] | None,
    code_part: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
    after: tuple[datetime, int] | None = None,
    count_up_to: int = COUNT_UP_TO,
) -> tuple[int, list[tuple[Dossier, int]]]:
    """Dossiers of ``units`` (None: all), newest first, with their document counts.

    ``code_part`` matches inside the dossier code or the procedure code,
    case-insensitively and literally (``%`` and ``_`` are not wildcards).
    Returns the total matching, counted up to ``count_up_to`` + 1 (more is reported as
    that: the caller says "more than"), and one page of ``(dossier, documents)`` after
    ``after`` (a keyset: the last dossier's ``(created_at, id)``) or from ``offset``.
    """
    filters = []
    if units is not None:
        filters.append(Dossier.unit_code.in_(units))
    if code_part:
        escaped = code_part.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        filters.append(
            or_(
                func.lower(Dossier.code).like(pattern, escape="\\"),
                func.lower(Dossier.procedure_code).like(pattern, escape="\\"),
            )
        )
    if received_from is not None:
        filters.append(Dossier.received_date >= received_from)
    if received_to is not None:
        filters.append(Dossier.received_date <= received_to)
    counted = select(Dossier.id).where(*filters).limit(count_up_to + 1).subquery()
    total = s.scalar(select(func.count()).select_from(counted)) or 0
    if after is not None:
        position = tuple_(*after, types=[Dossier.created_at.type, Dossier.id.type])
        filters.append(tuple_(Dossier.created_at, Dossier.id) < position)
    # Counted per dossier of the page (a correlated subquery on the dossier's index),
    # not grouped over every document of the archive before the page is cut.
    documents = (
        select(func.count(Document.id))
        .where(Document.dossier_id == Dossier.id)
        .correlate(Dossier)
        .scalar_subquery()
    )
    rows = s.execute(
        select(Dossier, documents)
        .where(*filters)
        .order_by(Dossier.created_at.desc(), Dossier.id.desc())
        .limit(limit)
        .offset(offset if after is None else 0)
    ).all()
    return total, [(dossier, int(n or 0)) for dossier, n in rows]


def unit_codes(s: Session) -> list[str]:
    """Every known unit's code, in order (an admin may file a dossier in any)."""
    return list(s.scalars(select(Unit.code).order_by(Unit.code)))


WEBHOOK_SECRET_PREFIX = "whsec_"


def ensure_webhook_secret(dossier: Dossier, *, rotate: bool = False) -> str | None:
    """Give the dossier its own webhook signing secret; the new secret, or None if it had one.

    Made when a callback URL is first set (or on ``rotate``), so each receiver can check
    its events with a key no other dossier's receiver holds. Kept as it is: HMAC signing
    needs the secret itself, so a hash would not do; the API shows it only when made.
    """
    if dossier.webhook_secret is not None and not rotate:
        return None
    dossier.webhook_secret = WEBHOOK_SECRET_PREFIX + secrets.token_urlsafe(32)
    return dossier.webhook_secret


def claim_completion(s: Session, dossier_id: int, procedures: Procedures) -> Dossier | None:
    """The dossier, if it has just become complete and nobody has said so yet; else None.

    Complete: every document done and its checklist (if its procedure has one) đủ
    (``classifiers.checklists.dossier_complete``). The dossier row is locked first, so
    two documents finishing at once are judged one after the other (the second sees
    the first's ``done``), and ``complete_event_at`` is set in the caller's transaction:
    a redelivered task finds it set and claims nothing. Exactly one caller gets the
    dossier, once, for its ``dossier.complete`` event.
    """
    s.flush()  # this transaction's own changes (the document just done) are read below
    # Read after the lock, never from the session's memory: another transaction may
    # have just finished a document or claimed the event.
    fresh = {"populate_existing": True}
    dossier = s.scalars(
        select(Dossier).where(Dossier.id == dossier_id).with_for_update().execution_options(**fresh)
    ).one_or_none()
    if dossier is None or dossier.complete_event_at is not None:
        return None
    documents = list(
        s.scalars(
            select(Document).where(Document.dossier_id == dossier_id).execution_options(**fresh)
        )
    )
    if not dossier_complete(procedures, dossier.procedure_code, documents, dossier.checklist_marks):
        return None
    dossier.complete_event_at = utcnow()
    return dossier
