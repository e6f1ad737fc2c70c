"""The distributed pipeline with real parts: ``sohoa worker`` processes on Redis,
PostgreSQL and a SeaweedFS S3 server; and the embedded default without servers.

Fault drills follow the issue: a worker killed with SIGKILL mid-document, the S3
server stopped during processing, a stored object corrupted behind our back, a
worker that fails every page and a reprocess once it is fixed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from minio import Minio
from PIL import Image

from classifiers.doctypes import DOCUMENT_TYPES
from core.settings import Settings
from core.vietnamese import fold_accents
from pipeline.runtime import Runtime
from storage import keys
from storage import repository as repo
from storage.objects import ObjectCorrupt
from testkit import pagegen
from testkit.pipeline_harness import (
    PrivateRedis,
    Worker,
    engine_shim,
    fresh_postgres,
    fresh_redis,
    run_cli,
    s3_settings,
    wait_for,
)
from testkit.s3server import SeaweedS3
from testkit.textmetrics import cer

UNIT = "000.00.00.H26"
DONE_TIMEOUT = 240


def _env(values: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(values)
    return env


def _runtime(values: dict[str, str]) -> Runtime:
    fields = {k.removeprefix("SOHOA_").lower(): v for k, v in values.items()}
    return Runtime.from_settings(Settings(_env_file=None, **fields))


def _pages(n: int, first_seed: int) -> list[pagegen.RenderedPage]:
    return [pagegen.render_page(first_seed + i, n_lines=9) for i in range(n)]


def _scan_pdf(pages: list[pagegen.RenderedPage], path: Path) -> Path:
    return pagegen.save_pdf([p.image for p in pages], path, 300)


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
            "pages_done": d.pages_done,
            "page_count": d.page_count,
            "original_key": d.original_key,
            "pdf_key": d.pdf_key,
            "pdf_sha256": d.pdf_sha256,
            "text_key": d.text_key,
            "text_sha256": d.text_sha256,
            "type": d.document_type,
            "prefix": keys.document_prefix(UNIT, d.dossier.code, d.id),
            "pages": sorted((p.number, p.status) for p in d.pages),
        }


def _wait_status(rt: Runtime, document_id: str, status: str, timeout: float = DONE_TIMEOUT):
    def reached() -> dict | None:
        doc = _document(rt, document_id)
        if doc["status"] == "failed" and status != "failed":
            raise AssertionError(f"document failed: {doc['reason']}")
        return doc if doc["status"] == status else None

    return wait_for(reached, timeout, f"document {document_id} {status}")


@pytest.fixture(scope="module")
def production(s3_server: SeaweedS3, tmp_path_factory) -> Iterator[dict[str, str]]:
    """Settings of a production-like deployment on this machine's real services."""
    data = tmp_path_factory.mktemp("prod")
    with fresh_postgres() as database_url, fresh_redis(db=9) as broker_url:
        yield {
            "SOHOA_DATA_DIR": str(data),
            "SOHOA_DATABASE_URL": database_url,
            "SOHOA_BROKER_URL": broker_url,
            **s3_settings(s3_server, "sohoa-pipeline"),
            # Short, so that lost work comes back within a test; longer than a page's
            # hard limit (120 + 15 s), or Redis would hand a live page to a second worker.
            "SOHOA_PAGE_TIME_LIMIT": "120",
            "SOHOA_VISIBILITY_TIMEOUT": "150",
        }


@pytest.fixture
def worker(production, tmp_path) -> Iterator[Worker]:
    w = Worker(_env(production), tmp_path / "worker.log").start()
    yield w
    w.stop()


def test_three_page_pdf_through_redis_postgres_and_s3(production, worker, tmp_path):
    pages = _pages(3, 100)
    source = _scan_pdf(pages, tmp_path / "hồ sơ khai sinh.pdf")
    env = _env(production)
    document_id = _ingest(env, source, "000.A0.01.H26-251122-0001")
    rt = _runtime(production)
    doc = _wait_status(rt, document_id, "done")

    assert doc["pages_done"] == 3 and doc["pages"] == [(1, "done"), (2, "done"), (3, "done")]
    # Classified by the worker (these generated letters are decisions, notices and the like).
    assert doc["type"] in DOCUMENT_TYPES and doc["type"] != "unclassified"
    pdf_path = tmp_path / "out.pdf"
    rt.store.download(doc["pdf_key"], pdf_path, doc["pdf_sha256"])
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 3
    text = rt.store.get_bytes(doc["text_key"], doc["text_sha256"]).decode("utf-8").split("\f")
    for truth, got in zip(pages, text, strict=True):
        assert cer(truth.text, got) < 0.03
    assert rt.store.exists(doc["original_key"])
    for number in (1, 2, 3):
        with rt.session() as s:
            page = next(p for p in repo.get_document(s, document_id).pages if p.number == number)
            key, sha = page.thumbnail_key, page.thumbnail_sha256
        assert key == keys.thumbnail(doc["prefix"], number)
        thumb = Image.open(io.BytesIO(rt.store.get_bytes(key, sha)))
        assert thumb.format == "PNG" and thumb.width == 240 and thumb.height > thumb.width

    # Found without accents, by the status and search commands alike.
    status = run_cli(env, "status", document_id)
    assert "done" in status.stdout and "3/3" in status.stdout
    phrase = " ".join(pages[1].text.split("\n")[-1].split()[:3])
    found = run_cli(env, "search", fold_accents(phrase).lower())
    assert found.returncode == 0, found.stderr
    assert document_id in found.stdout
    for window, expected in ((("--from", "2000-01-01"), True), (("--to", "2000-01-01"), False)):
        dated = run_cli(env, "search", fold_accents(phrase), *window)
        assert (document_id in dated.stdout) is expected, dated.stdout + dated.stderr


def test_worker_killed_mid_document_completes_once(production, tmp_path):
    env = _env(production)
    source = _scan_pdf(_pages(5, 200), tmp_path / "five.pdf")
    rt = _runtime(production)
    first = Worker(env, tmp_path / "w1.log", concurrency=1).start()
    try:
        document_id = _ingest(env, source, "000.A0.01.H26-251122-0002")
        wait_for(
            lambda: 1 <= _document(rt, document_id)["pages_done"] < 5, 120, "a document half done"
        )
    finally:
        first.kill_hard()
    assert _document(rt, document_id)["status"] == "processing"

    second = Worker(env, tmp_path / "w2.log").start()
    try:
        doc = _wait_status(rt, document_id, "done")
    finally:
        second.stop()
    assert doc["pages"] == [(n, "done") for n in range(1, 6)]
    stored = rt.store.list(doc["prefix"])
    assert [k for k in stored if k.endswith("searchable.pdf")] == [doc["pdf_key"]]
    assert len([k for k in stored if "/pages/" in k and k.endswith(".img")]) == 5
    pdf_path = tmp_path / "out.pdf"
    rt.store.download(doc["pdf_key"], pdf_path, doc["pdf_sha256"])
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 5


def test_s3_outage_during_processing_is_waited_out(production, s3_server, worker, tmp_path):
    env = _env(production)
    source = _scan_pdf(_pages(2, 300), tmp_path / "two.pdf")
    rt = _runtime(production)
    document_id = _ingest(env, source, "000.A0.01.H26-251122-0003")
    s3_server.stop()
    try:
        wait_for(lambda: b"Retry in" in worker.log.read_bytes(), 60, "a retry after S3 left")
        assert _document(rt, document_id)["status"] in ("queued", "processing")
    finally:
        s3_server.start()
    doc = _wait_status(rt, document_id, "done")
    assert doc["pages_done"] == 2


def test_broker_restart_mid_document_loses_nothing(production, tmp_path):
    broker = PrivateRedis(tmp_path / "redis").start()
    values = {**production, "SOHOA_BROKER_URL": broker.url}
    env = _env(values)
    rt = _runtime(values)
    source = _scan_pdf(_pages(4, 700), tmp_path / "four.pdf")
    w = Worker(env, tmp_path / "worker.log", concurrency=1).start()
    try:
        document_id = _ingest(env, source, "000.A0.01.H26-251122-0007")
        wait_for(lambda: _document(rt, document_id)["pages_done"] >= 1, 120, "a page done")
        broker.stop()
        broker.start()
        doc = _wait_status(rt, document_id, "done")
    finally:
        w.stop()
        broker.stop()
    assert doc["pages"] == [(n, "done") for n in range(1, 5)]
    assert [k for k in rt.store.list(doc["prefix"]) if k.endswith("searchable.pdf")] == [
        doc["pdf_key"]
    ]


def test_corrupted_stored_object_is_detected_on_read(production, worker, tmp_path, s3_server):
    env = _env(production)
    source = _scan_pdf(_pages(1, 400), tmp_path / "one.pdf")
    rt = _runtime(production)
    document_id = _ingest(env, source, "000.A0.01.H26-251122-0004")
    doc = _wait_status(rt, document_id, "done")
    _overwrite_behind_our_back(s3_server, production["SOHOA_S3_BUCKET"], doc["pdf_key"])
    with pytest.raises(ObjectCorrupt):
        rt.store.get_bytes(doc["pdf_key"], doc["pdf_sha256"])


def _overwrite_behind_our_back(server: SeaweedS3, bucket: str, key: str) -> None:
    """Replace an object's bytes but keep its metadata, as disk rot or a bad copy would."""
    client = Minio(server.endpoint, server.access_key, server.secret_key, secure=False)
    info = client.stat_object(bucket, key)
    metadata = {
        k[len("x-amz-meta-") :]: v
        for k, v in info.metadata.items()
        if k.lower().startswith("x-amz-meta-")
    }
    data = b"%PDF-1.7 this is not the stored file"
    client.put_object(
        bucket,
        key,
        io.BytesIO(data),
        len(data),
        content_type="application/pdf",
        metadata=metadata,
    )


def test_bad_input_is_refused_and_stores_nothing(production, tmp_path):
    env = _env(production)
    empty = tmp_path / "trống.pdf"
    empty.write_bytes(b"")
    done = run_cli(env, "ingest", empty, "--dossier", "000.A0.01.H26-251122-0005", "--unit", UNIT)
    assert done.returncode == 12
    assert "empty_file" in done.stderr and "trống.pdf" in done.stderr
    rt = _runtime(production)
    assert not [k for k in rt.store.list(UNIT) if "251122-0005" in k]


def test_failing_pages_fail_visibly_and_reprocess_fixes_them(production, tmp_path):
    env = _env(production)
    source = _scan_pdf(_pages(1, 500), tmp_path / "one.pdf")
    rt = _runtime(production)
    # The OCR engine crashes on every page (a stand-in on the worker's PATH).
    broken_env = {**_env(production), **engine_shim(tmp_path / "engine", "crash")}
    broken = Worker(broken_env, tmp_path / "bad.log").start()
    try:
        document_id = _ingest(env, source, "000.A0.01.H26-251122-0006")
        doc = _wait_status(rt, document_id, "failed")
    finally:
        broken.stop()
    assert "page 1" in doc["reason"] and "Segmentation fault" in doc["reason"]
    assert doc["pages"] == [(1, "failed")]
    assert rt.store.exists(doc["original_key"]), "the original is kept when processing fails"
    status = run_cli(env, "status", document_id)
    assert "failed" in status.stdout and "page 1" in status.stdout

    fixed = Worker(env, tmp_path / "good.log").start()
    try:
        again = run_cli(env, "reprocess", document_id)
        assert again.returncode == 0, again.stderr
        doc = _wait_status(rt, document_id, "done")
    finally:
        fixed.stop()
    assert doc["pages"] == [(1, "done")]


def test_embedded_default_needs_no_server(tmp_path):
    """SQLite for data and broker, a folder for objects: the `make run` setup."""
    values = {"SOHOA_DATA_DIR": str(tmp_path / "data")}
    env = _env(values)
    source = _scan_pdf(_pages(2, 600), tmp_path / "scan.pdf")
    document_id = _ingest(env, source, "H47.06-261005-0155")
    rt = _runtime(values)
    w = Worker(env, tmp_path / "embedded.log").start()
    try:
        doc = _wait_status(rt, document_id, "done")
    finally:
        w.stop()
    assert (tmp_path / "data" / "objects").is_dir()
    assert rt.store.exists(doc["pdf_key"])
    assert Path(rt.settings.resolved_database_url.removeprefix("sqlite:///")).exists()
