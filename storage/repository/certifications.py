"""The certification register: the next number of a book, and entries recorded once.

Numbering is the register's promise: per unit, book and year, consecutive,
never reused, never skipped. ``take_number`` increments the book's counter
under its row lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
transactions already hold the write lock), in the transaction that records
the entry: if anything fails before the commit (the signing, the store), the
number goes back with the rollback, and two officers certifying at the same
moment get consecutive numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Certification, CertificationBook
from storage.repository.rows import insert_or_get

ELECTRONIC_COPIES = "SCTĐT/BS"
"""The book of electronic certified copies (Decree 23/2015 as amended: suffix ``-SCTĐT/BS``)."""


def take_number(s: Session, unit_code: str, year: int, book: str = ELECTRONIC_COPIES) -> int:
    """The next number of the book, taken for this transaction (given back if it rolls back)."""
    insert_or_get(
        s,
        lambda: CertificationBook(unit_code=unit_code, year=year, book=book, last_number=0),
        lambda: s.get(CertificationBook, (unit_code, year, book)),
    )
    counter = s.scalars(
        select(CertificationBook)
        .where(
            CertificationBook.unit_code == unit_code,
            CertificationBook.year == year,
            CertificationBook.book == book,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counter.last_number += 1
    s.flush()
    return counter.last_number


def entry_time(s: Session, unit_code: str, year: int, book: str, moment: datetime) -> datetime:
    """When the entry taking the book's next number is recorded: ``moment``, or a microsecond
    after the book's latest entry when ``moment`` is not later. Call it under the book's
    lock (after ``take_number``).

    The register lists entries by ``(certified_at, id)``, and must list a book in the order
    of its numbers. ``moment`` is taken before the lock, to the second (it is printed and
    signed): two officers certifying within one second had equal times, and their entries
    came out in the order of their random ids (a CI run listed number 2 before 1); an
    officer whose moment was taken first but who got the lock second had an earlier time
    than the number before theirs."""
    latest = s.scalar(
        select(func.max(Certification.certified_at)).where(
            Certification.unit_code == unit_code,
            Certification.year == year,
            Certification.book == book,
        )
    )
    if latest is not None and moment <= latest:
        return latest + timedelta(microseconds=1)
    return moment


def record_certification(s: Session, certification: Certification) -> Certification:
    """Add the entry (its number from ``take_number`` in the same transaction)."""
    s.add(certification)
    s.flush()
    return certification


MAX_PAGE = 500


@dataclass(frozen=True)
class RegisterPage:
    items: list[Certification]
    next_after: tuple[datetime, str] | None  # where the next page starts, or None


def list_certifications(
    s: Session,
    *,
    units: Sequence[str] | None,
    certified_from: datetime | None = None,
    certified_before: datetime | None = None,
    after: tuple[datetime, str] | None = None,
    limit: int = 100,
) -> RegisterPage:
    """Register entries of ``units`` (None: all) in signing order, a keyset page at a time.

    ``(certified_at, id)`` orders them (within a unit, the order of their numbers);
    the ``(unit_code, certified_at)`` index serves a unit's period.
    """
    limit = max(1, min(limit, MAX_PAGE))
    query = select(Certification)
    if units is not None:
        query = query.where(Certification.unit_code.in_(list(units)))
    if certified_from is not None:
        query = query.where(Certification.certified_at >= certified_from)
    if certified_before is not None:
        query = query.where(Certification.certified_at < certified_before)
    if after is not None:
        moment, last_id = after
        query = query.where(
            or_(
                Certification.certified_at > moment,
                and_(Certification.certified_at == moment, Certification.id > last_id),
            )
        )
    rows = list(
        s.scalars(query.order_by(Certification.certified_at, Certification.id).limit(limit + 1))
    )
    more = len(rows) > limit
    items = rows[:limit]
    return RegisterPage(items, (items[-1].certified_at, items[-1].id) if more else None)


def certification_of_document(s: Session, document_id: str) -> Certification | None:
    return s.scalar(select(Certification).where(Certification.document_id == document_id))
