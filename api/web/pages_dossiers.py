"""The clerk's dossier pages: find a dossier, open a new one, see and feed its documents.

``/ho-so`` lists and searches the key's dossiers: a dossier code is matched
on the dossier listing, a citizen's name or any other words on the documents'
text through the search index (accent-insensitive: ``nguyen van dang`` finds
``Nguyễn Văn Đặng``). ``/ho-so/{code}`` shows one dossier's documents and its
upload area; uploading and the live progress are the browser's work
(``static/upload.js``) against the API.

Scope and audit are the API's: ``api.scope`` keeps every query to the key's
units, answers another unit's dossier like a missing one, and records reads.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from api.error_responses import ApiError
from api.runtime_dependency import RuntimeDep, current_runtime
from api.schemas import dossier_out
from api.scope import audit, check_filter_unit, resolve_dossier, scoped, visible_units
from api.security import SessionAuth, audit_read
from api.web.auth import PageError, PageRoute, Reader, Writer
from api.web.render import render
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import Document, Dossier, Page
from storage.search import search as run_search

router = APIRouter(route_class=PageRoute, include_in_schema=False)

RECENT = 50
HITS = 20
MAX_QUERY = 200


def dossier_path(code: str, unit: str) -> str:
    return f"/ho-so/{urllib.parse.quote(code, safe='')}?{urllib.parse.urlencode({'unit': unit})}"


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


def _units(s: Session, auth: SessionAuth) -> list[str]:
    """Units a new dossier may go to: the key's, or every known unit for an admin."""
    if auth.principal.role == "admin":
        return repo.unit_codes(s)
    return sorted(auth.principal.units)


def _dossier_rows(s: Session, units: list[str] | None, q: str | None) -> list[dict[str, Any]]:
    """Dossiers of ``units`` (all for None), newest first; with ``q``, those whose code has it."""
    _, rows = repo.list_dossiers(s, units=units, code_part=q, limit=RECENT)
    return [
        {**dossier_out(d, n).model_dump(), "href": dossier_path(d.code, d.unit_code)}
        for d, n in rows
    ]


@router.get("/ho-so")
def dossiers(
    rt: RuntimeDep,
    request: Request,
    auth: Reader,
    q: Annotated[str | None, Query(max_length=MAX_QUERY)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The key's dossiers, or those matching ``q`` by code and the documents matching by text."""
    check_filter_unit(rt, auth.principal, unit or None)
    return _dossiers_page(request, auth, q=(q or "").strip() or None, unit=unit or None)


def _dossiers_page(
    request: Request,
    auth: SessionAuth,
    *,
    q: str | None = None,
    unit: str | None = None,
    form: dict[str, str] | None = None,
    error: str | None = None,
    existing: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The list (or search results) with the new-dossier form, filled in again after an error."""
    rt = current_runtime(request)
    principal = auth.principal
    units = visible_units(principal, unit)
    hits: list[Any] = []
    total_hits = 0
    with rt.session() as s:
        rows = _dossier_rows(s, units, q)
        if q:
            found = run_search(s, q, units=units, limit=HITS)
            hits, total_hits = found.hits, found.total
        unit_choices = _units(s, auth)
    if q:
        audit_read(
            rt,
            principal,
            action="document.search",
            object_type="search",
            object_id="-",
            unit_code=unit,
            detail={"q": q, "documents": [h.document_id for h in hits], "via": "web"},
        )
    context = {
        "title": "Hồ sơ",
        "nav": "ho-so",
        "q": q or "",
        "unit": unit or "",
        "dossiers": rows,
        "hits": hits,
        "total_hits": total_hits,
        "units": unit_choices,
        "form": form or {},
        "error": error,
        "existing": existing,
        "today": date.today().isoformat(),
    }
    return render(request, "dossiers.html", context, auth=auth, status=status)


FORM_ERRORS = {
    "code": "Mã hồ sơ không hợp lệ: 1–64 ký tự, không chứa / hoặc \\.",
    "unit": "Hãy chọn một đơn vị của bạn.",
    "date": "Ngày tiếp nhận không hợp lệ.",
    "exists": "Hồ sơ {code} đã có trong đơn vị {unit}.",
}


@router.post("/ho-so")
def create_dossier(
    rt: RuntimeDep,
    request: Request,
    auth: Writer,
    code: Annotated[str, Form(max_length=64)] = "",
    unit: Annotated[str, Form(max_length=64)] = "",
    procedure_code: Annotated[str, Form(max_length=64)] = "",
    received_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Open a new dossier from the form; the form comes back with the reason if refused."""
    form = {
        "code": code.strip(),
        "unit": unit.strip(),
        "procedure_code": procedure_code.strip(),
        "received_date": received_date.strip(),
    }
    error = _check_form(form, auth)
    dossier = _create(rt, form) if error is None else None
    if dossier is not None:
        audit(rt, auth.principal, "dossier.create", dossier, via="web")
        return RedirectResponse(dossier_path(dossier.code, dossier.unit_code), status_code=303)
    error = error or "exists"
    return _dossiers_page(
        request,
        auth,
        form=form,
        error=FORM_ERRORS[error].format(**form),
        existing=dossier_path(form["code"], form["unit"]) if error == "exists" else None,
        status=409 if error == "exists" else 422,
    )


def _create(rt: Runtime, form: dict[str, str]) -> Dossier | None:
    """The new dossier, or None when the unit already has one with this code."""
    day = date.fromisoformat(form["received_date"]) if form["received_date"] else None
    with rt.session() as s:
        if repo.get_dossier(s, form["unit"], form["code"]) is not None:
            return None
        repo.ensure_unit(s, form["unit"])
        dossier = repo.upsert_dossier(
            s,
            form["unit"],
            form["code"],
            procedure_code=form["procedure_code"] or None,
            received_date=day,
        )
        s.flush()
        return dossier


def _check_form(form: dict[str, str], auth: SessionAuth) -> str | None:
    """The first thing wrong with a new dossier's form, as a key of the messages, or None."""
    try:
        form["code"] = repo.validate_code(form["code"])
    except ValueError:
        return "code"
    try:
        form["unit"] = repo.validate_code(form["unit"], "unit code")
    except ValueError:
        return "unit"
    if not auth.principal.sees_unit(form["unit"]):
        return "unit"
    if form["received_date"]:
        try:
            date.fromisoformat(form["received_date"])
        except ValueError:
            return "date"
    return None


@router.get("/ho-so/{code}")
def dossier_page(
    rt: RuntimeDep,
    request: Request,
    code: str,
    auth: Reader,
    unit: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """One dossier: its documents (thumbnails, type, status, progress) and the upload area."""
    principal = auth.principal
    with scoped(rt, principal, "dossier", code), rt.session() as s:
        try:
            dossier = resolve_dossier(s, principal, code, unit or None)
        except ApiError as exc:
            if exc.code != "ambiguous_dossier":
                raise
            message = "Mã hồ sơ này có ở nhiều đơn vị của bạn: hãy mở hồ sơ từ danh sách."
            raise PageError(409, message, auth) from None
        info = dossier_out(dossier, 0).model_dump()
        documents = [_row(d) for d in repo.dossier_documents(s, dossier.id, with_pages=True)]
        info["document_count"] = len(documents)
    audit(rt, principal, "dossier.read", dossier, via="web")
    upload_url = (
        f"/api/v1/dossiers/{urllib.parse.quote(dossier.code, safe='')}/documents?"
        + urllib.parse.urlencode({"unit": dossier.unit_code})
    )
    return render(
        request,
        "dossier.html",
        {
            "title": f"Hồ sơ {dossier.code}",
            "nav": "ho-so",
            "dossier": info,
            "documents": documents,
            "upload_url": upload_url,
            "can_upload": principal.can("write"),
        },
        auth=auth,
    )


def _row(document: Document) -> DocumentRow:
    first: Page | None = next((p for p in document.pages if p.number == 1), None)
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
    )
