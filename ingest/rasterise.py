"""Turn one page of a validated scan into a Pillow image for cleaning and OCR.

:func:`rasterise` needs nothing but the :class:`~ingest.page_source.PageSource`, so a
worker process (or a Celery task on another machine sharing the storage) renders its
page without re-validating the whole file. Every page comes out in one of two
modes, "L" or "RGB", upright and on a white background, so later stages never
handle alpha, palettes, CMYK, 16-bit samples or EXIF rotation.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from core.limits import DEFAULT_LIMITS, Limits
from ingest.errors import CorruptFile, TooLarge
from ingest.image_files import (
    EXIF_KINDS,
    check_frame_pixels,
    exif_orientation,
    frame_resolution,
    open_image,
    output_geometry,
    pillow_guard,
)
from ingest.page_source import PageSource
from ingest.poppler import PopplerError, PopplerOverLimit, pdftoppm_page

_WIDE_GREY_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N", "F"})


@dataclass(frozen=True, slots=True)
class RasterPage:
    """One page as pixels: ``image`` is mode "L" or "RGB"; ``dpi`` its resolution."""

    image: Image.Image
    dpi: float
    index: int


def rasterise(page: PageSource, limits: Limits = DEFAULT_LIMITS) -> RasterPage:
    """Render or decode one page; raise ``CorruptFile``/``TooLarge`` if it cannot be.

    Limits are checked again because the file may have changed since validation,
    and a worker must never trust the size it was told.
    """
    if page.width_px * page.height_px > limits.max_pixels:
        raise TooLarge(
            page.path,
            f"page {page.index + 1} would be {page.width_px}×{page.height_px} pixels, "
            f"more than the limit of {limits.max_pixels / 1e6:.0f} megapixels",
        )
    image = _render_pdf_page(page) if page.kind == "pdf" else _decode_image_page(page, limits)
    return RasterPage(image=image, dpi=page.dpi, index=page.index)


def _render_pdf_page(page: PageSource) -> Image.Image:
    number = page.index + 1
    try:
        ppm = pdftoppm_page(page.path, number, page.dpi, pixels=page.width_px * page.height_px)
    except PopplerOverLimit as err:
        raise TooLarge(page.path, f"page {number} is too costly to render: {err}") from err
    except PopplerError as err:
        raise CorruptFile(page.path, f"page {number} could not be rendered: {err}") from err
    if not ppm:
        raise CorruptFile(page.path, f"page {number} could not be rendered: no image produced")
    with pillow_guard(page.path, page.index), Image.open(io.BytesIO(ppm), formats=["PPM"]) as im:
        im.load()
        return _detached(normalise_mode(im), im)


def _decode_image_page(page: PageSource, limits: Limits) -> Image.Image:
    with pillow_guard(page.path, page.index), open_image(page.path, page.kind) as im:
        if page.index:
            im.seek(page.index)
        check_frame_pixels(page.path, im, page.index, limits)
        dpi = frame_resolution(im)
        orientation = exif_orientation(im) if page.kind in EXIF_KINDS else 1
        _, width, height, scale = output_geometry(*im.size, dpi, orientation)
        if width * height > limits.max_pixels:
            raise TooLarge(
                page.path, f"page {page.index + 1}: squaring the pixels would exceed the limit"
            )
        im.load()
        image = ImageOps.exif_transpose(im) if orientation != 1 else im
        image = normalise_mode(image)
        if scale != (1.0, 1.0):
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        return _detached(image, im)


def _detached(image: Image.Image, source: Image.Image) -> Image.Image:
    """A copy when ``image`` is still the opened file, whose pixels die when it closes."""
    return image.copy() if image is source else image


def normalise_mode(image: Image.Image) -> Image.Image:
    """Return the image as "L" (bilevel and grey) or "RGB" (everything else).

    Transparency is composed onto white paper: a transparent background must not
    come out black, which is what dropping the alpha channel would give.
    """
    mode = image.mode
    if mode in ("L", "RGB"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode in _WIDE_GREY_MODES:
        return _wide_to_grey(image)
    if mode in ("LA", "La"):
        return _onto_white(image.convert("LA"), "L")
    if image.has_transparency_data:
        return _onto_white(image.convert("RGBA"), "RGB")
    return image.convert("RGB")


def _onto_white(image: Image.Image, mode: str) -> Image.Image:
    paper = Image.new(mode, image.size, "white")
    paper.paste(image.convert(mode), mask=image.getchannel("A"))
    return paper


def _wide_to_grey(image: Image.Image) -> Image.Image:
    """16-bit, 32-bit or float grey to 8 bits, scaled to the depth actually used.

    Scanners often store 10- or 12-bit samples in 16-bit files; taking the top byte
    of those would give a near-black page, so the shift follows the largest value.
    """
    samples = np.asarray(image)
    if samples.dtype.kind == "f":
        peak = float(np.nanmax(samples)) if samples.size else 0.0
        scaled = np.nan_to_num(samples * (255.0 / peak if peak > 0 else 1.0))
        return Image.fromarray(np.clip(scaled, 0, 255).astype(np.uint8))
    samples = np.clip(samples, 0, 65535).astype(np.uint32)
    peak = int(samples.max()) if samples.size else 0
    shift = max(0, peak.bit_length() - 8)
    return Image.fromarray((samples >> shift).astype(np.uint8))
