"""The FastAPI application: routers, the error shape, and the health probes.

``/healthz`` says the process is alive; ``/readyz`` checks what every request
needs: the database, the broker and the object store.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api import routes_admin, routes_documents
from api.errors import install_error_handlers
from pipeline.celery_app import app as celery_app
from pipeline.runtime import runtime


def create_app() -> FastAPI:
    api = FastAPI(title="sohoa", version="0.1.0", openapi_url="/api/v1/openapi.json")
    install_error_handlers(api)

    @api.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz")
    def readyz() -> JSONResponse:
        checks = {"database": _database, "broker": _broker, "object_store": _object_store}
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
    return api


def _database() -> None:
    with runtime().session() as s:
        s.execute(text("SELECT 1"))


def _broker() -> None:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=3)


def _object_store() -> None:
    runtime().store.check()
