"""Readers shared by the document types: a labelled name, date, sex, ID number...

Each takes the document, a label pattern and the type's ``stops`` and returns a
``Field`` or None. None means "not found"; nothing is ever guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from classifiers.fields.dates import find_date
from classifiers.fields.field_types import Field
from classifiers.fields.id_card_qr import parse_sex
from classifiers.fields.lines import (
    DEBRIS,
    Found,
    Line,
    Span,
    find_labelled,
    fold_key,
    name_case,
)
from classifiers.fields.person_names import correct_name
from classifiers.fields.personal_id import (
    decode_personal_id,
    find_personal_ids,
    is_structural,
    validate_personal_id,
)
from classifiers.fields.reading import NEXT_LINE, PER_FIX, SAME_LINE, Document

Pattern = re.Pattern[str]

NAME_FIX = 0.1
"""Confidence a name loses per syllable put right: right far more often than not,
but a person should glance at it (the page flags fields under 0.8)."""

UNKNOWN_SYLLABLE = 0.1
"""Confidence lost per syllable (up to two) that is no Vietnamese name syllable."""

# A valid, agreeing ID number whose reading needed look-alike fixes.
READ_WITH_FIXES = 0.95


def _base(found: Found) -> float:
    return NEXT_LINE if found.next_line else SAME_LINE


def read_text(
    doc: Document,
    label: Pattern,
    stops: Pattern | None,
    *,
    continuation: bool = False,
    start: int = 0,
    stop: int | None = None,
    accept: Callable[[str], bool] | None = None,
) -> Field | None:
    """Free text after a label (places, purposes, statuses), as printed."""
    found = find_labelled(
        doc.lines, label, stops, continuation=continuation, start=start, stop=stop, accept=accept
    )
    if found is None:
        return None
    value = found.value.strip(_STRAY_MARKS)
    return doc.found(value or found.value, found)


_STRAY_MARKS = " |_.,:;-–" + DEBRIS
"""What OCR makes of a form's dots, a ruled cell's edge or a speck around a value:
never the start or end of a place or a purpose."""


def read_name(
    doc: Document,
    label: Pattern,
    stops: Pattern | None,
    *,
    start: int = 0,
    stop: int | None = None,
    min_words: int = 2,
) -> Field | None:
    """A person's name after a label, in Title Case; values that are no name are skipped,
    and so is a single word: a Vietnamese name has a surname and a given name at least
    (``Đệnh``, the next column's ``Bệnh`` run into the label's row, is none)."""

    def a_name(value: str) -> bool:
        name = name_case(value)
        return name is not None and len(name.split()) >= min_words

    found = find_labelled(doc.lines, label, stops, start=start, stop=stop, accept=a_name)
    if found is None:
        return None
    reading = correct_name(name_case(found.value) or "")
    confidence = (
        _base(found) - NAME_FIX * reading.corrected - UNKNOWN_SYLLABLE * min(reading.unknown, 2)
    )
    return doc.found(reading.name, found, confidence=confidence)


def read_date(
    doc: Document, label: Pattern, stops: Pattern | None, *, start: int = 0, stop: int | None = None
) -> Field | None:
    """An ISO date after a label; an invalid date (31/02) is not returned. A date in words
    may go on over the next line (its year wrapped by a narrow cell)."""
    found = find_labelled(
        doc.lines,
        label,
        stops,
        start=start,
        stop=stop,
        accept=lambda v: find_date(v) is not None,
        continuation=True,
    )
    if found is None:
        return None
    return _date_field(doc, found)


def _date_field(doc: Document, found: Found) -> Field:
    """The first date in a found value, its field cut down to the date's own text."""
    span = found.spans[0]
    text = span.text
    match = find_date(text)
    if match is None:  # the date sits on a continuation span: keep the whole value
        match = find_date(found.value)
        assert match is not None
        return doc.found(match.value.isoformat(), found, confidence=_base(found) - 0.05)
    date_span = Span(span.line, span.start + match.start, span.start + match.end)
    confidence = _base(found) - PER_FIX * match.fixes - (0.1 if match.kind == "words" else 0)
    return doc.field(match.value.isoformat(), confidence, [date_span])


def read_sex(
    doc: Document, label: Pattern, stops: Pattern | None, *, start: int = 0, stop: int | None = None
) -> Field | None:
    """``male``/``female`` from ``Nam``/``Nữ`` after a label."""
    found = find_labelled(
        doc.lines, label, stops, start=start, stop=stop, accept=lambda v: _sex_of(v) is not None
    )
    if found is None:
        return None
    return doc.found(_sex_of(found.value) or "", found)


def _sex_of(value: str) -> str | None:
    """The sex the value opens with, past one stray mark read as a letter (``Ỉ Nam``: the
    edge of a card's column rule, unseen draw 16000)."""
    words = [word.rstrip(".,;") for word in value.split()[:2]]
    if len(words) == 2 and len(words[0]) == 1 and parse_sex(words[0]) is None:
        words = words[1:]
    return parse_sex(words[0]) if words else None


def canonical_nationality(value: str) -> str:
    """``Viet Nam``/``VIỆT NAM``/``Việt nam`` -> ``Việt Nam``; other values title-cased."""
    key = re.sub(r"[^a-z]", "", fold_key(value))
    if key in ("vietnam", "vietnamese", "vn", "vnm"):
        return "Việt Nam"
    if key.endswith(("namvietnam", "nuvietnam")) and len(key) <= len("namvietnam") + 1:
        return (
            "Việt Nam"  # a card's row ``Nữ Việt Nam``: sex, then nationality (a stray mark before)
        )
    return name_case(value) or value


def read_nationality(
    doc: Document, label: Pattern, stops: Pattern | None, *, start: int = 0, stop: int | None = None
) -> Field | None:
    """A nationality, ``Việt Nam`` spelled one way; OCR debris (no word in it) is skipped."""
    found = find_labelled(
        doc.lines, label, stops, start=start, stop=stop, accept=lambda v: name_case(v) is not None
    )
    if found is None:
        return None
    return doc.found(canonical_nationality(found.value), found)


def read_ethnicity(
    doc: Document, label: Pattern, stops: Pattern | None, *, start: int = 0, stop: int | None = None
) -> Field | None:
    """An ethnic group (``Kinh``, ``Ê Đê``): read like a name, in Title Case, one word or more."""
    return read_name(doc, label, stops, start=start, stop=stop, min_words=1)


def _id_after(
    doc: Document, line: Line, pos: int, stops: Pattern | None, base: float
) -> Field | None:
    """The first 12-digit run in ``line`` from ``pos`` up to the next label."""
    cut = stops.search(line.key, pos) if stops is not None else None
    segment = line.text[pos : cut.start() if cut else len(line.text)]
    runs = find_personal_ids(segment)
    if not runs:
        return None
    run = runs[0]
    span = Span(line, pos + run.start, pos + run.end)
    return doc.field(run.digits, base - PER_FIX * run.fixes, [span])


def read_id_number(
    doc: Document, label: Pattern, stops: Pattern | None, *, start: int = 0, stop: int | None = None
) -> Field | None:
    """A 12-digit personal ID number after a label (same or next line), look-alikes read.

    The confidence here is that of the reading; ``apply_id_checks`` caps it once the
    number has been validated against the date of birth and sex.
    """
    lines = doc.lines
    for at in range(start, len(lines) if stop is None else min(stop, len(lines))):
        for match in label.finditer(lines[at].key):
            field = _id_after(doc, lines[at], match.end(), stops, SAME_LINE)
            if field is None and at + 1 < len(lines) and lines[at + 1].page == lines[at].page:
                field = _id_after(doc, lines[at + 1], 0, stops, NEXT_LINE)
            if field is not None:
                return field
    return None


UNLABELLED_PERSON_ID = 0.6
"""Confidence of a personal ID number found alone on a line, its label lost."""


def add_lost_labels(
    doc: Document, fields: dict[str, Field], *, stop: int | None = None, sex: bool = True
) -> None:
    """The person's ID number or date of birth where OCR lost its label (a stamp over it,
    a faint cell), each found by the other.

    ``id_number``: a line holding nothing but 12 digits whose number agrees with the
    person's date of birth and sex in ``fields`` (its century-and-sex digit and birth
    year), the only such line. ``date_of_birth``: a line holding nothing but a date in the
    birth year the person's ID number encodes, the only such line (unseen draw 17000: a
    business owner's ``Ngày, tháng, năm sinh`` read as ``vỆc ouờ cho pohel``). ``sex``:
    the one the ID number encodes, when its birth year agrees with the date of birth
    (unseen draw 18000: the owner's ``Giới tính`` row lost whole), unless ``sex`` is false
    (a type that does not report it: a death extract). Another
    person's number or birth date on the paper (a parent's, a declarant's) is of another
    year. Called after :func:`apply_id_checks`: the agreement chose the value, so it cannot
    also confirm it, and the confidence stays ``UNLABELLED_PERSON_ID``."""
    if "id_number" not in fields:
        found = _unlabelled_id(doc, fields, stop)
        if found is not None:
            fields["id_number"] = found
        return
    number = fields["id_number"]
    if "date_of_birth" not in fields:
        found = _unlabelled_birth_date(doc, number.value, stop)
        if found is not None:
            fields["date_of_birth"] = found
    if sex and "sex" not in fields and "date_of_birth" in fields:
        decoded = decode_personal_id(number.value)
        born = fields["date_of_birth"].value
        if decoded is not None and not validate_personal_id(number.value, born):
            # The number encodes the sex (its century digit); it is this person's, as
            # its birth year agrees. Read off the number, not the paper: its box is the
            # number's.
            fields["sex"] = Field(
                decoded.sex, UNLABELLED_PERSON_ID, number.page, number.box, number.raw
            )


def _alone_on_line(line: Line, start: int, end: int) -> bool:
    """Nothing but the value (and up to two stray marks) on the line."""
    kept = len(re.sub(r"[\W_]", "", line.text[start:end]))
    return len(re.sub(r"[\W_]", "", line.text)) <= kept + 2


def _unlabelled_birth_date(doc: Document, number: str, stop: int | None) -> Field | None:
    decoded = decode_personal_id(number)
    if decoded is None or validate_personal_id(number):
        return None
    found: list[Field] = []
    for line in doc.lines[:stop]:
        date = find_date(line.text, kinds=("numeric",))
        if date is None or date.value.year != decoded.birth_year:
            continue
        if _alone_on_line(line, date.start, date.end):
            span = Span(line, date.start, date.end)
            found.append(
                doc.field(
                    date.value.isoformat(), UNLABELLED_PERSON_ID - PER_FIX * date.fixes, [span]
                )
            )
    return found[0] if len(found) == 1 else None


def _unlabelled_id(doc: Document, fields: dict[str, Field], stop: int | None) -> Field | None:
    if "date_of_birth" not in fields or "sex" not in fields:
        return None
    born, sex = fields["date_of_birth"].value, fields["sex"].value
    found: list[Field] = []
    for line in doc.lines[:stop]:
        runs = find_personal_ids(line.text)
        if len(runs) != 1 or not _alone_on_line(line, runs[0].start, runs[0].end):
            continue
        run = runs[0]
        if not validate_personal_id(run.digits, born, sex):
            span = Span(line, run.start, run.end)
            found.append(doc.field(run.digits, UNLABELLED_PERSON_ID - PER_FIX * run.fixes, [span]))
    return found[0] if len(found) == 1 else None


def apply_id_checks(fields: dict[str, Field], extra: list[str] | None = None) -> None:
    """Validate ``id_number`` against ``date_of_birth`` and ``sex`` in ``fields``.

    A number with problems is capped at 0.5 confidence (0.3 when its own structure is
    wrong) and the problems are put in ``id_number_problems``. A valid number that
    agrees with both a date of birth and a sex is a checked structure: confidence 1.0.
    """
    problems = list(extra or [])
    number = fields.get("id_number")
    old = fields.get("old_id_number")
    if number is not None and old is not None and number.value == old.value:
        number = None  # the old nine-digit card: no structure to check
    if number is not None:
        id_problems = validate_personal_id(
            number.value,
            fields["date_of_birth"].value if "date_of_birth" in fields else None,
            fields["sex"].value if "sex" in fields else None,
        )
        problems = id_problems + problems
        if id_problems:
            cap = 0.3 if any(is_structural(p) for p in id_problems) else 0.5
            fields["id_number"] = _with_confidence(number, min(number.confidence, cap))
        elif _checked(fields, problems):
            # Look-alike letters read as digits are not covered by the check (the last
            # six digits carry no structure), so such a reading stays below 1.0.
            clean = re.sub(r"\s", "", number.raw) in ("", number.value)
            fields["id_number"] = _with_confidence(
                number, 1.0 if clean else max(number.confidence, READ_WITH_FIXES)
            )
    if problems:
        anchor = fields.get("id_number") or next(iter(fields.values()), None)
        page = anchor.page if anchor else 1
        fields["id_number_problems"] = Field("; ".join(problems), 0.9, page, None, "")


def _checked(fields: dict[str, Field], problems: list[str]) -> bool:
    """A valid number agreeing with a DOB and sex, with no conflict about those three."""
    if "date_of_birth" not in fields or "sex" not in fields:
        return False
    return not any(p.startswith(("id_number", "date_of_birth", "sex")) for p in problems)


def _with_confidence(field: Field, confidence: float) -> Field:
    return Field(field.value, round(confidence, 3), field.page, field.box, field.raw)
