"""One page, start to finish: the order of the per-page stages lives here.

``process_page`` takes only plain data (a ``PageJob``) and returns plain data (a
``PageResult``), so the same function runs in a local process pool or as a
Celery task.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from PIL import Image

from ingest.rasterise import rasterise
from ocr import clean
from ocr.model import Box, Word
from ocr.pdf import encode_page_image
from ocr.tesseract import detect_orientation, recognise_words
from ocr.vietnamese import clean_word
from pipeline.context import OcrOptions, PageJob, PageResult


class _Stopwatch:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def process_page(job: PageJob) -> PageResult:
    options = job.options
    number = job.source.index + 1
    if job.source.has_text and not options.force_ocr:
        return PageResult(number=number, kept=True)

    watch = _Stopwatch()
    with watch.stage("rasterise"):
        raster = rasterise(job.source, options.limits)
        image, dpi = raster.image, raster.dpi

    with watch.stage("denoise"):
        speckled = clean.has_speckles(clean.to_gray(image))
        if speckled:
            image = clean.remove_speckles(image)

    with watch.stage("orientation"):
        rotation = find_rotation(image, options)
        image = clean.rotate_quadrant(image, rotation)

    with watch.stage("deskew"):
        skew = clean.estimate_skew(clean.to_gray(image))
        image = clean.rotate_small_angle(image, skew)

    with watch.stage("clean"):
        page_image = clean.white_balance(image)
        colour = clean.has_colour(page_image)
        if not colour:
            page_image = page_image.convert("L")
        ocr_image, ocr_scale = ocr_image_for(image, dpi, options)

    with watch.stage("ocr"):
        words = recognise_words(ocr_image, lang=options.lang, dpi=round(dpi * ocr_scale))
        words = [_tidy(w, ocr_scale) for w in words]
        words = [w for w in words if w.text]

    with watch.stage("encode"):
        encoded = encode_page_image(page_image, jpeg_quality=options.jpeg_quality)

    return PageResult(
        number=number,
        kept=False,
        width=page_image.width,
        height=page_image.height,
        dpi=dpi,
        rotation=rotation,
        skew=skew,
        colour=colour,
        speckles_removed=speckled,
        confidence=mean_confidence(words),
        words=tuple(words),
        text=page_text(words),
        timings=watch.timings,
        image=encoded,
    )


def find_rotation(image: Image.Image, options: OcrOptions) -> int:
    """Clockwise quarter turns to make the page upright, judged by Tesseract OSD.

    OSD reads a half-resolution copy: it is as sure there as at full size and
    costs less than half as much.
    """
    gray = image.convert("L")
    half = gray.resize((gray.width // 2, gray.height // 2), Image.Resampling.BILINEAR)
    found = detect_orientation(half)
    if found is None or found.confidence < options.orientation_min_confidence:
        return 0
    return found.rotate


def ocr_image_for(image: Image.Image, dpi: float, options: OcrOptions) -> tuple[Image.Image, float]:
    """The image Tesseract sees, and its scale relative to the page image."""
    gray = clean.flatten_background(clean.drop_coloured_ink(image))
    ocr = Image.fromarray(gray, mode="L")
    scale = 1.0
    if dpi < options.ocr_min_dpi:
        scale = options.ocr_min_dpi / dpi
        ocr = ocr.resize(
            (round(ocr.width * scale), round(ocr.height * scale)), Image.Resampling.BICUBIC
        )
    return ocr, scale


def _tidy(word: Word, scale: float) -> Word:
    box = word.box
    if scale != 1.0:
        box = Box(
            round(box.left / scale),
            round(box.top / scale),
            round(box.right / scale),
            round(box.bottom / scale),
        )
    return replace(word, text=clean_word(word.text), box=box)


def mean_confidence(words: list[Word]) -> float:
    """Character-weighted, so a page's score is not swayed by its punctuation."""
    total = sum(len(w.text) for w in words)
    if not total:
        return 0.0
    return sum(w.confidence * len(w.text) for w in words) / total


def page_text(words: list[Word]) -> str:
    lines: dict[int, list[str]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word.text)
    return "\n".join(" ".join(lines[k]) for k in sorted(lines))
