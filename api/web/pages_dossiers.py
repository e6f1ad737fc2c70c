"""The clerk's dossier pages: find a dossier, open a new one, see and feed its documents.

``/ho-so`` lists and searches the key's dossiers: a dossier code is matched
on the dossier listing, a citizen's name or any other words on the documents'
text through the search index (accent-insensitive: ``nguyen van dang`` finds
``Nguyễn Văn Đặng``). ``/ho-so/{code}`` shows one dossier's documents and its
upload area; uploading and the live progress are the browser's work
(``static/upload.js``) against the API.

Queries, scope and audit are the API's (``api.services``): every query keeps
to the key's units, another unit's dossier answers like a missing one, and
reads are recorded, the same way for a page as for the API.
"""

from __future__ import annotations

import urllib.parse
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.error_responses import ApiError
from api.runtime_dependency import RuntimeDep, current_runtime
from api.security import SessionAuth
from api.services import document_service, dossier_service
from api.services.dossier_service import DossierChanges
from api.services.views import dossier_summary, dossier_with_rows
from api.web.auth import PageError, PageRoute, Reader, Writer
from api.web.render import render
from core.codes import validate_code
from pipeline.runtime import Runtime

router = APIRouter(route_class=PageRoute, include_in_schema=False)

RECENT = 50
HITS = 20
MAX_QUERY = 200


def dossier_path(code: str, unit: str) -> str:
    return f"/ho-so/{urllib.parse.quote(code, safe='')}?{urllib.parse.urlencode({'unit': unit})}"


def _listed(summary: dict[str, Any]) -> dict[str, Any]:
    return summary | {"href": dossier_path(summary["code"], summary["unit"])}


@router.get("/ho-so")
def dossiers(
    rt: RuntimeDep,
    request: Request,
    auth: Reader,
    q: Annotated[str | None, Query(max_length=MAX_QUERY)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The key's dossiers, or those matching ``q`` by code and the documents matching by text."""
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
    _, rows, _ = dossier_service.list_dossiers(
        rt, principal, dossier_summary, unit=unit, code_part=q, limit=RECENT
    )
    rows = [_listed(r) for r in rows]
    hits: list[Any] = []
    total_hits = 0
    people: list[Any] = []
    if q:
        found = document_service.search_documents(
            rt, principal, q, unit=unit, limit=HITS, via="web"
        )
        hits = found.hits
        # Past the ranked candidates the count is a lower bound: say "hơn" (more than).
        total_hits = f"{found.total}" if found.total_exact else f"hơn {found.total}"
        named = document_service.find_people(rt, principal, q, unit=unit, limit=HITS, via="web")
        people = [
            {"hit": h, "href": f"/tai-lieu/{h.document_id}" if h.document_id else None}
            | {"dossier_href": dossier_path(h.dossier_code, h.unit_code)}
            for h in named.hits
        ]
    unit_choices = dossier_service.filing_units(rt, principal)
    context = {
        "title": "Hồ sơ",
        "nav": "ho-so",
        "q": q or "",
        "unit": unit or "",
        "dossiers": rows,
        "hits": hits,
        "total_hits": total_hits,
        "people": people,
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
    if error is None:
        error = _create(rt, auth, form)
    if error is None:
        return RedirectResponse(dossier_path(form["code"], form["unit"]), status_code=303)
    return _dossiers_page(
        request,
        auth,
        form=form,
        error=FORM_ERRORS[error].format(**form),
        existing=dossier_path(form["code"], form["unit"]) if error == "exists" else None,
        status=409 if error == "exists" else 422,
    )


def _create(rt: Runtime, auth: SessionAuth, form: dict[str, str]) -> str | None:
    """Open the dossier of a checked form: None, or "exists" when the unit already has it."""
    day = date.fromisoformat(form["received_date"]) if form["received_date"] else None
    changes = DossierChanges(procedure_code=form["procedure_code"] or None, received_date=day)
    try:
        dossier_service.save_dossier(
            rt,
            auth.principal,
            form["code"],
            form["unit"],
            changes,
            lambda _dossier, _count: None,
            may_update=False,
            via="web",
        )
    except ApiError as exc:
        if exc.code != "dossier_exists":
            raise
        return "exists"
    return None


def _check_form(form: dict[str, str], auth: SessionAuth) -> str | None:
    """The first thing wrong with a new dossier's form, as a key of the messages, or None."""
    try:
        form["code"] = validate_code(form["code"])
    except ValueError:
        return "code"
    try:
        form["unit"] = validate_code(form["unit"], "unit code")
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

    try:
        info, rows = dossier_service.read_dossier(
            rt,
            principal,
            code,
            unit or None,
            lambda d, documents: dossier_with_rows(
                d, documents, dossier_service.checklist_of(rt, d, documents)
            ),
            with_pages=True,
            via="web",
        )
    except ApiError as exc:
        if exc.code != "ambiguous_dossier":
            raise
        message = "Mã hồ sơ này có ở nhiều đơn vị của bạn: hãy mở hồ sơ từ danh sách."
        raise PageError(409, message, auth) from None
    upload_url = (
        f"/api/v1/dossiers/{urllib.parse.quote(info['code'], safe='')}/documents?"
        + urllib.parse.urlencode({"unit": info["unit"]})
    )
    return render(
        request,
        "dossier.html",
        {
            "title": f"Hồ sơ {info['code']}",
            "nav": "ho-so",
            "dossier": info,
            "documents": rows,
            "upload_url": upload_url,
            "can_upload": principal.can("write"),
            **_checklist_context(info, principal.can("write")),
        },
        auth=auth,
    )


def _checklist_context(info: dict[str, Any], can_tick: bool) -> dict[str, Any]:
    """What ``_checklist.html`` needs besides the dossier: names of its documents, tick URLs."""
    base = f"/ho-so/{urllib.parse.quote(info['code'], safe='')}/thanh-phan"
    unit = urllib.parse.urlencode({"unit": info["unit"]})
    return {
        "doc_names": {d["id"]: d["filename"] for d in info["documents"] or []},
        "tick_url": lambda key: f"{base}/{urllib.parse.quote(key, safe='')}?{unit}",
        "checklist_url": f"{base}?{unit}",
        "can_tick": can_tick,
    }


@router.get("/ho-so/{code}/thanh-phan")
def checklist_fragment(
    rt: RuntimeDep,
    request: Request,
    code: str,
    auth: Reader,
    unit: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The dossier page's checklist section alone: the page swaps it in as documents finish."""
    info = dossier_service.read_dossier(
        rt,
        auth.principal,
        code,
        unit or None,
        lambda d, documents: dossier_with_rows(
            d, documents, dossier_service.checklist_of(rt, d, documents)
        )[0],
        via="web",
    )
    context = {"dossier": info, **_checklist_context(info, auth.principal.can("write"))}
    return render(request, "_checklist_fragment.html", context, auth=auth)


@router.post("/ho-so/{code}/thanh-phan/{key}")
def tick_checklist_item(
    rt: RuntimeDep,
    code: str,
    key: str,
    auth: Writer,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    ticked: Annotated[str, Form(max_length=1)] = "1",
) -> Response:
    """The clerk ticks (or unticks) a checklist item by hand; back to the dossier page."""
    dossier_service.mark_checklist_item(
        rt,
        auth.principal,
        code,
        unit or None,
        key,
        lambda _dossier, _documents: None,
        ticked=ticked != "0",
        via="web",
    )
    page = dossier_path(code, unit) if unit else f"/ho-so/{urllib.parse.quote(code, safe='')}"
    return RedirectResponse(page + "#thanh-phan", status_code=303)
