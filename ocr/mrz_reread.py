"""Read an ID card's machine-readable zone again, as what it is: OCR-B capitals, digits, ``<``.

The page OCR reads the zone with the Vietnamese model, which turns ``0`` into
``ô`` and ``I`` into ``T`` and ruins the check digits. The zone is easy to find
in its result (lines full of ``<``), so its box is cut out of the page image,
enlarged, and read a second time with the English model restricted to the
zone's alphabet. The caller keeps whichever reading passes the ICAO check digits.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PIL import Image, ImageFilter

from ocr.engines import DEFAULT_ENGINE, OcrEngine, engine
from ocr.words import Box, Word

MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
TARGET_CHAR_HEIGHT = 40
"""Pixels per character line the crop is scaled to: Tesseract reads best at 30–40."""
MIN_CHAR_HEIGHT = 8
"""A word with ``<`` shorter than this is a speck read as one (``„<<``, 1 px high, on a
marriage certificate of unseen draw 19000), not a line of the zone: measured by it, the
crop was scaled 40 times, 750 million pixels Tesseract refused, and the page failed."""
MAX_ZONE_PIXELS = 16_000_000
"""Most pixels a scaled crop may have: a zone of three lines at 40 px a line is far less."""


def mrz_box(words: Sequence[Word]) -> Box | None:
    """The box around the page's machine-readable zone, padded; None if there is none.

    The zone is found by its lines full of ``<`` (two or more in a row); its
    lines read so badly that they lost their ``<`` (a name line is mostly
    ``<``, but OCR may see ``< 1 6c ....``) are taken in when they sit right
    above or below, the way the three lines are printed.
    """
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    marked = [n for n, ws in lines.items() if "<<" in "".join(w.text for w in ws)]
    if not marked:
        return None
    zone = [w for n in marked for w in lines[n]]
    height = max(w.box.height for w in zone)
    tops = sorted(min(w.box.top for w in lines[n]) for n in marked)
    pitch = min((b - a for a, b in itertools.pairwise(tops)), default=2 * height)
    top = min(w.box.top for w in zone)
    bottom = max(w.box.bottom for w in zone)
    for number in sorted(lines):
        if number in marked:
            continue
        line_top = min(w.box.top for w in lines[number])
        line_bottom = max(w.box.bottom for w in lines[number])
        if bottom < line_top <= bottom + pitch or top - pitch <= line_bottom < top:
            zone.extend(lines[number])
    left = min(w.box.left for w in zone)
    right = max(w.box.right for w in zone)
    top = min(w.box.top for w in zone)
    bottom = max(w.box.bottom for w in zone)
    pad = height
    return Box(max(0, left - pad), max(0, top - pad), right + pad, bottom + pad)


READINGS = ((1.0, False), (1.5, True), (2.0, False), (2.0, True))
"""(scale on top of the character-height fit, sharpen?) of the re-readings tried in turn."""


def reread_mrz(
    image: Image.Image, words: Sequence[Word], ocr: OcrEngine | None = None
) -> list[list[str]]:
    """Readings of the page's MRZ from ``image`` (the geometry of ``words``); [] if none.

    Several readings (enlarged more, sharpened) because a blurred zone reads
    differently each time and the caller keeps the first that passes the ICAO
    check digits; each is a handful of short Tesseract calls on a small crop.
    """
    box = mrz_box(words)
    if box is None:
        return []
    reader = ocr if ocr is not None else engine(DEFAULT_ENGINE)
    right, bottom = min(box.right, image.width), min(box.bottom, image.height)
    if right - box.left < MIN_CHAR_HEIGHT or bottom - box.top < MIN_CHAR_HEIGHT:
        return []  # a zone outside the image, or a sliver of it
    crop = image.convert("L").crop((box.left, box.top, right, bottom))
    heights = [w.box.height for w in words if "<" in w.text and w.box.height >= MIN_CHAR_HEIGHT]
    fit = TARGET_CHAR_HEIGHT / ((sum(heights) / len(heights)) if heights else 20)
    largest = (MAX_ZONE_PIXELS / (crop.width * crop.height)) ** 0.5
    readings = []
    for extra, sharpen in READINGS:
        scale = min(max(1.0, fit) * extra, max(1.0, largest))
        zone = crop.resize(
            (round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS
        )
        if sharpen:
            zone = zone.filter(ImageFilter.UnsharpMask(radius=3, percent=200))
        lines = reader.recognise_block(zone, lang="eng", dpi=300, whitelist=MRZ_ALPHABET)
        readings.append(
            [line.replace(" ", "") for line in lines if len(line.replace(" ", "")) >= 20]
        )
    return readings
