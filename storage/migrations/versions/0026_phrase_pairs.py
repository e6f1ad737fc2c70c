"""PostgreSQL: a page's word pairs in an index of their own, and its unit in its vector.

Issue 18 measured, at 100,000 documents, an exact phrase (``"nguyễn thị hương"``) at
111 ms and growing with the archive: GIN finds every page holding all three words (a
common name's words are on most pages), and each is then read back to check the words'
order. A unit's search joined every match of a common word to its dossier to test
the unit. Both are narrowed inside an index, the way search engines do it
(Elasticsearch's ``index_phrases``, Lucene's shingles):

- ``page_search.pairs`` (``sohoa_word_pairs``): for every two words at adjacent
  positions ``a`` and ``b``, the lexeme ``a_b``, with its own GIN index. A phrase query
  also asks for its pairs (``pairs @@ 'nguyen_thi' & 'thi_huong'``), which only pages
  holding the phrase's words in that order (nearly) have, so few pages are read back.
  Taken from the vector's own positions, exactly the positions ``<->`` checks, so a
  page matching the phrase always has its pairs. The fold turns everything but letters
  and digits into spaces, so ``_`` is never in a word and a pair cannot pass for one.
  A column of their own, not inside ``tsv``: ranking reads the vectors of up to 2,000
  candidate pages, and pairs in them made a common word's search twice as slow (69 vs
  34 ms, 115 vs 54 ms at 100,000 documents).
- the page's unit token (``page_search.scope``, revision 0024) as a lexeme of ``tsv``,
  so a search in a few units is ``… & ('u…' | 'u…')`` inside GIN, as in SQLite's FTS5.
  A lexeme without positions: it takes no part in phrases, and the rank is computed on
  the user's words only.

Cost: the pairs column and its index, about the page's number of distinct word pairs
(README gives bytes per document). The columns are generated, so ``tsv`` is dropped
and added again: the table is rewritten and its GIN indexes built, once (minutes for
millions of pages). SQLite is unchanged: FTS5 checks phrases from its position lists
without reading rows back, and has had the unit token since 0024.

Revision ID: 0026_phrase_pairs
Revises: 0025_page_text_once
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0026_phrase_pairs"
down_revision = "0025_page_text_once"
branch_labels = None
depends_on = None

_PAIRS = """
CREATE FUNCTION sohoa_word_pairs(vector tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH words AS (SELECT lexeme, unnest(positions) AS position FROM unnest(vector))
  SELECT coalesce(array_to_tsvector(array_agg(a.lexeme || '_' || b.lexeme)), ''::tsvector)
  FROM words a JOIN words b ON b.position = a.position + 1
$$
"""  # array_to_tsvector sorts the pairs and keeps each once
_WORDS = "to_tsvector('simple'::regconfig, folded)"
_SCOPE = (
    "CASE WHEN coalesce(scope, '') = '' THEN ''::tsvector ELSE array_to_tsvector(ARRAY[scope]) END"
)


def _generated(column: str, expression: str) -> None:
    """(Re)make a generated vector column and its GIN index ``ix_page_search_<column>``."""
    op.execute(f"DROP INDEX IF EXISTS ix_page_search_{column}")
    op.execute(f"ALTER TABLE page_search DROP COLUMN IF EXISTS {column}")
    op.execute(
        f"ALTER TABLE page_search ADD COLUMN {column} tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute(f"CREATE INDEX ix_page_search_{column} ON page_search USING gin ({column})")


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(_PAIRS)
    _generated("tsv", f"{_WORDS} || {_SCOPE}")
    _generated("pairs", f"sohoa_word_pairs({_WORDS})")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_page_search_pairs")
    op.execute("ALTER TABLE page_search DROP COLUMN pairs")
    _generated("tsv", _WORDS)
    op.execute("DROP FUNCTION sohoa_word_pairs(tsvector)")
