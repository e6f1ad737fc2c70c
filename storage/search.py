"""Accent- and case-insensitive full-text search over page text, on SQLite and PostgreSQL.

A clerk types ``nguyen van dang`` and expects ``Nguyễn Văn Đặng``. Both the
indexed text and the query go through one Python function, ``fold``, so the
two backends see the same words; the fold and the query language are
``storage.search_query``. The fold keeps the text's length, so a match found
in the folded text marks the same span of the original: snippets
(``storage.search_snippets``) show the accented words the clerk will recognise.

Index: one row per page (``page_search``) with the page text and its fold; on
SQLite an FTS5 table over the fold ranked with bm25, on PostgreSQL a generated
``tsvector`` (configuration ``simple``) with a GIN index ranked with ts_rank.
Results are per document: its best page's score, the pages that matched, and a
snippet from the best page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    tuple_,
)
from sqlalchemy.orm import Session

from core.codes import validate_code
from core.vietnamese import VIETNAM_TIME, nfc
from storage.models import Document, Dossier, IndexedPage, Page
from storage.people import index_people
from storage.repository import lock_document
from storage.search_query import Term, fold, fts5_query, parse_query, tsquery
from storage.search_snippets import snippet

MAX_LIMIT = 200


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


@dataclass(frozen=True)
class SearchPage:
    total: int  # matching documents, all pages of results together
    hits: list[SearchHit] = field(default_factory=list)


# ------------------------------------------------------------------ indexing


def index_document(s: Session, document_id: str) -> None:
    """(Re)index the text of every page of a document, and the people its fields name;
    replaces what was indexed before.

    Pages without text are left out. The document row is locked first, so two
    concurrent index tasks of one document cannot both insert.
    """
    lock_document(s, document_id)
    remove_from_index(s, document_id)
    pages = s.execute(select(Page.number, Page.text).where(Page.document_id == document_id))
    rows = [
        {"document_id": document_id, "number": number, "text": nfc(text), "folded": fold(nfc(text))}
        for number, text in pages
        if text and text.strip()
    ]
    if rows:
        s.execute(insert(IndexedPage), rows)
    document = s.get(Document, document_id)
    if document is not None:
        index_people(s, document)  # the citizen search's names, ID numbers, dates of birth


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
) -> SearchPage:
    """Documents whose pages match ``query``, best first, ``limit`` from ``offset``.

    ``units=None`` searches every unit; an empty list searches none (a caller
    allowed no unit sees nothing). ``date_from``/``date_to`` are inclusive days
    in Vietnam time, on the document's upload time (``date_field="created"``)
    or on its dossier's ``received_date`` (``"received"``, dossiers without one
    are left out). Filter values that cannot match anything (an invalid
    dossier code) give an empty result, never a database error.
    """
    terms = parse_query(query)
    filters = _filters(units, dossier, document_type, date_from, date_to, date_field)
    if not terms or filters is None:
        return SearchPage(total=0)
    matches = _matches(s, terms).where(*filters).cte("matches")
    if s.get_bind().dialect.name == "sqlite":
        # FTS5 computes bm25 only while its cursor is on the row; aggregating
        # over it needs the matches materialised first.
        matches = matches.prefix_with("MATERIALIZED")
    best = func.max(matches.c.score)
    per_document = select(matches.c.document_id, best.label("best")).group_by(matches.c.document_id)
    total = s.scalar(select(func.count()).select_from(per_document.subquery())) or 0
    limit, offset = max(0, min(limit, MAX_LIMIT)), max(0, offset)
    if total == 0 or limit == 0:
        return SearchPage(total=total)
    ranked = s.execute(
        per_document.order_by(best.desc(), matches.c.document_id).limit(limit).offset(offset)
    ).all()
    ids = [row.document_id for row in ranked]
    scores = {row.document_id: row.best for row in ranked}
    return SearchPage(total=total, hits=_hits(s, terms, matches, ids, scores))


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
        if isinstance(units, str):  # one code passed where a list belongs
            units = [units]
        valid = {code for code in map(_valid_code, units) if code is not None}
        if not valid:
            return None
        filters.append(Dossier.unit_code.in_(sorted(valid)))
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


def _matches(s: Session, terms: Sequence[Term]) -> Select:
    """Matching pages joined to their document and dossier: (document_id, number, score)."""
    if s.get_bind().dialect.name == "postgresql":
        query = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery(terms))
        tsv = literal_column("page_search.tsv")
        stmt = select(
            IndexedPage.document_id, IndexedPage.number, func.ts_rank(tsv, query).label("score")
        ).where(tsv.op("@@")(query))
    else:
        fts = table("page_fts", literal_column("rowid"))
        hidden = literal_column("page_fts")  # FTS5: the table's name is its match column
        stmt = (
            select(
                IndexedPage.document_id,
                IndexedPage.number,
                (-func.bm25(hidden)).label("score"),  # bm25: more negative is better
            )
            .select_from(fts)
            .join(IndexedPage, IndexedPage.id == literal_column("page_fts.rowid"))
            .where(hidden.op("MATCH")(fts5_query(terms)))
        )
    return stmt.join(Document, Document.id == IndexedPage.document_id).join(
        Dossier, Dossier.id == Document.dossier_id
    )


def _hits(
    s: Session, terms: Sequence[Term], matches: CTE, ids: list[str], scores: dict[str, float]
) -> list[SearchHit]:
    """Hits for ranked document ids: their metadata, matched pages and best page's snippet."""
    matched = s.execute(
        select(matches.c.document_id, matches.c.number, matches.c.score)
        .where(matches.c.document_id.in_(ids))
        .order_by(matches.c.number)
    ).all()
    pages: dict[str, list[int]] = {}
    best_page: dict[str, tuple[float, int]] = {}
    for document_id, number, score in matched:
        pages.setdefault(document_id, []).append(number)
        if document_id not in best_page or score > best_page[document_id][0]:
            best_page[document_id] = (score, number)
    texts = _page_texts(s, [(d, n) for d, (_, n) in best_page.items()])
    meta = {
        row.id: row
        for row in s.execute(
            select(
                Document.id,
                Document.filename,
                Document.document_type,
                Dossier.code,
                Dossier.unit_code,
            )
            .join(Dossier, Dossier.id == Document.dossier_id)
            .where(Document.id.in_(ids))
        )
    }
    hits = []
    for document_id in ids:
        row, number = meta[document_id], best_page[document_id][1]
        text, folded = texts[(document_id, number)]
        hits.append(
            SearchHit(
                document_id=document_id,
                dossier_code=row.code,
                unit_code=row.unit_code,
                filename=row.filename,
                document_type=row.document_type,
                score=float(scores[document_id]),
                pages=pages[document_id],
                page=number,
                snippet=snippet(text, folded, terms),
            )
        )
    return hits


def _page_texts(s: Session, keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, str]]:
    """Indexed text and fold of the given (document id, page number) pages, in one query."""
    rows = s.execute(
        select(
            IndexedPage.document_id, IndexedPage.number, IndexedPage.text, IndexedPage.folded
        ).where(tuple_(IndexedPage.document_id, IndexedPage.number).in_(keys))
    )
    return {(r.document_id, r.number): (r.text, r.folded) for r in rows}


# ------------------------------------------------------------------ helpers


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
