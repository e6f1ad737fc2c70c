"""The journey (``pipeline.journey``) as Celery tasks: one task per stage, each run once in effect.

    start_document ─┬─ ocr_page(1) ─┐
                    ├─ ocr_page(2) ─┼─ (last page settled) → assemble → classify → index
                    └─ ocr_page(n) ─┘

Every task is keyed by the document id (and page number) and delivered at
least once. Work is run only by the task that claims it in the database (an
atomic compare-and-set with a lease: ``repository.claim_page`` for a page,
``repository.claim_step`` for a document step): a second delivery finds it
taken or done and returns without running anything, and work whose worker died
is taken over once its lease expires, or at once by the same task redelivered.
A step records its result and moves the document to the next step in one
transaction, and only while it holds the step; then it sends the next step.

What a stage stores is a function of its input alone (timings go to the page's
row; the PDF carries the document's date, not the clock), so work cut short
and done again writes the same bytes under the same names.

Lost work (a message gone with a killed worker or broker, a lease its dead
worker no longer renews) is found by one sweeper (``pipeline.sweeper``), which
sends the document to ``start_document`` again; that resumes it at its step. A
worker's start does not re-queue anything by itself. Messages go through
``pipeline.messages.send`` (a broker outage costs time, never a document);
webhook events through ``pipeline.webhook_delivery``.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_process_init
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy.exc import DBAPIError, OperationalError

from ingest.errors import InputError
from ocr.tesseract import TesseractError
from pipeline import journey
from pipeline.celery_app import app
from pipeline.classification import active_classifier, store_classification
from pipeline.leases import Heartbeat
from pipeline.messages import send
from pipeline.originals import release_all
from pipeline.programs import kill_marked, marked
from pipeline.runtime import Runtime, runtime, runtime_after_fork
from pipeline.stage_data import PageJob, ocr_options
from pipeline.stored_page import StoredPageCorrupt
from pipeline.stored_work import (
    document_prefix,
    load_stored_pages,
    local_scan,
    scratch_dir,
    store_page_result,
    trim_originals,
)
from pipeline.webhook_delivery import notify
from storage import keys
from storage import repository as repo
from storage.objects import ObjectCorrupt, ObjectMissing, StoreUnavailable
from storage.search import index_document

log = logging.getLogger(__name__)

# Storage and database outages are waited out; bad input is not retried.
RETRYABLE = (StoreUnavailable, OperationalError, DBAPIError, ConnectionError)
RETRY = {
    "autoretry_for": RETRYABLE,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 30,
}
# What makes a page fail for good: its reason is shown to the clerk.
PAGE_FAILURES = (InputError, TesseractError)
# A stored file that is gone or no longer matches its checksum: retrying cannot
# help, and the document must say so instead of waiting forever.
STORAGE_FAILURES = (ObjectCorrupt, ObjectMissing, StoredPageCorrupt)
# A task over SOHOA_PAGE_TIME_LIMIT: the soft limit's exception in the worker
# child, or the hard limit's report in the main process after it killed the child.
TIME_LIMITS = (SoftTimeLimitExceeded, TimeLimitExceeded)
# Reason codes: a page over its time limit, and a document step (start,
# assemble, classify, index) over it.
PAGE_TIME_LIMIT = "page_time_limit"
STEP_TIME_LIMIT = "time_limit"
# What ``_settle`` returns when the document failed in its transaction.
FAILED = "failed"
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


class DocumentTask(Task):
    """A step of a document's journey (first argument: the document id).

    A step must end its document visibly whatever happens to it; the time
    limit is what Celery alone cannot turn into a reason. The programs a step
    starts carry its task id (``pipeline.programs``), so they die with it; the
    originals it uses are locked in the cache until it ends (``pipeline.originals``).
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with marked(self.request.id or ""):
            try:
                return super().__call__(*args, **kwargs)
            finally:
                release_all()
                trim_originals(runtime())

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Record a time limit or an error as the page's or document's failure; keep a lane going.

        A page's unexpected error leaves the page to the sweeper (its tries are
        counted); a document step's fails the document with the error, visibly,
        to be reprocessed. Celery calls this in the worker child when an error
        or the soft limit's exception escaped the step (or its retries ran
        out), and in the worker's main
        process when the hard limit killed the child (then the child's programs,
        orphaned, are killed here). A page task that ends here never queued the
        rest of its lane: it is queued now, or those pages would wait forever.
        """
        names = ("document_id", "number", "lane")
        call = dict(zip(names, args, strict=False)) | dict(kwargs)
        if self.name == ocr_page.name and not isinstance(exc, TIME_LIMITS):
            queue_page(call["document_id"], list(call.get("lane") or ()), None)
        if not isinstance(exc, TIME_LIMITS):
            if isinstance(exc, (*RETRYABLE, BrokerUnavailable)):
                return  # an outage outlasted the retries: the sweeper resumes the document
            if self.name != ocr_page.name:  # a step that cannot finish fails its document
                reason = f"{self.name.removeprefix('sohoa.')} failed: {type(exc).__name__}: {exc}"
                _fail_document(runtime(), call["document_id"], reason)
            return
        try:
            kill_marked(task_id)
            rt = runtime()
            if self.name == ocr_page.name:
                _page_over_time_limit(rt, call["document_id"], call["number"])
                queue_page(call["document_id"], list(call.get("lane") or ()), None)
            else:
                limit = rt.settings.page_time_limit
                reason = f"{STEP_TIME_LIMIT}: {self.name} took over {limit} s"
                log.warning("document %s: %s", call["document_id"], reason)
                _fail_document(rt, call["document_id"], f"{reason} (SOHOA_PAGE_TIME_LIMIT)")
        except Exception:  # the main process must go on; the sweeper finds the document stalled
            log.exception("could not record the time limit of %s[%s]", self.name, task_id)


@app.task(bind=True, base=DocumentTask, name="sohoa.start_document", **RETRY)
def start_document(self: Task, document_id: str) -> None:
    """Open the original, make the page rows, queue the pages; or resume where it stopped.

    Sent once at ingest and again by the sweeper for a stalled document: a
    document past its pages gets its current step sent again, one at its pages
    gets its queued pages (those taken or done are skipped by their claims).
    """
    rt = runtime()
    with rt.session() as s:
        document = _active_document(s, document_id)
        if document is None:
            return
        step, original_key, sha256 = document.step, document.original_key, document.sha256
    if step in STEP_TASKS:
        send(document_id, lambda: STEP_TASKS[step].delay(document_id))
        return
    try:
        scan = local_scan(rt, original_key, sha256)
    except InputError as exc:
        _fail_document(rt, document_id, f"{exc.code}: {exc.reason}")
        return
    except STORAGE_FAILURES as exc:
        _fail_document(rt, document_id, f"stored original unusable: {exc}")
        return
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        repo.ensure_pages(s, document, scan.page_count)
        repo.set_document_status(s, document, "processing")
        if document.step is None:
            repo.set_step(s, document, journey.PAGES)
        waiting = [p.number for p in document.pages if p.status == "queued"]
        outcome = None if waiting else _settle(s, document_id)
    _follow(rt, document_id, outcome)
    priority = page_priority(scan.page_count)
    for lane in page_lanes(waiting, rt.settings.page_lanes):
        queue_page(document_id, lane, priority)


def page_priority(page_count: int) -> int:
    """The broker priority of a document's page tasks (0 first); see PAGE_PRIORITIES."""
    return next((p for most, p in PAGE_PRIORITIES if page_count <= most), LONGEST_PRIORITY)


def page_lanes(numbers: list[int], lanes: int) -> list[list[int]]:
    """Pages split into ``lanes`` lanes, each in page order: [1, 5, 9], [2, 6, 10], …"""
    ordered = sorted(numbers)
    return [ordered[i::lanes] for i in range(min(lanes, len(ordered)))]


def queue_page(document_id: str, lane: list[int], priority: int | None) -> None:
    """Queue the first page of ``lane``; the rest follow it one by one (``ocr_page``)."""
    if lane:
        send(
            document_id,
            lambda: ocr_page.apply_async((document_id, lane[0], lane[1:]), priority=priority),
        )


@app.task(bind=True, base=DocumentTask, name="sohoa.ocr_page", **RETRY)
def ocr_page(self: Task, document_id: str, number: int, lane: list[int] | None = None) -> None:
    """The page stage (``journey.run_page``) for one page; a page that fails fails alone.

    The other pages go on; once all are settled, the document is assembled, or
    failed with its failed pages' reasons (``sohoa reprocess`` runs those again).
    Whatever happened to this page, the next page of its lane is queued after it.
    A delivery that finds its page taken by another task, done or failed
    returns at once and queues nothing: the claimant keeps the lane going.
    """
    rt = runtime()
    try:
        ran = _ocr_page(rt, document_id, number, owner=self.request.id or "")
    except SoftTimeLimitExceeded:
        kill_marked(self.request.id)
        _page_over_time_limit(rt, document_id, number)
        ran = True
    if ran:
        priority = (self.request.delivery_info or {}).get("priority")
        queue_page(document_id, list(lane or ()), priority)


def _ocr_page(rt: Runtime, document_id: str, number: int, *, owner: str) -> bool:
    """Claim page ``number`` and run it; False when it was not this task's to run."""
    with rt.session() as s:
        document = _active_document(s, document_id)
        if document is None:
            return False
        if not repo.claim_page(s, document_id, number, owner, rt.settings.lease_seconds):
            return False  # taken by a live task, done, or failed until reprocessed
        tries = repo.get_page(s, document_id, number).tries
        original_key, sha256 = document.original_key, document.sha256
        prefix = document_prefix(document)
    with _page_heartbeat(rt, document_id, number, owner):
        _run_claimed_page(rt, document_id, number, tries, original_key, sha256, prefix)
    return True


def _run_claimed_page(
    rt: Runtime,
    document_id: str,
    number: int,
    tries: int,
    original_key: str,
    sha256: str,
    prefix: str,
) -> None:
    """Run page ``number``, claimed by this task, and record how it ended."""
    if tries > MAX_PAGE_TRIES:
        reason = f"page {number}: gave up after {MAX_PAGE_TRIES} tries that ended without a result"
        log.error("document %s: %s (see earlier errors in the worker logs)", document_id, reason)
        _page_failed(rt, document_id, number, reason)
        return
    try:
        scan = local_scan(rt, original_key, sha256)
    except STORAGE_FAILURES as exc:
        _fail_document(rt, document_id, f"stored original unusable: {exc}")
        return
    options = ocr_options(rt.settings, jobs=1, read_marks=True)
    try:
        result = journey.run_page(PageJob(source=scan.pages[number - 1], options=options))
    except PAGE_FAILURES as exc:
        reason = f"page {number}: {exc.reason if isinstance(exc, InputError) else exc}"
        _page_failed(rt, document_id, number, reason)
        return
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
        )
        outcome = _settle(s, document_id)
    _follow(rt, document_id, outcome)


# ---------------------------------------------------------------- document steps


def _claim_step(rt: Runtime, document_id: str, step: str, owner: str) -> bool:
    """Take ``step`` of the document for this task; False: a duplicate, or not its turn."""
    with rt.session() as s:
        return repo.claim_step(s, document_id, step, owner, rt.settings.lease_seconds)


def _page_heartbeat(rt: Runtime, document_id: str, number: int, owner: str) -> Heartbeat:
    """Renews this task's claim on the page while it runs (``pipeline.leases``)."""
    seconds = rt.settings.lease_seconds

    def renew() -> bool:
        with rt.session() as s:
            return repo.renew_page(s, document_id, number, owner, seconds)

    return Heartbeat(renew, seconds, f"document {document_id} page {number}")


def _step_heartbeat(rt: Runtime, document_id: str, step: str, owner: str) -> Heartbeat:
    """Renews this task's claim on the document's step while it runs."""
    seconds = rt.settings.lease_seconds

    def renew() -> bool:
        with rt.session() as s:
            return repo.renew_step(s, document_id, step, owner, seconds)

    return Heartbeat(renew, seconds, f"document {document_id} {step}")


def _advance(s: Any, document_id: str, step: str, owner: str) -> bool:
    """Move the document past ``step`` if this task still holds it (``repository.advance_step``).

    False: the step was taken over after this task's lease ran out (its worker
    looked dead); the new holder records the result, this one records nothing.
    """
    if repo.advance_step(s, document_id, step, owner, journey.next_step(step)):
        return True
    log.warning(
        "document %s: %s was taken over; this task's result is not recorded", document_id, step
    )
    return False


def _send_next(document_id: str, step: str) -> None:
    after = journey.next_step(step)
    if after in STEP_TASKS:
        send(document_id, lambda: STEP_TASKS[after].delay(document_id))


@app.task(bind=True, base=DocumentTask, name="sohoa.assemble", **RETRY)
def assemble(self: Task, document_id: str) -> None:
    """The searchable PDF, the text and the pages report, from the stored pages.

    The PDF carries the document's own date, so assembling twice writes the
    same bytes under the same names; the outputs are recorded only by the
    holder of the step, with the move to the next step.
    """
    rt, owner = runtime(), self.request.id or ""
    if not _claim_step(rt, document_id, journey.ASSEMBLE, owner):
        return
    with _step_heartbeat(rt, document_id, journey.ASSEMBLE, owner):
        with rt.session() as s:
            document = repo.get_document(s, document_id)
            prefix, created = document_prefix(document), document.created_at
            original_key, sha256, title = document.original_key, document.sha256, document.filename
        try:
            scan = local_scan(rt, original_key, sha256)
            pages = load_stored_pages(rt, document_id, with_images=True)
        except STORAGE_FAILURES as exc:
            _fail_document(rt, document_id, f"stored page results unusable: {exc}")
            return
        work = scratch_dir(rt, document_id)
        pdf_path = work / "searchable.pdf"
        text = journey.assemble(
            scan.path, [p.result for p in pages], pdf_path, title=Path(title).stem, created=created
        )
        pdf = rt.store.put_file(keys.searchable_pdf(prefix), pdf_path, "application/pdf")
        text_obj = rt.store.put_bytes(
            keys.text(prefix), text.encode("utf-8"), "text/plain; charset=utf-8"
        )
        report = {"pages": [p.stored.public() for p in pages]}
        report_obj = rt.store.put_bytes(
            keys.pages_report(prefix),
            json.dumps(report, ensure_ascii=False).encode("utf-8"),
            "application/json",
        )
        shutil.rmtree(work, ignore_errors=True)
        with rt.session() as s:
            if not _advance(s, document_id, journey.ASSEMBLE, owner):
                return
            repo.set_outputs(s, document_id, pdf=pdf, text=text_obj, pages=report_obj)
    _send_next(document_id, journey.ASSEMBLE)


@app.task(bind=True, base=DocumentTask, name="sohoa.classify", **RETRY)
def classify(self: Task, document_id: str) -> None:
    """Document type, fields and image cues, from the stored pages (``journey.classify``).

    The result is a function of the stored pages and the active model. A
    classifier that cannot run must not hold the document back: the failure is
    logged and the document is indexed as ``unclassified``, to be classified
    again on reprocess.
    """
    rt, owner = runtime(), self.request.id or ""
    if not _claim_step(rt, document_id, journey.CLASSIFY, owner):
        return
    with _step_heartbeat(rt, document_id, journey.CLASSIFY, owner):
        result = None
        try:
            pages = load_stored_pages(rt, document_id, with_images=False)
            result = journey.classify(active_classifier(rt), [p.result for p in pages])
        except RETRYABLE:
            raise
        except STORAGE_FAILURES as exc:
            _fail_document(rt, document_id, f"stored page results unusable: {exc}")
            return
        except Exception:
            log.exception("classification of %s failed; recorded as unclassified", document_id)
        with rt.session() as s:
            if not _advance(s, document_id, journey.CLASSIFY, owner):
                return
            document = repo.get_document(s, document_id)
            if result is not None:
                store_classification(document, result)
            elif document.document_type is None:
                document.document_type = "unclassified"
    _send_next(document_id, journey.CLASSIFY)


@app.task(bind=True, base=DocumentTask, name="sohoa.index", **RETRY)
def index(self: Task, document_id: str) -> None:
    """Search entries for the document, and ``done``: one transaction, so both or neither."""
    rt, owner = runtime(), self.request.id or ""
    if not _claim_step(rt, document_id, journey.INDEX, owner):
        return
    with _step_heartbeat(rt, document_id, journey.INDEX, owner), rt.session() as s:
        if not _advance(s, document_id, journey.INDEX, owner):
            return
        document = repo.get_document(s, document_id)
        index_document(s, document_id)
        repo.set_document_status(s, document, "done")
    notify(rt, document_id, "document.done")


# The task that runs each document step after the pages, by step name.
STEP_TASKS: dict[str, Task] = {
    journey.ASSEMBLE: assemble,
    journey.CLASSIFY: classify,
    journey.INDEX: index,
}


@worker_process_init.connect
def open_runtime(**_: Any) -> None:
    """Hand each worker child its own runtime as it starts (``runtime_after_fork``).

    Built here rather than on a task's first need, so that a child that cannot
    reach the database or the store says so when it starts, not mid-task.
    """
    runtime_after_fork()


# ---------------------------------------------------------------- helpers


def _active_document(s: Any, document_id: str) -> Any:
    """The document if it still needs work; None when gone, done or failed.

    Every task starts here, which is what makes a redelivered task harmless."""
    document = repo.get_document(s, document_id)
    if document is None or document.status in ("done", "failed"):
        return None
    return document


def _page_failed(rt: Runtime, document_id: str, number: int, reason: str) -> None:
    """Fail one page for good; the document ends once every page is settled."""
    with rt.session() as s:
        document = _active_document(s, document_id)
        if document is None:
            return
        page = repo.get_page(s, document_id, number)
        if page is None:
            return
        if page.status != "done":  # a time limit may strike just after the page was recorded
            repo.mark_page_failed(s, document_id, number, reason)
        outcome = _settle(s, document_id)
    _follow(rt, document_id, outcome)


def _page_over_time_limit(rt: Runtime, document_id: str, number: int) -> None:
    limit = rt.settings.page_time_limit
    reason = f"page {number}: {PAGE_TIME_LIMIT}: took over {limit} s (SOHOA_PAGE_TIME_LIMIT)"
    log.warning("document %s: %s", document_id, reason)
    _page_failed(rt, document_id, number, reason)


def _settle(s: Any, document_id: str) -> str | None:
    """Move the document on once its last page settled; what the caller must send.

    Asked in the transaction that recorded a page, under the document's lock,
    and decided from its counters (one row, whatever its page count). Of two
    pages settling at once exactly the later one finds every page settled, and
    only a document still at its pages moves: to ``assemble`` when all pages
    are done (:data:`journey.ASSEMBLE` returned), to ``failed`` naming its
    failed pages otherwise (:data:`FAILED` returned). ``None``: nothing to send.
    """
    document = repo.lock_document(s, document_id)
    active = document.status in ("queued", "processing")
    at_pages = document.step in (None, journey.PAGES)  # None: started before steps were kept
    if not (active and at_pages and repo.pages_settled(document)):
        return None
    if not document.pages_failed:
        repo.set_step(s, document, journey.ASSEMBLE)
        return journey.ASSEMBLE
    failed = repo.failed_pages(s, document_id)
    reasons = [reason or f"page {number}: failed" for number, reason in failed]
    reason = reasons[0]
    if len(reasons) > 1:
        reason = f"{len(reasons)} pages failed: " + "; ".join(reasons)
    _fail_in(s, document, reason)
    return FAILED


def _follow(rt: Runtime, document_id: str, outcome: str | None) -> None:
    """Send what ``_settle`` decided, once its transaction is committed."""
    if outcome == journey.ASSEMBLE:
        send(document_id, lambda: assemble.delay(document_id))
    elif outcome == FAILED:
        notify(rt, document_id, "document.failed")


def _fail_document(rt: Runtime, document_id: str, reason: str) -> None:
    """Fail the document with ``reason``, once: a duplicate finds it failed and says nothing."""
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        if document is None or document.status in ("done", "failed"):
            return
        document = repo.lock_document(s, document_id)
        if document.status in ("done", "failed"):
            return
        _fail_in(s, document, reason)
    notify(rt, document_id, "document.failed")


def _fail_in(s: Any, document: Any, reason: str) -> None:
    repo.set_document_status(s, document, "failed", reason)
    document.step_owner = document.step_until = None
    repo.record_audit(
        s,
        actor="worker",
        action="document.failed",
        object_type="document",
        object_id=document.id,
        detail={"reason": reason},
    )
