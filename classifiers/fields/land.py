"""Land-use right certificates (sổ đỏ / sổ hồng, all three generations).

The serial (số phát hành) is two upper-case letters and 6 (old) or 8 (from 2024)
digits, often printed without a label at the foot of page 1; the registry number
(số vào sổ cấp GCN) keeps a letter prefix such as ``CH 00120``. Both are normalised
to ``LETTERS DIGITS``.
"""

from __future__ import annotations

import re

from classifiers.fields import labels
from classifiers.fields.field_types import Field
from classifiers.fields.holders import land_holder
from classifiers.fields.lines import Found, Line, Span, any_of, find_labelled, first_line_matching
from classifiers.fields.numbers import format_decimal, parse_decimal_vn, read_digits
from classifiers.fields.readers import read_text
from classifiers.fields.reading import PER_FIX, Document

_PARCEL = re.compile(labels.PARCEL)
_MAP_SHEET = re.compile(labels.MAP_SHEET)
_AREA = re.compile(labels.AREA)
_PURPOSE = re.compile(labels.LAND_PURPOSE)
_ADDRESS = re.compile(labels.ADDRESS)
_REGISTRY = re.compile(labels.REGISTRY)
_SERIAL_LABEL = re.compile(labels.SERIAL)
_STOPS = any_of(
    labels.PARCEL,
    labels.MAP_SHEET,
    labels.AREA,
    labels.LAND_PURPOSE,
    labels.ADDRESS,
    labels.REGISTRY,
    labels.SERIAL,
    labels.LAND_OTHER,
)

# Letters read as digits in the digit part, digits read as letters in the letter part.
_LETTER_LOOKALIKES = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G", "4": "A"}
_LOOKALIKE = "OoQDlI|SBZG"
_SERIAL = re.compile(
    rf"(?<![\w])(?P<letters>[A-ZĐ0-9]{{2}})\s?(?P<digits>[0-9{_LOOKALIKE}]{{8}}|[0-9{_LOOKALIKE}]{{6}})(?![\w])"
)
_REGISTRY_VALUE = re.compile(
    r"(?P<letters>[A-ZĐ]{1,3})(?P<stray>[ÍÌỈĨỊ])?\s*[-.:]?\s*(?P<digits>[0-9OoIl|]{3,8})\b"
)
"""``CH 00120``. A registry code is plain capitals; OCR of a worn page reads ``CHÍ 31388``
(a speck over the letters): a tone-marked ``I`` after the code is dropped as a fix."""
_INTEGER = re.compile(r"\d+[a-zA-Z]?")
_AREA_VALUE = re.compile(
    r"(?P<num>\d[\d.,]*(?:\s\d{3})*(?:,\d+)?)\s*(?P<unit>m\s?(?:2|²)|m\^2|met\s*vuong)?",
)

LABELLED = 0.85
LINE_OF_ITS_OWN = 0.75
UNLABELLED = 0.6


def _serial_parts(match: re.Match[str]) -> tuple[str, int] | None:
    letters = match.group("letters")
    fixes = sum(ch.isdigit() for ch in letters)
    letters = "".join(_LETTER_LOOKALIKES.get(ch, ch) for ch in letters)
    if not letters.isalpha():
        return None
    read = read_digits(match.group("digits"))
    if read is None:
        return None
    return f"{letters} {read[0]}", fixes + read[1]


def _serial_in(line: Line, start: int, end: int) -> tuple[str, Span, int] | None:
    for match in _SERIAL.finditer(line.text, start, end):
        parts = _serial_parts(match)
        if parts is not None:
            value, fixes = parts
            return value, Span(line, match.start(), match.end()), fixes
    return None


def serial(doc: Document, registry: Field | None) -> Field | None:
    """The serial: after its label if there is one, else a lone ``AA 01234567`` token."""
    found = find_labelled(doc.lines, _SERIAL_LABEL, _STOPS)
    if found is not None:
        span = found.spans[0]
        got = _serial_in(span.line, span.start, span.end)
        if got is not None:
            return doc.field(got[0], LABELLED - PER_FIX * got[2], [got[1]])
    for line in doc.lines:
        if _REGISTRY.search(line.key) or _STOPS.search(line.key):
            continue
        got = _serial_in(line, 0, len(line.text))
        if got is None or (registry is not None and got[0] == registry.value):
            continue
        value, span, fixes = got
        alone = not line.text[: span.start].strip() and not line.text[span.end :].strip()
        return doc.field(
            value, (LINE_OF_ITS_OWN if alone else UNLABELLED) - PER_FIX * fixes, [span]
        )
    return None


def registry_number(doc: Document) -> Field | None:
    """``Số vào sổ cấp GCN``: ``CH 00120``; other forms (``00123 QSDĐ/...``) as printed."""
    found = find_labelled(doc.lines, _REGISTRY, _STOPS)
    if found is None:
        return None
    span = found.spans[0]
    match = _REGISTRY_VALUE.match(span.line.text, span.start, span.end)
    if match is not None:
        read = read_digits(match.group("digits"))
        if read is not None:
            value = f"{match.group('letters')} {read[0]}"
            sub = Span(span.line, match.start(), match.end())
            fixes = read[1] + (1 if match.group("stray") else 0)
            return doc.field(value, LABELLED - PER_FIX * fixes, [sub])
    token = found.value.split()[0]
    if not any(ch.isdigit() for ch in token):
        return None  # "CHÍ" of a misread "CH 12121": a registry number has digits
    return doc.found(token, found, confidence=LABELLED - 0.1)


def _integer(doc: Document, found: Found | None) -> Field | None:
    if found is None:
        return None
    span = found.spans[0]
    token = span.text.split()[0].rstrip(".,;") if span.text.split() else ""
    read = read_digits(token)
    if read is not None:
        digits, fixes = read
        return doc.field(digits.lstrip("0") or "0", LABELLED - PER_FIX * fixes, [span])
    match = _INTEGER.match(token)
    return doc.found(match.group(), found) if match else None


def area(doc: Document) -> Field | None:
    """``Diện tích: 120,5 m²`` -> ``120.5`` (square metres)."""
    found = find_labelled(doc.lines, _AREA, _STOPS, accept=lambda v: bool(re.match(r"\d", v)))
    if found is None:
        return None
    span = found.spans[0]
    match = _AREA_VALUE.match(span.line.text, span.start, span.end)
    if match is None:
        return None
    number = parse_decimal_vn(match.group("num").strip().rstrip(".,"))
    if number is None or number <= 0:
        return None
    confidence = LABELLED if match.group("unit") else UNLABELLED
    sub = Span(span.line, match.start(), match.end())
    return doc.field(format_decimal(number), confidence, [sub])


def land_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """Serial, registry number, holder, parcel, map sheet, area, purpose and address."""
    fields: dict[str, Field] = {}
    registry = registry_number(doc)
    parcel_found = find_labelled(doc.lines, _PARCEL, _STOPS)
    parcel_at = first_line_matching(doc.lines, _PARCEL)
    candidates = {
        "serial": serial(doc, registry),
        "registry_number": registry,
        "parcel_number": _integer(doc, parcel_found),
        "map_sheet_number": _integer(doc, find_labelled(doc.lines, _MAP_SHEET, _STOPS)),
        "area": area(doc),
        "land_use_purpose": read_text(doc, _PURPOSE, _STOPS, continuation=True),
        "holder_name": land_holder(doc),
        "address": read_text(
            doc, _ADDRESS, _STOPS, continuation=True, start=parcel_at if parcel_found else 0
        )
        or read_text(doc, _ADDRESS, _STOPS, continuation=True),
    }
    for name, field in candidates.items():
        if field is not None:
            fields[name] = field
    return fields
