"""The document's journey as Celery tasks; the only place that knows its order.

    start_document ─┬─ ocr_page(1) ─┐
                    ├─ ocr_page(2) ─┼─ (last page done) → assemble → classify → index
                    └─ ocr_page(n) ─┘

Every task is idempotent and keyed by the document id (and page number): a task
delivered twice, after a worker was killed or a broker restarted, finds its work
done in the database and stops, or redoes it and overwrites the same objects
with the same bytes. Pages of one document run in parallel across workers; the
page task that completes the count starts assembly (if two do, the second
assembly rewrites identical results).
"""

from __future__ import annotations

import io
import json
import logging
import shutil
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from celery import Task
from celery.signals import worker_ready
from PIL import Image
from sqlalchemy.exc import DBAPIError, OperationalError

from ingest.errors import InputError
from ingest.poppler import pdftoppm_page, pdftotext_pages
from ingest.scan import Scan, open_scan
from ocr.pdf import EncodedImage, KeptPage, OcrPage, assemble_searchable_pdf
from ocr.tesseract import TesseractError
from ocr.vietnamese import nfc
from pipeline import egress, webhooks
from pipeline.celery_app import app
from pipeline.classification import classify_stored_document
from pipeline.context import PageJob, PageResult, words_from_report
from pipeline.page import process_page, thumbnail_png
from pipeline.runtime import Runtime, runtime
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
STORAGE_FAILURES = (ObjectCorrupt, ObjectMissing)
# Pages kept with their own text are rendered this coarsely for their thumbnail.
KEPT_THUMB_DPI = 30


@app.task(bind=True, name="sohoa.start_document", **RETRY)
def start_document(self: Task, document_id: str) -> None:
    rt = runtime()
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        if document is None or document.status == "done":
            return
        original_key, sha256 = document.original_key, document.sha256
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
        waiting = [p.number for p in document.pages if p.status != "done"]
    if not waiting:
        finish_document(document_id)
    for number in waiting:
        ocr_page.delay(document_id, number)


@app.task(bind=True, name="sohoa.ocr_page", **RETRY)
def ocr_page(self: Task, document_id: str, number: int) -> None:
    rt = runtime()
    with rt.session() as s:
        document = _active_document(s, document_id)
        if document is None:
            return
        page = next((p for p in document.pages if p.number == number), None)
        if page is None or page.status == "done":
            return
        original_key, sha256 = document.original_key, document.sha256
        prefix = _prefix(document)
    try:
        scan = local_scan(rt, original_key, sha256)
    except STORAGE_FAILURES as exc:
        _fail_document(rt, document_id, f"stored original unusable: {exc}")
        return
    options = rt.settings.ocr_options(jobs=1)
    try:
        result = process_page(PageJob(source=scan.pages[number - 1], options=options))
    except PAGE_FAILURES as exc:
        reason = f"page {number}: {exc.reason if isinstance(exc, InputError) else exc}"
        with rt.session() as s:
            repo.mark_page_failed(s, document_id, number, reason)
        _fail_document(rt, document_id, reason)
        return
    if result.kept:
        result = _with_existing_text(scan, result)
    image_obj, words_obj, thumb_obj = _store_page(rt, prefix, result)
    with rt.session() as s:
        remaining = repo.mark_page_done(
            s,
            document_id,
            number,
            rotation=result.rotation,
            skew=result.skew,
            confidence=result.confidence,
            text=result.text,
            image_key=image_obj.key if image_obj else None,
            image_sha256=image_obj.sha256 if image_obj else None,
            words_key=words_obj.key,
            words_sha256=words_obj.sha256,
            thumbnail_key=thumb_obj.key,
            thumbnail_sha256=thumb_obj.sha256,
        )
    if remaining == 0:
        finish_document(document_id)


def finish_document(document_id: str) -> None:
    (assemble.si(document_id) | classify.si(document_id) | index.si(document_id)).delay()


@app.task(bind=True, name="sohoa.assemble", **RETRY)
def assemble(self: Task, document_id: str) -> None:
    rt = runtime()
    with rt.session() as s:
        document = _active_document(s, document_id)
        if document is None:
            return
        prefix = _prefix(document)
        original_key, sha256, title = document.original_key, document.sha256, document.filename
        pages = [
            (p.number, p.words_key, p.words_sha256, p.image_key, p.image_sha256)
            for p in sorted(document.pages, key=lambda p: p.number)
        ]
    try:
        scan = local_scan(rt, original_key, sha256)
        reports, pdf_pages, texts = [], [], []
        for number, words_key, words_sha, image_key, image_sha in pages:
            report = json.loads(rt.store.get_bytes(words_key, words_sha))
            reports.append(report)
            texts.append(report["text"])
            if report["kept_existing_text"]:
                pdf_pages.append(KeptPage(source=scan.path, index=number - 1))
            else:
                data = rt.store.get_bytes(image_key, image_sha)
                image = EncodedImage(data=data, **report["image"])
                pdf_pages.append(
                    OcrPage(image=image, dpi=report["dpi"], words=words_from_report(report))
                )
    except STORAGE_FAILURES as exc:
        _fail_document(rt, document_id, f"stored page results unusable: {exc}")
        return
    work = _scratch(rt, document_id)
    pdf_path = work / "searchable.pdf"
    assemble_searchable_pdf(pdf_pages, pdf_path, title=Path(title).stem)
    pdf = rt.store.put_file(keys.searchable_pdf(prefix), pdf_path, "application/pdf")
    text = rt.store.put_bytes(
        keys.text(prefix), "\f".join(texts).encode("utf-8"), "text/plain; charset=utf-8"
    )
    report_obj = rt.store.put_bytes(
        keys.pages_report(prefix),
        json.dumps({"pages": [_public(r) for r in reports]}, ensure_ascii=False).encode("utf-8"),
        "application/json",
    )
    shutil.rmtree(work, ignore_errors=True)
    with rt.session() as s:
        repo.set_outputs(s, document_id, pdf=pdf, text=text, pages=report_obj)


@app.task(bind=True, name="sohoa.classify", **RETRY)
def classify(self: Task, document_id: str) -> None:
    """Document type, fields and image cues (``pipeline.classification``).

    Idempotent: the result is a function of the stored pages and the active
    model, written over whatever an earlier delivery wrote. A classifier that
    cannot run must not hold the document back: the failure is logged and the
    document is indexed as ``unclassified``, to be classified again on reprocess.
    """
    rt = runtime()
    with rt.session() as s:
        if _active_document(s, document_id) is None:
            return
    try:
        classify_stored_document(rt, document_id)
    except RETRYABLE:
        raise
    except STORAGE_FAILURES as exc:
        _fail_document(rt, document_id, f"stored page results unusable: {exc}")
    except Exception:
        log.exception("classification of %s failed; recorded as unclassified", document_id)
        with rt.session() as s:
            document = _active_document(s, document_id)
            if document is not None and document.document_type is None:
                document.document_type = "unclassified"


@app.task(bind=True, name="sohoa.index", **RETRY)
def index(self: Task, document_id: str) -> None:
    rt = runtime()
    with rt.session() as s:
        document = _active_document(s, document_id)
        if document is None:
            return
        index_document(s, document_id)
        repo.set_document_status(s, document, "done")
    notify(rt, document_id, "document.done")


class WebhookRejected(RuntimeError):
    """The receiver answered, but not with 2xx: try again later."""


@app.task(
    bind=True,
    name="sohoa.deliver_webhook",
    autoretry_for=(httpx.HTTPError, WebhookRejected, egress.HostUnresolvable),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=12,
)
def deliver_webhook(self: Task, url: str, event: str, event_id: str, body: str) -> None:
    """POST one signed event; the same body on every retry, a fresh signature each time.

    The URL is judged again here, on the addresses its host has now, and the
    request goes to those very addresses (``pipeline.egress``): a name that
    passed when the dossier was saved may point inside the network today. A
    refused URL is not retried (it would be refused again); the refusal is
    logged and audited as ``webhook.refused``.
    """
    rt = runtime()
    data = body.encode("utf-8")
    document_id = event_id.split(":", 1)[0]
    try:
        target = egress.check_url(url, egress.AllowList.parse(rt.settings.webhook_allow))
    except egress.EgressRefused as exc:
        log.warning("webhook for document %s not sent: %s", document_id, exc)
        _audit_webhook(rt, "webhook.refused", document_id, event, url, reason=exc.reason)
        return
    secret = webhooks.webhook_secret(rt.settings)
    response = egress.post(
        target,
        data,
        webhooks.headers(secret, event, event_id, data),
        timeout=rt.settings.webhook_timeout,
    )
    if not 200 <= response.status_code < 300:
        raise WebhookRejected(f"{url} answered {response.status_code}")
    _audit_webhook(rt, "webhook.delivered", document_id, event, url)


def _audit_webhook(
    rt: Runtime, action: str, document_id: str, event: str, url: str, **detail: str
) -> None:
    with rt.session() as s:
        repo.record_audit(
            s,
            actor="worker",
            action=action,
            object_type="document",
            object_id=document_id,
            detail={"event": event, "url": url, **detail},
        )


def notify(rt: Runtime, document_id: str, event: str) -> None:
    """Queue the event for the dossier's callback URL, if it has one."""
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        url = document.dossier.callback_url if document is not None else None
        if not url:
            return
        body = webhooks.event_body(event, document)
    event_id = json.loads(body)["id"]
    deliver_webhook.delay(url, event, event_id, body.decode("utf-8"))


@worker_ready.connect
def resume_unfinished(**_: Any) -> None:
    """Re-queue documents left queued or half done: the broker may have lost them."""
    rt = runtime()
    with rt.session() as s:
        ids = repo.unfinished_documents(s)
    for document_id in ids:
        start_document.delay(document_id)
    if ids:
        log.info("re-queued %d unfinished document(s)", len(ids))


# ---------------------------------------------------------------- helpers


def _active_document(s: Any, document_id: str) -> Any:
    """The document if it still needs work; None when gone, done or failed.

    Every task starts here, which is what makes a redelivered task harmless."""
    document = repo.get_document(s, document_id)
    if document is None or document.status in ("done", "failed"):
        return None
    return document


def local_scan(rt: Runtime, key: str, sha256: str) -> Scan:
    """The original on this worker's disk (fetched once, verified) and its validated pages."""
    path = rt.settings.work_dir / "originals" / sha256
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        rt.store.download(key, path, sha256)
    return _open_scan_cached(path, rt.settings.limits())


@lru_cache(maxsize=16)
def _open_scan_cached(path: Path, limits: Any) -> Scan:
    return open_scan(path, limits)


def _prefix(document: Any) -> str:
    dossier = document.dossier
    return keys.document_prefix(dossier.unit_code, dossier.code, document.id)


def _scratch(rt: Runtime, document_id: str) -> Path:
    path = rt.settings.work_dir / "assemble" / document_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def _with_existing_text(scan: Scan, result: PageResult) -> PageResult:
    """A page kept as it is: its own text, and a thumbnail rendered from it."""
    text = pdftotext_pages(scan.path, scan.page_count)[result.number - 1]
    rendered = Image.open(io.BytesIO(pdftoppm_page(scan.path, result.number, KEPT_THUMB_DPI)))
    return replace(result, text=nfc(text).strip(), thumbnail=thumbnail_png(rendered))


def _store_page(rt: Runtime, prefix: str, result: PageResult) -> tuple[Any, Any, Any]:
    report = result.report()
    report["text"] = result.text
    image_obj = None
    if result.image is not None:
        image = result.image
        report["image"] = {
            "width": image.width,
            "height": image.height,
            "colorspace": image.colorspace,
            "filter": image.filter,
            "decode_parms": image.decode_parms,
        }
        image_obj = rt.store.put_bytes(
            keys.page_image(prefix, result.number), image.data, "application/octet-stream"
        )
    words_obj = rt.store.put_bytes(
        keys.page_words(prefix, result.number),
        json.dumps(report, ensure_ascii=False).encode("utf-8"),
        "application/json",
    )
    if result.thumbnail is None:
        raise RuntimeError(f"page {result.number} has no thumbnail")  # a bug, not bad input
    thumb_obj = rt.store.put_bytes(
        keys.thumbnail(prefix, result.number), result.thumbnail, "image/png"
    )
    return image_obj, words_obj, thumb_obj


def _public(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "image"}


def _fail_document(rt: Runtime, document_id: str, reason: str) -> None:
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        if document is not None:
            repo.set_document_status(s, document, "failed", reason)
            repo.record_audit(
                s,
                actor="worker",
                action="document.failed",
                object_type="document",
                object_id=document_id,
                detail={"reason": reason},
            )
    notify(rt, document_id, "document.failed")
