"""Numbers as OCR reads them: digit look-alikes, grouped digits, Vietnamese number words.

Tesseract confuses O/0, l/1, S/5, B/8 in numbers printed in the same fonts as the
text. Letters are read as digits only inside a run that is otherwise digits and has
exactly the expected length, and only a couple of them, so that words never turn
into numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Look-alike letters read as digits inside digit runs. 'D' only inside a run (never
# first or last) because a leading/trailing D is usually a real letter (QĐ, ĐT...).
DIGIT_LOOKALIKES: dict[str, str] = {
    "O": "0",
    "o": "0",
    "Q": "0",
    "D": "0",
    "l": "1",
    "I": "1",
    "i": "1",
    "|": "1",
    "!": "1",
    "S": "5",
    "s": "5",
    "B": "8",
    "Z": "2",
    "z": "2",
    "G": "6",
}
_INSIDE_ONLY = frozenset("D")
_TOKEN = re.compile(r"[^\s:;,()\[\]]+")
_TOKEN_EDGE = ".-–/"


@dataclass(frozen=True)
class DigitRun:
    """Digits read from ``text[start:end]``; ``fixes`` counts look-alike letters read."""

    digits: str
    start: int
    end: int
    fixes: int


def read_digits(token: str, *, max_fixes: int = 2) -> tuple[str, int] | None:
    """``token`` as digits with look-alikes replaced, and how many were; None if no run."""
    if not token:
        return None
    digits: list[str] = []
    fixes = 0
    for at, ch in enumerate(token):
        if ch.isdigit() and ch.isascii():
            digits.append(ch)
            continue
        replacement = DIGIT_LOOKALIKES.get(ch)
        inside = 0 < at < len(token) - 1
        if replacement is None or (ch in _INSIDE_ONLY and not inside):
            return None
        digits.append(replacement)
        fixes += 1
    real = len(token) - fixes
    if fixes > max_fixes or (len(token) > 1 and fixes > real):
        return None
    return "".join(digits), fixes


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """Whitespace tokens with their spans, edge punctuation trimmed."""
    tokens = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        while start < end and text[start] in _TOKEN_EDGE:
            start += 1
        while end > start and text[end - 1] in _TOKEN_EDGE:
            end -= 1
        if start < end:
            tokens.append((start, end, text[start:end]))
    return tokens


_LABEL_HEAD = re.compile(r"^[^\W\d_]{1,3}[.:]?(?=\d{3})")
"""A label's remains glued to the number it labels: ``S990 254 606`` (``Số``, its red ``ố``
lost), ``No.001090…``. The letters may be digit look-alikes (``S`` for 5): read as digits
they would make the number one digit too long."""


def find_digit_runs(text: str, length: int, *, max_fixes: int = 2) -> list[DigitRun]:
    """Runs of exactly ``length`` digits, possibly spread over space-separated groups.

    ``001 0 90 012345`` and ``0O1090012345`` both give ``001090012345``. Runs made of
    fewer groups and fewer look-alike fixes come first; a run never swallows part of
    a longer number (its neighbouring groups must not be digits too). A run may open
    past a label's letters glued to its first group (``_LABEL_HEAD``), counted as a fix.
    """
    tokens = _tokens(text)
    read = [read_digits(tok, max_fixes=max_fixes) for _, _, tok in tokens]
    runs: list[tuple[int, int, DigitRun]] = []
    for first in range(len(tokens)):
        openings = [(tokens[first][0], read[first], 0)]
        head = _LABEL_HEAD.match(tokens[first][2])
        if head is not None:
            rest = read_digits(tokens[first][2][head.end() :], max_fixes=max_fixes)
            openings.append((tokens[first][0] + head.end(), rest, 1))
        for start, opening, dropped in openings:
            run = _run_from(tokens, read, first, start, opening, dropped, length, max_fixes)
            if run is not None:
                runs.append(run)
                break
    runs.sort(key=lambda item: (item[0], item[1], item[2].start))
    return [run for _, _, run in runs]


def _run_from(
    tokens: Sequence[tuple[int, int, str]],
    read: Sequence[tuple[str, int] | None],
    first: int,
    start: int,
    opening: tuple[str, int] | None,
    dropped: int,
    length: int,
    max_fixes: int,
) -> tuple[int, int, DigitRun] | None:
    """The run of ``length`` digits that opens with token ``first`` read as ``opening``."""
    digits, fixes = "", dropped
    for last in range(first, len(tokens)):
        got = opening if last == first else read[last]
        if got is None or (last > first and tokens[last][0] - tokens[last - 1][1] > 2):
            return None
        digits, fixes = digits + got[0], fixes + got[1]
        if len(digits) > length or fixes > max_fixes:
            return None
        if len(digits) == length:
            if last == first or not _extends(tokens, read, first, last):
                return (last - first, fixes, DigitRun(digits, start, tokens[last][1], fixes))
            return None
    return None


def _extends(
    tokens: Sequence[tuple[int, int, str]],
    read: Sequence[tuple[str, int] | None],
    first: int,
    last: int,
) -> bool:
    """True when a neighbouring group of plain digits continues the run (a longer number)."""

    def plain(at: int) -> bool:
        return 0 <= at < len(tokens) and read[at] is not None and tokens[at][2].isdigit()

    before = plain(first - 1) and tokens[first][0] - tokens[first - 1][1] <= 1
    after = plain(last + 1) and tokens[last + 1][0] - tokens[last][1] <= 1
    return before or after


# Vietnamese number words, accent-folded: "mốt", "tư", "lăm" are the forms of 1, 4, 5
# after "mươi"; "linh"/"lẻ" mark an empty tens place ("hai nghìn không trăm linh năm").
_UNIT_WORDS: dict[str, int] = {
    "khong": 0,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "lam": 5,
    "nham": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
NUMBER_WORDS: frozenset[str] = frozenset(
    {*_UNIT_WORDS, "muoi", "tram", "nghin", "ngan", "linh", "le", "mong", "mung"}
)


def parse_number_words(words: Sequence[str]) -> int | None:
    """0..999999 from accent-folded Vietnamese number words; None if malformed.

    ``["hai", "nghin", "khong", "tram", "hai", "muoi", "ba"]`` -> 2023,
    ``["muoi", "lam"]`` -> 15. ``mười`` (ten) and ``mươi`` (tens) fold to the same
    ``muoi``; which one is meant follows from whether a digit word precedes it.
    """
    total, group = 0, 0
    pending: int | None = None
    tens_done = hundreds_done = False
    seen = False
    for word in words:
        if word in ("mong", "mung") and not seen:
            continue  # "mồng năm": the prefix of days 1-10
        seen = True
        if word in _UNIT_WORDS:
            if pending is not None:
                return None
            pending = _UNIT_WORDS[word]
        elif word == "muoi":
            if tens_done:
                return None
            group += 10 * (1 if pending is None else pending)
            pending, tens_done = None, True
        elif word == "tram":
            if pending is None or hundreds_done or tens_done:
                return None
            group += 100 * pending
            pending, hundreds_done = None, True
        elif word in ("linh", "le"):
            if tens_done or pending is not None:
                return None
            tens_done = True
        elif word in ("nghin", "ngan"):
            value = group + (pending or 0)
            if value == 0 or total:
                return None
            total, group, pending = value * 1000, 0, None
            tens_done = hundreds_done = False
        else:
            return None
    if not seen:
        return None
    return total + group + (pending or 0)


_DECIMAL = re.compile(r"^\d{1,3}(?:[.\s]\d{3})*(?:,\d+)?$|^\d+(?:[.,]\d+)?$")


def parse_decimal_vn(text: str) -> Decimal | None:
    """A decimal number as printed in Vietnam: ``1.250,5`` -> 1250.5, ``120,5`` -> 120.5.

    The comma is the decimal mark and the dot groups thousands; a lone dot followed by
    other than three digits is taken as a decimal mark (``120.5``), as OCR and
    English-language forms produce it.
    """
    text = text.strip()
    if not text or not _DECIMAL.match(text):
        return None
    if "," in text:
        number = text.replace(".", "").replace(" ", "").replace(",", ".")
    elif text.count(".") == 1 and not re.search(r"\.\d{3}$", text):
        number = text
    else:
        number = text.replace(".", "").replace(" ", "")
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


def format_decimal(value: Decimal) -> str:
    """Plain digits without exponent or trailing zeros: 120.50 -> '120.5', 120.0 -> '120'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
