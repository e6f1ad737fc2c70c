"""Line-oriented access to OCR text: accent-free keys, labels and the values after them.

OCR loses or swaps Vietnamese tone marks, so labels are matched on an accent-folded,
lower-cased *key* of each line. The key has exactly the length of the line, so a
match position in the key is the same position in the original text, and values are
always cut from the original NFC text (never from the folded one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz, process

from classifiers.fields.field_types import PageText
from core.vietnamese import clean_word, fold_accents

_LOOKALIKES = {"ƒ": "f", "Ƒ": "f", "ſ": "s", "ı": "i", "ł": "l", "⁄": "/"}
"""Letters Tesseract's Vietnamese model reads for Latin ones in English label halves
(``Date oƒ birth``), and the fraction slash it reads for the slash between a label's
halves (``Tình trạng hôn nhân ⁄ Marital status``); keys compare them as what they stand
for."""


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _LOOKALIKES:
        return _LOOKALIKES[ch]
    folded = fold_accents(ch).lower()
    if len(folded) == 1:
        return folded
    lower = ch.lower()
    return lower if len(lower) == 1 else ch


_SURNAME_VO = re.compile(r"\b[Vv][õÕ]\b")
"""The surname Võ, whose key keeps its tilde. Folded it would be ``vo``, the word for wife
(``vợ``) that name labels end with (``Họ, chữ đệm, tên vợ``), so a row printed without a
colon, ``Họ, chữ đệm, tên VÕ VĂN LỢI``, read as the wife's label (the husband's name given
to the wife) or as no label at all (unseen draw 14000). Võ is among the commonest
surnames; no other relation word of a label is a surname's folding."""


def fold_key(text: str) -> str:
    """Accent-free lower-case form of ``text`` with the same length (one char per char),
    except the surname Võ (``_SURNAME_VO``)."""
    key = "".join(_fold_char(ch) for ch in text)
    if "õ" not in text and "Õ" not in text:  # almost every line: skip the regex
        return key
    for match in _SURNAME_VO.finditer(text):
        at = match.start() + 1
        key = key[:at] + "õ" + key[at + 1 :]
    return key


@dataclass(frozen=True)
class Line:
    """One OCR text line: its page, its 0-based index on that page, text and key."""

    page: int
    index: int
    text: str
    key: str


@dataclass(frozen=True)
class Span:
    """A piece of one line's original text that a value was read from."""

    line: Line
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]


def document_lines(pages: Sequence[PageText]) -> list[Line]:
    """All lines of all pages in page order, cleaned (NFC, look-alike letters fixed)."""
    lines: list[Line] = []
    for page in sorted(pages, key=lambda p: p.number):
        for index, raw in enumerate(page.text.split("\n")):
            text = clean_word(raw.rstrip("\r"))
            lines.append(Line(page.number, index, text, fold_key(text)))
    return lines


# Leaders and separators between a label and its value: ':' '/' dotted leaders etc.
_LEADING = re.compile(r"^[\s:：;/|.…_\-–,]+")
_TRAILING = re.compile(r"[\s:：;/|.…_\-–,(]+$")
_LEADER_RUN = re.compile(r"(?:\.{2,}|…+|_{2,})")
_SPACES = re.compile(r"\s+")


def clean_value(raw: str) -> str:
    """A value as printed, minus dotted leaders, separators and surplus spaces."""
    text = _LEADER_RUN.sub(" ", raw)
    text = _LEADING.sub("", text)
    text = _TRAILING.sub("", text)
    return _SPACES.sub(" ", text).strip()


DEBRIS = "—‒¬~`'\"“”‘’„«»‹›•*^ˆ"
"""Marks OCR makes of a ruled cell's edge, a speck or a leader's end (``—_ Nữ``): never the
first or last character of a value (the field readers trim the same marks)."""
_LEAD_CHARS = " \t:：;/|.…_-–," + DEBRIS
_TRAIL_CHARS = " \t:：;/|.…_-–,(" + DEBRIS


def value_bounds(line: Line, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` of a line past the separators and leaders around a value."""
    text = line.text
    while start < end and text[start] in _LEAD_CHARS:
        start += 1
    while end > start and text[end - 1] in _TRAIL_CHARS:
        end -= 1
    return start, end


def any_of(*patterns: str) -> re.Pattern[str]:
    """One compiled alternation of several label patterns (used as value stops)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True)
class Found:
    """A value found after a label: cleaned text and the spans it came from."""

    value: str
    spans: tuple[Span, ...]
    next_line: bool

    @property
    def page(self) -> int:
        return self.spans[0].line.page

    @property
    def raw(self) -> str:
        return " ".join(span.text for span in self.spans)


# Administrative-unit words that start the continuation line of an address.
_ADDRESS_CONTINUATION = re.compile(
    r"^\s*(?:xa|phuong|thi\s*tran|thi\s*xa|huyen|quan|tinh|thanh\s*pho|tp\b|thon|ap|to\b|"
    r"khu|ban|so\s*nha|duong|ngo|ngach|hem)\b"
)


_CUT_PLACE_NAME = re.compile(
    r"\b(?:xa|phuong|thi\s*tran|thi\s*xa|huyen|quan|tinh|thanh\s*pho)\s+\w+\W*$"
)
"""A value ending in an administrative unit and one syllable (``… tỉnh Thanh``): place
names have two or more, so the rest (``Hóa``) is on the next line."""


CELL_GAP = "\t"
"""Between two cells of a visual row (``classifiers.fields.visual_rows``): a value ends there.
OCR text never holds a tab, so lines read as Tesseract gave them are unaffected."""


def _stop_at(line: Line, start: int, stops: re.Pattern[str] | None) -> int:
    end = len(line.text)
    if stops is not None:
        match = stops.search(line.key, start)
        if match:
            end = match.start()
    cell = start
    while cell < end and line.text[cell] in _LEAD_CHARS:
        cell += 1  # past the separators (and the gap) between a label and its cell
    gap = line.text.find(CELL_GAP, cell, end)
    return gap if gap != -1 else end


# List markers before a label: "a)", "đ)", "1.", "II.", "-".
_BULLET = re.compile(r"^\W*(?:(?:[a-z]|\d{1,2}|[ivx]{1,4})[).]\W*)?$")


def _is_label_line(line: Line, stops: re.Pattern[str] | None) -> bool:
    """True when a line begins with a known label, i.e. it is another field's line."""
    if stops is None:
        return False
    match = stops.search(line.key)
    return bool(match) and bool(_BULLET.match(line.key[: match.start()]))


def _segment(line: Line, start: int, end: int) -> Span | None:
    left, right = value_bounds(line, start, end)
    return Span(line, left, right) if clean_value(line.text[left:right]) else None


_YEAR_CUT = re.compile(r"\bnam\s*$")
_YEAR_BELOW = re.compile(r"\s*\d{4}\b")
"""A date in words whose year a narrow cell wrapped onto the next line (``… ngày 14 tháng
09 năm`` / ``2024``)."""


def _continuations(
    lines: Sequence[Line], at: int, span: Span, stops: re.Pattern[str] | None
) -> Iterator[Span]:
    """Address lines wrapped onto the next line(s): at most two more lines.

    A line continues the value when the value ended with a comma or dash, or when it
    starts with a lower-case letter or an administrative-unit word (xã, huyện, tỉnh...),
    and it is no label line.
    """
    for offset in (1, 2):
        if at + offset >= len(lines):
            return
        line = lines[at + offset]
        if line.page != lines[at].page or _is_label_line(line, stops):
            return
        dangling = span.line.text[span.end :].lstrip().startswith((",", "-", "–"))
        lower = line.text.lstrip()[:1].islower()
        cut = _CUT_PLACE_NAME.search(span.line.key[span.start : span.end])
        short = len(line.text.split()) <= 2 and ":" not in line.text
        year = _YEAR_CUT.search(span.line.key[span.start : span.end]) and _YEAR_BELOW.match(
            line.text
        )
        if not (
            dangling or lower or year or _ADDRESS_CONTINUATION.match(line.key) or (cut and short)
        ):
            return
        nxt = _segment(line, 0, _stop_at(line, 0, stops))
        if nxt is None:
            return
        yield nxt
        span = nxt


def find_labelled(
    lines: Sequence[Line],
    label: re.Pattern[str],
    stops: re.Pattern[str] | None = None,
    *,
    accept: Callable[[str], bool] | None = None,
    continuation: bool = False,
    start: int = 0,
    stop: int | None = None,
) -> Found | None:
    """The first value printed after ``label``: on the same line, else on the next one.

    ``stops`` (all labels of the document type) ends a value where the next label of
    the same line begins, e.g. ``Giới tính: Nam  Quốc tịch: Việt Nam``. ``accept``
    rejects implausible values: a value on the label's line that it rejects may be the
    next column's text run into the row (a landscape form read as one column), so the
    line under the label is tried, then a later occurrence of the label.
    """
    end_at = len(lines) if stop is None else min(stop, len(lines))
    for at in range(start, end_at):
        line = lines[at]
        for match in label.finditer(line.key):
            found = _value_after(lines, at, match.end(), stops, continuation)
            if found is not None and (accept is None or accept(found.value)):
                return found
            if found is not None and not found.next_line:
                below = _value_after(lines, at, match.end(), stops, continuation, below=True)
                if below is not None and accept is not None and accept(below.value):
                    return below
    return None


def _value_after(
    lines: Sequence[Line],
    at: int,
    pos: int,
    stops: re.Pattern[str] | None,
    continuation: bool,
    below: bool = False,
) -> Found | None:
    """The value after ``pos`` on the label's line, else on the next; ``below``: the next
    line's only."""
    line = lines[at]
    span = None if below else _segment(line, pos, _stop_at(line, pos, stops))
    if span is not None and (
        is_label_text(span.text) or _english_half(line, pos, span) or _date_words(span)
    ):
        span = None  # the rest of a bilingual label: the value is on the next line
    next_line = False
    if span is None:
        # The value on the next line; past a line that is only the label's English half.
        for ahead in (1, 2):
            if at + ahead >= len(lines):
                return None
            nxt = lines[at + ahead]
            if nxt.page != line.page or _is_label_line(nxt, stops):
                return None
            span = _segment(nxt, 0, _stop_at(nxt, 0, stops))
            if span is None:
                return None
            if not is_label_text(span.text):
                break
        else:
            return None
        at, next_line = at + ahead, True
    spans = [span]
    if continuation:
        spans.extend(_continuations(lines, at, span, stops))
    value = clean_value(_join(spans))
    if not value or is_label_text(value):
        return None
    return Found(value, tuple(spans), next_line)


_ENGLISH_HALF = re.compile(r"\s*[/⁄]\s*[A-Za-z][A-Za-z' .,()-]*")


def _english_half(line: Line, pos: int, span: Span) -> bool:
    """The label's English half after a slash (``Tình trạng hôn nhân / Marital status``):
    plain ASCII words after ``/``, where a Vietnamese value would carry its tone marks."""
    return bool(_ENGLISH_HALF.fullmatch(line.text[pos : span.end]))


_DATE_WORDS = re.compile(r"\W*ngay(?:\W+thang\W+nam)?\W*")


def _date_words(span: Span) -> bool:
    """``Sinh ngày`` with the date on the next line: the label keeps ``ngày`` for the date
    reader (``labels.DATE_OF_BIRTH``), and ``ngày`` alone is no value."""
    return bool(_DATE_WORDS.fullmatch(span.line.key[span.start : span.end]))


_LABEL_WORDS = frozenset(
    [
        "ho",
        "chu",
        "dem",
        "ten",
        "va",
        "khai",
        "sinh",
        "nguoi",
        "cha",
        "me",
        "vo",
        "chong",
        "surname",
        "middle",
        "given",
        "name",
        "names",
        "full",
        "and",
        "of",
        "the",
        "father",
        "mother",
        "date",
        "place",
        "s",  # "Mother's", "Father's" as OCR splits them
        "sex",
        "birth",
        "nationality",
        "origin",
        "residence",
    ]
)
"""Words of name labels (``Họ, chữ đệm, tên``, ``Surname, middle name and given name``):
a "value" made of nothing else is a label whose own value was left blank."""


_ENGLISH_LABEL_WORDS = frozenset(w for w in _LABEL_WORDS if len(w) >= 4 and w.isascii()) - {
    "khai",
    "sinh",
    "nguoi",
    "chong",
}
"""The label words OCR misspells are the English halves' (``Suname``, ``rniddle``); the
Vietnamese ones are syllables of names too: ``HOÀNG TIẾN CƯỜNG`` is one letter off
``ho``/``ten``/``chong`` word by word, and is a name, not a label."""


def is_label_text(value: str) -> bool:
    words = re.findall(r"[a-z]+", fold_key(value))
    return bool(words) and all(_label_word(word) for word in words)


def _label_word(word: str) -> bool:
    """A label word, also as OCR misspells it (``Suname``, ``rniddle``)."""
    if word in _LABEL_WORDS:
        return True
    if len(word) < 4:
        return False
    best = process.extractOne(word, _ENGLISH_LABEL_WORDS, scorer=fuzz.ratio)
    return best is not None and best[1] >= 75


def _join(spans: Sequence[Span]) -> str:
    """Join wrapped segments, keeping the comma that ended a wrapped line."""
    text = spans[0].text
    for before, span in pairwise(spans):
        comma = before.line.text[before.end :].lstrip().startswith(",")
        text += (", " if comma else " ") + span.text
    return text


_NAME_JUNK = re.compile(r"[^\w\s'\-]|_|\d")


_NOT_A_NAME = re.compile(
    r"\b(?:dong\s*dau|ban\s*sao|ban\s*chinh|ghi\s*ro|chu\s*ky|ky\s*ten|xac\s*nhan"
    r"|chung\s*thuc|uy\s*ban|nhan\s*dan|cong\s*hoa|doc\s*lap|hanh\s*phuc|sinh\s*nam"
    r"|nam\s*sinh|ngay\s*sinh|ho\s*va\s*ten|chu\s*dem)\b"
    r"|,\s*(?:xa|phuong|thi\s*tran|huyen|quan|thi\s*xa|tinh|thanh\s*pho)\s+\w"
)
"""Words printed near names that are never part of one: the signature hint ``(Ký, ghi rõ
họ tên, đóng dấu)``, a ``(Bản sao)`` note, the national motto, ``sinh năm``, the name
label itself (two cells read as one: ``TẠ GIA TUẤN Họ và tên: HỨA BẢO LỤA``), and an
address's units after a comma (``Thôn Tân Lập, xã Đức Phố``: a value lost by OCR lets
the next line's address stand under a name label)."""


_SPACED_DASH = re.compile(r"\s[-–—]\s")
"""No Vietnamese name holds a dash between spaces: what follows is the next cell's text
run into the row (``LÝ XUÂN KHOA - TP Bà``)."""


def _printed_name(words: list[str]) -> list[str]:
    """A name printed in capitals, without the stray words OCR put around it: a speck
    read as a lower-case word before it (``tà LÊ KIM THU``), another cell's word after.
    Kept whole when fewer than two of its words are in capitals (a name in Title Case)."""
    capitals = [word.isupper() for word in words]
    if sum(capitals) < 2 or all(capitals):
        return words
    first = capitals.index(True)
    last = first
    while last + 1 < len(words) and capitals[last + 1]:
        last += 1
    return words[first : last + 1] if last > first else words


def _before_stray_digits(text: str) -> str:
    """A name in capitals with specks read after it (``- MA THỊ DUNG. v3``): the words in
    capitals it opens with, when every word holding a digit comes after them (unseen draw
    15000). A digit before or among them (``THÔN 3 XÃ AN PHÚ``) leaves the text whole, and
    the name is refused."""
    if not re.search(r"\d", text):
        return text
    words = text.split()
    first = next((i for i, word in enumerate(words) if any(ch.isalpha() for ch in word)), 0)
    end = first
    while end < len(words) and words[end].isupper() and not re.search(r"\d", words[end]):
        end += 1
    if end - first < 2 or any(re.search(r"\d", word) for word in words[:first]):
        return text
    return " ".join(words[first:end])


def name_case(text: str) -> str | None:
    """A person's name in NFC Title Case by syllable; None if it does not look like one.

    ``NGUYỄN VĂN ĐẶNG`` -> ``Nguyễn Văn Đặng``. Names with digits are refused, not
    repaired: a digit in a name means the wrong text was read; so are the phrases
    that stand near names and are none (``Đóng dấu``, ``Bản sao``).
    """
    if text.lstrip().startswith(("/", "⁄")):
        return None  # a label's other half, garbled past recognition (``⁄ EulÏ name``)
    if ")" in text and "(" not in text:
        return None  # the tail of a hint in brackets (``… họ. tên, đồng đãi)``)
    text = _before_stray_digits(text)
    if re.search(r"\d", text) or _NOT_A_NAME.search(fold_key(text)):
        return None
    words = _printed_name(_NAME_JUNK.sub(" ", _SPACED_DASH.split(text, 1)[0]).split())
    letters = sum(ch.isalpha() for ch in "".join(words))
    if letters < 2:
        return None
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


def line_position(lines: Sequence[Line], line: Line) -> int:
    """Index of ``line`` in ``lines`` (lines are unique by page and index)."""
    for at, candidate in enumerate(lines):
        if candidate.page == line.page and candidate.index == line.index:
            return at
    raise ValueError("line not in document")


def first_line_matching(lines: Sequence[Line], pattern: re.Pattern[str], start: int = 0) -> int:
    """Index of the first line whose key matches ``pattern``, or ``len(lines)``."""
    for at in range(start, len(lines)):
        if pattern.search(lines[at].key):
            return at
    return len(lines)
