"""Units of work stay bounded: a page over its time limit fails alone and visibly, and
the worker's copies of originals stay under their cache bound.

The slow page is injected the way OCRmyPDF's test plug-ins do it, through the
public seam rather than a mock: a ``tesseract`` program placed first on the
worker's PATH that, for the first page image it is given, takes far longer than
the limit (and, for the hard limit, freezes the worker child that called it),
then runs the real Tesseract. Everything else is real: ``sohoa worker``
processes, PostgreSQL, Redis, Tesseract.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from pipeline.programs import processes
from pipeline.runtime import Runtime
from storage import repository as repo
from testkit import pagegen
from testkit.api_harness import ApiServer, clean_env
from testkit.pipeline_harness import PrivateRedis, Worker, fresh_postgres, run_cli, wait_for
from testkit.programs import SOHOA

UNIT = "000.00.00.H26"
# Short enough for a test, long enough that a real small page never reaches it
# on a loaded two-core machine (they take a few seconds).
PAGE_LIMIT = 20
# Seconds after the soft limit that the hard limit kills a stuck worker child
# (pipeline.celery_app.HARD_LIMIT_GRACE).
HARD_GRACE = 15
SETTLE_TIMEOUT = 240


def _env(values: dict[str, str], path_first: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(values)
    env["OMP_THREAD_LIMIT"] = "1"
    if path_first is not None:  # the slow stand-in is a program: the engine that runs it
        env["PATH"] = f"{path_first}{os.pathsep}{env['PATH']}"
        env["SOHOA_OCR_ENGINE"] = "tesseract-cli"
    return env


def _runtime(values: dict[str, str]) -> Runtime:
    fields = {k.removeprefix("SOHOA_").lower(): v for k, v in values.items()}
    return Runtime.from_settings(Settings(_env_file=None, **fields))


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[dict[str, str]]:
    """PostgreSQL, a Redis of this module's own, objects on the local disk."""
    root = tmp_path_factory.mktemp("limits")
    broker = PrivateRedis(root / "redis").start()
    try:
        with fresh_postgres("sohoa_limits") as database_url:
            yield {
                "SOHOA_DATA_DIR": str(root / "data"),
                "SOHOA_DATABASE_URL": database_url,
                "SOHOA_BROKER_URL": broker.url,
                "SOHOA_PAGE_TIME_LIMIT": str(PAGE_LIMIT),
                # Longer than the hung page, or Redis would hand it to a second child.
                "SOHOA_VISIBILITY_TIMEOUT": "600",
            }
    finally:
        broker.stop()


def _slow_tesseract(directory: Path, *, sleep: int, freeze_caller: bool) -> Path:
    """A ``tesseract`` that takes ``sleep`` s over the first page image it is given.

    Only the first (``mkdir`` is atomic across processes): exactly one page is
    slow, whichever worker child gets there first. ``freeze_caller`` also stops
    the worker child (SIGSTOP), so Python cannot take the soft limit's exception
    and only the hard limit can end the page.
    """
    real = shutil.which("tesseract")
    assert real, "Tesseract must be installed"
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "tesseract"
    freeze = 'kill -STOP "$PPID"\n    ' if freeze_caller else ""
    script.write_text(
        "#!/bin/sh\n"
        f'case "$1" in -*|"") exec {real} "$@";; esac\n'
        f'if mkdir "{directory}/slow-page-taken" 2>/dev/null; then\n'
        f"    {freeze}sleep {sleep}\n"
        "fi\n"
        f'exec {real} "$@"\n'
    )
    script.chmod(0o755)
    return directory


def _three_pages(path: Path, seed: int) -> Path:
    pages = [pagegen.render_page(seed + i, n_lines=5).image for i in range(3)]
    return pagegen.save_pdf(pages, path, 300)


def _ingest(env: dict[str, str], path: Path, dossier: str) -> str:
    done = run_cli(env, "ingest", path, "--dossier", dossier, "--unit", UNIT)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\t")[0].strip()


def _document(rt: Runtime, document_id: str) -> dict:
    with rt.session() as s:
        d = repo.get_document(s, document_id)
        return {
            "status": d.status,
            "reason": d.failure_reason,
            "pages": {p.number: (p.status, p.failure_reason) for p in d.pages},
        }


def _settled(rt: Runtime, document_id: str) -> dict:
    def done_or_failed() -> dict | None:
        doc = _document(rt, document_id)
        return doc if doc["status"] in ("done", "failed") else None

    return wait_for(done_or_failed, SETTLE_TIMEOUT, f"document {document_id} to settle")


def _live_programs(worker: Worker) -> list[str]:
    """Tesseract (or the injected sleep) still running in the worker's process group."""
    assert worker.process is not None
    return [
        f"{p.pid} {p.name} {p.state}"
        for p in processes()
        if p.pgrp == worker.process.pid and p.alive and p.name in ("tesseract", "sleep")
    ]


def _one_page_over_the_limit(rt: Runtime, document_id: str) -> int:
    """The settled document: one page failed with page_time_limit, the others done."""
    doc = _settled(rt, document_id)
    failed = [n for n, (status, _) in doc["pages"].items() if status == "failed"]
    assert len(failed) == 1, doc
    number = failed[0]
    assert "page_time_limit" in doc["pages"][number][1], doc
    assert all(status == "done" for n, (status, _) in doc["pages"].items() if n != number), doc
    assert doc["status"] == "failed", doc
    assert f"page {number}: page_time_limit" in doc["reason"]
    return number


def test_page_over_soft_limit_fails_alone_and_reprocess_finishes_it(deployment, tmp_path):
    rt = _runtime(deployment)
    slow = _slow_tesseract(tmp_path / "bin", sleep=60, freeze_caller=False)
    source = _three_pages(tmp_path / "ba trang.pdf", 900)
    api = ApiServer(deployment, tmp_path / "api.log").start()
    worker = Worker(_env(deployment, slow), tmp_path / "slow.log").start()
    try:
        document_id = _ingest(_env(deployment), source, "000.A0.01.H26-260101-0001")
        number = _one_page_over_the_limit(rt, document_id)
        assert _live_programs(worker) == [], "the timed-out page's Tesseract was left running"
        log = worker.log.read_bytes()
        assert b"page_time_limit" in log and b"raised unexpected" not in log

        status = run_cli(_env(deployment), "status", document_id)
        assert f"page {number}: failed: page {number}: page_time_limit" in status.stdout
        key = api.create_key("clerk", UNIT)
        with api.client(key) as client:
            body = client.get(f"/api/v1/documents/{document_id}").json()
        pages = {p["number"]: p for p in body["pages"]}
        assert body["status"] == "failed" and "page_time_limit" in body["failure_reason"]
        assert pages[number]["status"] == "failed"
        assert "page_time_limit" in pages[number]["failure_reason"]
    finally:
        worker.stop()
        api.stop()

    normal = Worker(_env(deployment), tmp_path / "normal.log").start()
    try:
        again = run_cli(_env(deployment), "reprocess", document_id)
        assert again.returncode == 0, again.stderr
        doc = _settled(rt, document_id)
    finally:
        normal.stop()
    assert doc["status"] == "done", doc
    assert doc["pages"] == {n: ("done", None) for n in (1, 2, 3)}


def test_page_past_hard_limit_is_failed_by_the_main_process(deployment, tmp_path):
    """The worker child is frozen in the slow page: only the hard limit can end it."""
    rt = _runtime(deployment)
    slow = _slow_tesseract(tmp_path / "bin", sleep=PAGE_LIMIT * 6, freeze_caller=True)
    source = _three_pages(tmp_path / "frozen.pdf", 950)
    worker = Worker(_env(deployment, slow), tmp_path / "frozen.log").start()
    try:
        document_id = _ingest(_env(deployment), source, "000.A0.01.H26-260101-0002")
        _one_page_over_the_limit(rt, document_id)
        assert b"Hard time limit" in worker.log.read_bytes()
        assert _live_programs(worker) == [], "the killed child's programs were left running"
    finally:
        worker.stop()


# ------------------------------------------------------------------ the originals cache


def _sha_file(folder: Path, size: int, seed: int) -> tuple[str, Path]:
    data = hashlib.sha256(str(seed).encode()).digest() * (size // 32)
    sha = hashlib.sha256(data).hexdigest()
    path = folder / sha
    path.write_bytes(data)
    return sha, path


def test_eviction_skips_an_original_another_process_is_reading(tmp_path):
    from pipeline.originals import trim

    folder = tmp_path / "originals"
    folder.mkdir()
    files = [_sha_file(folder, 400 * 1024, seed) for seed in range(3)]
    for age, (_, path) in zip((300, 200, 100), files, strict=True):
        os.utime(path, (path.stat().st_mtime - age,) * 2)  # the first is the oldest
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from pipeline.originals import use_original\n"
            "use_original(Path(sys.argv[1]), sys.argv[2], 1 << 30, None)\n"
            "print('reading', flush=True); sys.stdin.read()",
            str(folder),
            files[0][0],
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "reading"
        trim(folder, 1024 * 1024)
        assert [path.exists() for _, path in files] == [True, False, True]
    finally:
        holder.communicate("", timeout=30)
    # The reading made the first the most recently used: the third goes now.
    trim(folder, 500 * 1024)
    assert [path.exists() for _, path in files] == [True, False, False]


def test_originals_cache_stays_under_its_bound(tmp_path):
    """The embedded default (`make run`) with a 1 MiB cache and documents of ~0.4 MiB."""
    values = {
        "SOHOA_DATA_DIR": str(tmp_path / "data"),
        "SOHOA_WORK_CACHE_MB": "1",
        "SOHOA_WORKER_CONCURRENCY": "2",
    }
    env = _env(values)
    rt = _runtime(values)
    cache = rt.settings.work_dir / "originals"
    ids, total = [], 0
    for i in range(6):
        pages = [pagegen.render_page(800 + 2 * i + j, n_lines=4).image for j in range(2)]
        source = pagegen.save_pdf(pages, tmp_path / f"{i}.pdf", 300, quality=97)
        total += source.stat().st_size
        ids.append(_ingest(env, source, f"H47.06-261005-{i:04d}"))
    assert total > 2 * 1024 * 1024, "the documents must overfill the cache"
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        for document_id in ids:
            assert _settled(rt, document_id)["status"] == "done"
        cached = sorted(cache.iterdir())
        assert sum(p.stat().st_size for p in cached) <= 1024 * 1024, cached
        assert len(cached) < len(ids)

        # An evicted original is fetched again (and verified) when its document runs again.
        with rt.session() as s:
            shas = {i: repo.get_document(s, i).sha256 for i in ids}
        evicted = next(i for i in ids if not (cache / shas[i]).exists())
        assert run_cli(env, "reprocess", evicted).returncode == 0
        assert _settled(rt, evicted)["status"] == "done"
    finally:
        worker.stop()
    assert sum(p.stat().st_size for p in cache.iterdir()) <= 1024 * 1024


# ------------------------------------------------------------------ fair turns


LANES = 2
LONG_PAGES = 16


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> dict[str, str]:
    """The serverless default (SQLite broker, which has no priorities), as `make run` runs."""
    root = tmp_path_factory.mktemp("limits-embedded")
    return {"SOHOA_DATA_DIR": str(root / "data")}


@pytest.mark.parametrize("broker", ["redis", "embedded"])
def test_one_page_document_does_not_wait_behind_a_long_one(request, broker, tmp_path):
    """One worker slot, a 16-page document running: a one-page document uploaded now
    is done after a few pages of the long one, not after all of them.

    On Redis the short document's pages have the higher priority; on both, a
    document has at most ``SOHOA_PAGE_LANES`` pages in the queue at a time and
    document steps have a queue of their own, taken in turn with the pages'. So
    the newcomer waits for the page running when it arrives, the lanes' next
    pages (2 here), and one page before each of its three steps after OCR.
    """
    deployment = request.getfixturevalue("deployment" if broker == "redis" else "embedded")
    settings = {**deployment, "SOHOA_PAGE_LANES": str(LANES)}
    rt = _runtime(settings)
    env = _env(settings)
    long_pages = [pagegen.render_page(1000 + i, n_lines=4).image for i in range(LONG_PAGES)]
    long_source = pagegen.save_pdf(long_pages, tmp_path / "so dang ky.pdf", 300)
    short_source = pagegen.save_pdf(
        [pagegen.render_page(1100, n_lines=4).image], tmp_path / "giay khai sinh.pdf", 300
    )
    worker = Worker(env, tmp_path / "fair.log", concurrency=1).start()
    try:
        long_id = _ingest(env, long_source, f"000.A0.01.H26-260101-{broker[:3]}3")
        wait_for(lambda: _pages_done(rt, long_id) >= 1, SETTLE_TIMEOUT, "the long document to run")
        short_id = _ingest(env, short_source, f"000.A0.01.H26-260101-{broker[:3]}4")
        arrived = _pages_done(rt, long_id)
        assert _settled(rt, short_id)["status"] == "done"
        waited = _pages_done(rt, long_id) - arrived
        assert waited <= 1 + LANES + 3, f"the short document waited for {waited} pages"
        assert arrived + waited < LONG_PAGES  # it did not simply come last
        long_doc = _settled(rt, long_id)
        assert long_doc["status"] == "done"
        assert all(status == "done" for status, _ in long_doc["pages"].values())
    finally:
        worker.stop()


def _pages_done(rt: Runtime, document_id: str) -> int:
    with rt.session() as s:
        return repo.get_document(s, document_id).pages_done


def test_redelivery_shorter_than_a_page_is_refused_at_start(tmp_path: Path) -> None:
    """A visibility timeout under the hard limit would hand a live page to a second worker."""
    env = clean_env(
        {
            "SOHOA_DATA_DIR": str(tmp_path),
            "SOHOA_PAGE_TIME_LIMIT": "60",
            "SOHOA_VISIBILITY_TIMEOUT": "70",
        }
    )
    done = subprocess.run(
        [str(SOHOA), "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "SOHOA_VISIBILITY_TIMEOUT (70 s) must be longer than" in done.stderr
