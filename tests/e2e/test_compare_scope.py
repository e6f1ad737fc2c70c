"""A comparison is read only by a key that may read both its documents, and every read is audited.

One live ``sohoa serve`` and a real worker on the embedded default. Unit A
holds a scanned paper and a second, noisier scan of it; unit B holds the first
scan again (the copy presented there), so every comparison has its pages
registered and an overlay to read. An admin and an officer of both units
each compare A's document (the original) with B's (the copy); an officer of A
compares A's two documents. Then every way of reading a comparison (the API's
record, its PDF report, its overlay image, the listing, the counter page
``/doi-chieu?id=…``) is tried by officers of A only, of B only, of both, and
the admin, and the audit table is read back after each.

The schema change that makes the rule a query filter (``original_unit_code``)
is checked on its own: a comparison saved before it gets its original's unit.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from playwright.sync_api import Browser
from sqlalchemy import func, select, text

from pipeline.runtime import Runtime
from storage.db import alembic_config, make_engine, migrate
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
from testkit.browser import Watched, sign_in
from testkit.database import BACKENDS, fresh_postgres_url
from testkit.pipeline_harness import Worker

UNIT_A = "000.00.00.H26"
UNIT_B = "000.00.00.H27"
DOSSIER_A = "000.A0.01.H26-261208-0017"
DOSSIER_B = "000.A0.01.H27-261208-0017"
SEED = 7301
MISSING = "00000000-0000-0000-0000-000000000000"


@dataclass
class World:
    server: ApiServer
    rt: Runtime
    keys: dict[str, str]  # admin, officer_a, officer_b, officer_ab
    documents: dict[str, str]  # a1, a2 (unit A), b1 (unit B)
    comparisons: dict[str, str]  # cross_admin, cross_officer (A1 vs B1), own_a (A1 vs A2)
    web: dict[str, httpx.Client] = field(default_factory=dict)

    def api(self, who: str) -> httpx.Client:
        return self.server.client(self.keys[who])

    def page(self, who: str) -> httpx.Client:
        """A browser-like client signed in at the counter with ``who``'s key."""
        if who not in self.web:
            client = self.server.client()
            form = client.get("/dang-nhap")
            token = re.search(r'name="signin" value="([^"]+)"', form.text)
            assert token, "no sign-in token in the form"
            done = client.post(
                "/dang-nhap", data={"key": self.keys[who], "signin": token.group(1), "next": ""}
            )
            assert done.status_code == 303, done.text
            self.web[who] = client
        return self.web[who]

    def actor(self, who: str) -> str:
        return f"key:{self.keys[who].split('_')[1]}"

    def audit_rows(self, after: int = 0) -> list[AuditEvent]:
        with self.rt.session() as s:
            rows = list(s.scalars(select(AuditEvent).where(AuditEvent.id > after)))
            s.expunge_all()
            return rows

    def last_audit_id(self) -> int:
        with self.rt.session() as s:
            return s.scalar(select(func.max(AuditEvent.id))) or 0


def compare(client: httpx.Client, original: str, copy: str) -> httpx.Response:
    return client.post(
        "/api/v1/compare",
        json={
            "original": {"document_id": original, "page": 1},
            "copy": {"document_id": copy, "page": 1},
        },
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("compare-scope")
    settings = embedded_settings(data)
    server = ApiServer(settings, data / "serve.log").start()
    worker = Worker(clean_env(settings), data / "worker.log").start()
    found: World | None = None
    try:
        keys = {
            "admin": server.create_key("admin"),
            "officer_a": server.create_key("officer", UNIT_A),
            "officer_b": server.create_key("officer", UNIT_B),
            "officer_ab": server.create_key("officer", UNIT_A, UNIT_B),
        }
        admin = server.client(keys["admin"])
        documents = {}
        for unit, dossier in ((UNIT_A, DOSSIER_A), (UNIT_B, DOSSIER_B)):
            made = admin.put(f"/api/v1/dossiers/{quote(dossier)}", json={"unit": unit})
            assert made.status_code == 201, made.text
        page = pagegen.render_page(SEED, dpi=150, n_lines=4).image
        scans = {
            "a1": pagegen.save_png(page, data / "a1.png", 150).read_bytes(),
            "a2": pagegen.save_png(
                pagegen.salt_and_pepper(page, 0.005, SEED), data / "a2.png", 150
            ).read_bytes(),
        }
        scans["b1"] = scans["a1"]
        for name, scan in scans.items():
            unit, dossier = (UNIT_A, DOSSIER_A) if name.startswith("a") else (UNIT_B, DOSSIER_B)
            up = admin.post(
                f"/api/v1/dossiers/{quote(dossier)}/documents",
                params={"unit": unit},
                files=[("files", (f"giấy tờ {name}.png", scan, "image/png"))],
            )
            assert up.status_code == 202, up.text
            documents[name] = up.json()["files"][0]["document"]["id"]
        for document_id in documents.values():
            wait_done(admin, document_id)
        comparisons = {}
        for name, who, original, copy in (
            ("cross_admin", "admin", "a1", "b1"),
            ("cross_officer", "officer_ab", "a1", "b1"),
            ("own_a", "officer_a", "a1", "a2"),
        ):
            made = compare(server.client(keys[who]), documents[original], documents[copy])
            assert made.status_code == 201, made.text
            comparisons[name] = made.json()["id"]
        found = World(server, runtime_for(settings), keys, documents, comparisons)
        for who in keys:  # signed in now: a sign-in's own audit row is not a read's
            found.page(who)
        yield found
    finally:
        for client in found.web.values() if found else ():
            client.close()
        worker.stop()
        server.stop()


# ------------------------------------------------------------------ the reads

Read = Callable[[World, str, str], httpx.Response]


def _get(w: World, who: str, cid: str) -> httpx.Response:
    return w.api(who).get(f"/api/v1/comparisons/{cid}")


def _report(w: World, who: str, cid: str) -> httpx.Response:
    return w.api(who).get(f"/api/v1/comparisons/{cid}/report.pdf")


def _overlay(w: World, who: str, cid: str) -> httpx.Response:
    return w.api(who).get(f"/api/v1/comparisons/{cid}/pages/1/overlay.png")


def _page(w: World, who: str, cid: str) -> httpx.Response:
    return w.page(who).get("/doi-chieu", params={"id": cid})


READS: dict[str, tuple[Read, str, dict[str, Any]]] = {
    # name: (how, the audit action of a success, what its detail adds)
    "get": (_get, "comparison.read", {}),
    "report": (_report, "comparison.download", {"part": "report"}),
    "overlay": (_overlay, "comparison.download", {"part": "overlay-1", "not_modified": False}),
    "page": (_page, "comparison.read", {"via": "web"}),
}


def listed(w: World, who: str, **params: str) -> set[str]:
    answer = w.api(who).get("/api/v1/comparisons", params={"limit": 100, **params})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


# ------------------------------------------------------------------ one unit only: 404


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize(
    ("who", "lacking"), [("officer_a", UNIT_B), ("officer_b", UNIT_A)], ids=["A-only", "B-only"]
)
@pytest.mark.parametrize("made_by", ["cross_admin", "cross_officer"])
def test_an_officer_of_one_side_gets_404_and_the_refusal_is_recorded(
    world: World, made_by: str, who: str, lacking: str, read: str
) -> None:
    how, _, _ = READS[read]
    cid = world.comparisons[made_by]
    before = world.last_audit_id()
    answer = how(world, who, cid)
    assert answer.status_code == 404, answer.text[:300]
    rows = world.audit_rows(before)
    assert [(r.action, r.object_type, r.object_id, r.unit_code) for r in rows] == [
        ("access.denied", "comparison", cid, lacking)
    ]
    assert rows[0].actor == world.actor(who)
    if read == "page":
        assert "Không tìm thấy" in answer.text and world.documents["a1"] not in answer.text
        return
    # The answer of a comparison that never existed, word for word but the id.
    missing = how(world, who, MISSING)
    assert missing.status_code == 404
    assert answer.json()["error"]["code"] == "comparison_not_found"
    assert answer.text.replace(cid, "ID") == missing.text.replace(MISSING, "ID")


@pytest.mark.parametrize("who", ["officer_a", "officer_b"])
def test_the_listing_shows_one_side_nothing_of_a_cross_unit_comparison(
    world: World, who: str
) -> None:
    cross = {world.comparisons["cross_admin"], world.comparisons["cross_officer"]}
    own_a = world.comparisons["own_a"]
    assert listed(world, who) == ({own_a} if who == "officer_a" else set())
    for document in world.documents.values():
        assert not listed(world, who, document=document) & cross


def test_comparing_needs_both_documents_in_the_keys_units(world: World) -> None:
    """An officer of A cannot make a comparison with B's document (either side), and is recorded."""
    a1, b1 = world.documents["a1"], world.documents["b1"]
    for original, copy in ((a1, b1), (b1, a1)):
        before = world.last_audit_id()
        refused = compare(world.api("officer_a"), original, copy)
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "document_not_found"
        rows = world.audit_rows(before)
        assert [(r.action, r.object_type, r.object_id, r.unit_code) for r in rows] == [
            ("access.denied", "document", b1, UNIT_B)
        ]
    assert len(listed(world, "admin")) == len(world.comparisons)


# ------------------------------------------------------------------ both sides: read, audited once


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("who", ["officer_ab", "admin"])
@pytest.mark.parametrize("made_by", ["cross_admin", "cross_officer"])
def test_a_key_of_both_units_reads_it_and_each_read_is_one_audit_row(
    world: World, made_by: str, who: str, read: str
) -> None:
    how, action, extra = READS[read]
    cid = world.comparisons[made_by]
    before = world.last_audit_id()
    answer = how(world, who, cid)
    assert answer.status_code == 200, answer.text[:300]
    rows = world.audit_rows(before)
    assert [(r.action, r.object_type, r.object_id, r.unit_code) for r in rows] == [
        (action, "comparison", cid, UNIT_B)
    ]
    assert rows[0].actor == world.actor(who)
    assert rows[0].detail == {
        "original_document_id": world.documents["a1"],
        "copy_document_id": world.documents["b1"],
        "original_unit": UNIT_A,
        **extra,
    }
    kind = answer.headers["content-type"]
    if read == "get":
        assert answer.json()["original"]["document_id"] == world.documents["a1"]
    elif read == "report":
        assert kind == "application/pdf" and answer.content.startswith(b"%PDF-")
    elif read == "overlay":
        assert kind == "image/png" and answer.content.startswith(b"\x89PNG")
    else:
        assert kind.startswith("text/html")
        assert 'id="doi-chieu-da-luu"' in answer.text and cid in answer.text


def test_an_overlay_revalidated_is_a_read_too(world: World) -> None:
    cid = world.comparisons["cross_officer"]
    first = _overlay(world, "officer_ab", cid)
    before = world.last_audit_id()
    again = world.api("officer_ab").get(
        f"/api/v1/comparisons/{cid}/pages/1/overlay.png",
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304
    rows = world.audit_rows(before)
    assert [(r.action, r.object_id, r.detail["not_modified"]) for r in rows] == [
        ("comparison.download", cid, True)
    ]


@pytest.mark.parametrize("who", ["officer_ab", "admin"])
def test_the_listing_shows_a_key_of_both_units_everything(world: World, who: str) -> None:
    assert listed(world, who) == set(world.comparisons.values())
    assert listed(world, who, document=world.documents["b1"]) == {
        world.comparisons["cross_admin"],
        world.comparisons["cross_officer"],
    }


def test_the_saved_comparison_page_shows_it_with_one_read(
    world: World,
    chromium: Browser,
) -> None:
    """In Chromium: ``/doi-chieu?id=`` shows the comparison the page read, not a second fetch."""
    cid = world.comparisons["cross_officer"]
    watched = Watched(chromium, world.server.base_url)
    page = watched.page
    try:
        sign_in(watched, world.keys["officer_ab"])
        before = world.last_audit_id()
        page.goto(f"/doi-chieu?id={cid}")
        page.locator("#vung-ket-qua").wait_for(state="visible")
        overlay = page.locator(".cp-overlay").first
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=overlay.element_handle()
        )
        assert (page.locator("#bao-cao").get_attribute("href") or "").endswith(
            f"/comparisons/{cid}/report.pdf"
        )
        page.locator("#ds-doi-chieu li a").first.wait_for()
        assert watched.errors == []
    finally:
        watched.close()
    reads = [
        (r.action, (r.detail or {}).get("part"), (r.detail or {}).get("via"))
        for r in world.audit_rows(before)
        if r.object_type == "comparison"
    ]
    assert reads == [("comparison.read", None, "web"), ("comparison.download", "overlay-1", None)]


# ------------------------------------------------------------------ one unit's own comparison


@pytest.mark.parametrize("read", READS)
def test_an_officer_reads_a_comparison_of_two_documents_of_its_unit(
    world: World, read: str
) -> None:
    how, action, _ = READS[read]
    cid = world.comparisons["own_a"]
    before = world.last_audit_id()
    answer = how(world, "officer_a", cid)
    assert answer.status_code == 200, answer.text[:300]
    rows = world.audit_rows(before)
    assert [(r.action, r.object_id, r.unit_code) for r in rows] == [(action, cid, UNIT_A)]
    assert rows[0].detail["original_unit"] == UNIT_A
    assert {rows[0].detail["original_document_id"], rows[0].detail["copy_document_id"]} == {
        world.documents["a1"],
        world.documents["a2"],
    }
    assert how(world, "officer_b", cid).status_code == 404


# ------------------------------------------------------------------ the migration


def _insert_0007_rows(connection: Any) -> dict[str, str]:
    """Two units, a document in each, and a comparison filed (as 0007 did) under the copy's unit."""
    for unit in (UNIT_A, UNIT_B):
        connection.execute(text("INSERT INTO units (code) VALUES (:u)"), {"u": unit})
    ids = {}
    for name, unit, dossier in (("a", UNIT_A, DOSSIER_A), ("b", UNIT_B, DOSSIER_B)):
        dossier_id = connection.execute(
            text("INSERT INTO dossiers (unit_code, code) VALUES (:u, :c) RETURNING id"),
            {"u": unit, "c": dossier},
        ).scalar_one()
        ids[name] = str(uuid.uuid4())
        connection.execute(
            text(
                "INSERT INTO documents (id, dossier_id, filename, kind, content_type, size, "
                "sha256, original_key, status, page_count, pages_done) VALUES "
                "(:id, :d, 'x.png', 'png', 'image/png', 1, :sha, 'k', 'done', 1, 1)"
            ),
            {"id": ids[name], "d": dossier_id, "sha": name * 64},
        )
    ids["comparison"] = str(uuid.uuid4())
    connection.execute(
        text(
            "INSERT INTO comparisons (id, actor, unit_code, original_document_id, "
            "original_pages, copy_document_id, copy_pages, verdict, difference_count, "
            "result, overlays) VALUES (:id, 'key:x', :unit, :a, '[1]', :b, '[1]', "
            "'identical', 0, '{}', '[]')"
        ),
        {"id": ids["comparison"], "unit": UNIT_B, "a": ids["a"], "b": ids["b"]},
    )
    return ids


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migration_gives_saved_comparisons_their_originals_unit(
    backend: str, tmp_path: Path
) -> None:
    def check(url: str) -> None:
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                config = alembic_config(url)
                config.attributes["connection"] = connection
                command.upgrade(config, "0007_comparisons")
                ids = _insert_0007_rows(connection)
            migrate(url)
            with engine.connect() as connection:
                row = connection.execute(
                    text("SELECT unit_code, original_unit_code FROM comparisons WHERE id = :id"),
                    {"id": ids["comparison"]},
                ).one()
        finally:
            engine.dispose()
        assert tuple(row) == (UNIT_B, UNIT_A)

    if backend == "sqlite":
        check(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        with fresh_postgres_url() as url:
            check(url)
