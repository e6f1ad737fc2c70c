"""The machine-readable zone on the back of Vietnamese ID cards: ICAO 9303 TD1.

Three lines of 30 characters::

    IDVNM<doc no: 9><c><optional data: 15>          doc no = last 9 digits of the ID
    <birth YYMMDD><c><sex><expiry YYMMDD><c>VNM<optional: 11><composite c>
    SURNAME<<GIVEN<NAMES<<<<<<<<<<<<<<<<

On Vietnamese cards the optional data of line 1 holds the full 12-digit ID number,
``<<`` and a check digit over those 12 digits (seen on issued cards; not in ICAO 9303
itself, so it is checked only when it is a digit). Check digits use the ICAO 9303
7-3-1 weighting; they make MRZ values the most trustworthy OCR reading of a card.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from classifiers.fields.dates import make_date
from classifiers.fields.numbers import DIGIT_LOOKALIKES

LINE_LENGTH = 30
_WEIGHTS = (7, 3, 1)
_MRZ_TEXT = re.compile(r"^[A-Z0-9<]+$")
# OCR drops trailing fillers: lines 1 and 3 may come out short; line 2 ends in a digit.
_MIN_LENGTHS = (15, 28, 5)
_MAX_LENGTH = 36
_LETTER_LOOKALIKES = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
_MRZ_CHAR_FIXES = str.maketrans({"«": "<<", "‹": "<", "〈": "<", "＜": "<", "≤": "<"})


def char_value(ch: str) -> int:
    """ICAO 9303 value of one MRZ character: digits, A=10..Z=35, filler '<' = 0."""
    if ch == "<":
        return 0
    if ch.isdigit() and ch.isascii():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise ValueError(f"not an MRZ character: {ch!r}")


def check_digit(data: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1 repeating; sum modulo 10."""
    return sum(char_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(data)) % 10


def _check_ok(data: str, digit: str) -> bool:
    if digit == "<":  # an empty field may carry a filler as its check digit
        return set(data) <= {"<"}
    return digit.isdigit() and check_digit(data) == int(digit)


@dataclass(frozen=True)
class Td1:
    """A parsed TD1 MRZ; ``checks`` maps each check-digit field to whether it holds."""

    lines: tuple[str, str, str]
    document_code: str
    issuing_state: str
    document_number: str
    optional1: str
    birth: str  # YYMMDD as printed
    sex: str  # 'M', 'F' or '<'
    expiry: str  # YYMMDD or '<<<<<<'
    nationality: str
    optional2: str
    surname: str
    given_names: str
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return all(self.checks.values())

    @property
    def problems(self) -> list[str]:
        return [
            f"MRZ check digit of {name} does not match"
            for name, ok in self.checks.items()
            if not ok
        ]

    @property
    def id_number(self) -> str | None:
        """The 12-digit personal ID number a Vietnamese card carries in optional data."""
        candidate = self.optional1[:12]
        return candidate if self.issuing_state == "VNM" and candidate.isdigit() else None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_names) if part)

    def birth_date(
        self, century_start: int | None = None, *, today: date | None = None
    ) -> date | None:
        """The birth date; the century comes from the ID number when known, else the
        latest century that does not put the birth in the future."""
        if not self.birth.isdigit():
            return None
        yy, mm, dd = int(self.birth[:2]), int(self.birth[2:4]), int(self.birth[4:])
        if century_start is None:
            today = today or date.today()
            century_start = 2000 if 2000 + yy <= today.year else 1900
        return make_date(century_start + yy, mm, dd)

    def expiry_date(self) -> date | None:
        """The expiry date (always in the 2000s); None when the card has no expiry."""
        if not self.expiry.isdigit():
            return None
        return make_date(2000 + int(self.expiry[:2]), int(self.expiry[2:4]), int(self.expiry[4:]))

    @property
    def no_expiry(self) -> bool:
        return set(self.expiry) <= {"<"}


def _digits_at(line: str, positions: range | Sequence[int]) -> str:
    """Read look-alike letters as digits at positions that hold only digits."""
    chars = list(line)
    for at in positions:
        if at < len(chars) and chars[at] != "<":
            chars[at] = DIGIT_LOOKALIKES.get(chars[at], chars[at])
    return "".join(chars)


def _fit(line: str, *, keep_last: bool = False) -> str | None:
    """Pad or trim the filler tail of an OCR'd line to 30 characters."""
    if len(line) == LINE_LENGTH:
        return line
    head, last = (line[:-1], line[-1]) if keep_last else (line, "")
    width = LINE_LENGTH - len(last)
    if len(head) > width:
        if set(head[width:]) - {"<"}:
            if keep_last and len(line) > LINE_LENGTH and set(line[18:-1]) <= {"<"}:
                return line[:18] + "<" * 11 + last
            return None
        head = head[:width]
    return head.ljust(width, "<") + last


def parse_td1(lines: Sequence[str]) -> Td1 | None:
    """Parse three TD1 lines (OCR spacing and filler counts tolerated); None if not TD1."""
    if len(lines) != 3:
        return None
    cleaned = [_normalise(line, minimum) for line, minimum in zip(lines, _MIN_LENGTHS, strict=True)]
    if any(line is None for line in cleaned):
        return None
    l1 = _fit(cleaned[0])  # type: ignore[arg-type]
    l2 = _fit(cleaned[1], keep_last=True)  # type: ignore[arg-type]
    l3 = _fit(cleaned[2])  # type: ignore[arg-type]
    if l1 is None or l2 is None or l3 is None or l1[0] not in "IAC":
        return None
    if l1[2:5] == "VNM":
        l1 = _digits_at(l1, [*range(5, 15), *range(15, 27), 29])
    else:
        l1 = _digits_at(l1, [14])
    l2 = _digits_at(l2, [*range(0, 7), *range(8, 15), 29])
    l3 = "".join(_LETTER_LOOKALIKES.get(ch, ch) for ch in l3)
    if not (l2[:6].isdigit() and l2[7] in "MF<"):
        return None
    surname, _, given = l3.partition("<<")
    checks = {
        "document number": _check_ok(l1[5:14], l1[14]),
        "date of birth": _check_ok(l2[0:6], l2[6]),
        "date of expiry": _check_ok(l2[8:14], l2[14]),
        "composite": _check_ok(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]),
    }
    if l1[2:5] == "VNM" and l1[15:27].isdigit() and l1[27:29] == "<<" and l1[29].isdigit():
        checks["ID number"] = _check_ok(l1[15:27], l1[29])
    return Td1(
        lines=(l1, l2, l3),
        document_code=l1[0:2],
        issuing_state=l1[2:5],
        document_number=l1[5:14].rstrip("<"),
        optional1=l1[15:30],
        birth=l2[0:6],
        sex=l2[7],
        expiry=l2[8:14],
        nationality=l2[15:18],
        optional2=l2[18:29],
        surname=surname.replace("<", " ").strip(),
        given_names=" ".join(given.replace("<", " ").split()),
        checks=checks,
    )


def _normalise(line: str, minimum: int = 24) -> str | None:
    """An OCR line as MRZ characters (spaces dropped, look-alike fillers fixed, tone and
    vowel marks dropped), or None."""
    text = _unmarked("".join(line.split()).upper().translate(_MRZ_CHAR_FIXES))
    if not minimum <= len(text) <= _MAX_LENGTH or not _MRZ_TEXT.match(text):
        return None
    return text


def _unmarked(text: str) -> str:
    """``HAUÚ`` → ``HAUU``: a Vietnamese model reads the OCR-B letters of the zone with the
    marks it expects on every vowel (unseen draw 16000), and one such letter cost the whole
    zone; the zone prints no marks, so dropping them loses nothing."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_mrz_line(line: str) -> bool:
    """True when a text line looks like an MRZ line (used to keep it out of other fields)."""
    text = _normalise(line)
    return text is not None and "<" in text


def find_td1(lines: Sequence[str]) -> tuple[int, Td1] | None:
    """The first TD1 MRZ in consecutive text lines: (index of its first line, parsed)."""
    for at in range(len(lines) - 2):
        first = _normalise(lines[at], _MIN_LENGTHS[0])
        if first is None or first[0] not in "IAC" or "<" not in first:
            continue
        parsed = parse_td1(lines[at : at + 3])
        if parsed is not None:
            return at, parsed
    return None


# Digits blur and photocopies confuse, each with the digits it is taken for.
_DIGIT_CONFUSIONS: dict[str, str] = {
    "0": "689",
    "1": "74",
    "2": "7",
    "3": "8",
    "4": "1",
    "5": "6",
    "6": "085",
    "7": "12",
    "8": "0369",
    "9": "80",
}
# Positions (line, slice) of each checked field and of its check digit, in TD1.
_CHECKED: tuple[tuple[int, slice, int, int], ...] = (
    (0, slice(5, 14), 0, 14),  # document number
    (1, slice(0, 6), 1, 6),  # date of birth
    (1, slice(8, 14), 1, 14),  # date of expiry
)


def repair_td1(lines: Sequence[str]) -> Td1 | None:
    """The TD1 reading with at most one confusable digit per checked field corrected.

    A check digit that fails names the field it guards; when exactly one
    single-digit change (from ``_DIGIT_CONFUSIONS``, in the field or its check
    digit) makes that field *and* the composite check pass, the change is
    taken. Ambiguous repairs are not: the reading stays invalid and is treated
    as such. The ICAO checks are what make this safe.
    """
    parsed = parse_td1(lines)
    if parsed is None or parsed.valid:
        return parsed
    rows = [list(row) for row in parsed.lines]
    for line, span, check_line, check_at in _CHECKED:
        if _check_ok("".join(rows[line][span]), rows[check_line][check_at]):
            continue
        positions = [(line, at) for at in range(span.start, span.stop)]
        positions.append((check_line, check_at))
        fixes = []
        for row, at in positions:
            for replacement in _DIGIT_CONFUSIONS.get(rows[row][at], ""):
                trial = [list(r) for r in rows]
                trial[row][at] = replacement
                value = "".join(trial[line][span])
                if _check_ok(value, trial[check_line][check_at]) and _plausible(span, value):
                    fixes.append(trial)
        if len(fixes) != 1:
            return parsed
        rows = fixes[0]
    repaired = parse_td1(["".join(r) for r in rows])
    return repaired if repaired is not None and repaired.valid else parsed


def _plausible(span: slice, value: str) -> bool:
    """A repaired date field must still be a date (YYMMDD): 671065 is no birth date."""
    if span == slice(5, 14):
        return True
    return value.isdigit() and 1 <= int(value[2:4]) <= 12 and 1 <= int(value[4:6]) <= 31


def best_td1(readings: Sequence[Sequence[str]]) -> Td1 | None:
    """The first reading (of several of one zone) that is valid, as read or repaired."""
    for lines in readings:
        if len(lines) >= 3:
            found = repair_td1(list(lines[-3:]))
            if found is not None and found.valid:
                return found
    return None
