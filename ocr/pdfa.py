"""The parts of a file that make it PDF/A-2b rather than just a PDF.

PDF/A-2b (ISO 19005-2, level B) asks, beyond what the page content already
guarantees (embedded fonts, no transparency, no interpolation): an output intent
with an ICC profile that gives device colours a meaning, XMP metadata that
declares the conformance and agrees with the Info dictionary, a trailer /ID,
PDF 1.7 or older, and no encryption. This module adds the first two; the saving
code in :mod:`ocr.pdf` sees to the rest.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from PIL import ImageCms

CREATOR_TOOL = "sohoa"
PDF_VERSION = "1.7"


@cache
def srgb_icc_profile() -> bytes:
    """An sRGB display profile made by LittleCMS, so no ICC file has to be shipped."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def add_srgb_output_intent(pdf: pikepdf.Pdf) -> None:
    """Declare sRGB as the output intent; it also makes DeviceRGB/DeviceGray legal in PDF/A."""
    profile = pikepdf.Stream(pdf, srgb_icc_profile())
    profile.N = 3
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=String("sRGB"),
        Info=String("sRGB IEC61966-2.1"),
        RegistryName=String("http://www.color.org"),
        DestOutputProfile=pdf.make_indirect(profile),
    )
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def producer() -> str:
    return f"pikepdf {pikepdf.__version__}"


def set_pdfa_metadata(
    pdf: pikepdf.Pdf, *, title: str | None, lang: str, when: datetime | None = None
) -> None:
    """Write XMP (with the PDF/A-2b claim) and let pikepdf mirror it into the Info dict.

    PDF/A requires every Info entry to equal its XMP counterpart; writing XMP and
    syncing Info from it keeps them in step. Dates are whole seconds with a time
    zone, because Info dates cannot hold fractions and a mismatch fails validation.
    """
    moment = (when or datetime.now().astimezone()).replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    stamp = moment.isoformat()
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        if title:
            meta["dc:title"] = title
        meta["dc:language"] = [lang]
        meta["xmp:CreatorTool"] = CREATOR_TOOL
        meta["pdf:Producer"] = producer()
        meta["xmp:CreateDate"] = stamp
        meta["xmp:ModifyDate"] = stamp
        meta["xmp:MetadataDate"] = stamp
