"""Shared by the repository's modules: code validation, row look-ups and locks, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.vietnamese import nfc
from storage.models import (
    Document,
    Page,
)

MAX_REASON_LENGTH = 2000


T = TypeVar("T")


class StoredRef(Protocol):
    """What ``set_outputs`` needs of a stored object (``storage.objects.StoredObject``)."""

    key: str
    sha256: str


def insert_or_get(
    s: Session, make: Callable[[], T], find: Callable[[], T | None]
) -> tuple[T, bool]:
    """Insert ``make()`` in a savepoint; if a concurrent transaction won, return its row.

    Returns ``(row, created)``. The savepoint keeps the caller's transaction
    usable after the unique violation.
    """
    try:
        with s.begin_nested():
            obj = make()
            s.add(obj)
        return obj, True
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found, False


def document_row(s: Session, document_id: str) -> Document:
    document = s.get(Document, document_id)
    if document is None:
        raise LookupError(f"no document {document_id}")
    return document


def lock_document(s: Session, document_id: str) -> Document:
    """The document, its row locked until the transaction ends; LookupError if missing.

    Serialises everything that changes one document's pages or index entries.
    On SQLite the transaction holds the database write lock already. The row is
    re-read (``populate_existing``): a copy loaded before the lock may be stale.
    """
    document = s.scalars(
        select(Document)
        .where(Document.id == document_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if document is None:
        raise LookupError(f"no document {document_id}")
    return document


def page_row(s: Session, document_id: str, number: int) -> Page:
    page = s.scalars(
        select(Page)
        .where(Page.document_id == document_id, Page.number == number)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if page is None:
        raise LookupError(f"document {document_id} has no page {number}")
    return page


def count_done(s: Session, document_id: str) -> int:
    return s.scalar(
        select(func.count())
        .select_from(Page)
        .where(Page.document_id == document_id, Page.status == "done")
    )


def clip_reason(reason: str | None) -> str | None:
    """NFC, and short enough to show: a traceback pasted in would bury the cause."""
    if reason is None:
        return None
    reason = nfc(reason)
    return reason if len(reason) <= MAX_REASON_LENGTH else reason[: MAX_REASON_LENGTH - 1] + "…"
