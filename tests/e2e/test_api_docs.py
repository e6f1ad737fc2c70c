"""The API's docs work at a counter without internet, and its OpenAPI reads well.

``/docs`` is served with Swagger UI from the installed package (``api/api_docs.py``):
in process, every asset the page names is local and answers; in Chromium, with
every request that leaves the machine aborted, the page shows the operations.
The OpenAPI document names each operation after its route function, uniquely,
describes each, and gives statuses as enums.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route

from api.app import create_app
from core.settings import Settings
from pipeline.runtime import Runtime
from storage.models import DOCUMENT_STATUSES, DOSSIER_STATUSES, PAGE_STATUSES
from testkit.api_harness import ApiServer, embedded_settings
from testkit.browser import Watched

ASSET = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)\"""")
EXTERNAL = re.compile(r"""\b(?:https?:)?//[^\s"'<>)]+""")
OPERATION_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data = tmp_path_factory.mktemp("docs")
    yield create_app(Runtime.from_settings(Settings(_env_file=None, data_dir=data)))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_docs_page_needs_nothing_from_outside(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert not EXTERNAL.findall(page.text), "the docs page names an outside address"
    assets = ASSET.findall(page.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for url in assets:
        assert url.startswith("/"), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.content, url
        if url.endswith(".js") and "/assets/" not in url:  # our own starter script
            assert not EXTERNAL.findall(answer.text), f"{url} names an outside address"
    starter = client.get("/docs/start.js").text
    assert "validatorUrl: null" in starter  # Swagger UI would ask an online validator
    # The browser is told to load nothing from elsewhere either.
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy


def test_only_the_pages_files_are_served_and_fastapis_cdn_pages_are_gone(
    client: TestClient,
) -> None:
    # The bundle's own index.html would fetch the Petstore example from the internet.
    assert client.get("/docs/assets/index.html").status_code == 404
    assert client.get("/docs/assets/..%2F..%2F__init__.py").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_operation_ids_are_the_route_functions_names(spec: dict[str, Any]) -> None:
    ids = {name: operation["operationId"] for name, operation in operations(spec)}
    for name, operation_id in ids.items():
        assert OPERATION_ID.fullmatch(operation_id), name
        # FastAPI's default glued the path and the method on: get_dossier_api_v1_…_get
        assert "api_v1" not in operation_id and not operation_id.endswith("_get"), name
    repeated = sorted(i for i in ids.values() if list(ids.values()).count(i) > 1)
    assert not repeated, f"operationIds used twice: {repeated}"
    assert {
        "GET /api/v1/dossiers/{code}": "get_dossier",
        "GET /api/v1/dossiers": "list_dossiers",
        "POST /api/v1/dossiers/{code}/documents": "upload_documents",
        "GET /api/v1/documents/{document_id}": "get_document",
        "PATCH /api/v1/documents/{document_id}": "correct_document",
        "GET /metrics": "metrics",
        "GET /healthz": "healthz",
    }.items() <= ids.items()


def test_every_operation_is_summarised_and_described(spec: dict[str, Any]) -> None:
    for name, operation in operations(spec):
        assert operation.get("summary", "").strip(), f"{name} has no summary"
        assert operation.get("description", "").strip(), f"{name} has no description"


def test_statuses_are_enums(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    expected = {
        "DocumentOut": DOCUMENT_STATUSES,
        "DocumentSummary": DOCUMENT_STATUSES,
        "UploadedDocument": DOCUMENT_STATUSES,
        "ReprocessOut": DOCUMENT_STATUSES,
        "PageOut": PAGE_STATUSES,
        "DossierOut": DOSSIER_STATUSES,
    }
    for name, statuses in expected.items():
        status = schemas[name]["properties"]["status"]
        assert status.get("enum") == list(statuses), name
        assert status.get("description"), name


# ------------------------------------------------------------------ in Chromium, offline


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    data = tmp_path_factory.mktemp("docs-server")
    api = ApiServer(embedded_settings(data), data / "api.log").start()
    try:
        yield api
    finally:
        api.stop()


def test_docs_render_in_chromium_with_the_outside_cut_off(
    server: ApiServer, chromium: Browser
) -> None:
    watched = Watched(chromium, server.base_url)
    aborted: list[str] = []

    def local_only(route: Route) -> None:
        host = urllib.parse.urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort("internetdisconnected")

    try:
        watched.context.route("**/*", local_only)
        page = watched.page
        page.goto("/docs")
        page.locator(".opblock").first.wait_for(state="visible")
        page.get_by_text("/api/v1/dossiers/{code}/documents").first.wait_for(state="visible")
        assert page.locator(".opblock").count() >= 20
        assert page.locator(".opblock-summary-operation-id", has_text="upload_documents").count()
        watched.shot("api-docs-offline")
        assert aborted == [], f"the docs page asked the outside for {aborted}"
        assert watched.errors == [], watched.errors
    finally:
        watched.close()
