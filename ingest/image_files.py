"""Image scans (JPEG, PNG, TIFF): their pages, their real resolution, and the checks
that refuse a truncated, bomb-like or lying image before it is decoded.

The resolution policy and Pillow's decompression-bomb guard are described in
``ingest.scan``."""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pillow_heif
from PIL import ExifTags, Image

from core.limits import Limits
from ingest.errors import (
    CorruptFile,
    TooLarge,
)
from ingest.page_source import PageSource
from ingest.sniff import Kind

_A3_LONG_SIDE_IN = 17.5


A4_LONG_SIDE_IN = 11.69


_CAMERA_DEFAULT_DPI = (72, 96)


_PLAUSIBLE_DPI = (70.0, 2400.0)


_MAX_DPI_ASPECT = 3.0


_SQUARE_TOLERANCE = 0.01


_PILLOW_FORMAT = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "webp": "WEBP", "heif": "HEIF"}

EXIF_KINDS = frozenset({"jpeg", "webp", "heif"})
"""Kinds whose EXIF orientation turns the picture (phone photos); a TIFF's or PNG's is
ignored, as scanners write pixels upright."""

_DECODED_TO_CHECK = frozenset({"jpeg", "webp", "heif"})
"""Kinds validated by decoding (cheap enough, and no structure to check without it)."""

# pillow-heif reads HEIC/HEIF (iPhone photos) through Pillow. It applies the file's own
# rotation and mirroring (irot/imir) and clears the EXIF orientation to match, so the
# EXIF step below never turns a HEIC twice.
pillow_heif.register_heif_opener()


# What Pillow raises on damaged data: decoders raise OSError, parsers SyntaxError,
# and malformed headers surface as the others.
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError)


_ORIENTATION_SWAPS_AXES = frozenset({5, 6, 7, 8})


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


def image_pages(
    path: Path, kind: Kind, limits: Limits, *, decode: bool = True
) -> tuple[PageSource, ...]:
    pages: list[PageSource] = []
    with pillow_guard(path), open_image(path, kind) as image:
        orientation = exif_orientation(image) if kind in EXIF_KINDS else 1
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
                if decode or kind in _DECODED_TO_CHECK:
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
    millions of pages is refused after ``max_pages + 1`` steps. The other kinds have
    one page: further frames of MPO, APNG, animated WebP or HEIF files are stereo
    views, depth maps, animation or thumbnails, not pages.
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
