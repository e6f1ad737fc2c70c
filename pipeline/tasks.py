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

The tasks' bookkeeping in the database (claims and their heartbeats, moving a
document on, settling and failing it) is ``pipeline.document_state``; a page's
turn in the queue and its run under its claim, ``pipeline.page_runs``.
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

from classifiers.checklists import load_procedures
from ingest.errors import InputError
from pipeline import journey
from pipeline.celery_app import app
from pipeline.claimants import claimant
from pipeline.classification import active_classifier, store_classification
from pipeline.document_state import (
    FAILED,
    STORAGE_FAILURES,
    active_document,
    advance,
    claim_step,
    fail_document,
    page_heartbeat,
    page_over_time_limit,
    settle,
    step_heartbeat,
)
from pipeline.messages import send
from pipeline.originals import release_all
from pipeline.page_runs import page_lanes, page_priority, run_claimed_page
from pipeline.programs import kill_marked, marked
from pipeline.runtime import Runtime, runtime, runtime_after_fork
from pipeline.stored_work import (
    document_prefix,
    load_stored_pages,
    local_scan,
    scratch_dir,
    trim_originals,
)
from pipeline.webhook_delivery import notify, notify_dossier
from storage import keys
from storage import repository as repo
from storage.objects import StoreUnavailable
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
# A task over SOHOA_PAGE_TIME_LIMIT: the soft limit's exception in the worker
# child, or the hard limit's report in the main process after it killed the child.
TIME_LIMITS = (SoftTimeLimitExceeded, TimeLimitExceeded)
# Reason code of a document step (start, assemble, classify, index) over its time limit.
STEP_TIME_LIMIT = "time_limit"


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
                fail_document(runtime(), call["document_id"], reason)
            return
        try:
            kill_marked(task_id)
            rt = runtime()
            if self.name == ocr_page.name:
                outcome = page_over_time_limit(rt, call["document_id"], call["number"])
                _follow(rt, call["document_id"], outcome)
                queue_page(call["document_id"], list(call.get("lane") or ()), None)
            else:
                limit = rt.settings.page_time_limit
                reason = f"{STEP_TIME_LIMIT}: {self.name} took over {limit} s"
                log.warning("document %s: %s", call["document_id"], reason)
                fail_document(rt, call["document_id"], f"{reason} (SOHOA_PAGE_TIME_LIMIT)")
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
        document = active_document(s, document_id)
        if document is None:
            return
        step, original_key, sha256 = document.step, document.original_key, document.sha256
    if step in STEP_TASKS:
        send(document_id, lambda: STEP_TASKS[step].delay(document_id))
        return
    try:
        scan = local_scan(rt, original_key, sha256)
    except InputError as exc:
        fail_document(rt, document_id, f"{exc.code}: {exc.reason}")
        return
    except STORAGE_FAILURES as exc:
        fail_document(rt, document_id, f"stored original unusable: {exc}")
        return
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        repo.ensure_pages(s, document, scan.page_count)
        repo.set_document_status(s, document, "processing")
        if document.step is None:
            repo.set_step(s, document, journey.PAGES)
        waiting = [p.number for p in document.pages if p.status == "queued"]
        outcome = None if waiting else settle(s, document_id)
    _follow(rt, document_id, outcome)
    priority = page_priority(scan.page_count)
    for lane in page_lanes(waiting, rt.settings.page_lanes):
        queue_page(document_id, lane, priority)


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
        ran = _ocr_page(rt, document_id, number, owner=claimant(self.request.id or ""))
    except SoftTimeLimitExceeded:
        kill_marked(self.request.id)
        _follow(rt, document_id, page_over_time_limit(rt, document_id, number))
        ran = True
    if ran:
        priority = (self.request.delivery_info or {}).get("priority")
        queue_page(document_id, list(lane or ()), priority)


def _ocr_page(rt: Runtime, document_id: str, number: int, *, owner: str) -> bool:
    """Claim page ``number`` and run it; False when it was not this task's to run."""
    with rt.session() as s:
        document = active_document(s, document_id)
        if document is None:
            return False
        if not repo.claim_page(s, document_id, number, owner, rt.settings.lease_seconds):
            return False  # taken by a live task, done, or failed until reprocessed
        tries = repo.get_page(s, document_id, number).tries
        original_key, sha256 = document.original_key, document.sha256
        prefix = document_prefix(document)
    with page_heartbeat(rt, document_id, number, owner):
        outcome = run_claimed_page(rt, document_id, number, tries, original_key, sha256, prefix)
        _follow(rt, document_id, outcome)
    return True


# ---------------------------------------------------------------- document steps


def _follow(rt: Runtime, document_id: str, outcome: str | None) -> None:
    """Send what ``document_state.settle`` decided, once its transaction is committed."""
    if outcome == journey.ASSEMBLE:
        send(document_id, lambda: assemble.delay(document_id))
    elif outcome == FAILED:
        notify(rt, document_id, "document.failed")


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
    rt, owner = runtime(), claimant(self.request.id or "")
    if not claim_step(rt, document_id, journey.ASSEMBLE, owner):
        return
    with step_heartbeat(rt, document_id, journey.ASSEMBLE, owner):
        with rt.session() as s:
            document = repo.get_document(s, document_id)
            prefix, created = document_prefix(document), document.created_at
            original_key, sha256, title = document.original_key, document.sha256, document.filename
        try:
            scan = local_scan(rt, original_key, sha256)
            pages = load_stored_pages(rt, document_id, with_images=True)
        except STORAGE_FAILURES as exc:
            fail_document(rt, document_id, f"stored page results unusable: {exc}")
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
            if not advance(s, document_id, journey.ASSEMBLE, owner):
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
    rt, owner = runtime(), claimant(self.request.id or "")
    if not claim_step(rt, document_id, journey.CLASSIFY, owner):
        return
    with step_heartbeat(rt, document_id, journey.CLASSIFY, owner):
        result = None
        try:
            pages = load_stored_pages(rt, document_id, with_images=False)
            result = journey.classify(active_classifier(rt), [p.result for p in pages])
        except RETRYABLE:
            raise
        except STORAGE_FAILURES as exc:
            fail_document(rt, document_id, f"stored page results unusable: {exc}")
            return
        except Exception:
            log.exception("classification of %s failed; recorded as unclassified", document_id)
        with rt.session() as s:
            if not advance(s, document_id, journey.CLASSIFY, owner):
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
    rt, owner = runtime(), claimant(self.request.id or "")
    if not claim_step(rt, document_id, journey.INDEX, owner):
        return
    with step_heartbeat(rt, document_id, journey.INDEX, owner), rt.session() as s:
        if not advance(s, document_id, journey.INDEX, owner):
            return
        document = repo.get_document(s, document_id)
        index_document(s, document_id)
        repo.set_document_status(s, document, "done")
        # Decided and recorded in this transaction: a redelivered index finds it claimed.
        completed = (
            repo.claim_completion(
                s, document.dossier_id, load_procedures(rt.settings.procedures_file)
            )
            if document.dossier.callback_url
            else None
        )
        completed_id = completed.id if completed is not None else None
    notify(rt, document_id, "document.done")
    if completed_id is not None:
        notify_dossier(rt, completed_id, "dossier.complete")


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
