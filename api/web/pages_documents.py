"""The document page: each page's image beside its text, the type and fields to check.

The clerk or officer reads the scan and what the machine read side by side,
sees which fields the classifier was unsure of (below 0.8), and corrects the
type or a field; the correction goes through ``PATCH /api/v1/documents/{id}``
(``static/document.js``) so it is kept for retraining like any API correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.runtime_dependency import RuntimeDep
from api.scope import audit, load_document, scoped
from api.web.auth import PageRoute, Reader
from api.web.pages_dossiers import dossier_path
from api.web.render import render
from api.web.vietnamese_labels import LOW_CONFIDENCE, field_label, type_options
from storage.models import Document

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: str
    value: str
    confidence: float | None
    page: int | None
    corrected: bool
    editable: bool

    @property
    def low(self) -> bool:
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class PageView:
    number: int
    status: str
    text: str
    image: str | None
    failure_reason: str | None
    confidence: float | None


def field_rows(fields: dict[str, Any] | None) -> list[FieldRow]:
    """The stored fields in a stable order; lists (check problems) are shown, not edited."""
    rows = []
    for name, item in (fields or {}).items():
        entry = item if isinstance(item, dict) else {"value": item}
        value = entry.get("value")
        editable = isinstance(value, str | int | float) or value is None
        shown = "; ".join(map(str, value)) if isinstance(value, list) else str(value or "")
        confidence = entry.get("confidence")
        rows.append(
            FieldRow(
                name=name,
                label=field_label(name),
                value=shown,
                confidence=float(confidence) if isinstance(confidence, int | float) else None,
                page=entry.get("page") if isinstance(entry.get("page"), int) else None,
                corrected=bool(entry.get("corrected")),
                editable=editable and not name.endswith("_problems"),
            )
        )
    return rows


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
            )
        )
    return views


@router.get("/tai-lieu/{document_id}")
def document_page(rt: RuntimeDep, request: Request, document_id: str, auth: Reader) -> HTMLResponse:
    """A document's pages, text, type, fields and cues, with the correction form."""
    principal = auth.principal
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = load_document(s, principal, document_id)
        dossier = document.dossier
        info = {
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
            "dossier_href": dossier_path(dossier.code, dossier.unit_code),
            "unit": dossier.unit_code,
        }
        classification = document.classification or {}
        fields = field_rows(document.fields)
        pages = page_views(document)
    audit(rt, principal, "document.read", document, via="web")
    return render(
        request,
        "document.html",
        {
            "title": document.filename,
            "nav": "ho-so",
            "doc": info,
            "fields": fields,
            "pages": pages,
            "types": type_options(),
            "red_seal": bool(classification.get("red_seal")),
            "portrait_photo": bool(classification.get("portrait_photo")),
            "low_type": document.type_confidence is not None
            and document.type_confidence < LOW_CONFIDENCE,
        },
        auth=auth,
    )
