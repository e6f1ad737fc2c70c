"""Where on the page image a value was printed: the union of its OCR word boxes.

Best effort. Lines of the page text and ``Word.line`` numbers normally coincide; the
value is matched on the accent-folded letters and digits only, so that punctuation,
spacing and tone-mark differences between the text and the words do not matter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from classifiers.fields.field_types import Word
from classifiers.fields.lines import Span, fold_key

BoxTuple = tuple[int, int, int, int]


def _compact(text: str) -> str:
    return "".join(ch for ch in fold_key(text) if ch.isalnum())


def _union(boxes: Iterable[BoxTuple]) -> BoxTuple | None:
    boxes = list(boxes)
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _covering(words: Sequence[Word], pieces: Sequence[str], at: int, end: int) -> list[BoxTuple]:
    """Boxes of the words whose compact text overlaps ``[at, end)`` of the joined text."""
    boxes, offset = [], 0
    for word, piece in zip(words, pieces, strict=True):
        if piece and offset < end and offset + len(piece) > at:
            boxes.append((word.box.left, word.box.top, word.box.right, word.box.bottom))
        offset += len(piece)
    return boxes


def _joined(words: Sequence[Word]) -> str:
    return "".join(_compact(w.text) for w in words)


def _line_order(span: Span, lines: dict[int, list[Word]]) -> list[int]:
    """Word lines to search: the one holding the span's whole text line first.

    The text given to the extractor may leave lines out (the classifier drops the
    attestation block), so ``Word.line`` and the text line index can differ; the
    word line whose letters are those of the text line is the right one.
    """
    whole = _compact(span.line.text)
    same = [n for n in sorted(lines) if whole and _joined(lines[n]) == whole]
    rest = [span.line.index] if span.line.index in lines else []
    rest += sorted(lines)
    return list(dict.fromkeys(same + rest))


def _locate(span: Span, lines: dict[int, list[Word]]) -> list[BoxTuple]:
    target = _compact(span.text)
    if not target:
        return []
    hint = len(_compact(span.line.text[: span.start]))
    whole = _compact(span.line.text)
    for number in _line_order(span, lines):
        words = lines[number]
        pieces = [_compact(w.text) for w in words]
        joined = "".join(pieces)
        at = joined.find(target, hint) if joined == whole else -1
        if at < 0:
            at = joined.find(target)
        if at >= 0:
            return _covering(words, pieces, at, at + len(target))
    return []


def box_of(spans: Sequence[Span], words: Sequence[Word]) -> BoxTuple | None:
    """Union of the boxes of the words that make up ``spans`` (one page), or None."""
    if not words:
        return None
    lines: dict[int, list[Word]] = defaultdict(list)
    for word in words:
        lines[word.line].append(word)
    return _union(box for span in spans for box in _locate(span, lines))
