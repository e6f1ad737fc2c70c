"""Documents: created once per dossier and checksum, their status, outputs and reprocessing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select, tuple_, union_all, update
from sqlalchemy.orm import Session, selectinload

from core.vietnamese import nfc
from storage import attention
from storage.models import (
    DOCUMENT_STATUSES,
    Document,
    Dossier,
    Page,
    utcnow,
)
from storage.repository.rows import (
    StoredRef,
    clip_reason,
    count_done,
    document_row,
    insert_or_get,
    lock_document,
)


def get_document(s: Session, document_id: str) -> Document | None:
    return s.get(Document, document_id)


def find_document(
    s: Session,
    dossier: Dossier,
    *,
    sha256: str | None = None,
    idempotency_key: str | None = None,
) -> Document | None:
    """The document of ``dossier`` with this idempotency key, else with this checksum."""
    if idempotency_key is not None:
        found = s.scalars(
            select(Document).where(
                Document.dossier_id == dossier.id, Document.idempotency_key == idempotency_key
            )
        ).one_or_none()
        if found is not None:
            return found
    if sha256 is not None:
        return s.scalars(
            select(Document).where(Document.dossier_id == dossier.id, Document.sha256 == sha256)
        ).one_or_none()
    return None


def create_document(
    s: Session,
    dossier: Dossier,
    *,
    filename: str,
    kind: str,
    content_type: str,
    size: int,
    sha256: str,
    original_key: str,
    page_count: int,
    idempotency_key: str | None = None,
    document_id: str | None = None,
) -> tuple[Document, bool]:
    """Record an uploaded original; returns ``(document, created)``.

    When the dossier already holds the same idempotency key or the same file
    (by sha256), that document is returned with ``created=False`` and nothing
    is written. The existing document may then differ from the arguments (a
    key reused for another file): callers that care compare ``sha256``. A
    concurrent transaction inserting the same document is handled the same way.
    """
    existing = find_document(s, dossier, sha256=sha256, idempotency_key=idempotency_key)
    if existing is not None:
        return existing, False

    def make() -> Document:
        return Document(
            id=document_id,
            dossier_id=dossier.id,
            unit_code=dossier.unit_code,
            filename=nfc(filename),
            kind=kind,
            content_type=content_type,
            size=size,
            sha256=sha256,
            original_key=original_key,
            page_count=page_count,
            idempotency_key=idempotency_key,
            status="queued",
        )

    def find() -> Document | None:
        return find_document(s, dossier, sha256=sha256, idempotency_key=idempotency_key)

    return insert_or_get(s, make, find)


def set_document_status(
    s: Session, document: Document, status: str, reason: str | None = None
) -> None:
    """Move ``document`` to ``status``; ``reason`` is kept only for ``failed``.

    ``done_at`` is set when the document becomes done and cleared otherwise; whether
    it needs a person is worked out again (``storage.attention``).
    """
    if status not in DOCUMENT_STATUSES:
        raise ValueError(f"unknown document status {status!r}")
    document.status = status
    document.failure_reason = clip_reason(reason) if status == "failed" else None
    if status == "done":
        document.done_at = document.done_at or utcnow()
    else:
        document.done_at = None
    attention.refresh(document)


def set_outputs(
    s: Session, document_id: str, *, pdf: StoredRef, text: StoredRef, pages: StoredRef
) -> Document:
    """Record where the assembled outputs are: searchable PDF, plain text, page report."""
    document = document_row(s, document_id)
    document.pdf_key, document.pdf_sha256 = pdf.key, pdf.sha256
    document.text_key, document.text_sha256 = text.key, text.sha256
    document.pages_key, document.pages_sha256 = pages.key, pages.sha256
    return document


def reset_for_reprocess(s: Session, document: Document) -> None:
    """Queue a document again: its failed pages, or all pages when none failed.

    Failure reasons are cleared; ``attempts`` are kept, so a page that keeps
    failing shows how often it was tried. Outputs and the search index are left
    in place until the new run replaces them.
    """
    lock_document(s, document.id)
    failed = (Page.document_id == document.id) & (Page.status == "failed")
    has_failed = s.scalar(select(func.count()).select_from(Page).where(failed)) > 0
    which = failed if has_failed else Page.document_id == document.id
    s.execute(
        update(Page)
        .where(which)
        .values(
            status="queued",
            failure_reason=None,
            lease_owner=None,
            lease_until=None,
            tries=0,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    s.expire(document, ["pages"])
    set_document_status(s, document, "queued")
    document.pages_done = count_done(s, document.id)
    document.pages_failed = 0
    document.step = None  # the start step puts it at its pages again
    document.step_owner = document.step_until = None


def dossier_documents(s: Session, dossier_id: int, *, with_pages: bool = False) -> list[Document]:
    """The dossier's documents in the order they were received (and their pages, if asked,
    in one more query rather than one per document)."""
    query = (
        select(Document)
        .where(Document.dossier_id == dossier_id)
        .order_by(Document.created_at, Document.id)
    )
    if with_pages:
        query = query.options(selectinload(Document.pages))
    return list(s.scalars(query))


def documents_of_dossiers(s: Session, dossier_ids: Sequence[int]) -> dict[int, list[Document]]:
    """The documents of a page of dossiers, in one query on the dossier index (the
    listing's checklist status), each dossier's in the order they were received."""
    found: dict[int, list[Document]] = {i: [] for i in dossier_ids}
    if not dossier_ids:
        return found
    query = (
        select(Document)
        .where(Document.dossier_id.in_(list(dossier_ids)))
        .order_by(Document.created_at, Document.id)
    )
    for document in s.scalars(query):
        found[document.dossier_id].append(document)
    return found


def count_documents(s: Session, dossier_id: int) -> int:
    """How many documents the dossier holds, counted by the database (index on dossier_id)."""
    return s.scalar(select(func.count(Document.id)).where(Document.dossier_id == dossier_id)) or 0


@dataclass(frozen=True)
class DocumentFilter:
    """What ``list_documents`` keeps: each ``None`` keeps everything.

    ``created_from`` is inclusive and ``created_before`` exclusive (the caller turns
    days into instants in its own time zone).
    """

    status: str | None = None
    document_type: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    changed_since: datetime | None = None
    """Set: the changes feed. Documents changed at or after it (``updated_at``), oldest
    change first, so another system stays in sync by following the cursor forward."""

    @property
    def feed(self) -> bool:
        return self.changed_since is not None


Position = tuple[datetime, str]
"""Where a page of ``list_documents`` ended: the last document's ``(created_at, id)``, or
``(updated_at, id)`` in the changes feed."""


def position_of(document: Document, where: DocumentFilter) -> Position:
    return (document.updated_at if where.feed else document.created_at, document.id)


def list_documents(
    s: Session,
    *,
    units: Sequence[str] | None,
    where: DocumentFilter,
    after: Position | None = None,
    limit: int = 50,
) -> list[Document]:
    """Documents of ``units`` (None: every unit), newest first, ``limit`` of them after
    ``after`` (keyset pagination: a page never counts or skips the rows before it), each
    with its dossier loaded. The query is ``listing_query``'s."""
    if units is not None and not units:
        return []
    return list(s.scalars(listing_query(units, where, after, limit)))


def listing_query(
    units: Sequence[str] | None, where: DocumentFilter, after: Position | None, limit: int
) -> Select[tuple[Document]]:
    """The statement behind ``list_documents`` (its plan is checked by the tests).

    Each unit is read on its own from ``ix_documents_unit_code_{,status_,document_type_}
    created_at_id`` — an index range in exactly this order, stopping after ``limit``
    rows — and the units' pages merged (``UNION ALL``, one statement): one ``IN`` over
    the units would have to sort every matching document of them before cutting a
    page. A page of a key with *k* units reads at most *k* × ``limit`` index entries,
    whatever the archive's size, then sorts those few.
    """
    key = Document.updated_at if where.feed else Document.created_at
    order = (key.asc(), Document.id.asc()) if where.feed else (key.desc(), Document.id.desc())

    def one_range(unit: str | None) -> Select[tuple[str, datetime]]:
        query = select(Document.id, key.label("moment")).where(*_conditions(where, after))
        if unit is not None:
            query = query.where(Document.unit_code == unit)
        return query.order_by(*order).limit(limit)

    if units is None or len(set(units)) == 1:
        ids = select(one_range(None if units is None else units[0]).subquery().c.id)
    else:
        # Each member wrapped as a subquery: SQLite allows ORDER BY/LIMIT only there.
        parts = [select(one_range(u).subquery()) for u in sorted(set(units))]
        merged = union_all(*parts).subquery()
        merged_order = (
            (merged.c.moment.asc(), merged.c.id.asc())
            if where.feed
            else (merged.c.moment.desc(), merged.c.id.desc())
        )
        ids = select(merged.c.id).order_by(*merged_order).limit(limit)
    return (
        select(Document)
        .where(Document.id.in_(ids.scalar_subquery()))
        .options(selectinload(Document.dossier))
        .order_by(*order)
    )


def _conditions(where: DocumentFilter, after: Position | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.status is not None:
        conditions.append(Document.status == where.status)
    if where.document_type is not None:
        conditions.append(Document.document_type == where.document_type)
    if where.created_from is not None:
        conditions.append(Document.created_at >= where.created_from)
    if where.created_before is not None:
        conditions.append(Document.created_at < where.created_before)
    if where.changed_since is not None:
        conditions.append(Document.updated_at >= where.changed_since)
    if after is not None:
        # A row comparison, which both backends read as one index range.
        key = Document.updated_at if where.feed else Document.created_at
        position = tuple_(*after, types=[key.type, Document.id.type])
        row = tuple_(key, Document.id)
        conditions.append(row > position if where.feed else row < position)
    return conditions
