"""Fields every document has: its number (``Số: 123/QĐ-UBND``) and its place and date of
issue (``Lâm Bình, ngày 07 tháng 7 năm 2025``).
"""

from __future__ import annotations

import re

from classifiers.fields.dates import find_date, find_dates
from classifiers.fields.field_types import Field
from classifiers.fields.lines import Line, Span, fold_key
from classifiers.fields.numbers import read_digits
from classifiers.fields.personal_id import validate_personal_id
from classifiers.fields.reading import PER_FIX, Document

# "Số" (folded "so"), an optional "/ No.", an optional colon; the number must follow.
_SO = re.compile(r"\bso\b\s*(?:/\s*no\b\.?\s*)?(?P<colon>[:.]?)\s*")
_NUMBER = re.compile(r"[0-9OoIl|][\w]*(?:\s?[/\-–]\s?[\w]+|\.[\w]+)*")
# Words after which "số" is part of another label (Quyển số, thửa đất số, tờ bản đồ số...).
_NOT_AFTER = frozenset(
    {
        "quyen",
        "dat",
        "do",
        "nha",
        "thua",
        "to",
        "ban",
        "phong",
        "hieu",
        "tai",
        "khoan",
        "ky",
        "tap",
        "chung",
        "vao",
        "ho",
        "cccd",
        "cmnd",
        "dinh",
        "cuoc",
        "thoai",
        "fax",
        "hop",
    }
)
_PREVIOUS_WORD = re.compile(r"(\w+)\W*$")


def _number_start_ok(line: Line, start: int, colon: bool) -> bool:
    """'Số' opens a document number at line start, after a column gap, or as 'X Số:'."""
    before = line.key[:start]
    if not re.search(r"\w", before) or before.endswith(("  ", "\t", "|")):
        return True
    previous = _PREVIOUS_WORD.search(before)
    return colon and previous is not None and previous.group(1) not in _NOT_AFTER


_HEAD = re.compile(r"([^/\-.]+)(.*)")

ISSUER_SUFFIXES = frozenset(
    {"UBND", "HĐND", "CA", "TP", "STP", "STNMT", "VPĐK", "BCH", "MTTQ", "UBMTTQ", "TTPVHCC"}
)
"""Issuing-body abbreviations that close a number's symbol (``…/QĐ-UBND``)."""
_SPLIT_TAIL = re.compile(r"\s([A-ZĐ]{1,6})\b")


_SPACED_SEPARATOR = re.compile(r"\s[/\-–]\s(\w+)")


def _before_next_word(token: str) -> str:
    """A number's text up to `` - `` and a word in lower case (``149 - Quyển số: 01/2023``):
    the next label, not the number's symbol, which is written in capitals (``QĐ-UBND``)."""
    for separator in _SPACED_SEPARATOR.finditer(token):
        word = separator.group(1)
        if len(word) > 1 and word[0].isupper() and word[1:].islower():
            return token[: separator.start()]
    return token


def _rejoin_split_suffix(line_text: str, end: int, value: str) -> tuple[str, int]:
    """``296/BC-U BND`` → ``296/BC-UBND``: OCR sometimes breaks the issuer's abbreviation.

    Only when the symbol's last part and the next capitals together make a known
    abbreviation, so a place name that follows the number is never swallowed.
    """
    head, dash, last = value.rpartition("-")
    following = _SPLIT_TAIL.match(line_text, end)
    if not dash or following is None:
        return value, end
    if last + following.group(1) in ISSUER_SUFFIXES and last not in ISSUER_SUFFIXES:
        return f"{head}-{last}{following.group(1)}", following.end()
    return value, end


_SLASH_LOST = re.compile(r"^(\d+)([A-ZĐ]{2,}(?:-[A-ZĐ0-9]+)+)$")
"""``400UBND-XNTTHN``: the slash between a number and its symbol lost by OCR (a symbol
has a dash and capitals; a letter suffix such as ``12A`` has neither)."""


def _normalise_number(token: str) -> tuple[str, int] | None:
    """Spaces around '/' and '-' dropped, look-alikes read in the leading digits.

    The part before the first separator must start with a digit (possibly a look-alike
    such as ``l23``); a letter suffix (``12A``) is kept as printed.
    """
    token = re.sub(r"\s*([/\-–])\s*", r"\1", token).replace("–", "-")
    token = _SLASH_LOST.sub(r"\1/\2", token)
    match = _HEAD.match(token)
    if match is None:
        return None
    head, tail = match.groups()
    read = read_digits(head)
    if read is not None and any(ch.isdigit() for ch in head):
        return read[0] + tail, read[1]
    if head[0].isdigit():
        return token, 0
    return None


_HOUSE_NUMBER = re.compile(
    r"\s*,\s*(?:duong|pho|ngo|ngach|hem|kiet|to|thon|ap|xom|khu|khoi|quoc\s*lo|tinh\s*lo)\b"
)
"""``Số 142, đường Hùng Vương``: a house's number in an address, not the paper's."""


def document_number(doc: Document) -> Field | None:
    """The number-and-symbol after ``Số:`` (e.g. ``123/QĐ-UBND``), first in the document."""
    for line in doc.lines:
        for match in _SO.finditer(line.key):
            if not _number_start_ok(line, match.start(), bool(match.group("colon"))):
                continue
            token = _NUMBER.match(line.text, match.end())
            if token is None or _HOUSE_NUMBER.match(line.key, token.end()):
                continue
            normalised = _normalise_number(_before_next_word(token.group()))
            if normalised is None:
                continue
            value, fixes = normalised
            if _personal_id(value):
                continue  # ``CCCTD số: 056181657376``: a person's card, the label misread
            value, end = _rejoin_split_suffix(line.text, token.end(), value)
            confidence = (0.85 if match.group("colon") else 0.75) - PER_FIX * fixes
            return doc.field(value, confidence, [Span(line, token.start(), end)])
    return None


def _personal_id(value: str) -> bool:
    """A valid twelve-digit personal ID number: what a person's card is cited by, never a
    paper's own number (those are short, or carry a symbol: ``123/QĐ-UBND``)."""
    return len(value) == 12 and value.isdigit() and not validate_personal_id(value)


# "<place>, ngày": the place is the run of words before the comma.
_PLACE_COMMA = re.compile(r",\s*(?=n[gq]a[yv]\b)")
_BEFORE_DATE = re.compile(r"(?:n[gq]a[yv])?[\s.:]*")
_DATE_FRAME = re.compile(r"^n[gq]a[yv]\b.{0,30}?t[hb]ang\b.{0,30}?n[ao](?:m|rn)\b")
_PLACE_WORDS_LOWER = frozenset({"phố", "xã", "thị", "trấn", "huyện", "tỉnh", "phường", "quận"})
_NOT_PLACE = frozenset({"hom nay", "ngay", "vao", "den"})
_PLACE_TOKEN = re.compile(r"\S+")


def _place_before(line: Line, comma: int) -> Span | None:
    """The place name just before ``, ngày``: trailing capitalised words (max 6)."""
    tokens = list(_PLACE_TOKEN.finditer(line.text, 0, comma))
    taken: list[re.Match[str]] = []
    for token in reversed(tokens):
        word = token.group()
        if any(ch.isdigit() for ch in word) or "/" in word or len(taken) == 6:
            break
        if not (word[0].isupper() or word.lower() in _PLACE_WORDS_LOWER):
            break
        if word.isupper() and "-" in word:  # a code like QĐ-UBND
            break
        taken.insert(0, token)
    while taken and not taken[0].group()[0].isupper():
        taken.pop(0)
    if not taken:
        return None
    span = Span(line, taken[0].start(), taken[-1].end())
    if line.key[span.start : span.end].strip() in _NOT_PLACE:
        return None
    return span


def issue_place_and_date(doc: Document) -> dict[str, Field]:
    """``issue_place`` and ``issue_date`` from the first ``<place>, ngày ...`` line whose
    date is whole; failing that, the place of the first such line.

    A sentence of the body can run ``…, tỉnh Phú Thọ, ngày 23 tháng 02 năm`` with its year
    on the next line, above the dateline itself (``Cư Mgar, ngày 23 tháng 02 năm 2025``):
    the first line alone gave a place and no date.
    """
    undated: dict[str, Field] = {}
    for line in doc.lines:
        for comma in _PLACE_COMMA.finditer(line.key):
            rest = line.text[comma.end() :]
            date = find_date(rest)
            dated = date is not None and bool(_BEFORE_DATE.fullmatch(fold_key(rest[: date.start])))
            if not (dated or _DATE_FRAME.match(line.key[comma.end() :])):
                continue
            place = _place_before(line, comma.start())
            if place is None:
                continue
            fields = {"issue_place": doc.field(" ".join(place.text.split()), 0.8, [place])}
            if date is None or not dated:
                if not undated:
                    undated = fields
                    completed = _completed_dateline(doc, line, comma.end())
                    if completed is not None:
                        undated = {**fields, "issue_date": completed}
                continue
            span = Span(line, comma.end() + date.start, comma.end() + date.end)
            confidence = 0.85 - PER_FIX * date.fixes
            fields["issue_date"] = doc.field(date.value.isoformat(), confidence, [span])
            return fields
    return undated


_DATELINE_PARTS = re.compile(
    r"n[gq]a[yv]\W*(?P<day>\S{0,3}?)\W*t[hb]ang\W*(?P<month>\S{0,3}?)\W*n[ao](?:m|rn)\W*(?P<year>\S{0,5})"
)
COMPLETED_DATELINE = 0.5
"""Confidence of a dateline's date completed from a date of its own body (below a read one)."""


def _completed_dateline(doc: Document, line: Line, at: int) -> Field | None:
    """A dateline whose day or month OCR lost under a stamp or a signature (``ngày = tháng
    02 năm 2025``, ``ngày 29 tháng 0 năm 2022``), completed from the one date of the paper's
    body that agrees with every digit it kept: a power of attorney's term or a contract's
    effect starts the day it is signed (unseen draw 16000, twice). The year and one more
    part must be read; two different candidates leave the date missing."""
    parts = _DATELINE_PARTS.match(line.key, at)
    if parts is None:
        return None
    read = {k: re.sub(r"\D", "", v) for k, v in parts.groupdict().items()}
    if len(read["year"]) != 4 or not (read["day"] or read["month"]):
        return None
    candidates = set()
    for other in doc.lines:
        if other is line:
            continue
        for found in find_dates(other.text):
            value = found.value
            if (
                str(value.year) == read["year"]
                and _digits_agree(read["day"], value.day)
                and _digits_agree(read["month"], value.month)
            ):
                candidates.add(value)
    if len(candidates) != 1:
        return None
    span = Span(line, parts.start(), parts.end())
    return doc.field(candidates.pop().isoformat(), COMPLETED_DATELINE, [span])


def _digits_agree(read: str, value: int) -> bool:
    """Digits OCR kept of a day or month (``0`` of ``03``; none at all) agree with ``value``."""
    return not read or f"{value:02d}".startswith(read) or str(value) == read


_TODAY = re.compile(
    r"^[\W_]*(?:h[oô]m\s*nay|(?:vao\s*)?(?:hoi|luc)\s*\d{1,2}\s*(?:gio\b|h)[^,]{0,20}?)"
    r"\s*,?\s*(?=n[gq]a[yv]\b)"
)
"""``Hôm nay, ngày 16 tháng 8 năm 2017, tại …`` or ``Hồi 9 giờ 00, ngày 05 tháng 01 năm
2023, tại …``: how contracts and minutes open (folded key)."""


def signing_date(doc: Document) -> dict[str, Field]:
    """``issue_date`` of a paper dated in its opening sentence instead of a dateline."""
    for line in doc.lines:
        opener = _TODAY.match(line.key)
        if opener is None:
            continue
        date = find_date(line.text[opener.end() :])
        if date is None:
            continue
        span = Span(line, opener.end() + date.start, opener.end() + date.end)
        confidence = 0.8 - PER_FIX * date.fixes
        return {"issue_date": doc.field(date.value.isoformat(), confidence, [span])}
    return {}


def common_fields(doc: Document) -> dict[str, Field]:
    """Fields of every document type (absent when not found)."""
    fields: dict[str, Field] = {}
    number = document_number(doc)
    if number is not None:
        fields["document_number"] = number
    fields.update(issue_place_and_date(doc))
    if "issue_date" not in fields:
        fields.update(signing_date(doc))
    return fields
