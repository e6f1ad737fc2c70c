"""The interactive API docs at ``/docs``, served whole by this process: no CDN, no internet.

A counter often has no internet: FastAPI's own ``/docs`` loads Swagger UI's
script and stylesheet from a CDN, so there it was a blank page. Swagger UI's
files come from the ``swagger-ui-bundle-v2`` wheel (installed with the project,
never downloaded at run time; Swagger UI 5, which reads the OpenAPI 3.1 that
FastAPI writes — the older ``swagger-ui-bundle`` carries 4.x, which cannot).

Only the files the page uses are served, by name (the bundle's own
``index.html`` would load the Petstore example from the internet). The page
starts Swagger UI from a script file of ours rather than an inline script, so
its Content-Security-Policy allows scripts, styles and requests from this
origin alone: a browser refuses anything else even if Swagger UI asked.
"""

from __future__ import annotations

import html
from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.error_responses import ApiError

DOCS_URL = "/docs"
ASSETS_URL = f"{DOCS_URL}/assets"
SWAGGER_UI_DIR = Path(str(swagger_ui_bundle.swagger_ui_path))

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-bundle.js.map": "application/json",
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui.css.map": "application/json",
    "favicon-32x32.png": "image/png",
}
"""The bundle's files the page uses (and their source maps, for a browser's dev tools)."""

DOCS_HEADERS = {
    # Swagger UI sets inline style attributes (React) and shows schemas' data: images.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

START_SCRIPT = """\
// Starts Swagger UI on the OpenAPI document named by the page (data-openapi).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    displayOperationId: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
"""


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and its files from the installed bundle.

    The app must be created with ``docs_url=None, redoc_url=None``: FastAPI's
    own pages are the CDN ones this replaces.
    """
    assert app.openapi_url is not None, "the docs need the OpenAPI document"
    openapi_url = app.openapi_url

    @app.get(DOCS_URL, include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(docs_page(root, openapi_url, app.title), headers=DOCS_HEADERS)

    @app.get(f"{DOCS_URL}/start.js", include_in_schema=False)
    def api_docs_script() -> Response:
        return Response(
            START_SCRIPT,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    @app.get(ASSETS_URL + "/{name}", include_in_schema=False)
    def api_docs_asset(name: str) -> FileResponse:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise ApiError(404, "not_found", f"no docs asset {name!r}")
        return FileResponse(
            SWAGGER_UI_DIR / name,
            media_type=media_type,
            # Named by the bundle's version folder: the same name is the same bytes.
            headers={"Cache-Control": "public, max-age=86400"},
        )


def docs_page(root: str, openapi_url: str, title: str) -> str:
    """The page: Swagger UI's stylesheet and script, and ours that starts it."""
    root = html.escape(root)
    assets = f"{root}{ASSETS_URL}"
    title, openapi_url = html.escape(title), html.escape(openapi_url)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{root}{openapi_url}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{root}{DOCS_URL}/start.js"></script>
</body>
</html>
"""
