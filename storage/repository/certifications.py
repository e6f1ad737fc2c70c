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

from sqlalchemy import select
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


def record_certification(s: Session, certification: Certification) -> Certification:
    """Add the entry (its number from ``take_number`` in the same transaction)."""
    s.add(certification)
    s.flush()
    return certification
