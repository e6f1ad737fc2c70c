"""Plain data of the key-field extractors: what goes in (page texts) and what comes out.

Kept free of extraction logic so that the classifier, the API layer and tests can
import it without pulling in the regular expressions.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocr.words import Word

__all__ = ["Field", "PageText", "Word"]


@dataclass(frozen=True)
class Field:
    """One extracted value and where it came from.

    ``confidence`` is calibrated-ish: 1.0 is reserved for values backed by a checked
    structure (a valid personal ID number agreeing with the date of birth and sex, an
    MRZ whose check digits hold); 0.99 for a parsed ID-card QR payload; 0.75-0.9 for a
    value read after its label; 0.5 or less for anything that failed a check.
    """

    value: str
    confidence: float
    page: int
    box: tuple[int, int, int, int] | None = None
    raw: str = ""


@dataclass(frozen=True)
class PageText:
    """The OCR text of one page; ``words`` (optional) give boxes for the values found.

    ``Word.line`` is expected to number the lines of ``text`` (0-based, in order) as
    the OCR stage writes them; if it does not, boxes are still searched on all lines.
    """

    number: int
    text: str
    words: tuple[Word, ...] = ()
