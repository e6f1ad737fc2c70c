"""People printed side by side: one column per party under a row of column titles.

Marriage certificates (``Bên chồng | Bên vợ``), contracts (``Bên A | Bên B``) and
powers of attorney (``Bên ủy quyền | Bên nhận ủy quyền``) are often a table with
one column per person: a title row, then rows holding a label and one cell per
column. Tesseract's lines run the cells together (``Họ, chữ đệm, tên LÊ DIỆU
TRANG LÒ DUY ẨN``); the page's visual rows (``visual_rows``) keep the cells
apart, so here the names' row is split at its cell gaps and each name goes to
the person its column's title names, in the order the titles are printed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from classifiers.fields import labels
from classifiers.fields.field_types import Field
from classifiers.fields.lines import (
    CELL_GAP,
    Line,
    Span,
    is_label_text,
    name_case,
    value_bounds,
)
from classifiers.fields.person_names import correct_name
from classifiers.fields.reading import SAME_LINE, Document
from classifiers.folded_text import letters_upper_ratio

TITLE_MIN_UPPER = 0.6
"""Column titles are printed in capitals (or stand in cells): a sentence naming both
parties (``Bên A và Bên B cam kết …``) is no title row."""

TITLE_ROWS = 4
"""Rows under the column titles where the names' row is looked for."""

_NAME_ROW = re.compile(labels.FULL_NAME + r"|^\W*(?:ong|ba)(?:\s*/\s*(?:ong|ba))?\b\s*:?")


def _titles_in(line: Line, columns: Sequence[tuple[str, re.Pattern[str]]]) -> list[str] | None:
    """The columns' fields in the order their titles stand on ``line``; None unless all do."""
    found = []
    for field, title in columns:
        match = title.search(line.key)
        if match is None:
            return None
        found.append((match.start(), field))
    starts = [s for s, _ in found]
    if len(set(starts)) != len(starts):
        return None
    return [field for _, field in sorted(found)]


def _cells(row: Line, start: int) -> list[Span]:
    """The row's cells after ``start``; a cell that repeats the label (``Họ và tên: X`` in
    each column) is cut to its value."""
    cells, at = [], start
    for part in row.text[start:].split(CELL_GAP):
        left = at + len(part) - len(part.lstrip())
        label = _NAME_ROW.match(row.key, left)
        left, right = value_bounds(row, label.end() if label else at, at + len(part))
        if row.text[left:right].strip():
            cells.append(Span(row, left, right))
        at += len(part) + len(CELL_GAP)
    return cells


def has_column_titles(doc: Document, columns: Sequence[tuple[str, re.Pattern[str]]]) -> bool:
    """Whether one line holds every column's title: then the people stand side by side,
    and a reader that takes the text after a title as that person's would run into the
    next column."""
    return any(
        _titles_in(line, columns) is not None
        and (CELL_GAP in line.text or letters_upper_ratio(line.text) >= TITLE_MIN_UPPER)
        for line in doc.lines
    )


def names_by_columns(
    doc: Document, columns: Sequence[tuple[str, re.Pattern[str]]]
) -> dict[str, Field]:
    """Each column's person from the first titled table; {} when there is none."""
    for at, line in enumerate(doc.lines):
        order = _titles_in(line, columns)
        if order is None:
            continue
        rows = doc.lines[at + 1 : at + 1 + TITLE_ROWS]
        for index, row in enumerate(rows):
            label = _NAME_ROW.search(row.key)
            if label is None or CELL_GAP not in row.text[label.end() :]:
                continue
            cells = _cells(row, label.end())
            if all(is_label_text(c.text) for c in cells) and index + 1 < len(rows):
                # One name label per column (``Họ, chữ đệm, tên / Full name`` twice), the
                # names on the row under them.
                cells = _cells(rows[index + 1], 0)
            names = [name_case(c.text) for c in cells]
            if len(cells) != len(order) or any(n is None for n in names):
                continue
            return {
                field: doc.field(correct_name(name or "").name, SAME_LINE, [cell])
                for field, name, cell in zip(order, names, cells, strict=True)
            }
        stacked = _stacked_labels(rows, len(order))
        if stacked:
            return {
                field: doc.field(correct_name(name_case(cell.text) or "").name, SAME_LINE, [cell])
                for field, cell in zip(order, stacked, strict=True)
            }
    return {}


def _stacked_labels(rows: Sequence[Line], count: int) -> list[Span]:
    """The columns' ``label: name`` cells one under the other, in the titles' order: how
    the page's visual rows give a two-column sheet whose columns' rows do not line up
    (``Họ, chữ đệm, tên / Full name: TÔ ĐÌNH DẾ`` then the same for the wife)."""
    for start, row in enumerate(rows):
        if _NAME_ROW.search(row.key) is None:
            continue
        cells = []
        for line in rows[start : start + count]:
            label = _NAME_ROW.search(line.key)
            if label is None or CELL_GAP in line.text:
                return []
            left, right = value_bounds(line, label.end(), len(line.text))
            if name_case(line.text[left:right]) is None:
                return []
            cells.append(Span(line, left, right))
        return cells if len(cells) == count else []
    return []
