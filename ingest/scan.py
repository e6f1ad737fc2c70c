"""Validate a scan file and describe each of its pages for rasterising.

:func:`open_scan` is the gate every input passes, on the command line and at
upload time, so it must be cheap and must refuse bad input with an
:class:`~ingest.errors.InputError` rather than a traceback. What it returns is plain,
picklable data (:class:`PageSource`) from which a worker process rasterises one page
without opening the whole document again.

Resolution (dpi) policy
-----------------------
Images are never resampled to a new resolution; ``dpi`` says what the pixels mean.

* The dpi stored in the file (JFIF/EXIF, PNG ``pHYs``, TIFF resolution tags) is
  used when plausible: between 70 and 2400, at most 3:1 between x and y, and not
  the 72/96 dpi that cameras, phones and editors write by default whatever the
  picture: 72 or 96 dpi is only believed when it makes the sheet no bigger than
  A3 (long side <= 17.5 in), since no one photographs an A0 sheet at 72 dpi.
* Otherwise the image is assumed to span an A4 page, long side 11.69 in, which
  is what clerks scan and photograph; phone photos have no real dpi.
* Non-square pixels (fax TIFFs at 204×98 dpi) are resampled to square pixels at
  the larger of the two resolutions, since OCR and the PDF page assume squares.

PDF pages are rendered at the resolution of the largest image drawn on the page
(image pixels over the inches it is drawn across, following the transformation
matrices of the content stream), rounded to a whole dpi and clamped to
``[min_dpi, max_dpi]``; ``default_dpi`` when the page draws no image. If that
would exceed ``max_pixels`` the dpi is lowered to fit, but never below
``min_dpi``: below that OCR suffers, so the page is refused as too large instead.

A PDF without pages is refused as :class:`EmptyFile`: like a 0-byte file it is a
readable file with nothing in it to digitise, and the cure is the same (rescan).

Pillow's decompression-bomb guard
---------------------------------
Pillow warns above ``Image.MAX_IMAGE_PIXELS`` (89 MP) and refuses above twice
that. Our own ``max_pixels`` check runs on the header size of every frame before
it is decoded; Pillow's warning is silenced only inside :func:`pillow_guard`
(``warnings.catch_warnings``, so never for other code) and its error becomes
:class:`TooLarge`. Pillow's global limit is left untouched, so it stays as a
backstop: a ``max_pixels`` above about 178 MP would also need it raised. (Before
Python 3.14 ``catch_warnings`` swaps process-wide filters, so in a threaded server
another thread may briefly share the silenced filter; nothing else is changed.)
Truncated images are only caught while ``ImageFile.LOAD_TRUNCATED_IMAGES`` keeps its
default ``False``; nothing in sohoa may set it.
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf
from PIL import ExifTags, Image

from core.limits import DEFAULT_LIMITS, Limits
from ingest.content import UnreadableStream, decoded_length
from ingest.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    PasswordProtected,
    TooLarge,
)
from ingest.poppler import PopplerError, pdftotext_pages
from ingest.sniff import Kind, sniff

#: A page "has text" (and is kept as is) with at least this many letters/digits.
MIN_TEXT_CHARS = 20

A4_LONG_SIDE_IN = 11.69
_CAMERA_DEFAULT_DPI = (72, 96)
_A3_LONG_SIDE_IN = 17.5
_PLAUSIBLE_DPI = (70.0, 2400.0)
_MAX_DPI_ASPECT = 3.0
_SQUARE_TOLERANCE = 0.01

#: Readers require the PDF end marker within the last 1024 bytes; its absence means
#: the file was cut short (an interrupted upload or copy).
_PDF_TRAILER_WINDOW = 1024

_PILLOW_FORMAT = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF"}

# What Pillow raises on damaged data: decoders raise OSError, parsers SyntaxError,
# and malformed headers surface as the others.
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError)
_PIKEPDF_ERRORS = (pikepdf.PdfError, RuntimeError, ValueError, TypeError, KeyError)

_ORIENTATION_SWAPS_AXES = frozenset({5, 6, 7, 8})


@dataclass(frozen=True, slots=True)
class PageSource:
    """Everything a worker needs to rasterise one page, as plain picklable data.

    ``dpi`` is the resolution to render a PDF page at, or the true resolution of an
    image; ``width_px``/``height_px`` is the size the raster will have (after EXIF
    rotation and squaring of pixels).
    """

    path: Path
    kind: Kind
    index: int
    has_text: bool
    dpi: float
    width_px: int
    height_px: int


@dataclass(frozen=True, slots=True)
class Scan:
    """A validated input file and its pages in order."""

    path: Path
    kind: Kind
    page_count: int
    pages: tuple[PageSource, ...]


def open_scan(path: Path, limits: Limits = DEFAULT_LIMITS, *, decode: bool = True) -> Scan:
    """Validate a scan file and describe its pages; raise an ``InputError`` if unfit.

    Images are decoded in full (a truncated upload must be caught now, not halfway
    through a batch); PDFs are parsed but not rendered. With ``decode=False`` (the
    API at upload time, where several uploads run at once) images are checked from
    their headers and a bounded decode instead: a PNG's compressed data is inflated
    in chunks and must fill every row, JPEGs decode at 1/8 scale as always, TIFF
    strips and tiles must lie inside the file; the worker's full decode reports
    whatever damage is left. ``OSError`` (missing or
    unreadable path) is not an ``InputError`` and propagates: it is the caller's or
    the system's fault, not the content's.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(path, "the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise TooLarge(
            path,
            f"the file is {_mib(size)}, more than the limit of {_mib(limits.max_file_bytes)}",
        )
    kind = sniff(path)
    if kind == "pdf":
        pages = _pdf_pages(path, limits)
    else:
        pages = _image_pages(path, kind, limits, decode=decode)
    return Scan(path=path, kind=kind, page_count=len(pages), pages=pages)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


# --- Images ------------------------------------------------------------------------


@contextmanager
def pillow_guard(path: Path, index: int | None = None) -> Iterator[None]:
    """Run Pillow code so that bombs become ``TooLarge`` and damage ``CorruptFile``.

    The warning filter is scoped to this block: ``DecompressionBombWarning`` is
    silenced because our own, stricter per-frame check has already run or will.
    ``index`` (0-based) names the page in the message.
    """
    where = f"page {index + 1}: " if index is not None else ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            yield
        except Image.DecompressionBombError as err:
            reason = f"{where}the image is too large to process safely ({err})"
            raise TooLarge(path, reason) from err
        except _PILLOW_ERRORS as err:
            raise CorruptFile(
                path, f"{where}the image is damaged or truncated and cannot be decoded ({err})"
            ) from err


def open_image(path: Path, kind: Kind) -> Image.Image:
    """Open an image of a known kind (header only); call inside :func:`pillow_guard`."""
    return Image.open(path, formats=[_PILLOW_FORMAT[kind]])


def check_frame_pixels(path: Path, image: Image.Image, index: int, limits: Limits) -> None:
    """Refuse a frame whose header declares more pixels than allowed, before decoding."""
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptFile(path, f"page {index + 1}: the image has no pixels ({width}×{height})")
    if width * height > limits.max_pixels:
        raise TooLarge(
            path,
            f"page {index + 1}: the image is {width}×{height} pixels, more than the limit "
            f"of {limits.max_pixels / 1e6:.0f} megapixels",
        )


def frame_resolution(image: Image.Image) -> tuple[float, float]:
    """The (x, y) dpi of the current frame, in its stored orientation; see module doc."""
    stored = _stored_dpi(image)
    width, height = image.size
    if stored is not None and _plausible_dpi(stored, width, height):
        return stored
    estimate = round(max(width, height) / A4_LONG_SIDE_IN, 1)
    return estimate, estimate


def _stored_dpi(image: Image.Image) -> tuple[float, float] | None:
    dpi = image.info.get("dpi")
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    return round(x, 1), round(y, 1)


def _plausible_dpi(dpi: tuple[float, float], width: int, height: int) -> bool:
    x, y = dpi
    low, high = _PLAUSIBLE_DPI
    if not (low <= x <= high and low <= y <= high):
        return False
    if max(x, y) / min(x, y) > _MAX_DPI_ASPECT:
        return False
    if round(x) in _CAMERA_DEFAULT_DPI and round(y) in _CAMERA_DEFAULT_DPI:
        return max(width / x, height / y) <= _A3_LONG_SIDE_IN
    return True


def exif_orientation(image: Image.Image) -> int:
    """EXIF orientation (1–8) of a JPEG; 1 when absent or unreadable."""
    try:
        value = int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except _PILLOW_ERRORS:
        return 1
    return value if 1 <= value <= 8 else 1


def output_geometry(
    width: int, height: int, dpi: tuple[float, float], orientation: int
) -> tuple[float, int, int, tuple[float, float]]:
    """Dpi, size and per-axis scale of the raster made from a frame.

    Applies the EXIF rotation (which swaps axes for orientations 5–8) and squares
    non-square pixels by scaling the coarser axis up to the finer resolution.
    Returns ``(dpi, width_px, height_px, (scale_x, scale_y))`` in output axes.
    """
    x_dpi, y_dpi = dpi
    if orientation in _ORIENTATION_SWAPS_AXES:
        width, height, x_dpi, y_dpi = height, width, y_dpi, x_dpi
    target = max(x_dpi, y_dpi)
    if abs(x_dpi - y_dpi) <= _SQUARE_TOLERANCE * target:
        return target, width, height, (1.0, 1.0)
    scale = (target / x_dpi, target / y_dpi)
    return target, round(width * scale[0]), round(height * scale[1]), scale


def _image_pages(
    path: Path, kind: Kind, limits: Limits, *, decode: bool = True
) -> tuple[PageSource, ...]:
    pages: list[PageSource] = []
    with pillow_guard(path), open_image(path, kind) as image:
        orientation = exif_orientation(image) if kind == "jpeg" else 1
        for index in _frame_indices(path, image, kind, limits):
            check_frame_pixels(path, image, index, limits)
            dpi = frame_resolution(image)
            out_dpi, width, height, _ = output_geometry(*image.size, dpi, orientation)
            if width * height > limits.max_pixels:
                raise TooLarge(
                    path, f"page {index + 1}: squaring the pixels would exceed the pixel limit"
                )
            if kind == "jpeg":
                _check_jpeg_data(path, image)
            with pillow_guard(path, index):
                if decode or kind == "jpeg":
                    _decode_fully(image, kind)  # may shrink the frame: sizes are taken before
                elif kind == "png":
                    _check_png_data(path)
                else:
                    _check_tiff_data(path, image, index)
            pages.append(
                PageSource(
                    path=path,
                    kind=kind,
                    index=index,
                    has_text=False,
                    dpi=out_dpi,
                    width_px=width,
                    height_px=height,
                )
            )
    return tuple(pages)


def _frame_indices(path: Path, image: Image.Image, kind: Kind, limits: Limits) -> Iterator[int]:
    """Seek through the pages of a multi-page TIFF, stopping at the page limit.

    Frames are counted by seeking rather than ``n_frames`` so that a TIFF declaring
    millions of pages is refused after ``max_pages + 1`` steps. JPEG and PNG have one
    page: further frames of MPO or APNG files are stereo views, depth maps or
    animation, not pages.
    """
    index = 0
    while True:
        yield index
        if kind != "tiff":
            return
        index += 1
        try:
            image.seek(index)
        except EOFError:
            return
        if index >= limits.max_pages:
            raise TooLarge(path, f"the file has more than {limits.max_pages} pages")


def _decode_fully(image: Image.Image, kind: Kind) -> None:
    """Decode every byte of the frame to catch truncation, as cheaply as possible.

    JPEG decodes at 1/8 scale (DCT scaling still reads the whole entropy-coded
    stream), which keeps validating a 100 MP photo at a few MB of memory.
    """
    if kind == "jpeg":
        image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
    image.load()


#: Every 8×8 block of a Huffman-coded JPEG (baseline or progressive) costs at least
#: one bit for its DC coefficient in the full-resolution component: 15,625 blocks,
#: about 1.9 KB, per megapixel. Less data cannot fill the declared size; libjpeg would
#: pad the rest with grey, so a 634-byte file "decodes" to a 144-megapixel blank page.
#: (Arithmetic-coded JPEGs, almost never written, could go below; they are held
#: to the same floor.)
JPEG_MIN_BYTES_PER_MEGAPIXEL = 1_900


def _check_jpeg_data(path: Path, image: Image.Image) -> None:
    """Refuse a JPEG whose file is too small to hold the pixels its header declares."""
    megapixels = image.width * image.height / 1e6
    size = path.stat().st_size
    if size < JPEG_MIN_BYTES_PER_MEGAPIXEL * megapixels:
        raise CorruptFile(
            path,
            f"the JPEG declares {image.width}×{image.height} pixels but holds only {size} "
            f"bytes, less than the {JPEG_MIN_BYTES_PER_MEGAPIXEL} bytes per megapixel any "
            "complete JPEG needs; most of the picture is missing",
        )


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: Adam7 passes: (first column, first row, column step, row step).
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def _png_raw_size(width: int, height: int, depth: int, colour: int, interlaced: bool) -> int:
    """Bytes a PNG's image data inflates to: each row is a filter byte plus its samples."""
    bits = depth * _PNG_CHANNELS.get(colour, 4)

    def rows(w: int, h: int) -> int:
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits + 7) // 8)

    if not interlaced:
        return rows(width, height)
    return sum(
        rows(
            (width - x + dx - 1) // dx if width > x else 0,
            (height - y + dy - 1) // dy if height > y else 0,
        )
        for x, y, dx, dy in _ADAM7
    )


def _check_png_data(path: Path) -> None:
    """Inflate a PNG's image data in chunks and check it fills every row, in constant memory.

    A PNG's compressed data carries its own checksum (zlib's Adler-32), so inflating
    it to the end catches truncation and damage as a full decode would, without ever
    holding more than a chunk of pixels.
    """
    with open(path, "rb") as handle:
        if handle.read(8) != _PNG_SIGNATURE:
            raise CorruptFile(path, "the PNG signature is damaged")
        inflater = zlib.decompressobj()
        expected = inflated = 0
        while True:
            head = handle.read(8)
            if len(head) < 8:
                raise CorruptFile(path, "the PNG is truncated (its end marker is missing)")
            length, kind = int.from_bytes(head[:4], "big"), head[4:]
            if kind == b"IHDR":
                header = handle.read(length)
                width, height = (
                    int.from_bytes(header[:4], "big"),
                    int.from_bytes(header[4:8], "big"),
                )
                expected = _png_raw_size(width, height, header[8], header[9], header[12] == 1)
                handle.seek(4, 1)
                continue
            if kind == b"IEND":
                break
            if kind != b"IDAT":
                handle.seek(length + 4, 1)
                continue
            remaining = length
            while remaining:
                data = handle.read(min(remaining, 1 << 20))
                if not data:
                    raise CorruptFile(path, "the PNG is truncated inside its image data")
                remaining -= len(data)
                try:
                    while data:
                        inflated += len(inflater.decompress(data, 1 << 20))
                        data = inflater.unconsumed_tail
                except zlib.error as err:
                    raise CorruptFile(path, f"the PNG image data is damaged ({err})") from err
                if inflated > expected:
                    raise CorruptFile(path, "the PNG image data is longer than its rows")
            handle.seek(4, 1)
    while not inflater.eof and inflated <= expected:
        out = inflater.decompress(b"", 1 << 20)
        if not out:
            break
        inflated += len(out)
    if not inflater.eof or inflated != expected:
        raise CorruptFile(
            path,
            f"the PNG image data fills {inflated} of the {expected} bytes its rows need: "
            "it is truncated or damaged",
        )


def _check_tiff_data(path: Path, image: Image.Image, index: int) -> None:
    """Every strip or tile of a TIFF frame must lie inside the file (truncation check)."""
    tags = getattr(image, "tag_v2", {})
    offsets = tags.get(273) or tags.get(324) or ()
    counts = tags.get(279) or tags.get(325) or ()
    size = path.stat().st_size
    if not offsets or len(offsets) != len(counts):
        raise CorruptFile(path, f"page {index + 1}: the TIFF frame lists no image data")
    if any(offset + count > size for offset, count in zip(offsets, counts, strict=True)):
        raise CorruptFile(
            path, f"page {index + 1}: the TIFF image data runs past the end of the file (truncated)"
        )


# --- PDFs --------------------------------------------------------------------------


def _pdf_pages(path: Path, limits: Limits) -> tuple[PageSource, ...]:
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


# --- Resolution of images drawn in a PDF -------------------------------------------

_MAX_FORM_DEPTH = 4

#: The only operators the walk needs; pikepdf drops every other instruction while
#: parsing, so a page of millions of path operators yields a handful of objects.
_WALKED_OPERATORS = "q Q cm Do BI ID EI"


class _ContentBudget:
    """Bytes of drawing instructions a reader may interpret for one page.

    Every content stream and every drawing of a form XObject is charged its
    inflated size before it is parsed (a form drawn 1000 times costs 1000 times,
    as it does a renderer), so a page over the limit is refused before anything
    large is decoded, and the walk's time is bounded by the same number.
    """

    def __init__(self, path: Path, index: int, limit: int) -> None:
        self.path, self.index, self.limit = path, index, limit
        self.remaining = limit
        self._lengths: dict[tuple[int, int], int] = {}
        self._parsed: dict[tuple[int, int], list] = {}

    def charge(self, stream: pikepdf.Object) -> None:
        if not isinstance(stream, pikepdf.Stream):
            return
        key = stream.objgen
        length = self._lengths.get(key)
        if length is None:
            try:
                length = decoded_length(stream, self.remaining)
            except UnreadableStream as err:
                raise CorruptFile(
                    self.path, f"page {self.index + 1}: {err}, which cannot be drawn"
                ) from err
            self._lengths[key] = length
        if length > self.remaining:
            raise TooLarge(
                self.path,
                f"page {self.index + 1}: its drawing instructions inflate to more than "
                f"the limit of {_mib(self.limit)}",
            )
        self.remaining -= length

    def instructions(self, stream: pikepdf.Object) -> list:
        """The walked operators of a charged form XObject, parsed once however often drawn."""
        key = stream.objgen
        if key not in self._parsed:
            self._parsed[key] = _instructions(stream)
        return self._parsed[key]


def _content_streams(page: pikepdf.Object) -> list[pikepdf.Object]:
    contents = page.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return list(contents)
    return [contents] if contents is not None else []


def largest_image_dpi(
    page: pikepdf.Page, limits: Limits = DEFAULT_LIMITS, *, path: Path = Path(), index: int = 0
) -> float | None:
    """Resolution of the image drawn over the largest area of the page, if any.

    Walks the content stream keeping the current transformation matrix, into form
    XObjects, because scanner software often wraps the page image in one. Inline
    images count only when no image XObject is drawn: they are rare in scans.
    (``pikepdf.get_objects_with_ctm`` is not used: it concatenates ``cm`` matrices
    in the wrong order, which swaps axes on rotated pages.) Raises ``TooLarge`` when
    the instructions walked inflate past ``limits.max_page_content_bytes``.
    """
    budget = _ContentBudget(path, index, limits.max_page_content_bytes)
    for stream in _content_streams(page.obj):
        budget.charge(stream)
    found: list[tuple[float, float]] = []  # (drawn area in pt², dpi)
    inline: list[tuple[float, float]] = []
    page_instructions = _instructions(page.obj)
    _walk(
        page_instructions,
        page.obj.get("/Resources"),
        pikepdf.Matrix(),
        (found, inline),
        0,
        frozenset(),
        budget,
    )
    found = found or inline
    if not found:
        return None
    return max(found)[1]


def _walk(
    instructions: list,
    resources: pikepdf.Object | None,
    ctm: pikepdf.Matrix,
    found: tuple[list[tuple[float, float]], list[tuple[float, float]]],
    depth: int,
    seen: frozenset[tuple[int, int]],
    budget: _ContentBudget,
) -> None:
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    stack: list[pikepdf.Matrix] = []
    for instruction in instructions:
        op = str(instruction.operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm" and len(instruction.operands) == 6:
            ctm = _matrix(instruction.operands) @ ctm
        elif op == "INLINE IMAGE":
            image = instruction.iimage
            _record(image.width, image.height, ctm, found[1])
        elif op == "Do" and isinstance(xobjects, pikepdf.Dictionary):
            xobject = xobjects.get(str(instruction.operands[0]))
            if not isinstance(xobject, pikepdf.Stream):
                continue
            subtype = xobject.get("/Subtype")
            if subtype == pikepdf.Name.Image:
                _record(xobject.get("/Width"), xobject.get("/Height"), ctm, found[0])
            elif subtype == pikepdf.Name.Form and depth < _MAX_FORM_DEPTH:
                key = xobject.objgen
                if key in seen:
                    continue
                budget.charge(xobject)
                matrix = xobject.get("/Matrix")
                form_ctm = _matrix(matrix) @ ctm if matrix is not None else ctm
                form_resources = xobject.get("/Resources", resources)
                form = budget.instructions(xobject)
                _walk(form, form_resources, form_ctm, found, depth + 1, seen | {key}, budget)


def _matrix(values: object) -> pikepdf.Matrix:
    return pikepdf.Matrix(*(float(v) for v in values))


def _instructions(stream: pikepdf.Object) -> list:
    """The walked operators of a page or stream whose size was charged; [] if unparsable."""
    try:
        return pikepdf.parse_content_stream(stream, _WALKED_OPERATORS)
    except pikepdf.PdfError:
        return []


def _record(
    width: object, height: object, ctm: pikepdf.Matrix, found: list[tuple[float, float]]
) -> None:
    """Note an image's drawn area and dpi: pixels over the length of its drawn edges."""
    try:
        width_px, height_px = float(width), float(height)
    except (TypeError, ValueError):
        return
    drawn_w = math.hypot(ctm.a, ctm.b) / 72
    drawn_h = math.hypot(ctm.c, ctm.d) / 72
    if width_px <= 0 or height_px <= 0 or drawn_w <= 0 or drawn_h <= 0:
        return
    area = abs(ctm.a * ctm.d - ctm.b * ctm.c)
    found.append((area, max(width_px / drawn_w, height_px / drawn_h)))
