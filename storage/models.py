"""The metadata database: units, dossiers, documents, pages, search rows, and every other table.

One schema for SQLite (the embedded default) and PostgreSQL (production). The
Alembic migrations create it; these classes only describe it, and a test checks
that the two agree. Statuses are plain strings guarded by CHECK constraints
rather than database enums, so adding a status is a one-line migration on both
backends.

The base every table shares and its column types (UTC timestamps, JSON) are
``storage.table_base``; the tables of access and accountability (API keys, web
sessions, audit events) are ``storage.access_models``. This module is where
all of them are imported from: importing it puts every table in
``Base.metadata``, which the migrations compare against.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.access_models import API_KEY_ROLES, ApiKey, AuditEvent, WebSession
from storage.table_base import (
    NAMING_CONVENTION,
    Base,
    JsonType,
    Timestamps,
    UtcDateTime,
    one_of,
    utcnow,
)

__all__ = [
    "API_KEY_ROLES",
    "DOCUMENT_KINDS",
    "DOCUMENT_STATUSES",
    "DOSSIER_STATUSES",
    "NAMING_CONVENTION",
    "PAGE_STATUSES",
    "ApiKey",
    "AuditEvent",
    "Base",
    "ClassifierModel",
    "Comparison",
    "Document",
    "DocumentCorrection",
    "Dossier",
    "IndexedPage",
    "JsonType",
    "Lease",
    "Page",
    "Timestamps",
    "Unit",
    "UtcDateTime",
    "WebSession",
    "utcnow",
]

DOSSIER_STATUSES = ("open", "closed")
"""``open``: documents may still arrive; ``closed``: the dossier is complete."""

DOCUMENT_STATUSES = ("queued", "processing", "done", "failed")
PAGE_STATUSES = ("queued", "done", "failed")
DOCUMENT_KINDS = ("pdf", "tiff", "jpeg", "png", "webp", "heif")


class Unit(Base):
    """A commune or ward (``đơn vị``) that owns dossiers, e.g. ``000.00.00.H26``."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    dossiers: Mapped[list[Dossier]] = relationship(back_populates="unit")


class Dossier(Timestamps, Base):
    """A one-stop dossier (``hồ sơ một cửa``): the papers of one citizen's request."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("unit_code", "code"),
        CheckConstraint(one_of("status", DOSSIER_STATUSES), name="status"),
        # GET /dossiers, newest first in keyset order (migration 0023).
        Index(None, "unit_code", "created_at", "id"),
        Index(None, "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    code: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(64))
    received_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    # Who handed the dossier in: the receipt names them, the citizen search finds them.
    applicant_name: Mapped[str | None] = mapped_column(String(255))
    applicant_id_number: Mapped[str | None] = mapped_column(String(16))
    applicant_phone: Mapped[str | None] = mapped_column(String(32))
    # Checklist items a clerk ticked by hand: item key -> {by, at, document_id}.
    checklist_marks: Mapped[dict[str, Any] | None]
    # HMAC key of this dossier's webhook events (made when a callback URL is set, shown
    # once). Kept as it is, not hashed: signing needs the secret itself.
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    # When ``dossier.complete`` was decided (storage.repository.dossiers.claim_completion):
    # set in that transaction, so a redelivered task never sends it twice.
    complete_event_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(back_populates="dossiers")
    documents: Mapped[list[Document]] = relationship(back_populates="dossier")


class Document(Timestamps, Base):
    """One scanned file handed in, and everything made from it.

    ``sha256`` is the original's checksum; unique per dossier, so the same file
    uploaded twice into a dossier is one document. ``pages_done`` is a count of
    done pages, recomputed (never incremented) so a redelivered task cannot
    count a page twice.
    """

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("dossier_id", "sha256"),
        UniqueConstraint("dossier_id", "idempotency_key"),
        CheckConstraint(one_of("status", DOCUMENT_STATUSES), name="status"),
        CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind"),
        Index(None, "status"),
        Index(None, "step_until"),  # the sweeper's look-up of steps whose worker died
        Index(None, "attention_at"),  # the attention queue, newest first
        # GET /documents: one unit's documents newest first, whole or by status or type,
        # read in keyset order from an index (migration 0020); every unit's, for an admin.
        Index(None, "unit_code", "created_at", "id"),
        Index(None, "unit_code", "status", "created_at", "id"),
        Index(None, "unit_code", "document_type", "created_at", "id"),
        Index(None, "created_at", "id"),
        # GET /documents?changed_since=: the changes feed, oldest first (migration 0023).
        Index(None, "unit_code", "updated_at", "id"),
        Index(None, "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    # The dossier's unit, copied (a dossier never changes unit) so that listing a unit's
    # documents is an index read, not a join over its dossiers.
    unit_code: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int] = mapped_column(default=0, server_default="0")
    pages_done: Mapped[int] = mapped_column(default=0, server_default="0")
    pages_failed: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    # The step of the journey the document is at (pipeline.journey.STEPS), and
    # who holds it until when: a step is run only by the task that claimed it.
    step: Mapped[str | None] = mapped_column(String(16))
    step_owner: Mapped[str | None] = mapped_column(String(255))
    step_until: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(Text)
    document_type: Mapped[str | None] = mapped_column(String(64))
    type_confidence: Mapped[float | None] = mapped_column(Float)
    fields: Mapped[dict[str, Any] | None]
    is_certified_copy: Mapped[bool | None]
    # Candidates, rule evidence, image cues and model version behind the type.
    classification: Mapped[dict[str, Any] | None]
    original_key: Mapped[str] = mapped_column(String(1024))
    pdf_key: Mapped[str | None] = mapped_column(String(1024))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    text_key: Mapped[str | None] = mapped_column(String(1024))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    pages_key: Mapped[str | None] = mapped_column(String(1024))
    pages_sha256: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    done_at: Mapped[datetime | None]
    # Why it needs a person (storage.attention.REASONS) and since when; attention_at is
    # null when nothing does, or a person cleared it (the reasons stay, to see a change).
    attention: Mapped[list[str] | None] = mapped_column(JsonType)
    attention_at: Mapped[datetime | None]

    dossier: Mapped[Dossier] = relationship(back_populates="documents")
    pages: Mapped[list[Page]] = relationship(
        back_populates="document",
        order_by="Page.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Page(Timestamps, Base):
    """One page of a document: its OCR result and where its intermediate files are."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint(one_of("status", PAGE_STATUSES), name="status"),
        CheckConstraint("number >= 1", name="number"),
        Index(None, "lease_until"),  # the sweeper's look-up of pages whose worker died
        Index(None, "status", "updated_at"),  # GET /metrics: by status, done or failed lately
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    rotation: Mapped[int | None]
    skew: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    image_key: Mapped[str | None] = mapped_column(String(1024))
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    result_key: Mapped[str | None] = mapped_column(String(1024))
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    thumbnail_key: Mapped[str | None] = mapped_column(String(1024))
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    # Who is working on the page, until when (``repository.claim_page``).
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[datetime | None]
    # Tasks that took the page since it was last queued (``attempts``: ever).
    tries: Mapped[int] = mapped_column(default=0, server_default="0")
    # Seconds per stage of the last run: kept here, not in the page's result
    # file, which is named by its content and must be the same on every run.
    timings: Mapped[dict[str, Any] | None]
    # ``pipeline.stage_data.PAGE_WARNINGS`` codes of a page read with doubts (a small picture).
    warnings: Mapped[list[str] | None] = mapped_column(JsonType)

    document: Mapped[Document] = relationship(back_populates="pages")


class Lease(Base):
    """A named lease: work only one process at a time should do (the sweeper)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(255))
    until: Mapped[datetime | None]


class CertificationBook(Base):
    """One register book (sổ chứng thực) of a unit for a year: the last number given.

    Numbers run per unit, book and year (``NN/YYYY-SCTĐT/BS`` for electronic
    copies) and are never reused or skipped: the next one is taken under this
    row's lock in the transaction that records the certification, so a failed
    certification gives its number back and two at once get consecutive ones.
    """

    __tablename__ = "certification_books"

    unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    book: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0, server_default="0")


class Certification(Base):
    """One entry of the certification register: append-only (the database refuses changes).

    The register's columns (../shared/domain.md): number; date; requester; the
    paper certified; copies; the certifier's name and title; fee; notes. Document
    ids are kept as text, not foreign keys: the register outlives what it names.
    """

    __tablename__ = "certifications"
    __table_args__ = (
        UniqueConstraint("unit_code", "year", "book", "number"),
        Index(None, "unit_code", "certified_at"),
        Index(None, "document_id", unique=True),  # a document is certified once
        Index(None, "pdf_sha256"),  # the verification page finds a copy by its hash
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    unit_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    book: Mapped[str] = mapped_column(String(32))
    volume: Mapped[int] = mapped_column(default=1, server_default="1")
    number: Mapped[int]
    certified_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    dossier_code: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[str] = mapped_column(String(36))
    original_document_id: Mapped[str | None] = mapped_column(String(36))
    comparison_id: Mapped[str | None] = mapped_column(String(36))
    requester: Mapped[str | None] = mapped_column(String(255))
    paper: Mapped[str] = mapped_column(String(255))
    copies: Mapped[int] = mapped_column(default=1, server_default="1")
    fee: Mapped[int | None]  # VND
    officer: Mapped[str] = mapped_column(String(128))  # the key that certified
    officer_name: Mapped[str] = mapped_column(String(255))
    officer_title: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(1024))
    pdf_key: Mapped[str | None] = mapped_column(String(1024))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    signer: Mapped[str | None] = mapped_column(String(255))  # the certificate's name
    document_type: Mapped[str | None] = mapped_column(String(64))

    @property
    def book_label(self) -> str:
        """``01/2026-SCTĐT/BS``: the volume, the year and the book, as the attestation prints it."""
        return f"{self.volume:02d}/{self.year}-{self.book}"


class Deletion(Base):
    """A document an admin deleted, and what is still to be removed of it from the store.

    The rows go at once; the objects follow (``pipeline.deletion.purge``): the
    derived ones (PDF, text, page images) at the next purge, the original (and
    the pictures it was bound from) only when ``originals_after`` has passed —
    ``SOHOA_RETAIN_ORIGINALS_DAYS``, so a mistaken deletion can be undone from the
    original and an archive's retention is kept. Kept after the purge as the
    record of what was deleted, when and by whom (no citizen's text: codes,
    a file name, keys).
    """

    __tablename__ = "deletions"
    __table_args__ = (Index(None, "purged_at", "originals_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(36))
    unit_code: Mapped[str] = mapped_column(String(64))
    dossier_code: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(512))
    prefix: Mapped[str] = mapped_column(String(1024))
    originals: Mapped[list[str]] = mapped_column(JsonType)
    deleted_by: Mapped[str] = mapped_column(String(128))
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    originals_after: Mapped[datetime]
    derived_purged_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]


class PersonEntry(Base):
    """A person named in a dossier, as the citizen search looks them up (``storage.people``).

    One row per name, ID number or date of birth read from a document's fields
    (or entered as the dossier's applicant, then ``document_id`` is null).
    ``key`` is the value normalised for exact look-up: a name folded to
    accent-free lower case with single spaces, an ID number's digits, a date in
    ISO form. Exact, so "nguyễn văn đặng" finds that person and not every page
    that says "Thái Nguyên" or "CỘNG HÒA".
    """

    __tablename__ = "person_index"
    __table_args__ = (
        Index(None, "key", "dossier_id"),
        Index(None, "document_id"),
        Index(None, "dossier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(255))


class IndexedPage(Base):
    """A page as the search index knows it: the fold of its text.

    The text itself is the page's (``pages.text``, stored once since migration
    0025); ``folded`` is its fold, the same length (``storage.search_query.fold``),
    which snippets find matches in. The full-text structures over
    ``folded`` are backend-specific and created by the migration only: an FTS5
    table ``page_fts`` on SQLite, a generated ``tsv`` column with a GIN index on
    PostgreSQL.
    """

    __tablename__ = "page_search"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    folded: Mapped[str] = mapped_column(Text)
    # The page's unit as one token (storage.search.scope_token), indexed beside the fold
    # on SQLite so a unit's search is narrowed inside FTS5 (migration 0024).
    scope: Mapped[str | None] = mapped_column(String(160))


class DocumentCorrection(Base):
    """A person's correction of what the classifier said about a document.

    ``before`` and ``after`` hold ``document_type``, ``fields`` and
    ``is_certified_copy`` as they were and as they became: pairs to retrain
    the classifier on, and a record of who changed what. Rows are only ever
    added; they go with their document if it is ever deleted.
    """

    __tablename__ = "document_corrections"
    __table_args__ = (Index(None, "document_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(128))
    unit_code: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any]]
    after: Mapped[dict[str, Any]]


class ClassifierModel(Base):
    """A trained classifier stored in the object store, and whether workers use it.

    ``sohoa classifier train`` adds a row for each model it trains, with the
    held-out scores of the old and new model in ``metrics``; the one row with
    ``active`` set is what every worker loads (by ``sha256``, checked on read).
    """

    __tablename__ = "classifier_models"
    __table_args__ = (Index(None, "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    version: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=False, server_default=false())
    metrics: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(128))


class Comparison(Base):
    """An officer's comparison of a copy with its original: what was compared and found.

    ``result`` is the engine's answer as the API returned it (text changes,
    image regions, verdict per page); ``overlays`` lists the stored overlay
    images (``{page, key, sha256}``). Rows are only ever added: the record of a
    certification check must not change after the fact.

    ``unit_code`` is the copy's unit (where the comparison is filed) and
    ``original_unit_code`` the original's: a comparison shows both documents,
    so only a key that sees both units may read it (``storage.repository.list_comparisons``
    filters on both; ``units`` is what a single read checks).
    """

    __tablename__ = "comparisons"
    __table_args__ = (
        Index(None, "unit_code", "created_at"),
        Index(None, "original_unit_code", "created_at"),
        Index(None, "original_document_id"),
        Index(None, "copy_document_id"),
        Index(None, "attention_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(128))
    unit_code: Mapped[str] = mapped_column(String(64))
    original_unit_code: Mapped[str] = mapped_column(String(64))
    original_document_id: Mapped[str] = mapped_column(String(36))
    original_pages: Mapped[list[int]] = mapped_column(JsonType)
    copy_document_id: Mapped[str] = mapped_column(String(36))
    copy_pages: Mapped[list[int]] = mapped_column(JsonType)
    verdict: Mapped[str] = mapped_column(String(16))
    difference_count: Mapped[int]
    result: Mapped[dict[str, Any]]
    overlays: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    # Set when the verdict needs the officer (differences, manual_check) until they clear it.
    attention_at: Mapped[datetime | None]

    @property
    def units(self) -> tuple[str, str]:
        """The original's unit and the copy's: a reader must see both."""
        return (self.original_unit_code, self.unit_code)
