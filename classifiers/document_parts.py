"""Where one paper ends and the next begins inside a scanned file.

Counters scan a citizen's papers in one go: a three-page PDF may hold a birth
certificate, an ID card and an application. A page starts a new part when it
opens with the title of another type than the part it would continue (titles
are law-defined and stable: ``classifiers.rules``), or when it follows a blank
separator page. A page without a title continues the part before it: a land
title's inner pages, a contract's second page, an ID card's back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from classifiers.folded_text import PageLines
from classifiers.rules import title_hits

MIN_PAGE_LETTERS = 20
"""A page with fewer letters than this is blank: a separator sheet, not a part."""


@dataclass(frozen=True)
class Part:
    """Pages (1-based numbers, in order) that belong to one paper, and the title that opened it."""

    pages: tuple[int, ...]
    title_type: str | None


def _letters(page: PageLines) -> int:
    return sum(ch.isalpha() for line in page.folded for ch in line)


def _title_type(page: PageLines) -> str | None:
    """The type named by the page's first title line, if it has one."""
    hits = title_hits([page], max_pages=1)
    if not hits:
        return None
    first_line = hits[0].line
    same_line = [h for h in hits if h.line == first_line]
    return max(same_line, key=lambda h: (h.score, len(h.pattern))).document_type


def document_parts(pages: Sequence[PageLines]) -> list[Part]:
    """The file's parts in page order; one part for a file that holds one paper."""
    parts: list[list[int]] = []
    types: list[str | None] = []
    after_blank = False
    for page in pages:
        if _letters(page) < MIN_PAGE_LETTERS:
            after_blank = bool(parts)
            continue
        titled = _title_type(page)
        current = types[-1] if types else None
        starts = (
            not parts
            or after_blank
            or (titled is not None and current is not None and titled != current)
        )
        if starts:
            parts.append([page.number])
            types.append(titled)
        else:
            parts[-1].append(page.number)
            if current is None:
                types[-1] = titled
        after_blank = False
    return [Part(tuple(numbers), kind) for numbers, kind in zip(parts, types, strict=True)]
