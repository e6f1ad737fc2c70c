"""The OCR engine seam: what the page stage asks of an engine, and the engines there are.

The page stage (``pipeline.page``), the coloured-ink pass and the MRZ re-read ask
an engine for four things: the languages it has, the words of an image (text,
box, confidence, line), the lines of a small region read as one block (with an
optional character whitelist), and which way up a page is. They name the engine
in their options (``OcrOptions.engine``) and never call a program themselves.

The engines, as OCRmyPDF's ``OcrEngine`` with its ``null_ocr`` plugin:

- ``tesseract`` (the default): Tesseract in the worker process through
  ``tesserocr``, one loaded model per process and thread (``ocr.tesseract_api``);
- ``tesseract-cli``: the ``tesseract`` program through pytesseract, one process
  per call. It reads with the same models, a little slower. A stand-in program on
  the PATH is how the tests count runs and inject crashes, hangs and bad output
  through it, as OCRmyPDF's test plugins do;
- ``tesseract-lines``: the text lines found by a neural detector (``ocr.text_lines``),
  each read by Tesseract in-process as one line; for photographs, and chosen per
  page by the page stage (``OcrOptions.line_detection``);
- ``null`` reads nothing and turns nothing, so the rest of the journey (cleaning,
  the archived page image, the PDF/A, storage) runs with no OCR at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Protocol

from PIL import Image

from ocr import tesseract, tesseract_api, text_lines
from ocr.tesseract import Orientation, TesseractError
from ocr.words import Word

DEFAULT_ENGINE = "tesseract"


class OcrEngine(Protocol):
    """What an OCR engine does for the page stage; every method is thread- and fork-safe."""

    name: str

    def languages(self) -> frozenset[str]:
        """Language codes this engine can read (``vie``, ``eng``, ``osd`` …)."""
        ...

    def recognise(
        self, image: Image.Image, *, lang: str, dpi: int, block: bool = False
    ) -> list[Word]:
        """Words of a page image in reading order, text NFC, lines numbered from 0.

        ``block``: the image is one block of lines (a stamp cut out of its page), read
        without the page-layout analysis that takes a framed block for a picture.
        """
        ...

    def recognise_block(
        self, image: Image.Image, *, lang: str, dpi: int, whitelist: str = ""
    ) -> list[str]:
        """The lines of a small region read as one block (an MRZ, a stamp)."""
        ...

    def orientation(self, image: Image.Image) -> Orientation | None:
        """Which way to turn the page upright; None when the engine cannot tell."""
        ...


class TesseractEngine:
    """Tesseract through one of its two backends, which share their functions' shapes:
    ``ocr.tesseract_api`` (in this process, a model loaded once per process and thread)
    or ``ocr.tesseract`` (the program, one process per call)."""

    def __init__(self, name: str, backend: ModuleType) -> None:
        self.name = name
        self._backend = backend

    def languages(self) -> frozenset[str]:
        return self._backend.available_languages()

    def recognise(
        self, image: Image.Image, *, lang: str, dpi: int, block: bool = False
    ) -> list[Word]:
        psm = tesseract.BLOCK_PSM if block else tesseract.PAGE_PSM
        return self._backend.recognise_words(image, lang=lang, dpi=dpi, psm=psm)

    def recognise_block(
        self, image: Image.Image, *, lang: str, dpi: int, whitelist: str = ""
    ) -> list[str]:
        return self._backend.recognise_block(image, lang=lang, dpi=dpi, whitelist=whitelist)

    def orientation(self, image: Image.Image) -> Orientation | None:
        return self._backend.detect_orientation(image)


class TesseractLinesEngine(TesseractEngine):
    """Text lines found by the PP-OCR detector (``ocr.text_lines``), each read by Tesseract
    in this process; everything else as the in-process engine.

    For photographs, where Tesseract's own layout analysis loses blocks of text. A
    block (a stamp cut out of its page) is one block of lines and read as such.
    """

    def __init__(self) -> None:
        super().__init__("tesseract-lines", tesseract_api)

    def recognise(
        self, image: Image.Image, *, lang: str, dpi: int, block: bool = False
    ) -> list[Word]:
        if block:
            return super().recognise(image, lang=lang, dpi=dpi, block=True)
        lines = text_lines.detect_lines(image)
        return tesseract_api.recognise_lines(image, lines, lang=lang, dpi=dpi)


class NullEngine:
    """Reads nothing: every page has no words and stays as it is turned."""

    name = "null"

    def languages(self) -> frozenset[str]:
        return frozenset({"*"})  # any language: there is nothing to load

    def recognise(
        self, image: Image.Image, *, lang: str, dpi: int, block: bool = False
    ) -> list[Word]:
        return []

    def recognise_block(
        self, image: Image.Image, *, lang: str, dpi: int, whitelist: str = ""
    ) -> list[str]:
        return []

    def orientation(self, image: Image.Image) -> Orientation | None:
        return None


ENGINES: Mapping[str, OcrEngine] = {
    e.name: e
    for e in (
        TesseractEngine("tesseract", tesseract_api),
        TesseractEngine("tesseract-cli", tesseract),
        TesseractLinesEngine(),
        NullEngine(),
    )
}


def engine(name: str) -> OcrEngine:
    """The engine of that name; an unknown name is a configuration error, said at once."""
    try:
        return ENGINES[name]
    except KeyError:
        known = ", ".join(sorted(ENGINES))
        raise ValueError(f"unknown OCR engine {name!r}; known: {known}") from None


def check_languages(name: str, lang: str) -> None:
    """Fail early, with the fix, when the engine lacks a language of ``lang``."""
    have = engine(name).languages()
    if "*" in have:
        return
    missing = [code for code in lang.split("+") if code not in have]
    if missing:
        raise TesseractError(
            f"Tesseract language data not installed: {', '.join(missing)} "
            "(on Debian: apt-get install tesseract-ocr-vie tesseract-ocr-osd)"
        )
