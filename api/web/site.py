"""Mount the counter's pages and their static files on the API's application."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import (
    pages_attention,
    pages_compare,
    pages_documents,
    pages_dossiers,
    pages_verification,
    signin,
)
from api.web.render import STATIC_DIR


def install_web(app: FastAPI) -> None:
    """The pages (sign-in, dossiers, documents, comparison, the public verification of
    certified copies) and ``/static`` (CSS, JS).

    Everything a page needs is served from here: no CDN, no build step.
    """
    pages = (
        signin,
        pages_dossiers,
        pages_documents,
        pages_compare,
        pages_attention,
        pages_verification,
    )
    for module in pages:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
