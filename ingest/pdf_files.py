"""PDF scans: their pages, visible sizes, kept text, and the resolution each page is
rendered at; damaged page trees and truncated files refused."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pikepdf

from core.limits import Limits
from ingest.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    PasswordProtected,
    TooLarge,
)
from ingest.page_source import PageSource
from ingest.pdf_drawn_images import largest_image_dpi
from ingest.poppler import PopplerError, pdftotext_pages

#: A page "has text" (and is kept as is) with at least this many letters/digits.
MIN_TEXT_CHARS = 20


#: Readers require the PDF end marker within the last 1024 bytes; its absence means
#: the file was cut short (an interrupted upload or copy).
_PDF_TRAILER_WINDOW = 1024


_PIKEPDF_ERRORS = (pikepdf.PdfError, RuntimeError, ValueError, TypeError, KeyError)


def pdf_pages(path: Path, limits: Limits) -> tuple[PageSource, ...]:
    _check_pdf_end(path)
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as err:
        raise PasswordProtected(
            path,
            "the PDF needs a password to open; save or scan an unprotected copy",
        ) from err
    except _PIKEPDF_ERRORS as err:
        raise CorruptFile(path, f"the PDF is damaged beyond repair ({_first_line(err)})") from err
    with pdf:
        if pdf.is_encrypted:
            raise EncryptedPdf(
                path,
                "the PDF is encrypted or restricted (printing/copying limited); "
                "rescan it or save an unencrypted copy",
            )
        try:
            page_count = len(pdf.pages)
        except _PIKEPDF_ERRORS as err:
            raise CorruptFile(path, f"the PDF page list is damaged ({_first_line(err)})") from err
        _check_page_tree(path, pdf, page_count)
        if page_count == 0:
            raise EmptyFile(path, "the PDF has no pages")
        if page_count > limits.max_pages:
            raise TooLarge(
                path, f"the PDF has {page_count} pages, more than the limit of {limits.max_pages}"
            )
        # Every page's drawing instructions are measured before Poppler reads any.
        pages = [_pdf_page(path, pdf, index, limits=limits) for index in range(page_count)]
        texts = _page_texts(path, page_count)
        return tuple(
            replace(page, has_text=_has_text(text)) for page, text in zip(pages, texts, strict=True)
        )


#: What qpdf says when it drops a node of the page tree it could not read: the page
#: would silently go missing from the archive copy (or the file look empty).
_LOST_PAGE_WARNINGS = ("pages tree includes non-dictionary", "excessively deeply nested")


def _check_page_tree(path: Path, pdf: pikepdf.Pdf, page_count: int) -> None:
    """Refuse a PDF whose page tree qpdf had to prune while counting its pages.

    qpdf repairs what it cannot parse by ignoring it, so a page object nested
    100,000 arrays deep becomes "no pages" (or one page fewer): damage, not an empty
    file, and the clerk must know a page is unreadable rather than lose it.
    """
    warnings_seen = [str(w) for w in pdf.get_warnings()]
    lost = [w for w in warnings_seen if any(m in w.lower() for m in _LOST_PAGE_WARNINGS)]
    if lost or (page_count == 0 and warnings_seen):
        detail = (lost or warnings_seen)[0].replace(str(path), "").lstrip(" (:")
        raise CorruptFile(path, f"the PDF page list is damaged ({_first_line(detail)})")


def _check_pdf_end(path: Path) -> None:
    with open(path, "rb") as f:
        f.seek(max(0, f.seek(0, 2) - _PDF_TRAILER_WINDOW))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise CorruptFile(
            path, "the PDF is truncated (its end marker is missing); upload or copy it again"
        )


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _page_texts(path: Path, page_count: int) -> list[str]:
    """Text per page; when Poppler cannot extract it, every page counts as textless.

    Treating failure as "no text" only costs OCR time: the page is rasterised and
    recognised instead of kept, and rendering will report real damage.
    """
    try:
        return pdftotext_pages(path, page_count)
    except PopplerError:
        return [""] * page_count


def _has_text(text: str) -> bool:
    return sum(ch.isalnum() for ch in text) >= MIN_TEXT_CHARS


def _pdf_page(path: Path, pdf: pikepdf.Pdf, index: int, *, limits: Limits) -> PageSource:
    """The page's render geometry; ``has_text`` is filled in once Poppler has read the text."""
    try:
        page = pdf.pages[index]
        width_pt, height_pt = _visible_size_pt(page)
    except _PIKEPDF_ERRORS as err:
        raise CorruptFile(path, f"page {index + 1} is damaged ({_first_line(err)})") from err
    try:
        image_dpi = largest_image_dpi(page, limits, path=path, index=index)
    except _PIKEPDF_ERRORS:
        image_dpi = None  # a damaged drawing only costs the resolution guess
    if width_pt < 1 or height_pt < 1:
        raise CorruptFile(path, f"page {index + 1} has an empty page area")
    dpi = choose_pdf_dpi(image_dpi, limits)
    dpi = _fit_dpi(path, index, width_pt, height_pt, dpi, limits)
    width_px, height_px = render_size(width_pt, height_pt, dpi)
    return PageSource(
        path=path,
        kind="pdf",
        index=index,
        has_text=False,
        dpi=dpi,
        width_px=width_px,
        height_px=height_px,
    )


def _visible_size_pt(page: pikepdf.Page) -> tuple[float, float]:
    """Size of the crop box (clipped to the media box) as displayed, in points.

    This is the area Poppler renders with ``-cropbox``; ``/Rotate`` 90/270 swaps the
    axes. ``/UserUnit`` is ignored because Poppler ignores it too.
    """
    media = _box(page.mediabox)
    crop = _box(page.cropbox)
    width = max(0.0, min(crop[2], media[2]) - max(crop[0], media[0]))
    height = max(0.0, min(crop[3], media[3]) - max(crop[1], media[1]))
    if page.rotation % 180 == 90:
        width, height = height, width
    return width, height


def _box(array: pikepdf.Array) -> tuple[float, float, float, float]:
    """A PDF rectangle as (left, bottom, right, top), whichever corners it lists."""
    x1, y1, x2, y2 = (float(v) for v in array)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def render_size(width_pt: float, height_pt: float, dpi: float) -> tuple[int, int]:
    """Pixel size of a page rendered by ``pdftoppm -r dpi`` (same rounding as Poppler)."""
    return math.ceil(width_pt * dpi / 72), math.ceil(height_pt * dpi / 72)


def choose_pdf_dpi(image_dpi: float | None, limits: Limits) -> float:
    """Whole-number render dpi from the largest image's resolution; see module doc."""
    if image_dpi is None or not math.isfinite(image_dpi) or image_dpi <= 0:
        return float(limits.default_dpi)
    return float(min(max(round(image_dpi), limits.min_dpi), limits.max_dpi))


def _fit_dpi(
    path: Path, index: int, width_pt: float, height_pt: float, dpi: float, limits: Limits
) -> float:
    """Lower the dpi until the page fits ``max_pixels``, or refuse below ``min_dpi``."""
    width_px, height_px = render_size(width_pt, height_pt, dpi)
    if width_px * height_px <= limits.max_pixels:
        return dpi
    fit = math.floor(72 * math.sqrt(limits.max_pixels / (width_pt * height_pt)))
    while fit >= limits.min_dpi:
        width_px, height_px = render_size(width_pt, height_pt, fit)
        if width_px * height_px <= limits.max_pixels:
            return float(fit)
        fit -= 1
    width_px, height_px = render_size(width_pt, height_pt, limits.min_dpi)
    raise TooLarge(
        path,
        f"page {index + 1} is {width_pt / 72:.0f}×{height_pt / 72:.0f} inches; at "
        f"{limits.min_dpi:.0f} dpi that is {width_px}×{height_px} pixels, more than the "
        f"limit of {limits.max_pixels / 1e6:.0f} megapixels",
    )
