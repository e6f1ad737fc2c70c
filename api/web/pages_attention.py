"""The attention queue page (``/can-xem``): what needs the clerk's or the officer's look.

Each entry says why in Vietnamese and opens the place to act: the document page
(fields to check, the type to set, the retry when it can help — a corrupt file
gets no retry, it must be scanned again), or the saved comparison. "Đã kiểm tra"
takes an entry out after a person looked and found nothing more to do. Listing,
scope and audit are the API's (``api.services.attention_service``).
"""

from __future__ import annotations

import urllib.parse
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.runtime_dependency import RuntimeDep
from api.services import attention_service
from api.services.attention_service import Entry
from api.web.auth import PageError, PageRoute, Reader, Verifier
from api.web.pages_dossiers import dossier_path
from api.web.render import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SHOWN = 100

REASONS = {
    "failed": "Xử lý không thành công",
    "field_checks": "Thông tin không khớp khi kiểm tra",
    "low_confidence": "Thông tin đọc chưa chắc chắn",
    "type_unknown": "Chưa xác định được loại giấy tờ",
    "stamp_not_found": "Có dấu đỏ nhưng không thấy lời chứng thực",
    "page_warnings": "Ảnh quá nhỏ, chữ khó đọc",
    "differences": "Bản sao khác bản chính",
    "manual_check": "Cần đối chiếu thủ công",
}


def _view(entry: Entry) -> dict[str, Any]:
    if entry.kind == "document":
        href = f"/tai-lieu/{urllib.parse.quote(entry.id, safe='')}"
        clear = f"/can-xem/tai-lieu/{urllib.parse.quote(entry.id, safe='')}"
    else:
        href = f"/doi-chieu?{urllib.parse.urlencode({'id': entry.id})}"
        clear = f"/can-xem/doi-chieu/{urllib.parse.quote(entry.id, safe='')}"
    return {
        "entry": entry,
        "href": href,
        "clear_url": clear,
        "reasons": [REASONS.get(r, r) for r in entry.reasons],
        "dossier_href": dossier_path(entry.dossier_code, entry.unit_code)
        if entry.dossier_code
        else None,
    }


@router.get("/can-xem")
def attention_page(
    rt: RuntimeDep,
    request: Request,
    auth: Reader,
    unit: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The queue, newest first, in the key's units."""
    total, entries = attention_service.list_attention(
        rt, auth.principal, unit=unit or None, limit=SHOWN, via="web"
    )
    principal = auth.principal
    context = {
        "title": "Cần xem",
        "nav": "can-xem",
        "total": total,
        "entries": [_view(e) for e in entries],
        "can_clear_documents": principal.can("write") or principal.can("verify"),
        "can_clear_comparisons": principal.can("verify"),
    }
    return render(request, "attention.html", context, auth=auth)


@router.post("/can-xem/tai-lieu/{document_id}")
def document_checked(rt: RuntimeDep, document_id: str, auth: Reader) -> Response:
    """ "Đã kiểm tra" on a document: out of the queue; back to the queue."""
    if not (auth.principal.can("write") or auth.principal.can("verify")):
        raise PageError(403, None, auth)
    attention_service.clear_document(rt, auth.principal, document_id, via="web")
    return RedirectResponse("/can-xem", status_code=303)


@router.post("/can-xem/doi-chieu/{comparison_id}")
def comparison_checked(rt: RuntimeDep, comparison_id: str, auth: Verifier) -> Response:
    """ "Đã kiểm tra" on a comparison (officers): out of the queue; back to the queue."""
    attention_service.clear_comparison(rt, auth.principal, comparison_id, via="web")
    return RedirectResponse("/can-xem", status_code=303)
