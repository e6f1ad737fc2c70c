"""One page, start to finish: the order of the per-page stages lives here.

``process_page`` takes only plain data (a ``PageJob``) and returns plain data (a
``PageResult``), so the same function runs in a local process pool or as a
Celery task.

Orientation is decided without paying for Tesseract's OSD on every page: a
cheap line-direction test sends sideways pages to OSD up front, and a page that
reads with low confidence (upside down, or sideways and missed) is checked with
OSD afterwards and read again if OSD finds it turned.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image

from core.vietnamese import clean_word
from ingest.rasterise import rasterise
from ocr import clean, coloured_ink, tilted_frames
from ocr.engines import engine
from ocr.flatten import find_paper, flatten_checked
from ocr.pdf import encode_page_image
from ocr.words import Box, Word, read_weight
from pipeline.stage_data import OcrOptions, PageJob, PageResult

# Decree 30/2020 and Circular 05/2025: digitised documents at 200 dpi or more.
ARCHIVE_MIN_DPI = 200
# Lists of documents show pages this wide: ~15 KB each, fine on a 1 Mbit/s link.
THUMBNAIL_WIDTH = 240
THUMBNAIL_GAP = 2.0  # Pillow's ``reducing_gap``: see ``thumbnail_png``
# Letters (median height of the pieces of ink, ``clean.glyph_height``) under 8 px in the
# picture as it came are too small to read: A4 pages of body text drawn at 60 and 75 dpi
# (letters 5 and 7 px) read at 54 % and 29 % CER, at 100 dpi (9 px) at 4 %; a phone's
# 1600 px forwarded copy of an A4 page has letters of 8–10 px and reads 92–96 % of its
# words. Enlarging for OCR cannot bring merged letters back.
SMALL_GLYPH_PX = 8
# A picture with a side this long or longer holds letters of 8 px or more, whatever
# paper it shows (an A4 page at 170 dpi, an ID card at 590): it is not measured.
SMALL_PICTURE_PX = 2000


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


@dataclass(frozen=True)
class _Reading:
    """The page turned and deskewed, and what OCR read on it."""

    image: Image.Image
    rotation: int
    skew: float
    words: list[Word]
    confidence: float
    read_apart: tuple[Box, ...] = ()  # blocks read on their own (``ocr.tilted_frames``)


def process_page(job: PageJob) -> PageResult:
    options = job.options
    number = job.source.index + 1
    if job.source.has_text and not options.force_ocr:
        return PageResult(number=number, kept=True)

    watch = _Stopwatch()
    with watch.stage("rasterise"):
        raster = rasterise(job.source, options.limits)
        image, dpi = raster.image, raster.dpi

    with watch.stage("flatten"):
        # A phone photo of a paper on a desk: the paper alone, as a scanner sees it. Its
        # resolution is then the paper's (an A4 sheet or an ID card), not the photo's.
        paper = find_paper(image)
        if paper is not None:
            paper, image = flatten_checked(image, paper)
            dpi = paper.dpi()
    # Before any cleaning: speckle removal thins small letters.
    warnings = page_warnings(image)

    with watch.stage("denoise"):
        gray = clean.to_gray(image)
        # Letters under ``SMALL_GLYPH_PX`` have dots and tone marks of a speck's size: a
        # 512 px phone photo of an old ID card counted as dusted, and the median took its
        # accents and thin strokes (mean confidence 34 against 88 left alone).
        speckled = "small_text" not in warnings and clean.has_speckles(gray)
        if speckled:
            image = clean.remove_speckles(image)
            gray = clean.to_gray(image)

    with watch.stage("orientation"):
        # Lines and tilt of the black print: a stamp pressed askew on a page of few lines
        # (a photocopied card) otherwise sets the page's tilt to its own.
        lines = clean.black_print_lines(image, gray)
    reading = read_upright(image, gray, lines, dpi, options, watch)

    with watch.stage("lines"):
        reading = with_detected_lines(reading, dpi, options, photographed=paper is not None)
    with watch.stage("frames"):
        reading = with_tilted_frames(reading, dpi, options)
    with watch.stage("ink"):
        reading = with_coloured_ink(reading, dpi, options)

    with watch.stage("encode"):
        page_image, out_dpi, words = archival_image(reading, dpi, options)
        colour = page_image.mode == "RGB"
        encoded = encode_page_image(page_image, jpeg_quality=options.jpeg_quality)
        thumbnail = thumbnail_png(page_image)
    marks = None
    if options.read_marks:
        # Imported here: the marks bring the field readers (~0.1 s), which ``sohoa ocr``
        # (one process per file) never uses.
        from classifiers.marks import read_marks

        with watch.stage("marks"):
            marks = read_marks(number, page_image, words, engine(options.engine))

    return PageResult(
        number=number,
        kept=False,
        width=page_image.width,
        height=page_image.height,
        dpi=out_dpi,
        rotation=reading.rotation,
        skew=reading.skew,
        colour=colour,
        speckles_removed=speckled,
        confidence=reading.confidence,
        words=tuple(words),
        text=page_text(words),
        timings=watch.timings,
        image=encoded,
        thumbnail=thumbnail,
        marks=marks,
        warnings=warnings,
    )


def read_upright(
    image: Image.Image,
    gray: np.ndarray,
    lines: clean.TextLines,
    dpi: float,
    options: OcrOptions,
    watch: _Stopwatch,
) -> _Reading:
    """The page read in the quarter turn that reads best, trying as few as it can.

    The lines' shape (``gray``) guesses the turn: a level page fed head first is read
    turned half round, a sideways page in the quarter turn that stands its lines on
    their feet; sideways lines whose shape says nothing ask OSD. A guessed turn that
    reads under ``upright_min_confidence`` is tried the other way round, then in OSD's
    turn, then blindly in the others. A guessed or blind turn replaces the page as it
    came only if it reads better.
    """
    with watch.stage("orientation"):
        if lines.sideways:
            rotation, known_skew = sideways_turn(image)
            guessed = rotation is not None
            if rotation is None:
                rotation = find_rotation(image, options, dpi)
                if rotation in (0, 180):  # OSD overruled the lines: their tilt is not this
                    known_skew = None
        else:
            # A page fed in head first: read it turned at once, not after a wasted reading.
            known_skew = lines.skew
            guessed = clean.upside_down(gray, lines.skew)
            rotation = 180 if guessed else 0

    reading = read_page(image, rotation, dpi, options, watch, skew=known_skew)
    tried = {rotation}
    if guessed and upright_confidence(reading) < options.upright_min_confidence:
        # The lines' shape is a guess: a page that reads badly is read the other way
        # round, and the turn kept that reads better (half a turn keeps the tilt).
        other = (rotation + 180) % 360
        second = read_page(image, other, dpi, options, watch, skew=known_skew)
        tried.add(other)
        if upright_confidence(second) >= upright_confidence(reading):
            reading = second
    if upright_confidence(reading) < options.upright_min_confidence:
        turn = reading.rotation
        if guessed or not lines.sideways:
            with watch.stage("orientation"):
                turn = find_rotation(image, options, dpi)
        # OSD needs a page of text; a photocopied ID card is a few lines on white, and
        # OSD then says nothing (or turns a sideways card the wrong way). A page that
        # read that badly is read in every other turn, and the best reading kept.
        if turn not in tried:
            tried.add(turn)
            second = read_page(image, turn, dpi, options, watch)
            if upright_confidence(second) > upright_confidence(reading):
                reading = second
        if upright_confidence(reading) < options.upright_min_confidence:
            for candidate in (t for t in (180, 90, 270, 0) if t not in tried):
                second = read_page(image, candidate, dpi, options, watch)
                # Unguided turns must win clearly: a blurred page reads as badly upright
                # as sideways, and noise must not turn it. The page as it came needs no
                # more than the margin: a card copy OSD turned over read at 32 there, and
                # at 70 as fed, and stayed turned over while 70 was also asked of it.
                needed = upright_confidence(reading) + BLIND_TURN_MARGIN
                if candidate != 0:
                    needed = max(needed, options.upright_min_confidence)
                if upright_confidence(second) >= needed:
                    reading = second
                    break
    return reading


def sideways_turn(image: Image.Image) -> tuple[int | None, float]:
    """The clockwise quarter turn (90 or 270) that stands a sideways page's lines on their
    feet, told by their shape, or None where it cannot tell; and the tilt of the page so
    turned (the same either way: half a turn keeps it).

    OSD costs a reading of its own (~0.36 s at 150 dpi); turning the page a quarter and
    asking the lines' shape (``clean.head_first``) costs ~40 ms, and the tilt measured
    for it is the one the reading needs anyway.
    """
    turned = clean.rotate_quadrant(image, 90)
    gray = clean.to_gray(turned)
    skew = clean.black_print_skew(turned, gray)
    feet = clean.head_first(gray, skew)
    if feet is None:
        return None, skew
    return (270 if feet else 90), skew


def page_warnings(image: Image.Image) -> tuple[str, ...]:
    """What the clerk should know about a page that was read (``PAGE_WARNINGS``).

    ``image`` is the page as it came (flattened if photographed; not yet cleaned, nor
    enlarged for OCR). Measured on its pixels, not on the reading: on a picture too
    small to read the word boxes are as wrong as the words.
    """
    if max(image.size) >= SMALL_PICTURE_PX:
        return ()
    height = clean.glyph_height(clean.to_gray(image))
    return ("small_text",) if height is not None and height < SMALL_GLYPH_PX else ()


def read_page(
    image: Image.Image,
    rotation: int,
    dpi: float,
    options: OcrOptions,
    watch: _Stopwatch,
    skew: float | None = None,
) -> _Reading:
    """Turn, deskew (measuring the tilt unless already known), prepare the OCR image, read."""
    with watch.stage("deskew"):
        image = clean.rotate_quadrant(image, rotation)
        if skew is None:
            skew = clean.black_print_skew(image)
        image = clean.rotate_small_angle(image, skew)
    with watch.stage("clean"):
        ocr_image, scale = ocr_image_for(image, dpi, options)
    with watch.stage("ocr"):
        words = _recognise(ocr_image, scale, dpi, options)
    return _Reading(image, rotation, skew, words, mean_confidence(words))


def _recognise(ocr_image: Image.Image, scale: float, dpi: float, options: OcrOptions) -> list[Word]:
    """Words of an OCR image made at ``scale`` of the page image, boxes in the page's pixels."""
    words = engine(options.engine).recognise(ocr_image, lang=options.lang, dpi=round(dpi * scale))
    return [w for w in (_tidy(w, 1.0 / scale) for w in words) if w.text]


def _grey_reader(
    dpi: float, options: OcrOptions, block: bool = False
) -> Callable[[Image.Image], list[Word]]:
    """Reads a grey image cut from the page (an ink layer, a stamp) as the page is read:
    enlarged to ``ocr_min_dpi`` when the page is coarser, boxes in the page's pixels."""
    scale = options.ocr_min_dpi / dpi if 0 < dpi < options.ocr_min_dpi else 1.0

    def recognise(grey: Image.Image) -> list[Word]:
        if scale != 1.0:
            size = (round(grey.width * scale), round(grey.height * scale))
            grey = grey.resize(size, Image.Resampling.BICUBIC)
        words = engine(options.engine).recognise(
            grey, lang=options.lang, dpi=round(dpi * scale), block=block
        )
        return [w for w in (_tidy(w, 1.0 / scale) for w in words) if w.text]

    return recognise


def with_tilted_frames(reading: _Reading, dpi: float, options: OcrOptions) -> _Reading:
    """The reading with framed blocks pressed askew (a certification stamp) read level and
    settled against what the page's pass read there (``ocr.tilted_frames``)."""
    readings = tilted_frames.read_framed_words(
        reading.image, _grey_reader(dpi, options, block=True)
    )
    if not readings:
        return reading
    kept, found, used = tilted_frames.swap_in(reading.words, readings)
    if not used:
        return reading
    words = coloured_ink.merge_lines(kept, found, join_rows=False)
    return replace(reading, words=words, read_apart=tuple(used))


LINES_ENGINE = "tesseract-lines"


def with_detected_lines(
    reading: _Reading, dpi: float, options: OcrOptions, *, photographed: bool
) -> _Reading:
    """The page read again along the text lines a detector finds, if that reads more.

    On photographs Tesseract mostly fails to *find* the text, not to read it
    (``ocr.text_lines``). In ``auto`` only photographed pages are read again: scans
    read below 85 mean confidence were too, and on a fresh draw of unseen papers that
    cut fields read right from 95.1 % to 89.2 % and certified copies told apart from
    97.9 % to 93.8 % (a table or a two-column form read row by row loses the
    label-value structure the field readers follow). The reading that read more
    (``read_weight``) stands: more letters read with confidence, which is not always
    fewer errors, but a page whose blocks were lost gains them back.
    """
    mode = options.line_detection
    if mode == "never" or options.engine in ("null", LINES_ENGINE):
        return reading
    if mode == "auto" and not photographed:
        return reading
    ocr_image, scale = ocr_image_for(reading.image, dpi, options)
    words = _recognise(ocr_image, scale, dpi, replace(options, engine=LINES_ENGINE))
    if read_weight(words) <= read_weight(reading.words):
        return reading
    return replace(reading, words=words, confidence=mean_confidence(words))


def with_coloured_ink(reading: _Reading, dpi: float, options: OcrOptions) -> _Reading:
    """The reading with the words printed or stamped in colour merged in (``ocr.coloured_ink``).

    Read at the same resolution as the black print, after the page was turned
    and deskewed, so the ink words' boxes share the page image's geometry.
    Framed blocks already read level are left out.
    """
    found = coloured_ink.read_ink_words(
        reading.image, _grey_reader(dpi, options), reading.read_apart
    )
    if not found:
        return reading
    return replace(reading, words=coloured_ink.merge_lines(reading.words, found))


BLIND_TURN_MARGIN = 15.0
"""Mean-confidence points a turn OSD did not suggest must gain to be kept."""

OSD_DPI = 150
"""Resolution OSD reads at: as sure there as at 300 dpi and less than half the cost;
below about 120 dpi (half of a 200 dpi scan) it stops recognising upside-down pages."""


def find_rotation(image: Image.Image, options: OcrOptions, dpi: float = 300.0) -> int:
    """Clockwise quarter turns to make the page upright, judged by Tesseract OSD."""
    gray = image.convert("L")
    factor = min(1.0, OSD_DPI / dpi) if dpi > 0 else 0.5
    if factor < 1.0:
        size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
        gray = gray.resize(size, Image.Resampling.BILINEAR)
    found = engine(options.engine).orientation(gray)
    if found is None or found.confidence < options.orientation_min_confidence:
        return 0
    return found.rotate


def ocr_image_for(image: Image.Image, dpi: float, options: OcrOptions) -> tuple[Image.Image, float]:
    """The image Tesseract sees, and its scale relative to the page image."""
    gray = clean.flatten_background(clean.drop_coloured_ink(image))
    scale = 1.0
    if dpi < options.ocr_min_dpi:
        scale = options.ocr_min_dpi / dpi
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    gray = clean.remove_dotted_leaders(gray, dpi * scale)
    return Image.fromarray(gray, mode="L"), scale


def archival_image(
    reading: _Reading, dpi: float, options: OcrOptions
) -> tuple[Image.Image, float, list[Word]]:
    """The image the legal copy shows, and the word boxes moved onto it.

    White-balanced, grey unless the paper has colour, and resampled into
    [200 dpi, ``output_max_dpi``]: 200 dpi is the legal floor for digitised
    documents, so a coarse phone photo is enlarged (it gains no detail, but the
    file meets the format), and a fine scan is reduced to keep files small.
    """
    image = clean.white_balance(reading.image)
    if not clean.has_colour(image):
        image = image.convert("L")
    target = min(max(dpi, ARCHIVE_MIN_DPI), max(options.output_max_dpi, ARCHIVE_MIN_DPI))
    if abs(target - dpi) < 0.5:
        return image, dpi, reading.words
    scale = target / dpi
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(np.asarray(image), size, interpolation=method)
    words = [_tidy(w, scale) for w in reading.words]
    return Image.fromarray(resized, mode=image.mode), float(target), words


def thumbnail_png(image: Image.Image) -> bytes:
    """A small grey-or-colour PNG of the page for lists and previews."""
    height = max(1, round(image.height * THUMBNAIL_WIDTH / image.width))
    # Reduced by whole factors in boxes first, then Lanczos over the last 2x: a quarter
    # of the time (8 against 35 ms on an A4 page at 200 dpi), within a grey level.
    small = image.resize(
        (THUMBNAIL_WIDTH, height), Image.Resampling.LANCZOS, reducing_gap=THUMBNAIL_GAP
    )
    out = io.BytesIO()
    # zlib's default level, not ``optimize``: that tries every level and filter for 2-4 %
    # fewer bytes and cost 11-25 ms a page, more than the rest of the thumbnail.
    small.save(out, format="PNG")
    return out.getvalue()


def _tidy(word: Word, scale: float) -> Word:
    box = word.box
    if scale != 1.0:
        box = Box(
            round(box.left * scale),
            round(box.top * scale),
            round(box.right * scale),
            round(box.bottom * scale),
        )
    return replace(word, text=clean_word(word.text), box=box)


VERTICAL_WORDS_MAX = 0.5
"""Share of a reading's words (three letters or more) that may be taller than wide. Above
it the page was read on its side: Tesseract reads the vertical lines of a sideways page,
and on a photocopied card with a stamp it read them surer (79) than the upright page (73),
so a turn chosen by confidence alone archived the page sideways (2026-12-06)."""


def upright_confidence(reading: _Reading) -> float:
    """The reading's confidence as a judge of the page's turn: 0 when its words run down
    the page instead of across it."""
    long = [w for w in reading.words if len(w.text) >= 3]
    tall = sum(1 for w in long if w.box.bottom - w.box.top > w.box.right - w.box.left)
    return 0.0 if long and tall > VERTICAL_WORDS_MAX * len(long) else reading.confidence


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
