"""Signing in with an API key, and out again.

The key is typed once into the form, checked like any API request's key
(``storage.apikeys.check_key``), and forgotten: the browser gets a session
cookie instead (``storage.web_sessions``). The form carries a one-use token that
must match a cookie set with the form (SameSite=Strict), so another site
cannot sign a counter's browser into a key of its choosing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.access_audit import ANONYMOUS, record_denied
from api.runtime_dependency import RuntimeDep
from api.security import SessionAuth, attempt_throttle, client_address, record_failed_attempt
from api.throttle import attempt_subjects
from api.web.auth import SIGNIN_PATH, WEB_ROLES, PageRoute, SignInRequired, safe_next, viewer
from api.web.render import render
from storage import apikeys, web_sessions

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SIGNIN_TTL = 3600
"""Seconds a sign-in form stays usable."""

MAX_KEY_CHARS = 200


def landing(role: str) -> str:
    """Where a role starts its day: officers compare, everyone else works on dossiers."""
    return "/doi-chieu" if role == "officer" else "/ho-so"


@router.get("/")
def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/ho-so", status_code=303)


@router.get(SIGNIN_PATH)
def signin_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _form(request, safe_next(next))


def _form(
    request: Request, next_url: str | None, error: str | None = None, status: int = 200
) -> HTMLResponse:
    """The form with a fresh one-use token, also set as a cookie only this site sees."""
    token = web_sessions.new_token()
    response = render(
        request,
        "signin.html",
        {"signin_token": token, "next": next_url or "", "error": error, "title": "Đăng nhập"},
        status=status,
    )
    response.set_cookie(
        web_sessions.SIGNIN_COOKIE,
        token,
        max_age=SIGNIN_TTL,
        path=SIGNIN_PATH,
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )
    return response


@router.post(SIGNIN_PATH)
def signin(
    rt: RuntimeDep,
    request: Request,
    key: Annotated[str, Form(max_length=MAX_KEY_CHARS)] = "",
    signin: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the key; on success a new session cookie and a redirect to the work page."""
    next_url = safe_next(next)
    if not web_sessions.same_token(request.cookies.get(web_sessions.SIGNIN_COOKIE, ""), signin):
        record_denied(request, actor=ANONYMOUS, reason="sign-in form token missing or wrong")
        return _form(request, next_url, "Biểu mẫu đã hết hạn: hãy nhập lại khóa.", 400)
    secret = key.strip()
    subjects = attempt_subjects(client_address(request), apikeys.parse_key_id(secret))
    if secret and (wait := attempt_throttle(rt).retry_after(subjects)) is not None:
        minutes = max(1, round(wait / 60))
        message = f"Đã nhập sai khóa quá nhiều lần: hãy thử lại sau {minutes} phút."
        throttled = _form(request, next_url, message, 429)
        throttled.headers["Retry-After"] = str(wait)
        return throttled
    with rt.session() as s:
        found = apikeys.check_key(s, secret) if secret else None
        verdict = found.verdict if found else "missing"
        key_row = found.key if found else None
        allowed = verdict == "ok" and key_row is not None and key_row.role in WEB_ROLES
        if allowed and key_row is not None:
            _, token = web_sessions.start_session(s, key_row)
            role, key_id = key_row.role, key_row.id
            apikeys.touch(s, key_row)
        else:
            # As the API does: a wrong secret for an existing id names the key it guessed at.
            key_id = key_row.id if key_row is not None else None
            role = key_row.role if key_row is not None else ""
    if not allowed:
        if secret and verdict != "ok":
            with rt.session() as s:
                record_failed_attempt(s, request, subjects)
        return _refused(request, verdict, key_id, next_url, role)
    response = RedirectResponse(next_url or landing(role), status_code=303)
    response.set_cookie(
        web_sessions.COOKIE,
        token,
        max_age=int(web_sessions.LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )
    response.delete_cookie(web_sessions.SIGNIN_COOKIE, path=SIGNIN_PATH)
    return response


def _refused(
    request: Request, verdict: str, key_id: str | None, next_url: str | None, role: str
) -> HTMLResponse:
    if verdict == "ok":  # a valid key of software (system, intake): programs only
        record_denied(
            request,
            actor=f"key:{key_id}",
            reason="role has no web pages",
            key_id=key_id,
            role=role,
        )
        return _form(request, next_url, "Khóa hệ thống chỉ dùng qua API, không đăng nhập web.", 403)
    reason = {"missing": "missing key", "unknown": "unknown key", "revoked": "revoked"}[verdict]
    actor = f"key:{key_id}" if verdict == "revoked" else ANONYMOUS
    record_denied(request, actor=actor, reason=reason, key_id=key_id, via="sign-in")
    message = "Khóa đã bị thu hồi." if verdict == "revoked" else "Khóa truy cập không đúng."
    return _form(request, next_url, message, 401)


@router.post("/dang-xuat")
def signout(rt: RuntimeDep, request: Request) -> Response:
    """End the session (its row is deleted) and forget the cookie.

    A valid session must post its CSRF token (``viewer`` checks it), so no
    other site can sign a clerk out; a cookie that no longer works is simply
    cleared.
    """
    token = request.cookies.get(web_sessions.COOKIE)
    auth: SessionAuth | None = None
    if token:
        try:
            auth = viewer(request)
        except SignInRequired:  # expired or revoked already: only the cookie is left
            auth = None
    if auth is not None and token:
        with rt.session() as s:
            web_sessions.sign_out(s, token, auth.principal.actor)
    response = RedirectResponse(SIGNIN_PATH, status_code=303)
    response.delete_cookie(web_sessions.COOKIE, path="/")
    return response


def _https(request: Request) -> bool:
    return request.url.scheme == "https"
