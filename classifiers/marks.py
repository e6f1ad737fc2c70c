"""What a page image shows that its OCR text does not: QR codes, seals, photos, MRZ read again.

Read once, in the page stage, while the page image is at hand (``pipeline.page``),
and stored with the page (``pipeline.stored_page``): classifying a document, or
classifying it again with a new model, then needs no image at all. Reading
them later meant downloading and decoding every page's JPEG once more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from classifiers.cues import PageCues, Region, page_cues
from classifiers.qr_reader import read_qr_payloads
from ocr.engines import OcrEngine
from ocr.mrz_reread import reread_mrz
from ocr.words import Word


@dataclass(frozen=True)
class PageMarks:
    """A page's image evidence, as plain data that survives a JSON round trip."""

    cues: PageCues
    qr_payloads: tuple[str, ...] = ()
    # The machine-readable zone read a second time, kept only when its check
    # digits pass (``ocr.mrz_reread``); None when the page has no zone or no valid reading.
    mrz_lines: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "qr_payloads": list(self.qr_payloads),
            "red_seals": [r.as_dict() for r in self.cues.seals],
            "portrait_photos": [r.as_dict() for r in self.cues.photos],
            "mrz_lines": list(self.mrz_lines) if self.mrz_lines is not None else None,
        }

    @classmethod
    def from_dict(cls, page: int, data: dict[str, Any]) -> PageMarks:
        def regions(name: str) -> tuple[Region, ...]:
            return tuple(Region(tuple(r["box"]), float(r["score"])) for r in data.get(name, ()))

        mrz = data.get("mrz_lines")
        return cls(
            cues=PageCues(page, regions("red_seals"), regions("portrait_photos")),
            qr_payloads=tuple(data.get("qr_payloads", ())),
            mrz_lines=tuple(mrz) if mrz is not None else None,
        )


def read_marks(
    page: int, image: Image.Image, words: Sequence[Word], ocr: OcrEngine | None = None
) -> PageMarks:
    """Everything the classifier needs from ``image`` (the page as archived, words on it)."""
    return PageMarks(
        cues=page_cues(page, image),
        qr_payloads=tuple(read_qr_payloads(image)),
        mrz_lines=_mrz_reread(image, words, ocr),
    )


def _mrz_reread(
    image: Image.Image, words: Sequence[Word], ocr: OcrEngine | None
) -> tuple[str, ...] | None:
    """A valid second reading of the page's MRZ; only pages whose OCR shows ``<<`` have one."""
    if not any("<<" in w.text for w in words):
        return None
    # Imported here: the field readers (~0.1 s) are loaded by every process that reads
    # ``PageMarks`` (``sohoa ocr`` one per file) and needed only on ID cards' pages.
    from classifiers.fields.mrz import best_td1

    found = best_td1(reread_mrz(image, words, ocr))
    return tuple(found.lines) if found is not None else None
