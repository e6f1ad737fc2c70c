"""Documents listed across dossiers (``storage.repository.list_documents``) on SQLite and
PostgreSQL: the key's units only, newest first, filters, and keyset pages that neither
repeat nor skip a document when new ones arrive between two pages. On PostgreSQL, the
plan of each filter on a few hundred thousand documents is an index range read with no
sort and no sequential scan: a page costs what it returns."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from classifiers.checklists import load_procedures
from storage import repository as repo
from storage.models import Document
from storage.repository.documents import listing_query
from testkit.database import BACKENDS, Db, backend_db, postgres_db

WARD = "000.00.00.H26"
COMMUNE = "000.00.00.H27"
ELSEWHERE = "000.00.00.H28"
START = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pg() -> Iterator[Db]:
    with postgres_db() as db:
        yield db


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    with backend_db(request.param, tmp_path, request) as database:
        yield database


def add(
    s: Session,
    unit: str,
    dossier_code: str,
    name: str,
    created: datetime,
    *,
    status: str = "done",
    document_type: str | None = "giay_khai_sinh",
) -> str:
    repo.ensure_unit(s, unit)
    dossier = repo.upsert_dossier(s, unit, dossier_code)
    document, _ = repo.create_document(
        s,
        dossier,
        filename=name,
        kind="pdf",
        content_type="application/pdf",
        size=1,
        sha256=hashlib.sha256(f"{unit}/{dossier_code}/{name}".encode()).hexdigest(),
        original_key=f"{unit}/{dossier_code}/{name}",
        page_count=1,
    )
    document.created_at = created
    document.status = status
    document.document_type = document_type
    s.flush()
    return document.id


def names(
    db: Db, units: list[str] | None, where: repo.DocumentFilter | None = None, **kw: Any
) -> list[str]:
    with db.sessions() as s:
        found = repo.list_documents(
            s, units=units, where=where or repo.DocumentFilter(), limit=kw.pop("limit", 50), **kw
        )
        return [d.filename for d in found]


def fill(db: Db) -> None:
    with db.session() as s:
        for n in range(6):  # ward: w0 … w5, an hour apart, spread over two dossiers
            add(
                s,
                WARD,
                f"HS-{n % 2}",
                f"w{n}.pdf",
                START + timedelta(hours=n),
                status="failed" if n == 2 else "done",
                document_type="ban_sao" if n % 3 == 0 else "giay_khai_sinh",
            )
        for n in range(3):  # commune: c0 … c2, half an hour after each ward document
            add(s, COMMUNE, "HS-0", f"c{n}.pdf", START + timedelta(hours=n, minutes=30))
        add(s, ELSEWHERE, "HS-9", "x.pdf", START + timedelta(hours=10))


def test_units_newest_first(db: Db) -> None:
    fill(db)
    assert names(db, [WARD]) == ["w5.pdf", "w4.pdf", "w3.pdf", "w2.pdf", "w1.pdf", "w0.pdf"]
    both = ["w5.pdf", "w4.pdf", "w3.pdf", "c2.pdf", "w2.pdf", "c1.pdf", "w1.pdf", "c0.pdf"]
    assert names(db, [WARD, COMMUNE]) == [*both, "w0.pdf"]
    assert names(db, [COMMUNE, WARD], limit=4) == both[:4]  # merged, then cut
    assert names(db, None)[0] == "x.pdf"  # every unit (an admin)
    assert len(names(db, None)) == 10
    assert names(db, []) == []  # a key with no unit sees nothing
    assert names(db, ["000.00.00.H99"]) == []


def test_the_documents_carry_their_dossiers_unit(db: Db) -> None:
    fill(db)
    with db.sessions() as s:
        for document in s.query(Document):
            assert document.unit_code == document.dossier.unit_code


def test_filters(db: Db) -> None:
    fill(db)
    failed = repo.DocumentFilter(status="failed")
    assert names(db, [WARD, COMMUNE], failed) == ["w2.pdf"]
    copies = repo.DocumentFilter(document_type="ban_sao")
    assert names(db, [WARD, COMMUNE], copies) == ["w3.pdf", "w0.pdf"]
    both = repo.DocumentFilter(status="done", document_type="ban_sao")
    assert names(db, [WARD], both) == ["w3.pdf", "w0.pdf"]
    window = repo.DocumentFilter(
        created_from=START + timedelta(hours=1), created_before=START + timedelta(hours=3)
    )
    assert names(db, [WARD, COMMUNE], window) == ["c2.pdf", "w2.pdf", "c1.pdf", "w1.pdf"]


def test_keyset_pages_neither_repeat_nor_skip(db: Db) -> None:
    fill(db)
    with db.session() as s:  # two documents at the same instant: the id decides
        add(s, WARD, "HS-5", "same-a.pdf", START + timedelta(hours=4))
        add(s, WARD, "HS-5", "same-b.pdf", START + timedelta(hours=4))
    expected = names(db, [WARD, COMMUNE])
    seen: list[str] = []
    after = None
    for _ in range(20):
        with db.sessions() as s:
            page = repo.list_documents(
                s, units=[WARD, COMMUNE], where=repo.DocumentFilter(), after=after, limit=3
            )
            seen += [d.filename for d in page]
            if len(page) < 3:
                break
            after = (page[-1].created_at, page[-1].id)
        if len(seen) == 3:  # a new document arrives between two pages: the next is not shifted
            with db.session() as s:
                add(s, WARD, "HS-0", "new.pdf", START + timedelta(days=1))
    assert seen == expected
    assert names(db, [WARD])[0] == "new.pdf"


def test_the_changes_feed_follows_changes_oldest_first(db: Db) -> None:
    """Documents changed since T, oldest change first; a document changed again while an
    integrator pages moves to the end and is seen again there, none is skipped."""
    fill(db)
    since = datetime.now(UTC) - timedelta(minutes=1)
    with db.sessions() as s:
        ward = {d.filename: d.id for d in s.query(Document).filter_by(unit_code=WARD)}
    feed = repo.DocumentFilter(changed_since=since)
    seen: list[str] = []
    after = None
    for round_ in range(20):
        with db.sessions() as s:
            page = repo.list_documents(s, units=[WARD, COMMUNE], where=feed, after=after, limit=4)
            seen += [d.filename for d in page]
            moments = [d.updated_at for d in page]
            assert moments == sorted(moments)
            if len(page) < 4:
                break
            after = repo.position_of(page[-1], feed)
        if round_ == 0:  # w0 was on the first page; a clerk corrects it now
            with db.session() as s:
                s.get(Document, ward["w0.pdf"]).document_type = "cccd"  # type: ignore[union-attr]
    assert sorted(set(seen)) == sorted([*(f"w{n}.pdf" for n in range(6)), "c0.pdf", "c1.pdf",
                                        "c2.pdf"])  # fmt: skip
    assert seen.count("w0.pdf") == 2 and seen[-1] == "w0.pdf"
    later = repo.DocumentFilter(changed_since=datetime.now(UTC) + timedelta(minutes=1))
    assert names(db, [WARD], later) == []


# ------------------------------------------------------------------ the plan (PostgreSQL)

GENERATED = 300_000


@pytest.fixture(scope="module")
def archive(pg: Db) -> Iterator[Db]:
    """A few hundred thousand documents in 200 units, 10 dossiers each, statuses and types
    mixed as an archive has them (mostly done; a few failed), written by SQL in seconds."""
    with pg.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO units (code) SELECT 'U' || lpad(u::text, 4, '0') "
                "FROM generate_series(1, 200) u"
            )
        )
        c.execute(
            text(
                "INSERT INTO dossiers (unit_code, code, status, created_at, updated_at) "
                "SELECT 'U' || lpad(u::text, 4, '0'), 'HS-' || d, 'open', now(), now() "
                "FROM generate_series(1, 200) u, generate_series(1, 10) d"
            )
        )
        c.execute(
            text(
                "INSERT INTO documents (id, dossier_id, unit_code, filename, kind, content_type,"
                " size, sha256, original_key, status, document_type, created_at, updated_at) "
                "SELECT md5(n::text)::uuid::text, d.id, d.unit_code, 'f' || n || '.pdf', 'pdf',"
                " 'application/pdf', 1, md5(n::text) || md5(n::text), 'k' || n,"
                " CASE WHEN n % 97 = 0 THEN 'failed' WHEN n % 13 = 0 THEN 'queued'"
                " ELSE 'done' END,"
                " (ARRAY['giay_khai_sinh','ban_sao','cccd','other'])[(n / 7) % 4 + 1],"
                " timestamptz '2024-01-01' + n * interval '97 seconds',"
                " timestamptz '2024-01-01' + n * interval '97 seconds'"
                " + ((n::bigint * 7919) % 100000) * interval '1 minute' "
                "FROM generate_series(1, :n) n "
                "JOIN dossiers d ON d.id = 1 + (n::bigint * 7919) % 2000"
            ),
            {"n": GENERATED},
        )
        c.execute(text("ANALYZE documents"))
    yield pg
    with pg.engine.begin() as c:
        c.execute(text("TRUNCATE documents, dossiers, units RESTART IDENTITY CASCADE"))


def plan_of(
    db: Db, units: list[str] | None, where: repo.DocumentFilter, after: Any
) -> dict[str, Any]:
    """PostgreSQL's executed plan of one page of 50 (EXPLAIN ANALYZE, as JSON)."""
    with db.sessions() as s:
        compiled = listing_query(units, where, after, 51).compile(dialect=s.get_bind().dialect)
        explained = (
            s.connection()
            .exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {compiled}", compiled.params)
            .scalar_one()
        )
    return explained[0]


def scans(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "Relation Name" in node:
        yield node
    for child in node.get("Plans", []):
        yield from scans(child)


@pytest.mark.parametrize(
    ("units", "where"),
    [
        (["U0007"], repo.DocumentFilter()),
        (["U0007"], repo.DocumentFilter(status="failed")),
        (["U0007"], repo.DocumentFilter(document_type="ban_sao")),
        (["U0007", "U0100", "U0150"], repo.DocumentFilter(status="queued")),
        (
            ["U0007"],
            repo.DocumentFilter(
                created_from=datetime(2024, 3, 1, tzinfo=UTC),
                created_before=datetime(2024, 4, 1, tzinfo=UTC),
            ),
        ),
        (None, repo.DocumentFilter()),
        (["U0007"], repo.DocumentFilter(changed_since=datetime(2024, 2, 1, tzinfo=UTC))),
        (
            ["U0007", "U0100", "U0150"],
            repo.DocumentFilter(changed_since=datetime(2024, 2, 1, tzinfo=UTC)),
        ),
        (None, repo.DocumentFilter(changed_since=datetime(2024, 2, 1, tzinfo=UTC))),
    ],
    ids=["unit", "status", "type", "three-units", "dates", "admin", "feed", "feed-3", "feed-all"],
)
def test_each_filter_reads_an_index_in_order(
    archive: Db, units: list[str] | None, where: repo.DocumentFilter
) -> None:
    """Every table read is an index range, and the rows read are about what the page
    returns: at most 51 per unit read plus the 51 fetched, whatever the archive holds."""
    after = (datetime(2024, 6, 1, tzinfo=UTC), "ffffffff-ffff-ffff-ffff-ffffffffffff")
    for position in (None, after):
        explained = plan_of(archive, units, where, position)
        read = 0
        for node in scans(explained["Plan"]):
            # A bitmap read is the planner's choice for a few matching rows (a unit's
            # failed documents): still an index, still about the page's rows.
            assert node["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan")
            index = node.get("Index Name") or node["Plans"][0]["Index Name"]
            assert index.startswith(("ix_documents_", "pk_documents")), node
            loops = node["Actual Loops"]
            read += (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * loops
        assert read <= 51 * (len(units or [None]) + 1), json.dumps(explained, indent=1)


# ------------------------------------------------------------------ dossier.complete, claimed once


def test_completion_is_claimed_once_when_every_document_is_done(db: Db) -> None:
    """No checklist: complete when every document is done; the claim is recorded, so a
    second look (a redelivered index task) claims nothing."""
    procedures = load_procedures()
    with db.session() as s:
        first = add(s, WARD, "HS-C", "a.pdf", START, status="done")
        add(s, WARD, "HS-C", "b.pdf", START, status="processing")
        dossier_id = repo.get_document(s, first).dossier_id
    with db.session() as s:
        assert repo.claim_completion(s, dossier_id, procedures) is None  # b still reading
    with db.session() as s:
        for document in repo.dossier_documents(s, dossier_id):
            document.status = "done"
        assert repo.claim_completion(s, dossier_id, procedures) is not None
    with db.session() as s:
        assert repo.claim_completion(s, dossier_id, procedures) is None  # already claimed


def test_completion_waits_for_the_checklist(db: Db) -> None:
    procedures = load_procedures()
    with db.session() as s:
        first = add(s, WARD, "HS-K", "a.pdf", START, status="done")
        dossier = repo.get_document(s, first).dossier
        dossier.procedure_code = "2.000815"  # needs a certified copy and its original
        dossier_id = dossier.id
    with db.session() as s:
        assert repo.claim_completion(s, dossier_id, procedures) is None
