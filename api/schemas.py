"""Request bodies and JSON answers of the document API.

The answers are built from the database rows here, in one place, so that a
document looks the same whether it comes from ``GET /documents/{id}``, an
upload or a correction. Links are relative to the server root (no host name:
the API may sit behind a proxy that knows better).
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from classifiers.checklists import Checklist
from classifiers.doctypes import DOCUMENT_TYPES, label
from core.vietnamese import nfc
from pipeline.document_state import retry_can_help
from storage.attention import REASONS as ATTENTION_REASONS
from storage.models import (
    DOCUMENT_STATUSES,
    DOSSIER_STATUSES,
    PAGE_STATUSES,
    Document,
    Dossier,
    Page,
)

PREFIX = "/api/v1"
MAX_FIELDS_BYTES = 64 * 1024
"""Corrected ``fields`` are extraction results (names, numbers, dates), not files."""

# The statuses as enums in the OpenAPI document, from the tuples the database's CHECKs use
# (one list: a status added there is in the schema at once). A client can switch on them.
DocumentStatus = Literal[DOCUMENT_STATUSES]  # type: ignore[valid-type]
PageStatus = Literal[PAGE_STATUSES]  # type: ignore[valid-type]
DossierStatus = Literal[DOSSIER_STATUSES]  # type: ignore[valid-type]
DOCUMENT_STATUS_HELP = (
    "queued: waiting for a worker; processing: being read; done: searchable PDF, text and "
    "type ready; failed: see failure_reason (POST …/reprocess runs it again)."
)

MAX_OFFSET = 2**31 - 1
"""Largest ``offset`` of a listing: far past any real one, and well inside the
64-bit integers SQLite and PostgreSQL take (a bigger one made the driver fail: 500)."""

MAX_KEYSET_OFFSET = 10_000
"""Largest ``offset`` of a listing that pages by ``next_cursor``: an offset reads and
drops every row before it (258 ms for the last of 50,000 dossiers on PostgreSQL, issue
18, against 4 ms by cursor), so far pages are reached by cursor. Search engines cap it
alike (Elasticsearch's ``max_result_window``, 10,000)."""


# ------------------------------------------------------------------ requests


class ApplicantIn(BaseModel):
    """Who hands the dossier in, as the clerk enters it or accepts it from a read ID card."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=255, examples=["Nguyễn Văn Đặng"])
    id_number: str | None = Field(
        None,
        pattern=r"^(\d{9}|\d{12})$",
        description="12-digit personal ID number, or an old 9-digit ID card number.",
    )
    phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9 .-]{6,18}[0-9]$")

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(nfc(value).split())
        if not value or not value.isprintable():
            raise ValueError("must be a printable name")
        return value


class ApplicantOut(BaseModel):
    name: str | None
    id_number: str | None
    phone: str | None


CHECKLIST_SUMMARY_HELP = (
    "complete (đủ); missing (thiếu N: a required paper has nothing); needs_check (a person "
    "must look: a paper no classifier tells, a paper of unknown type, a failed document); "
    "processing (documents are still being read)."
)


class ChecklistItemOut(BaseModel):
    key: str
    label: str
    required: bool
    copies: int
    types: list[str] = Field(description="Document types that satisfy it; ['*'] any; [] by hand.")
    state: Literal["present", "missing", "needs_check", "optional"]
    documents: list[str] = Field(description="Ids of the documents that satisfy it.")
    marked_by: str | None = Field(None, description="Who ticked it by hand, if someone did.")
    reason: str = Field("", description="Why it needs a person, in Vietnamese.")


class ChecklistPaperOut(BaseModel):
    document_id: str
    part: int | None = Field(None, description="Part of a file holding several papers.")
    filename: str
    status: DocumentStatus
    document_type: str | None


class ChecklistStatusOut(BaseModel):
    summary: Literal["complete", "missing", "needs_check", "processing"] = Field(
        description=CHECKLIST_SUMMARY_HELP
    )
    label: str = Field(description="The Vietnamese short status: đủ, thiếu 2, cần kiểm tra …")
    missing: int


class ChecklistOut(ChecklistStatusOut):
    """The papers the dossier's procedure needs (thành phần hồ sơ) and which are there."""

    procedure_code: str
    procedure_name: str
    to_check: int
    pending: int
    items: list[ChecklistItemOut]
    unmatched: list[ChecklistPaperOut] = Field(
        description="Papers that satisfy no item: extra, of unknown type, or failed."
    )


class ChecklistMarkIn(BaseModel):
    """``PUT …/checklist/{key}``: tick an item by hand, naming its document if there is one."""

    model_config = ConfigDict(extra="forbid")

    document_id: str | None = Field(None, max_length=36)


class DossierIn(BaseModel):
    """``PUT /dossiers/{code}``: fields left out (or null) keep their stored value."""

    model_config = ConfigDict(extra="forbid")

    unit: str | None = Field(
        None, description="Unit code; required to create a dossier, must be one the key sees."
    )
    procedure_code: str | None = Field(None, max_length=64, examples=["2.000815"])
    received_date: date | None = None
    callback_url: str | None = Field(
        None, max_length=2048, description="http(s) URL told when a document is done or failed."
    )
    applicant: ApplicantIn | None = Field(
        None, description="Who hands the dossier in; given, it replaces the stored one whole."
    )

    @field_validator("unit", "procedure_code")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL text cannot hold NUL: storing it (or auditing a unit refused) was a 500.
        if value is not None and "\x00" in value:
            raise ValueError("must not contain a NUL character")
        return value

    @field_validator("callback_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urllib.parse.urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if not value.isprintable():  # control characters; NUL made PostgreSQL fail (500)
            raise ValueError("must not contain control characters")
        return value


class DocumentPatch(BaseModel):
    """``PATCH /documents/{id}``: a person's correction of the classifier's output.

    ``document_type`` is one of the stable type codes (``classifiers.doctypes``).
    ``fields`` is a JSON merge patch (RFC 7396) over the stored fields: a key
    set to a value replaces it, a key set to null removes it, keys left out are
    kept. A value is the corrected text (``"Nguyễn Văn Đặng"``) or an object
    with a ``value``; it is stored as ``{"value", "confidence": 1.0,
    "corrected": true}``, the shape every extracted field has. At least one of
    the three must be given.
    """

    model_config = ConfigDict(extra="forbid")

    document_type: str | None = Field(
        None, min_length=1, max_length=64, examples=["birth_certificate"]
    )
    fields: dict[str, Any] | None = None
    is_certified_copy: bool | None = None

    @field_validator("document_type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = nfc(value).strip()
        if value not in DOCUMENT_TYPES:
            raise ValueError(f"must be one of: {', '.join(DOCUMENT_TYPES)}")
        return value

    @field_validator("fields")
    @classmethod
    def _small(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value, ensure_ascii=False)) > MAX_FIELDS_BYTES:
            raise ValueError(f"larger than {MAX_FIELDS_BYTES // 1024} KB")
        if value is not None and _has_nul(value):
            # PostgreSQL's JSONB refuses \u0000: storing it was a 500.
            raise ValueError("must not contain a NUL character")
        return value


def _has_nul(value: object) -> bool:
    """Whether a NUL character is in any key or string of a JSON value (without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# ------------------------------------------------------------------ answers


class DocumentSummary(BaseModel):
    id: str
    filename: str
    status: DocumentStatus = Field(description=DOCUMENT_STATUS_HELP)
    document_type: str | None
    created_at: datetime
    links: dict[str, str]


class DossierOut(BaseModel):
    code: str
    unit: str
    procedure_code: str | None
    received_date: date | None
    status: DossierStatus = Field(
        description="open: papers may still arrive; closed: the dossier is complete."
    )
    callback_url: str | None
    document_count: int
    applicant: ApplicantOut | None = None
    checklist_status: ChecklistStatusOut | None = Field(
        None, description="Whether its papers are all there; null when its procedure has no list."
    )
    created_at: datetime
    updated_at: datetime
    links: dict[str, str]
    documents: list[DocumentSummary] | None = Field(
        None, description="Only in GET /dossiers/{code}: its documents, oldest first."
    )
    checklist: ChecklistOut | None = Field(
        None, description="Only in GET /dossiers/{code}: each paper its procedure needs."
    )
    webhook_secret: str | None = Field(
        None,
        description="Only in the PUT answer that first set a callback_url: the key of this "
        "dossier's webhook signatures (X-Sohoa-Signature), shown this once.",
    )


class WebhookSecretOut(BaseModel):
    webhook_secret: str = Field(
        description="HMAC-SHA256 key of this dossier's event signatures; shown once, keep it."
    )


class DossierList(BaseModel):
    total: int = Field(description="Matching dossiers, counted up to 10,000 (see total_exact).")
    total_exact: bool = Field(description="False: more than total match.")
    limit: int
    offset: int
    items: list[DossierOut]
    next_cursor: str | None = Field(
        None, description="Pass as cursor= (with the same filters) for the next page."
    )


class PageOut(BaseModel):
    number: int
    status: PageStatus = Field(description="queued (not read yet), done, or failed (see reason).")
    rotation: int | None
    skew: float | None
    confidence: float | None
    failure_reason: str | None
    warnings: list[str] = Field(
        default_factory=list,
        description="What a person should check about a page that was read, by stable code: "
        "'small_text' (the picture is too small to read reliably; take it again closer).",
    )
    links: dict[str, str | None]


class FieldOut(BaseModel):
    """One field as read (or corrected): its value and how sure and where."""

    model_config = ConfigDict(extra="allow")  # older stored fields may carry more

    value: str | int | float | list[str] | None = Field(
        description="Text as read; dates ISO (yyyy-mm-dd); sex male/female; *_problems: a "
        "list of check findings."
    )
    confidence: float | None = Field(None, ge=0, le=1)
    page: int | None = Field(None, description="The page it was read on (1-based).")
    box: list[int] | None = Field(
        None,
        min_length=4,
        max_length=4,
        description="Where on that page: [x0, y0, x1, y1] in the page image's pixels.",
    )
    corrected: bool = Field(False, description="A person set this value.")


class DocumentOut(BaseModel):
    id: str
    dossier: str
    unit: str
    filename: str
    kind: str
    content_type: str
    size: int
    status: DocumentStatus = Field(description=DOCUMENT_STATUS_HELP)
    failure_reason: str | None
    retry_can_help: bool | None = Field(
        None,
        description="Only when failed: whether POST …/reprocess may succeed (false for a "
        "corrupt, encrypted or empty file, which must be scanned or sent again).",
    )
    attention: list[str] = Field(
        default_factory=list,
        description="Why it is in the attention queue (GET /attention), by stable code: "
        + ", ".join(ATTENTION_REASONS)
        + "; empty when it is not (or a person marked it checked).",
    )
    progress: dict[str, int]
    document_type: str | None = Field(
        description="A stable type code, 'unclassified' until classified."
    )
    type_label: str | None = Field(description="The type's Vietnamese label.")
    type_confidence: float | None
    fields: dict[str, FieldOut] | None = Field(
        description="Field name (see the type's fields) → what was read; a person's "
        "correction has confidence 1 and corrected: true."
    )
    is_certified_copy: bool | None
    classification: dict[str, Any] | None = Field(
        description="Candidates, rule evidence, red seals and portrait photos, model version."
    )
    checksums: dict[str, str | None]
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None
    pages: list[PageOut]
    links: dict[str, str | None]


class UploadedDocument(BaseModel):
    id: str
    status: DocumentStatus = Field(description=DOCUMENT_STATUS_HELP)
    created: bool = Field(description="False: the same file (or key) was already in the dossier.")
    queued: bool
    status_url: str


class FileResult(BaseModel):
    """The fate of one file of an upload, in request order."""

    position: int
    filename: str
    status_code: int = Field(description="202 taken, or the 4xx/5xx of its refusal.")
    document: UploadedDocument | None = None
    error: dict[str, str] | None = None


class UploadOut(BaseModel):
    dossier: str
    unit: str
    files: list[FileResult]


class SearchHitOut(BaseModel):
    document_id: str
    dossier: str
    unit: str
    filename: str
    document_type: str | None
    score: float
    pages: list[int]
    page: int
    snippet: str = Field(description="HTML: escaped text, matches in <mark>…</mark>.")
    links: dict[str, str]


class PersonHitOut(BaseModel):
    dossier: str
    unit: str
    document_id: str | None = Field(description="null when the dossier's applicant matched.")
    filename: str | None
    document_type: str | None
    field: str = Field(description="The field that matched, e.g. applicant_name, full_name.")
    value: str = Field(description="The value as read (or entered), with its accents.")
    links: dict[str, str]


class PeopleOut(BaseModel):
    total: int
    kind: Literal["name", "id_number", "date_of_birth"] | None = Field(
        description="How the query was read; null when it is none (a single word)."
    )
    limit: int
    offset: int
    hits: list[PersonHitOut]


class SearchOut(BaseModel):
    total: int = Field(description="Matching documents; a lower bound when total_exact is false.")
    total_exact: bool = Field(
        description="False when more pages matched than a search ranks (storage.search."
        "CANDIDATES, NARROW_CANDIDATES for a phrase or within units): only the newest "
        "matches were ranked; narrow the query (dates) to see older ones."
    )
    limit: int
    offset: int
    next_cursor: str | None = Field(
        None, description="Pass as cursor= for the next page (keyset: no re-ranking)."
    )
    hits: list[SearchHitOut]


class DocumentListItem(BaseModel):
    """A document as ``GET /documents`` lists it: enough to pick one, no fields or text."""

    id: str
    dossier: str
    unit: str
    filename: str
    status: DocumentStatus = Field(description=DOCUMENT_STATUS_HELP)
    document_type: str | None
    page_count: int
    created_at: datetime
    updated_at: datetime = Field(description="Its last change: what changed_since follows.")
    done_at: datetime | None
    links: dict[str, str]


class DocumentListOut(BaseModel):
    limit: int
    items: list[DocumentListItem]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= (with the same filters) for the next page; null on the last."
    )


def document_list_item(document: Document) -> DocumentListItem:
    dossier = document.dossier
    return DocumentListItem(
        id=document.id,
        dossier=dossier.code,
        unit=dossier.unit_code,
        filename=document.filename,
        status=document.status,
        document_type=document.document_type,
        page_count=document.page_count,
        created_at=document.created_at,
        updated_at=document.updated_at,
        done_at=document.done_at,
        links={"self": document_url(document.id), "dossier": dossier_url(dossier)},
    )


class ReprocessOut(BaseModel):
    id: str
    status: DocumentStatus = Field(description=DOCUMENT_STATUS_HELP)
    queued: bool
    status_url: str


# ------------------------------------------------------------------ builders


def document_url(document_id: str, tail: str = "") -> str:
    return f"{PREFIX}/documents/{document_id}{tail}"


def dossier_url(dossier: Dossier) -> str:
    return dossier_link(dossier.code, dossier.unit_code)


def dossier_link(code: str, unit: str) -> str:
    quoted = urllib.parse.quote(code, safe="")
    return f"{PREFIX}/dossiers/{quoted}?unit={urllib.parse.quote(unit, safe='')}"


def dossier_out(
    dossier: Dossier,
    document_count: int,
    documents: list[Document] | None = None,
    checklist: Checklist | None = None,
) -> DossierOut:
    """A dossier; with ``documents`` (one dossier read) its documents and full checklist."""
    summaries = None
    if documents is not None:
        summaries = [
            DocumentSummary(
                id=d.id,
                filename=d.filename,
                status=d.status,
                document_type=d.document_type,
                created_at=d.created_at,
                links={"self": document_url(d.id)},
            )
            for d in documents
        ]
    return DossierOut(
        code=dossier.code,
        unit=dossier.unit_code,
        procedure_code=dossier.procedure_code,
        received_date=dossier.received_date,
        status=dossier.status,
        callback_url=dossier.callback_url,
        document_count=document_count,
        applicant=applicant_out(dossier),
        checklist_status=checklist_status_out(checklist) if checklist else None,
        created_at=dossier.created_at,
        updated_at=dossier.updated_at,
        links={
            "self": dossier_url(dossier),
            "upload": dossier_url(dossier).replace("?", "/documents?", 1),
        },
        documents=summaries,
        checklist=checklist_out(checklist) if checklist and documents is not None else None,
    )


def applicant_out(dossier: Dossier) -> ApplicantOut | None:
    if not (dossier.applicant_name or dossier.applicant_id_number or dossier.applicant_phone):
        return None
    return ApplicantOut(
        name=dossier.applicant_name,
        id_number=dossier.applicant_id_number,
        phone=dossier.applicant_phone,
    )


def checklist_status_out(checklist: Checklist) -> ChecklistStatusOut:
    return ChecklistStatusOut(
        summary=checklist.summary, label=checklist.summary_label, missing=checklist.missing
    )


def checklist_out(checklist: Checklist) -> ChecklistOut:
    return ChecklistOut(
        **checklist_status_out(checklist).model_dump(),
        procedure_code=checklist.procedure.code,
        procedure_name=checklist.procedure.name,
        to_check=checklist.to_check,
        pending=checklist.pending,
        items=[
            ChecklistItemOut(
                key=s.item.key,
                label=s.item.label,
                required=s.item.required,
                copies=s.item.copies,
                types=list(s.item.types),
                state=s.state,
                documents=list(s.documents),
                marked_by=s.marked_by,
                reason=s.reason,
            )
            for s in checklist.items
        ],
        unmatched=[
            ChecklistPaperOut(
                document_id=p.document_id,
                part=p.part,
                filename=p.filename,
                status=p.status,
                document_type=p.document_type,
            )
            for p in checklist.unmatched
        ],
    )


def page_out(document_id: str, page: Page) -> PageOut:
    image = document_url(document_id, f"/pages/{page.number}/image")
    return PageOut(
        number=page.number,
        status=page.status,
        rotation=page.rotation,
        skew=page.skew,
        confidence=page.confidence,
        failure_reason=page.failure_reason,
        warnings=list(page.warnings or ()),
        links={
            "image": f"{image}?size=full" if page.image_key else None,
            "thumbnail": f"{image}?size=thumb" if page.thumbnail_key else None,
        },
    )


def document_out(document: Document) -> DocumentOut:
    done = document.status == "done"
    return DocumentOut(
        id=document.id,
        dossier=document.dossier.code,
        unit=document.dossier.unit_code,
        filename=document.filename,
        kind=document.kind,
        content_type=document.content_type,
        size=document.size,
        status=document.status,
        failure_reason=document.failure_reason,
        retry_can_help=retry_can_help(document.failure_reason)
        if document.status == "failed"
        else None,
        attention=list(document.attention or []) if document.attention_at else [],
        progress={"pages_done": document.pages_done, "page_count": document.page_count},
        document_type=document.document_type,
        type_label=label(document.document_type) if document.document_type else None,
        type_confidence=document.type_confidence,
        fields=document.fields,
        is_certified_copy=document.is_certified_copy,
        classification=document.classification,
        checksums={
            "original": document.sha256,
            "pdf": document.pdf_sha256 if done else None,
            "text": document.text_sha256 if done else None,
        },
        created_at=document.created_at,
        updated_at=document.updated_at,
        done_at=document.done_at,
        pages=[page_out(document.id, p) for p in sorted(document.pages, key=lambda p: p.number)],
        links={
            "self": document_url(document.id),
            "original": document_url(document.id, "/original"),
            "pdf": document_url(document.id, "/pdf") if done and document.pdf_key else None,
            "text": document_url(document.id, "/text") if done and document.text_key else None,
            "page_image": document_url(document.id, "/pages/{n}/image"),
            "reprocess": document_url(document.id, "/reprocess"),
        },
    )
