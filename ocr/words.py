"""Plain data that OCR stages pass between each other.

Coordinates are pixels of the *cleaned* page image (after rotation and deskew),
origin top-left, so that the OCR image, the image put in the PDF and the word
boxes always share one geometry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned rectangle in page pixels; right/bottom are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def as_list(self) -> list[int]:
        return [self.left, self.top, self.right, self.bottom]


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word.

    ``line`` numbers the text lines of a page in reading order (0, 1, 2…); words of
    one line share it and appear in reading order, which is how the text layer is
    written so that text extraction returns lines as they were printed.
    ``ink`` names the colour of a word read on the coloured-ink layer
    (``ocr.coloured_ink``: red, purple, blue…); None for the black print.
    """

    text: str
    confidence: float
    box: Box
    line: int
    ink: str | None = None


def read_weight(words: Iterable[Word]) -> float:
    """How much a reading read: its letters, each counted by the confidence it was read with.

    Two readings of one region (the page's and a framed block's, Tesseract's layout
    and the detected lines) are compared by it: the one that read more stands.
    """
    return sum(w.confidence / 100 * sum(c.isalnum() for c in w.text) for w in words)
