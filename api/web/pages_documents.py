"""The document page: each page's image beside its text, the type and fields to check.

The clerk or officer reads the scan and what the machine read side by side,
sees which fields the classifier was unsure of (below 0.8), and corrects the
type or a field; the correction goes through ``PATCH /api/v1/documents/{id}``
(``static/document.js``) so it is kept for retraining like any API correction.
Beside each field is the piece of the scan it was read from (its box on its
page), so checking a value needs no hunting through the page; Enter in a doubtful
field accepts it as read and moves to the next doubtful one, and saving sends the
accepted values too (a person's confirmation, kept like a correction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.runtime_dependency import RuntimeDep
from api.services import document_service
from api.services.views import document_view
from api.web.auth import PageRoute, Reader
from api.web.check_messages import findings_in_vietnamese
from api.web.pages_dossiers import dossier_path
from api.web.render import render
from api.web.vietnamese_labels import LOW_CONFIDENCE, field_label, field_value, type_options
from classifiers.doctypes import correctable

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
    box: tuple[int, int, int, int] | None = None  # where on its page it was read (pixels)

    @property
    def low(self) -> bool:
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE


def field_rows(fields: dict[str, Any] | None) -> list[FieldRow]:
    """The stored fields in a stable order; lists (check problems) are shown, not edited."""
    rows = []
    for name, item in (fields or {}).items():
        entry = item if isinstance(item, dict) else {"value": item}
        value = entry.get("value")
        editable = isinstance(value, str | int | float) or value is None
        if name.endswith("_problems") and value:
            shown = findings_in_vietnamese(value if isinstance(value, list) else str(value))
        elif isinstance(value, list):
            shown = "; ".join(map(str, value))
        else:
            shown = field_value(name, str(value or ""))
        confidence = entry.get("confidence")
        box = entry.get("box")
        read_at = (
            tuple(int(v) for v in box)
            if isinstance(box, list) and len(box) == 4 and all(isinstance(v, int) for v in box)
            else None
        )
        rows.append(
            FieldRow(
                name=name,
                label=field_label(name),
                value=shown,
                confidence=float(confidence) if isinstance(confidence, int | float) else None,
                page=entry.get("page") if isinstance(entry.get("page"), int) else None,
                corrected=bool(entry.get("corrected")),
                editable=editable and correctable(name),
                box=read_at,  # type: ignore[arg-type]
            )
        )
    return rows


@router.get("/tai-lieu/{document_id}")
def document_page(rt: RuntimeDep, request: Request, document_id: str, auth: Reader) -> HTMLResponse:
    """A document's pages, text, type, fields and cues, with the correction form."""
    view = document_service.read_document(rt, auth.principal, document_id, document_view, via="web")
    info = view.info | {
        "dossier_href": dossier_path(str(view.info["dossier_code"]), str(view.info["unit"]))
    }
    return render(
        request,
        "document.html",
        {
            "title": info["filename"],
            "nav": "ho-so",
            "doc": info,
            "fields": field_rows(view.fields),
            "parts": [(part, field_rows(part.fields)) for part in view.parts],
            "pages": view.pages,
            # the page images the fields' crops are cut from, drawn by document.js
            "page_images": {p.number: p.image for p in view.pages if p.image},
            "types": type_options(),
            "red_seal": bool(view.classification.get("red_seal")),
            "portrait_photo": bool(view.classification.get("portrait_photo")),
            "low_type": view.type_confidence is not None and view.type_confidence < LOW_CONFIDENCE,
        },
        auth=auth,
    )
