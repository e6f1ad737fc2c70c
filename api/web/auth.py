"""Who is looking at a page, and what a page does when the answer is "nobody" or "not you".

Pages are reached with the session cookie only (a browser has no API key
header). They use the API's own check (``api.security.authenticate_session``),
so a page and an API call refuse the same sessions and record the same
``access.denied`` events; only the answer differs: a page sends the browser
to the sign-in form, or shows a Vietnamese error page, instead of JSON.

``PageRoute`` is the route class of every page router: it turns those
refusals (and the API's own ``ApiError``s raised by the scope helpers, e.g.
another unit's dossier) into HTML answers.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from api.access_audit import record_denied
from api.error_responses import ApiError
from api.principal import Permission
from api.security import SessionAuth, authenticate_session
from api.web.render import render_error
from storage import web_sessions

WEB_ROLES = frozenset({"clerk", "officer", "admin"})
"""Roles with pages; ``system`` and ``intake`` keys are for programs and get a 403 page."""

SIGNIN_PATH = "/dang-nhap"


class SignInRequired(Exception):
    """No valid session: send the browser to the sign-in form, back here afterwards."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageError(Exception):
    """An error page: the status, an optional Vietnamese message, and who was refused."""

    def __init__(
        self, status: int, message: str | None = None, auth: SessionAuth | None = None
    ) -> None:
        super().__init__(message or str(status))
        self.status, self.message, self.auth = status, message, auth


def signin_url(next_url: str | None) -> str:
    if not next_url or next_url == "/":
        return SIGNIN_PATH
    return f"{SIGNIN_PATH}?{urllib.parse.urlencode({'next': next_url})}"


def safe_next(value: str | None) -> str | None:
    """A path of this site to go back to after sign-in; anything else (another host) is dropped."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 32 for c in value) or value.startswith(SIGNIN_PATH):
        return None
    return value


class PageRoute(APIRoute):
    """An ``APIRoute`` answering refusals with redirects and HTML error pages, never JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                return RedirectResponse(signin_url(exc.next_url), status_code=303)
            except PageError as exc:
                return render_error(request, exc.status, exc.message, auth=exc.auth)
            except ApiError as exc:
                return render_error(request, exc.status)
            except RequestValidationError:
                return render_error(request, 422)

        return page_handler


def _here(request: Request) -> str:
    """Where to come back after signing in: this page for a GET, else nowhere in particular."""
    if request.method != "GET":
        return ""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def viewer(request: Request) -> SessionAuth:
    """The request's session (any role), or ``SignInRequired``; a bad CSRF token is a 403 page."""
    token = request.cookies.get(web_sessions.COOKIE)
    try:
        return authenticate_session(request, token)
    except ApiError as exc:
        if exc.status == 401:
            raise SignInRequired(_here(request)) from None
        raise PageError(
            exc.status, "Biểu mẫu đã cũ hoặc không hợp lệ: hãy tải lại trang và thử lại."
        ) from None


def page_access(permission: Permission | None = None) -> Callable[..., SessionAuth]:
    """Dependency factory: a signed-in key of a role with pages, holding ``permission``.

    Refusals are recorded like the API's (``access.denied``) and shown as the 403 page.
    """

    def dependency(request: Request, auth: Annotated[SessionAuth, Depends(viewer)]) -> SessionAuth:
        principal = auth.principal
        if principal.role not in WEB_ROLES:
            reason, message = "role has no web pages", "Khóa hệ thống chỉ dùng qua API."
        elif permission is not None and not principal.can(permission):
            reason, message = "role lacks permission", None
        else:
            return auth
        record_denied(
            request,
            actor=principal.actor,
            reason=reason,
            key_id=principal.key_id,
            role=principal.role,
            via="session",
            **({"permission": permission} if permission else {}),
        )
        raise PageError(403, message, auth)

    dependency.__name__ = f"page_access_{permission or 'any'}"
    return dependency


Reader = Annotated[SessionAuth, Depends(page_access())]
Writer = Annotated[SessionAuth, Depends(page_access("write"))]
Verifier = Annotated[SessionAuth, Depends(page_access("verify"))]
