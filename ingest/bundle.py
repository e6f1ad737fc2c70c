"""Pictures that are the pages of one paper, bound into one PDF in the order given.

A citizen photographs a two-page paper page by page, or a clerk photographs a land
title's pages one by one: the pictures are one document, and classification, fields
and the archived PDF/A must see them as one. They are bound into a plain PDF of image
pages, which the rest of the journey reads like any scanned PDF:

- each picture is validated first (``open_scan``), so a bad one refuses the whole
  bundle with its own reason and nothing is bound;
- a JPEG shown as stored, or turned by its EXIF tag (3, 6, 8), is embedded byte for byte
  (the page's ``/Rotate`` does the turn), so nothing of it is lost; PNG and TIFF
  pages are embedded losslessly (Flate), and WebP and HEIC, already lossy, are decoded
  upright and stored as JPEG at quality 92;
- each page is sized so that it renders at the picture's own pixels: at the picture's
  resolution where that lies within the render range (``Limits.min_dpi``..``max_dpi``),
  at the range's end otherwise, so a small picture is never enlarged before OCR and
  its warning (``pipeline.page.page_warnings``) still sees how small its text is;
- the output is deterministic (no dates, a content-derived ID): the same pictures in
  the same order give the same bytes, so a retried upload finds its document again.

The pictures as sent are kept too, by the caller (``pipeline.intake``).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image, ImageOps

from core.limits import DEFAULT_LIMITS, Limits, size_text
from ingest.errors import TooLarge, UnsupportedType
from ingest.image_files import (
    exif_orientation,
    frame_resolution,
    open_image,
    pillow_guard,
)
from ingest.scan import open_scan
from ingest.sniff import Kind

PICTURE_KINDS: frozenset[Kind] = frozenset({"jpeg", "png", "tiff", "webp", "heif"})
# EXIF orientation → the page's clockwise /Rotate that shows the stored pixels upright.
_ROTATE_FOR_ORIENTATION = {1: 0, 3: 180, 6: 90, 8: 270}
# WebP and HEIC are lossy already; re-encoding at this quality adds no visible loss.
LOSSY_REENCODE_QUALITY = 92


@dataclass(frozen=True)
class Picture:
    """One picture handed in, as the clerk or the citizen named it."""

    path: Path
    filename: str


def bind_pictures(
    pictures: Sequence[Picture], target: Path, limits: Limits = DEFAULT_LIMITS
) -> Path:
    """Bind ``pictures`` (in order) into the PDF ``target``; raise ``InputError`` if unfit.

    Refusals name the picture: a PDF or a multi-page TIFF is not one picture
    (``unsupported_type``), more pictures than ``max_pages`` or a bound file over
    ``max_file_bytes`` are ``too_large``, and a picture that is itself unfit is refused
    for its own reason.
    """
    if not pictures:
        raise ValueError("no pictures to bind")
    if len(pictures) > limits.max_pages:
        raise TooLarge(
            pictures[0].path,
            f"{len(pictures)} pictures, more than the limit of {limits.max_pages} pages",
        )
    pdf = pikepdf.new()
    for number, picture in enumerate(pictures, start=1):
        scan = open_scan(picture.path, limits)
        if scan.kind not in PICTURE_KINDS or scan.page_count != 1:
            raise UnsupportedType(
                picture.path,
                f"picture {number} is a {scan.kind.upper()} of {scan.page_count} page(s): only "
                "single pictures (JPEG, PNG, TIFF, WebP, HEIC) are bound into one document",
            )
        _add_page(pdf, picture.path, scan.kind, limits)
    pdf.save(target, deterministic_id=True)
    size = target.stat().st_size
    if size > limits.max_file_bytes:
        target.unlink()
        raise TooLarge(
            pictures[0].path,
            f"the {len(pictures)} pictures bound together are {size_text(size)}, "
            f"more than the limit of {size_text(limits.max_file_bytes)}",
        )
    return target


def _add_page(pdf: pikepdf.Pdf, path: Path, kind: Kind, limits: Limits) -> None:
    with pillow_guard(path), open_image(path, kind) as image:
        orientation = exif_orientation(image) if kind == "jpeg" else 1
        dpi = max(frame_resolution(image))
        if (
            kind == "jpeg"
            and orientation in _ROTATE_FOR_ORIENTATION
            and image.mode
            in {
                "L",
                "RGB",
            }
        ):
            stored = _jpeg_as_is(pdf, path, image)
            rotate = _ROTATE_FOR_ORIENTATION[orientation]
        else:
            stored = _decoded(pdf, ImageOps.exif_transpose(image), lossy=kind in {"webp", "heif"})
            rotate = 0
        width, height = int(stored.Width), int(stored.Height)
    page_dpi = min(max(round(dpi), limits.min_dpi), limits.max_dpi)
    width_pt, height_pt = width * 72 / page_dpi, height * 72 / page_dpi
    page = pdf.add_blank_page(page_size=(width_pt, height_pt))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=stored))
    page.Contents = pdf.make_stream(
        f"q {width_pt:.4f} 0 0 {height_pt:.4f} 0 0 cm /Im0 Do Q".encode()
    )
    if rotate:
        page.Rotate = rotate


def _jpeg_as_is(pdf: pikepdf.Pdf, path: Path, image: Image.Image) -> pikepdf.Stream:
    """The JPEG's own bytes as the page image: nothing is decoded or lost."""
    stream = pikepdf.Stream(pdf, b"")
    stream.write(path.read_bytes(), filter=pikepdf.Name.DCTDecode)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width, stream.Height = image.size
    stream.ColorSpace = pikepdf.Name.DeviceGray if image.mode == "L" else pikepdf.Name.DeviceRGB
    stream.BitsPerComponent = 8
    return stream


def _decoded(pdf: pikepdf.Pdf, image: Image.Image, *, lossy: bool) -> pikepdf.Stream:
    """A decoded picture, upright: JPEG for lossy sources, Flate (lossless) otherwise."""
    grey = image.mode in {"1", "L", "I;16", "I"}
    pixels = image.convert("L" if grey else "RGB")
    if lossy:
        out = io.BytesIO()
        pixels.save(out, "JPEG", quality=LOSSY_REENCODE_QUALITY, optimize=True)
        data, filter_ = out.getvalue(), pikepdf.Name.DCTDecode
    else:
        data, filter_ = zlib.compress(pixels.tobytes(), 6), pikepdf.Name.FlateDecode
    stream = pikepdf.Stream(pdf, b"")
    stream.write(data, filter=filter_)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width, stream.Height = pixels.size
    stream.ColorSpace = pikepdf.Name.DeviceGray if grey else pikepdf.Name.DeviceRGB
    stream.BitsPerComponent = 8
    return stream
