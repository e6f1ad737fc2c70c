"""``GET /metrics`` for Prometheus: figures that follow the pipeline, who may read them.

The application runs in process (TestClient) over a real database, SQLite and
PostgreSQL; documents and pages are recorded through ``storage.repository`` as
the pipeline records them, and every answer is parsed with Prometheus's own
parser. The queue lengths are read from a real Redis holding messages Celery
sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from api import prometheus_metrics as metrics
from api.app import create_app
from core.settings import Settings
from pipeline.celery_app import PAGE_QUEUE, QUEUE, make_celery
from pipeline.runtime import Runtime
from storage import apikeys
from storage import repository as repo
from storage.models import Document, Page, utcnow
from testkit.database import BACKENDS, fresh_postgres_url
from testkit.pipeline_harness import fresh_redis

UNIT = "000.00.00.H26"
DOSSIER = "000.A0.01.H26-261206-0001"
CITIZEN_FILE = "Giấy khai sinh Nguyễn Văn Đặng.pdf"
TOKEN = "scrape-7b1c9e2f4d"
REDIS_DB = 14


@dataclass
class Deployment:
    rt: Runtime
    client: TestClient
    admin: str
    clerk: str


def deployment(tmp_path: Path, **settings: object) -> Deployment:
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path, **settings))
    with rt.session() as s:
        _, admin = apikeys.create_key(s, role="admin", actor="test")
        _, clerk = apikeys.create_key(s, role="clerk", units=[UNIT], actor="test")
        repo.ensure_unit(s, UNIT)
        repo.upsert_dossier(s, UNIT, DOSSIER)
    return Deployment(rt, TestClient(create_app(rt)), admin, clerk)


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    if request.param == "sqlite":
        yield deployment(tmp_path, metrics_token=TOKEN)
        return
    with fresh_postgres_url() as url:
        yield deployment(tmp_path, metrics_token=TOKEN, database_url=url)


def scrape(site: Deployment, secret: str = TOKEN) -> dict[str, dict[tuple[str, ...], float]]:
    """Metric family -> label values -> value, as Prometheus would read the answer."""
    answer = site.client.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    families = {}
    for family in text_string_to_metric_families(answer.text):
        families[family.name] = {
            tuple(sample.labels.values()): sample.value for sample in family.samples
        }
    return families


def new_document(site: Deployment, name: str, pages: int) -> str:
    with site.rt.session() as s:
        dossier = repo.upsert_dossier(s, UNIT, DOSSIER)
        digest = hashlib.sha256(name.encode()).hexdigest()
        document, _ = repo.create_document(
            s,
            dossier,
            filename=name,
            kind="pdf",
            content_type="application/pdf",
            size=100,
            sha256=digest,
            original_key=f"{UNIT}/{DOSSIER}/{digest}/original.pdf",
            page_count=pages,
        )
        repo.ensure_pages(s, document, pages)
        return document.id


def page_done(site: Deployment, document_id: str, number: int, ocr_seconds: float) -> None:
    with site.rt.session() as s:
        repo.mark_page_done(
            s,
            document_id,
            number,
            rotation=0,
            skew=0.0,
            confidence=90.0,
            text="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            image_key="img",
            image_sha256="0" * 64,
            result_key="words",
            result_sha256="1" * 64,
            timings={"rasterise": 0.2, "ocr": ocr_seconds},
        )


def set_status(site: Deployment, document_id: str, status: str, reason: str | None = None) -> None:
    with site.rt.session() as s:
        document = s.get(Document, document_id)
        assert document is not None
        repo.set_document_status(s, document, status, reason)


@pytest.fixture(autouse=True)
def archive_counted_each_scrape(monkeypatch: pytest.MonkeyPatch) -> None:
    """Done counts are normally reused for minutes; these tests watch them change."""
    monkeypatch.setattr(metrics, "ARCHIVE_COUNT_TTL", 0.0)


def test_figures_follow_documents_through_the_pipeline(site: Deployment) -> None:
    before = scrape(site)
    assert before["sohoa_documents"] == {
        ("queued",): 0,
        ("processing",): 0,
        ("done",): 0,
        ("failed",): 0,
    }
    assert before["sohoa_pages"] == {("queued",): 0, ("done",): 0, ("failed",): 0}
    assert before["sohoa_pages_done_recent"] == {(): 0}

    birth = new_document(site, CITIZEN_FILE, pages=2)
    card = new_document(site, "Căn cước Trần Thị Bích.pdf", pages=3)
    queued = scrape(site)
    assert queued["sohoa_documents"][("queued",)] == 2
    assert queued["sohoa_pages"][("queued",)] == 5

    set_status(site, birth, "processing")
    page_done(site, birth, 1, ocr_seconds=1.25)
    page_done(site, birth, 2, ocr_seconds=0.75)
    set_status(site, birth, "done")
    set_status(site, card, "processing")
    page_done(site, card, 1, ocr_seconds=2.0)
    with site.rt.session() as s:
        repo.mark_page_failed(s, card, 2, "page 2: the OCR engine stopped")
    working = scrape(site)
    assert working["sohoa_documents"][("done",)] == 1
    assert working["sohoa_documents"][("processing",)] == 1
    assert working["sohoa_pages"] == {("queued",): 1, ("done",): 3, ("failed",): 1}
    assert working["sohoa_pages_done_recent"] == {(): 3}
    assert working["sohoa_pages_per_minute"] == {(): pytest.approx(3 / 5)}
    assert working["sohoa_page_ocr_seconds_recent"] == {(): pytest.approx(4.0)}
    assert working["sohoa_failures_recent"] == {("document",): 0, ("page",): 1}

    set_status(site, card, "failed", "page 2: the OCR engine stopped")
    failed = scrape(site)
    assert failed["sohoa_documents"][("failed",)] == 1
    assert failed["sohoa_documents"][("processing",)] == 0
    assert failed["sohoa_failures_recent"] == {("document",): 1, ("page",): 1}

    # An hour later the failures and the pages of a few minutes ago are history.
    with site.rt.session() as s:
        s.execute(update(Page).values(updated_at=utcnow() - timedelta(minutes=6)))
        s.execute(update(Document).values(updated_at=utcnow() - timedelta(minutes=61)))
        s.execute(
            update(Page)
            .where(Page.status == "failed")
            .values(updated_at=utcnow() - timedelta(hours=2))
        )
    later = scrape(site)
    assert later["sohoa_pages_done_recent"] == {(): 0}
    assert later["sohoa_page_ocr_seconds_recent"] == {(): 0}
    assert later["sohoa_failures_recent"] == {("document",): 0, ("page",): 0}
    assert later["sohoa_pages"][("done",)] == 3  # still in the archive


def test_no_citizen_data_in_the_metrics(site: Deployment) -> None:
    document = new_document(site, CITIZEN_FILE, pages=1)
    page_done(site, document, 1, ocr_seconds=1.0)
    text = site.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    for secret in ("Nguyễn", "Nguyen", DOSSIER, UNIT, document, "CỘNG HÒA"):
        assert secret not in text


def test_only_the_token_or_an_admin_key_may_read(site: Deployment) -> None:
    client = site.client
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer not-it"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 401
    clerk = client.get("/metrics", headers={"Authorization": f"Bearer {site.clerk}"})
    assert clerk.status_code == 403
    assert clerk.json()["error"]["code"] == "forbidden"
    assert client.get("/metrics", headers={"X-API-Key": site.admin}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_without_a_token_an_admin_key_is_needed(tmp_path: Path) -> None:
    site = deployment(tmp_path)  # SOHOA_METRICS_TOKEN unset
    assert site.client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert (
        site.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 401
    )
    assert scrape(site, site.admin)["sohoa_documents"][("queued",)] == 0


def test_archive_counts_are_reused_for_a_while(tmp_path: Path) -> None:
    site = deployment(tmp_path)
    document = new_document(site, CITIZEN_FILE, pages=1)
    assert metrics.take_snapshot(site.rt, archive_ttl=0).pages["done"] == 0
    page_done(site, document, 1, ocr_seconds=1.0)
    held = metrics.take_snapshot(site.rt, archive_ttl=3600)
    assert held.pages["done"] == 0  # the archive's size, counted a moment ago
    assert held.pages["queued"] == 0 and held.pages_done_recent == 1  # always counted afresh
    assert metrics.take_snapshot(site.rt, archive_ttl=0).pages["done"] == 1


def test_queue_lengths_come_from_redis_and_are_absent_on_the_embedded_broker(
    tmp_path: Path,
) -> None:
    embedded = deployment(tmp_path / "embedded", metrics_token=TOKEN)
    assert "sohoa_queue_length" not in scrape(embedded)
    with fresh_redis(db=REDIS_DB) as broker_url:
        site = deployment(tmp_path / "redis", metrics_token=TOKEN, broker_url=broker_url)
        assert scrape(site)["sohoa_queue_length"] == {(QUEUE,): 0, (PAGE_QUEUE,): 0}
        celery = make_celery(site.rt.settings)
        try:
            for number in (1, 2, 3):
                celery.send_task("sohoa.ocr_page", args=["d", number])
            celery.send_task("sohoa.ocr_page", args=["d", 4], priority=5)  # a list of its own
            celery.send_task("sohoa.start_document", args=["d"])
        finally:
            celery.close()
        assert scrape(site)["sohoa_queue_length"] == {(QUEUE,): 1, (PAGE_QUEUE,): 4}
