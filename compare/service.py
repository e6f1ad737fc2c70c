"""An officer's comparison of a copy with its original, from stored pages to a stored record.

The pages were cleaned and OCR'd when the documents went through the pipeline;
comparing needs only what was stored for them (page image and words), so it
runs in the request, in a second or two a page, without a worker. The result,
the overlay images and who asked are stored together (``comparisons``), so the
officer's decision can be shown, exported and audited later exactly as it was.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC

from PIL import Image
from sqlalchemy.orm import Session

from compare.engine import PageView, compare_documents
from compare.report import SideInfo, comparison_pdf
from pipeline.runtime import Runtime
from pipeline.stored_page import StoredPage
from storage.models import Comparison, Document, Page, utcnow

PREFIX = "comparisons"


class NotComparable(ValueError):
    """The request names pages that cannot be compared (missing, not digitised, mismatched)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Side:
    document_id: str
    pages: tuple[int, ...]


def pages_to_compare(document: Document, page: int | None) -> tuple[int, ...]:
    """The page asked for, or every page of a digitised document."""
    if document.status != "done":
        raise NotComparable("document_not_ready", f"document {document.id} is {document.status}")
    if page is None:
        return tuple(range(1, document.page_count + 1))
    if not 1 <= page <= document.page_count:
        raise NotComparable("page_not_found", f"document {document.id} has no page {page}")
    return (page,)


def pair_pages(original: Side, copy: Side) -> list[tuple[int, int]]:
    if len(original.pages) != len(copy.pages):
        raise NotComparable(
            "page_count_mismatch",
            f"the original has {len(original.pages)} page(s) to compare, the copy "
            f"{len(copy.pages)}: name one page of each",
        )
    return list(zip(original.pages, copy.pages, strict=True))


def page_view(rt: Runtime, document_id: str, number: int) -> PageView:
    with rt.session() as s:
        page = s.query(Page).filter_by(document_id=document_id, number=number).one_or_none()
        if page is None or not (page.image_key and page.result_key):
            raise NotComparable(
                "page_not_comparable",
                f"page {number} of document {document_id} has no stored scan image "
                "(a page that already carried text is not compared)",
            )
        keys = (page.image_key, page.image_sha256, page.result_key, page.result_sha256)
    image_key, image_sha, result_key, words_sha = keys
    stored = StoredPage.from_bytes(rt.store.get_bytes(result_key, words_sha))
    if stored.image is None:
        raise NotComparable("page_not_comparable", f"page {number} has no stored scan image")
    encoded = stored.image.with_data(rt.store.get_bytes(image_key, image_sha))
    return PageView.from_encoded(encoded, stored.words, stored.result.dpi)


def run_comparison(rt: Runtime, original: Side, copy: Side, *, actor: str) -> str:
    """Compare, store the overlays and the result; returns the comparison's id.

    The record keeps both documents' units, read here from the documents
    themselves: whoever reads it later must see both (a comparison shows both
    documents' words), so a caller cannot file it under one unit only.
    """
    pairs = pair_pages(original, copy)
    views = [
        (page_view(rt, original.document_id, a), page_view(rt, copy.document_id, b))
        for a, b in pairs
    ]
    result = compare_documents(views)
    comparison_id = str(uuid.uuid4())
    overlays = []
    for number, page in enumerate(result.pages, start=1):
        if page.overlay is None:
            continue
        data = _png(page.overlay)
        stored = rt.store.put_bytes(overlay_key(comparison_id, number), data, "image/png")
        overlays.append({"page": number, "key": stored.key, "sha256": stored.sha256})
    body = result.to_json()
    for entry, (a, b) in zip(body["pages"], pairs, strict=True):
        entry["original_page"], entry["copy_page"] = a, b
    with rt.session() as s:
        original_unit, copy_unit = (_unit_of(s, side.document_id) for side in (original, copy))
        s.add(
            Comparison(
                id=comparison_id,
                actor=actor,
                unit_code=copy_unit,
                original_unit_code=original_unit,
                original_document_id=original.document_id,
                original_pages=[a for a, _ in pairs],
                copy_document_id=copy.document_id,
                copy_pages=[b for _, b in pairs],
                verdict=result.verdict,
                difference_count=result.difference_count,
                # differences or manual_check: the officer's attention queue shows it
                attention_at=utcnow() if result.verdict != "identical" else None,
                result=body,
                overlays=overlays,
            )
        )
    return comparison_id


def _unit_of(s: Session, document_id: str) -> str:
    document = s.get(Document, document_id)
    if document is None:
        raise NotComparable("document_not_found", f"no document {document_id}")
    return document.dossier.unit_code


def overlay_key(comparison_id: str, page: int) -> str:
    return f"{PREFIX}/{comparison_id}/page-{page}-overlay.png"


def overlay_png(rt: Runtime, comparison: Comparison, page: int) -> bytes | None:
    for entry in comparison.overlays or []:
        if entry["page"] == page:
            return rt.store.get_bytes(entry["key"], entry["sha256"])
    return None


def report_pdf(rt: Runtime, comparison_id: str) -> bytes:
    """The PDF report of a stored comparison (regenerated, deterministic but for fpdf's dates)."""
    with rt.session() as s:
        comparison = s.get(Comparison, comparison_id)
        if comparison is None:
            raise LookupError(comparison_id)
        sides = [
            _side_info(
                s.get(Document, comparison.original_document_id),
                "Bản chính",
                comparison.original_pages,
            ),
            _side_info(
                s.get(Document, comparison.copy_document_id), "Bản sao", comparison.copy_pages
            ),
        ]
        overlays = [
            Image.open(io.BytesIO(data))
            for entry in comparison.overlays or []
            if (data := rt.store.get_bytes(entry["key"], entry["sha256"]))
        ]
        return comparison_pdf(
            comparison_id=comparison.id,
            officer=comparison.actor,
            created_at=comparison.created_at.astimezone(UTC).isoformat(timespec="seconds"),
            original=sides[0],
            copy=sides[1],
            result=comparison.result,
            overlays=overlays,
        )


def _side_info(document: Document | None, role: str, pages: Sequence[int]) -> SideInfo:
    if document is None:  # deleted since: the record still says what was compared
        return SideInfo(role, "-", "-", "-", "-", "-", _pages_text(pages))
    return SideInfo(
        role,
        document.id,
        document.dossier.code,
        document.dossier.unit_code,
        document.filename,
        document.sha256,
        _pages_text(pages),
    )


def _pages_text(pages: Sequence[int]) -> str:
    if not pages:
        return "-"
    return str(pages[0]) if len(pages) == 1 else f"{pages[0]}–{pages[-1]}"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
