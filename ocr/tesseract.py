"""The one place that runs Tesseract.

Everything that talks to the ``tesseract`` program goes through here, so its
threading, its configuration and its quirks are handled once.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytesseract
from PIL import Image

from ocr.words import Box, Word

# Tesseract's OpenMP threads fight each other and the page-level parallelism on a
# small machine: on two cores a page is ~2.5x slower with them. Pages are run in
# parallel instead, one single-threaded Tesseract per core.
os.environ["OMP_THREAD_LIMIT"] = "1"


class TesseractError(RuntimeError):
    """Tesseract itself failed (missing language, crash): a page-level failure."""


@dataclass(frozen=True, slots=True)
class Orientation:
    """What OSD says: rotate the page clockwise by ``rotate`` degrees to make it upright."""

    rotate: int
    confidence: float


@cache
def available_languages() -> frozenset[str]:
    return frozenset(pytesseract.get_languages(config=""))


def _write_temp_image(image: Image.Image, directory: str) -> str:
    # PNM is written uncompressed: several times faster than PNG for a page and
    # Tesseract reads it natively.
    path = Path(directory) / "page.pnm"
    image.save(path)
    return str(path)


def detect_orientation(image: Image.Image) -> Orientation | None:
    """Tesseract OSD; ``None`` when the page has too little text to judge."""
    with tempfile.TemporaryDirectory(prefix="sohoa-osd-") as tmp:
        path = _write_temp_image(image, tmp)
        try:
            report = pytesseract.image_to_osd(path, config="--psm 0")
        except pytesseract.TesseractError:
            return None
    rotate = re.search(r"Rotate: (\d+)", report)
    confidence = re.search(r"Orientation confidence: ([\d.]+)", report)
    if not rotate or not confidence:
        return None
    return Orientation(rotate=int(rotate.group(1)) % 360, confidence=float(confidence.group(1)))


PAGE_PSM = 3
"""Tesseract's page segmentation for a page: find its blocks, columns and lines."""

BLOCK_PSM = 6
"""… for one uniform block of lines: a stamp inside a frame, with a seal and a signature
over it, is otherwise taken for a picture and not read at all."""


def recognise_words(image: Image.Image, *, lang: str, dpi: int, psm: int = PAGE_PSM) -> list[Word]:
    """Words with boxes and confidences in reading order, text in NFC."""
    with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
        path = _write_temp_image(image, tmp)
        try:
            data = pytesseract.image_to_data(
                path,
                lang=lang,
                config=f"--psm {psm} --dpi {dpi}",
                output_type=pytesseract.Output.DICT,
            )
        except pytesseract.TesseractError as exc:
            raise TesseractError(f"tesseract failed: {exc.message.strip()}") from exc
        except UnicodeDecodeError as exc:  # a broken engine or language pack: not retryable
            raise TesseractError(f"tesseract output is not UTF-8 text: {exc.reason}") from exc
    return _words_from_tsv(data)


def _words_from_tsv(data: dict[str, list]) -> list[Word]:
    words: list[Word] = []
    line_ids: dict[tuple[int, int, int], int] = {}
    for i, raw_text in enumerate(data["text"]):
        text = unicodedata.normalize("NFC", str(raw_text)).strip()
        if int(data["level"][i]) != 5 or not text:
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        line = line_ids.setdefault(key, len(line_ids))
        left, top = int(data["left"][i]), int(data["top"][i])
        box = Box(left, top, left + int(data["width"][i]), top + int(data["height"][i]))
        words.append(
            Word(text=text, confidence=max(0.0, float(data["conf"][i])), box=box, line=line)
        )
    return words


def recognise_block(
    image: Image.Image, *, lang: str, dpi: int, psm: int = BLOCK_PSM, whitelist: str = ""
) -> list[str]:
    """Lines of text of one uniform block (``--psm 6``), optionally restricted to characters.

    For the machine-readable zone of ID cards: a whitelist of ``A–Z 0–9 <``
    stops the Vietnamese model from reading ``0`` as ``ô``.
    """
    config = f"--psm {psm} --dpi {dpi}"
    if whitelist:
        config += f" -c tessedit_char_whitelist={whitelist}"
    with tempfile.TemporaryDirectory(prefix="sohoa-block-") as tmp:
        path = _write_temp_image(image, tmp)
        try:
            text = pytesseract.image_to_string(path, lang=lang, config=config)
        except pytesseract.TesseractError as exc:
            raise TesseractError(f"tesseract failed: {exc.message.strip()}") from exc
    lines = (unicodedata.normalize("NFC", line).strip() for line in text.splitlines())
    return [line for line in lines if line]
