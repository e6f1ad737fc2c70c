"""``GET /metrics``: the pipeline's state for Prometheus, in its text exposition format.

Every number is read from the shared database and broker when scraped, not
counted in this process: a deployment runs several API processes and many
workers, and whichever process answers a scrape gives the same figures.

- ``sohoa_documents{status}``, ``sohoa_pages{status}``: rows by status. Each
  status is its own count, an index-only scan of that status's entries
  (``ix_documents_status``; ``ix_pages_status_updated_at``, migration 0016).
  The ``done`` counts are the archive's size, and counting them grows with it
  (on PostgreSQL here: 51 ms for a million documents, 185 ms for 3 million
  pages), so each process keeps them for ``ARCHIVE_COUNT_TTL`` seconds; every
  other status (the work in flight and the failures) is counted at each scrape.
- ``sohoa_pages_done_recent``, ``sohoa_pages_per_minute``: pages that became
  done in the last 5 minutes (their row's ``updated_at``; a done page is not
  written again until it is reprocessed), and that over 5.
- ``sohoa_page_ocr_seconds_recent``: the OCR engine's seconds (the ``ocr``
  stage of ``pages.timings``) summed over those pages; divided by
  ``sohoa_pages_done_recent`` it is the mean seconds a page.
- ``sohoa_failures_recent{object}``: documents and pages that failed in the
  last hour.
- ``sohoa_queue_length{queue}``: messages waiting in the broker's queues
  (Redis list lengths). The embedded SQLite broker cannot say: the metric is
  then absent, never a made-up zero.

The recent figures are range scans of the same index, so a scrape costs what
the last minutes did, not the size of the archive. Nothing here names a
citizen, a dossier, a document or a unit: counts by status only.

Who may read it: Prometheus scrapers carry no API key, so when
``SOHOA_METRICS_TOKEN`` is set, ``Authorization: Bearer <that token>`` is
enough (Prometheus's ``authorization`` scrape setting); an admin API key is
always accepted. Anything else is refused as any API route refuses (401, 403),
through the same checks, so wrong tokens are throttled and audited like wrong keys.
"""

from __future__ import annotations

import hmac
import logging
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

import redis
from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.principal import Principal
from api.runtime_dependency import RuntimeDep
from api.security import authenticate, presented_key, require
from pipeline.celery_app import QUEUES
from pipeline.runtime import Runtime
from storage.models import DOCUMENT_STATUSES, PAGE_STATUSES, Document, Page, utcnow

log = logging.getLogger(__name__)

RECENT = timedelta(minutes=5)
"""The window of the throughput figures (pages done, OCR seconds)."""
FAILURE_WINDOW = timedelta(hours=1)
"""The window of the failure counts."""

REDIS_PRIORITY_STEPS = (0, 3, 6, 9)
REDIS_PRIORITY_SEPARATOR = "\x06\x16"
"""kombu's Redis transport keeps a queue's messages sent with a priority in lists named
``<queue>\\x06\\x16<step>`` beside ``<queue>`` (priority 0): all of them are waiting."""
BROKER_TIMEOUT_S = 2.0
ARCHIVE_COUNT_TTL = 300.0
"""Seconds a process reuses its count of done documents and pages (see the module's doc)."""

_archive_counts: dict[str, tuple[float, int, int]] = {}
"""Database URL -> (monotonic time counted, documents done, pages done)."""


@dataclass(frozen=True)
class Snapshot:
    """The figures of one scrape."""

    documents: dict[str, int]
    pages: dict[str, int]
    pages_done_recent: int
    ocr_seconds_recent: float
    documents_failed_recent: int
    pages_failed_recent: int
    queues: dict[str, int] | None
    """Messages waiting per queue; None when the broker cannot tell."""


def take_snapshot(
    rt: Runtime, now: datetime | None = None, archive_ttl: float | None = None
) -> Snapshot:
    """Read the figures from the database and the broker (one read-only transaction).

    The done counts are reused for ``archive_ttl`` seconds (default
    ``ARCHIVE_COUNT_TTL``; 0: counted now).
    """
    now = now or utcnow()
    archive_ttl = ARCHIVE_COUNT_TTL if archive_ttl is None else archive_ttl
    url = rt.settings.resolved_database_url
    with rt.session() as s:
        counted_at, documents_done, pages_done = _archive_counts.get(url, (-math.inf, 0, 0))
        if time.monotonic() - counted_at >= archive_ttl:
            documents_done = _count(s, Document, "done")
            pages_done = _count(s, Page, "done")
            _archive_counts[url] = (time.monotonic(), documents_done, pages_done)
        documents = _by_status(s, Document, DOCUMENT_STATUSES, done=documents_done)
        pages = _by_status(s, Page, PAGE_STATUSES, done=pages_done)
        done_recent, ocr_seconds = s.execute(
            select(func.count(), func.coalesce(func.sum(Page.timings["ocr"].as_float()), 0.0))
            .select_from(Page)
            .where(Page.status == "done", Page.updated_at >= now - RECENT)
        ).one()
        documents_failed = _since(s, Document, "failed", now - FAILURE_WINDOW)
        pages_failed = _since(s, Page, "failed", now - FAILURE_WINDOW)
    return Snapshot(
        documents=documents,
        pages=pages,
        pages_done_recent=int(done_recent),
        ocr_seconds_recent=float(ocr_seconds),
        documents_failed_recent=documents_failed,
        pages_failed_recent=pages_failed,
        queues=queue_lengths(rt.settings.resolved_broker_url),
    )


def _by_status(
    s: Session, table: type[Document] | type[Page], statuses: Iterable[str], *, done: int
) -> dict[str, int]:
    """One count per status, each over its own index range; ``done`` as given.

    ``WHERE status = :s`` is an index-only scan of that status's entries, so the
    small statuses cost what they hold (a ``GROUP BY status`` reads them all).
    """
    return {status: done if status == "done" else _count(s, table, status) for status in statuses}


def _count(s: Session, table: type[Document] | type[Page], status: str) -> int:
    return s.scalar(select(func.count()).select_from(table).where(table.status == status)) or 0


def _since(s: Session, table: type[Document] | type[Page], status: str, since: datetime) -> int:
    query = select(func.count()).select_from(table)
    return s.scalar(query.where(table.status == status, table.updated_at >= since)) or 0


def queue_lengths(broker_url: str) -> dict[str, int] | None:
    """Messages waiting in each of the pipeline's queues, or None when it cannot be told.

    Only a Redis broker is asked (its lists' lengths). The embedded broker's
    SQLite table is not: the metric is then left out rather than reported as 0,
    which would read as "nothing waiting". A Redis that does not answer in
    ``BROKER_TIMEOUT_S`` is left out the same way (and logged).
    """
    if not broker_url.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(
        broker_url, socket_timeout=BROKER_TIMEOUT_S, socket_connect_timeout=BROKER_TIMEOUT_S
    )
    try:
        pipe = client.pipeline(transaction=False)
        for queue in QUEUES:
            for key in _priority_lists(queue):
                pipe.llen(key)
        lengths = iter(pipe.execute())
        return {queue: sum(next(lengths) for _ in REDIS_PRIORITY_STEPS) for queue in QUEUES}
    except redis.RedisError as exc:
        log.warning("metrics: the broker's queue lengths are unavailable: %s", exc)
        return None
    finally:
        client.close()


def _priority_lists(queue: str) -> Iterator[str]:
    for step in REDIS_PRIORITY_STEPS:
        yield queue if step == 0 else f"{queue}{REDIS_PRIORITY_SEPARATOR}{step}"


class _SnapshotCollector(Collector):
    """Hands one snapshot's figures to ``prometheus_client`` as gauge families."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        shot = self.snapshot
        documents = GaugeMetricFamily("sohoa_documents", "Documents by status.", labels=["status"])
        for status, count in shot.documents.items():
            documents.add_metric([status], count)
        yield documents
        pages = GaugeMetricFamily("sohoa_pages", "Pages by status.", labels=["status"])
        for status, count in shot.pages.items():
            pages.add_metric([status], count)
        yield pages
        yield GaugeMetricFamily(
            "sohoa_pages_done_recent",
            "Pages that became done in the last 5 minutes.",
            value=shot.pages_done_recent,
        )
        yield GaugeMetricFamily(
            "sohoa_pages_per_minute",
            "Pages done a minute, over the last 5 minutes.",
            value=shot.pages_done_recent / (RECENT.total_seconds() / 60),
        )
        yield GaugeMetricFamily(
            "sohoa_page_ocr_seconds_recent",
            "OCR engine seconds of the pages done in the last 5 minutes, summed.",
            value=shot.ocr_seconds_recent,
        )
        failures = GaugeMetricFamily(
            "sohoa_failures_recent",
            "Documents and pages that failed in the last hour.",
            labels=["object"],
        )
        failures.add_metric(["document"], shot.documents_failed_recent)
        failures.add_metric(["page"], shot.pages_failed_recent)
        yield failures
        if shot.queues is not None:
            queues = GaugeMetricFamily(
                "sohoa_queue_length", "Messages waiting in the broker's queue.", labels=["queue"]
            )
            for queue, length in shot.queues.items():
                queues.add_metric([queue], length)
            yield queues


def exposition(snapshot: Snapshot) -> bytes:
    """The snapshot in Prometheus's text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(snapshot))
    return generate_latest(registry)


# ------------------------------------------------------------------ the route


def metrics_reader(rt: RuntimeDep, request: Request) -> str:
    """Who may scrape: the bearer of ``SOHOA_METRICS_TOKEN`` (when set), or an admin key.

    A presented value that is not the token is taken as an API key, through
    ``authenticate`` (401 for a wrong one, counted toward its throttle and
    audited) and then the admin check (403 for another role).
    """
    token = rt.settings.metrics_token
    presented = presented_key(request)
    if token and presented and hmac.compare_digest(presented.encode(), token.encode()):
        return "metrics-token"
    principal: Principal = authenticate(request)
    return require("admin")(rt, principal, request).actor


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format.",
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
        }
    },
    # The token or an admin key, checked in ``metrics_reader`` (not a plain key dependency).
    openapi_extra={"security": [{"HTTPBearer": []}, {"APIKeyHeader": []}]},
)
def metrics(rt: RuntimeDep, reader: Annotated[str, Depends(metrics_reader)]) -> Response:
    """The pipeline's state for Prometheus: documents and pages by status, pages a minute,
    OCR seconds, failures of the last hour, the broker's queue lengths.

    Counts only, never a citizen's data. Send ``Authorization: Bearer`` with
    ``SOHOA_METRICS_TOKEN`` or an admin API key.
    """
    return Response(exposition(take_snapshot(rt)), media_type=CONTENT_TYPE_LATEST)
