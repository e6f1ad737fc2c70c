"""The certified electronic copy: the searchable PDF/A, an attestation page, a PAdES signature.

What the officer certifies is the digitised document as it is: its pages are not
touched. The attestation (``Chứng thực bản sao đúng với bản chính``, number, book,
date, officer, unit, a QR code of the verification address) is a **page of its own
appended after the last page**, not a block drawn on the last page: a scan has no
known blank area, and a block over the image would hide part of what is certified
(Decree 23/2015 puts the attestation on the copy's last page; the appended page is
the copy's last page, and the signature binds it to the pages before it). Then the
unit's key signs the whole file (PAdES baseline B-B, ``ETSI.CAdES.detached``), with
the visible signature Decree 30/2020 appendix I asks of digitised copies: top right
of page 1, no image, the signer and the ISO-8601 signing time in a Times-compatible
10 pt black font.

The result stays PDF/A-2b (fonts embedded, metadata and document information kept
in step, no transparency) and is a function of its inputs and the signing time:
certifying again with the same time writes the same bytes.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import math
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pikepdf
import zxingcpp
from fontTools import subset as font_subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from fpdf import FPDF
from PIL import Image, ImageFont
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.api import FontSubsetCollection
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR, DocumentMetadata
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.stamp import TextStampStyle

from certify.signing_keys import Signer

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
REGULAR = FONT_DIR / "LiberationSerif-Regular.ttf"
BOLD = FONT_DIR / "LiberationSerif-Bold.ttf"
ITALIC = FONT_DIR / "LiberationSerif-Italic.ttf"
"""Liberation Serif: metric-compatible with Times New Roman, which Decree 30/2020 names,
with every Vietnamese letter, and free to embed (PDF/A embeds every font)."""

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
"""Decree 30/2020 appendix I: the signing time in Vietnam's time zone (UTC+07:00)."""

SIGNATURE_FIELD = "ChungThucBanSao"
SIGNATURE_PT = 10
"""Decree 30/2020 appendix I: the visible signature's text is 10 pt, upright, black."""
SIGNATURE_MARGIN_PT = 14.0
"""From the top and right edges of page 1 to the signature box (about 5 mm)."""
SIGNATURE_PADDING_PT = 3
SIGNATURE_LEADING_PT = 12
"""Integers: pyHanko's layout computes aspect ratios as Fractions. 12 pt is the usual
line height of 10 pt type."""
SIGNED_BY = "Ký bởi: "
SIGNED_AT = "Thời gian ký: "

ATTESTATION = "Chứng thực bản sao đúng với bản chính"
"""The attestation's wording (Decree 23/2015, form of the certification stamp); the
classifier finds it on paper copies with the same text."""

PAGE_WIDTH_MM = 210.0
MARGIN_MM = 20.0
QR_SIDE_MM = 40.0
"""Printed side of the QR code with its quiet zone: a verification address of about
80 characters is a version 5–7 symbol at error correction Q, so about 1 mm a module,
which a phone reads from a print or a screen."""
QR_ERROR_CORRECTION = "Q"
QR_MODULE_PX = 8
"""Pixels a module is drawn with in the embedded image; only the ratio to
``QR_SIDE_MM`` matters, and whole pixels keep every edge sharp (as ``api/printouts``)."""


@dataclass(frozen=True)
class Certification:
    """What the register recorded for one certification, as the copy prints it."""

    number: int
    book: str  # e.g. "12/2026-SCTĐT/BS"
    certified_on: date
    officer_name: str
    officer_title: str
    unit_name: str
    document_label: str  # the document type's Vietnamese label, e.g. "Giấy khai sinh"
    verification_url: str


@dataclass(frozen=True)
class SignedCopy:
    """The certified electronic copy and what the register keeps of it."""

    pdf: bytes
    signed_at: datetime
    sha256: str  # of the whole file: what the register records and verification compares
    signer: str


def vietnamese_date(day: date) -> str:
    """``Ngày 05 tháng 3 năm 2026``: Decree 30/2020 appendix I writes a zero before a
    day under 10 and a month under 3 (so that no digit can be added in front)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"Ngày {day.day:02d} tháng {month} năm {day.year}"


def iso_time(moment: datetime) -> str:
    """The signing time as ISO 8601 in Vietnam's time zone, to the second."""
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def qr_image(payload: str) -> Image.Image:
    """The QR code of ``payload`` (error correction Q, quiet zone included) as a 1-bit
    image for fpdf to scale; drawn as ``api/printouts.qr_image`` draws it, which this
    layer may not import (``api`` sits above ``certify``)."""
    barcode = zxingcpp.create_barcode(
        payload, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR_CORRECTION
    )
    modules = np.asarray(
        zxingcpp.write_barcode_to_image(barcode, scale=QR_MODULE_PX, add_quiet_zones=True)
    )
    return Image.fromarray(modules.astype(np.uint8), "L").convert("1")


def attestation_page(certification: Certification, copy_pages: int) -> bytes:
    """A one-page A4 PDF with the attestation, in the order of the paper stamp."""
    c = certification
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.add_font("Serif", "", str(REGULAR))
    pdf.add_font("Serif", "B", str(BOLD))
    pdf.add_font("Serif", "I", str(ITALIC))
    pdf.set_creation_date(datetime.combine(c.certified_on, time(), VIETNAM))
    pdf.add_page()
    width = PAGE_WIDTH_MM - 2 * MARGIN_MM

    pdf.set_font("Serif", "B", 13)
    pdf.multi_cell(width, 7, c.unit_name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("Serif", "B", 16)
    pdf.cell(width, 9, ATTESTATION, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Serif", "", 13)
    pdf.multi_cell(
        width,
        7,
        f"Giấy tờ: {c.document_label}. Bản sao điện tử gồm {copy_pages} trang, "
        "kèm trang chứng thực này.",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    for line in (f"Số chứng thực: {c.number}", f"Quyển số: {c.book}"):
        pdf.cell(width, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "I", 13)
    pdf.cell(width, 7, vietnamese_date(c.certified_on), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    column_x, column_w = PAGE_WIDTH_MM / 2, PAGE_WIDTH_MM / 2 - MARGIN_MM
    for style, text, gap in (
        ("B", "Người thực hiện chứng thực", 0),
        ("I", "(Đã ký số)", 4),
        ("", c.officer_title, 0),
        ("B", c.officer_name, 0),
    ):
        pdf.set_x(column_x)
        pdf.set_font("Serif", style, 13)
        pdf.multi_cell(column_w, 7, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    qr_top = 297.0 - MARGIN_MM - QR_SIDE_MM
    pdf.image(qr_image(c.verification_url), x=MARGIN_MM, y=qr_top, w=QR_SIDE_MM)
    pdf.set_xy(MARGIN_MM + QR_SIDE_MM + 4, qr_top + 6)
    pdf.set_font("Serif", "", 11)
    pdf.multi_cell(
        width - QR_SIDE_MM - 4,
        6,
        "Quét mã QR hoặc mở địa chỉ dưới đây để kiểm tra chữ ký số và sổ chứng thực:",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.multi_cell(width - QR_SIDE_MM - 4, 6, c.verification_url, new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())


def attested_pdf(searchable: bytes, certification: Certification) -> bytes:
    """The searchable PDF/A with the attestation page appended, not yet signed.

    The document's pages, output intent and metadata are kept as they are; the
    file's /ID is derived from the content, so equal input gives equal bytes."""
    with (
        pikepdf.open(io.BytesIO(searchable)) as pdf,
        pikepdf.open(io.BytesIO(attestation_page(certification, len(pdf.pages)))) as page,
    ):
        pdf.pages.append(page.pages[0])
        # pyHanko sets the XMP's pdf:Producer to its own name and appends that name to
        # /Producer unless already there: written now, the two still agree after
        # signing, as PDF/A asks of the document information and the XMP (ISO 19005-2
        # §6.6.2.3.1).
        pdf.docinfo["/Producer"] = VENDOR
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()


class _PinnedTimeWriter(IncrementalPdfFileWriter):
    """pyHanko's incremental writer with the signing time instead of the clock.

    pyHanko writes /ModDate (and the XMP's ModifyDate) as "now" and draws the
    trailer's second /ID at random; both are pinned here (ModDate to the signing
    time, /ID from the signed input and that time) so that a copy is a function of
    its inputs and its signing time."""

    def __init__(self, data: bytes, signing_time: datetime) -> None:
        super().__init__(io.BytesIO(data))
        self._signing_time = signing_time
        first = self._document_id[0]
        second = hashlib.sha256(data + iso_time(signing_time).encode()).digest()[:16]
        self._document_id = generic.ArrayObject([first, generic.ByteStringObject(second)])

    def get_subset_collection(self, base_postscript_name: str) -> FontSubsetCollection:
        if base_postscript_name not in self._font_resources:
            self._font_resources[base_postscript_name] = _NamedSubsets(base_postscript_name)
        return self._font_resources[base_postscript_name]

    def _update_meta(self) -> None:
        self._meta = _PinnedMetadata.pinned(self._meta, self._signing_time)
        super()._update_meta()


class _PinnedMetadata(DocumentMetadata):
    """Metadata whose "last modified: now" means the signing time."""

    _pin: datetime

    @classmethod
    def pinned(cls, meta: DocumentMetadata, moment: datetime) -> _PinnedMetadata:
        copy = cls(**{name: getattr(meta, name) for name in meta.__dataclass_fields__})
        object.__setattr__(copy, "_pin", moment)
        return copy

    def __setattr__(self, name: str, value: object) -> None:
        pin = getattr(self, "_pin", None)  # unset while the dataclass initialises
        if name == "last_modified" and value == "now" and pin is not None:
            value = pin
        super().__setattr__(name, value)


PDF_GLYPH_UNITS = 1000
"""PDF measures glyph widths in thousandths of an em (ISO 32000-1 §9.2.4)."""


@functools.cache
def _signature_font() -> bytes:
    """Liberation Serif redrawn on a 1000-unit em, without hinting.

    pyHanko (0.38) writes a TrueType font's widths and kerning in the font's own units
    into /W and TJ, which PDF reads as thousandths of an em; Liberation Serif has 2048
    units, so every glyph was drawn twice as far apart as it should be and the /W
    widths disagreed with the embedded font (a PDF/A error). On a 1000-unit em the two
    agree. Hinting is dropped: its programs are in the old units, and a 10 pt
    signature line needs none. The font's timestamp is kept, so the bytes are stable."""
    font = TTFont(str(REGULAR), recalcTimestamp=False)
    options = font_subset.Options()
    options.hinting = False
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    scale_upem(font, PDF_GLYPH_UNITS)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class _SignatureFontFactory(GlyphAccumulatorFactory):
    """pyHanko's font factory, reading the rescaled font from memory."""

    def create_font_engine(self, writer, obj_stream=None):  # type: ignore[no-untyped-def]
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        engine = GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_signature_font()),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )
        # fontTools stamps the subset it saves with the clock (head.modified): keep the
        # font's own date, so that the embedded subset is a function of the text.
        engine.tt.recalcTimestamp = False
        return engine


@dataclass(frozen=True)
class _NamedSubsets(FontSubsetCollection):
    """Font subsets tagged from their font's name, not drawn at random (pyHanko draws
    the six-letter tag ISO 32000-1 §9.6.4 asks for with ``random``), for stable bytes."""

    def add_subset(self) -> str:
        seed = f"{self.base_postscript_name}/{len(self.subsets)}".encode()
        digest = hashlib.sha256(seed).digest()
        return "".join(chr(ord("A") + b % 26) for b in digest[:6])


class _TimedPdfSigner(PdfSigner):
    """A ``PdfSigner`` that signs at a given time: the same instant goes into the CMS
    signingTime, the signature's /M and the visible text."""

    def __init__(self, *args: object, signing_time: datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):  # type: ignore[no-untyped-def]
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._signing_time
        return session


def signature_text(signer_name: str, signing_time: datetime) -> list[str]:
    """The visible signature's lines: who signed, and when (ISO 8601, +07:00)."""
    return [SIGNED_BY + signer_name, SIGNED_AT + iso_time(signing_time)]


def _text_box(lines: list[str]) -> tuple[float, float]:
    """Width and height (pt) of ``lines`` at ``SIGNATURE_PT``, with padding: the box is
    made to fit the text, so pyHanko never scales it below 10 pt."""
    font = ImageFont.truetype(str(REGULAR), SIGNATURE_PT * 100)
    width = max(font.getlength(line) for line in lines) / 100
    height = SIGNATURE_LEADING_PT * len(lines)
    return width + 2 * SIGNATURE_PADDING_PT + 2, height + 2 * SIGNATURE_PADDING_PT


def signature_box(data: bytes, lines: list[str]) -> tuple[int, int, int, int]:
    """The signature rectangle at the top right of page 1, in its user space.

    OCR pages of the searchable PDFs sohoa writes have no /Rotate; a born-digital
    page kept with a /Rotate would show the box at another corner (not handled yet)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        left, bottom, right, top = (float(v) for v in page.cropbox)
    width, height = _text_box(lines)
    x2, y2 = right - SIGNATURE_MARGIN_PT, top - SIGNATURE_MARGIN_PT
    x1, y1 = max(left, x2 - width), max(bottom, y2 - height)
    return (math.floor(x1), math.floor(y1), math.floor(x2), math.floor(y2))


def _stamp_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="%(lines)s",
        text_box_style=TextBoxStyle(
            font=_SignatureFontFactory(str(REGULAR), font_size=SIGNATURE_PT),
            font_size=SIGNATURE_PT,
            leading=SIGNATURE_LEADING_PT,
            # pyHanko's default puts 10 pt around the text inside the box: the box is
            # already fitted to the text, so that margin pushed the lines out of it.
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins.uniform(0),
            ),
        ),
        border_width=0,  # Decree 30/2020: text only, no image, no frame
        background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(SIGNATURE_PADDING_PT),
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
    )


async def sign_pdf_async(
    data: bytes, signer: Signer, signing_time: datetime, *, reason: str = ATTESTATION
) -> bytes:
    """Sign ``data`` with a visible PAdES-B-B signature at ``signing_time``."""
    lines = signature_text(signer.name, signing_time)
    metadata = PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
    )
    pdf_signer = _TimedPdfSigner(
        metadata,
        signer.backend,
        stamp_style=_stamp_style(),
        new_field_spec=SigFieldSpec(SIGNATURE_FIELD, on_page=0, box=signature_box(data, lines)),
        signing_time=signing_time,
    )
    writer = _PinnedTimeWriter(data, signing_time)
    out = io.BytesIO()
    await pdf_signer.async_sign_pdf(
        writer, appearance_text_params={"lines": "\n".join(lines)}, output=out
    )
    return out.getvalue()


def certified_copy(
    searchable: bytes,
    certification: Certification,
    signer: Signer,
    *,
    signing_time: datetime | None = None,
) -> SignedCopy:
    """The certified electronic copy of ``searchable`` (a PDF/A-2b), signed now or at
    ``signing_time``. Runs its own event loop: from async code, call
    ``attested_pdf`` and ``sign_pdf_async`` (or run this in a worker thread)."""
    moment = (signing_time or datetime.now(VIETNAM)).astimezone(VIETNAM).replace(microsecond=0)
    attested = attested_pdf(searchable, certification)
    reason = f"{ATTESTATION}. Số chứng thực: {certification.number}, quyển số: {certification.book}"
    signed = asyncio.run(sign_pdf_async(attested, signer, moment, reason=reason))
    return SignedCopy(signed, moment, hashlib.sha256(signed).hexdigest(), signer.name)
