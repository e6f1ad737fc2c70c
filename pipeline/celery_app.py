"""The Celery application: one per process, configured from the settings.

Crash safety rests on four things: tasks are acknowledged only after they
finish (``acks_late``), a task whose worker died is put back
(``reject_on_worker_lost``), a page is run only by the task that claimed it in
the database, and one sweeper queues again the work of documents that stalled
(``pipeline.sweeper``), which also covers the embedded broker that cannot
redeliver a message lost with a killed worker. The database, not the broker,
is the record of what is done: no result backend is used.
"""

from __future__ import annotations

from celery import Celery

from core.settings import HARD_LIMIT_GRACE_S, Settings, get_settings
from pipeline import broker  # noqa: F401 - registers the embedded broker's scheme

QUEUE = "sohoa"
PAGE_QUEUE = "sohoa.pages"
"""Page tasks have a queue of their own. A worker takes from both in turn, so a
document's short steps (start, assemble, classify, index) wait behind at most one
page, not behind every page queued before them, on any broker (the embedded one
has no priorities)."""
QUEUES = (QUEUE, PAGE_QUEUE)
# ``SOHOA_PAGE_TIME_LIMIT`` is the soft limit: it raises in the task, which
# fails the page (or document step) with its reason and kills the programs it
# started (``pipeline.tasks``). ``HARD_LIMIT_GRACE_S`` later the hard limit kills
# a worker child that could not be interrupted (stuck in C code, stopped,
# swapping); the main process then records the same failure.
HARD_LIMIT_GRACE = HARD_LIMIT_GRACE_S


def make_celery(settings: Settings) -> Celery:
    app = Celery(
        "sohoa",
        broker=settings.resolved_broker_url,
        include=["pipeline.tasks", "pipeline.webhook_delivery", "pipeline.sweeper"],
    )
    app.conf.update(
        task_default_queue=QUEUE,
        task_routes={"sohoa.ocr_page": {"queue": PAGE_QUEUE}},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_soft_time_limit=settings.page_time_limit,
        task_time_limit=settings.page_time_limit + HARD_LIMIT_GRACE,
        worker_prefetch_multiplier=1,
        worker_concurrency=settings.worker_concurrency,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        task_serializer="json",
        accept_content=["json"],
    )
    return app


def _transport_options(settings: Settings) -> dict[str, object]:
    """Redis redelivers unacknowledged tasks after ``visibility_timeout``; the embedded
    SQLAlchemy transport hands its options to ``create_engine`` and takes none."""
    if settings.resolved_broker_url.startswith(("redis://", "rediss://")):
        return {"visibility_timeout": settings.visibility_timeout}
    return {}


app = make_celery(get_settings())
