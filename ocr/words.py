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


ROW_OVERLAP = 0.5
"""Share of the smaller word's height two neighbouring words must share to stand on
one row of print."""
ROW_GAP = 2.5
"""Widest gap between neighbouring words of one row, in the taller one's heights: wider,
and they belong to two columns (a stamp beside a signature block)."""


def print_rows(words: Iterable[Word]) -> list[list[Word]]:
    """Words regrouped by where they stand, top to bottom, each row left to right.

    Tesseract numbers lines by the blocks it cut, and a stamp on a busy page is cut
    into columns: its ``CHỨNG THỰC`` can come out seven lines before its ``BẢN SAO ĐÚNG
    VỚI BẢN CHÍNH``. Here each word joins the row whose last word it overlaps in height
    and follows closely, so a row follows a line pressed a little askew, and a wide gap
    starts another row (another column).
    """
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.box.left, w.box.top)):
        best, best_share = None, ROW_OVERLAP
        for row in rows:
            last = row[-1].box
            height = max(last.height, word.box.height, 1)
            gap = word.box.left - last.right
            if gap < -0.5 * height or gap > ROW_GAP * height:
                continue
            shared = min(last.bottom, word.box.bottom) - max(last.top, word.box.top)
            share = shared / max(1, min(last.height, word.box.height))
            if share >= best_share:
                best, best_share = row, share
        if best is None:
            rows.append([word])
        else:
            best.append(word)
    return sorted(rows, key=lambda row: (min(w.box.top for w in row), row[0].box.left))
