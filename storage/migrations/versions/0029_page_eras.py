"""PostgreSQL: the full-text indexes know each page's era, so a window of recent pages
is read inside GIN.

Issue 18: a phrase, and a word searched in a unit, are read newest first, window by
window of page ids, until 2,000 pages matched (``storage.search._pg_windows``). GIN
knows words, not ids: each window asked it for every page of the archive holding the
phrase's pairs (or the word and the unit's token: 5,958 and 10,500 pages at 1,000,000
documents, of which the newest 2,000 are wanted), and either read each of those rows
from the table before the id dropped it, or intersected GIN's list with the primary
key's id range as bitmaps at ~0.08 µs an id. Either way what a window cost grew with
the archive, although what it returned did not; a BRIN index on the id was slower
still (README).

A page's era is its id divided by 2^15 (``sohoa_page_era``: one lexeme, the era's
number). Both GIN indexes become two-column indexes, ``(tsv, era)`` and
``(pairs, era)``; a window asks for its eras (``… AND sohoa_page_era(id) @@ '53' | '52'
| …``), and GIN intersects the word's list with the eras' lists inside the index, by
skipping through its posting trees, before any row is read: a window reads the rows
it returns. Why a lexeme, not ``btree_gin`` over the id itself: a range of ids in GIN
is one key per id, 32,768 keys to merge for one era.

Searches that do not ask for eras use the same indexes as before (a GIN index answers
any subset of its columns). Cost: one lexeme per page in each index (its posting list
is a run of consecutive rows, a byte or two each). No table rewrite: both indexes are
built again, once (on a large archive, give the session a large
``maintenance_work_mem``: GIN is built from sorted entries in that memory). SQLite is
unchanged: FTS5 walks its lists newest rowid first and stops at the cut.

Locks: building takes a lock that holds new pages back (they are indexed once the
migration commits) while searches read on; the swap at the end is brief.

Revision ID: 0029_page_eras
Revises: 0028_search_hits_function
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0029_page_eras"
down_revision = "0028_search_hits_function"
branch_labels = None
depends_on = None

ERA_BITS = 15
"""Ids per era: 2^15 = 32,768 pages, ~18,600 documents (three weeks of a commune, hours
of a province). ``storage.search.ERA_BITS`` must say the same; a test checks it."""

_ERA = f"""
CREATE FUNCTION sohoa_page_era(page integer) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_tsvector(ARRAY[(page >> {ERA_BITS})::text])
$$
"""


def _indexes(era: bool) -> None:
    """(Re)make ``ix_page_search_tsv`` and ``_pairs``, with the page's era as their second
    column or without. The new indexes are built beside the old ones (``CREATE INDEX``
    lets searches read on), then swapped in: dropping an index locks its table against
    reads until the migration commits, so that comes last."""
    for column in VECTORS:
        columns = f"{column}, sohoa_page_era(id)" if era else column
        op.execute(f"CREATE INDEX ix_page_search_{column}_new ON page_search USING gin ({columns})")
    for column in VECTORS:
        op.execute(f"DROP INDEX IF EXISTS ix_page_search_{column}")
        op.execute(f"ALTER INDEX ix_page_search_{column}_new RENAME TO ix_page_search_{column}")


VECTORS = ("tsv", "pairs")


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(_ERA)
    _indexes(era=True)


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    _indexes(era=False)
    op.execute("DROP FUNCTION sohoa_page_era(integer)")
