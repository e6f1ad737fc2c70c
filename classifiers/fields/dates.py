"""Dates as printed on Vietnamese papers and as OCR mangles them.

Forms handled: ``07/7/2025``, ``7-7-2025``, ``07.07.2025`` (spaces allowed inside
and around the numbers), ``ngày 07 tháng 7 năm 2025`` (with dotted leaders and lost
tone marks), and dates in words, ``Ngày mười lăm tháng năm năm hai nghìn không trăm
hai mươi ba``. Every date is validated: 31 February is not a date and is not returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from classifiers.fields.lines import fold_key
from classifiers.fields.numbers import DIGIT_LOOKALIKES, NUMBER_WORDS, parse_number_words

MIN_YEAR = 1850
MAX_YEAR = 2150

# On the folded (lower-case) key, look-alikes of digits are o, l, i and |.
_D = r"[0-9oli|]"
_DAY = rf"{_D}(?:\s?{_D})?"
_YEAR = rf"{_D}(?:\s?{_D}){{3}}"
_NUMERIC = re.compile(
    rf"(?<![\w/.\-])(?P<d>{_DAY})\s*[/.\-]\s*(?P<m>{_DAY})\s*[/.\-]\s*(?P<y>{_YEAR})(?![\w/])"
)
_LEADER = r"[\s.…_:,]*"
_NGAY = r"n[gq]a[yv]"
_THANG = r"t[hb]ang"
_NAM = r"n[ao](?:m|rn)"  # ``nôm``: năm's breve read as a circumflex (unseen draw 17000)
_SPELLED = re.compile(
    rf"\b{_NGAY}{_LEADER}(?:m[ou]ng\s+)?(?P<d>{_DAY}){_LEADER}{_THANG}{_LEADER}"
    rf"(?P<m>{_DAY}){_LEADER}{_NAM}{_LEADER}(?P<y>{_YEAR})(?![\w])"
)
_WORDS_START = re.compile(rf"\b{_NGAY}\b")
_WORD = re.compile(r"[a-z]+")
# Traditional names of the first and last month: "tháng Giêng", "tháng Chạp".
_MONTH_NAMES = {"gieng": 1, "chap": 12}


@dataclass(frozen=True)
class DateMatch:
    """A valid date found in ``text[start:end]``.

    ``kind`` is 'numeric' (07/07/2025), 'spelled' (ngày 07 tháng 7 năm 2025) or
    'words' (ngày mười lăm tháng năm...); ``fixes`` counts look-alike letters read as
    digits.
    """

    value: date
    start: int
    end: int
    kind: str
    fixes: int = 0


def make_date(year: int, month: int, day: int) -> date | None:
    """The date if it exists and is within the years papers can carry, else None."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _number(group: str) -> tuple[int, int] | None:
    """Digits of a date part (spaces dropped, look-alikes read) and the fix count."""
    compact = group.replace(" ", "")
    digits = "".join(ch if ch.isdigit() else _lookalike(ch) for ch in compact)
    fixes = sum(not ch.isdigit() for ch in compact)
    if not digits.isdigit() or fixes >= len(compact) or fixes > len(compact) - fixes:
        return None
    return int(digits), fixes


def _lookalike(ch: str) -> str:
    return DIGIT_LOOKALIKES.get(ch) or DIGIT_LOOKALIKES.get(ch.upper(), ch)


def _from_groups(match: re.Match[str], kind: str) -> DateMatch | None:
    parts = [_number(match.group(name)) for name in ("d", "m", "y")]
    if any(part is None for part in parts):
        return None
    (day, f1), (month, f2), (year, f3) = parts  # type: ignore[misc]
    value = make_date(year, month, day)
    if value is None:
        return None
    return DateMatch(value, match.start(), match.end(), kind, f1 + f2 + f3)


def _words_dates(key: str) -> list[DateMatch]:
    """Dates in words: ``ngày <day words> tháng <month words> năm <year words>``."""
    found = []
    for start in _WORDS_START.finditer(key):
        words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(key, start.end())]
        words = words[:20]
        match = _words_date(words)
        if match is not None:
            value, end = match
            found.append(DateMatch(value, start.start(), end, "words"))
    return found


def _words_date(words: list[tuple[str, int, int]]) -> tuple[date, int] | None:
    texts = [w for w, _, _ in words]
    if "thang" not in texts[:5]:
        return None
    split = texts.index("thang")
    day = parse_number_words(texts[:split])
    rest = texts[split + 1 :]
    # "tháng năm năm hai nghìn...": the month word may itself be "năm" (five), so try
    # month lengths 1-3 and keep the first split whose parts all make sense.
    for month_len in (1, 2, 3):
        if month_len >= len(rest) or rest[month_len] != "nam":
            continue
        month = _MONTH_NAMES.get(rest[0]) if month_len == 1 else None
        month = month or parse_number_words(rest[:month_len])
        year_words = rest[month_len + 1 :]
        for year_len in range(min(len(year_words), 12), 0, -1):
            chunk = year_words[:year_len]
            if not set(chunk) <= NUMBER_WORDS:
                continue
            year = parse_number_words(chunk)
            if day is None or month is None or year is None:
                continue
            value = make_date(year, month, day)
            if value is not None:
                return value, words[split + 1 + month_len + 1 + year_len - 1][2]
    return None


def find_dates(text: str) -> list[DateMatch]:
    """All valid dates in ``text`` in reading order (overlapping forms deduplicated)."""
    key = fold_key(text)
    found: list[DateMatch] = []
    for match in _SPELLED.finditer(key):
        got = _from_groups(match, "spelled")
        if got:
            found.append(got)
    for match in _NUMERIC.finditer(key):
        got = _from_groups(match, "numeric")
        if got:
            found.append(got)
    found.extend(_words_dates(key))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    result: list[DateMatch] = []
    for match in found:
        if not result or match.start >= result[-1].end:
            result.append(match)
    return result


def find_date(
    text: str, *, kinds: tuple[str, ...] = ("numeric", "spelled", "words")
) -> DateMatch | None:
    """The first valid date of one of ``kinds`` in ``text``."""
    for match in find_dates(text):
        if match.kind in kinds:
            return match
    return None


def parse_date(text: str) -> date | None:
    """The first valid date in ``text``, in any supported form, or None."""
    match = find_date(text)
    return match.value if match else None
