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

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from statistics import median

from classifiers.fields import labels
from classifiers.fields.field_types import PageText, Word
from classifiers.fields.lines import CELL_GAP, fold_key

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


NEXT_ROW_HEIGHTS = 2.5
"""A row of values is at most this many word heights below its row of labels."""

_LABEL = re.compile(
    "|".join(f"(?:{v})" for k, v in vars(labels).items() if k.isupper() and isinstance(v, str))
)
"""Every label the readers know (``classifiers.fields.labels``), to recognise a row of them."""


def _cells(row: list[Word], gap: float) -> list[list[Word]]:
    cells: list[list[Word]] = [[row[0]]]
    for before, word in pairwise(row):
        if word.box.left - before.box.right > gap:
            cells.append([word])
        else:
            cells[-1].append(word)
    return cells


def _centre(cell: list[Word]) -> float:
    return (cell[0].box.left + cell[-1].box.right) / 2


def _text(cell: list[Word]) -> str:
    return " ".join(w.text for w in cell)


def _under(labels_row: list[list[Word]], values_row: list[list[Word]], height: float) -> bool:
    """True when ``values_row`` holds one value under each label of ``labels_row``: as many
    cells, each nearest to its own label's column, just below, every cell above a known
    label and none below one (``Ngày cấp  Có giá trị đến`` over ``01/07/2025  01/07/2040``)."""
    if len(labels_row) < 2 or len(values_row) != len(labels_row):
        return False
    top = min(w.box.top for cell in values_row for w in cell)
    bottom = max(w.box.bottom for cell in labels_row for w in cell)
    if top - bottom > NEXT_ROW_HEIGHTS * height:
        return False
    texts = [_text(cell) for cell in labels_row]
    if any(re.search(r"\d", t) for t in texts):
        return False
    if not all(_LABEL.search(fold_key(t)) for t in texts):
        return False  # a row of labels only: "Họ và tên | NGUYỄN VĂN AN" is a label and value
    if any(_LABEL.match(fold_key(_text(cell))) for cell in values_row):
        return False  # the row below is more labels
    centres = [_centre(cell) for cell in labels_row]
    for index, cell in enumerate(values_row):
        nearest = min(range(len(centres)), key=lambda i: abs(centres[i] - _centre(cell)))
        if nearest != index:
            return False
    return True


def row_page(page: PageText) -> PageText | None:
    """The page as visual rows with cell gaps; None when it has no word boxes.

    A row of labels over a row of their values becomes one line per pair
    (``Ngày cấp: 01/07/2025``), so each label is followed by its own value.
    """
    words = [w for w in page.words if w.text.strip() and w.ink is None]
    if not words:
        return None
    height = median(w.box.bottom - w.box.top for w in words)
    gap = CELL_GAP_HEIGHTS * height
    rows = [_cells(row, gap) for row in visual_rows(words)]
    lines: list[str] = []
    placed: list[Word] = []
    at = 0
    while at < len(rows):
        if at + 1 < len(rows) and _under(rows[at], rows[at + 1], height):
            for label, value in zip(rows[at], rows[at + 1], strict=True):
                placed += [replace(w, line=len(lines)) for w in (*label, *value)]
                lines.append(f"{_text(label)}: {_text(value)}")
            at += 2
            continue
        placed += [replace(w, line=len(lines)) for cell in rows[at] for w in cell]
        lines.append(f" {CELL_GAP} ".join(_text(cell) for cell in rows[at]))
        at += 1
    return PageText(page.number, "\n".join(lines), tuple(placed))


def row_pages(pages: Sequence[PageText]) -> list[PageText] | None:
    """Every page as rows; None when a page has no boxes (plain text has no geometry)."""
    rows = [row_page(page) for page in pages]
    if any(r is None for r in rows):
        return None
    return [r for r in rows if r is not None]


GUTTER_BAND = (0.3, 0.7)
"""Where across the page a gutter between two columns of print is looked for (shares of
its width): a column narrower than three tenths of a landscape sheet holds no form."""
GUTTER_LABELS = 2
"""Rows with a known label each side of a gutter must hold for the page to be a form in
two columns: a column of values beside its labels (a ruled table) holds none, and is
read by rows instead."""
GUTTER_CROSSING = 0.1
"""Share of the rows that may cross the gutter (a title or motto across the sheet)."""


def _gutter(words: Sequence[Word], rows: Sequence[list[Word]], height: float) -> float | None:
    """The x of the empty strip between two columns of print side by side, or None."""
    left = min(w.box.left for w in words)
    right = max(w.box.right for w in words)
    step = max(1.0, height / 2)
    best: tuple[int, float] | None = None
    x = left + GUTTER_BAND[0] * (right - left)
    while x <= left + GUTTER_BAND[1] * (right - left):
        crossing = sum(1 for row in rows if any(w.box.left < x < w.box.right for w in row))
        if best is None or crossing < best[0]:
            best = (crossing, x)
        x += step
    if best is None or best[0] > GUTTER_CROSSING * len(rows):
        return None
    gutter = best[1]
    sides = (
        [row for row in rows if any(w.box.right <= gutter for w in row)],
        [row for row in rows if any(w.box.left >= gutter for w in row)],
    )
    if any(_labelled_rows(side, gutter, at) < GUTTER_LABELS for at, side in enumerate(sides)):
        return None
    return gutter


def _labelled_rows(rows: Sequence[list[Word]], gutter: float, side: int) -> int:
    """Rows of one side of the gutter that hold a label the readers know."""
    count = 0
    for row in rows:
        kept = [w for w in row if (w.box.left >= gutter) == bool(side)]
        count += bool(_LABEL.search(fold_key(" ".join(w.text for w in kept))))
    return count


def column_page(page: PageText) -> PageText | None:
    """The page read column by column, when it is printed in two columns side by side:
    every row of the left column top to bottom, then the right column's.

    Tesseract reads a landscape form's two halves across, one line from each: ``Họ, chữ
    đệm, tên / Full name 1986`` (a label from the left half, the mother's birth year from
    the right), the name under it with the father's label beside it (unseen draw 15000).
    Read by columns, each label has its own value under it again. None when the page has
    no boxes or no gutter holds two columns apart.
    """
    words = [w for w in page.words if w.text.strip() and w.ink is None]
    if not words:
        return None
    height = median(w.box.bottom - w.box.top for w in words)
    gutter = _gutter(words, visual_rows(words), height)
    if gutter is None:
        return None
    columns = (
        [w for w in words if (w.box.left + w.box.right) / 2 < gutter],
        [w for w in words if (w.box.left + w.box.right) / 2 >= gutter],
    )
    gap = CELL_GAP_HEIGHTS * height
    lines: list[str] = []
    placed: list[Word] = []
    for column in columns:
        for row in visual_rows(column):
            cells = _cells(row, gap)
            placed += [replace(w, line=len(lines)) for cell in cells for w in cell]
            lines.append(f" {CELL_GAP} ".join(_text(cell) for cell in cells))
    return PageText(page.number, "\n".join(lines), tuple(placed))


def column_pages(pages: Sequence[PageText]) -> list[PageText] | None:
    """Every page by its columns; None unless some page is printed in two columns."""
    read = [column_page(page) for page in pages]
    if all(r is None for r in read):
        return None
    return [r if r is not None else page for r, page in zip(read, pages, strict=True)]
