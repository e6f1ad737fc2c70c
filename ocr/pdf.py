"""Assemble the searchable PDF/A-2b: each page's scan with the words invisibly on top.

The file is the legal digitised copy of a citizen's paper, so it is built to be
read by any viewer years from now (PDF/A-2b), to give back the Vietnamese text
exactly on extraction, and to stay small enough to store by the million. Pages
are encoded once, in the workers (:func:`encode_page_image`), and the bytes go
into the PDF untouched (:func:`assemble_searchable_pdf`), so there is neither a
second lossy pass nor an image codec in the parent process.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pikepdf
from pikepdf import Array, Dictionary, Name
from PIL import Image

from ocr.pdfa import PDF_VERSION, add_srgb_output_intent, set_pdfa_metadata
from ocr.sanitise import make_inert
from ocr.textlayer import FONT_RESOURCE, add_glyphless_font, clean_text, text_layer
from ocr.words import Word

_IMAGE_RESOURCE = Name("/Im0")

_TIFF_PHOTOMETRIC = 262
_TIFF_MIN_IS_BLACK = 1
_TIFF_FILL_ORDER = 266
_TIFF_ROWS_PER_STRIP = 278
_TIFF_STRIP_OFFSETS = 273
_TIFF_STRIP_BYTE_COUNTS = 279

_COLORSPACES = {"rgb": Name.DeviceRGB, "gray": Name.DeviceGray, "bilevel": Name.DeviceGray}


@dataclass(frozen=True)
class EncodedImage:
    """A page image already compressed as it will sit in the PDF stream.

    Small and picklable so workers can hand it to the parent. ``data`` is the
    stream's encoded bytes; samples mean what DeviceRGB/DeviceGray say (for a
    ``bilevel`` image under FlateDecode: 1 bit per pixel, rows padded to a byte,
    0 = black). ``decode_parms`` is the stream's /DecodeParms, if the filter needs one.
    """

    data: bytes
    width: int
    height: int
    colorspace: Literal["rgb", "gray", "bilevel"]
    filter: Literal["DCTDecode", "CCITTFaxDecode", "FlateDecode"]
    decode_parms: dict[str, int | bool] | None = None


def decode_image(image: EncodedImage) -> Image.Image:
    """The pixels of an encoded page image: what the classifier and the page view look at.

    Every encoding is decoded the way a PDF viewer would (pikepdf knows them
    all), so what is analysed is exactly what the archive copy shows.
    """
    pdf = pikepdf.new()
    stream = pikepdf.Stream(pdf, image.data)
    stream.Type, stream.Subtype = Name.XObject, Name.Image
    stream.Width, stream.Height = image.width, image.height
    stream.ColorSpace = _COLORSPACES[image.colorspace]
    stream.BitsPerComponent = 1 if image.colorspace == "bilevel" else 8
    stream.Filter = Name("/" + image.filter)
    if image.decode_parms:
        stream.DecodeParms = Dictionary({"/" + k: v for k, v in image.decode_parms.items()})
    return pikepdf.PdfImage(stream).as_pil_image()


@dataclass(frozen=True)
class OcrPage:
    """A scanned page: its image, its resolution and the words found on it.

    ``dpi`` sets the page size (points = pixels / dpi * 72); word boxes are pixels
    of ``image`` and ``Word.line`` orders the lines.
    """

    image: EncodedImage
    dpi: float
    words: Sequence[Word]


@dataclass(frozen=True)
class KeptPage:
    """A page of an input PDF that already has real text: copied, never OCRed twice.

    Its drawing is the sender's, not ours, so it may break PDF/A (unembedded fonts,
    transparency, ...); it is kept anyway, because losing content is worse than
    losing the conformance claim of one page. What is not drawing (scripts, links,
    attachments, form fields) is not kept: :func:`ocr.sanitise.make_inert` flattens
    or removes it.
    """

    source: Path
    index: int  # 0-based


def _flatten_on_white(image: Image.Image) -> Image.Image:
    """Composite away alpha: a soft mask would bring transparency into the archive copy."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba)


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Reduce any Pillow mode to the three the PDF stores: RGB, L or 1."""
    if image.mode in ("RGB", "L", "1"):
        return image
    if image.mode in ("LA", "La") or (image.mode == "P" and image.palette.mode == "L"):
        return _flatten_on_white(image).convert("L")
    if image.mode in ("RGBA", "RGBa", "PA") or "transparency" in image.info:
        return _flatten_on_white(image).convert("RGB")
    if image.mode.startswith("I;16"):
        # Deep grey from 16-bit scanners: keep the top 8 bits, which is all JPEG stores.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("I", "F"):
        return image.convert("L")
    return image.convert("RGB")


def _encode_jpeg(image: Image.Image, quality: int) -> EncodedImage:
    buffer = io.BytesIO()
    # 4:2:0 chroma: scans are black text on paper plus colour stamps and signatures,
    # whose colour survives at half resolution while the luma keeps the strokes.
    # Baseline (not progressive) so every reader decodes it; optimised Huffman
    # tables cost nothing at decode time. No ICC/EXIF: the output intent says sRGB.
    image.save(
        buffer,
        format="JPEG",
        quality=quality,
        subsampling="4:2:0",
        optimize=True,
        icc_profile=None,
        exif=b"",
    )
    return EncodedImage(
        data=buffer.getvalue(),
        width=image.width,
        height=image.height,
        colorspace="rgb" if image.mode == "RGB" else "gray",
        filter="DCTDecode",
    )


def _encode_ccitt_g4(image: Image.Image) -> EncodedImage:
    """G4 from Pillow's TIFF writer: one strip of it is exactly a CCITTFaxDecode stream."""
    buffer = io.BytesIO()
    image.save(
        buffer,
        format="TIFF",
        compression="group4",
        tiffinfo={_TIFF_ROWS_PER_STRIP: image.height},
    )
    with Image.open(io.BytesIO(buffer.getvalue())) as tiff:
        tags = tiff.tag_v2
        offsets = tags[_TIFF_STRIP_OFFSETS]
        counts = tags[_TIFF_STRIP_BYTE_COUNTS]
        photometric = tags.get(_TIFF_PHOTOMETRIC, 0)
        fill_order = tags.get(_TIFF_FILL_ORDER, 1)
    if len(offsets) != 1 or fill_order != 1:
        raise ValueError(f"unexpected G4 TIFF layout: {len(offsets)} strips, fill {fill_order}")
    data = buffer.getvalue()[offsets[0] : offsets[0] + counts[0]]
    return EncodedImage(
        data=data,
        width=image.width,
        height=image.height,
        colorspace="bilevel",
        filter="CCITTFaxDecode",
        decode_parms={
            "K": -1,
            "Columns": image.width,
            "Rows": image.height,
            # libtiff codes 0-bits as white runs; Pillow writes "1" as MinIsBlack,
            # where 0-bits are black, so the runs must be read inverted.
            "BlackIs1": photometric == _TIFF_MIN_IS_BLACK,
        },
    )


def encode_page_image(image: Image.Image, *, jpeg_quality: int = 60) -> EncodedImage:
    """Compress a cleaned page for the PDF: RGB and L as JPEG, 1-bit as CCITT G4.

    Quality 60 with 4:2:0 keeps 200–300 dpi text sharp to read while an A4 colour
    page stays far below 0.5 MB; bi-level pages are lossless and tiny in G4.
    Other modes are reduced first (alpha flattened onto white, palettes expanded).
    """
    if not 1 <= jpeg_quality <= 95:
        raise ValueError(f"jpeg_quality must be within 1..95, got {jpeg_quality}")
    image = _normalise_mode(image)
    if image.mode == "1":
        return _encode_ccitt_g4(image)
    return _encode_jpeg(image, jpeg_quality)


def flate_encoded(image: Image.Image) -> EncodedImage:
    """Lossless alternative to :func:`encode_page_image`, for callers that must not lose detail.

    Much larger than JPEG for photographs of paper; meant for small images and tests.
    """
    image = _normalise_mode(image)
    colorspace: Literal["rgb", "gray", "bilevel"] = {"RGB": "rgb", "L": "gray", "1": "bilevel"}[
        image.mode
    ]
    return EncodedImage(
        data=zlib.compress(image.tobytes(), 9),
        width=image.width,
        height=image.height,
        colorspace=colorspace,
        filter="FlateDecode",
    )


def _image_xobject(pdf: pikepdf.Pdf, image: EncodedImage) -> pikepdf.Stream:
    """The encoded bytes as an image XObject, never decoded or re-encoded."""
    stream = pikepdf.Stream(pdf, image.data)
    stream.Type = Name.XObject
    stream.Subtype = Name.Image
    stream.Width = image.width
    stream.Height = image.height
    stream.ColorSpace = _COLORSPACES[image.colorspace]
    stream.BitsPerComponent = 1 if image.colorspace == "bilevel" else 8
    stream.Filter = Name("/" + image.filter)
    if image.decode_parms:
        stream.DecodeParms = Dictionary({"/" + k: v for k, v in image.decode_parms.items()})
    stream.Interpolate = False  # PDF/A forbids true; false keeps scans crisp when zoomed
    return stream


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _ocr_page(pdf: pikepdf.Pdf, page: OcrPage, font: pikepdf.Object | None) -> pikepdf.Dictionary:
    """One page: the image filling the MediaBox, the text layer in pixel units above it."""
    if page.dpi <= 0:
        raise ValueError(f"dpi must be positive, got {page.dpi}")
    image = page.image
    width, height = _num(image.width * 72 / page.dpi), _num(image.height * 72 / page.dpi)
    content = [f"q {width} 0 0 {height} 0 0 cm {_IMAGE_RESOURCE} Do Q\n".encode("ascii")]
    resources = Dictionary(XObject=Dictionary({str(_IMAGE_RESOURCE): _image_xobject(pdf, image)}))
    if font is not None:
        scale = _num(72 / page.dpi)
        content.append(f"q {scale} 0 0 {scale} 0 0 cm\n".encode("ascii"))
        content.append(text_layer(page.words, image_height=image.height))
        content.append(b"Q\n")
        resources.Font = Dictionary({str(FONT_RESOURCE): font})
    return Dictionary(
        Type=Name.Page,
        MediaBox=Array([0, 0, Decimal(width), Decimal(height)]),
        Resources=resources,
        Contents=pikepdf.Stream(pdf, b"".join(content)),
    )


def _has_text(page: OcrPage) -> bool:
    return any(clean_text(word.text) for word in page.words)


def _characters(pages: Sequence[OcrPage | KeptPage]) -> set[str]:
    return {
        character
        for page in pages
        if isinstance(page, OcrPage)
        for word in page.words
        for character in clean_text(word.text)
    }


def assemble_searchable_pdf(
    pages: Sequence[OcrPage | KeptPage],
    output: Path,
    *,
    title: str | None = None,
    lang: str = "vi",
    when: datetime | None = None,
) -> None:
    """Write ``pages`` in order to ``output`` as one PDF/A-2b file.

    OCR pages become image + invisible text; kept pages are copied from their
    source PDFs with their content unchanged, annotations flattened and every
    active part removed (:func:`ocr.sanitise.make_inert`). The file is written
    in place (the caller renames it atomically). Equal input gives equal bytes,
    apart from the dates (now, unless ``when`` is given) and the /ID derived from
    them. ``title`` goes to dc:title and /Title when given.
    """
    if not pages:
        raise ValueError("a PDF needs at least one page")
    with pikepdf.new() as pdf, ExitStack() as sources:
        opened: dict[Path, pikepdf.Pdf] = {}
        font: pikepdf.Object | None = None
        characters = _characters(pages)
        for page in pages:
            if isinstance(page, KeptPage):
                if page.source not in opened:
                    opened[page.source] = sources.enter_context(pikepdf.open(page.source))
                # Copying pulls in everything the page refers to; the source stays
                # open until save because pikepdf copies foreign objects lazily.
                pdf.pages.append(opened[page.source].pages[page.index])
                continue
            if font is None and _has_text(page):
                font = add_glyphless_font(pdf, characters)
            page_font = font if _has_text(page) else None
            pdf.pages.append(pikepdf.Page(_ocr_page(pdf, page, page_font)))
        # Every path to an output PDF (the CLI, the pipeline's assemble task)
        # comes through here, so no path can skip this.
        make_inert(pdf)
        pdf.Root.Lang = pikepdf.String(lang)
        add_srgb_output_intent(pdf)
        set_pdfa_metadata(pdf, title=title, lang=lang, when=when)
        pdf.save(
            output,
            force_version=PDF_VERSION,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            compress_streams=True,
        )
