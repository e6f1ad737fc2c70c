"""The page task's work (``pipeline.tasks.ocr_page``): when each page is queued, and
one claimed page run to its recorded end.

Pages are queued in fair turns between documents (a priority by page count,
and a few lanes a document), so a one-page certificate does not wait behind a
1000-page register. A claimed page is run by the page stage
(``journey.run_page``), stored, and recorded done or failed; a page no task
could finish fails after :data:`MAX_PAGE_TRIES` tries instead of being queued
again for ever.
"""

from __future__ import annotations

import logging

from ingest.errors import InputError
from pipeline import journey
from pipeline.document_state import (
    PAGE_FAILURES,
    STORAGE_FAILURES,
    fail_document,
    page_failed,
    settle,
)
from pipeline.runtime import Runtime
from pipeline.stage_data import PageJob, ocr_options
from pipeline.stored_work import local_scan, store_page_result
from storage import repository as repo

log = logging.getLogger(__name__)

# Fair turns between documents: Redis serves its priority lists in order, 0
# (and every message without a priority) first, then kombu's steps 3, 6, 9. The
# pages of a short document thus go before those of long ones queued earlier: a
# one-page certificate does not wait behind a 1000-page register (it did, for
# minutes). (most pages, priority) in order; longer documents get the last step.
PAGE_PRIORITIES = ((10, 0), (100, 3), (1000, 6))
# The embedded broker (SQLite) has no priorities, and a priority alone lets a
# long document's whole backlog sit in the queue. So a document's pages are
# queued in lanes (``SOHOA_PAGE_LANES`` of them): each lane queues its next page
# only when its current one has ended. A document thus has at most that many
# pages waiting in the queue at any time, and a document arriving later waits
# behind a few pages of each document in progress, not behind all of them.
LONGEST_PRIORITY = 9
# A page taken by this many tasks that all ended without recording a result (an
# unexpected error, a worker killed every time) fails with that reason, instead
# of being queued again by the sweeper for ever. Retries of one task are one try.
MAX_PAGE_TRIES = 5


def page_priority(page_count: int) -> int:
    """The broker priority of a document's page tasks (0 first); see PAGE_PRIORITIES."""
    return next((p for most, p in PAGE_PRIORITIES if page_count <= most), LONGEST_PRIORITY)


def page_lanes(numbers: list[int], lanes: int) -> list[list[int]]:
    """Pages split into ``lanes`` lanes, each in page order: [1, 5, 9], [2, 6, 10], …"""
    ordered = sorted(numbers)
    return [ordered[i::lanes] for i in range(min(lanes, len(ordered)))]


def run_claimed_page(
    rt: Runtime,
    document_id: str,
    number: int,
    tries: int,
    original_key: str,
    sha256: str,
    prefix: str,
) -> str | None:
    """Run page ``number``, claimed by this task, and record how it ended.

    Returns what the document's settling decided (``document_state.settle``),
    for the caller to send once recorded."""
    if tries > MAX_PAGE_TRIES:
        reason = f"page {number}: gave up after {MAX_PAGE_TRIES} tries that ended without a result"
        log.error("document %s: %s (see earlier errors in the worker logs)", document_id, reason)
        return page_failed(rt, document_id, number, reason)
    try:
        scan = local_scan(rt, original_key, sha256)
    except STORAGE_FAILURES as exc:
        fail_document(rt, document_id, f"stored original unusable: {exc}")
        return None
    options = ocr_options(rt.settings, jobs=1, read_marks=True)
    try:
        result = journey.run_page(PageJob(source=scan.pages[number - 1], options=options))
    except PAGE_FAILURES as exc:
        # An input error carries its code, so the reason says whether a retry can help.
        cause = f"{exc.code}: {exc.reason}" if isinstance(exc, InputError) else str(exc)
        reason = f"page {number}: {cause}"
        return page_failed(rt, document_id, number, reason)
    image_obj, result_obj, thumb_obj = store_page_result(rt, prefix, result)
    with rt.session() as s:
        repo.mark_page_done(
            s,
            document_id,
            number,
            rotation=result.rotation,
            skew=result.skew,
            confidence=result.confidence,
            text=result.text,
            image_key=image_obj.key if image_obj else None,
            image_sha256=image_obj.sha256 if image_obj else None,
            result_key=result_obj.key,
            result_sha256=result_obj.sha256,
            thumbnail_key=thumb_obj.key,
            thumbnail_sha256=thumb_obj.sha256,
            timings={k: round(v, 4) for k, v in result.timings.items()},
            warnings=result.warnings,
        )
        outcome = settle(s, document_id)
    return outcome
