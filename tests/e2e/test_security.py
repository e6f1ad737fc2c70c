"""API keys, roles, unit scope and the audit trail: in the database, and over real HTTP.

The HTTP tests share one live ``sohoa serve`` on the embedded default
(SQLite, local folder); the key and first-admin tests run on SQLite and on a
real PostgreSQL.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from api.access_audit import audit_read, deny_unit
from api.error_responses import ApiError
from api.principal import PERMISSIONS, Principal
from api.security import ensure_admin_key, require
from core.settings import Settings
from pipeline.runtime import Runtime
from storage import apikeys
from storage.models import ApiKey, AuditEvent
from testkit.api_harness import ApiServer, embedded_settings
from testkit.database import BACKENDS, fresh_postgres_url

UNIT = "000.00.00.H26"
OTHER_UNIT = "000.00.00.H27"
ROLES = ("clerk", "officer", "system", "intake", "admin")
PERMISSIONS_ALL = ("read", "submit", "write", "verify", "admin")
KEY_FORMAT = re.compile(r"sohoa_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def secret_of(key: str) -> str:
    """The secret part of ``sohoa_<id>_<secret>``; the secret itself may hold ``_``."""
    return key.split("_", 2)[2]


def make_runtime(data_dir: Path, database_url: str = "") -> Runtime:
    return Runtime.from_settings(
        Settings(_env_file=None, data_dir=data_dir, database_url=database_url)
    )


@pytest.fixture(params=BACKENDS)
def rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """An empty, migrated database of each backend, with its runtime."""
    if request.param == "sqlite":
        yield make_runtime(tmp_path)
        return
    with fresh_postgres_url() as url:
        runtime = make_runtime(tmp_path, url)
        yield runtime
        runtime.sessions.kw["bind"].dispose()


def audit_rows(rt: Runtime, after: int = 0, **where: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    with rt.session() as s:
        return list(s.scalars(query))


def last_audit_id(rt: Runtime) -> int:
    with rt.session() as s:
        return s.scalar(select(func.max(AuditEvent.id))) or 0


# ------------------------------------------------------------------ keys in the database


def test_key_is_random_and_only_its_hash_is_stored(rt: Runtime) -> None:
    with rt.session() as s:
        key, secret = apikeys.create_key(
            s, role="clerk", units=[UNIT, UNIT, OTHER_UNIT], name="Một cửa xã A", actor="test"
        )
        key_id = key.id
    assert KEY_FORMAT.fullmatch(secret)
    assert secret.split("_")[1] == key_id
    with rt.session() as s:
        row = s.execute(text("SELECT * FROM api_keys WHERE id = :id"), {"id": key_id}).one()
        _, other = apikeys.create_key(s, role="system", units=[UNIT], actor="test")
    stored = " ".join(str(v) for v in row)
    assert secret not in stored and secret_of(secret) not in stored
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.role == "clerk" and row.name == "Một cửa xã A"
    with rt.session() as s:
        assert s.get(ApiKey, key_id).units == [UNIT, OTHER_UNIT]  # deduplicated, sorted
    assert other != secret and secret_of(other) != secret_of(secret)


def test_check_key_verdicts(rt: Runtime) -> None:
    with rt.session() as s:
        key, secret = apikeys.create_key(s, role="officer", units=[UNIT], actor="test")
    wrong_secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    unknown_id = f"sohoa_{'0' * 16}_{secret_of(secret)}"
    with rt.session() as s:
        assert apikeys.check_key(s, secret).verdict == "ok"
        wrong = apikeys.check_key(s, wrong_secret)
        assert (wrong.verdict, wrong.key_id) == ("unknown", key.id)  # someone guessing at it
        for garbage in (unknown_id, "sohoa", "", "x" * 5000, secret + "x", secret.upper()):
            found = apikeys.check_key(s, garbage)
            assert (found.verdict, found.key_id) == ("unknown", None), garbage
        assert apikeys.revoke_key(s, key.id, actor="test")[1] is True
    with rt.session() as s:
        revoked = apikeys.check_key(s, secret)
        assert (revoked.verdict, revoked.key_id) == ("revoked", key.id)
        first = revoked.key.revoked_at
        assert apikeys.revoke_key(s, key.id, actor="test")[1] is False
        assert s.get(ApiKey, key.id).revoked_at == first  # the first revocation stands
        with pytest.raises(LookupError):
            apikeys.revoke_key(s, "0" * 16, actor="test")
    created = audit_rows(rt, action="key.created", object_id=key.id)
    revoked_events = audit_rows(rt, action="key.revoked", object_id=key.id)
    assert len(created) == 1 and len(revoked_events) == 1
    assert created[0].detail == {"name": key.name, "role": "officer", "units": [UNIT]}


@pytest.mark.parametrize(
    ("role", "units", "error"),
    [
        ("clerk", [], "at least one unit"),
        ("officer", [], "at least one unit"),
        ("system", [], "at least one unit"),
        ("admin", [UNIT], "no units"),
        ("owner", [UNIT], "unknown role"),
        ("clerk", ["../etc"], "not allowed"),
        ("clerk", [" "], "empty"),
    ],
)
def test_role_unit_rules(role: str, units: list[str], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        apikeys.check_grant(role, units)


@pytest.mark.parametrize(
    ("role", "units"), [("clerk", [UNIT]), ("officer", [UNIT, OTHER_UNIT]), ("admin", [])]
)
def test_role_unit_rules_accept(role: str, units: list[str]) -> None:
    assert apikeys.check_grant(role, units) == sorted(units)


def test_last_used_is_written_at_most_once_a_minute(rt: Runtime) -> None:
    start = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)
    with rt.session() as s:
        key, _ = apikeys.create_key(s, role="system", units=[UNIT], actor="test")
    steps = [
        (start, True),
        (start + timedelta(seconds=59), False),
        (start + timedelta(seconds=61), True),
    ]
    for when, written in steps:
        with rt.session() as s:
            row = s.get(ApiKey, key.id)
            assert apikeys.touch(s, row, when) is written
        with rt.session() as s:
            stored = s.get(ApiKey, key.id).last_used_at
        assert stored == (when if written else start)


# ------------------------------------------------------------------ the first admin key


def test_ensure_admin_key_only_once(rt: Runtime) -> None:
    secret = ensure_admin_key(rt)
    assert secret is not None and KEY_FORMAT.fullmatch(secret)
    assert ensure_admin_key(rt) is None
    with rt.session() as s:
        keys = apikeys.list_keys(s)
        assert [(k.role, k.units) for k in keys] == [("admin", [])]
        assert apikeys.check_key(s, secret).verdict == "ok"
    assert [e.actor for e in audit_rows(rt, action="key.created")] == ["system:first-start"]


def test_ensure_admin_key_none_when_any_key_exists(rt: Runtime) -> None:
    with rt.session() as s:
        key, _ = apikeys.create_key(s, role="clerk", units=[UNIT], actor="test")
        apikeys.revoke_key(s, key.id, actor="test")
    assert ensure_admin_key(rt) is None  # revoked keys count: `sohoa keys` is the way back


def start_together(runtimes: list[Runtime]) -> list[str | None]:
    """``ensure_admin_key`` in one thread per runtime (own engine), released at once."""
    for runtime in runtimes:  # connected beforehand, or connecting would space them out
        with runtime.session() as s:
            s.execute(text("SELECT 1"))
    barrier = threading.Barrier(len(runtimes))
    results: list[str | None] = []
    errors: list[BaseException] = []

    def start(runtime: Runtime) -> None:
        try:
            barrier.wait()
            results.append(ensure_admin_key(runtime))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(r,)) for r in runtimes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.parametrize("backend", BACKENDS)
def test_ensure_admin_key_concurrent_starts(backend: str, tmp_path: Path) -> None:
    """Processes starting together on an empty database: exactly one admin key."""

    def race(url: str) -> None:
        for attempt in range(3):  # several rounds: a lucky ordering must not hide a race
            runtimes = [make_runtime(tmp_path / f"{attempt}-{i}", url) for i in range(4)]
            with runtimes[0].session() as s:
                s.execute(text("DELETE FROM api_keys"))
            results = start_together(runtimes)
            assert sum(r is not None for r in results) == 1, results
            with runtimes[0].session() as s:
                assert s.scalar(select(func.count()).select_from(ApiKey)) == 1
            for runtime in runtimes:
                runtime.sessions.kw["bind"].dispose()

    if backend == "sqlite":
        race(f"sqlite:///{tmp_path / 'race.db'}")
    else:
        with fresh_postgres_url() as url:
            race(url)


# ------------------------------------------------------------------ roles and permissions


EXPECTED = {
    "clerk": {"read", "submit", "write"},
    "officer": {"read", "verify"},
    "system": {"read"},
    "intake": {"read", "submit"},  # the one-stop software: hands in, never corrects
    "admin": {"read", "submit", "write", "verify", "admin", "reuse"},
}
"""``reuse`` is also a system key's where its grant says (``tests/unit/test_reuse_grants.py``)."""


@pytest.mark.parametrize(("role", "permission"), list(itertools.product(ROLES, PERMISSIONS_ALL)))
def test_permission_table(role: str, permission: str) -> None:
    principal = Principal("k", "n", role, frozenset({UNIT}))  # type: ignore[arg-type]
    assert principal.can(permission) is (permission in EXPECTED[role])  # type: ignore[arg-type]
    assert set(PERMISSIONS[role]) == EXPECTED[role]


@pytest.mark.parametrize("role", ROLES)
def test_unit_scope(role: str) -> None:
    principal = Principal("k1", "n", role, frozenset({UNIT}))  # type: ignore[arg-type]
    assert principal.sees_unit(UNIT)
    assert principal.sees_unit(OTHER_UNIT) is (role == "admin")
    assert principal.actor == "key:k1"


def test_require_refuses_unknown_permission() -> None:
    with pytest.raises(ValueError, match="unknown permission"):
        require("delete")  # type: ignore[arg-type]


# ------------------------------------------------------------------ in-process audit helpers


@pytest.fixture(scope="module")
def given(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    """The runtime a request would carry (``api.runtime_dependency``), given as an argument."""
    return make_runtime(tmp_path_factory.mktemp("given-runtime"))


def test_deny_unit_is_404_and_audited(given: Runtime) -> None:
    clerk = Principal("c1", "clerk", "clerk", frozenset({UNIT}))
    before = last_audit_id(given)
    error = deny_unit(given, clerk, OTHER_UNIT, object_type="document", object_id="d-42")
    assert isinstance(error, ApiError)
    assert (error.status, error.code, error.message) == (
        404,
        "document_not_found",
        "no document d-42",
    )
    [event] = audit_rows(given, before)
    assert (event.actor, event.action, event.object_type, event.object_id, event.unit_code) == (
        "key:c1",
        "access.denied",
        "document",
        "d-42",
        OTHER_UNIT,
    )
    assert event.detail["reason"] == "other unit" and event.detail["key_id"] == "c1"


def test_require_called_directly_is_403_and_audited(given: Runtime) -> None:
    """How a route accepting one of several permissions uses it: ``require(p)(rt, principal)``."""
    system = Principal("s1", "portal", "system", frozenset({UNIT}))
    assert require("read")(given, system) is system
    before = last_audit_id(given)
    with pytest.raises(ApiError) as refused:
        require("verify")(given, system)
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    [event] = audit_rows(given, before)
    assert event.action == "access.denied" and event.actor == "key:s1"
    assert event.detail["reason"] == "role lacks permission"
    assert event.detail["permission"] == "verify"


def test_audit_read_writes_one_event(given: Runtime) -> None:
    officer = Principal("o1", "officer", "officer", frozenset({UNIT}))
    before = last_audit_id(given)
    audit_read(
        given,
        officer,
        action="document.read",
        object_type="document",
        object_id="d-7",
        unit_code=UNIT,
        detail={"part": "pdf"},
    )
    [event] = audit_rows(given, before)
    assert (event.actor, event.action, event.object_id, event.unit_code, event.detail) == (
        "key:o1",
        "document.read",
        "d-7",
        UNIT,
        {"part": "pdf"},
    )


# ------------------------------------------------------------------ over HTTP


@dataclass
class Deployment:
    server: ApiServer
    rt: Runtime
    admin: str
    clerk: str
    clerk_id: str
    revoked: str
    revoked_id: str

    def client(self, key: str | None = None, header: str = "bearer") -> httpx.Client:
        if header == "bearer" or key is None:
            return self.server.client(key)
        return httpx.Client(base_url=self.server.base_url, headers={"X-API-Key": key}, timeout=60)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data = tmp_path_factory.mktemp("security-live")
    rt = make_runtime(data)
    with rt.session() as s:
        _, admin = apikeys.create_key(s, role="admin", name="root", actor="test")
        clerk_key, clerk = apikeys.create_key(s, role="clerk", units=[UNIT], actor="test")
        gone_key, revoked = apikeys.create_key(s, role="clerk", units=[UNIT], actor="test")
        apikeys.revoke_key(s, gone_key.id, actor="test")
        clerk_id, revoked_id = clerk_key.id, gone_key.id
    server = ApiServer(embedded_settings(data), data / "serve.log").start()
    try:
        yield Deployment(server, rt, admin, clerk, clerk_id, revoked, revoked_id)
    finally:
        server.stop()


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing", "missing key"),
        ("malformed", "unknown key"),
        ("unknown", "unknown key"),
        ("wrong-secret", "unknown key"),
        ("revoked", "revoked"),
        ("basic-auth", "missing key"),
    ],
)
def test_refused_keys_are_401_and_audited(live: Deployment, case: str, reason: str) -> None:
    secret_part = secret_of(live.clerk)
    headers = {
        "missing": {},
        "malformed": {"X-API-Key": "let-me-in"},
        "unknown": {"Authorization": f"Bearer sohoa_{'f' * 16}_{secret_part}"},
        "wrong-secret": {"Authorization": f"Bearer {live.clerk[:-43]}{'A' * 43}"},
        "revoked": {"Authorization": f"Bearer {live.revoked}"},
        "basic-auth": {"Authorization": "Basic YWRtaW46YWRtaW4="},
    }[case]
    before = last_audit_id(live.rt)
    response = httpx.get(f"{live.server.base_url}/api/v1/keys", headers=headers, timeout=30)
    assert_error(response, 401, "unauthorized")
    [event] = audit_rows(live.rt, before)
    assert event.action == "access.denied" and event.object_id == "/api/v1/keys"
    assert event.detail["reason"] == reason
    assert event.detail["path"] == "/api/v1/keys" and event.detail["method"] == "GET"
    key_id = {"wrong-secret": live.clerk_id, "revoked": live.revoked_id}.get(case)
    assert event.detail.get("key_id") == key_id
    assert event.actor == (f"key:{live.revoked_id}" if case == "revoked" else "anonymous")
    logged = str(event.detail) + event.object_id
    assert secret_part not in logged and "let-me-in" not in logged


def test_clerk_is_403_on_admin_routes_and_audited(live: Deployment) -> None:
    before = last_audit_id(live.rt)
    with live.client(live.clerk, header="x-api-key") as client:
        for method, path in [
            ("GET", "/api/v1/audit"),
            ("GET", "/api/v1/keys"),
            ("POST", "/api/v1/keys"),
            ("DELETE", f"/api/v1/keys/{live.clerk_id}"),
        ]:
            body = {"role": "admin"} if method == "POST" else None
            assert_error(client.request(method, path, json=body), 403, "forbidden")
    events = audit_rows(live.rt, before, action="access.denied")
    assert [(e.detail["method"], e.object_id) for e in events] == [
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/keys"),
        ("POST", "/api/v1/keys"),
        ("DELETE", f"/api/v1/keys/{live.clerk_id}"),
    ]
    assert {e.actor for e in events} == {f"key:{live.clerk_id}"}
    assert {e.detail["reason"] for e in events} == {"role lacks permission"}
    with live.rt.session() as s:
        assert s.get(ApiKey, live.clerk_id).revoked_at is None


def test_admin_reads_the_audit_trail(live: Deployment) -> None:
    base = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    with live.rt.session() as s:
        for i in range(5):
            s.add(
                AuditEvent(
                    at=base + timedelta(days=i),
                    actor=f"key:trail{i % 2}",
                    action="document.read",
                    object_type="document",
                    object_id=f"trail-{i}",
                    unit_code=UNIT if i < 3 else OTHER_UNIT,
                    detail={"i": i},
                )
            )
    with live.client(live.admin) as client:

        def ids(**params: object) -> tuple[int, list[str]]:
            response = client.get("/api/v1/audit", params={"action": "document.read", **params})
            assert response.status_code == 200, response.text
            page = response.json()
            return page["total"], [e["object_id"] for e in page["items"]]

        assert ids() == (5, ["trail-4", "trail-3", "trail-2", "trail-1", "trail-0"])
        assert ids(limit=2, offset=1) == (5, ["trail-3", "trail-2"])
        assert ids(actor="key:trail1") == (2, ["trail-3", "trail-1"])
        assert ids(unit=OTHER_UNIT) == (2, ["trail-4", "trail-3"])
        assert ids(object_id="trail-2") == (1, ["trail-2"])
        assert ids(**{"from": "2025-03-15", "to": "2025-03-17"}) == (
            3,
            ["trail-3", "trail-2", "trail-1"],
        )
        assert ids(**{"from": "2025-03-15T09:00:01", "to": "2025-03-17T09:00:00+00:00"}) == (
            2,
            ["trail-3", "trail-2"],
        )
        assert ids(**{"to": "2025-03-15T10:00:00+02:00"}) == (1, ["trail-0"])
        [first] = client.get("/api/v1/audit", params={"object_id": "trail-0"}).json()["items"]
        assert first == {
            "id": first["id"],
            "at": "2025-03-14T09:00:00Z",
            "actor": "key:trail0",
            "action": "document.read",
            "object_type": "document",
            "object_id": "trail-0",
            "unit": UNIT,
            "detail": {"i": 0},
        }
        # Denials recorded by other tests are there too, newest first.
        denied = client.get("/api/v1/audit", params={"action": "access.denied"}).json()
        times = [e["at"] for e in denied["items"]]
        assert times == sorted(times, reverse=True)
        assert_error(
            client.get("/api/v1/audit", params={"from": "last week"}), 422, "invalid_request"
        )
        assert_error(client.get("/api/v1/audit", params={"limit": 0}), 422, "invalid_request")
        assert_error(client.get("/api/v1/audit", params={"limit": 501}), 422, "invalid_request")
    with live.client() as anonymous:
        assert_error(anonymous.get("/api/v1/audit"), 401, "unauthorized")


def test_admin_manages_keys(live: Deployment) -> None:
    with live.client(live.admin) as admin:
        made = admin.post(
            "/api/v1/keys", json={"role": "system", "units": [OTHER_UNIT, UNIT], "name": "Cổng DVC"}
        )
        assert made.status_code == 201, made.text
        new = made.json()
        assert KEY_FORMAT.fullmatch(new["key"]) and new["key"].split("_")[1] == new["id"]
        assert (new["role"], new["units"], new["name"]) == (
            "system",
            [UNIT, OTHER_UNIT],
            "Cổng DVC",
        )
        assert new["revoked_at"] is None and new["last_used_at"] is None

        with live.client(new["key"]) as system:
            assert_error(system.get("/api/v1/keys"), 403, "forbidden")  # it works, and is not admin

        listed = admin.get("/api/v1/keys")
        assert listed.status_code == 200
        assert new["key"] not in listed.text and live.admin not in listed.text
        assert "hash" not in listed.text
        rows = {k["id"]: k for k in listed.json()["items"]}
        assert set(rows[new["id"]]) == {
            "id",
            "name",
            "role",
            "units",
            "reuse_scope",
            "created_at",
            "revoked_at",
            "last_used_at",
        }
        assert rows[new["id"]]["last_used_at"] is not None  # used just above
        assert rows[live.revoked_id]["revoked_at"] is not None

        gone = admin.delete(f"/api/v1/keys/{new['id']}")
        assert gone.status_code == 200 and gone.json()["revoked_at"] is not None
        assert "key" not in gone.json()
        with live.client(new["key"]) as system:
            assert_error(system.get("/api/v1/keys"), 401, "unauthorized")

        assert_error(admin.delete(f"/api/v1/keys/{'0' * 16}"), 404, "key_not_found")
        for bad in (
            {"role": "clerk"},
            {"role": "admin", "units": [UNIT]},
            {"role": "root"},
            {"role": "clerk", "units": [UNIT], "secret": "mine"},
        ):
            assert_error(admin.post("/api/v1/keys", json=bad), 422, "invalid_request")

    created = audit_rows(live.rt, action="key.created", object_id=new["id"])
    revoked = audit_rows(live.rt, action="key.revoked", object_id=new["id"])
    admin_id = live.admin.split("_")[1]
    assert [e.actor for e in created + revoked] == [f"key:{admin_id}"] * 2


def test_last_admin_key_cannot_be_revoked_by_api(live: Deployment) -> None:
    admin_id = live.admin.split("_")[1]
    with live.client(live.admin) as admin:
        second = admin.post("/api/v1/keys", json={"role": "admin", "name": "spare"}).json()
        with live.client(second["key"]) as spare:
            assert spare.delete(f"/api/v1/keys/{second['id']}").status_code == 200
        assert_error(admin.delete(f"/api/v1/keys/{admin_id}"), 409, "last_admin_key")
        assert admin.get("/api/v1/keys").status_code == 200


def test_openapi_declares_the_key_schemes(live: Deployment) -> None:
    spec = httpx.get(f"{live.server.base_url}/api/v1/openapi.json", timeout=30).json()
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert spec["paths"]["/api/v1/audit"]["get"]["security"]
