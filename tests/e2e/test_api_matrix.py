"""The authorisation matrix: every API operation × every role × own unit / other unit.

The operations come from the live server's OpenAPI document, and the test fails
when an operation has no row in ``OPERATIONS``: a new endpoint cannot ship
without someone deciding who may call it. Each cell asserts the status code the
README promises (401 without a valid key, 403 for a role that lacks the
permission, 404 for another unit's dossier or document, success otherwise) and
that every refusal left an ``access.denied`` event in the audit log.

One live ``sohoa serve`` and one real worker on the embedded default; the
documents are digitised for real, so file downloads answer with real files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from storage.models import AuditEvent
from testkit import pagegen
from testkit.api_harness import (
    ApiServer,
    clean_env,
    embedded_settings,
    quote,
    runtime_for,
    wait_done,
)
from testkit.batch_scans import Cover, Text, feeder_pdf
from testkit.pipeline_harness import Worker

UNIT = "000.00.00.H26"
OTHER = "000.00.00.H27"
DOSSIER = "000.A0.01.H26-261201-0001"
ROLES = ("clerk", "officer", "system", "intake", "admin")
SPEC: dict[str, set[str]] = {
    "clerk": {"read", "submit", "write"},  # files scans and reads them, in its unit
    "officer": {"read", "verify"},  # reads and verifies certified copies, in its unit
    "system": {"read"},  # other agencies' software: read-only
    "intake": {"read", "submit"},  # the one-stop software: hands dossiers and scans in
    "admin": {"read", "submit", "write", "verify", "admin", "reuse"},
}
"""The roles as the README and the issue state them (``reuse``, a citizen's papers by ID
number, is granted to system keys one by one: the matrix's system key has none), written
out here on purpose:
deriving the expectations from ``api.security.PERMISSIONS`` would let a wrong
table there pass."""
DONE_TIMEOUT = 240
CITIZEN = "001090012345"
"""The ID number a person confirmed on each target (a correction: trusted for reuse)."""


@dataclass(frozen=True)
class Target:
    """What one unit holds for the matrix: a dossier and one digitised document."""

    unit: str
    dossier: str
    document_id: str
    scan: bytes
    comparison_id: str = ""
    certification_id: str = ""


@dataclass
class World:
    server: ApiServer
    keys: dict[str, str]  # role -> key of UNIT (admin: all units)
    targets: dict[str, Target]  # "own" / "other" / "cross" (other's original, own's copy)
    settings: dict[str, str]

    def client(self, role: str | None) -> httpx.Client:
        return self.server.client(self.keys[role] if role else None)

    def denied_count(self) -> int:
        rt = runtime_for(self.settings)
        with rt.session() as s:
            return (
                s.scalar(
                    select(func.count(AuditEvent.id)).where(AuditEvent.action == "access.denied")
                )
                or 0
            )


def scan_bytes(seed: int, tmp: Path) -> bytes:
    page = pagegen.render_page(seed, dpi=150, n_lines=4)
    return pagegen.save_png(page.image, tmp / f"{seed}.png", 150).read_bytes()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("matrix")
    settings = embedded_settings(data, SOHOA_SIGNING_TEST_CA="true")
    server = ApiServer(settings, data / "serve.log").start()
    worker = Worker(clean_env(settings), data / "worker.log").start()
    try:
        grants = {role: (role,) if role == "admin" else (role, UNIT) for role in ROLES}
        with ThreadPoolExecutor(len(grants)) as pool:
            made = {r: pool.submit(server.create_key, *g) for r, g in grants.items()}
            keys = {r: f.result() for r, f in made.items()}
        admin = server.client(keys["admin"])
        targets = {}
        for name, unit, seed in (("own", UNIT, 7101), ("other", OTHER, 7102)):
            scan = scan_bytes(seed, data)
            created = admin.put(
                f"/api/v1/dossiers/{quote(DOSSIER)}",
                json={"unit": unit, "procedure_code": "2.000815"},  # its checklist is ticked
            )
            assert created.status_code == 201, created.text
            up = admin.post(
                f"/api/v1/dossiers/{quote(DOSSIER)}/documents",
                params={"unit": unit},
                files=[("files", (f"giấy tờ {name}.png", scan, "image/png"))],
            )
            assert up.status_code == 202, up.text
            targets[name] = Target(unit, DOSSIER, up.json()["files"][0]["document"]["id"], scan)
        for name, target in targets.items():
            wait_done(admin, target.document_id)
            side = {"document_id": target.document_id, "page": 1}
            compared = admin.post("/api/v1/compare", json={"original": side, "copy": side})
            assert compared.status_code == 201, compared.text
            confirmed = admin.patch(
                f"/api/v1/documents/{target.document_id}",
                json={"document_type": "citizen_id", "fields": {"id_number": {"value": CITIZEN}}},
            )
            assert confirmed.status_code == 200, confirmed.text
            certified = admin.post(f"/api/v1/documents/{target.document_id}/certify", json={})
            assert certified.status_code == 201, certified.text
            targets[name] = dataclasses.replace(
                target,
                comparison_id=compared.json()["id"],
                certification_id=certified.json()["id"],
            )
        # The other unit's original (the same scan, so the pages register and an overlay
        # exists) compared by the admin with the own unit's document as the copy: filed
        # under the own unit, yet readable only by keys that see the other unit too.
        presented = admin.post(
            f"/api/v1/dossiers/{quote(DOSSIER)}/documents",
            params={"unit": OTHER},
            files=[("files", ("bản chính.png", targets["own"].scan, "image/png"))],
        )
        assert presented.status_code == 202, presented.text
        original_id = presented.json()["files"][0]["document"]["id"]
        wait_done(admin, original_id)
        sides = {
            "original": {"document_id": original_id, "page": 1},
            "copy": {"document_id": targets["own"].document_id, "page": 1},
        }
        compared = admin.post("/api/v1/compare", json=sides)
        assert compared.status_code == 201, compared.text
        targets["cross"] = dataclasses.replace(targets["own"], comparison_id=compared.json()["id"])
        yield World(server, keys, targets, settings)
    finally:
        worker.stop()
        server.stop()


# ------------------------------------------------------------------ the operations

Call = Callable[[httpx.Client, Target, World], httpx.Response]


@dataclass(frozen=True)
class Operation:
    """One API operation: the permission it needs, how to call it, what success is.

    ``scoped`` operations touch one unit's dossier or document and answer 404
    outside the key's units; the others (admin routes) have no unit.
    ``cross_unit`` operations read a comparison, which spans two units: they
    are also called on a comparison of the own unit's document with the other
    unit's, and answer 404 to any key that does not see both units.
    """

    permission: str  # read / write / verify / admin; "write|verify" for either; "" public
    call: Call
    success: tuple[int, ...]
    scoped: bool = True
    cross_unit: bool = False


def _doc(path: str = "") -> Call:
    return lambda c, t, w: c.get(f"/api/v1/documents/{t.document_id}{path}")


def _upload(c: httpx.Client, t: Target, w: World) -> httpx.Response:
    # The same bytes again: answered with the existing document, nothing new to digitise.
    return c.post(
        f"/api/v1/dossiers/{quote(t.dossier)}/documents",
        params={"unit": t.unit},
        files=[("files", ("lại.png", t.scan, "image/png"))],
    )


def _batch(c: httpx.Client, t: Target, w: World) -> httpx.Response:
    # A feeder scan of the target's own dossier: its cover sheet, then one page.
    pdf = feeder_pdf(
        Path(w.settings["SOHOA_DATA_DIR"]) / f"batch-{t.unit}.pdf",
        [Cover(t.unit, t.dossier), Text(seed=7, lines=3)],
        dpi=100,
    )
    return c.post(
        "/api/v1/batches",
        params={"unit": t.unit},
        files=[("files", (pdf.name, pdf.read_bytes(), "application/pdf"))],
    )


def _delete_document(c: httpx.Client, t: Target, w: World) -> httpx.Response:
    # A document of its own, so the cell takes nothing from the others; still queued, so
    # an admin is let through to 409 document_busy (deletion itself: tests/e2e/test_web.py).
    scan = scan_bytes(900 + secrets.randbelow(10_000), Path(w.settings["SOHOA_DATA_DIR"]))
    sent = w.client("admin").post(
        f"/api/v1/dossiers/{quote(t.dossier)}/documents",
        params={"unit": t.unit},
        files=[("files", ("xoá.png", scan, "image/png"))],
    )
    assert sent.status_code == 202, sent.text
    return c.delete(f"/api/v1/documents/{sent.json()['files'][0]['document']['id']}")


def _delete_dossier(c: httpx.Client, t: Target, w: World) -> httpx.Response:
    code = f"{t.dossier}-X{secrets.token_hex(3)}"
    made = w.client("admin").put(f"/api/v1/dossiers/{quote(code)}", json={"unit": t.unit})
    assert made.status_code == 201, made.text
    return c.delete(f"/api/v1/dossiers/{quote(code)}", params={"unit": t.unit})


PURPOSE = {"purpose": "kiểm tra ma trận quyền"}


def _register(kind: str) -> Call:
    def call(c: httpx.Client, t: Target, w: World) -> httpx.Response:
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        period = {"unit": t.unit, "from": str(today - timedelta(days=30)), "to": str(today)}
        return c.get(f"/api/v1/certifications/register.{kind}", params=period)

    return call


def _revoke(c: httpx.Client, t: Target, w: World) -> httpx.Response:
    made = w.client("admin").post("/api/v1/keys", json={"role": "system", "units": [UNIT]})
    assert made.status_code == 201, made.text
    return c.delete(f"/api/v1/keys/{made.json()['id']}")


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/healthz"): Operation("", lambda c, t, w: c.get("/healthz"), (200,), scoped=False),
    ("GET", "/readyz"): Operation("", lambda c, t, w: c.get("/readyz"), (200,), scoped=False),
    ("PUT", "/api/v1/dossiers/{code}"): Operation(
        "submit",
        lambda c, t, w: c.put(
            f"/api/v1/dossiers/{quote(t.dossier)}",
            json={"unit": t.unit, "procedure_code": "2.000815"},
        ),
        (200,),
    ),
    ("GET", "/api/v1/dossiers/{code}"): Operation(
        "read",
        lambda c, t, w: c.get(f"/api/v1/dossiers/{quote(t.dossier)}", params={"unit": t.unit}),
        (200,),
    ),
    ("GET", "/api/v1/dossiers"): Operation(
        "read", lambda c, t, w: c.get("/api/v1/dossiers", params={"unit": t.unit}), (200,)
    ),
    ("PUT", "/api/v1/dossiers/{code}/checklist/{key}"): Operation(
        "write",
        lambda c, t, w: c.put(
            f"/api/v1/dossiers/{quote(t.dossier)}/checklist/ban-sao",
            params={"unit": t.unit},
            json={},
        ),
        (200,),
    ),
    ("DELETE", "/api/v1/dossiers/{code}/checklist/{key}"): Operation(
        "write",
        lambda c, t, w: c.delete(
            f"/api/v1/dossiers/{quote(t.dossier)}/checklist/ban-sao", params={"unit": t.unit}
        ),
        (200,),
    ),
    ("POST", "/api/v1/dossiers/{code}/documents"): Operation("submit", _upload, (202,)),
    # 409 no_callback_url: the matrix's dossier sends no events; the key was let through
    ("POST", "/api/v1/dossiers/{code}/webhook-secret"): Operation(
        "submit",
        lambda c, t, w: c.post(
            f"/api/v1/dossiers/{quote(t.dossier)}/webhook-secret", params={"unit": t.unit}
        ),
        (200, 409),
    ),
    ("GET", "/api/v1/dossiers/{code}/receipt.pdf"): Operation(
        "read",
        lambda c, t, w: c.get(
            f"/api/v1/dossiers/{quote(t.dossier)}/receipt.pdf", params={"unit": t.unit}
        ),
        (200,),
    ),
    ("GET", "/api/v1/dossiers/{code}/cover-sheet.pdf"): Operation(
        "read",
        lambda c, t, w: c.get(
            f"/api/v1/dossiers/{quote(t.dossier)}/cover-sheet.pdf", params={"unit": t.unit}
        ),
        (200,),
    ),
    ("POST", "/api/v1/batches"): Operation("submit", _batch, (202,)),
    ("GET", "/api/v1/people"): Operation(
        "read",
        lambda c, t, w: c.get("/api/v1/people", params={"q": "nguyễn văn an", "unit": t.unit}),
        (200,),
    ),
    ("GET", "/api/v1/attention"): Operation(
        "read", lambda c, t, w: c.get("/api/v1/attention", params={"unit": t.unit}), (200,)
    ),
    # 409: the document (or comparison) is not in the queue; the key was let through
    ("POST", "/api/v1/documents/{document_id}/checked"): Operation(
        "write|verify",
        lambda c, t, w: c.post(f"/api/v1/documents/{t.document_id}/checked"),
        (204, 409),
    ),
    ("POST", "/api/v1/comparisons/{comparison_id}/checked"): Operation(
        "verify",
        lambda c, t, w: c.post(f"/api/v1/comparisons/{t.comparison_id}/checked"),
        (204, 409),
        cross_unit=True,
    ),
    ("GET", "/metrics"): Operation(
        "admin", lambda c, t, w: c.get("/metrics"), (200,), scoped=False
    ),
    ("GET", "/api/v1/documents"): Operation(
        "read",
        lambda c, t, w: c.get("/api/v1/documents", params={"unit": t.unit, "limit": 5}),
        (200,),
    ),
    ("GET", "/api/v1/documents/{document_id}"): Operation("read", _doc(), (200,)),
    ("PATCH", "/api/v1/documents/{document_id}"): Operation(
        "write|verify",
        lambda c, t, w: c.patch(
            f"/api/v1/documents/{t.document_id}", json={"fields": {"document_number": "12/2025"}}
        ),
        (200,),
    ),
    ("POST", "/api/v1/documents/{document_id}/reprocess"): Operation(
        "write",
        lambda c, t, w: c.post(f"/api/v1/documents/{t.document_id}/reprocess"),
        (202,),
    ),
    ("GET", "/api/v1/documents/{document_id}/pdf"): Operation("read", _doc("/pdf"), (200,)),
    ("GET", "/api/v1/documents/{document_id}/original"): Operation(
        "read", _doc("/original"), (200,)
    ),
    ("GET", "/api/v1/documents/{document_id}/text"): Operation("read", _doc("/text"), (200,)),
    ("GET", "/api/v1/documents/{document_id}/pages/{number}/image"): Operation(
        "read", _doc("/pages/1/image?size=thumb"), (200,)
    ),
    ("GET", "/api/v1/search"): Operation(
        "read", lambda c, t, w: c.get("/api/v1/search", params={"q": "xã", "unit": t.unit}), (200,)
    ),
    ("POST", "/api/v1/compare"): Operation(
        "verify",
        lambda c, t, w: c.post(
            "/api/v1/compare",
            json={
                "original": {"document_id": t.document_id, "page": 1},
                "copy": {"document_id": t.document_id, "page": 1},
            },
        ),
        (201,),
    ),
    ("GET", "/api/v1/comparisons"): Operation(
        "verify", lambda c, t, w: c.get("/api/v1/comparisons"), (200,), scoped=False
    ),
    ("GET", "/api/v1/comparisons/{comparison_id}"): Operation(
        "verify",
        lambda c, t, w: c.get(f"/api/v1/comparisons/{t.comparison_id}"),
        (200,),
        cross_unit=True,
    ),
    ("GET", "/api/v1/comparisons/{comparison_id}/report.pdf"): Operation(
        "verify",
        lambda c, t, w: c.get(f"/api/v1/comparisons/{t.comparison_id}/report.pdf"),
        (200,),
        cross_unit=True,
    ),
    ("GET", "/api/v1/comparisons/{comparison_id}/pages/{number}/overlay.png"): Operation(
        "verify",
        lambda c, t, w: c.get(f"/api/v1/comparisons/{t.comparison_id}/pages/1/overlay.png"),
        (200,),
        cross_unit=True,
    ),
    ("GET", "/api/v1/audit"): Operation(
        "admin", lambda c, t, w: c.get("/api/v1/audit"), (200,), scoped=False
    ),
    ("GET", "/api/v1/keys"): Operation(
        "admin", lambda c, t, w: c.get("/api/v1/keys"), (200,), scoped=False
    ),
    ("POST", "/api/v1/keys"): Operation(
        "admin",
        lambda c, t, w: c.post("/api/v1/keys", json={"role": "officer", "units": [UNIT]}),
        (201,),
        scoped=False,
    ),
    ("DELETE", "/api/v1/keys/{key_id}"): Operation("admin", _revoke, (200,), scoped=False),
    ("DELETE", "/api/v1/documents/{document_id}"): Operation("admin", _delete_document, (200, 409)),
    # Certified electronic copies: the targets were certified when the world was made, so
    # certifying again is 409 already_certified for a key that may.
    ("POST", "/api/v1/documents/{document_id}/certify"): Operation(
        "verify",
        lambda c, t, w: c.post(f"/api/v1/documents/{t.document_id}/certify", json={}),
        (201, 409),
    ),
    ("GET", "/api/v1/certifications"): Operation(
        "verify", lambda c, t, w: c.get("/api/v1/certifications", params={"unit": t.unit}), (200,)
    ),
    ("GET", "/api/v1/certifications/register.csv"): Operation("verify", _register("csv"), (200,)),
    ("GET", "/api/v1/certifications/register.pdf"): Operation("verify", _register("pdf"), (200,)),
    ("GET", "/api/v1/certifications/{certification_id}"): Operation(
        "read", lambda c, t, w: c.get(f"/api/v1/certifications/{t.certification_id}"), (200,)
    ),
    ("GET", "/api/v1/certifications/{certification_id}/pdf"): Operation(
        "read", lambda c, t, w: c.get(f"/api/v1/certifications/{t.certification_id}/pdf"), (200,)
    ),
    # Public: anyone holding a certified copy checks it (no key; rate limited).
    ("GET", "/api/v1/verification/{certification_id}"): Operation(
        "",
        lambda c, t, w: c.get(f"/api/v1/verification/{t.certification_id}"),
        (200,),
        scoped=False,
    ),
    ("POST", "/api/v1/verification"): Operation(
        "",
        lambda c, t, w: c.post(
            "/api/v1/verification", files=[("files", ("x.pdf", b"not a pdf", "application/pdf"))]
        ),
        (200,),
        scoped=False,
    ),
    # Reuse by ID number: a grant of its own (admins; system keys granted one by one).
    ("GET", "/api/v1/citizens/{id_number}/documents"): Operation(
        "reuse",
        lambda c, t, w: c.get(f"/api/v1/citizens/{CITIZEN}/documents", params=PURPOSE),
        (200,),
        scoped=False,
    ),
    ("GET", "/api/v1/citizens/{id_number}/documents/{document_id}/pdf"): Operation(
        "reuse",
        lambda c, t, w: c.get(
            f"/api/v1/citizens/{CITIZEN}/documents/{t.document_id}/pdf", params=PURPOSE
        ),
        (200,),
        scoped=False,
    ),
    ("DELETE", "/api/v1/dossiers/{code}"): Operation("admin", _delete_dossier, (200,)),
}


def allowed(role: str, permission: str) -> bool:
    if not permission:
        return True
    return any(p in SPEC[role] for p in permission.split("|"))


def expected_status(op: Operation, role: str | None, place: str) -> tuple[int, ...]:
    if not op.permission:
        return op.success
    if role is None:
        return (401,)
    if not allowed(role, op.permission):
        return (403,)
    if op.scoped and place in ("other", "cross") and role != "admin":
        return (404,)
    return op.success


CELLS = [
    (method, path, role, place)
    for (method, path), op in OPERATIONS.items()
    for role in (None, *ROLES)
    for place in (
        ("own", "other", "cross") if op.cross_unit else ("own", "other") if op.scoped else ("own",)
    )
]


def test_every_operation_has_a_row(world: World) -> None:
    spec = world.client(None).get("/api/v1/openapi.json").json()
    declared = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "patch", "delete"}
    }
    assert declared == set(OPERATIONS), (
        f"operations without a matrix row: {sorted(declared - set(OPERATIONS))}; "
        f"rows without an operation: {sorted(set(OPERATIONS) - declared)}"
    )


@pytest.mark.parametrize(
    ("method", "path", "role", "place"),
    CELLS,
    ids=[f"{m} {p} {r or 'anonymous'} {pl}" for m, p, r, pl in CELLS],
)
def test_matrix_cell(world: World, method: str, path: str, role: str | None, place: str) -> None:
    op = OPERATIONS[method, path]
    target = world.targets[place]
    want = expected_status(op, role, place)
    if want == op.success and op.scoped:
        # A reprocess earlier in the matrix may still be running on this document.
        wait_done(world.client("admin"), target.document_id)
    denied_before = world.denied_count()
    with world.client(role) as client:
        response = op.call(client, target, world)
    assert response.status_code in want, (
        f"{method} {path} as {role or 'anonymous'} on {place} unit: "
        f"{response.status_code} {response.text[:300]}"
    )
    refused = response.status_code in (401, 403, 404)
    if refused:
        body = response.json()
        assert (
            body["error"]["code"]
            in {
                401: {"unauthorized"},
                403: {"forbidden"},
                404: {
                    "document_not_found",
                    "dossier_not_found",
                    "unit_not_found",
                    "comparison_not_found",
                    "certification_not_found",
                },
            }[response.status_code]
        )
    assert world.denied_count() - denied_before == (1 if refused else 0), (
        "every refusal, and only a refusal, is recorded as access.denied"
    )


def test_other_unit_404_is_indistinguishable_from_a_missing_one(world: World) -> None:
    """A document of another unit and one that never existed get the same answer."""
    with world.client("clerk") as client:
        foreign = client.get(f"/api/v1/documents/{world.targets['other'].document_id}")
        missing = client.get("/api/v1/documents/00000000-0000-0000-0000-000000000000")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"]
    assert foreign.json()["error"]["message"].replace(
        world.targets["other"].document_id, "ID"
    ) == missing.json()["error"]["message"].replace("00000000-0000-0000-0000-000000000000", "ID")


def test_listings_never_show_another_unit(world: World) -> None:
    """Without a unit filter a key sees its own units only; a system key its granted ones."""
    for role in ("clerk", "officer", "system"):
        with world.client(role) as client:
            listed = client.get("/api/v1/dossiers").json()["items"]
            found = client.get("/api/v1/search", params={"q": "xa"}).json()["hits"]
        assert {d["unit"] for d in listed} == {UNIT}, role
        assert {h["unit"] for h in found} <= {UNIT}, role
    both = world.server.create_key("system", UNIT, OTHER)
    with world.server.client(both) as client:
        listed = client.get("/api/v1/dossiers").json()["items"]
        original = client.get(f"/api/v1/documents/{world.targets['other'].document_id}/original")
    assert {d["unit"] for d in listed} == {UNIT, OTHER}
    assert original.status_code == 200
    assert (
        hashlib.sha256(original.content).digest()
        == hashlib.sha256(world.targets["other"].scan).digest()
    )
