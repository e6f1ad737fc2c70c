"""Per-document options and per-page results: the plain data the stages exchange.

They are frozen and picklable because a page is processed in another process
(a local process pool today, a Celery worker tomorrow) and only plain data may
cross that boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from classifiers.marks import PageMarks
from core.limits import Limits
from core.settings import Settings, default_jobs
from ingest.page_source import PageSource
from ocr.pdf import EncodedImage
from ocr.words import Word


@dataclass(frozen=True)
class OcrOptions:
    """Everything that shapes how a document is digitised; never mutated mid-run."""

    lang: str = "vie"
    # The OCR engine by name (``ocr.engines``): ``tesseract`` (in-process), ``tesseract-cli``
    # (the program), or ``null`` to read nothing.
    engine: str = "tesseract"
    # When the text-line detector reads the page again (``pipeline.page.with_detected_lines``):
    # ``auto`` on photographed pages only, ``always``, or ``never``.
    line_detection: str = "auto"
    jobs: int = field(default_factory=default_jobs)
    force_ocr: bool = False
    jpeg_quality: int = 60
    # OCR runs at this resolution or above: Tesseract's models read best with
    # ~300 dpi glyphs, so poorer scans are upscaled for OCR only.
    ocr_min_dpi: int = 300
    # The page image in the PDF is stored at most at this resolution: 200 dpi is
    # the legal floor for documents (Circular 05/2025) and keeps a colour A4 page
    # near 0.3 MB; OCR still reads the full scan.
    output_max_dpi: int = 200
    # Upright text reads at 80–95 mean confidence, text turned upside down at
    # ~40. Below this the page is checked with OSD and read again if turned.
    upright_min_confidence: float = 70.0
    # Orientation is only trusted when OSD is this sure (its scale is open-ended;
    # clean upright pages score 15–25, a blank page ~0).
    orientation_min_confidence: float = 2.0
    limits: Limits = field(default_factory=Limits)
    # Read the page image's marks (QR, seals, photos, MRZ) for classification
    # while it is decoded (``classifiers.marks``); plain OCR has no use for them.
    read_marks: bool = False


PAGE_WARNINGS: dict[str, str] = {
    "small_text": (
        "the text is too small in this picture to read reliably (a thumbnail or a distant "
        "photo): take the picture closer or scan the paper"
    ),
}
"""What a page that was read may still need a person for, by stable code (API, CLI, pages)."""


@dataclass(frozen=True)
class PageResult:
    """What one page became. ``kept`` pages had real text and were copied as is."""

    number: int
    kept: bool
    width: int = 0
    height: int = 0
    dpi: float = 0.0
    rotation: int = 0
    skew: float = 0.0
    colour: bool = False
    speckles_removed: bool = False
    confidence: float = 0.0
    words: tuple[Word, ...] = ()
    text: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    image: EncodedImage | None = None
    thumbnail: bytes | None = None  # PNG, THUMBNAIL_WIDTH pixels wide
    marks: PageMarks | None = None  # when OcrOptions.read_marks and the page has an image
    warnings: tuple[str, ...] = ()  # codes of ``PAGE_WARNINGS``

    def report(self) -> dict[str, Any]:
        """The ``--json`` view of a page: everything but the image bytes."""
        return {
            "page": self.number,
            "kept_existing_text": self.kept,
            "width_px": self.width,
            "height_px": self.height,
            "dpi": round(self.dpi, 1),
            "rotation": self.rotation,
            "skew": self.skew,
            "colour": self.colour,
            "speckles_removed": self.speckles_removed,
            "mean_confidence": round(self.confidence, 2),
            "warnings": list(self.warnings),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "words": [word_report(w) for w in self.words],
        }


def word_report(word: Word) -> dict[str, Any]:
    """A word as reports and stored pages keep it; ``ink`` only for coloured-ink words."""
    out: dict[str, Any] = {
        "text": word.text,
        "confidence": round(word.confidence, 2),
        "box": word.box.as_list(),
        "line": word.line,
    }
    if word.ink is not None:
        out["ink"] = word.ink
    return out


@dataclass(frozen=True)
class PageJob:
    source: PageSource
    options: OcrOptions


def ocr_options(settings: Settings, **overrides: object) -> OcrOptions:
    """The options the settings give, with ``overrides`` (None: keep the setting)."""
    values = {
        "lang": settings.lang,
        "engine": settings.ocr_engine,
        "line_detection": settings.line_detection,
        "jobs": settings.jobs,
        "jpeg_quality": settings.jpeg_quality,
        "limits": settings.limits(),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return OcrOptions(**values)  # type: ignore[arg-type]
