"""How OCR text is scored against ground truth.

Layout is not what we grade, so both texts are first reduced by :func:`normalise`
(NFC, every whitespace run one space). Vietnamese adds one question plain CER hides:
a page where every letter is right but the tone marks are gone reads almost clean by
CER yet is useless to a clerk, hence :func:`tone_mark_error_rate`.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC, whitespace runs (newlines, tabs, form feeds…) to one space, stripped; case kept."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _rate(errors: int, total: int, hypothesis_empty: bool) -> float:
    """Errors per reference unit; with nothing to get right, any output is all wrong."""
    if total == 0:
        return 0.0 if hypothesis_empty else 1.0
    return errors / total


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: Levenshtein distance / reference length, after normalise.

    It can exceed 1.0 when the hypothesis is much longer than the reference. An empty
    reference scores 0.0 against an empty hypothesis and 1.0 against anything else.
    """
    ref, hyp = normalise(reference), normalise(hypothesis)
    return _rate(Levenshtein.distance(ref, hyp), len(ref), not hyp)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: Levenshtein distance over space-separated words, after normalise.

    Empty-reference cases follow :func:`cer`.
    """
    ref, hyp = normalise(reference).split(), normalise(hypothesis).split()
    return _rate(Levenshtein.distance(ref, hyp), len(ref), not hyp)


def has_diacritic(char: str) -> bool:
    """A letter carrying any Vietnamese mark: a tone, a hat or horn or breve, or đ/Đ."""
    if char in "đĐ":
        return True
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", char))


def tone_mark_error_rate(reference: str, hypothesis: str) -> float:
    """Share of marked reference letters not reproduced exactly in the hypothesis.

    Texts are normalised, then aligned by one optimal Levenshtein alignment; a marked
    reference letter counts as wrong when that alignment deletes or substitutes it
    (``ệ`` read as ``ê`` or ``e`` is wrong, and so is a lost line). Insertions in the
    hypothesis cost nothing here: they are CER's business.

    Edge cases: a reference without marked letters scores 0.0 (nothing could be lost),
    whatever the hypothesis; in particular empty against empty is 0.0.
    """
    ref, hyp = normalise(reference), normalise(hypothesis)
    marked = [i for i, ch in enumerate(ref) if has_diacritic(ch)]
    if not marked:
        return 0.0
    wrong = {
        op.src_pos
        for op in Levenshtein.editops(ref, hyp)
        if op.tag in ("delete", "replace") and has_diacritic(ref[op.src_pos])
    }
    return len(wrong) / len(marked)
