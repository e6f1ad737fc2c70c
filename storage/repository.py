"""The small database operations the pipeline, the CLI and the API are made of.

Each function takes an open ``Session`` and leaves committing to the caller, so
a task can group several of them in one transaction. Those the pipeline may
repeat (a task redelivered after a worker died) are idempotent: calling them
twice leaves the database as calling them once.

Concurrency: functions that change a document's pages first lock the document
row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions are already
serialised by ``BEGIN IMMEDIATE``). Two page tasks of one document finishing
at the same moment then count each other's pages, so exactly one sees that no
page is left.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.vietnamese import nfc
from storage.models import (
    DOCUMENT_STATUSES,
    AuditEvent,
    Comparison,
    Document,
    Dossier,
    Lease,
    Page,
    Unit,
    utcnow,
)

MAX_CODE_LENGTH = 64
MAX_REASON_LENGTH = 2000

T = TypeVar("T")


class StoredRef(Protocol):
    """What ``set_outputs`` needs of a stored object (``storage.objects.StoredObject``)."""

    key: str
    sha256: str


# ------------------------------------------------------------------ codes


def validate_code(code: str, what: str = "dossier code") -> str:
    """Return ``code`` in NFC without surrounding spaces, or raise ValueError.

    Unit and dossier codes become object-key folders (``unit/dossier/document``),
    so besides being 1–64 printable characters they may not contain ``/`` or
    ``\\`` nor be ``.`` or ``..``, which would climb out of a local store.
    """
    if not isinstance(code, str):
        raise ValueError(f"{what} must be text, not {type(code).__name__}")
    cleaned = nfc(code).strip()
    if not cleaned:
        raise ValueError(f"{what} is empty")
    if len(cleaned) > MAX_CODE_LENGTH:
        raise ValueError(f"{what} is longer than {MAX_CODE_LENGTH} characters: {cleaned[:80]!r}…")
    bad = [ch for ch in cleaned if ch in "/\\" or not ch.isprintable()]
    if bad:
        names = ", ".join(sorted({unicodedata.name(ch, f"U+{ord(ch):04X}") for ch in bad}))
        raise ValueError(f"{what} {cleaned!r} contains characters not allowed: {names}")
    if set(cleaned) == {"."}:
        raise ValueError(f"{what} {cleaned!r} is not allowed")
    return cleaned


def _insert_or_get(
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


# ------------------------------------------------------------------ units and dossiers


def ensure_unit(s: Session, code: str, name: str | None = None) -> Unit:
    """The unit ``code``, created if missing; ``name`` (when given) replaces the stored one."""
    code = validate_code(code, "unit code")
    unit = s.get(Unit, code)
    if unit is None:
        unit, _ = _insert_or_get(s, lambda: Unit(code=code, name=name), lambda: s.get(Unit, code))
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
        dossier, _ = _insert_or_get(
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
    return dossier


# ------------------------------------------------------------------ documents


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

    return _insert_or_get(s, make, find)


def set_document_status(
    s: Session, document: Document, status: str, reason: str | None = None
) -> None:
    """Move ``document`` to ``status``; ``reason`` is kept only for ``failed``.

    ``done_at`` is set when the document becomes done and cleared otherwise.
    """
    if status not in DOCUMENT_STATUSES:
        raise ValueError(f"unknown document status {status!r}")
    document.status = status
    document.failure_reason = _reason(reason) if status == "failed" else None
    if status == "done":
        document.done_at = document.done_at or utcnow()
    else:
        document.done_at = None


def set_outputs(
    s: Session, document_id: str, *, pdf: StoredRef, text: StoredRef, pages: StoredRef
) -> Document:
    """Record where the assembled outputs are: searchable PDF, plain text, page report."""
    document = _document(s, document_id)
    document.pdf_key, document.pdf_sha256 = pdf.key, pdf.sha256
    document.text_key, document.text_sha256 = text.key, text.sha256
    document.pages_key, document.pages_sha256 = pages.key, pages.sha256
    return document


def stalled_documents(s: Session, *, quiet_since: Any, limit: int = 100) -> list[str]:
    """Documents still to finish on which nothing has happened since ``quiet_since``.

    Neither they nor a page of theirs is held under a live lease, neither they nor their
    pages changed since then: their work was lost (a message gone with a
    killed worker or a broker, a lane whose next page was never queued) or is
    waiting in a long queue. Oldest first, at most ``limit``: the sweeper's
    cost is bounded by what it sends, not by the archive.
    """
    now = utcnow()
    of_document = Page.document_id == Document.id
    busy = exists().where(of_document, or_(Page.lease_until > now, Page.updated_at > quiet_since))
    return list(
        s.scalars(
            select(Document.id)
            .where(
                Document.status.in_(("queued", "processing")),
                Document.updated_at <= quiet_since,
                or_(Document.step_until.is_(None), Document.step_until <= now),
                ~busy,
            )
            .order_by(Document.updated_at, Document.id)
            .limit(limit)
        )
    )


def void_dead_leases(s: Session, *, limit: int = 100) -> list[str]:
    """Free the pages and steps whose lease ran out in progress; their documents' ids.

    A live task renews its lease (``pipeline.leases``), so a lease that ran out
    on a page still queued, or a step of a document still in progress, belonged
    to a worker that died. Each is freed by compare-and-set on the lease it had
    (a task taking it over at the same moment wins, and it is not freed), so
    the caller sends each document once, at once, instead of waiting for the
    document to look stalled. At most ``limit`` of each, found by index.
    """
    now = utcnow()
    documents: list[str] = []
    dead_pages = s.execute(
        select(Page.document_id, Page.number, Page.lease_owner)
        .where(Page.lease_until <= now, Page.status == "queued")
        .order_by(Page.lease_until)
        .limit(limit)
    ).all()
    for document_id, number, owner in dead_pages:
        freed = s.execute(
            update(Page)
            .where(
                Page.document_id == document_id,
                Page.number == number,
                Page.lease_owner == owner,
                Page.lease_until <= now,
            )
            .values(lease_owner=None, lease_until=None, updated_at=Page.updated_at)
            .execution_options(synchronize_session=False)
        )
        if freed.rowcount == 1 and document_id not in documents:
            documents.append(document_id)
    dead_steps = s.execute(
        select(Document.id, Document.step_owner)
        .where(Document.step_until <= now, Document.status.in_(("queued", "processing")))
        .order_by(Document.step_until)
        .limit(limit)
    ).all()
    for document_id, owner in dead_steps:
        freed = s.execute(
            update(Document)
            .where(
                Document.id == document_id,
                Document.step_owner == owner,
                Document.step_until <= now,
            )
            .values(step_owner=None, step_until=None, updated_at=Document.updated_at)
            .execution_options(synchronize_session=False)
        )
        if freed.rowcount == 1 and document_id not in documents:
            documents.append(document_id)
    return documents


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
    document.pages_done = _count_done(s, document.id)
    document.pages_failed = 0
    document.step = None  # the start step puts it at its pages again
    document.step_owner = document.step_until = None


# ------------------------------------------------------------------ pages


def ensure_pages(s: Session, document: Document, count: int) -> list[Page]:
    """Make sure pages ``1..count`` exist; returns all of the document's pages in order.

    Existing pages are never touched or duplicated, so a redelivered start task
    is harmless.
    """
    if count < 0:
        raise ValueError(f"page count {count} < 0")
    lock_document(s, document.id)
    existing = set(s.scalars(select(Page.number).where(Page.document_id == document.id)))
    missing = [n for n in range(1, count + 1) if n not in existing]
    s.add_all(Page(document_id=document.id, number=n, status="queued") for n in missing)
    s.flush()
    s.expire(document, ["pages"])
    return list(document.pages)


def claim_page(s: Session, document_id: str, number: int, owner: str, seconds: float) -> bool:
    """Take page ``number`` for ``owner`` for ``seconds``; False if it is not to be taken.

    One atomic compare-and-set: the page must still be queued and free, its
    lease expired (its worker died), or already ``owner``'s (the same task
    retried or redelivered after its worker died). Of two deliveries of one
    page, exactly one gets True; the other returns without running anything.
    ``attempts`` counts the tasks that took the page.
    """
    now = utcnow()
    taken = s.execute(
        update(Page)
        .where(
            Page.document_id == document_id,
            Page.number == number,
            Page.status == "queued",
            or_(Page.lease_owner.is_(None), Page.lease_until <= now, Page.lease_owner == owner),
        )
        .values(
            lease_owner=owner,
            lease_until=now + timedelta(seconds=seconds),
            # A try is a new task taking the page; its own retries are one try.
            attempts=case((Page.lease_owner == owner, Page.attempts), else_=Page.attempts + 1),
            tries=case((Page.lease_owner == owner, Page.tries), else_=Page.tries + 1),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def renew_page(s: Session, document_id: str, number: int, owner: str, seconds: float) -> bool:
    """Extend ``owner``'s lease on page ``number`` to ``seconds`` from now; False if it lost it.

    The heartbeat of a running page: a claim lasts ``seconds`` unless renewed,
    so the page of a worker killed with ``-9`` is free again within one lease,
    not after the longest a page may take. Renewing is not progress: the page's
    ``updated_at`` is left alone, so the sweeper still sees how long ago it moved.
    """
    renewed = s.execute(
        update(Page)
        .where(
            Page.document_id == document_id,
            Page.number == number,
            Page.status == "queued",
            Page.lease_owner == owner,
        )
        # ``updated_at`` named, or its ``onupdate`` would count the renewal as progress
        .values(lease_until=utcnow() + timedelta(seconds=seconds), updated_at=Page.updated_at)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1


def take_lease(s: Session, name: str, owner: str, seconds: float) -> bool:
    """Hold the named lease for ``seconds`` if it is free or expired; True if taken."""
    now = utcnow()
    values = {"owner": owner, "until": now + timedelta(seconds=seconds)}
    taken = s.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.until.is_(None), Lease.until <= now))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:
        return True
    if s.get(Lease, name) is not None:
        return False
    try:
        with s.begin_nested():
            s.add(Lease(name=name, **values))
    except IntegrityError:  # another process made it first, and holds it
        return False
    return True


def get_page(s: Session, document_id: str, number: int) -> Page | None:
    """One page by its key, without loading the document's other pages."""
    return s.scalars(
        select(Page).where(Page.document_id == document_id, Page.number == number)
    ).one_or_none()


def page_objects(s: Session, document_id: str) -> list[Any]:
    """Where each page's stored results are, in page order: one query, no page text loaded."""
    return list(
        s.execute(
            select(
                Page.number, Page.words_key, Page.words_sha256, Page.image_key, Page.image_sha256
            )
            .where(Page.document_id == document_id)
            .order_by(Page.number)
        )
    )


def mark_page_done(
    s: Session,
    document_id: str,
    number: int,
    *,
    rotation: int | None,
    skew: float | None,
    confidence: float | None,
    text: str | None,
    image_key: str | None,
    image_sha256: str | None,
    words_key: str | None,
    words_sha256: str | None,
    thumbnail_key: str | None = None,
    thumbnail_sha256: str | None = None,
    timings: dict[str, float] | None = None,
) -> int:
    """Record page ``number``'s result; returns how many pages are still not done.

    Idempotent: marking a done page again overwrites it with the same result and
    the count stays right: ``pages_done`` grows only when a page becomes done,
    decided under the document's lock, so it costs one row, not a recount of
    the document's pages. The return value counts pages the document should
    have (``page_count``) that are not done yet. The page's lease ends here.
    """
    document = lock_document(s, document_id)
    page = _page(s, document_id, number)
    if page.status != "done":
        document.pages_done += 1
    if page.status == "failed":
        document.pages_failed -= 1
    page.status = "done"
    page.lease_owner = page.lease_until = None
    page.timings = timings
    page.failure_reason = None
    page.rotation, page.skew, page.confidence = rotation, skew, confidence
    # NUL can come out of a PDF's own text layer; PostgreSQL refuses it in text.
    page.text = nfc(text).replace("\x00", "") if text is not None else None
    page.image_key, page.image_sha256 = image_key, image_sha256
    page.words_key, page.words_sha256 = words_key, words_sha256
    page.thumbnail_key, page.thumbnail_sha256 = thumbnail_key, thumbnail_sha256
    s.flush()
    return document.page_count - document.pages_done


def mark_page_failed(s: Session, document_id: str, number: int, reason: str) -> None:
    """Record that page ``number`` failed for good, and why (shown to the clerk)."""
    document = lock_document(s, document_id)
    page = _page(s, document_id, number)
    if page.lease_owner is None:  # not counted by a claim: failed before it ran
        page.attempts += 1
    if page.status == "done":
        document.pages_done -= 1
    if page.status != "failed":
        document.pages_failed += 1
    page.status = "failed"
    page.lease_owner = page.lease_until = None
    page.failure_reason = _reason(reason)
    s.flush()


def pages_settled(document: Document) -> bool:
    """Every page of ``document`` done or failed, read from its counters (its row locked)."""
    return document.pages_done + document.pages_failed >= document.page_count


def failed_pages(s: Session, document_id: str) -> list[tuple[int, str | None]]:
    """(number, reason) of the document's failed pages, in page order."""
    rows = s.execute(
        select(Page.number, Page.failure_reason)
        .where(Page.document_id == document_id, Page.status == "failed")
        .order_by(Page.number)
    )
    return [(number, reason) for number, reason in rows]


# ------------------------------------------------------------------ document steps


def set_step(s: Session, document: Document, step: str) -> None:
    """Put the document at ``step``, held by nobody (its row locked by the caller)."""
    document.step = step
    document.step_owner = document.step_until = None
    document.updated_at = utcnow()


def claim_step(s: Session, document_id: str, step: str, owner: str, seconds: float) -> bool:
    """Take the document's ``step`` for ``owner`` for ``seconds``; False if not to be taken.

    As ``claim_page``: one atomic compare-and-set. The document must be at
    ``step``, still in progress, and the step free, its lease expired, or
    ``owner``'s already (the same task retried or redelivered).
    """
    now = utcnow()
    taken = s.execute(
        update(Document)
        .where(
            Document.id == document_id,
            Document.step == step,
            Document.status.in_(("queued", "processing")),
            or_(
                Document.step_owner.is_(None),
                Document.step_until <= now,
                Document.step_owner == owner,
            ),
        )
        .values(step_owner=owner, step_until=now + timedelta(seconds=seconds), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def renew_step(s: Session, document_id: str, step: str, owner: str, seconds: float) -> bool:
    """As ``renew_page`` for a document step: extend ``owner``'s hold on ``step``."""
    renewed = s.execute(
        update(Document)
        .where(Document.id == document_id, Document.step == step, Document.step_owner == owner)
        .values(step_until=utcnow() + timedelta(seconds=seconds), updated_at=Document.updated_at)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1


def advance_step(s: Session, document_id: str, step: str, owner: str, to: str) -> bool:
    """Move the document from ``step`` to ``to`` if ``owner`` still holds ``step``.

    Called in the transaction that records the step's result, so the result
    and the move are one: a holder whose lease was taken over records nothing.
    """
    moved = s.execute(
        update(Document)
        .where(Document.id == document_id, Document.step == step, Document.step_owner == owner)
        .values(step=to, step_owner=None, step_until=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1


# ------------------------------------------------------------------ audit


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


# ------------------------------------------------------------------ helpers


def _document(s: Session, document_id: str) -> Document:
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


def _page(s: Session, document_id: str, number: int) -> Page:
    page = s.scalars(
        select(Page)
        .where(Page.document_id == document_id, Page.number == number)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if page is None:
        raise LookupError(f"document {document_id} has no page {number}")
    return page


def _count_done(s: Session, document_id: str) -> int:
    return s.scalar(
        select(func.count())
        .select_from(Page)
        .where(Page.document_id == document_id, Page.status == "done")
    )


def _reason(reason: str | None) -> str | None:
    """NFC, and short enough to show: a traceback pasted in would bury the cause."""
    if reason is None:
        return None
    reason = nfc(reason)
    return reason if len(reason) <= MAX_REASON_LENGTH else reason[: MAX_REASON_LENGTH - 1] + "…"


def list_dossiers(
    s: Session,
    *,
    units: list[str] | None,
    code_part: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[tuple[Dossier, int]]]:
    """Dossiers of ``units`` (None: all), newest first, with their document counts.

    ``code_part`` matches inside the dossier code or the procedure code,
    case-insensitively and literally (``%`` and ``_`` are not wildcards).
    Returns the total matching and one page of ``(dossier, documents)``.
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
    total = s.scalar(select(func.count(Dossier.id)).where(*filters)) or 0
    counts = (
        select(Document.dossier_id, func.count(Document.id).label("n"))
        .group_by(Document.dossier_id)
        .subquery()
    )
    rows = s.execute(
        select(Dossier, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.dossier_id == Dossier.id)
        .where(*filters)
        .order_by(Dossier.created_at.desc(), Dossier.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [(dossier, int(n)) for dossier, n in rows]


def list_comparisons(
    s: Session,
    *,
    units: list[str] | None,
    document_id: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[Comparison]]:
    """Comparisons whose original *and* copy are in ``units`` (None: all), newest first.

    A comparison shows both documents (their words, the report naming both
    dossiers), so it is listed only to a key that may read both; the rule is
    part of the query, so one page costs one page of rows whatever other
    units hold. ``document_id`` keeps those with that document on either side.
    Returns the total matching and one page.
    """
    filters = []
    if units is not None:
        filters += [Comparison.unit_code.in_(units), Comparison.original_unit_code.in_(units)]
    if document_id:
        filters.append(
            or_(
                Comparison.original_document_id == document_id,
                Comparison.copy_document_id == document_id,
            )
        )
    total = s.scalar(select(func.count(Comparison.id)).where(*filters)) or 0
    rows = s.scalars(
        select(Comparison)
        .where(*filters)
        .order_by(Comparison.created_at.desc(), Comparison.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return total, list(rows)
