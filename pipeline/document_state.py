"""A document's place in its journey, kept in the database: claimed, moved on, settled, failed.

The Celery tasks (``pipeline.tasks``) run the stages; this module is their
bookkeeping. A document step is run only by the task that claims it
(``repository.claim_step``), whose heartbeat (``pipeline.leases``) renews the
claim, page or step, while it runs; a step's result is recorded with the move
to the next step, and only while the task still holds it (:func:`advance`).
Once its last page is settled a document moves on to ``assemble``, or fails
naming its failed pages (:func:`settle`); a document that cannot go on fails
once, visibly, with its reason (:func:`fail_document`).

Nothing here sends a task message: :func:`settle` and the page failures return
what the caller must send once their transaction is committed.
"""

from __future__ import annotations

import logging
from typing import Any

from ingest.errors import InputError
from ocr.tesseract import TesseractError
from pipeline import journey
from pipeline.leases import Heartbeat
from pipeline.runtime import Runtime
from pipeline.stored_page import StoredPageCorrupt
from pipeline.webhook_delivery import notify
from storage import repository as repo
from storage.objects import ObjectCorrupt, ObjectMissing

log = logging.getLogger(__name__)

# What makes a page fail for good: its reason is shown to the clerk.
PAGE_FAILURES = (InputError, TesseractError)
# A stored file that is gone or no longer matches its checksum: retrying cannot
# help, and the document must say so instead of waiting forever.
STORAGE_FAILURES = (ObjectCorrupt, ObjectMissing, StoredPageCorrupt)
# Failures that the same bytes will always meet again: running the document once more
# cannot help (the input's own codes, ``ingest.errors``, and a stored file gone bad).
NO_RETRY = (
    "unsupported_type",
    "corrupt_file",
    "empty_file",
    "password_protected",
    "encrypted_pdf",
    "too_large",
    "invalid_input",
    "stored original unusable",
    "stored page results unusable",
)
# Reason code of a page over its time limit.
PAGE_TIME_LIMIT = "page_time_limit"
# What ``settle`` returns when the document failed in its transaction.
FAILED = "failed"


def active_document(s: Any, document_id: str) -> Any:
    """The document if it still needs work; None when gone, done or failed.

    Every task starts here, which is what makes a redelivered task harmless."""
    document = repo.get_document(s, document_id)
    if document is None or document.status in ("done", "failed"):
        return None
    return document


# ---------------------------------------------------------------- claims


def claim_step(rt: Runtime, document_id: str, step: str, owner: str) -> bool:
    """Take ``step`` of the document for this task; False: a duplicate, or not its turn."""
    with rt.session() as s:
        return repo.claim_step(s, document_id, step, owner, rt.settings.lease_seconds)


def page_heartbeat(rt: Runtime, document_id: str, number: int, owner: str) -> Heartbeat:
    """Renews this task's claim on the page while it runs (``pipeline.leases``)."""
    seconds = rt.settings.lease_seconds

    def renew() -> bool:
        with rt.session() as s:
            return repo.renew_page(s, document_id, number, owner, seconds)

    return Heartbeat(renew, seconds, f"document {document_id} page {number}")


def step_heartbeat(rt: Runtime, document_id: str, step: str, owner: str) -> Heartbeat:
    """Renews this task's claim on the document's step while it runs."""
    seconds = rt.settings.lease_seconds

    def renew() -> bool:
        with rt.session() as s:
            return repo.renew_step(s, document_id, step, owner, seconds)

    return Heartbeat(renew, seconds, f"document {document_id} {step}")


def advance(s: Any, document_id: str, step: str, owner: str) -> bool:
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


# ---------------------------------------------------------------- settling and failing


def settle(s: Any, document_id: str) -> str | None:
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


def page_failed(rt: Runtime, document_id: str, number: int, reason: str) -> str | None:
    """Fail one page for good; the document ends once every page is settled.

    Returns what :func:`settle` decided, for the caller to send."""
    with rt.session() as s:
        document = active_document(s, document_id)
        if document is None:
            return None
        page = repo.get_page(s, document_id, number)
        if page is None:
            return None
        if page.status != "done":  # a time limit may strike just after the page was recorded
            repo.mark_page_failed(s, document_id, number, reason)
        outcome = settle(s, document_id)
    return outcome


def page_over_time_limit(rt: Runtime, document_id: str, number: int) -> str | None:
    """Fail page ``number`` with its time limit as the reason (see :func:`page_failed`)."""
    limit = rt.settings.page_time_limit
    reason = f"page {number}: {PAGE_TIME_LIMIT}: took over {limit} s (SOHOA_PAGE_TIME_LIMIT)"
    log.warning("document %s: %s", document_id, reason)
    return page_failed(rt, document_id, number, reason)


def fail_document(rt: Runtime, document_id: str, reason: str) -> None:
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


def retry_can_help(reason: str | None) -> bool:
    """Whether processing a failed document again may succeed: not when it failed on its
    input (a corrupt page, a password) or on a stored file gone bad; yes for a crash, a
    time limit or an outage, which a later try may not meet."""
    return not any(code in (reason or "") for code in NO_RETRY)
