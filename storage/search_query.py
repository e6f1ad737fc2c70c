"""What the index and a query have in common: the fold of text, and the query language.

A clerk types ``nguyen van dang`` and expects ``Nguyễn Văn Đặng``. Both the
indexed text and the query go through one Python function, :func:`fold`, so the
two backends see the same words and ``Đ`` becomes ``D`` by this project's
definition (``core.vietnamese.fold_accents``), not by whatever a database
extension thinks. The fold keeps the text's length, character for character,
so a match found in the folded text marks the same span of the original
(``storage.search_snippets``).

Query language (deliberately small, and never passed to the database as is):
words must all appear; ``"…"`` is an exact phrase; ``word*`` is a prefix
(at least two letters). Everything else is punctuation and ignored. A bare
token that folds to several words (``H26-210212``) is searched as a phrase.
A query becomes :class:`Term` items (:func:`parse_query`), then each backend's
own syntax (:func:`fts5_query`, :func:`tsquery`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from core.vietnamese import fold_accents, nfc

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
MAX_TOKEN_CHARS = 255  # longer "words" are OCR noise; PostgreSQL cannot index > 2 KB ones


@dataclass(frozen=True)
class Term:
    """One query item: a word, or a phrase of several; ``prefix`` applies to the last word."""

    words: tuple[str, ...]
    prefix: bool = False


# ------------------------------------------------------------------ the fold


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    folded = fold_accents(ch).lower()
    if len(folded) != 1:  # no single-character fold (rare scripts): keep the character
        folded = ch.lower() if len(ch.lower()) == 1 else ch
    category = unicodedata.category(folded)
    return folded if category[0] == "L" or category == "Nd" else " "


def fold(text: str) -> str:
    """Lower-case, accent-free letters and digits, everything else a space; same length.

    ``fold("Ông Nguyễn Văn Đặng, 1990.")`` is ``"ong nguyen van dang  1990 "``.
    Give it NFC text: the one-to-one mapping is per code point. Turning
    punctuation into spaces makes both backends split words at exactly the same
    places (PostgreSQL's parser would otherwise keep ``000.00.00.h26`` whole
    where FTS5 splits it).
    """
    return text.translate(_FOLDS)


class _FoldTable(dict[int, str]):
    """``str.translate``'s table for :func:`fold`, filled as characters are met: the
    loop runs in C (a fifth faster than joining per-character folds; snippets fold
    every hit's page, indexing every page)."""

    def __missing__(self, code_point: int) -> str:
        folded = self[code_point] = _fold_char(chr(code_point))
        return folded


_FOLDS = _FoldTable()


# ------------------------------------------------------------------ queries

_QUERY_ITEM = re.compile(r'"([^"]*)"?|([^\s"]+)')


def parse_query(query: str) -> list[Term]:
    """The terms of a user query, folded and sanitised; [] if nothing searchable.

    Raises no error on any input: unbalanced quotes close at the end, operators
    of either backend's syntax are punctuation, and the query is cut at
    ``MAX_QUERY_CHARS`` characters and ``MAX_TERMS`` terms. A word longer than
    ``MAX_TOKEN_CHARS`` makes the whole query match nothing.
    """
    terms: list[Term] = []
    for quoted, bare in _QUERY_ITEM.findall(nfc(query)[:MAX_QUERY_CHARS]):
        words = tuple(fold(quoted or bare).split())
        if not words:
            continue
        if max(map(len, words)) > MAX_TOKEN_CHARS:
            return []  # not a word anyone types; matching nothing beats matching a cut word
        prefix = bool(bare) and bare.endswith("*") and len(words) == 1 and len(words[0]) >= 2
        term = Term(words, prefix)
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def fts5_query(terms: Sequence[Term]) -> str:
    """FTS5 MATCH text: every term a quoted string, implicitly ANDed."""
    return " ".join(f'"{" ".join(t.words)}"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: Sequence[Term]) -> str:
    """``to_tsquery`` text: phrases with ``<->``, terms ANDed, prefixes with ``:*``."""

    def phrase(term: Term) -> str:
        words = [f"'{w}'" for w in term.words]
        if term.prefix:
            words[-1] += ":*"
        return "(" + " <-> ".join(words) + ")"

    return " & ".join(phrase(t) for t in terms)


_PLAIN_WORD = re.compile(r"[a-z0-9]+")


def word_pairs(terms: Sequence[Term]) -> list[str]:
    """The ``a_b`` lexemes PostgreSQL's vector holds for the phrases' adjacent words
    (migration 0026, ``sohoa_word_pairs``): asked for beside a phrase, they let GIN
    find the pages holding its words in order instead of reading back every page
    holding them anywhere.

    Only pairs of plain ASCII words, which PostgreSQL's parser keeps as one lexeme
    each, exactly as typed (the fold is lower case): a pair that might not be spelled
    as the vector spells it would hide a page that matches. A prefix word pairs with
    nothing (its lexeme is not known).
    """
    pairs: list[str] = []
    for term in terms:
        words = term.words[:-1] if term.prefix else term.words
        for a, b in pairwise(words):
            pair = f"{a}_{b}"
            if _PLAIN_WORD.fullmatch(a) and _PLAIN_WORD.fullmatch(b) and pair not in pairs:
                pairs.append(pair)
    return pairs


def lexemes_query(all_of: Sequence[str], any_of: Sequence[str] = ()) -> str | None:
    """``tsquery`` input (cast, not parsed: lexemes as given) asking for every lexeme of
    ``all_of`` and at least one of ``any_of``; None when it asks for nothing. The
    lexemes are pairs and unit tokens: letters, digits and ``_`` only, so quoting
    needs no escapes."""
    parts = [f"'{lexeme}'" for lexeme in all_of]
    if any_of:
        parts.append("(" + " | ".join(f"'{lexeme}'" for lexeme in any_of) + ")")
    return " & ".join(parts) or None
