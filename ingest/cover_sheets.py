"""QR cover sheets: how one feeder-scanned PDF of many dossiers is split into its dossiers.

A counter's sheet-fed scanner takes a stack of dossiers at once. The clerk puts a
printed cover sheet (``api.printouts.cover_sheet_pdf``) on top of each dossier's
papers; every page after a cover sheet belongs to that dossier until the next
cover sheet. This module is pure: it reads a PDF and tells which pages go where
(:func:`split_batch`), and copies chosen pages into a PDF of their own
(:func:`write_part`). Filing the parts is the caller's (``pipeline.hot_folder``,
``api.routes_printouts``).

The QR payload
--------------
``SOHOA-COVER/1|<unit code>|<dossier code>``, both codes percent-encoded (RFC 3986
unreserved characters kept), so that:

* it can never be taken for a citizen's ID-card QR, whose payload starts with
  the 12-digit ID number (``ID12|CMND9|NAME|…``, ``classifiers.fields.id_card_qr``):
  ours starts with letters and has exactly three fields, theirs at least six;
  nor for the QR on a land title or a birth certificate (URLs, serials);
* a ``|`` or a Vietnamese letter in a code (``core.codes`` allows any printable
  character but ``/`` and ``\\``) cannot shift the fields, and the payload stays
  plain ASCII, which every QR reader returns unchanged whatever charset it guesses;
* the version (``/1``) lets a later format be told from this one instead of
  being misread: a sheet printed today must still be read, or refused, tomorrow.

Parsing is strict (:func:`parse_cover_payload`): anything that is not exactly a
version-1 payload in canonical form is ``None``, never a guess.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pikepdf
import zxingcpp
from PIL import Image

from core.codes import validate_code
from core.limits import DEFAULT_LIMITS, Limits
from ingest.errors import CorruptFile, UnsupportedType
from ingest.page_source import PageSource
from ingest.pdf_files import render_size
from ingest.rasterise import rasterise
from ingest.scan import open_scan

COVER_PREFIX = "SOHOA-COVER"
COVER_VERSION = 1
_HEAD = f"{COVER_PREFIX}/{COVER_VERSION}"
_SAFE = "-._~"  # RFC 3986 unreserved characters besides letters and digits: kept as they are

DETECT_DPI = 100.0
"""Resolution pages are rendered at to look for a cover sheet and for ink. The cover
QR is printed 80 mm wide with at most 41 modules (``api.printouts``), about 2 mm a
module: 7–8 pixels at 100 dpi, where zxing needs 2–3. An A4 page is then under one
megapixel, so rendering and decoding a page take a fraction of what the 200–400 dpi
of OCR would, on every page of a 100-page stack."""

DETECT_LONG_SIDE_PX = 1400
"""A picture (TIFF, JPEG…) is looked at no larger than this on its long side: A4 at
about 120 dpi, for the same reason as ``DETECT_DPI``."""

BLANK_INK_FRACTION = 0.001
"""A page with less of its area dark than this is a blank separator sheet. Measured
at ``DETECT_DPI`` (where a lone speck of dust averages out to grey): a page of only
two lines of 13 pt text 0.2 %, a full page 6 %; blank paper with heavy salt and
pepper noise 0.03–0.13 %. A page judged blank is not filed (its number is
reported), so the bar errs low: a noisy blank kept as a page costs less than a
near-empty page lost."""

DARK_LEVEL = 128
"""Grey level under which a pixel counts as ink (paper is ~240, print under 100)."""

BLANK_MARGIN = 0.05
"""Share of each edge left out when measuring ink: a scanner's lid and the sheet's
edges throw a dark border that is not on the paper."""


@dataclass(frozen=True, slots=True)
class CoverSheet:
    """What a cover sheet names: the dossier its following pages belong to."""

    unit: str
    dossier: str


@dataclass(frozen=True, slots=True)
class BatchPart:
    """A run of pages of a feeder scan, and where it goes.

    ``cover`` is None for the pages before the first cover sheet: they belong
    to no known dossier and ``refusal`` says so (they are reported, never
    dropped). ``cover_page`` is the page the cover sheet itself was on; it is
    in no part's ``pages``. ``pages`` are 1-based page numbers of the scanned
    PDF, blank sheets included; ``documents`` the same pages without the blank
    ones, split where a blank separator sheet was, one tuple per document.
    """

    cover: CoverSheet | None
    cover_page: int | None
    pages: tuple[int, ...]
    blank_pages: tuple[int, ...]
    documents: tuple[tuple[int, ...], ...]

    @property
    def refusal(self) -> str | None:
        """Why this part cannot be filed as it is (a stable code), or None."""
        if self.cover is None:
            return "no_cover_sheet"
        if not self.documents:
            return "empty_part"
        return None


REFUSALS = {
    "no_cover_sheet": (
        "pages before the first cover sheet belong to no dossier",
        "Có trang nằm trước tờ bìa đầu tiên nên không biết thuộc hồ sơ nào: "
        "hãy đặt tờ bìa lên trên cùng giấy tờ của mỗi hồ sơ rồi quét lại.",
    ),
    "empty_part": (
        "a cover sheet is followed by no page of its dossier",
        "Sau tờ bìa không có trang nào của hồ sơ: kiểm tra lại thứ tự giấy tờ rồi quét lại.",
    ),
}
"""Each refusal of a part: (English reason, Vietnamese sentence for the clerk)."""


# ------------------------------------------------------------------ the payload


def cover_payload(unit: str, dossier: str) -> str:
    """The QR text of a dossier's cover sheet; ValueError for a code the store refuses."""
    unit = validate_code(unit, "unit code")
    dossier = validate_code(dossier, "dossier code")
    return "|".join((_HEAD, _quote(unit), _quote(dossier)))


def parse_cover_payload(text: str) -> CoverSheet | None:
    """The cover sheet a QR text names, or None when it is not exactly one of ours."""
    fields = text.split("|")
    if len(fields) != 3 or fields[0] != _HEAD:
        return None
    try:
        unit, dossier = (_unquote(field) for field in fields[1:])
        cover = CoverSheet(validate_code(unit, "unit code"), validate_code(dossier, "dossier code"))
    except ValueError:
        return None
    # Only the one spelling cover_payload writes: a hand-made variant is not ours.
    return cover if cover_payload(cover.unit, cover.dossier) == text else None


def _quote(code: str) -> str:
    return urllib.parse.quote(code, safe=_SAFE, encoding="utf-8", errors="strict")


def _unquote(field: str) -> str:
    if not field:
        raise ValueError("empty field")
    return urllib.parse.unquote(field, encoding="utf-8", errors="strict")


# ------------------------------------------------------------------ one page


def find_cover_sheet(image: Image.Image) -> CoverSheet | None:
    """The cover sheet this page is, or None; other QR codes (ID cards…) are ignored.

    The page is looked at in grey (what zxing binarises anyway) and reduced to
    ``DETECT_LONG_SIDE_PX`` when larger. zxing finds a QR code in any rotation,
    so a sheet fed slightly askew, or upside down, is still read.
    """
    grey = _detection_image(image)
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    covers = {c for c in (parse_cover_payload(b.text) for b in found if b.text) if c is not None}
    # Two different cover codes on one page is no cover sheet we printed: say none,
    # so the page is filed (and seen) rather than guessed into one of the dossiers.
    return covers.pop() if len(covers) == 1 else None


def _detection_image(image: Image.Image) -> Image.Image:
    grey = image.convert("L")
    scale = DETECT_LONG_SIDE_PX / max(grey.size)
    if scale < 1:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.BOX)
    return grey


def ink_fraction(image: Image.Image) -> float:
    """Share of the page (inside ``BLANK_MARGIN``) darker than ``DARK_LEVEL``."""
    grey = np.asarray(_detection_image(image))
    h, w = grey.shape
    dy, dx = int(h * BLANK_MARGIN), int(w * BLANK_MARGIN)
    inner = grey[dy : h - dy or h, dx : w - dx or w]
    return float(np.count_nonzero(inner < DARK_LEVEL)) / max(1, inner.size)


def is_blank(image: Image.Image) -> bool:
    """True for a blank separator sheet (see ``BLANK_INK_FRACTION``)."""
    return ink_fraction(image) < BLANK_INK_FRACTION


# ------------------------------------------------------------------ a whole scan


@dataclass(frozen=True, slots=True)
class _PageLook:
    number: int
    cover: CoverSheet | None
    blank: bool


def split_batch(pdf_path: Path, limits: Limits = DEFAULT_LIMITS) -> list[BatchPart]:
    """Split a feeder-scanned PDF at its cover sheets: the parts, in page order.

    The file is validated by the same gate as every input (``ingest.scan``,
    within ``limits``); a file that is not a PDF is refused (``UnsupportedType``)
    since a feeder scan of several dossiers is always one. Each page is then
    rendered at ``DETECT_DPI`` by the project's rasteriser, within the same
    limits. A file with no cover sheet at all gives one part with ``cover``
    None: the caller decides where such a file goes.
    """
    scan = open_scan(pdf_path, limits)
    if scan.kind != "pdf":
        raise UnsupportedType(pdf_path, "a batch of dossiers must be one PDF")
    looks = [_look(page, limits) for page in scan.pages]
    return _parts(looks)


def _look(page: PageSource, limits: Limits) -> _PageLook:
    """Render one page small and say whether it is a cover sheet or a blank sheet."""
    width_pt, height_pt = page.width_px * 72 / page.dpi, page.height_px * 72 / page.dpi
    dpi = min(DETECT_DPI, page.dpi)
    width_px, height_px = render_size(width_pt, height_pt, dpi)
    small = replace(page, dpi=dpi, width_px=width_px, height_px=height_px)
    image = rasterise(small, limits).image
    cover = find_cover_sheet(image)
    return _PageLook(page.index + 1, cover, blank=cover is None and is_blank(image))


def _parts(looks: Sequence[_PageLook]) -> list[BatchPart]:
    parts: list[BatchPart] = []
    cover: CoverSheet | None = None
    cover_page: int | None = None
    run: list[_PageLook] = []

    def close() -> None:
        if cover is not None or run:
            parts.append(_part(cover, cover_page, run))

    for look in looks:
        if look.cover is not None:
            close()
            cover, cover_page, run = look.cover, look.number, []
        else:
            run.append(look)
    close()
    return parts


def _part(cover: CoverSheet | None, cover_page: int | None, run: list[_PageLook]) -> BatchPart:
    documents: list[tuple[int, ...]] = []
    current: list[int] = []
    for look in run:
        if look.blank:
            if current:
                documents.append(tuple(current))
            current = []
        else:
            current.append(look.number)
    if current:
        documents.append(tuple(current))
    return BatchPart(
        cover=cover,
        cover_page=cover_page,
        pages=tuple(look.number for look in run),
        blank_pages=tuple(look.number for look in run if look.blank),
        documents=tuple(documents),
    )


def has_cover_sheets(parts: Sequence[BatchPart]) -> bool:
    """Whether ``split_batch`` found any cover sheet (else the file is one plain scan)."""
    return any(part.cover is not None for part in parts)


def page_span(pages: Sequence[int]) -> str:
    """Pages as a clerk reads them: ``3``, ``3–5`` or ``3, 5, 7``."""
    if not pages:
        return ""
    if list(pages) == list(range(pages[0], pages[0] + len(pages))) and len(pages) > 1:
        return f"{pages[0]}–{pages[-1]}"
    return ", ".join(str(p) for p in pages)


# ------------------------------------------------------------------ writing a part


def write_part(pdf_path: Path, pages: Sequence[int], out_path: Path) -> Path:
    """Copy ``pages`` (1-based) of ``pdf_path`` into a PDF of their own at ``out_path``.

    The pages' streams are copied byte for byte (no decoding, no recompression:
    the scan is the evidence, and an image re-encoded is no longer what was
    scanned), and the file is written deterministically (no dates, an ID made
    from the content), so the same pages of the same scan give the same bytes
    every time: the intake's per-dossier SHA-256 check then recognises a part
    filed before, and a batch taken again after a crash duplicates nothing.
    """
    if not pages:
        raise ValueError("a part needs at least one page")
    try:
        with pikepdf.open(pdf_path) as source, pikepdf.new() as part:
            count = len(source.pages)
            for number in pages:
                if not 1 <= number <= count:
                    raise ValueError(f"page {number} is not in a PDF of {count} pages")
                part.pages.append(source.pages[number - 1])
            part.save(
                out_path,
                compress_streams=False,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                deterministic_id=True,
            )
    except (pikepdf.PdfError, RuntimeError) as err:
        raise CorruptFile(pdf_path, f"pages {page_span(pages)} could not be copied: {err}") from err
    return out_path
