"""Civil-status papers: birth certificate and extract, marital-status certificate,
marriage certificate, death extract.

The child's (or person's) own details come before the parents' on these forms, so
person-level labels that repeat for the parents (Dân tộc, Quốc tịch...) are read only
above the first parent line.
"""

from __future__ import annotations

import re

from classifiers.fields import labels
from classifiers.fields.columns import names_by_columns
from classifiers.fields.dates import find_date
from classifiers.fields.field_types import Field
from classifiers.fields.lines import (
    Line,
    Span,
    any_of,
    find_labelled,
    first_line_matching,
    fold_key,
    line_position,
    name_case,
)
from classifiers.fields.numbers import read_digits
from classifiers.fields.readers import (
    add_lost_labels,
    apply_id_checks,
    read_date,
    read_ethnicity,
    read_id_number,
    read_name,
    read_nationality,
    read_sex,
    read_text,
)
from classifiers.fields.reading import PER_FIX, Document

_NAME = re.compile(labels.FULL_NAME)
_MOTHER = re.compile(labels.MOTHER_NAME)
_DECEASED = re.compile(labels.DECEASED_NAME)
_FATHER = re.compile(labels.FATHER_NAME)
_DOB = re.compile(labels.DATE_OF_BIRTH)
_SEX = re.compile(labels.SEX)
_ETHNICITY = re.compile(labels.ETHNICITY)
_NATIONALITY = re.compile(labels.NATIONALITY)
_PLACE_OF_BIRTH = re.compile(labels.PLACE_OF_BIRTH)
_ID = re.compile(labels.PERSONAL_ID)
_IN_WORDS = re.compile(labels.IN_WORDS)
_BOOK = re.compile(labels.REGISTER_BOOK)
_STATUS = re.compile(labels.MARITAL_STATUS)
_PURPOSE = re.compile(labels.PURPOSE)
_HUSBAND = re.compile(labels.HUSBAND_NAME)
_WIFE = re.compile(labels.WIFE_NAME)
_REGISTRATION_DATE = re.compile(labels.REGISTRATION_DATE)
_DEATH = re.compile(labels.DATE_OF_DEATH)
_DEATH_TIME = re.compile(r"\b\d{1,2}\s*gio\s*\d{1,2}\s*phut\b")
"""``9 giờ 35 phút, ngày 03 tháng 10 năm 2019``: a death paper's only date given to the
minute is the death's, so it is read there when its label (``Đã chết vào lúc``) is lost."""

_STOPS = any_of(
    labels.FULL_NAME,
    labels.MOTHER_NAME,
    labels.FATHER_NAME,
    labels.HUSBAND_NAME,
    labels.WIFE_NAME,
    labels.DECEASED_NAME,
    labels.DATE_OF_BIRTH,
    labels.YEAR_OF_BIRTH,
    labels.SEX,
    labels.ETHNICITY,
    labels.NATIONALITY,
    labels.PLACE_OF_BIRTH,
    labels.PLACE_OF_ORIGIN,
    labels.PLACE_OF_RESIDENCE,
    labels.PERSONAL_ID,
    labels.IN_WORDS,
    labels.REGISTER_BOOK,
    labels.MARITAL_STATUS,
    labels.PURPOSE,
    labels.MARITAL_OTHER,
    labels.REGISTRATION_DATE,
    labels.DATE_OF_DEATH,
    labels.CIVIL_OTHER,
)

WORDS_ONLY = 0.7
AGREEING = 0.95
DISAGREEING = 0.4


def _put(fields: dict[str, Field], name: str, field: Field | None) -> None:
    if field is not None:
        fields[name] = field


def _words_date(doc: Document, start: int, stop: int) -> Field | None:
    """The date in words after ``ghi bằng chữ`` near the numeric date (may wrap a line)."""
    for at in range(start, min(stop, len(doc.lines))):
        line = doc.lines[at]
        match = _IN_WORDS.search(line.key)
        if match is None:
            continue
        text = line.text[match.end() :]
        nxt = doc.lines[at + 1] if at + 1 < len(doc.lines) else None
        if nxt is not None and nxt.page == line.page:
            text += " " + nxt.text
        found = find_date(text, kinds=("words",))
        if found is not None:
            end = min(len(line.text), match.end() + found.end)
            span = Span(line, match.end() + found.start, end)
            return doc.field(found.value.isoformat(), WORDS_ONLY, [span])
    return None


def date_of_birth(doc: Document, stop: int) -> dict[str, Field]:
    """Date of birth in numbers, cross-checked with the same date in words.

    Agreement of the two independent spellings gives 0.95; disagreement keeps the
    numeric date at 0.4 and reports both in ``date_of_birth_problems``.
    """
    numeric = read_date(doc, _DOB, _STOPS, stop=stop)
    at = 0
    if numeric is not None:
        found = find_labelled(doc.lines, _DOB, _STOPS, stop=stop)
        at = line_position(doc.lines, found.spans[0].line) if found else 0
    words = _words_date(doc, at, min(stop, at + 3) if numeric else stop)
    if numeric is None:
        return {"date_of_birth": words} if words else {}
    if words is None or words.raw == numeric.raw:
        return {"date_of_birth": numeric}
    if words.value == numeric.value:
        confidence = max(numeric.confidence, AGREEING)
        return {"date_of_birth": _retuned(numeric, confidence)}
    problem = Field(
        f"date of birth in numbers {numeric.value} disagrees with the date in words {words.value}",
        0.9,
        numeric.page,
    )
    return {
        "date_of_birth": _retuned(numeric, min(numeric.confidence, DISAGREEING)),
        "date_of_birth_problems": problem,
    }


def _retuned(field: Field, confidence: float) -> Field:
    return Field(field.value, round(confidence, 3), field.page, field.box, field.raw)


def _first_token(field: Field | None) -> Field | None:
    if field is None or not field.value.split():
        return None
    token = field.value.split()[0].rstrip(".,;")
    return Field(token, field.confidence, field.page, field.box, field.raw)


def _parents_at(lines: tuple[Line, ...]) -> int:
    return min(first_line_matching(lines, _MOTHER), first_line_matching(lines, _FATHER))


def birth_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """Birth certificate / extract: the child, the parents and the register entry."""
    parents = _parents_at(doc.lines)
    fields: dict[str, Field] = {}
    _put(fields, "full_name", read_name(doc, _NAME, _STOPS, stop=parents))
    fields.update(date_of_birth(doc, parents))
    _put(
        fields,
        "place_of_birth",
        read_text(doc, _PLACE_OF_BIRTH, _STOPS, stop=parents, continuation=True),
    )
    _put(fields, "sex", read_sex(doc, _SEX, _STOPS, stop=parents))
    _put(fields, "ethnicity", read_ethnicity(doc, _ETHNICITY, _STOPS, stop=parents))
    _put(fields, "nationality", read_nationality(doc, _NATIONALITY, _STOPS, stop=parents))
    _put(fields, "id_number", read_id_number(doc, _ID, _STOPS, stop=parents))
    _put(fields, "mother_name", read_name(doc, _MOTHER, _STOPS))
    _put(fields, "father_name", read_name(doc, _FATHER, _STOPS))
    entry = register_entry(doc)
    _put(fields, "register_number", entry.get("register_number") or common.get("document_number"))
    _put(
        fields,
        "register_book",
        entry.get("register_book") or _first_token(read_text(doc, _BOOK, _STOPS)),
    )
    apply_id_checks(fields)
    add_lost_labels(doc, fields, stop=parents)
    return fields


# "… Sổ đăng ký khai sinh số 111, quyển số 02": how an extract cites the register entry
# (folded key; OCR may drop the comma or the accents).
_ENTRY = re.compile(
    r"so\s*dang\s*ky\s*(?:(?:khai\s*sinh|ket\s*hon|khai\s*tu)\s*so\s*)?[:.]?\s*"
    r"(?P<number>[0-9oil|]{1,6})\b(?:\s*[,;]?\s*quyen\s*so\s*[:.]?\s*(?P<book>[0-9oil|/\-]{1,12}))?"
)


def register_entry(doc: Document) -> dict[str, Field]:
    """The register number and book an extract was copied from.

    An extract's own ``Số:`` in its header is the extract's number, not the
    register entry's; the entry is cited in the sentence that says where the
    extract comes from, and wins when present.
    """
    for line in doc.lines:
        found = _ENTRY.search(line.key)
        if found is None:
            continue
        fields = {}
        for name, group in (("register_number", "number"), ("register_book", "book")):
            start, end = found.span(group)
            if start < 0:
                continue
            digits = read_digits(line.text[start:end])
            if digits is None:
                continue
            value, fixes = digits
            fields[name] = doc.field(value, 0.85 - PER_FIX * fixes, [Span(line, start, end)])
        return fields
    return {}


_STATUS_CODES = (
    (re.compile(r"\bly\s*hon\b"), "divorced"),
    (re.compile(r"\b(?:chet|mat|qua\s*doi)\b"), "widowed"),
    (re.compile(r"\bchua\s*(?:dang\s*ky\s*)?ket\s*hon\b|\bdoc\s*than\b"), "single"),
    (re.compile(r"\bdang\s*co\s*(?:vo|chong)\b|\bda\s*dang\s*ky\s*ket\s*hon\b"), "married"),
)
"""Marital status text → a code, first match wins (``đã đăng ký kết hôn, nhưng đã ly hôn``
is divorced, not married)."""


def status_code(field: Field) -> Field | None:
    key = fold_key(field.value)
    for pattern, code in _STATUS_CODES:
        if pattern.search(key):
            return Field(code, field.confidence, field.page, field.box, field.raw)
    return None


def marital_status_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """Certificate of marital status: the person, the status and what it is for."""
    fields: dict[str, Field] = {}
    _put(fields, "full_name", read_name(doc, _NAME, _STOPS))
    _put(fields, "date_of_birth", read_date(doc, _DOB, _STOPS))
    _put(fields, "sex", read_sex(doc, _SEX, _STOPS))
    _put(fields, "id_number", read_id_number(doc, _ID, _STOPS))
    status = read_text(doc, _STATUS, _STOPS, continuation=True)
    _put(fields, "status", status)
    _put(fields, "status_code", status_code(status) if status else None)
    _put(fields, "purpose", read_text(doc, _PURPOSE, _STOPS, continuation=True))
    apply_id_checks(fields)
    add_lost_labels(doc, fields)
    return fields


# Section headers, never the bare "Chồng" / "Vợ" captions over the signatures.
_HUSBAND_SECTION = re.compile(
    r"\bthong\s*tin\s*(?:ve\s*)?(?:nguoi\s*|ben\s*)?chong\b(?!\s*vo\b)"
    r"|^[\W_]*(?:ben|nguoi)\s*chong\s*:"
    # A half of the sheet headed ``CHỒNG / HUSBAND`` (the heading alone on its line; OCR
    # may read the edge of a frame as ``_``, which ``\W`` does not cover: ``_VỢ/WIFE -``).
    r"|^[\W_]*(?:(?:ben|nguoi)\s*)?chong[\W_]*(?:husband[\W_]*)?$|^[\W_]*husband[\W_]*$"
)
_WIFE_SECTION = re.compile(
    r"\bthong\s*tin\s*(?:ve\s*)?(?:nguoi\s*|ben\s*)?vo\b|^[\W_]*(?:ben|nguoi)\s*vo\s*:"
    r"|^[\W_]*(?:(?:ben|nguoi)\s*)?vo[\W_]*(?:wife[\W_]*)?$|^[\W_]*wife[\W_]*$"
)
_SIGN_HERE = re.compile(r"\bky\s*,?\s*ghi\s*ro\s*ho\s*(?:va\s*)?ten\b")


def _section_line(doc: Document, section: re.Pattern[str]) -> int | None:
    return next((i for i, line in enumerate(doc.lines) if section.search(line.key)), None)


def _spouses_by_one_heading(doc: Document) -> tuple[Field | None, Field | None]:
    """One spouse's heading lost by OCR (``VỢ / WIFE`` under a stamp or faint): when the
    paper has exactly two name labels, the first after the heading found is that
    spouse's and the other is the other's (unseen draw 15000)."""
    husband_at, wife_at = _section_line(doc, _HUSBAND_SECTION), _section_line(doc, _WIFE_SECTION)
    if (husband_at is None) == (wife_at is None):
        return None, None
    labels_at = [i for i, line in enumerate(doc.lines) if _NAME.search(line.key)]
    heading = husband_at if husband_at is not None else wife_at
    own = next((i for i in labels_at if i > heading), None)
    if len(labels_at) != 2 or own is None:
        return None, None
    other = labels_at[1 - labels_at.index(own)]
    named = read_name(doc, _NAME, _STOPS, start=own, stop=own + 1)
    rest = read_name(doc, _NAME, _STOPS, start=other, stop=other + 1)
    if named is None or rest is None:
        return None, None
    return (named, rest) if husband_at is not None else (rest, named)


def _spouses_by_section(doc: Document) -> tuple[Field | None, Field | None]:
    """``Thông tin người chồng:`` … ``Họ, chữ đệm, tên: X`` … ``Thông tin người vợ:`` … ``Y``."""
    husband_at, wife_at = _section_line(doc, _HUSBAND_SECTION), _section_line(doc, _WIFE_SECTION)
    if husband_at is None or wife_at is None or wife_at <= husband_at:
        return None, None
    husband = read_name(doc, _NAME, _STOPS, start=husband_at, stop=wife_at)
    if husband is None:
        # Nothing between the headings: they head a table's two columns (``Bên chồng |
        # Bên vợ`` read as two lines), and the name row under them holds both spouses.
        return None, None
    wife = read_name(doc, _NAME, _STOPS, start=wife_at)
    return husband, wife


def _spouses_by_signatures(doc: Document) -> tuple[Field | None, Field | None]:
    """The two-column certificate: the names under ``(Ký, ghi rõ họ tên)``, husband first,
    kept only when the name row of the table holds both, in that order."""
    lines = doc.lines
    signs = [i for i, line in enumerate(lines) if _SIGN_HERE.search(line.key)]
    if not signs:
        return None, None
    names = []
    for line in lines[signs[-1] + 1 : signs[-1] + 4]:
        if name_case(line.text) is not None and len(line.text.split()) >= 2:
            names.append(line)
        if len(names) == 2:
            break
    if len(names) < 2:
        return None, None
    row = next((line for line in lines if _NAME.search(line.key)), None)
    keys = [" ".join(line.key.split()) for line in names]
    if row is None or not all(key in row.key for key in keys):
        return None, None
    if row.key.index(keys[0]) > row.key.index(keys[1]):
        return None, None
    return tuple(  # type: ignore[return-value]
        doc.field(
            name_case(line.text) or line.text, SIGNED_AND_TABLED, [Span(line, 0, len(line.text))]
        )
        for line in names
    )


SIGNED_AND_TABLED = 0.8
"""Confidence of a spouse's name read under the signature and found again in the table."""


SPOUSE_COLUMNS = (
    ("husband_name", re.compile(r"\b(?:ben\s*|nguoi\s*)?chong\b")),
    ("wife_name", re.compile(r"\b(?:ben\s*|nguoi\s*)?vo\b")),
)


def _spouses_by_columns(doc: Document) -> tuple[Field | None, Field | None]:
    """The table with one column per spouse, under ``Bên chồng | Bên vợ`` in either order."""
    found = names_by_columns(doc, SPOUSE_COLUMNS)
    return found.get("husband_name"), found.get("wife_name")


def marriage_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """Marriage certificate / extract: husband and wife, and the registration date.

    By label (``Họ, chữ đệm, tên người chồng``), by section (``Thông tin người
    chồng`` / ``vợ``), or, on the two-column certificate whose one row holds
    both names, by the names under the signatures checked against that row.
    """
    fields: dict[str, Field] = {}
    husband, wife = read_name(doc, _HUSBAND, _STOPS), read_name(doc, _WIFE, _STOPS)
    readers = (
        _spouses_by_section,
        _spouses_by_columns,
        _spouses_by_signatures,
        _spouses_by_one_heading,
    )
    for read in readers:
        if husband is None or wife is None:
            by_husband, by_wife = read(doc)
            husband, wife = husband or by_husband, wife or by_wife
    _put(fields, "husband_name", husband)
    _put(fields, "wife_name", wife)
    _put(fields, "registration_date", read_date(doc, _REGISTRATION_DATE, _STOPS))
    return fields


def death_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """Death extract: the deceased (first name on the form) and the date of death."""
    fields: dict[str, Field] = {}
    _put(fields, "full_name", read_name(doc, _DECEASED, _STOPS) or read_name(doc, _NAME, _STOPS))
    death = read_date(doc, _DEATH, _STOPS) or read_date(doc, _DEATH_TIME, _STOPS)
    _put(fields, "date_of_death", death)
    _put(fields, "date_of_birth", read_date(doc, _DOB, _STOPS))
    _put(fields, "id_number", read_id_number(doc, _ID, _STOPS))
    apply_id_checks(fields)
    add_lost_labels(doc, fields, sex=False)  # a death extract does not report the sex
    return fields
