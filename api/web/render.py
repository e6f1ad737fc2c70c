"""Rendering pages: the Jinja2 templates, the headers every page carries, the error page.

Pages show citizens' personal data, so every page answer is ``no-store``
(no copy left in a shared browser's cache) and carries a strict Content
Security Policy: scripts and styles only from this app's ``/static``, no
inline script, no framing. The text is NFC, as everything the API stores.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.security import SessionAuth
from api.web import vietnamese_labels as labels
from classifiers.doctypes import label as type_label

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
STATIC_DIR = HERE / "static"

_env = TEMPLATES.env
_env.trim_blocks = True
_env.lstrip_blocks = True
_env.filters.update(
    local_time=labels.local_time,
    local_date=labels.local_date,
    percent=labels.percent,
    status_label=labels.status_label,
    checklist_state=labels.checklist_state,
    field_label=labels.field_label,
    field_value=lambda value, name: labels.field_value(name, value),
    part_pages=labels.part_pages,
    type_label=lambda code: type_label(code) if code else "Chưa phân loại",
)
_env.globals.update(
    role_label=labels.role_label,
    LOW_CONFIDENCE=labels.LOW_CONFIDENCE,
)

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

CLIENT_LABELS = {
    "statuses": labels.STATUSES,
    "errors": labels.ERRORS,
}
"""What the pages' scripts need to speak Vietnamese, handed over as a JSON data block."""


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    auth: SessionAuth | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page from ``template`` with the signed-in key (``me``) and its CSRF token."""
    values = {
        "me": auth.principal if auth else None,
        "csrf": auth.csrf_token if auth else "",
        "client_labels": CLIENT_LABELS,
        **(context or {}),
    }
    html = TEMPLATES.get_template(template).render(request=request, **values)
    return HTMLResponse(
        unicodedata.normalize("NFC", html),
        status_code=status,
        headers={**PAGE_HEADERS, **(headers or {})},
    )


ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy",
    409: "Chưa thực hiện được",
    422: "Dữ liệu không hợp lệ",
    500: "Lỗi hệ thống",
}

ERROR_TEXTS = {
    403: "Khóa truy cập của bạn không được dùng trang này.",
    404: "Không có hồ sơ hoặc tài liệu này trong các đơn vị của bạn.",
    409: "Yêu cầu chưa thực hiện được lúc này.",
    422: "Địa chỉ hoặc dữ liệu gửi lên không hợp lệ.",
    500: "Đã có lỗi; sự cố đã được ghi lại.",
}


def render_error(
    request: Request, status: int, message: str | None = None, *, auth: SessionAuth | None = None
) -> HTMLResponse:
    """The error page: a Vietnamese title and explanation, a way back."""
    title = ERROR_TITLES.get(status, "Lỗi")
    text = message or ERROR_TEXTS.get(status, "")
    return render(
        request,
        "error.html",
        {"title": title, "message": text, "status": status},
        auth=auth,
        status=status,
    )
