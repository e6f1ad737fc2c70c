"""The document being read: its lines, its words, and how a found value becomes a Field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from classifiers.fields.boxes import box_of
from classifiers.fields.field_types import Field, PageText, Word
from classifiers.fields.lines import Found, Line, Span, document_lines

# Confidence of a value read after its label, before any cross-check.
SAME_LINE = 0.85
NEXT_LINE = 0.75
# Each look-alike letter read as a digit costs this much.
PER_FIX = 0.05


@dataclass(frozen=True)
class Document:
    """All lines of a document in reading order, and the OCR words of each page."""

    lines: tuple[Line, ...]
    words: dict[int, tuple[Word, ...]]
    qr_payloads: tuple[str, ...] = ()  # decoded QR texts of its pages, any kind

    @classmethod
    def of(cls, pages: Sequence[PageText], qr_payloads: Sequence[str] = ()) -> Document:
        lines = tuple(document_lines(pages))
        return cls(lines, {p.number: p.words for p in pages}, tuple(qr_payloads))

    def field(self, value: str, confidence: float, spans: Sequence[Span]) -> Field:
        """A Field for ``value`` read from ``spans`` (the first span gives the page)."""
        page = spans[0].line.page
        same_page = [s for s in spans if s.line.page == page]
        return Field(
            value=value,
            confidence=round(max(0.0, min(1.0, confidence)), 3),
            page=page,
            box=box_of(same_page, self.words.get(page, ())),
            raw=" ".join(s.text for s in spans),
        )

    def found(self, value: str, found: Found, *, confidence: float | None = None) -> Field:
        """A Field for a labelled value; confidence by where the value sat."""
        if confidence is None:
            confidence = NEXT_LINE if found.next_line else SAME_LINE
        return self.field(value, confidence, found.spans)
