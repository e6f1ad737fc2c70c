"""PostgreSQL: the unit and the page's word pairs inside the full-text vector.

Issue 18 measured, at 100,000 documents, an exact phrase (``"nguyễn thị hương"``) at
111 ms and growing with the archive: GIN finds every page holding all three words (a
common name's words are on most pages), and each is then read back to check the words'
order. A unit's search joined every match of a common word to its dossier to test
the unit. Both are fixed inside the index, the way search engines do it (Elasticsearch's
``index_phrases``, Lucene's shingles):

- ``sohoa_word_pairs(vector)``: for every two words at adjacent positions ``a`` and
  ``b``, the lexeme ``a_b``. A phrase query also asks for its pairs (``'nguyen_thi' &
  'thi_huong'``), which only pages holding the phrase's words in that order (nearly)
  have, so few pages are read back. Taken from the vector's own positions, exactly the
  positions ``<->`` checks, so a page matching the phrase always has its pairs. The fold
  turns everything but letters and digits into spaces, so ``_`` is never in a word and
  a pair cannot be mistaken for one.
- the page's unit token (``page_search.scope``, revision 0024) as a lexeme, so a search
  in a few units is ``… & ('u…' | 'u…')`` inside GIN, as on SQLite's FTS5.

Both are lexemes without positions: they take no part in phrases or ranking (the
rank is computed on the user's words only). Cost: the vector and its index grow by
about the page's number of distinct word pairs (README gives bytes per document).
The column is generated, so it is dropped and added again: the table is rewritten and
its GIN index rebuilt, once (minutes for millions of pages). SQLite is unchanged: FTS5
checks phrases from its position lists without reading rows back.

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

_FUNCTIONS = (
    # array_to_tsvector sorts the pairs and keeps each once.
    """
    CREATE FUNCTION sohoa_word_pairs(vector tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      WITH words AS (SELECT lexeme, unnest(positions) AS position FROM unnest(vector))
      SELECT coalesce(array_to_tsvector(array_agg(a.lexeme || '_' || b.lexeme)), ''::tsvector)
      FROM words a JOIN words b ON b.position = a.position + 1
    $$
    """,
    # One function, so the page's words are parsed once (a generated column's expression
    # would parse them twice: for the words and for their pairs).
    """
    CREATE FUNCTION sohoa_page_vector(folded text, scope text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
      words tsvector := to_tsvector('simple'::regconfig, coalesce(folded, ''));
      vector tsvector := words || sohoa_word_pairs(words);
    BEGIN
      IF coalesce(scope, '') <> '' THEN
        vector := vector || array_to_tsvector(ARRAY[scope]);
      END IF;
      RETURN vector;
    END
    $$
    """,
)
_WORDS = "to_tsvector('simple'::regconfig, folded)"


def _vector(expression: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_page_search_tsv")
    op.execute("ALTER TABLE page_search DROP COLUMN tsv")
    op.execute(
        f"ALTER TABLE page_search ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute("CREATE INDEX ix_page_search_tsv ON page_search USING gin (tsv)")


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for function in _FUNCTIONS:
        op.execute(function)
    _vector("sohoa_page_vector(folded, scope)")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    _vector(_WORDS)
    op.execute("DROP FUNCTION sohoa_page_vector(text, text)")
    op.execute("DROP FUNCTION sohoa_word_pairs(tsvector)")
