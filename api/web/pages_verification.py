"""The public verification page (``/xac-minh``): is this certified electronic copy genuine?

Anyone handed a certified copy (another agency, a bank, the citizen) opens the
address of its QR code, ``/xac-minh/{id}``, without signing in: the page says
what the register holds of that number (the unit, the number and book, the
date, the paper's type: ``certify.issuing.PublicCheck``, never the requester,
the officer, the dossier or the document) and offers a form to check the file
one holds. ``/xac-minh`` alone checks a file found by its hash. The answer is a
big "HỢP LỆ" or "KHÔNG HỢP LỆ" with the reason in Vietnamese.

Everything here is the API's public verification (``api.routes_verification``):
the same rate per address (``limit_rate``; past it a Vietnamese 429 page), the
same lookup and the same check of the file (kept in a temporary folder for the
check only, then removed). The forms carry no CSRF token on purpose: the pages
read no session and change nothing, so a forged post could only make a visitor's
browser check a file; the signed-in pages keep their CSRF check
(``api.web.auth.viewer``), which these routes never call.
"""

from __future__ import annotations

import urllib.parse
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api.error_responses import ApiError
from api.routes_verification import check_sent_copy, limit_rate, public_entry
from api.runtime_dependency import RuntimeDep
from api.web import vietnamese_labels as labels
from api.web.auth import PageRoute
from api.web.render import render
from certify.issuing import PublicCheck
from core.vietnamese import VIETNAM_TIME

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE = "/xac-minh"
TITLE = "Kiểm tra bản sao điện tử có chứng thực"
UPLOAD_PROBLEM = "Hãy chọn một tệp PDF bản sao chứng thực để kiểm tra."


def _date(value: datetime | None) -> str:
    """``dd/mm/yyyy`` of Vietnam's calendar."""
    return value.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y") if value else ""


def _entry(found: PublicCheck | None) -> dict[str, Any] | None:
    """What the register says, as the page shows it; ``None`` when not in the register."""
    if found is None or not found.found:
        return None
    return {
        "unit_name": found.unit_name or found.unit_code or "",
        "unit_code": found.unit_code or "",
        "number": found.number,
        "book": found.book or "",
        "date": _date(found.certified_at),
        "document_type": found.document_type or "",
    }


def _page(
    request: Request,
    *,
    action: str,
    entry: PublicCheck | None = None,
    checked: PublicCheck | None = None,
    error: str | None = None,
    missing: bool = False,
    status: int = 200,
) -> HTMLResponse:
    result = None
    if checked is not None:
        result = {
            "valid": checked.valid,
            "reason": checked.reason,
            "text": labels.verification_reason(checked.reason),
        }
    return render(
        request,
        "verification.html",
        {
            "title": "Không tìm thấy bản sao chứng thực" if missing else TITLE,
            "action": action,
            "entry": _entry(checked if checked is not None and checked.found else entry),
            "result": result,
            "error": error,
            "missing": missing,
        },
        status=status,
    )


def _refused(
    request: Request, exc: ApiError, action: str, entry: PublicCheck | None = None
) -> HTMLResponse:
    """Too many checks from this address (429, ``Retry-After``) or a post without one PDF."""
    if exc.status == 429:
        response = render(
            request,
            "error.html",
            {"title": "Quá nhiều lượt kiểm tra", "message": labels.ERRORS["too_many_requests"]},
            status=429,
        )
        response.headers.update(exc.headers or {})
        return response
    return _page(
        request,
        action=action,
        entry=entry,
        error=labels.ERRORS.get(exc.code, UPLOAD_PROBLEM),
        status=exc.status,
    )


def _here(certification_id: str) -> str:
    return f"{PAGE}/{urllib.parse.quote(certification_id, safe='')}"


def _not_found(request: Request) -> HTMLResponse:
    return _page(request, action=PAGE, missing=True, status=404)


@router.get(PAGE)
def verification_form(request: Request) -> HTMLResponse:
    """The form to check a certified copy one holds, found in the register by its hash."""
    return _page(request, action=PAGE)


@router.post(PAGE)
async def verify_held_copy(rt: RuntimeDep, request: Request) -> HTMLResponse:
    """The file sent, checked: found by its hash, unaltered, signed by a trusted key."""
    try:
        limit_rate(request)
        checked = await check_sent_copy(rt, request, None)
    except ApiError as exc:
        return _refused(request, exc, PAGE)
    return _page(request, action=PAGE, checked=checked)


@router.get(PAGE + "/{certification_id}")
def verification_entry(rt: RuntimeDep, request: Request, certification_id: str) -> HTMLResponse:
    """What the register says of the certification (the QR code's address), and the form."""
    try:
        limit_rate(request)
    except ApiError as exc:
        return _refused(request, exc, _here(certification_id))
    found = public_entry(rt, certification_id)
    if found is None:
        return _not_found(request)
    return _page(request, action=_here(certification_id), entry=found)


@router.post(PAGE + "/{certification_id}")
async def verify_entry_copy(
    rt: RuntimeDep, request: Request, certification_id: str
) -> HTMLResponse:
    """The file sent, checked against this certification's register entry."""
    action = _here(certification_id)
    try:
        limit_rate(request)
    except ApiError as exc:
        return _refused(request, exc, action)
    found = await run_in_threadpool(public_entry, rt, certification_id)
    if found is None:
        return _not_found(request)
    try:
        checked = await check_sent_copy(rt, request, certification_id)
    except ApiError as exc:
        return _refused(request, exc, action, found)
    return _page(request, action=action, entry=found, checked=checked)
