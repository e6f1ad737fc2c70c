"""A search result's excerpt: the page text around its matches, the matches marked.

Matches are found in the folded text (``storage.search_query.fold``) and, since
the fold keeps lengths, mark the same spans of the original: the snippet shows
the accented words the clerk will recognise, as escaped HTML with ``<mark>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from storage.search_query import Term

SNIPPET_CHARS = 240


def match_spans(folded: str, terms: Sequence[Term]) -> list[tuple[int, int]]:
    """Where the terms occur in ``folded`` text, as sorted ``(start, end)`` offsets."""
    spans = []
    for term in terms:
        body = " +".join(map(re.escape, term.words)) + (r"\w*" if term.prefix else "")
        spans.extend(m.span() for m in re.finditer(rf"(?<!\w){body}(?!\w)", folded))
    return sorted(spans)


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join spans that overlap or are separated only by white space (one mark for a name)."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _window(text: str, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """The ``width``-character stretch of ``text`` holding the most spans, cut at spaces."""
    if not spans:
        start, end, keep = 0, min(len(text), width), 0
    else:
        counts = [
            sum(1 for s, e in spans[i:] if e <= spans[i][0] + width) for i in range(len(spans))
        ]
        first = spans[counts.index(max(counts))]
        start = max(0, first[0] - width // 4)
        end = max(min(len(text), start + width), first[1])
        keep = first[1]
        while start < first[0] and start > 0 and not text[start - 1].isspace():
            start += 1
    while end < len(text) and end > keep and not text[end].isspace():
        end -= 1
    return start, end


def snippet(text: str, folded: str, terms: Sequence[Term], width: int = SNIPPET_CHARS) -> str:
    """An HTML excerpt of ``text`` around its matches, marked with ``<mark>``.

    Offsets found in ``folded`` apply to ``text`` unchanged (``fold`` keeps
    lengths). Everything but the marks is escaped; runs of white space (line
    breaks in OCR text) become one space.
    """
    spans = _merge(text, match_spans(folded, terms))
    start, end = _window(text, spans, width)
    parts, position = [], start
    for span_start, span_end in spans:
        if start <= span_start and span_end <= end:
            parts.append(_plain(text[position:span_start]))
            parts.append(f"<mark>{_plain(text[span_start:span_end])}</mark>")
            position = span_end
    parts.append(_plain(text[position:end]))
    body = "".join(parts).strip()
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")


def _plain(text: str) -> str:
    return html.escape(re.sub(r"\s+", " ", text), quote=True)
