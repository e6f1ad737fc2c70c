"""Plain views of stored rows, for callers that should not know the ORM (the counter's pages).

Built inside the service's transaction (as its ``shape``), so a page gets
frozen values and never touches a row after its session has closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.receipts import Receipt, ReceiptLine
from api.schemas import dossier_out
from classifiers.checklists import Checklist
from core.vietnamese import VIETNAM_TIME
from pipeline.document_state import retry_can_help
from storage.models import Document, Dossier


@dataclass(frozen=True)
class PartRow:
    """One paper inside a file that holds several (``classification.parts``)."""

    first_page: int
    last_page: int
    document_type: str
    confidence: float | None
    is_certified_copy: bool
    fields: dict[str, Any]


def part_rows(classification: dict[str, Any] | None) -> tuple[PartRow, ...]:
    """The papers the classifier found in the file, from its stored result; malformed
    entries (an older or hand-edited result) are skipped, never a 500."""
    rows = []
    for part in (classification or {}).get("parts") or ():
        pages = part.get("pages") if isinstance(part, dict) else None
        if not pages or not all(isinstance(n, int) for n in pages):
            continue
        confidence = part.get("confidence")
        fields = part.get("fields")
        rows.append(
            PartRow(
                first_page=min(pages),
                last_page=max(pages),
                document_type=str(part.get("type") or "other"),
                confidence=float(confidence) if isinstance(confidence, int | float) else None,
                is_certified_copy=part.get("is_certified_copy") is True,
                fields=fields if isinstance(fields, dict) else {},
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class DocumentRow:
    """What the dossier page shows of one document (and what ``upload.js`` keeps updating)."""

    id: str
    filename: str
    status: str
    document_type: str | None
    type_confidence: float | None
    is_certified_copy: bool | None
    page_count: int
    pages_done: int
    failure_reason: str | None
    thumbnail: str | None
    parts: tuple[PartRow, ...] = ()  # the papers inside, when the file holds several
    retry_can_help: bool = True  # False: a failure the same file meets again (no retry button)


def document_row(document: Document) -> DocumentRow:
    """The row; its thumbnail is the first page's, once that page is done."""
    first = next((p for p in document.pages if p.number == 1), None)
    thumb = None
    if first is not None and first.status == "done" and first.thumbnail_key:
        thumb = f"/api/v1/documents/{document.id}/pages/1/image?size=thumb"
    return DocumentRow(
        id=document.id,
        filename=document.filename,
        status=document.status,
        document_type=document.document_type,
        type_confidence=document.type_confidence,
        is_certified_copy=document.is_certified_copy,
        page_count=document.page_count,
        pages_done=document.pages_done,
        failure_reason=document.failure_reason,
        thumbnail=thumb,
        parts=part_rows(document.classification),
        retry_can_help=retry_can_help(document.failure_reason),
    )


@dataclass(frozen=True)
class PageView:
    """One page of the document page: its image beside the text read from it."""

    number: int
    status: str
    text: str
    image: str | None
    failure_reason: str | None
    confidence: float | None
    warnings: tuple[str, ...] = ()


def page_views(document: Document) -> list[PageView]:
    views = []
    for page in sorted(document.pages, key=lambda p: p.number):
        image = None
        if page.status == "done" and page.image_key and page.result_key:
            image = f"/api/v1/documents/{document.id}/pages/{page.number}/image?size=full"
        views.append(
            PageView(
                number=page.number,
                status=page.status,
                text=page.text or "",
                image=image,
                failure_reason=page.failure_reason,
                # Tesseract's mean word confidence is 0–100; shown as a percentage.
                confidence=page.confidence / 100 if page.confidence is not None else None,
                warnings=tuple(page.warnings or ()),
            )
        )
    return views


@dataclass(frozen=True)
class DocumentView:
    """The document page's header, type and fields as stored, and its pages."""

    info: dict[str, object]
    fields: dict[str, object] | None
    classification: dict[str, object]
    type_confidence: float | None
    pages: list[PageView]
    parts: tuple[PartRow, ...] = ()


def document_view(document: Document) -> DocumentView:
    dossier = document.dossier
    info: dict[str, object] = {
        "id": document.id,
        "filename": document.filename,
        "status": document.status,
        "failure_reason": document.failure_reason,
        "document_type": document.document_type,
        "type_confidence": document.type_confidence,
        "is_certified_copy": document.is_certified_copy,
        "page_count": document.page_count,
        "pages_done": document.pages_done,
        "created_at": document.created_at,
        "done_at": document.done_at,
        "pdf": f"/api/v1/documents/{document.id}/pdf" if document.status == "done" else None,
        "original": f"/api/v1/documents/{document.id}/original",
        "dossier_code": dossier.code,
        "unit": dossier.unit_code,
    }
    return DocumentView(
        info=info,
        fields=dict(document.fields) if document.fields else None,
        classification=dict(document.classification or {}),
        type_confidence=document.type_confidence,
        pages=page_views(document),
        parts=part_rows(document.classification),
    )


def dossier_summary(
    dossier: Dossier, document_count: int, checklist: Checklist | None = None
) -> dict[str, Any]:
    """A dossier as the API shows it (``DossierOut``), as plain values for a template."""
    return dossier_out(dossier, document_count, checklist=checklist).model_dump()


def dossier_with_rows(
    dossier: Dossier, documents: list[Document], checklist: Checklist | None = None
) -> tuple[dict[str, Any], list[DocumentRow]]:
    """The dossier page's header (with its full checklist) and its documents' rows (give the
    documents with their pages)."""
    header = dossier_out(dossier, len(documents), documents, checklist).model_dump()
    return header, [document_row(d) for d in documents]


def documents_to_pick(
    dossier: Dossier, documents: list[Document]
) -> tuple[dict[str, str], list[dict[str, object]]]:
    """The dossier and its documents as the comparison form offers them to pick from."""
    picks: list[dict[str, object]] = [
        {
            "id": d.id,
            "filename": d.filename,
            "status": d.status,
            "document_type": d.document_type,
            "page_count": d.page_count,
        }
        for d in documents
    ]
    return {"code": dossier.code, "unit": dossier.unit_code}, picks


def receipt_of(
    dossier: Dossier, documents: list[Document], checklist: Checklist | None, *, clerk: str
) -> Receipt:
    """The receipt's values: the checklist's items with what was received for each, and
    the papers no item asked for; without a checklist, every document is listed."""
    if checklist is not None:
        lines = tuple(
            ReceiptLine(
                state.item.label, len(state.documents) or int(bool(state.marked_by)), state.state
            )
            for state in checklist.items
        )
        others = tuple(
            dict.fromkeys(p.filename for p in checklist.unmatched if p.status != "failed")
        )
    else:
        lines = ()
        others = tuple(d.filename for d in documents if d.status != "failed")
    received = dossier.received_date or dossier.created_at.astimezone(VIETNAM_TIME).date()
    procedure = checklist.procedure.name if checklist is not None else None
    return Receipt(
        unit_code=dossier.unit_code,
        unit_name=dossier.unit.name,
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=procedure,
        applicant_name=dossier.applicant_name,
        applicant_id_number=dossier.applicant_id_number,
        applicant_phone=dossier.applicant_phone,
        received=received,
        clerk=clerk,
        lines=lines,
        others=others,
    )
