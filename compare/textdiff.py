"""Word-level diff of two OCR readings, in one shared reading order.

Tesseract does not always read two scans of a page in the same order (two
columns sharing a baseline, a word that falls to the next line), so the copy's
words are first put in the *original's* reading order: each copy word, mapped
onto the original with the registration, joins the original line it lies on.
Then the two word sequences are diffed with ``difflib.SequenceMatcher``.

Tokens are compared in NFC and case-sensitively, but without the punctuation
around them (``008332395235;`` equals ``008332395235``); punctuation-only
tokens (``-``, ``;``) are left out, and a word read as two pieces on one side
(``00833 2395235``) is not a difference. What remains is a *candidate*: whether
it is a real change or OCR noise is decided afterwards from the pixels
(:func:`judge`).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from compare.comparison_types import Box, CharSpan, OpStatus, Registration, TextOp
from core.vietnamese import fold_accents
from ocr.words import Word

# Pixel evidence (differing ink pixels in an op's area after a close local
# re-alignment, at 200 dpi): at or below WEAK the word images match (two scans
# of one page measure 0–5), at or above STRONG they clearly differ (a 6 turned
# into an 8 measures ~17, a whole word hundreds).
WEAK_PIXELS = 6
STRONG_PIXELS = 14
# Between the two, OCR's own word decides only when it is this sure.
CONFIDENT = 85.0


def token_key(text: str) -> str:
    """What is compared of a word: NFC, surrounding punctuation stripped."""
    text = unicodedata.normalize("NFC", text)
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


@dataclass(frozen=True)
class _Token:
    word: Word
    key: str
    box: Box  # in original pixels


def _line_bands(words: Sequence[Word]) -> dict[int, Box]:
    bands: dict[int, Box] = {}
    for w in words:
        b = bands.get(w.line)
        bands[w.line] = (
            w.box
            if b is None
            else Box(
                min(b.left, w.box.left),
                min(b.top, w.box.top),
                max(b.right, w.box.right),
                max(b.bottom, w.box.bottom),
            )
        )
    return bands


def _vertical_overlap(a: Box, b: Box) -> float:
    """Overlap of the two boxes' heights, as a share of the smaller height."""
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap / max(1, min(a.height, b.height))


def _horizontal_gap(a: Box, b: Box) -> int:
    return max(0, max(a.left, b.left) - min(a.right, b.right))


def _line_of(box: Box, bands: dict[int, Box]) -> int | None:
    """The original line a mapped copy word sits on: overlapping in height, nearest across."""
    candidates = [
        (_horizontal_gap(box, band), -_vertical_overlap(box, band), line)
        for line, band in bands.items()
        if _vertical_overlap(box, band) >= 0.5
    ]
    return min(candidates)[2] if candidates else None


def _rank_above(box: Box, bands: dict[int, Box], ranks: dict[int, int]) -> float:
    """For a copy word on no original line: just after the nearest line above it."""
    centre = (box.top + box.bottom) / 2
    above = [
        (band.top + band.bottom, ranks[line])
        for line, band in bands.items()
        if (band.top + band.bottom) / 2 < centre
    ]
    return (max(above)[1] if above else -1) + 0.5


def shared_order(
    original: Sequence[Word], copy: Sequence[Word], registration: Registration | None
) -> tuple[list[_Token], list[_Token]]:
    """Both pages' tokens in the original's reading order (copy boxes mapped onto it).

    Without a usable registration the copy keeps its own reading order.
    """
    tokens_o = [_Token(w, token_key(w.text), w.box) for w in original]
    mapped = [registration.map_box(w.box) if registration else w.box for w in copy]
    tokens_c = [_Token(w, token_key(w.text), b) for w, b in zip(copy, mapped, strict=True)]
    if registration is not None:
        bands = _line_bands(original)
        ranks = {line: rank for rank, line in enumerate(dict.fromkeys(w.line for w in original))}

        def copy_key(t: _Token) -> tuple[float, int, float]:
            line = _line_of(t.box, bands)
            x = (t.box.left + t.box.right) / 2
            if line is None:
                return (_rank_above(t.box, bands, ranks), t.word.line, x)
            return (float(ranks[line]), -1, x)

        def original_key(t: _Token) -> tuple[float, int, float]:
            return (float(ranks[t.word.line]), -1, (t.box.left + t.box.right) / 2)

        tokens_o.sort(key=original_key)
        tokens_c.sort(key=copy_key)
    return [t for t in tokens_o if t.key], [t for t in tokens_c if t.key]


def diff_words(
    original: Sequence[Word], copy: Sequence[Word], registration: Registration | None
) -> list[TextOp]:
    """Equal runs and candidate changes; changes come out with status ``difference``."""
    a, b = shared_order(original, copy, registration)
    matcher = difflib.SequenceMatcher(None, [t.key for t in a], [t.key for t in b], autojunk=False)
    ops: list[TextOp] = []
    for tag, i0, i1, j0, j1 in matcher.get_opcodes():
        ops.extend(_ops_for(tag, a[i0:i1], b[j0:j1], registration is not None))
    return ops


def _op(
    kind: str, a: Sequence[_Token], b: Sequence[_Token], status: OpStatus, mapped: bool
) -> TextOp:
    words = [t.word for t in (*a, *b)]
    chars = _char_diff(a[0].key, b[0].key) if kind == "replace" and len(a) == len(b) == 1 else ()
    return TextOp(
        kind=kind,  # type: ignore[arg-type]
        original=tuple(t.word for t in a),
        copy=tuple(t.word for t in b),
        copy_boxes=tuple(t.box for t in b) if mapped else (),
        status=status,
        critical=kind != "equal" and any(ch.isdigit() for w in words for ch in w.text),
        chars=chars,
    )


def _ops_for(
    tag: str, a: Sequence[_Token], b: Sequence[_Token], mapped: bool, split: bool = True
) -> list[TextOp]:
    if tag == "equal":
        return [_op("equal", a, b, "same", mapped)]
    if tag == "replace" and "".join(t.key for t in a) == "".join(t.key for t in b):
        return [_op("equal", a, b, "same", mapped)]  # one word read as two, or two as one
    if tag == "replace" and len(a) == len(b):
        return [_op("replace", [x], [y], "difference", mapped) for x, y in zip(a, b, strict=True)]
    if tag == "replace" and mapped and split:
        groups = _by_place(a, b)
        if len(groups) > 1:
            return [op for x, y in groups for op in _ops_for(_tag(x, y), x, y, mapped, False)]
    return [_op(tag, a, b, "difference", mapped)]


def _tag(a: Sequence[_Token], b: Sequence[_Token]) -> str:
    return "replace" if a and b else "delete" if a else "insert"


def _overlap(a: Box, b: Box) -> bool:
    """The boxes share at least a third of the smaller one's area."""
    w = min(a.right, b.right) - max(a.left, b.left)
    h = min(a.bottom, b.bottom) - max(a.top, b.top)
    smaller = min(a.width * a.height, b.width * b.height)
    return w > 0 and h > 0 and 3 * w * h >= smaller


def _by_place(a: Sequence[_Token], b: Sequence[_Token]) -> list[tuple[list[_Token], list[_Token]]]:
    """Split an uneven replace block into groups of words lying on the same spot.

    "X Trần" against "Trăn" is a signature stroke read as a letter on one page
    plus a tone mark read differently: a lone delete and a one-to-one replace,
    each judged on its own, rather than one change of two words into one.
    """
    groups: list[tuple[list[_Token], list[_Token]]] = []
    for x in a:
        partners = [y for y in b if _overlap(x.box, y.box)]
        joined = next((g for g in groups if any(y in g[1] for y in partners)), None)
        if joined is None:
            groups.append(([x], partners))
        else:
            joined[0].append(x)
            joined[1].extend(y for y in partners if y not in joined[1])
    placed = [y for _, ys in groups for y in ys]
    groups += [([], [y]) for y in b if y not in placed]
    order = {id(t): i for i, t in enumerate((*a, *b))}
    return sorted(groups, key=lambda g: min(order[id(t)] for t in (*g[0], *g[1])))


def _char_diff(a: str, b: str) -> tuple[CharSpan, ...]:
    """Which characters changed inside a replaced word: the changed digit stands out."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return tuple(
        CharSpan(op=tag, original=a[i0:i1], copy=b[j0:j1])  # type: ignore[arg-type]
        for tag, i0, i1, j0, j1 in matcher.get_opcodes()
    )


def looks_like_ocr_noise(op: TextOp) -> bool:
    """Differences OCR commonly makes by itself: tone marks, case, an unsure word.

    Lone characters count as unsure too: OCR finds them in seal rims, signature
    loops and specks, often with high confidence.
    """
    words = (*op.original, *op.copy)
    if any(w.confidence < CONFIDENT for w in words):
        return True
    if all(len(token_key(w.text)) < 2 for w in words):
        return True
    if op.kind == "replace":
        a, b = op.original_text, op.copy_text
        return fold_accents(a).casefold() == fold_accents(b).casefold()
    return False


def judge(op: TextOp, pixel_diff: int | None, scale: float) -> TextOp:
    """Settle a candidate change with the pixels of its area on the aligned pages.

    ``scale`` is (dpi / 200)²: the thresholds are areas at 200 dpi. The pixels
    decide when they are clear either way; in between, OCR noise is presumed
    unless both readings are confident and differ beyond tone marks and case.
    Without pixels (``None``: the pages could not be aligned, or the area lies
    under a seal or a signature) only that last rule is left.
    """
    if op.kind == "equal":
        return op
    status: OpStatus
    if pixel_diff is not None and pixel_diff >= STRONG_PIXELS * scale:
        status = "difference"
    elif pixel_diff is not None and pixel_diff <= WEAK_PIXELS * scale:
        status = "ocr_uncertain"
    else:
        status = "ocr_uncertain" if looks_like_ocr_noise(op) else "difference"
    return replace(op, status=status, pixel_diff=pixel_diff)
