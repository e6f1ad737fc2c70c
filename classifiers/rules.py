"""Title and phrase rules: what the stable headers of commune papers say outright.

A Vietnamese administrative paper names itself in a bold upper-case title near
the top (``GIẤY KHAI SINH``, ``QUYẾT ĐỊNH``), and ID cards in a fixed header.
Those titles are law-defined and change rarely, so a rule that recognises them
is more reliable than any model trained on synthetic text — but OCR damages
them, so they are matched fuzzily on folded text, and only on lines that look
like titles (mostly capitals, near the top of the first pages).

The rule result is a score per type, combined with the model's probabilities
in ``classifiers.combine``; rules never see the certification stamp (it is cut
out by ``classifiers.folded_text`` first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from classifiers.doctypes import TYPES
from classifiers.folded_text import PageLines, contains_phrase, letters_upper_ratio

TITLES: dict[str, tuple[str, ...]] = {t.code: t.titles for t in TYPES if t.titles}
"""Folded title openers per type, as ``classifiers.doctypes`` declares them."""

MARKERS: dict[str, tuple[str, ...]] = {t.code: t.markers for t in TYPES if t.markers}
"""Folded phrases anywhere on a page that only one type prints (weaker than a title)."""

WHOLE_LINE_TITLES = frozenset(p for t in TYPES for p in t.whole_line_titles)
"""Titles that must fill the line, not just open it: ``CĂN CỨ …`` is not ``CĂN CƯỚC``."""

FUZZY_MIN_LENGTH = 10
"""Shorter patterns are matched exactly (after canonicalising): a fuzzy ``to khai``
would also accept ``to trinh``."""

_OCR_CANON = str.maketrans({"l": "i", "1": "i", "|": "i", "0": "o"})
"""Letters OCR confuses in capitals (I/l/1, O/0), mapped alike on both sides of a comparison."""


def canonical(folded: str) -> str:
    return folded.translate(_OCR_CANON)


TITLE_MIN_SCORE = 88.0
TITLE_MIN_UPPER = 0.6
TITLE_LINES = 25
"""Lines of each page searched for a title: the header block and the title fit in 25."""

TITLE_WEIGHT = 1.0
MARKER_WEIGHT = 0.6


@dataclass(frozen=True)
class RuleHit:
    document_type: str
    score: float  # 0..1
    page: int
    line: str
    pattern: str


_WHOLE_LINE = frozenset(canonical(p) for p in WHOLE_LINE_TITLES)


_SECTION_NUMBER = re.compile(r"^(?:[ivx]{1,4}|\d{1,2}) (?=\w)")
"""A section's number before its title (``IV. NHỮNG THAY ĐỔI …`` folds to ``iv nhung …``)."""


_STRAY_HEAD = re.compile(r"^(?=[a-z0-9 ]{1,10} \w{4})(?:[a-z0-9]{1,3} ){1,3}(?=\w{4})")
"""Up to three fragments of one to three letters (ten characters in all) before a title: an
emblem's or a card edge's shadow read as letters (``cấu CHỨNG MINH NHÂN DÂN``, ``lÊ SŠ‹ `1
GIẤY CHỨNG MINH NHÂN DÂN``), or a title's first word mangled beyond recognition."""

STRAY_HEAD_FACTOR = 0.97
"""A title found behind such a fragment is a little less sure than one that opens the line."""


def title_score(folded_line: str, pattern: str) -> float:
    """0..1: how well the line opens with ``pattern`` (fuzzy, OCR-tolerant), a section
    number or a stray fragment before it allowed."""
    score = _opening_score(folded_line, pattern)
    unnumbered = _SECTION_NUMBER.sub("", folded_line, count=1)
    if score < 1.0 and unnumbered != folded_line:
        score = max(score, _opening_score(unnumbered, pattern))
    stripped = _STRAY_HEAD.sub("", folded_line, count=1)
    if score < STRAY_HEAD_FACTOR and stripped != folded_line and len(pattern) >= FUZZY_MIN_LENGTH:
        score = max(score, STRAY_HEAD_FACTOR * _opening_score(stripped, pattern))
    return score


def _opening_score(folded_line: str, pattern: str) -> float:
    line, pattern = canonical(folded_line), canonical(pattern)
    if pattern in _WHOLE_LINE:
        if len(line) > len(pattern) + 4:
            return 0.0
        score = fuzz.ratio(pattern, line)
        return score / 100 if score >= TITLE_MIN_SCORE else 0.0
    if line == pattern or line.startswith(pattern + " "):
        return 1.0
    if len(pattern) < FUZZY_MIN_LENGTH or len(line) < len(pattern) * 0.85:
        return 0.0
    head = line[: len(pattern) + 2]
    score = max(fuzz.ratio(pattern, head), fuzz.ratio(pattern, line[: len(pattern)]))
    return score / 100 if score >= TITLE_MIN_SCORE else 0.0


_CAPITAL_WORD = re.compile(r"[^\W\d_]+")
CAPITALS_HEAD_WORDS = 2
"""Words in capitals a line must open with to hold a title of its own before other text."""


def _capitals_head(line: str) -> int | None:
    """Where the run of words in capitals that opens ``line`` ends, when it has at least
    ``CAPITALS_HEAD_WORDS`` words: a title OCR merged with the next column's text on one
    line (``BIRTH CERTIFICATE Họ, chữ đệm, tên người mẹ``, a landscape form's title beside
    its first rows; unseen draw 16000). The folded line keeps the line's length, so the
    end indexes both."""
    end, words = None, 0
    for word in _CAPITAL_WORD.finditer(line):
        if not word.group().isupper():
            break
        if end is not None and line[end : word.start()].strip(" -:/"):
            break  # something not a word between: a number or a mark ends the title
        end, words = word.end(), words + 1
    return end if words >= CAPITALS_HEAD_WORDS else None


def title_hits(pages: Sequence[PageLines], max_pages: int = 2) -> list[RuleHit]:
    """Every title-like line of the first pages that opens with a known title."""
    hits: list[RuleHit] = []
    for page in pages[:max_pages]:
        skip = set(page.certification)
        for index in range(min(TITLE_LINES, len(page.lines))):
            line, folded = page.lines[index], page.folded[index]
            if index in skip or not folded:
                continue
            if letters_upper_ratio(line) < TITLE_MIN_UPPER:
                head = _capitals_head(line)
                if head is None:
                    continue
                folded = folded[:head]
            for document_type, patterns in TITLES.items():
                best = max(((title_score(folded, p), p) for p in patterns), default=(0.0, ""))
                if best[0] > 0:
                    hits.append(RuleHit(document_type, best[0], page.number, line, best[1]))
    return hits


_MRZ_RUN = re.compile(r"[A-Z0-9<]{20,}")
"""A machine-readable-zone line as OCR gives it (``IDVNM…<<8``, ``HA<<MINH<THU<<<``);
only ID cards and passports print one. Matched on the raw line: folding drops ``<``."""


def _is_mrz_line(line: str) -> bool:
    run = _MRZ_RUN.search(line.replace(" ", ""))
    return run is not None and "<<" in run.group()


def marker_hits(pages: Sequence[PageLines]) -> list[RuleHit]:
    hits: list[RuleHit] = []
    for page in pages:
        skip = set(page.certification)
        mrz = [line for line in page.lines if _is_mrz_line(line)]
        if len(mrz) >= 2:
            hits.append(RuleHit("citizen_id", 1.0, page.number, mrz[0], "mrz"))
        for index, folded in enumerate(page.folded):
            if index in skip or not folded:
                continue
            for document_type, phrases in MARKERS.items():
                for phrase in phrases:
                    if contains_phrase(folded, phrase, 90.0):
                        hits.append(
                            RuleHit(document_type, 1.0, page.number, page.lines[index], phrase)
                        )
    return hits


def rule_scores(pages: Sequence[PageLines]) -> tuple[dict[str, float], list[RuleHit]]:
    """Per type, the strongest evidence (0..1) the rules found, and the hits behind it.

    Among title hits the first title line wins ties: a decision quoting a
    ``Biên bản`` in capitals lower down is still a decision. A longer pattern
    beats a shorter one that also matched the same line (``GIẤY CHỨNG NHẬN
    ĐĂNG KÝ HỘ KINH DOANH`` is not any ``GIẤY CHỨNG NHẬN …``).
    """
    scores: dict[str, float] = {}
    titles = title_hits(pages)
    first_title_line: tuple[int, str] | None = None
    for hit in titles:
        key = (hit.page, hit.line)
        if first_title_line is None:
            first_title_line = key
        weight = TITLE_WEIGHT if key == first_title_line else TITLE_WEIGHT * 0.5
        same_line = [h for h in titles if (h.page, h.line) == key]
        longest = max(len(h.pattern) for h in same_line)
        if len(hit.pattern) < longest:
            weight *= 0.5
        scores[hit.document_type] = max(scores.get(hit.document_type, 0.0), hit.score * weight)
    markers = marker_hits(pages)
    strongest: dict[tuple[str, str], float] = {}  # (type, phrase) -> its best hit
    for hit in markers:
        weight = TITLE_WEIGHT if hit.pattern == "mrz" else MARKER_WEIGHT
        key = (hit.document_type, hit.pattern)
        strongest[key] = max(strongest.get(key, 0.0), hit.score * weight)
    # Different phrases of one type are independent evidence: an old ID card whose title
    # the emblem garbled still shows ``Nơi ĐKHK thường trú`` and ``Dấu vết riêng và dị
    # hình``; either alone is one marker's weight, both together more (1 - Π(1 - s)).
    # The same phrase repeated is one piece of evidence, not several.
    missing: dict[str, float] = {}
    for (document_type, _), score in strongest.items():
        missing[document_type] = missing.get(document_type, 1.0) * (1.0 - score)
    for document_type, left in missing.items():
        scores[document_type] = max(scores.get(document_type, 0.0), 1.0 - left)
    return scores, titles + markers
