"""The page read again row by row from its word boxes, for labels whose value sits elsewhere.

Tesseract's layout analysis cuts a ruled table, or a form printed in two columns,
into blocks: all the labels of a column come first, then all the values, so
``Họ và tên`` and ``NGUYỄN VĂN AN`` end up lines apart and a label reader finds
nothing. The words keep their boxes, though. Here they are put back into visual
rows: words whose vertical centres fall within one another's height share a row,
in left-to-right order, and a wide horizontal gap (a table rule, the space between
columns) becomes a cell gap (``lines.CELL_GAP``) where a value ends.

``classifiers.fields.extract`` reads the OCR's own lines first and takes from
these rows only the fields the lines did not give, so a layout the OCR read well
is never changed by them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from statistics import median

from classifiers.fields.field_types import PageText, Word
from classifiers.fields.lines import CELL_GAP

ROW_OVERLAP = 0.5
"""Share of the smaller word's height two words must overlap vertically to share a row."""

CELL_GAP_HEIGHTS = 1.8
"""A horizontal gap wider than this many median word heights separates two cells (a word
space is about a third of a height; a rule or a column gutter is several)."""


def _overlap(a: Word, top: float, bottom: float) -> float:
    height = min(a.box.bottom - a.box.top, bottom - top)
    if height <= 0:
        return 0.0
    shared = min(a.box.bottom, bottom) - max(a.box.top, top)
    return shared / height


def visual_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into rows, top to bottom, each row left to right."""
    rows: list[tuple[float, float, list[Word]]] = []
    for word in sorted(words, key=lambda w: (w.box.top + w.box.bottom) / 2):
        for at, (top, bottom, members) in enumerate(rows):
            if _overlap(word, top, bottom) >= ROW_OVERLAP:
                members.append(word)
                rows[at] = (min(top, word.box.top), max(bottom, word.box.bottom), members)
                break
        else:
            rows.append((word.box.top, word.box.bottom, [word]))
    rows.sort(key=lambda row: row[0])
    return [sorted(members, key=lambda w: w.box.left) for _, _, members in rows]


def row_page(page: PageText) -> PageText | None:
    """The page as visual rows with cell gaps; None when it has no word boxes."""
    words = [w for w in page.words if w.text.strip() and w.ink is None]
    if not words:
        return None
    gap = CELL_GAP_HEIGHTS * median(w.box.bottom - w.box.top for w in words)
    lines: list[str] = []
    placed: list[Word] = []
    for number, row in enumerate(visual_rows(words)):
        parts: list[str] = []
        for index, word in enumerate(row):
            if index:
                wide = word.box.left - row[index - 1].box.right > gap
                parts.append(f" {CELL_GAP} " if wide else " ")
            parts.append(word.text)
            placed.append(replace(word, line=number))
        lines.append("".join(parts))
    return PageText(page.number, "\n".join(lines), tuple(placed))


def row_pages(pages: Sequence[PageText]) -> list[PageText] | None:
    """Every page as rows; None when a page has no boxes (plain text has no geometry)."""
    rows = [row_page(page) for page in pages]
    if any(r is None for r in rows):
        return None
    return [r for r in rows if r is not None]
