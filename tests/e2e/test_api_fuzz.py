"""Property-based fuzzing of the HTTP API from its own OpenAPI schema, with schemathesis.

A live ``sohoa serve`` and ``sohoa worker`` on the embedded default (SQLite,
local object folder, SQLite broker), then the same on PostgreSQL (the
production database, stricter: its text cannot hold NUL), each seeded with a
dossier and a digitised document in each of two units. Schemathesis loads
``/api/v1/openapi.json`` from the server and, for every operation, sends
requests drawn from the schema, valid and invalid ones: as an admin, as a
clerk of one of the two units (its 403 and other-unit 404 paths) and with no
key or a made-up one (401). Whatever it sends, the server must never answer
5xx, and its answers must be what the schema declares.

Some parameters are offered seeded values (see ``load_schema``), so that
requests reach real documents and dossiers, not only 404s, and edge values.
The generation is derandomized (fixed seeds): a run sends the requests the
last one sent, except where answers depend on timing (the worker).

Before the fuzz tests (while the seeded documents are surely done), a plain
httpx regression test for each server error found.

Why not ``schemathesis.pytest.from_fixture(...).parametrize()``: the schema
lives on a server a fixture starts, which needs that lazy loader, and the
schemathesis release installed here renames the running test through
``Node._nodeid``, which pytest 9.2 no longer has (AttributeError in every
test). The documented Python API (``operation.as_strategy()`` under
Hypothesis's ``@given``, ``case.call_and_validate()``) generates and checks
the same way; it has no coverage phase (schemathesis's enumerated boundary
values), which the calendar ends and NUL offered in ``load_schema`` partly
make up for.
"""

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

from testkit import pagegen
from testkit.api_harness import ApiServer, clean_env, embedded_settings
from testkit.pipeline_harness import Worker, fresh_postgres, wait_for

UNIT = "000.00.00.H26"
OTHER_UNIT = "000.00.00.H27"
DOSSIER = "000.A0.01.H26-261122-0001"
OTHER_DOSSIER = "000.A0.01.H27-261122-0001"
SEED = 20261122
DONE_TIMEOUT = 240

REVOKE = "DELETE /api/v1/keys/{key_id}"
UPLOAD = "POST /api/v1/dossiers/{code}/documents"

CALENDAR_ENDS = (
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
)
NUL = "\x00"
"""Offered among the seeded values: PostgreSQL text cannot hold it."""
WORDS = "hạnh phúc"
"""On both seeded pages (their header), read back by OCR."""

# A callback URL nothing listens on (the discard port of this machine): a
# fuzzed PUT /dossiers must not make the worker post webhooks to made-up hosts.
SAFE_CALLBACK = "http://127.0.0.1:9/hook"

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    # Left out, both about how strict validation is, not about errors:
    # - positive_data_acceptance expects every schema-valid request to
    #   succeed, but this API has rules a JSON schema does not carry: a unit
    #   code must be printable without slashes, ``from`` must parse as an ISO
    #   date-time, a correction must change something, a document being
    #   processed cannot be reprocessed, a scan must be a readable image.
    #   Those refusals are the 4xx the API documents.
    # - negative_data_rejection expects every schema-invalid request to be
    #   refused, but FastAPI takes the last of a repeated query parameter
    #   (``type=a&type=b``) and pydantic reads ``to=0`` as 1970-01-01: lenient
    #   parsing, no harm done. A longer random run flagged only those.
]

FUZZ_SETTINGS = settings(
    max_examples=40,  # per operation and per key
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@dataclass(frozen=True)
class Deployment:
    server: ApiServer
    admin: str
    clerk: str
    """A clerk of ``UNIT`` only: the other seeded dossier and document are out of its scope."""
    revoker: str
    """A throwaway admin key: the only one that fuzzes ``DELETE /keys/{key_id}``."""
    document_ids: tuple[str, ...]
    victim_key_ids: tuple[str, ...]
    """Keys made only to be revoked by the fuzzer (never used to authenticate)."""

    def client(self, key: str | None) -> httpx.Client:
        return self.server.client(key)


def _scan_png(seed: int) -> bytes:
    page = pagegen.render_page(seed, dpi=150, n_lines=6)
    out = io.BytesIO()
    page.image.convert("RGB").save(out, "PNG", dpi=(150, 150))
    return out.getvalue()


def _upload(client: httpx.Client, code: str, unit: str, name: str, data: bytes) -> str:
    answer = client.post(
        f"/api/v1/dossiers/{urllib.parse.quote(code, safe='')}/documents",
        params={"unit": unit},
        files=[("files", (name, data, "image/png"))],
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["files"][0]["document"]["id"]


@contextmanager
def _database(backend: str) -> Iterator[dict[str, str]]:
    """The settings that put the deployment on ``backend``: nothing for SQLite."""
    if backend == "sqlite":
        yield {}
        return
    with fresh_postgres("sohoa_fuzz") as url:
        yield {"SOHOA_DATABASE_URL": url}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """The embedded default, and the same on PostgreSQL, the production database
    (whose text cannot hold NUL, where SQLite's can)."""
    data = tmp_path_factory.mktemp(f"api-fuzz-{request.param}")
    with _database(request.param) as database:
        # SAFE_CALLBACK is on loopback: allowed, so fuzzed PUTs with it are still accepted.
        # The fuzzer sends made-up keys by the hundred, as an attacker would: the
        # throttle would block this address (tests/e2e/test_throttle.py shows it does),
        # and the later runs here are about the schema, not about the throttle.
        env = embedded_settings(
            data,
            SOHOA_WEBHOOK_ALLOW="127.0.0.1:9",
            SOHOA_AUTH_MAX_FAILURES="1000000",
            **database,
        )
        server = ApiServer(env, data / "serve.log").start()
        worker = Worker(clean_env(env), data / "worker.log")
        try:
            yield _seed(server, worker)
        finally:
            worker.stop()
            server.stop()


def _seed(server: ApiServer, worker: Worker) -> Deployment:
    """Keys, a dossier in each unit, and a document in each, digitised by ``worker``."""
    grants = {
        "admin": ("admin",),
        "clerk": ("clerk", UNIT),
        "revoker": ("admin",),
        "victim-clerk": ("clerk", UNIT),
        "victim-admin": ("admin",),
    }
    with ThreadPoolExecutor(len(grants) + 1) as pool:  # each CLI start takes a second or two
        made = {name: pool.submit(server.create_key, *grant) for name, grant in grants.items()}
        started = pool.submit(worker.start)
        keys = {name: future.result() for name, future in made.items()}
        started.result()
    with server.client(keys["admin"]) as admin:
        for code, unit in ((DOSSIER, UNIT), (OTHER_DOSSIER, OTHER_UNIT)):
            put = admin.put(
                f"/api/v1/dossiers/{urllib.parse.quote(code, safe='')}",
                json={"unit": unit, "procedure_code": "2.000815", "received_date": "2026-11-20"},
            )
            assert put.status_code == 201, put.text
        documents = (
            _upload(admin, DOSSIER, UNIT, "Giấy khai sinh Nguyễn Văn Đặng.png", _scan_png(501)),
            _upload(admin, OTHER_DOSSIER, OTHER_UNIT, "Sổ hộ khẩu.png", _scan_png(502)),
        )

        def all_done() -> bool:
            states = [admin.get(f"/api/v1/documents/{d}").json()["status"] for d in documents]
            assert "failed" not in states, states
            return all(s == "done" for s in states)

        wait_for(all_done, DONE_TIMEOUT, "seeded documents done")
    return Deployment(
        server=server,
        admin=keys["admin"],
        clerk=keys["clerk"],
        revoker=keys["revoker"],
        document_ids=documents,
        victim_key_ids=tuple(keys[k].split("_")[1] for k in ("victim-clerk", "victim-admin")),
    )


def load_schema(deployment: Deployment, **seeded: list[str | int]) -> schemathesis.BaseSchema:
    """The live server's schema, its generator offered some values for some parameters.

    Half of the time a path or query parameter named here gets one of the
    seeded ids, codes or units (or ``seeded``'s), so that requests reach real
    objects, in and out of the key's units, or one with a NUL in it; a
    ``from``/``to`` sometimes gets an end of the calendar. A dossier's
    ``callback_url`` is always ``SAFE_CALLBACK``.
    """
    chance = {
        "document_id": ([*deployment.document_ids, NUL], 0.5),
        "code": ([DOSSIER, OTHER_DOSSIER, NUL], 0.5),
        "unit": ([UNIT, OTHER_UNIT, f"{UNIT}{NUL}"], 0.5),
        "number": ([1], 0.5),
        "from": (list(CALENDAR_ENDS[:2]), 0.2),
        "to": (list(CALENDAR_ENDS[:2]), 0.2),
        "instants": (list(CALENDAR_ENDS), 0.2),  # GET /audit's from/to take date-times too
        "body.callback_url": ([SAFE_CALLBACK], 1.0),
        **{name: (values, 0.5) for name, values in seeded.items()},
    }
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": deployment.server.base_url,
            "dictionaries": {name: {"values": values} for name, (values, _) in chance.items()},
            "parameters": {
                name: {"dictionary": name, "probability": probability}
                for name, (_, probability) in chance.items()
                if name != "instants"
            },
            "operations": [
                {
                    "include-path": "/api/v1/audit",
                    "parameters": {
                        "from": {"dictionary": "instants", "probability": 0.2},
                        "to": {"dictionary": "instants", "probability": 0.2},
                    },
                }
            ],
        }
    )
    return schemathesis.openapi.from_url(
        f"{deployment.server.base_url}/api/v1/openapi.json", config=config, timeout=30
    )


@pytest.fixture(scope="module")
def schema(deployment: Deployment) -> schemathesis.BaseSchema:
    return load_schema(deployment)


def fuzz(
    deployment: Deployment,
    schema: schemathesis.BaseSchema,
    key: str | None,
    *,
    only: str | None = None,
    skip: str | None = None,
) -> list[str]:
    """Fuzz each operation of ``schema`` with ``key``; fail naming every operation that failed.

    Each operation gets its own Hypothesis run, valid and invalid requests
    mixed; one failing operation does not stop the others. Returns the labels
    of the operations fuzzed.
    """
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    failures: dict[str, str] = {}
    fuzzed = []
    for result in schema.get_all_operations():
        operation = result.ok()  # a schema error raises here
        if operation.label == skip or (only is not None and operation.label != only):
            continue
        fuzzed.append(operation.label)
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @FUZZ_SETTINGS
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=60)

        try:
            run()
        except (Exception, FailureGroup) as exc:  # FailureGroup is a BaseExceptionGroup
            failures[operation.label] = f"{type(exc).__name__}: {exc}"
    if failures:
        report = "\n\n".join(f"=== {label}\n{text}" for label, text in failures.items())
        log = deployment.server.log_tail(2000)
        errors = re.findall(r"^[\w.]+(?:Error|Exception): .*$", log, re.M)
        if errors:
            report += "\n\n=== server log errors\n" + "\n".join(dict.fromkeys(errors))
        pytest.fail(f"{len(failures)} operation(s) failed:\n\n{report}", pytrace=False)
    return fuzzed


# ------------------------------------------------------------------ regressions


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]


def test_schema_declares_the_error_shape(deployment: Deployment) -> None:
    """Every operation declared FastAPI's 422 body, never sent, and no 401/403/404."""
    with deployment.client(None) as anonymous:
        openapi = anonymous.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    error = openapi["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"]
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]["4XX"]["content"]["application/json"]["schema"]
            assert declared == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)


@pytest.mark.parametrize("path", ["/api/v1/dossiers", "/api/v1/search", "/api/v1/audit"])
def test_huge_offset_is_422(deployment: Deployment, path: str) -> None:
    """offset=2**70 reached SQLite, which cannot hold it: OverflowError, 500."""
    with deployment.client(deployment.admin) as admin:
        answer = admin.get(path, params={"q": WORDS, "offset": str(2**70)})
        assert_error(answer, 422, "invalid_request")
        assert "offset" in answer.json()["error"]["message"]
        assert admin.get(path, params={"q": WORDS, "offset": "5"}).status_code == 200


def test_audit_dates_at_the_ends_of_the_calendar(deployment: Deployment) -> None:
    """to=9999-12-31 has no next day, and 0001-01-01T00:00+14:00 is before year 1 in UTC:
    both raised OverflowError (500)."""
    with deployment.client(deployment.admin) as admin:
        everything = admin.get("/api/v1/audit", params={"limit": 1}).json()["total"]
        last_day = admin.get("/api/v1/audit", params={"to": "9999-12-31", "limit": 1})
        assert last_day.status_code == 200, last_day.text
        assert last_day.json()["total"] >= everything
        first_day = admin.get("/api/v1/audit", params={"from": "0001-01-01", "limit": 1})
        assert first_day.status_code == 200 and first_day.json()["total"] >= everything
        for name, value in (
            ("from", "0001-01-01T00:00:00+14:00"),
            ("to", "9999-12-31T23:59:59-14:00"),
        ):
            answer = admin.get("/api/v1/audit", params={name: value})
            assert_error(answer, 422, "invalid_request")
            assert answer.json()["error"]["message"].startswith(f"{name}: out of range")


def test_search_dates_at_the_ends_of_the_calendar(deployment: Deployment) -> None:
    """Vietnam midnight of 0001-01-01 is before year 1 in UTC, and 9999-12-31 has no
    next day: both raised OverflowError (500) in storage.search."""
    with deployment.client(deployment.admin) as admin:
        plain = admin.get("/api/v1/search", params={"q": WORDS}).json()["total"]
        assert plain >= 1
        for bounds in (
            {"from": "0001-01-01"},
            {"to": "9999-12-31"},
            {"from": "0001-01-01", "to": "9999-12-31"},
        ):
            answer = admin.get("/api/v1/search", params={"q": WORDS, **bounds})
            assert answer.status_code == 200, answer.text
            assert answer.json()["total"] == plain


def test_search_pages_follow_the_cursor(deployment: Deployment) -> None:
    """Both seeded documents, one page each: the cursor leads from the first to the second
    and ends; a cursor we did not make is 400 invalid_cursor."""
    with deployment.client(deployment.admin) as admin:
        whole = admin.get("/api/v1/search", params={"q": WORDS}).json()
        assert (whole["total"], whole["total_exact"], whole["next_cursor"]) == (2, True, None)
        first = admin.get("/api/v1/search", params={"q": WORDS, "limit": 1}).json()
        assert first["next_cursor"]
        second = admin.get(
            "/api/v1/search", params={"q": WORDS, "limit": 1, "cursor": first["next_cursor"]}
        ).json()
        assert [h["document_id"] for h in first["hits"] + second["hits"]] == [
            h["document_id"] for h in whole["hits"]
        ]
        assert second["next_cursor"] is None
        forged = admin.get("/api/v1/search", params={"q": WORDS, "cursor": "bm90LWEtY3Vyc29y"})
        assert_error(forged, 400, "invalid_cursor")


NUL_REQUESTS = [
    ("GET", "/api/v1/documents/%00", {}),
    ("PATCH", "/api/v1/documents/%00", {"json": {"is_certified_copy": True}}),
    ("GET", "/api/v1/dossiers", {"params": {"unit": f"{UNIT}{NUL}"}}),
    ("GET", "/api/v1/search", {"params": {"q": f"{WORDS}{NUL}"}}),
    ("GET", "/api/v1/audit", {"params": {"actor": f"key:{NUL}"}}),
    ("DELETE", "/api/v1/keys/%00", {}),
]


@pytest.mark.parametrize(("method", "path", "send"), NUL_REQUESTS)
def test_nul_in_the_path_or_query_is_422(
    deployment: Deployment, method: str, path: str, send: dict[str, object]
) -> None:
    """PostgreSQL text cannot hold NUL: each of these failed its query, or the audit
    event of the request (even of a refused one), with a 500."""
    for key in (deployment.admin, deployment.clerk, None):
        with deployment.client(key) as client:
            answer = client.request(method, path, **send)  # type: ignore[arg-type]
        assert_error(answer, 422, "invalid_request")
        assert "NUL" in answer.json()["error"]["message"]


def test_nul_in_a_body_is_422(deployment: Deployment) -> None:
    """Stored or audited (a unit the clerk lacks), NUL in a body made PostgreSQL fail: 500."""
    dossier = f"/api/v1/dossiers/{urllib.parse.quote(DOSSIER, safe='')}"
    with deployment.client(deployment.clerk) as clerk:
        for body in (
            {"unit": f"{OTHER_UNIT}{NUL}"},
            {"unit": UNIT, "procedure_code": f"2.000{NUL}815"},
            {"unit": UNIT, "callback_url": f"https://motcua.example.vn/{NUL}"},
        ):
            assert_error(clerk.put(dossier, json=body), 422, "invalid_request")
        patch = {"fields": {"ho_ten": ["Nguyễn Văn Đặng", {"ghi_chu": NUL}]}}
        answer = clerk.patch(f"/api/v1/documents/{deployment.document_ids[0]}", json=patch)
        assert_error(answer, 422, "invalid_request")
        assert clerk.put(dossier, json={"procedure_code": "2.000815"}).status_code == 200


def test_overlong_multipart_boundary_is_400(deployment: Deployment) -> None:
    """python-multipart refuses a boundary over 256 bytes by raising: it was a 500."""
    boundary = "b" * 300
    with deployment.client(deployment.clerk) as clerk:
        answer = clerk.post(
            f"/api/v1/dossiers/{urllib.parse.quote(DOSSIER, safe='')}/documents",
            content=f"--{boundary}--\r\n".encode(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    assert_error(answer, 400, "malformed_multipart")


# ------------------------------------------------------------------ fuzzing


def test_fuzz_as_admin(deployment: Deployment, schema: schemathesis.BaseSchema) -> None:
    # Not DELETE /keys/{key_id}: it could revoke the keys this module fuzzes
    # with; test_fuzz_key_revocation fuzzes it with keys of its own.
    fuzzed = fuzz(deployment, schema, deployment.admin, skip=REVOKE)
    assert UPLOAD in fuzzed and len(fuzzed) >= 15, fuzzed


def test_fuzz_as_clerk(deployment: Deployment, schema: schemathesis.BaseSchema) -> None:
    # A clerk cannot revoke keys (403), so DELETE /keys/{key_id} is safe here.
    fuzzed = fuzz(deployment, schema, deployment.clerk)
    assert UPLOAD in fuzzed and REVOKE in fuzzed, fuzzed


def test_fuzz_without_key(deployment: Deployment, schema: schemathesis.BaseSchema) -> None:
    fuzz(deployment, schema, None)


def test_fuzz_key_revocation(deployment: Deployment) -> None:
    """DELETE /keys/{key_id} as a throwaway admin, offered the ids of throwaway keys only."""
    revoke = load_schema(deployment, key_id=list(deployment.victim_key_ids))
    assert fuzz(deployment, revoke, deployment.revoker, only=REVOKE) == [REVOKE]
    with deployment.client(deployment.admin) as admin:  # the fuzzing keys still work
        assert admin.get("/api/v1/keys").status_code == 200
    with deployment.client(deployment.clerk) as clerk:
        assert clerk.get("/api/v1/dossiers").status_code == 200
