"""Pooled error counts, so that long pages weigh more than short ones.

Averaging per-page rates would let a nearly empty page count as much as a full one;
the benchmark instead adds up edit counts and reference lengths and divides once.
Definitions are those of ``testkit.textmetrics`` (its ``normalise``, Levenshtein over
characters and over words); the tone-mark count is its per-page rate times the page's
number of marked reference letters, which is exactly the number of marked letters lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from testkit import textmetrics


@dataclass(frozen=True)
class Counts:
    """Errors and reference sizes; add them up, then read rates off the sum."""

    char_edits: int = 0
    ref_chars: int = 0
    word_edits: int = 0
    ref_words: int = 0
    tone_errors: int = 0
    ref_marked: int = 0
    pages: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.char_edits + other.char_edits,
            self.ref_chars + other.ref_chars,
            self.word_edits + other.word_edits,
            self.ref_words + other.ref_words,
            self.tone_errors + other.tone_errors,
            self.ref_marked + other.ref_marked,
            self.pages + other.pages,
        )

    @property
    def cer(self) -> float | None:
        return _ratio(self.char_edits, self.ref_chars)

    @property
    def wer(self) -> float | None:
        return _ratio(self.word_edits, self.ref_words)

    @property
    def tone_error(self) -> float | None:
        return _ratio(self.tone_errors, self.ref_marked)


def _ratio(errors: int, total: int) -> float | None:
    return errors / total if total else None


def page_counts(reference: str, hypothesis: str) -> Counts:
    """Counts for one page; an empty hypothesis scores exactly 1.0 on every rate."""
    ref = textmetrics.normalise(reference)
    hyp = textmetrics.normalise(hypothesis)
    ref_words, hyp_words = ref.split(), hyp.split()
    marked = sum(textmetrics.has_diacritic(ch) for ch in ref)
    tone_rate = textmetrics.tone_mark_error_rate(ref, hyp)
    return Counts(
        char_edits=Levenshtein.distance(ref, hyp),
        ref_chars=len(ref),
        word_edits=Levenshtein.distance(ref_words, hyp_words),
        ref_words=len(ref_words),
        tone_errors=round(tone_rate * marked),
        ref_marked=marked,
        pages=1,
    )


def pooled(counts: Iterable[Counts]) -> Counts:
    return sum(counts, Counts())
