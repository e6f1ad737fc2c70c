"""Pages: their rows, their results recorded once, and the counters that say a document
is settled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vietnamese import nfc
from storage.models import (
    Document,
    Page,
)
from storage.repository.rows import clip_reason, lock_document, page_row


def ensure_pages(s: Session, document: Document, count: int) -> list[Page]:
    """Make sure pages ``1..count`` exist; returns all of the document's pages in order.

    Existing pages are never touched or duplicated, so a redelivered start task
    is harmless.
    """
    if count < 0:
        raise ValueError(f"page count {count} < 0")
    lock_document(s, document.id)
    existing = set(s.scalars(select(Page.number).where(Page.document_id == document.id)))
    missing = [n for n in range(1, count + 1) if n not in existing]
    s.add_all(Page(document_id=document.id, number=n, status="queued") for n in missing)
    s.flush()
    s.expire(document, ["pages"])
    return list(document.pages)


def get_page(s: Session, document_id: str, number: int) -> Page | None:
    """One page by its key, without loading the document's other pages."""
    return s.scalars(
        select(Page).where(Page.document_id == document_id, Page.number == number)
    ).one_or_none()


def page_objects(s: Session, document_id: str) -> list[Any]:
    """Where each page's stored results are, in page order: one query, no page text loaded."""
    return list(
        s.execute(
            select(
                Page.number, Page.result_key, Page.result_sha256, Page.image_key, Page.image_sha256
            )
            .where(Page.document_id == document_id)
            .order_by(Page.number)
        )
    )


def mark_page_done(
    s: Session,
    document_id: str,
    number: int,
    *,
    rotation: int | None,
    skew: float | None,
    confidence: float | None,
    text: str | None,
    image_key: str | None,
    image_sha256: str | None,
    result_key: str | None,
    result_sha256: str | None,
    thumbnail_key: str | None = None,
    thumbnail_sha256: str | None = None,
    timings: dict[str, float] | None = None,
    warnings: Sequence[str] = (),
) -> int:
    """Record page ``number``'s result; returns how many pages are still not done.

    Idempotent: marking a done page again overwrites it with the same result and
    the count stays right: ``pages_done`` grows only when a page becomes done,
    decided under the document's lock, so it costs one row, not a recount of
    the document's pages. The return value counts pages the document should
    have (``page_count``) that are not done yet. The page's lease ends here.
    """
    document = lock_document(s, document_id)
    page = page_row(s, document_id, number)
    if page.status != "done":
        document.pages_done += 1
    if page.status == "failed":
        document.pages_failed -= 1
    page.status = "done"
    page.lease_owner = page.lease_until = None
    page.timings = timings
    page.warnings = list(warnings) or None
    page.failure_reason = None
    page.rotation, page.skew, page.confidence = rotation, skew, confidence
    # NUL can come out of a PDF's own text layer; PostgreSQL refuses it in text.
    page.text = nfc(text).replace("\x00", "") if text is not None else None
    page.image_key, page.image_sha256 = image_key, image_sha256
    page.result_key, page.result_sha256 = result_key, result_sha256
    page.thumbnail_key, page.thumbnail_sha256 = thumbnail_key, thumbnail_sha256
    s.flush()
    return document.page_count - document.pages_done


def mark_page_failed(s: Session, document_id: str, number: int, reason: str) -> None:
    """Record that page ``number`` failed for good, and why (shown to the clerk)."""
    document = lock_document(s, document_id)
    page = page_row(s, document_id, number)
    if page.lease_owner is None:  # not counted by a claim: failed before it ran
        page.attempts += 1
    if page.status == "done":
        document.pages_done -= 1
    if page.status != "failed":
        document.pages_failed += 1
    page.status = "failed"
    page.lease_owner = page.lease_until = None
    page.failure_reason = clip_reason(reason)
    s.flush()


def pages_settled(document: Document) -> bool:
    """Every page of ``document`` done or failed, read from its counters (its row locked)."""
    return document.pages_done + document.pages_failed >= document.page_count


def failed_pages(s: Session, document_id: str) -> list[tuple[int, str | None]]:
    """(number, reason) of the document's failed pages, in page order."""
    rows = s.execute(
        select(Page.number, Page.failure_reason)
        .where(Page.document_id == document_id, Page.status == "failed")
        .order_by(Page.number)
    )
    return [(number, reason) for number, reason in rows]
