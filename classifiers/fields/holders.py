"""Who a household book or a land title belongs to: the head of household, the land holder.

Both name their person the same ways, on every layout seen so far: after a label
(``Họ và tên chủ hộ:``, ``Chủ hộ:``, ``Họ và tên:``), or as ``Ông:`` / ``Bà:`` /
``Hộ ông … và bà …`` opening a line of the holder's section (``I. Người sử dụng
đất …``). A couple is named together; the first named is the holder the register
cites, so the name ends at ``và bà`` / ``và ông``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from classifiers.fields import labels
from classifiers.fields.field_types import Field
from classifiers.fields.lines import Line, any_of, find_labelled, first_line_matching, name_case
from classifiers.fields.person_names import correct_name
from classifiers.fields.reading import Document

HEAD_OF_HOUSEHOLD = re.compile(
    r"\bho\s*(?:va\s*)?ten\s*(?:cua\s*)?chu\s*ho\b|^\W*chu\s*ho\s*:"
    r"|\bhead\s*of\s*household\b"
)
_HOLDER_SECTION = re.compile(
    r"\bnguoi\s*su\s*dung\s*dat\b|\bchu\s*su\s*dung\b|\bben\s*duoc\s*cap\b"
    r"|\bnguoi\s*duoc\s*cap\s*giay\b"
)
_TITLED = r"^[\W_]*(?:\d+\W*|[a-z]\)\s*)?(?:ho\s*(?:gia\s*dinh\s*)?)?(?:ong|ba)\b\s*:?"
"""``Ông:``, ``Bà:``, ``Hộ ông``, ``1. Bà`` opening a line."""
_TITLED_LINE = re.compile(_TITLED)
_TITLE_IN_SECTION_ROW = (
    r"(?:" + _HOLDER_SECTION.pattern + r")[^:]{0,40}?\b(?:ho\s*(?:gia\s*dinh\s*)?)?(?:ong|ba)\b\s*:"
)
"""The section's title and the holder on one row of a table: ``1. Người sử dụng đất, chủ
sở hữu tài sản | Bà: ĐÀO MỸ HỒNG, sinh năm 1951`` (a landscape certificate of 2024)."""
_HOLDER = re.compile(_TITLED + "|" + labels.FULL_NAME + "|" + _TITLE_IN_SECTION_ROW)
_STOPS = any_of(
    labels.DATE_OF_BIRTH,
    labels.PERSONAL_ID,
    labels.PLACE_OF_RESIDENCE,
    labels.ADDRESS,
    r"\bnam\s*sinh\b|\bsinh\s*nam\b|\bsinh\s*ngay\b",
    r"\bcccd\b|\bcmnd\b",
)
_PARTNER = re.compile(
    r"\s+(?:và|va|VÀ|VA)\s+(?:ông|bà|ong|ba|ÔNG|BÀ|vợ|chồng)\b.*$|\s*[,;]\s*(?:sinh|SINH)\b.*$"
)
SECTION_LINES = 8
"""Lines after the holder's section title where the holder is looked for."""


_HONORIFIC = re.compile(r"^(?:bà|ba|BÀ|Bà)\s+|^(?:ông|ÔNG|Ông)\s+(?=\S+\s+\S+\s+\S)")
"""``Bà`` before a name is a title; ``Ông`` is a title only before three syllables or
more (Ông is also a surname: ``Ông Hồng Dợ``)."""


def _first_named(value: str) -> str | None:
    name = _PARTNER.sub("", value).strip(" ,;.-")
    return name_case(_HONORIFIC.sub("", name))


def _person(doc: Document, label: re.Pattern[str], start: int, stop: int | None) -> Field | None:
    found = find_labelled(
        doc.lines,
        label,
        _STOPS,
        start=start,
        stop=stop,
        accept=lambda v: _first_named(v) is not None,
    )
    if found is None:
        return None
    reading = correct_name(_first_named(found.value) or "")
    return doc.found(reading.name, found)


_IS_HEAD = re.compile(r"\bquan\s*he\s*voi\s*chu\s*ho\W*chu\s*ho\b")
"""A member page's ``Quan hệ với chủ hộ: Chủ hộ``: the member named just above is the head."""
_RELATION = re.compile(r"\bquan\s*he\s*voi\s*chu\s*ho\W*$")
_HEAD_VALUE = re.compile(r"^\W*chu\s*ho\W*$")
"""… or the relation's label alone, with ``Chủ hộ`` under it (values below their labels)."""


def _head_relation(lines: Sequence[Line]) -> int:
    """Index of the line that says the member above is the head, or ``len(lines)``."""
    for at, line in enumerate(lines):
        if _IS_HEAD.search(line.key):
            return at
        below = lines[at + 1].key if at + 1 < len(lines) else ""
        if _RELATION.search(line.key) and _HEAD_VALUE.match(below):
            return at
    return len(lines)


_NAME = re.compile(labels.FULL_NAME)
MEMBER_LINES = 3
"""Lines above the relation where the member's name is printed."""


def household_book_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """The head of household: by the book's own label on its cover page, else the
    member whose relation to the head reads ``Chủ hộ`` (the member pages)."""
    head = _person(doc, HEAD_OF_HOUSEHOLD, 0, None)
    if head is None:
        relation = _head_relation(doc.lines)
        above = range(relation - 1, max(-1, relation - 1 - MEMBER_LINES), -1)
        for at in above if relation < len(doc.lines) else ():
            head = _person(doc, _NAME, at, at + 1)  # the nearest name above
            if head is not None:
                break
    return {"head_of_household": head} if head is not None else {}


def land_holder(doc: Document) -> Field | None:
    """The first person named in the holder's section, else on a line of its own
    opening with ``Ông:`` / ``Bà:`` / ``Hộ ông``."""
    section = first_line_matching(doc.lines, _HOLDER_SECTION)
    if section < len(doc.lines):
        holder = _person(doc, _HOLDER, section, section + 1 + SECTION_LINES)
        if holder is not None:
            return holder
    return _person(doc, _TITLED_LINE, 0, None)
