"""The metadata database on SQLite and on a real PostgreSQL: schema, repository, concurrency."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from pipeline.leases import Heartbeat
from storage import repository as repo
from storage import search as search_module
from storage.db import alembic_config, make_engine, migrate, normalize_url
from storage.models import AuditEvent, Base, Document, Page, Unit
from testkit.database import BACKENDS, Db, backend_db, fresh_postgres_url, postgres_db

UNIT = "000.00.00.H26"
DOSSIER = "000.A0.01.H26-210212-9090"


@pytest.fixture(scope="module")
def pg() -> Iterator[Db]:
    with postgres_db() as db:
        yield db


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    with backend_db(request.param, tmp_path, request) as database:
        yield database


def new_document(db: Db, *, pages: int = 3, sha256: str = "a" * 64) -> str:
    with db.session() as s:
        repo.ensure_unit(s, UNIT, "Phường Đống Đa")
        dossier = repo.upsert_dossier(s, UNIT, DOSSIER)
        document, created = repo.create_document(
            s,
            dossier,
            filename="Giấy khai sinh.pdf",
            kind="pdf",
            content_type="application/pdf",
            size=1234,
            sha256=sha256,
            original_key=f"{UNIT}/{DOSSIER}/x/original.pdf",
            page_count=pages,
        )
        assert created
        repo.ensure_pages(s, document, pages)
        return document.id


def done(s: object, document_id: str, number: int, text: str = "Nguyễn Văn Đặng") -> int:
    return repo.mark_page_done(
        s,  # type: ignore[arg-type]
        document_id,
        number,
        rotation=90,
        skew=-0.5,
        confidence=91.5,
        text=text,
        image_key=f"img/{number}",
        image_sha256="b" * 64,
        result_key=f"words/{number}",
        result_sha256="c" * 64,
    )


# ------------------------------------------------------------------ schema


def test_migrate_is_idempotent(db: Db) -> None:
    migrate(db.url)
    migrate(db.url)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
        tables = set(inspect(connection).get_table_names())
    assert set(Base.metadata.tables) <= tables


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_first_migrations(backend: str, tmp_path: Path) -> None:
    """Processes starting together on an empty database: one creates it, the others wait."""

    def race(url: str) -> None:
        errors: list[BaseException] = []
        barrier = threading.Barrier(3)

        def run() -> None:
            try:
                barrier.wait()
                migrate(url)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        engine = make_engine(url)
        with engine.connect() as connection:
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert MigrationContext.configure(connection).get_current_revision() == head
        engine.dispose()

    if backend == "sqlite":
        race(f"sqlite:///{tmp_path / 'race.db'}")
    else:
        with fresh_postgres_url() as url:
            race(url)


def test_models_match_migration(db: Db) -> None:
    """The ORM classes describe exactly what the migration built."""
    backend_only = {"page_fts", "page_fts_data", "page_fts_idx", "page_fts_docsize"}
    backend_only |= {"page_fts_config", "alembic_version"}
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    expected = {
        *(("remove_table", name) for name in backend_only),
        # PostgreSQL's generated vectors and their GIN indexes
        ("remove_index", "ix_page_search_tsv"),
        ("remove_index", "ix_page_search_pairs"),
    }
    unexpected = [
        d
        for d in diff
        if not (isinstance(d, tuple) and (d[0], getattr(d[1], "name", None)) in expected)
        and not (d[0] == "remove_column" and d[3].name in ("tsv", "pairs"))
    ]
    assert unexpected == []


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() >= 10_000
    engine.dispose()


def test_postgresql_plans_each_execution_for_its_values(pg: Db) -> None:
    """A prepared statement keeps its custom plan (a generic one was 4–13× slower for a
    date-filtered search): every connection make_engine opens says so."""
    engine = make_engine(pg.url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW plan_cache_mode")).scalar() == (
                "force_custom_plan"
            )
            # No parallel workers: launching them cost 30 ms for a 1 ms search of an ID
            # number at 1,000,000 documents (bench/search_scale.py, 2026-12-06).
            workers = connection.execute(text("SHOW max_parallel_workers_per_gather")).scalar()
            assert workers == "0"
    finally:
        engine.dispose()


def test_postgresql_keeps_the_word_vector_in_the_row(pg: Db) -> None:
    """Migration 0027: ``tsv`` stays in its row (the newest-first walk of a common word
    reads one buffer a page instead of a TOAST look-up), two rows a page, the word pairs
    (read by GIN only) out of the row."""
    with pg.engine.connect() as connection:
        storage = dict(
            connection.execute(
                text(
                    "SELECT attname, attstorage FROM pg_attribute "
                    "WHERE attrelid = 'page_search'::regclass AND attname IN ('tsv', 'pairs')"
                )
            ).all()
        )
        options = connection.execute(
            text("SELECT reloptions FROM pg_class WHERE oid = 'page_search'::regclass")
        ).scalar_one()
    assert storage == {"tsv": "m", "pairs": "e"}
    assert options == ["toast_tuple_target=4080"]


def test_postgresql_reads_search_hits_through_a_plan_it_keeps(pg: Db) -> None:
    """Migration 0028: the hits' join by keys, planned once per connection instead of on
    every search (``force_custom_plan`` holds for every other statement)."""
    with pg.engine.connect() as connection:
        config = connection.execute(
            text("SELECT proconfig FROM pg_proc WHERE proname = 'sohoa_search_hits'")
        ).scalar_one()
        rows = connection.execute(
            text("SELECT * FROM sohoa_search_hits(:best)"), {"best": [-1]}
        ).all()
    assert config == ["plan_cache_mode=force_generic_plan"]
    assert rows == []


def test_postgresql_indexes_know_each_pages_era(pg: Db) -> None:
    """Migration 0029: a page's era is its id shifted by ``storage.search.ERA_BITS``, and
    both full-text indexes answer a window's eras inside GIN, as an index condition
    beside the words (a filter would read every listed row from the table first)."""
    bits = search_module.ERA_BITS
    ids = [1, (1 << bits) - 1, 1 << bits, 5 << bits, 2**31 - 1]
    eras = "'5' | '4'"
    with pg.engine.connect() as connection:
        found = connection.execute(
            text("SELECT sohoa_page_era(i) FROM unnest(CAST(:ids AS integer[])) AS i"),
            {"ids": ids},
        ).scalars()
        assert [str(e) for e in found] == [f"'{i >> bits}'" for i in ids]
        for vector, other in (("tsv", "pairs"), ("pairs", "tsv")):
            connection.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table
            connection.execute(text("SET LOCAL enable_indexscan = off"))  # not the id's walk
            # Without statistics the planner may take the other index for the eras alone:
            # it is set aside (until the rollback) to see what this one answers.
            connection.execute(text(f"DROP INDEX ix_page_search_{other}"))
            plan = connection.execute(
                text(
                    f"EXPLAIN SELECT id FROM page_search WHERE {vector} @@ CAST('a_b' AS tsquery) "
                    "AND sohoa_page_era(page_search.id) @@ CAST(:eras AS tsquery)"
                ),
                {"eras": eras},
            ).scalars()
            lines = list(plan)
            conditions = [line for line in lines if "Index Cond" in line]
            assert len(conditions) == 1, lines
            assert "sohoa_page_era" in conditions[0] and vector in conditions[0], lines
            assert f"ix_page_search_{vector}" in "".join(lines), lines
            connection.rollback()


def test_postgres_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u:p%40ss@h/db").startswith("postgresql+psycopg://u:p%40ss@")
    assert normalize_url("postgres://h/db").startswith("postgresql+psycopg://")
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_savepoints_keep_the_transaction(db: Db) -> None:
    """A unique violation inside a savepoint rolls back only the savepoint (SQLite too)."""
    with db.session() as s:
        repo.ensure_unit(s, UNIT)
        s.flush()
        with pytest.raises(IntegrityError), s.begin_nested():
            s.add(Unit(code=UNIT))
        repo.ensure_unit(s, "000.00.00.H27")
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 2


# ------------------------------------------------------------------ round trip


def test_round_trip_vietnamese(db: Db) -> None:
    nfd_name = unicodedata.normalize("NFD", "Giấy chứng nhận quyền sử dụng đất – Đặng.pdf")
    with db.session() as s:
        repo.ensure_unit(s, UNIT, "UBND phường Đống Đa")
        dossier = repo.upsert_dossier(
            s, UNIT, DOSSIER, procedure_code="1.001234", received_date=date(2024, 3, 10)
        )
        document, _ = repo.create_document(
            s,
            dossier,
            filename=nfd_name,
            kind="tiff",
            content_type="image/tiff",
            size=3 * 1024**3,  # beyond 32 bits
            sha256="d" * 64,
            original_key="k",
            page_count=1,
        )
        document.fields = {"họ_tên": "Nguyễn Văn Đặng", "số": ["12/2024", None]}
        document.is_certified_copy = True
        repo.ensure_pages(s, document, 1)
        done(s, document.id, 1, unicodedata.normalize("NFD", "Ông Nguyễn Văn Đặng\ncư trú"))
        document_id = document.id

    with db.sessions() as s:
        document = repo.get_document(s, document_id)
        assert document is not None
        assert document.filename == "Giấy chứng nhận quyền sử dụng đất – Đặng.pdf"
        assert unicodedata.is_normalized("NFC", document.filename)
        assert document.size == 3 * 1024**3
        assert document.fields == {"họ_tên": "Nguyễn Văn Đặng", "số": ["12/2024", None]}
        assert document.is_certified_copy is True
        assert document.document_type is None
        assert document.status == "queued"
        assert document.dossier.unit.name == "UBND phường Đống Đa"
        assert document.dossier.received_date == date(2024, 3, 10)
        assert document.dossier.procedure_code == "1.001234"
        assert document.dossier.status == "open"
        assert document.created_at.tzinfo is not None
        assert abs((datetime.now(UTC) - document.created_at).total_seconds()) < 120
        page = document.pages[0]
        assert page.text == "Ông Nguyễn Văn Đặng\ncư trú"
        assert (page.rotation, page.skew, page.confidence) == (90, -0.5, 91.5)
        assert (page.result_key, page.image_sha256) == ("words/1", "b" * 64)


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "a/b", "a\\b", "a\x00b", "tab\there", "line\nbreak", "x" * 65, ".", "..", 42],
)
def test_invalid_codes_are_refused(db: Db, bad: object) -> None:
    with db.session() as s:
        repo.ensure_unit(s, UNIT)
        with pytest.raises(ValueError, match="code"):
            repo.upsert_dossier(s, UNIT, bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="unit code"):
            repo.ensure_unit(s, bad)  # type: ignore[arg-type]
        assert repo.get_dossier(s, UNIT, bad) is None  # type: ignore[arg-type]


def test_codes_are_stripped_and_nfc(db: Db) -> None:
    nfd = unicodedata.normalize("NFD", "HS-Đặng-01")
    with db.session() as s:
        repo.ensure_unit(s, f" {UNIT} ")
        first = repo.upsert_dossier(s, UNIT, f"  {nfd} ")
        assert first.code == "HS-Đặng-01"
        assert repo.upsert_dossier(s, UNIT, "HS-Đặng-01") is first
        assert repo.get_dossier(s, UNIT, nfd) is first
        assert s.scalar(select(func.count()).select_from(Unit)) == 1


def test_upsert_dossier_keeps_fields_not_given(db: Db) -> None:
    with db.session() as s:
        repo.ensure_unit(s, UNIT)
        repo.upsert_dossier(s, UNIT, DOSSIER, procedure_code="P1", callback_url="https://x/cb")
        dossier = repo.upsert_dossier(s, UNIT, DOSSIER, received_date=date(2024, 1, 2))
        assert (dossier.procedure_code, dossier.callback_url) == ("P1", "https://x/cb")
        assert dossier.received_date == date(2024, 1, 2)
        with pytest.raises(LookupError):
            repo.upsert_dossier(s, "000.00.00.H99", DOSSIER)


# ------------------------------------------------------------------ documents


def _create(s: object, dossier: object, sha256: str, key: str | None = None) -> tuple:
    return repo.create_document(
        s,  # type: ignore[arg-type]
        dossier,  # type: ignore[arg-type]
        filename="a.pdf",
        kind="pdf",
        content_type="application/pdf",
        size=1,
        sha256=sha256,
        original_key=f"k/{sha256}",
        page_count=1,
        idempotency_key=key,
    )


def test_create_document_dedupes_by_sha256_and_idempotency_key(db: Db) -> None:
    with db.session() as s:
        repo.ensure_unit(s, UNIT)
        dossier = repo.upsert_dossier(s, UNIT, DOSSIER)
        other = repo.upsert_dossier(s, UNIT, "HS-2")
        first, created = _create(s, dossier, "1" * 64, key="req-1")
        assert created
        assert _create(s, dossier, "1" * 64) == (first, False)
        assert _create(s, dossier, "2" * 64, key="req-1") == (first, False)
        second, created = _create(s, dossier, "2" * 64, key="req-2")
        assert created and second.id != first.id
        elsewhere, created = _create(s, other, "1" * 64, key="req-1")
        assert created and elsewhere.id != first.id
        assert repo.find_document(s, dossier, sha256="1" * 64) is first
        assert repo.find_document(s, dossier, idempotency_key="req-2") is second
        assert repo.find_document(s, dossier, sha256="9" * 64) is None
        assert s.scalar(select(func.count()).select_from(Document)) == 3


def test_create_document_race_returns_the_winner(db: Db) -> None:
    """Two uploads of one file at once: the second waits for the first and gets its row."""
    with db.session() as s:
        repo.ensure_unit(s, UNIT)
        repo.upsert_dossier(s, UNIT, DOSSIER)
    inserted, results, errors = threading.Event(), {}, []

    def upload(name: str, hold: float) -> None:
        try:
            with db.session() as s:
                dossier = repo.get_dossier(s, UNIT, DOSSIER)
                document, created = _create(s, dossier, "e" * 64)
                s.flush()
                inserted.set()
                time.sleep(hold)
                results[name] = (document.id, created)
        except BaseException as exc:
            errors.append(exc)

    first = threading.Thread(target=upload, args=("first", 0.5))
    first.start()
    assert inserted.wait(10)
    upload("second", 0)
    first.join()
    assert errors == []
    assert results["first"][1] is True
    assert results["second"] == (results["first"][0], False)


def test_statuses_outputs_and_sweep(db: Db) -> None:
    document_id = new_document(db)

    @dataclass
    class Ref:
        key: str
        sha256: str

    later = datetime.now(UTC) + timedelta(seconds=1)
    with db.session() as s:
        document = repo.get_document(s, document_id)
        assert repo.stalled_documents(s, quiet_since=later) == [document_id]
        repo.set_document_status(s, document, "processing")
        s.flush()
        assert repo.stalled_documents(s, quiet_since=later) == [document_id]
        earlier = datetime.now(UTC) - timedelta(seconds=60)
        assert repo.stalled_documents(s, quiet_since=earlier) == [], "touched just now"
        repo.set_outputs(
            s,
            document_id,
            pdf=Ref("p", "1" * 64),
            text=Ref("t", "2" * 64),
            pages=Ref("j", "3" * 64),
        )
        repo.set_document_status(s, document, "done", "ignored unless failed")
        assert document.done_at is not None and document.failure_reason is None
        s.flush()
        assert repo.stalled_documents(s, quiet_since=later) == []
        assert (document.pdf_key, document.text_sha256, document.pages_key) == ("p", "2" * 64, "j")
        repo.set_document_status(s, document, "failed", "page 2: ảnh hỏng " + "x" * 5000)
        assert document.done_at is None
        assert document.failure_reason.startswith("page 2: ảnh hỏng")
        assert len(document.failure_reason) <= repo.MAX_REASON_LENGTH
        with pytest.raises(ValueError):
            repo.set_document_status(s, document, "archived")


# ------------------------------------------------------------------ pages


def test_ensure_pages_never_duplicates(db: Db) -> None:
    document_id = new_document(db, pages=3)
    with db.session() as s:
        document = repo.get_document(s, document_id)
        assert [p.number for p in repo.ensure_pages(s, document, 3)] == [1, 2, 3]
        assert [p.number for p in repo.ensure_pages(s, document, 5)] == [1, 2, 3, 4, 5]
        assert [p.number for p in repo.ensure_pages(s, document, 2)] == [1, 2, 3, 4, 5]
        assert [p.number for p in document.pages] == [1, 2, 3, 4, 5]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Page)) == 5


def test_mark_page_done_is_idempotent(db: Db) -> None:
    document_id = new_document(db, pages=3)
    with db.session() as s:
        assert repo.claim_page(s, document_id, 2, "task-a", 60)
    with db.session() as s:
        assert done(s, document_id, 2) == 2
    with db.session() as s:
        assert done(s, document_id, 2) == 2  # redelivered task
        document = repo.get_document(s, document_id)
        assert document.pages_done == 1
        assert document.pages[1].attempts == 1
    with db.session() as s:
        assert done(s, document_id, 1) == 1
        assert done(s, document_id, 3) == 0
        assert done(s, document_id, 3) == 0
        assert repo.get_document(s, document_id).pages_done == 3
        with pytest.raises(LookupError):
            done(s, document_id, 4)
        with pytest.raises(LookupError):
            done(s, "no-such-document", 1)


def race(db: Db, claim: Callable[[Any, str], bool], deliveries: int = 6) -> list[str]:
    """``deliveries`` tasks try ``claim`` at the same moment; the owners that got True."""
    winners: list[str] = []
    barrier = threading.Barrier(deliveries)

    def deliver(owner: str) -> None:
        barrier.wait()
        with db.session() as s:
            if claim(s, owner):
                winners.append(owner)

    threads = [threading.Thread(target=deliver, args=(f"task-{i}",)) for i in range(deliveries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return winners


def test_a_page_is_claimed_by_one_task_at_a_time(db: Db) -> None:
    """Duplicate deliveries race for a page: exactly one runs it; a dead one's is taken over."""
    document_id = new_document(db, pages=2)
    winners = race(db, lambda s, owner: repo.claim_page(s, document_id, 1, owner, 60))
    assert len(winners) == 1
    with db.session() as s:
        assert not repo.claim_page(s, document_id, 1, "late-duplicate", 60)
        assert repo.claim_page(s, document_id, 1, winners[0], 60), "its own retry takes it again"
        page = repo.get_page(s, document_id, 1)
        assert page.lease_owner == winners[0], "its retry holds the page"
        assert (page.attempts, page.tries) == (1, 1), "a retry is the same try"
        # the worker died: its lease ran out, another task takes the page over
        page.lease_until = datetime.now(UTC) - timedelta(seconds=1)
    with db.session() as s:
        assert repo.claim_page(s, document_id, 1, "rescuer", 60)
        done(s, document_id, 1)
    with db.session() as s:
        page = repo.get_page(s, document_id, 1)
        assert (page.status, page.lease_owner, page.lease_until) == ("done", None, None)
        assert not repo.claim_page(s, document_id, 1, "another", 60), "a done page is not run again"
        assert repo.get_page(s, document_id, 3) is None


def test_only_the_holder_renews_a_claim_and_renewing_is_not_progress(db: Db) -> None:
    """The heartbeat's writes: the holder extends its lease; the sweeper's clock stays put."""
    document_id = new_document(db, pages=1)
    with db.session() as s:
        assert repo.claim_page(s, document_id, 1, "holder", 5)
        document = repo.lock_document(s, document_id)
        repo.set_step(s, document, "assemble")
    with db.session() as s:
        before = repo.get_page(s, document_id, 1).updated_at
    time.sleep(0.05)
    with db.session() as s:
        assert not repo.renew_page(s, document_id, 1, "someone-else", 600)
        assert repo.renew_page(s, document_id, 1, "holder", 600)
        assert not repo.renew_step(s, document_id, "assemble", "holder", 600), "step not held"
    with db.session() as s:
        page = repo.get_page(s, document_id, 1)
        assert page.lease_until > datetime.now(UTC) + timedelta(seconds=500)
        assert page.updated_at == before, "a renewal is not progress"
        assert not repo.claim_page(s, document_id, 1, "duplicate", 5), "held past its first lease"
        assert repo.claim_step(s, document_id, "assemble", "step-holder", 5)
    with db.session() as s:
        claimed_at = repo.get_document(s, document_id).updated_at
    time.sleep(0.05)
    with db.session() as s:
        assert repo.renew_step(s, document_id, "assemble", "step-holder", 600)
    with db.session() as s:
        document = repo.get_document(s, document_id)
        assert document.step_until > datetime.now(UTC) + timedelta(seconds=500)
        assert document.updated_at == claimed_at, "a renewal is not progress"
        done(s, document_id, 1)
    with db.session() as s:
        assert not repo.renew_page(s, document_id, 1, "holder", 600), "a done page is not held"


def test_a_document_step_is_run_by_one_task_and_moves_on_once(db: Db) -> None:
    """Duplicate deliveries of a step race: one holds it; only the holder moves the document on."""
    document_id = new_document(db, pages=1)
    with db.session() as s:
        assert not repo.claim_step(s, document_id, "assemble", "early", 60), "not at that step yet"
        document = repo.lock_document(s, document_id)
        repo.set_step(s, document, "assemble")
    winners = race(db, lambda s, owner: repo.claim_step(s, document_id, "assemble", owner, 60))
    assert len(winners) == 1
    with db.session() as s:
        assert repo.claim_step(s, document_id, "assemble", winners[0], 60), "its own retry"
        assert not repo.advance_step(s, document_id, "assemble", "task-x", "classify")
        # its worker died: the lease runs out and another task takes the step over
        repo.get_document(s, document_id).step_until = datetime.now(UTC) - timedelta(seconds=1)
    with db.session() as s:
        assert repo.claim_step(s, document_id, "assemble", "rescuer", 60)
    with db.session() as s:
        assert not repo.advance_step(s, document_id, "assemble", winners[0], "classify"), (
            "the holder whose lease was taken over records nothing"
        )
        assert repo.advance_step(s, document_id, "assemble", "rescuer", "classify")
        assert not repo.advance_step(s, document_id, "assemble", "rescuer", "classify"), "once"
    with db.session() as s:
        document = repo.get_document(s, document_id)
        assert (document.step, document.step_owner, document.step_until) == ("classify", None, None)
        assert not repo.claim_step(s, document_id, "assemble", "late-duplicate", 60)
        repo.set_document_status(s, document, "failed", "x")
    with db.session() as s:
        assert not repo.claim_step(s, document_id, "classify", "t", 60), "a failed document rests"


def test_page_counters_follow_done_and_failed_pages(db: Db) -> None:
    document_id = new_document(db, pages=3)
    with db.session() as s:
        done(s, document_id, 1)
        repo.mark_page_failed(s, document_id, 2, "page 2: x")
        repo.mark_page_failed(s, document_id, 2, "page 2: x again")
        document = repo.lock_document(s, document_id)
        assert (document.pages_done, document.pages_failed) == (1, 1)
        assert not repo.pages_settled(document)
        done(s, document_id, 3)
        document = repo.lock_document(s, document_id)
        assert repo.pages_settled(document)
        assert repo.failed_pages(s, document_id) == [(2, "page 2: x again")]
        repo.reset_for_reprocess(s, document)
        assert (document.pages_done, document.pages_failed, document.step) == (2, 0, None)


def test_one_holder_of_a_named_lease(db: Db) -> None:
    with db.session() as s:
        assert repo.take_lease(s, "sweeper", "worker-a", 30)
    with db.session() as s:
        assert not repo.take_lease(s, "sweeper", "worker-b", 30)
        assert repo.take_lease(s, "other", "worker-b", 30)
    with db.session() as s:
        s.execute(
            text("UPDATE leases SET until = :t WHERE name = 'sweeper'"),
            {
                "t": datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None)
                if db.engine.dialect.name == "sqlite"
                else datetime(2000, 1, 1, tzinfo=UTC)
            },
        )
    with db.session() as s:
        assert repo.take_lease(s, "sweeper", "worker-b", 30), "an expired lease is taken over"


def test_remaining_counts_pages_not_created_yet(db: Db) -> None:
    document_id = new_document(db, pages=1)
    with db.session() as s:
        repo.get_document(s, document_id).page_count = 3
    with db.session() as s:
        assert done(s, document_id, 1) == 2


def test_failure_and_reprocess(db: Db) -> None:
    document_id = new_document(db, pages=3)
    with db.session() as s:
        assert repo.claim_page(s, document_id, 1, "task-a", 60)  # a try is counted when taken
        done(s, document_id, 1)
        repo.mark_page_failed(s, document_id, 2, "page 2: Tesseract crashed")
        repo.mark_page_failed(s, document_id, 2, "page 2: Tesseract crashed again")
        document = repo.get_document(s, document_id)
        repo.set_document_status(s, document, "failed", "page 2: Tesseract crashed again")
    with db.session() as s:
        document = repo.get_document(s, document_id)
        assert document.pages[1].attempts == 2
        assert document.pages[1].failure_reason == "page 2: Tesseract crashed again"
        repo.reset_for_reprocess(s, document)
    with db.session() as s:
        document = repo.get_document(s, document_id)
        assert (document.status, document.failure_reason, document.pages_done) == (
            "queued",
            None,
            1,
        )
        assert [(p.status, p.attempts, p.failure_reason) for p in document.pages] == [
            ("done", 1, None),
            ("queued", 2, None),
            ("queued", 0, None),
        ]
        done(s, document_id, 2)
        done(s, document_id, 3)
        repo.set_document_status(s, document, "done")
    with db.session() as s:  # nothing failed: everything runs again
        document = repo.get_document(s, document_id)
        repo.reset_for_reprocess(s, document)
        assert [p.status for p in document.pages] == ["queued"] * 3
        assert document.pages_done == 0 and document.done_at is None


def _complete_concurrently(db: Db, document_id: str, pages: int, threads: int) -> list[int]:
    """Mark all pages done from ``threads`` threads released together; their return values."""
    barrier = threading.Barrier(threads)
    remaining: list[int] = []
    errors: list[BaseException] = []

    def work(numbers: list[int]) -> None:
        try:
            barrier.wait()
            for number in numbers:
                with db.session() as s:
                    remaining.append(done(s, document_id, number))
        except BaseException as exc:
            errors.append(exc)

    workers = [
        threading.Thread(target=work, args=(list(range(i + 1, pages + 1, threads)),))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    return remaining


def test_concurrent_page_completion_counts_right(db: Db) -> None:
    """Pages of one document finishing at the same instant: exactly one sees 0 left."""
    pages = 12
    for attempt in range(3):
        document_id = new_document(db, pages=pages, sha256=f"{attempt}" * 64)
        remaining = _complete_concurrently(db, document_id, pages, threads=4)
        assert sorted(remaining) == list(range(pages))
        with db.sessions() as s:
            assert repo.get_document(s, document_id).pages_done == pages


# ------------------------------------------------------------------ audit


def test_audit_events_are_append_only(db: Db) -> None:
    with db.session() as s:
        event = repo.record_audit(
            s,
            actor="cli",
            action="document.read",
            object_type="document",
            object_id="abc",
            unit_code=UNIT,
            detail={"lý_do": "tra cứu"},
        )
        s.flush()
        event_id = event.id
    with db.sessions() as s:
        stored = s.get(AuditEvent, event_id)
        assert (stored.actor, stored.action, stored.detail) == (
            "cli",
            "document.read",
            {"lý_do": "tra cứu"},
        )
        assert stored.at.tzinfo is not None
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_a_heartbeat_keeps_a_running_claim_and_lets_a_dead_ones_go(db: Db) -> None:
    """A claim outlives its lease while renewed, is free one lease after renewal stops,
    and the old holder's heartbeat stops once the claim is someone else's."""
    document_id = new_document(db, pages=1)
    lease = 2.4

    def renew(owner: str = "alive") -> bool:
        with db.session() as s:
            return repo.renew_page(s, document_id, 1, owner, lease)

    with db.session() as s:
        assert repo.claim_page(s, document_id, 1, "alive", lease)
    with Heartbeat(renew, lease, "page 1") as beat:
        time.sleep(lease * 2.5)
        with db.session() as s:
            assert not repo.claim_page(s, document_id, 1, "duplicate", lease), "held while alive"
    assert beat.beats >= 3 and not beat.lost
    time.sleep(lease + 0.3)  # its worker died: nobody renews
    with db.session() as s:
        assert repo.claim_page(s, document_id, 1, "rescuer", lease), "free after one lease"
    with Heartbeat(renew, 0.3, "page 1") as late:
        time.sleep(0.6)
    assert late.lost and late.beats == 1, "the old holder stops renewing at once"
    with db.session() as s:
        assert repo.get_page(s, document_id, 1).lease_owner == "rescuer"


def test_a_heartbeat_survives_a_failed_renewal() -> None:
    """A database restart while a page runs must not end the heartbeat of a live page."""
    calls: list[str] = []

    def renew() -> bool:
        calls.append("beat")
        if len(calls) == 1:
            raise DBAPIError("UPDATE pages", {}, ConnectionError("server closed the connection"))
        return True

    with Heartbeat(renew, 0.15, "page 1") as beat:
        time.sleep(0.5)
    assert len(calls) >= 3 and beat.beats == len(calls) - 1 and not beat.lost


def test_the_leases_of_dead_workers_are_freed_once(db: Db) -> None:
    """A lease that ran out on work in progress belonged to a dead worker: freed, its
    document named once; live leases, finished work and progress times are left alone."""
    pages_of_dead = new_document(db, pages=3)
    step_of_dead = new_document(db, pages=1, sha256="b" * 64)
    past = datetime.now(UTC) - timedelta(seconds=1)
    with db.session() as s:
        assert repo.claim_page(s, pages_of_dead, 1, "killed", 60)
        assert repo.claim_page(s, pages_of_dead, 2, "alive", 60)
        assert repo.claim_page(s, pages_of_dead, 3, "finished", 60)
        done(s, pages_of_dead, 3)
        repo.set_step(s, repo.lock_document(s, step_of_dead), "assemble")
    with db.session() as s:
        assert repo.claim_step(s, step_of_dead, "assemble", "killed-step", 60)
    with db.session() as s:
        repo.get_page(s, pages_of_dead, 1).lease_until = past
        repo.get_document(s, step_of_dead).step_until = past
    with db.session() as s:
        page_moved = repo.get_page(s, pages_of_dead, 1).updated_at
        assert repo.void_dead_leases(s) == [pages_of_dead, step_of_dead]
    with db.session() as s:
        page, live = repo.get_page(s, pages_of_dead, 1), repo.get_page(s, pages_of_dead, 2)
        assert (page.lease_owner, page.lease_until, page.tries) == (None, None, 1)
        assert page.updated_at == page_moved, "freeing a dead lease is not progress"
        assert live.lease_owner == "alive"
        document = repo.get_document(s, step_of_dead)
        assert (document.step, document.step_owner, document.step_until) == ("assemble", None, None)
        assert repo.void_dead_leases(s) == [], "freed once"
        assert repo.claim_page(s, pages_of_dead, 1, "rescuer", 60)
        assert repo.claim_step(s, step_of_dead, "assemble", "rescuer", 60)
    with db.session() as s:
        assert repo.get_page(s, pages_of_dead, 1).tries == 2, "the dead worker's try counts"


def test_claims_of_processes_gone_from_this_machine_are_freed_before_their_lease(db: Db) -> None:
    """A worker that can see a holder's process is gone frees its claim at once; claims of
    live processes, of other places and of names without a process stay; the same task
    redelivered to another process takes its own work back without counting a try."""
    document = new_document(db, pages=3)
    stepping = new_document(db, pages=1, sha256="c" * 64)
    here = "host/0123456789ab-1"
    gone, alive, elsewhere = f"t1@{here}:11:5", f"t2@{here}:12:5", "t3@host/ffff-2:11:5"
    with db.session() as s:
        assert repo.claim_page(s, document, 1, gone, 60)
        assert repo.claim_page(s, document, 2, alive, 60)
        assert repo.claim_page(s, document, 3, elsewhere, 60)
        repo.set_step(s, repo.lock_document(s, stepping), "classify")
    with db.session() as s:
        assert repo.claim_step(s, stepping, "classify", f"t4@{here}:13:5", 60)
    asked: list[str] = []

    def dead(owner: str) -> bool:
        asked.append(owner)
        return owner.endswith((":11:5", ":13:5"))

    with db.session() as s:
        assert repo.void_claims_of_dead_processes(s, here, dead) == [document, stepping]
    assert elsewhere not in asked, "another place's pids are not looked up here"
    with db.session() as s:
        owners = [repo.get_page(s, document, n).lease_owner for n in (1, 2, 3)]
        assert owners == [None, alive, elsewhere]
        assert repo.get_document(s, stepping).step_owner is None
        assert repo.void_claims_of_dead_processes(s, here, dead) == [], "freed once"
        assert repo.void_claims_of_dead_processes(s, "", lambda _: True) == []
        # t2's message handed to another process after its worker died: its own page.
        assert repo.claim_page(s, document, 2, f"t2@{here}:99:7", 60)
        assert not repo.claim_page(s, document, 3, f"t9@{here}:99:7", 60), "held elsewhere"
    with db.session() as s:
        page = repo.get_page(s, document, 2)
        assert (page.lease_owner, page.tries) == (f"t2@{here}:99:7", 1)


@pytest.mark.parametrize("kind", ["webp", "heif", "gif"])
def test_phone_photo_kinds_are_stored_and_others_refused(db: Db, kind: str) -> None:
    """Migration 0013 lets WebP and HEIC documents in; the check still refuses the rest."""
    with db.session() as s:
        repo.ensure_unit(s, UNIT, "Phường Đống Đa")
        dossier = repo.upsert_dossier(s, UNIT, DOSSIER)

    def create() -> None:
        with db.session() as s:
            repo.create_document(
                s,
                repo.get_dossier(s, UNIT, DOSSIER),
                filename=f"ảnh.{kind}",
                kind=kind,
                content_type=f"image/{kind}",
                size=10,
                sha256="e" * 64,
                original_key=f"{UNIT}/{DOSSIER}/y/original.{kind}",
                page_count=1,
            )

    if kind == "gif":
        with pytest.raises(IntegrityError):
            create()
        return
    create()
    with db.session() as s:
        assert [d.kind for d in repo.dossier_documents(s, dossier.id)] == [kind]
