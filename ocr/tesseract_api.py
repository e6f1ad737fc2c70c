"""Tesseract in this process, through the ``tesserocr`` binding (issue 13).

Running the ``tesseract`` program costs, on every page and every re-read block,
a process start, writing the image to a file, loading the language model and
parsing its TSV back. Here each worker process loads a model once per language
and thread and keeps it: a page is only ``SetImage`` and ``Recognize``.

The binding's wheel carries its own libtesseract (5.5); the models are the ones
``ocr.tessdata`` picks, the same for this engine and the program. An instance is
not safe to share between threads, and native state must not cross a fork, so
instances are kept per process and per thread. Importing ``ocr.tesseract`` sets
``OMP_THREAD_LIMIT=1`` before this library starts a thread: pages run in parallel
instead, one per core.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from functools import cache

import tesserocr
from PIL import Image

from ocr import tessdata
from ocr.tesseract import BLOCK_PSM, PAGE_PSM, Orientation, TesseractError
from ocr.words import Box, Word

_OSD = "osd"
_WORD = tesserocr.RIL.WORD
_LINE = tesserocr.RIL.TEXTLINE


class _Instances(threading.local):
    """This thread's loaded models, by language; forgotten in a forked child."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.by_lang: dict[str, tesserocr.PyTessBaseAPI] = {}


_local = _Instances()


def _api(lang: str) -> tesserocr.PyTessBaseAPI:
    """This thread's instance with ``lang`` loaded, loading it the first time."""
    if _local.pid != os.getpid():  # a forked child: the parent's instances are not ours
        _local.pid, _local.by_lang = os.getpid(), {}
    api = _local.by_lang.get(lang)
    if api is None:
        try:
            api = tesserocr.PyTessBaseAPI(path=tessdata.tessdata_path(), lang=lang)
        except RuntimeError as exc:
            raise TesseractError(f"tesseract could not load {lang!r}: {exc}") from exc
        _local.by_lang[lang] = api
    return api


@cache
def available_languages() -> frozenset[str]:
    _, langs = tesserocr.get_languages(tessdata.tessdata_path())
    return frozenset(langs)


def _read(
    api: tesserocr.PyTessBaseAPI, image: Image.Image, *, dpi: int, psm: int, whitelist: str = ""
) -> None:
    api.SetPageSegMode(psm)
    api.SetVariable("tessedit_char_whitelist", whitelist)
    api.SetImage(image)
    api.SetSourceResolution(max(1, dpi))
    if not api.Recognize():
        raise TesseractError("tesseract could not read the image")


def recognise_words(image: Image.Image, *, lang: str, dpi: int, psm: int = PAGE_PSM) -> list[Word]:
    """Words with boxes and confidences in reading order, text NFC, as ``ocr.tesseract``'s.

    Lines are numbered as the program's TSV numbers them: in the order their first
    non-empty word comes.
    """
    api = _api(lang)
    _read(api, image, dpi=dpi, psm=psm)
    try:
        return _words(api)
    finally:
        api.Clear()


def _words(api: tesserocr.PyTessBaseAPI, first_line: int = 0, one_line: bool = False) -> list[Word]:
    """The words of the last recognition; ``one_line``: all on line ``first_line``."""
    words: list[Word] = []
    line = first_line - 1
    new_line = True
    for item in tesserocr.iterate_level(api.GetIterator(), _WORD):
        new_line = new_line or (not one_line and item.IsAtBeginningOf(_LINE))
        try:
            raw = item.GetUTF8Text(_WORD)
        except RuntimeError:  # "No text returned": a blob taken for a word, with no letters
            continue
        text = unicodedata.normalize("NFC", raw or "").strip()
        box = item.BoundingBox(_WORD)
        if not text or box is None:
            continue
        if new_line:
            line, new_line = line + 1, False
        words.append(
            Word(
                text=text,
                # two decimals: what the page record keeps, so a stored page reads back equal
                confidence=round(max(0.0, float(item.Confidence(_WORD))), 2),
                box=Box(*box),
                line=line,
            )
        )
    return words


LINE_PAD = 0.2
"""Margin added around a detected line, as a share of its height: the detector's box
hugs the letters and can clip a tone mark or a descender."""


def recognise_lines(image: Image.Image, lines: Sequence[Box], *, lang: str, dpi: int) -> list[Word]:
    """Words of the given text lines, each read as one line (``--psm 7``).

    Word boxes are in the page's pixels; ``line`` is the line's index in ``lines``.
    """
    api = _api(lang)
    api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
    api.SetVariable("tessedit_char_whitelist", "")
    words: list[Word] = []
    try:
        for number, line in enumerate(lines):
            pad = max(2, round(line.height * LINE_PAD))
            left, top = max(0, line.left - pad), max(0, line.top - pad)
            right, bottom = min(image.width, line.right + pad), min(image.height, line.bottom + pad)
            if right - left < 2 or bottom - top < 2:
                continue
            # The line cut out and set as the image: Tesseract 5.3 read a rectangle of
            # the whole page set once as noise ('¬') on some lines.
            api.SetImage(image.crop((left, top, right, bottom)))
            api.SetSourceResolution(max(1, dpi))
            if not api.Recognize():
                continue
            for word in _words(api, first_line=number, one_line=True):
                box = Box(
                    word.box.left + left,
                    word.box.top + top,
                    word.box.right + left,
                    word.box.bottom + top,
                )
                words.append(replace(word, box=box))
    finally:
        api.Clear()
    return words


def recognise_block(
    image: Image.Image, *, lang: str, dpi: int, psm: int = BLOCK_PSM, whitelist: str = ""
) -> list[str]:
    """Lines of text of one uniform block, optionally restricted to characters."""
    api = _api(lang)
    try:
        _read(api, image, dpi=dpi, psm=psm, whitelist=whitelist)
        text = api.GetUTF8Text()
    finally:
        api.SetVariable("tessedit_char_whitelist", "")
        api.Clear()
    lines = (unicodedata.normalize("NFC", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def detect_orientation(image: Image.Image) -> Orientation | None:
    """Tesseract OSD; ``None`` when the page has too little text to judge."""
    api = _api(_OSD)
    api.SetPageSegMode(tesserocr.PSM.OSD_ONLY)
    api.SetImage(image)
    try:
        found = api.DetectOrientationScript()
    finally:
        api.Clear()
    if not found:
        return None
    # The binding reports how the image is turned; the page is turned back the other way.
    rotate = (360 - int(found["orient_deg"])) % 360
    return Orientation(rotate=rotate, confidence=round(float(found["orient_conf"]), 2))
