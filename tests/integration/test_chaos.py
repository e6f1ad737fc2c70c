"""Chaos drill: every task delivered several times, workers killed and restarted, the
broker restarted; each document still ends done with one set of objects, and each
page is read by the OCR engine about once.

Real parts throughout: three ``sohoa worker`` processes on a Redis of the test's
own (append-only, so it can be restarted), PostgreSQL or SQLite, Tesseract. OCR
runs are counted at the engine itself: ``tesseract`` on the workers' PATH is a
shim that records each recognition run (not orientation checks) and then runs
the real program, so a count cannot be fooled by what the code logs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from core.settings import Settings
from pipeline.celery_app import PAGE_QUEUE, QUEUE, make_celery
from pipeline.runtime import Runtime
from storage import keys
from storage import repository as repo
from storage.models import AuditEvent
from testkit import pagegen
from testkit.pipeline_harness import (
    PrivateRedis,
    Worker,
    engine_shim,
    fresh_postgres,
    run_cli,
    wait_for,
)

UNIT = "000.00.00.H26"
# Pages per document: ten documents, single and multi-page, 16 pages in all.
DOCUMENTS = (1, 1, 1, 1, 2, 2, 2, 2, 2, 2)
# Each task is sent this many times in all (the original and its duplicates).
DELIVERIES = 3
# The engine may read a page more than once only for a page cut short by a kill.
MAX_OCR_RUNS_PER_PAGE = 1.25
DONE_TIMEOUT = 420


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> object:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chaos.db'}"
        return
    with fresh_postgres("sohoa_chaos") as url:
        yield url


def _env(
    values: dict[str, str], shim_dir: Path, runs: Path, engine: str = "count"
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(values)
    env.update(engine_shim(shim_dir, engine))
    env["TEST_OCR_RUNS"] = str(runs)
    return env


def _settings(values: dict[str, str]) -> Settings:
    fields = {k.removeprefix("SOHOA_").lower(): v for k, v in values.items()}
    return Settings(_env_file=None, **fields)


def _ingest_all(
    env: dict[str, str], tmp_path: Path, documents: tuple[int, ...] = DOCUMENTS
) -> list[str]:
    paths, seed = [], 900
    for i, pages in enumerate(documents):
        images = [pagegen.render_page(seed + p, n_lines=6).image for p in range(pages)]
        seed += pages
        paths.append(pagegen.save_pdf(images, tmp_path / f"scan-{i}.pdf", 300))
    done = run_cli(env, "ingest", *paths, "--dossier", "000.A0.01.H26-261203-0001", "--unit", UNIT)
    assert done.returncode == 0, done.stderr
    ids = [line.split("\t")[0].strip() for line in done.stdout.splitlines() if line.strip()]
    assert len(ids) == len(documents), done.stdout
    return ids


def _send_duplicates(settings: Settings, ids: list[str]) -> None:
    """Every document's start, page and step tasks, sent again on purpose.

    A step sent before its document reaches it is refused by its claim; the
    copies the pipeline itself sends are refused the same way once done.
    """
    app = make_celery(settings)
    for document_id, pages in zip(ids, DOCUMENTS, strict=True):
        for _ in range(DELIVERIES - 1):
            app.send_task("sohoa.start_document", (document_id,), queue=QUEUE)
            for step in ("assemble", "classify", "index"):
                app.send_task(f"sohoa.{step}", (document_id,), queue=QUEUE)
            for number in range(1, pages + 1):
                app.send_task("sohoa.ocr_page", (document_id, number, []), queue=PAGE_QUEUE)


def _statuses(rt: Runtime, ids: list[str]) -> dict[str, tuple[str, int]]:
    with rt.session() as s:
        return {
            i: (d.status, d.pages_done, d.failure_reason)
            for i in ids
            if (d := repo.get_document(s, i)) is not None
        }


def test_duplicates_kills_and_a_broker_restart_change_nothing(database_url, tmp_path):
    broker = PrivateRedis(tmp_path / "redis").start()
    values = {
        "SOHOA_DATA_DIR": str(tmp_path / "data"),
        "SOHOA_DATABASE_URL": database_url,
        "SOHOA_BROKER_URL": broker.url,
        # Short, so lost work comes back within the test: a killed page's lease ends
        # within 10 s (nobody renews it), Redis hands its message back after 60 s.
        "SOHOA_LEASE_SECONDS": "10",
        "SOHOA_PAGE_TIME_LIMIT": "40",
        "SOHOA_VISIBILITY_TIMEOUT": "60",
        "SOHOA_STALL_AFTER": "20",
        "SOHOA_SWEEP_INTERVAL": "3",
    }
    shim_dir, runs = tmp_path / "shim", tmp_path / "ocr-runs"
    runs.touch()
    env = _env(values, shim_dir, runs)
    settings = _settings(values)
    rt = Runtime.from_settings(settings)
    workers: list[Worker] = []
    try:
        ids = _ingest_all(env, tmp_path)
        _send_duplicates(settings, ids)
        workers = [Worker(env, tmp_path / f"w{i}.log", concurrency=1).start() for i in range(3)]
        total = sum(DOCUMENTS)

        def pages_done() -> int:
            return sum(done for _, done, _ in _statuses(rt, ids).values())

        wait_for(lambda: pages_done() >= 3, 180, "three pages done")
        workers[0].kill_hard()  # mid-page, with its lease and unacknowledged message
        workers[0] = Worker(env, tmp_path / "w0-again.log", concurrency=1).start()
        workers[1].stop()  # gently: it finishes its current page
        workers[1] = Worker(env, tmp_path / "w1-again.log", concurrency=1).start()
        wait_for(lambda: pages_done() >= min(total, 8), 240, "eight pages done")
        broker.stop()
        broker.start()

        def all_settled() -> bool:
            states = _statuses(rt, ids)
            failed = {i: r for i, (st, _, r) in states.items() if st == "failed"}
            assert not failed, f"documents failed: {failed}"
            return all(st == "done" for st, _, _ in states.values())

        wait_for(all_settled, DONE_TIMEOUT, "every document done")
    finally:
        for w in workers:
            w.stop()
        broker.stop()

    ocr_runs = len(runs.read_text().split())
    assert total <= ocr_runs <= MAX_OCR_RUNS_PER_PAGE * total, (ocr_runs, total)
    with rt.session() as s:
        for document_id, pages in zip(ids, DOCUMENTS, strict=True):
            document = repo.get_document(s, document_id)
            assert [(p.number, p.status) for p in document.pages] == [
                (n, "done") for n in range(1, pages + 1)
            ]
            assert all(p.lease_owner is None for p in document.pages)
            assert (document.step, document.step_owner) == ("done", None)
            prefix = keys.document_prefix(UNIT, document.dossier.code, document.id)
            recorded = {
                document.original_key: document.sha256,
                document.pdf_key: document.pdf_sha256,
                document.text_key: document.text_sha256,
                document.pages_key: document.pages_sha256,
            }
            for p in document.pages:
                recorded[p.result_key] = p.result_sha256
                recorded[p.image_key] = p.image_sha256
                recorded[p.thumbnail_key] = p.thumbnail_sha256
            stored = rt.store.list(prefix)
            assert sorted(stored) == sorted(recorded), "orphan or missing objects"
            for key, sha256 in recorded.items():
                rt.store.get_bytes(key, sha256)  # raises if the bytes do not match
            events = s.query(AuditEvent.action).filter(AuditEvent.object_id == document_id)
            actions = [a for (a,) in events]
            assert "document.failed" not in actions
            assert len(actions) == len(set(actions)), f"duplicated audit rows: {actions}"


def test_a_page_running_past_its_lease_keeps_it(tmp_path):
    """The heartbeat renews a running page's claim: a duplicate sent after the first
    lease has run out still finds the page held, so the engine reads it once."""
    lease, engine_seconds = 3, 14
    broker = PrivateRedis(tmp_path / "redis").start()
    values = {
        "SOHOA_DATA_DIR": str(tmp_path / "data"),
        "SOHOA_DATABASE_URL": f"sqlite:///{tmp_path / 'lease.db'}",
        "SOHOA_BROKER_URL": broker.url,
        "SOHOA_LEASE_SECONDS": str(lease),
    }
    runs = tmp_path / "ocr-runs"
    runs.touch()
    env = _env(values, tmp_path / "shim", runs, engine="slow")
    env["TEST_OCR_SLEEP"] = str(engine_seconds)
    settings = _settings(values)
    rt = Runtime.from_settings(settings)
    workers: list[Worker] = []
    try:
        workers = [Worker(env, tmp_path / f"w{i}.log", concurrency=1).start() for i in range(2)]
        (document_id,) = _ingest_all(env, tmp_path, documents=(1,))

        def page_running() -> bool:
            with rt.session() as s:
                page = repo.get_page(s, document_id, 1)
                return page is not None and page.lease_owner is not None

        wait_for(page_running, 120, "the page taken by a worker")
        wait_for(lambda: runs.read_text(), 30, "the engine started")
        time.sleep(2 * lease)  # the first lease is long over; the page still runs
        make_celery(settings).send_task("sohoa.ocr_page", (document_id, 1, []), queue=PAGE_QUEUE)

        def done() -> bool:
            with rt.session() as s:
                status = repo.get_document(s, document_id).status
            assert status != "failed"
            return status == "done"

        wait_for(done, 180, "the document done")
    finally:
        for w in workers:
            w.stop()
        broker.stop()
    assert len(runs.read_text().split()) == 1, "the duplicate read the page again"
    with rt.session() as s:
        assert repo.get_page(s, document_id, 1).attempts == 1


def test_a_killed_workers_page_is_freed_when_a_worker_starts_on_its_machine(tmp_path):
    """A worker killed with ``-9`` mid-page holds the page under a lease nobody renews; the
    worker started again on the same machine sees the holder's process is gone and frees
    the page at once. Lease and redelivery are ten minutes here, so the document can only
    finish within the test's wait through that (``pipeline.claimants``)."""
    broker = PrivateRedis(tmp_path / "redis").start()
    values = {
        "SOHOA_DATA_DIR": str(tmp_path / "data"),
        "SOHOA_DATABASE_URL": f"sqlite:///{tmp_path / 'dead.db'}",
        "SOHOA_BROKER_URL": broker.url,
        "SOHOA_LEASE_SECONDS": "600",
        "SOHOA_PAGE_TIME_LIMIT": "60",
        "SOHOA_VISIBILITY_TIMEOUT": "600",
        "SOHOA_SWEEP_INTERVAL": "3",
    }
    runs = tmp_path / "ocr-runs"
    runs.touch()
    env = _env(values, tmp_path / "shim", runs, engine="slow")
    env["TEST_OCR_SLEEP"] = "6"
    rt = Runtime.from_settings(_settings(values))
    worker: Worker | None = None
    try:
        worker = Worker(env, tmp_path / "w.log", concurrency=1).start()
        (document_id,) = _ingest_all(env, tmp_path, documents=(1,))
        wait_for(lambda: runs.read_text(), 120, "the engine started on the page")
        with rt.session() as s:
            held_by = repo.get_page(s, document_id, 1).lease_owner
        worker.kill_hard()
        worker = Worker(env, tmp_path / "w-again.log", concurrency=1).start()

        def done() -> bool:
            with rt.session() as s:
                status = repo.get_document(s, document_id).status
            assert status != "failed"
            return status == "done"

        wait_for(done, 180, "the document done long before the dead worker's lease ends")
    finally:
        if worker is not None:
            worker.stop()
        broker.stop()
    assert held_by and "@" in held_by, held_by
    with rt.session() as s:
        page = repo.get_page(s, document_id, 1)
        assert (page.status, page.lease_owner, page.tries) == ("done", None, 2)
