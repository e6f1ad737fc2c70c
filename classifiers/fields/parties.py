"""The parties of a contract or a power of attorney: each named in its own section.

A contract introduces ``BÊN BÁN (sau đây gọi là Bên A):`` then ``Ông: …`` /
``Bà: …`` / ``Họ và tên: …``; a power of attorney ``I. BÊN ỦY QUYỀN`` then
``II. BÊN NHẬN ỦY QUYỀN``. A party's name is the first name after its
section's header and before the next party's: the same label reader for every
layout, with the sections as its bounds. Headers are told from body sentences
("Bên A có nghĩa vụ …") by being printed in capitals or ending with a colon
(``1. Người ủy quyền:``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import islice, pairwise

from classifiers.fields import labels
from classifiers.fields.columns import has_column_titles, names_by_columns
from classifiers.fields.field_types import Field
from classifiers.fields.lines import any_of, find_labelled, name_case
from classifiers.fields.person_names import correct_name
from classifiers.fields.reading import Document
from classifiers.folded_text import letters_upper_ratio

HEADER_MIN_UPPER = 0.6
"""Share of capitals that makes a line a section header rather than a sentence."""

_PERSON = re.compile(labels.FULL_NAME + r"|^\W*(?:ong|ba)(?:\s*/\s*(?:ong|ba))?\s*:")
_STOPS = any_of(
    labels.FULL_NAME, labels.DATE_OF_BIRTH, labels.PERSONAL_ID, labels.PLACE_OF_RESIDENCE
)

PARTIES: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "contract": (
        ("party_a", re.compile(r"\bgoi\s*(?:tat\s*)?la\s*ben\s*a\b|^\W*ben\s*a\b")),
        ("party_b", re.compile(r"\bgoi\s*(?:tat\s*)?la\s*ben\s*b\b|^\W*ben\s*b\b")),
    ),
    "power_of_attorney": (
        ("grantor_name", re.compile(r"\bben\s*uy\s*quyen\b|\bnguoi\s*uy\s*quyen\b")),
        (
            "agent_name",
            re.compile(
                r"\bben\s*(?:nhan|duoc)\s*uy\s*quyen\b|\bnguoi\s*(?:nhan|duoc)\s*uy\s*quyen\b"
            ),
        ),
    ),
}
"""Per type, its parties in the order they are introduced, and their section headers."""


_NAMES_THE_PARTY = re.compile(r"\bgoi\s*(?:tat\s*)?la\s*ben\b")
"""``(sau đây gọi là Bên A)``: the line introduces a party, however it is capitalised."""


def _header_at(doc: Document, header: re.Pattern[str], start: int) -> int | None:
    for at in range(start, len(doc.lines)):
        line = doc.lines[at]
        headed = (
            letters_upper_ratio(line.text) >= HEADER_MIN_UPPER
            or line.key.rstrip().endswith(":")
            or bool(_NAMES_THE_PARTY.search(line.key))
        )
        if headed and header.search(line.key):
            return at
    return None


COLUMNS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "contract": (
        ("party_a", re.compile(r"\bben\s*a\b")),
        ("party_b", re.compile(r"\bben\s*b\b")),
    ),
    "power_of_attorney": (
        ("grantor_name", re.compile(r"\b(?:ben|nguoi)\s*uy\s*quyen\b")),
        ("agent_name", re.compile(r"\b(?:ben|nguoi)\s*(?:nhan|duoc)\s*uy\s*quyen\b")),
    ),
}
"""Per type, the column titles of a table with one column per party (``columns``)."""


def _parties(kind: str, doc: Document) -> dict[str, Field]:
    """Section by section; by columns where the parties' titles share a row."""
    wanted = len(PARTIES[kind])
    if has_column_titles(doc, COLUMNS[kind]):
        by_columns = names_by_columns(doc, COLUMNS[kind])
        if len(by_columns) == wanted:
            return by_columns
        # The titles' row may be the signatures' (``BÊN A  BÊN B`` over the names at the
        # foot), not a table of the parties: the sections then say who is who.
        by_sections = party_fields(PARTIES[kind], doc)
        return by_sections if len(by_sections) == wanted else by_columns
    found = party_fields(PARTIES[kind], doc)
    if len(found) < wanted:
        by_columns = names_by_columns(doc, COLUMNS[kind])
        if len(by_columns) > len(found):
            return by_columns
        in_order = _named_in_order(PARTIES[kind], doc, found)
        if len(in_order) > len(found):
            return in_order
    return found


def _named_in_order(
    sections: Sequence[tuple[str, re.Pattern[str]]], doc: Document, found: dict[str, Field]
) -> dict[str, Field]:
    """A party's header lost by OCR (under a stamp, faint): when the paper names exactly
    as many people by label as it has parties, in the order it introduces them, each is
    its party, provided those the headers did find agree (unseen draw 14000, an agent's
    ``NGƯỜI ĐƯỢC ỦY QUYỀN`` lost)."""
    names = list(islice(_labelled_names(doc, 0), len(sections) + 1))
    if len(names) != len(sections):
        return found
    ordered = {field: name for (field, _), name in zip(sections, names, strict=True)}
    if any(ordered[field].value != party.value for field, party in found.items()):
        return found
    return ordered


def contract_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """A contract's two parties (``party_a``, ``party_b``)."""
    return _parties("contract", doc)


def power_of_attorney_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """Who grants the power and who receives it (``grantor_name``, ``agent_name``)."""
    return _parties("power_of_attorney", doc)


def party_fields(
    sections: Sequence[tuple[str, re.Pattern[str]]], doc: Document
) -> dict[str, Field]:
    """Each party's name, read between its header and the next party's."""
    starts: list[tuple[str, int]] = []
    at = 0
    for field, header in sections:
        found = _header_at(doc, header, at)
        if found is None:
            break
        starts.append((field, found))
        at = found + 1
    if len(starts) > 1 and all(b[1] == a[1] + 1 for a, b in pairwise(starts)):
        return _stacked(doc, starts)
    fields: dict[str, Field] = {}
    for index, (field, start) in enumerate(starts):
        stop = starts[index + 1][1] if index + 1 < len(starts) else None
        named = find_labelled(
            doc.lines,
            _PERSON,
            _STOPS,
            start=start,
            stop=stop,
            accept=lambda v: name_case(v) is not None,
        )
        if named is not None:
            reading = correct_name(name_case(named.value) or "")
            fields[field] = doc.found(reading.name, named)
    return fields


def _stacked(doc: Document, starts: Sequence[tuple[str, int]]) -> dict[str, Field]:
    """Headers on consecutive lines are column titles read one under the other (the
    columns side by side, read row by row): the names after them come in the same order,
    the first to the first party."""
    names = _labelled_names(doc, starts[-1][1] + 1)
    return {field: name for (field, _), name in zip(starts, names, strict=False)}


def _labelled_names(doc: Document, start: int) -> Iterator[Field]:
    """The people the paper names by label from line ``start`` on, in reading order, each
    name corrected: both readers that pair names with parties by their order use it."""
    at = start
    while True:
        named = find_labelled(
            doc.lines, _PERSON, _STOPS, start=at, accept=lambda v: name_case(v) is not None
        )
        if named is None:
            return
        yield doc.found(correct_name(name_case(named.value) or "").name, named)
        at = doc.lines.index(named.spans[-1].line, at) + 1
