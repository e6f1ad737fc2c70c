"""Text as the classifier sees it: accent-folded lines, and the certification stamp cut out.

OCR of a worn scan loses tone marks, swaps ``Đ`` for ``D`` and breaks words,
so everything the classifier compares is first *folded*: accents removed,
lower case, punctuation turned into single spaces. Values (names, numbers) are
still read from the original NFC text by ``classifiers.fields``.

The attestation a commune writes on a certified copy (``Chứng thực bản sao đúng
với bản chính``, its number, book, date and signer) is printed on copies of
every document type. It says *that* a paper is a certified copy, never *what*
the paper is, so it is detected here and removed before the type is decided.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from core.vietnamese import fold_accents
from ocr.words import Word, print_rows

_NON_WORD = re.compile(r"[^0-9a-z]+")

CERTIFICATION_PHRASES = ("chung thuc ban sao dung voi ban chinh",)
"""The folded attestation opener, the wording of Decree 23/2015's forms. (``Chứng thực
bản sao từ bản chính`` is the *procedure*'s name: reports and forms talk about it.)"""

OPENER_SLACK = 12
"""Letters an attestation line may carry beyond its opener (``BẢN SAO``, a stray mark);
a body sentence that merely mentions the phrase runs on much longer."""

CERTIFICATION_TAIL = (
    "so chung thuc",
    "quyen so",
    "nguoi thuc hien chung thuc",
    "sct bs",
    "sctdt bs",
    "ngay",
    "thang",
)
"""Folded starts of the lines that belong to the attestation block after its opener."""

CERTIFICATION_BLOCK_LINES = 8
"""The attestation is at most this many lines (opener, number, date, role, name, seal)."""

FUZZY_MIN = 85.0
"""rapidfuzz score (0–100) at which an OCR'd phrase counts as the phrase.

At 85 a 37-letter phrase tolerates about five wrong letters, which is what a
stamp half under a red seal reads like; unrelated administrative phrases score
below 60.
"""


def fold(text: str) -> str:
    """``Chứng thực bản sao ĐÚNG`` → ``chung thuc ban sao dung``: the form all matching uses."""
    folded = fold_accents(unicodedata.normalize("NFC", text)).lower()
    return _NON_WORD.sub(" ", folded).strip()


def letters_upper_ratio(line: str) -> float:
    """Share of the line's letters that are capitals: titles are printed in capitals."""
    letters = [ch for ch in line if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(ch.isupper() for ch in letters) / len(letters)


def contains_phrase(folded_line: str, phrase: str, minimum: float = FUZZY_MIN) -> bool:
    """Whether ``phrase`` (folded) occurs in the folded line, tolerating OCR errors."""
    if phrase in folded_line:
        return True
    if len(folded_line) < len(phrase) * 0.8:
        return False
    return fuzz.partial_ratio(phrase, folded_line) >= minimum


@dataclass(frozen=True)
class PageLines:
    """One page's lines, original and folded, with the attestation block marked."""

    number: int
    lines: tuple[str, ...]
    folded: tuple[str, ...]
    certification: tuple[int, ...]  # indices of lines that belong to an attestation block

    @property
    def content_lines(self) -> list[str]:
        """The original lines without the attestation block."""
        skip = set(self.certification)
        return [line for i, line in enumerate(self.lines) if i not in skip]

    @property
    def content_folded(self) -> list[str]:
        skip = set(self.certification)
        return [line for i, line in enumerate(self.folded) if i not in skip and line]


def split_page(number: int, text: str) -> PageLines:
    lines = tuple(line.strip() for line in unicodedata.normalize("NFC", text).splitlines())
    folded = tuple(fold(line) for line in lines)
    return PageLines(number, lines, folded, certification_lines(folded, lines))


def certification_lines(
    folded: Sequence[str], lines: Sequence[str] | None = None
) -> tuple[int, ...]:
    """Indices of the attestation block: its opener and the few lines that follow it.

    The opener is the phrase on one line, or split over two short lines (a
    stamp two inches wide breaks it after ``ĐÚNG``). Where OCR lost the opener
    (under a seal, a faded pad), the stamp's own lines still give it away: the
    certification number and the book of certified copies (``Quyển số …
    SCT/BS``) together. The block ends at the first line that is not one of
    its parts (a number, book, date, role or a short name line), or after
    ``CERTIFICATION_BLOCK_LINES``. A ``label: value`` line that is none of the
    stamp's own (``Số hiệu: QA6031128`` printed just under it) ends it too.
    """
    marked: list[int] = []
    for index in range(len(folded)):
        start = _block_start(folded, index)
        if start is None:
            continue
        marked += range(index, start)
        dated_lines: list[int] = []
        for follower in range(start, min(len(folded), index + CERTIFICATION_BLOCK_LINES)):
            line_after = folded[follower]
            if lines is not None and _foreign_label(lines[follower], line_after):
                break
            short = len(line_after.split()) <= 5
            dated = " ngay " in f" {line_after} " and " nam " in f" {line_after} "
            if dated:
                dated_lines.append(follower)
            if not line_after or short or dated or line_after.startswith(CERTIFICATION_TAIL):
                marked.append(follower)
            else:
                break
        marked = [i for i in marked if i not in _original_datelines(folded, dated_lines)]
    return tuple(sorted(set(marked)))


def _original_datelines(folded: Sequence[str], dated: Sequence[int]) -> set[int]:
    """Of the dated lines read inside an attestation block, those dated before another:
    the original's own dateline (``Cẩm Xuyên, ngày 24 tháng 12 năm 2018``), which OCR read
    in among the stamp's lines where the stamp was pressed beside it. A copy is certified
    on or after the day its original was issued, so the latest date is the stamp's."""
    from classifiers.fields.dates import find_date  # here: the fields package imports this module

    days = {i: found.value for i in dated if (found := find_date(folded[i])) is not None}
    if len(days) < 2:
        return set()
    latest = max(days.values())
    return {i for i, day in days.items() if day < latest}


def _foreign_label(line: str, folded: str) -> bool:
    """A ``label: value`` line whose label is not one the attestation prints."""
    head, colon, value = line.partition(":")
    return bool(colon and head.strip() and value.strip()) and not folded.startswith(
        CERTIFICATION_TAIL
    )


BOOK_OF_COPIES = ("sct bs", "sctdt bs", "sct bsdt")
"""Folded marks of the register of certified copies (``…/SCT/BS``): a signature's
certification is booked under ``SCT/CK`` and is not a certified copy."""


def _block_start(folded: Sequence[str], index: int) -> int | None:
    """Where the lines after an attestation opener at ``index`` begin, or None if none is there."""
    line = folded[index]
    if not line:
        return None
    if any(_is_opener(line, p) for p in CERTIFICATION_PHRASES):
        return index + 1
    following = folded[index + 1] if index + 1 < len(folded) else ""
    if following and any(_is_opener(f"{line} {following}", p) for p in CERTIFICATION_PHRASES):
        return index + 2
    window = " ".join(folded[index + 1 : index + 1 + STAMP_WINDOW])
    if _is_opener_start(line) and any(contains_phrase(window, part) for part in STAMP_PARTS):
        return index + 1
    # The stamp's number and its book, in either order: a stamp pressed askew is read
    # line by line as the page's rows cut it, and its book can come out first.
    for first, other in (("so chung thuc", "quyen so"), ("quyen so", "so chung thuc")):
        if contains_phrase(line[: len(first) + 2], first) and not _place_dateline(line, first):
            window = " ".join(folded[index : index + STAMP_WINDOW])
            around = " ".join(folded[max(0, index - STAMP_WINDOW) : index + STAMP_WINDOW])
            if other in window and not any(mark in around for mark in SIGNATURE_MARKS):
                return index + 1
    return None


_FULL_DATE = re.compile(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b")


def _place_dateline(line: str, first: str) -> bool:
    """A paper's dateline whose place only looks like the stamp's words: ``Quế Sơn, ngày
    01 tháng 07 năm 2018`` folds to ``que son ngay …``, within OCR's tolerance of ``quyen
    so`` (unseen draw 14000). The stamp's own line starts with its words as printed."""
    return not line.startswith(first) and _FULL_DATE.search(line) is not None


STAMP_WINDOW = 4
"""Lines after a stamp's first line in which its other parts are looked for."""

STAMP_PARTS = ("so chung thuc", "quyen so", "nguoi thuc hien chung thuc")
"""The attestation's own lines under its opener."""

SIGNATURE_MARKS = ("sct ck", "sctck", "chu ky", "da ky", "truoc mat")
"""What a signature's certification prints (its book ``…/SCT/CK``, ``đã ký … trước
mặt tôi``): the same ``Số chứng thực … Quyển số`` lines, but no copy is certified.
Without these, the number and the book together mean a copy's attestation even
where its ``SCT/BS`` mark was unreadable (a smudged stamp)."""

OPENER_START_MIN = 12
"""Letters of the opener a stamp cut off by OCR must still show (``chung thuc ba``):
a signature's certification starts ``chung thuc chu …`` and differs by then."""


PROCEDURE_NAME = "chung thuc ban sao tu ban chinh"
"""The procedure's name, which starts like the opener: on a form or a report it is a
heading, not a stamp."""

OPENER_PREFIX_MIN = 16
"""Letters of the opener's beginning (``chung thuc ban s``) that must read right when the
rest of the line is garbage (a seal and a signature over ``SAO ĐÚNG VỚI``); at 16 a
signature's ``chung thuc chu ky`` is far from it, at 14 it is not."""


OPENER_HEAD = CERTIFICATION_PHRASES[0][:14]
OPENER_END = CERTIFICATION_PHRASES[0][-9:]
"""The opener's first and last words (``chung thuc ban`` … ``ban chinh``): together they
stand for it when its middle is lost."""


def _is_opener_start(line: str) -> bool:
    """The line is the opener's beginning, cut short or garbled after it (the rest lost
    under a seal)."""
    phrase = CERTIFICATION_PHRASES[0]
    if len(line) < OPENER_START_MIN or len(line) > len(phrase) + OPENER_SLACK:
        return False
    head = line[: len(phrase)]
    if fuzz.ratio(head, phrase[: len(head)]) >= FUZZY_MIN:
        return True
    if contains_phrase(line, PROCEDURE_NAME):
        return False
    # Both ends of the opener with its middle garbled (``chung thuc bam 5a2 u1 v1 ran
    # chinh``: a blue stamp on a coarse JPEG): a signature's certification never ends
    # ``bản chính``.
    if (
        fuzz.ratio(line[: len(OPENER_HEAD)], OPENER_HEAD) >= FUZZY_MIN
        and fuzz.ratio(line[-len(OPENER_END) :], OPENER_END) >= FUZZY_MIN
    ):
        return True
    words = line.split()
    for count in range(len(words) - 1, 0, -1):
        head = " ".join(words[:count])
        if len(head) < OPENER_PREFIX_MIN:
            return False
        if fuzz.ratio(head, phrase[: len(head)]) >= FUZZY_MIN:
            return True
    return False


def _is_opener(line: str, phrase: str) -> bool:
    """The line is the attestation's opener: the phrase, fuzzily, and little else."""
    return len(line) <= len(phrase) + OPENER_SLACK and contains_phrase(line, phrase)


def is_certified_copy(pages: Sequence[PageLines]) -> bool:
    return any(page.certification for page in pages)


def attested_in_rows(words: Sequence[Word]) -> bool:
    """An attestation in the page's words read row by row as they stand (``print_rows``),
    not in Tesseract's line order.

    On a busy page Tesseract cuts a stamp into columns and reads them one after the
    other: its ``CHỨNG THỰC`` came out seven lines above its ``BẢN SAO ĐÚNG VỚI BẢN
    CHÍNH``, with the number and the book split between them, so neither the opener nor
    the number beside its book was on one line (two unseen copies of 96 missed so).
    Read by rows, the same words give the stamp's own lines back.
    """
    rows = [" ".join(w.text for w in row) for row in print_rows(words)]
    rows = [unicodedata.normalize("NFC", row) for row in rows]
    return bool(certification_lines([fold(row) for row in rows], rows))


def classification_text(pages: Sequence[PageLines]) -> str:
    """What the statistical model reads: folded content lines, attestation removed."""
    return "\n".join(line for page in pages for line in page.content_folded)
