"""Accent- and case-insensitive full-text search over page text, on SQLite and PostgreSQL.

A clerk types ``nguyen van dang`` and expects ``Nguyễn Văn Đặng``. Both the
indexed text and the query go through one Python function, ``fold``, so the
two backends see the same words; the fold and the query language are
``storage.search_query``. The fold keeps the text's length, so a match found
in the folded text marks the same span of the original: snippets
(``storage.search_snippets``) show the accented words the clerk will recognise.

Index: one row per page (``page_search``) with the page text and its fold; on
SQLite an FTS5 table over the fold (its candidates ranked by BM25's term frequency and
length parts, ``_ranked_on_sqlite``), on PostgreSQL a generated
``tsvector`` (configuration ``simple``) with a GIN index ranked with ts_rank.
Results are per document: its best page's score, the pages that matched, and a
snippet from the best page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from core.codes import validate_code
from core.vietnamese import VIETNAM_TIME, nfc
from storage.models import Document, Dossier, IndexedPage, Page
from storage.people import index_people
from storage.repository import lock_document
from storage.search_query import (
    Term,
    fold,
    fts5_query,
    lexemes_query,
    parse_query,
    tsquery,
    word_pairs,
)
from storage.search_snippets import snippet

MAX_LIMIT = 200
CANDIDATES = 2000
"""Matching pages ranked at most per search, newest first: what a page of results costs
is bounded by this, not by the archive. A name or an ID number matches fewer pages and
is ranked whole; a word on a third of an archive's pages is ranked among its newest
2,000 matches (a clerk looking for "ủy ban" wants this year's papers, and narrows with
more words, a unit or dates). ``SearchPage.total_exact`` says when the cap was met."""
NARROW_CANDIDATES = 1000
"""The cap for a search already narrowed by its user: an exact phrase (a name in quotes)
or a search within named units (every clerk's, by their unit scope). Its matches are
alike (the same name, one commune's papers), so ranking deeper buys little, and its
newest 1,000 matching pages still hold 28 pages of results of 20 documents; older ones
are reached with dates. Each candidate costs ~6 µs and its window ~10 ns an id of the
span searched (issue 18, measured at 1,000,000 documents): at 2,000, a name's phrase
read 534 pages at 100,000 documents and 2,000 at 1,000,000, 2.2–2.6× the time, which is
the cost of the cap reached, not of the archive. A search across every unit keeps
``CANDIDATES``: it spans more communes' papers and its cursor reaches result 1,000."""


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    dossier_code: str
    unit_code: str
    filename: str
    document_type: str | None
    score: float  # higher is better; only comparable within one search
    pages: list[int]  # every page that matched, in order
    page: int  # the page the snippet comes from (the best-ranked one)
    snippet: str  # HTML: escaped text, matches in <mark>…</mark>


Position = tuple[float, str]
"""Where a page of results ended: the last hit's score and document id (a keyset)."""


@dataclass(frozen=True)
class SearchPage:
    total: int  # matching documents (at least this many when not ``total_exact``)
    hits: list[SearchHit] = field(default_factory=list)
    total_exact: bool = True  # False: the candidates were capped, ``total`` is a lower bound
    next_after: Position | None = None  # where the next page starts, or None


# ------------------------------------------------------------------ indexing


def index_document(s: Session, document_id: str) -> None:
    """(Re)index the text of every page of a document, and the people its fields name;
    replaces what was indexed before.

    Pages without text are left out. The document row is locked first, so two
    concurrent index tasks of one document cannot both insert.
    """
    document = lock_document(s, document_id)
    remove_from_index(s, document_id)
    pages = s.execute(select(Page.number, Page.text).where(Page.document_id == document_id))
    scope = scope_token(document.unit_code)
    rows = [
        {
            "document_id": document_id,
            "number": number,
            "folded": fold(nfc(text)),
            "scope": scope,
        }
        for number, text in pages
        if text and text.strip()
    ]
    if rows:
        s.execute(insert(IndexedPage), rows)
    index_people(s, document)  # the citizen search's names, ID numbers, dates of birth


def scope_token(unit_code: str) -> str:
    """The unit as one word the full-text index keeps beside a page's text: ``u`` and the
    code's UTF-8 bytes in hex (distinct codes, distinct words; no separator to split on)."""
    return "u" + unit_code.encode().hex()


def remove_from_index(s: Session, document_id: str) -> None:
    """Drop a document's pages from the index (nothing happens if it has none)."""
    s.execute(delete(IndexedPage).where(IndexedPage.document_id == document_id))


# ------------------------------------------------------------------ searching


def search(
    s: Session,
    query: str,
    *,
    units: Sequence[str] | None = None,
    dossier: str | None = None,
    document_type: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    date_field: Literal["created", "received"] = "created",
    limit: int = 20,
    offset: int = 0,
    after: Position | None = None,
    candidates: int | None = None,
) -> SearchPage:
    """Documents whose pages match ``query``, best first: ``limit`` of them after ``after``
    (a keyset from ``next_after``) or from ``offset``.

    ``units=None`` searches every unit; an empty list searches none (a caller
    allowed no unit sees nothing). ``date_from``/``date_to`` are inclusive days
    in Vietnam time, on the document's upload time (``date_field="created"``)
    or on its dossier's ``received_date`` (``"received"``, dossiers without one
    are left out). Filter values that cannot match anything (an invalid
    dossier code) give an empty result, never a database error.

    ``candidates`` overrides the cap :func:`candidate_cap` chooses.

    Cost: one statement reads at most the cap's matching pages (newest first,
    the filters applied inside it), ranks them and groups them per document here;
    one more reads the page's metadata and snippet texts by primary key.
    """
    terms = parse_query(query)
    filters = _filters(units, dossier, document_type, date_from, date_to, date_field)
    if not terms or filters is None:
        return SearchPage(total=0)
    cap = max(1, candidates if candidates is not None else candidate_cap(terms, units))
    scopes = None if units is None else [scope_token(u) for u in _unit_list(units)]
    if s.get_bind().dialect.name == "postgresql":
        # Units alone narrow the match by their tokens inside GIN; the cut is taken on
        # that, and only the hits shown are checked against their dossiers (``_hits``).
        # Joining every matching page to its document and dossier before the cut cost
        # 10 µs a page: 130 ms for a word on 13,000 pages of one unit at 1,000,000
        # documents. Other filters (dates, type, dossier) still apply before the cut.
        narrowed = dossier is not None or document_type is not None
        narrowed = narrowed or date_from is not None or date_to is not None
        candidates_read = _pg_candidates(
            s, terms, filters if narrowed or scopes is None else [], cap, scopes
        )
    else:
        candidates_read = _ranked_on_sqlite(
            s.execute(_candidates(terms, filters, cap, scopes)).all(), terms
        )
    best: dict[str, tuple[float, int]] = {}  # document -> (score, page_search id)
    pages: dict[str, list[int]] = {}
    for document_id, number, score, row_id in candidates_read:
        pages.setdefault(document_id, []).append(number)
        if document_id not in best or score > best[document_id][0]:
            best[document_id] = (float(score), row_id)
    ranked = sorted(best, key=lambda d: (-best[d][0], d))
    if after is not None:
        score, last = after
        ranked = [d for d in ranked if (-best[d][0], d) > (-score, last)]
    else:
        ranked = ranked[max(0, offset) :]
    limit = max(0, min(limit, MAX_LIMIT))
    shown = ranked[:limit]
    exact = len(candidates_read) < cap
    more = len(ranked) > limit
    next_after = (best[shown[-1]][0], shown[-1]) if shown and more else None
    allowed = None if units is None else set(_unit_list(units))
    hits = _hits(s, terms, shown, best, pages, allowed) if shown else []
    return SearchPage(len(best), hits, exact, next_after)


def candidate_cap(terms: Sequence[Term], units: Sequence[str] | None) -> int:
    """How many matching pages a search ranks at most: ``NARROW_CANDIDATES`` for an exact
    phrase or a search within units, ``CANDIDATES`` otherwise."""
    phrase = any(len(term.words) > 1 for term in terms)
    return NARROW_CANDIDATES if phrase or units is not None else CANDIDATES


def _candidates(
    terms: Sequence[Term],
    filters: list[ColumnElement[bool]],
    cap: int,
    scopes: list[str] | None,
) -> Select:
    """(document_id, number, score, page_search id) of the newest ``cap`` matching
    pages that pass ``filters``: the match, the filters and the cut in one statement.

    On SQLite the units' ``scopes`` narrow the match inside FTS5 (``scope : (…)``); the
    dossier's unit in ``filters`` still decides, so a page indexed before its scope was
    known, or under a unit code whose token another shares, is never shown elsewhere."""
    joined = bool(filters)
    fts = table("page_fts", literal_column("rowid"))
    hidden = literal_column("page_fts")  # FTS5: the table's name is its match column
    rowid = literal_column("page_fts.rowid")
    match = f"folded : ({fts5_query(terms)})"
    if scopes is not None:
        match += " AND scope : (" + " OR ".join(scopes) + ")"
    stmt = (
        select(
            IndexedPage.document_id,
            IndexedPage.number,
            IndexedPage.folded,  # ranked here by ``_ranked_on_sqlite``, not by bm25
            IndexedPage.id,
        )
        .select_from(fts)
        .join(IndexedPage, IndexedPage.id == rowid)
        .where(hidden.op("MATCH")(match))
    )
    if joined:
        stmt = stmt.join(Document, Document.id == IndexedPage.document_id).join(
            Dossier, Dossier.id == Document.dossier_id
        )
    # FTS5 walks its doclists newest rowid first and stops at the cut.
    return stmt.where(*filters).order_by(rowid.desc()).limit(cap)


TF_SATURATION = 1.2
LENGTH_WEIGHT = 0.75
"""BM25's ``k1`` and ``b``, as FTS5's bm25 and most engines set them."""


def _ranked_on_sqlite(rows: Sequence[Row[Any]], terms: Sequence[Term]) -> list[tuple[Any, ...]]:
    """(document_id, number, score, page_search id) of SQLite's candidates, each page
    scored by BM25's term frequency and length parts, counted on its fold here.

    Not FTS5's own ``bm25()``: for its IDF it counts every page of the archive that holds
    each term, on every query, so a common word's search grew with the archive (at
    1,000,000 documents ``nguyen van`` spent 77 of its 86 ms there; the candidates alone
    take 0.7 ms; issue 18). The candidates all hold every term, so the IDF only weighed
    one term against another; here every term weighs the same, and a search costs its
    candidates, not the archive. A term is counted where its words stand one space apart
    in the fold; one split by punctuation (two spaces) still counts once: it matched.
    """
    if not rows:
        return []
    needles = [" " + " ".join(term.words) + ("" if term.prefix else " ") for term in terms]
    mean_length = max(1.0, sum(len(row[2]) for row in rows) / len(rows))
    ranked = []
    for document_id, number, folded, row_id in rows:
        padded = f" {folded} "
        norm = TF_SATURATION * (1 - LENGTH_WEIGHT + LENGTH_WEIGHT * len(folded) / mean_length)
        score = 0.0
        for needle in needles:
            tf = max(1, padded.count(needle))
            score += tf * (TF_SATURATION + 1) / (tf + norm)
        ranked.append((document_id, number, score, row_id))
    return ranked


def _pg_candidates(
    s: Session,
    terms: Sequence[Term],
    filters: list[ColumnElement[bool]],
    cap: int,
    scopes: list[str] | None,
) -> Sequence[Row[Any]]:
    """``_candidates`` on PostgreSQL: ``tsv`` (the words, and the unit's token) and
    ``pairs`` (each two adjacent words, ``a_b``) with their GIN indexes, migration 0026.
    The rank is computed on the user's words only."""
    scoped = lexemes_query((), scopes or ())
    pairs = lexemes_query(word_pairs(terms))
    if pairs is not None:
        query = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery(terms))
        return _pg_phrase_candidates(s, query, pairs, scoped, filters, cap)
    phrase = any(len(term.words) > 1 for term in terms)
    if scoped is not None and not filters and not phrase:
        # Units alone: their tokens inside GIN, window by window.
        query = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery(terms))
        tsv = literal_column("page_search.tsv")
        matched = query.op("&&")(cast(scoped, TSQUERY))
        return _pg_windows(s, _ranked_columns(query).where(tsv.op("@@")(matched)), cap)
    values: dict[str, Any] = {"words": tsquery(terms), "cap": cap}
    if scoped is not None:
        values["scoped"] = scoped
    # Filters differ from call to call (units, dates, a dossier): that statement is built
    # each time; the plain and the unit-only searches reuse one built once per shape.
    if filters:
        statement = _pg_words_statement(filters, scoped is not None, phrase)
    else:
        statement = _pg_words_unfiltered(scoped is not None, phrase)
    return s.execute(statement, values).all()


@lru_cache(maxsize=4)
def _pg_words_unfiltered(scoped: bool, phrase: bool) -> Select:
    """:func:`_pg_words_statement` without filters, built once per shape: building it (a
    subquery and its columns) cost ~0.5 ms of Python a search, a fifth of a rare word's
    whole search at 1,000,000 documents."""
    return _pg_words_statement([], scoped, phrase)


def _pg_words_statement(filters: list[ColumnElement[bool]], scoped: bool, phrase: bool) -> Select:
    """The words' candidate statement, its values bound at execution (``words``,
    ``scoped``, ``cap``)."""
    query = func.to_tsquery(literal_column("'simple'::regconfig"), bindparam("words", type_=String))
    tsv = literal_column("page_search.tsv")
    # The units' tokens narrow the match inside GIN, as FTS5's scope column does.
    matched = query.op("&&")(cast(bindparam("scoped", type_=String), TSQUERY)) if scoped else query
    if phrase:
        # A phrase without pairs (words PostgreSQL may spell otherwise): GIN finds the
        # pages holding all its words, each is checked for order, the newest are cut.
        # Walking the newest pages backwards instead checked all 176,000 pages of a
        # 100,000-document archive for a name found on 640 of them (0.8 s).
        rows = select(IndexedPage.id, IndexedPage.document_id, IndexedPage.number)
        rows = _pg_rows(rows, filters).add_columns(tsv.label("tsv"))
        found = rows.where(tsv.op("@@")(matched)).cte("matched").prefix_with("MATERIALIZED")
        cut = select(found).order_by(found.c.id.desc()).limit(bindparam("cap")).subquery()
        return select(cut.c.document_id, cut.c.number, func.ts_rank(cut.c.tsv, query), cut.c.id)
    # Ranked where matched, so that what is sorted (when GIN, not the walk backwards
    # along the primary key, finds the pages) is four narrow columns: sorting the rows
    # with their vectors (~3.5 KB each) went to disk past ``work_mem``'s 4 MB, ~1,200
    # rows (2,299 pages of one unit at 100,000 documents: 52 ms, 23 ms narrow). Walking
    # backwards, only the pages kept are ranked either way.
    ranked = _pg_rows(_ranked_columns(query), filters).where(tsv.op("@@")(matched))
    return ranked.order_by(IndexedPage.id.desc()).limit(bindparam("cap"))


def _ranked_columns(query: ColumnElement[Any]) -> Select:
    """(document id, page number, rank, ``page_search`` id): what every candidate
    statement returns."""
    rank = func.ts_rank(literal_column("page_search.tsv"), query)
    return select(IndexedPage.document_id, IndexedPage.number, rank, IndexedPage.id)


ERA_BITS = 15
"""A page's era is its id shifted right by this (migration 0029, ``sohoa_page_era``): the
full-text indexes hold each page's era beside its words, so that a window of recent
pages is cut out inside GIN."""
WINDOW_FIRST = 4
"""Eras the first window asks for (131,072 page ids, ~74,000 documents)."""
WINDOW_GROWTH = 4
"""Each next window is at most this many times the one before."""
WINDOW_MAX = 256
"""Eras one window asks for at most: the statement lists them (``'53' | '52' | …``)."""
WINDOW_MARGIN = 1.25
"""A next window is sized to hold what is still wanted at the rate the windows before
it matched, and this much more, so that one window mostly suffices: a name's pairs are
on a few pages in a thousand and a word in one unit of fifty on six, so 2,000 matches
lie some hundreds of thousands of ids back, two windows at 1,000,000 documents."""


def _pg_phrase_candidates(
    s: Session,
    query: ColumnElement[Any],
    pairs: str,
    scoped: str | None,
    filters: list[ColumnElement[bool]],
    cap: int,
) -> list[Row[Any]]:
    """A phrase's candidates: the pages GIN lists as holding its word pairs (and a unit's
    token), checked for the words' order, window by window (:func:`_pg_windows`).

    ``ts_match_vq`` is ``@@`` written so that the planner does not also ask the words'
    index for the pages holding all the words anywhere (11,000 pages at 100,000
    documents, growing with the archive).
    """
    tsv = literal_column("page_search.tsv")
    check = _pg_rows(_ranked_columns(query), filters).where(
        literal_column("page_search.pairs").op("@@")(cast(pairs, TSQUERY)),
        func.ts_match_vq(tsv, query),
    )
    if scoped is not None:
        check = check.where(tsv.op("@@")(cast(scoped, TSQUERY)))
    return _pg_windows(s, check, cap)


def _pg_windows(s: Session, check: Select, cap: int) -> list[Row[Any]]:
    """The newest ``cap`` rows of ``check`` (a statement over ``page_search`` whose last
    column is its id), read window by window of eras, newest first, until ``cap`` have
    matched or the oldest era is read. A rare word (an ID number) searched in a unit asks
    every era: windows of 4, 16, 64, then 256 eras, each a GIN look-up of a fraction of a
    millisecond.

    For a match GIN lists on many pages (a phrase's word pairs; a common word with a
    unit's token) the list is as long as the archive is large: 10,500 pages for a word
    in one unit of fifty at 1,000,000 documents. A window asks GIN for its eras beside
    the words (``sohoa_page_era(id) @@ '53' | '52' | …``, migration 0029), so the
    posting lists are intersected inside the index and a window reads from the table
    only the pages it returns, whatever the archive's size. Each window's rows are
    ranked where they match and sorted as four narrow columns.
    """
    newest = s.scalar(select(func.max(IndexedPage.id)))
    found: list[Row[Any]] = []
    if newest is None:
        return found
    era = literal_column("sohoa_page_era(page_search.id)")
    upper = newest >> ERA_BITS  # the newest era not yet read
    eras, read = WINDOW_FIRST, 0
    while upper >= 0 and len(found) < cap:
        lower = max(0, upper - eras + 1)
        asked = lexemes_query((), [str(e) for e in range(upper, lower - 1, -1)])
        window = check.where(era.op("@@")(cast(asked, TSQUERY)))
        window = window.order_by(IndexedPage.id.desc()).limit(cap - len(found))
        found.extend(s.execute(window).all())
        read += upper - lower + 1
        eras = min(eras * WINDOW_GROWTH, WINDOW_MAX)
        if found:  # the rate so far says how far back the rest lies
            wanted = (cap - len(found)) * read / len(found) * WINDOW_MARGIN
            eras = max(1, min(eras, math.ceil(wanted)))
        upper = lower - 1
    return found


def _pg_rows(stmt: Select, filters: list[ColumnElement[bool]]) -> Select:
    """``stmt`` over ``page_search`` with its documents and dossiers joined when ``filters``
    ask about them."""
    if not filters:
        return stmt
    return (
        stmt.join(Document, Document.id == IndexedPage.document_id)
        .join(Dossier, Dossier.id == Document.dossier_id)
        .where(*filters)
    )


def _filters(
    units: Sequence[str] | None,
    dossier: str | None,
    document_type: str | None,
    date_from: date | None,
    date_to: date | None,
    date_field: str,
) -> list[ColumnElement[bool]] | None:
    """WHERE clauses on Document/Dossier, or None when no document can match."""
    filters: list[ColumnElement[bool]] = []
    if units is not None:
        valid = _unit_list(units)
        if not valid:
            return None
        filters.append(Dossier.unit_code.in_(valid))
    if dossier is not None:
        code = _valid_code(dossier)
        if code is None:
            return None
        filters.append(Dossier.code == code)
    if document_type is not None:
        if not _storable(document_type) or len(document_type) > 64:
            return None
        filters.append(Document.document_type == document_type)
    if date_field not in ("created", "received"):
        raise ValueError(f"date_field must be 'created' or 'received', not {date_field!r}")
    if date_field == "created":
        # The first and last days a date can hold bound nothing, and must not be
        # tried: midnight of 0001-01-01 in Vietnam is before year 1 in UTC, and
        # 9999-12-31 has no next day (both raised OverflowError).
        if date_from is not None and date_from > date.min:
            filters.append(Document.created_at >= _local_midnight(date_from))
        if date_to is not None and date_to < date.max:
            filters.append(Document.created_at < _local_midnight(date_to + timedelta(days=1)))
    else:
        if date_from is not None:
            filters.append(Dossier.received_date >= date_from)
        if date_to is not None:
            filters.append(Dossier.received_date <= date_to)
    return filters


def _hits(
    s: Session,
    terms: Sequence[Term],
    ids: list[str],
    best: dict[str, tuple[float, int]],
    pages: dict[str, list[int]],
    units: set[str] | None,
) -> list[SearchHit]:
    """Hits for ranked document ids: their metadata and their best page's snippet, in one
    statement read by primary key (the best pages' ``page_search`` ids) and unique keys
    (the page's (document, number), its document, its dossier).

    A hit whose dossier is not in ``units`` (None: any) is left out: on PostgreSQL the
    candidates of a search by units alone were narrowed by the units' tokens in the
    index, and the dossier, not the index, decides what a caller may see."""
    statement = _PG_HITS if s.get_bind().dialect.name == "postgresql" else _hits_statement()
    found = {
        row.document_id: row for row in s.execute(statement, {"best": [best[d][1] for d in ids]})
    }
    hits = []
    for document_id in ids:
        row = found[document_id]
        if units is not None and row.unit_code not in units:
            continue
        shown = nfc(row.text or "")
        hits.append(
            SearchHit(
                document_id=document_id,
                dossier_code=row.code,
                unit_code=row.unit_code,
                filename=row.filename,
                document_type=row.document_type,
                score=best[document_id][0],
                pages=sorted(pages[document_id]),
                page=row.number,
                snippet=snippet(shown, fold(shown), terms),
            )
        )
    return hits


_PG_HITS = text(
    "SELECT document_id, number, text, filename, document_type, code, unit_code "
    "FROM sohoa_search_hits(:best)"
)
"""``_hits_statement`` on PostgreSQL: the same join inside a function planned once per
connection (migration 0028); planned on every search it cost 0.3 ms, a third of a rare
word's search."""


@lru_cache(maxsize=1)
def _hits_statement() -> Select:
    """The best pages' metadata and texts by their ``page_search`` ids (``best``, a list
    expanded at execution), built once."""
    return (
        select(
            IndexedPage.document_id,
            IndexedPage.number,
            Page.text,  # the page's own text (stored once, in ``pages``)
            Document.filename,
            Document.document_type,
            Dossier.code,
            Dossier.unit_code,
        )
        .join(Document, Document.id == IndexedPage.document_id)
        .join(Dossier, Dossier.id == Document.dossier_id)
        .outerjoin(
            Page,
            and_(Page.document_id == IndexedPage.document_id, Page.number == IndexedPage.number),
        )
        .where(IndexedPage.id.in_(bindparam("best", expanding=True)))
    )


# ------------------------------------------------------------------ helpers


def _unit_list(units: Sequence[str]) -> list[str]:
    """The valid unit codes of ``units`` (one code passed where a list belongs: that one)."""
    if isinstance(units, str):
        units = [units]
    return sorted({code for code in map(_valid_code, units) if code is not None})


def _valid_code(code: str) -> str | None:
    try:
        return validate_code(code)
    except ValueError:
        return None


def _storable(value: str) -> bool:
    """Text a database accepts as a parameter: no NUL, no lone surrogate."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), VIETNAM_TIME)
