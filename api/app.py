"""The FastAPI application: routers, the error shape, and the health probes.

``/healthz`` says the process is alive; ``/readyz`` checks what every request
needs: the database, the broker and the object store.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import text

from api import (
    prometheus_metrics,
    routes_admin,
    routes_attention,
    routes_certify,
    routes_citizens,
    routes_compare,
    routes_documents,
    routes_printouts,
    routes_verification,
)
from api.api_docs import install_docs
from api.error_responses import ERROR_RESPONSES, ApiError, install_error_handlers
from api.runtime_dependency import RuntimeDep
from api.web.site import install_web
from classifiers.checklists import load_procedures
from pipeline.celery_app import app as celery_app
from pipeline.runtime import Runtime, runtime


def create_app(rt: Runtime | None = None) -> FastAPI:
    """The API over ``rt`` (default: this process's runtime, built from the settings).

    Routes get the runtime from the app (``api.runtime_dependency.RuntimeDep``), never
    from a process-wide lookup of their own.
    """
    api = FastAPI(
        title="sohoa",
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # FastAPI's pages load Swagger UI from a CDN: api_docs serves it here
        redoc_url=None,
        generate_unique_id_function=operation_id,
        responses=ERROR_RESPONSES,
        dependencies=[Depends(refuse_nul)],
        lifespan=freeze_startup_objects,
    )
    api.state.runtime = rt if rt is not None else runtime()
    # A province's procedures file with a typo fails here, at start-up, not at a clerk's page.
    load_procedures(api.state.runtime.settings.procedures_file)
    install_error_handlers(api)

    @api.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (no key needed; checks nothing else)."""
        return {"status": "ok"}

    @api.get(
        "/readyz", tags=["operations"], responses={503: {"description": "not ready: see checks"}}
    )
    def readyz(rt: RuntimeDep) -> JSONResponse:
        """Readiness: the database, the broker and the object store each answer (no key needed)."""
        checks = {
            "database": lambda: _database(rt),
            "broker": _broker,
            "object_store": lambda: _object_store(rt),
        }
        results = {}
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unavailable: {type(exc).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse({"ready": ready, "checks": results}, status_code=200 if ready else 503)

    api.include_router(routes_admin.router)
    api.include_router(routes_documents.router)
    api.include_router(routes_compare.router)
    api.include_router(routes_certify.router)  # certified electronic copies, the register
    api.include_router(routes_verification.router)  # public: is this certified copy genuine?
    api.include_router(routes_citizens.router)  # other systems reuse a citizen's papers
    api.include_router(routes_attention.router)  # what needs a person
    api.include_router(routes_printouts.router)  # cover sheets, batch scans
    api.include_router(prometheus_metrics.router)  # GET /metrics for Prometheus
    install_docs(api)  # /docs with Swagger UI from the installed package: works offline
    install_web(api)  # the counter's pages (api/web), signed in with a session cookie
    return api


@asynccontextmanager
async def freeze_startup_objects(api: FastAPI) -> AsyncIterator[None]:
    """Move everything alive once the app has started (modules, routes, models, the
    runtime) out of reach of Python's garbage collector.

    Those objects live as long as the process, yet every full collection walked them
    all: with the app loaded that took about 90 ms, and a search that allocates
    thousands of rows set one off every dozen or so requests, so a search of 30 ms
    took 120 ms at p95 (``bench/search_scale.py``, 2026-12-06). What requests create
    afterwards is still collected as before; on shut-down the objects are handed back
    (a test process starts many apps and must not keep them all).
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def operation_id(route: APIRoute) -> str:
    """An operation's OpenAPI ``operationId``: its route function's name (``get_dossier``).

    FastAPI's default glues the name to the path and method
    (``get_dossier_api_v1_dossiers__code__get``); generated clients name their
    methods after it. ``tests/e2e/test_api_docs.py`` checks the names are unique.
    """
    return route.name


def refuse_nul(request: Request) -> None:
    """422 for a NUL character (``%00``) in the path or the query, before any route reads them.

    No id, code, unit or word of this API contains one, and PostgreSQL text
    cannot hold one: a document id, a filter or an audited path with ``%00``
    made the query or the audit insert fail (a 500). App dependencies run
    before the route's own, so also before the key check and its audit event.
    """
    query = request.query_params.multi_items()
    if "\x00" in request.scope["path"] or any("\x00" in k + v for k, v in query):
        raise ApiError(422, "invalid_request", "the path or the query contains a NUL character")


def _database(rt: Runtime) -> None:
    with rt.session() as s:
        s.execute(text("SELECT 1"))


def _broker() -> None:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=3)


def _object_store(rt: Runtime) -> None:
    rt.store.check()
