"""PostgreSQL: a page's word vector kept in its row, its fold and word pairs beside it.

Issue 18: a common word's search walks the newest pages backwards and tests each one's
vector (``tsv @@ …``) until 2,000 have matched, then ranks those (``ts_rank``). Each
test and each rank unpacked the vector from TOAST: a look-up in the TOAST index and two
or three chunks, 4.5 buffer reads a page (52,000 buffers for the 11,600 pages the word
``thửa`` walks at 100,000 documents). With the vector kept in the row, the walk reads
one buffer a page and the rank reads nothing more: the same walk took 7,300 buffers,
and 42–68 ms instead of 105–156 ms (the two layouts measured in turn on copies of one
archive, the machine busy with another load; ``nguyen van``: 8.5–13 ms instead of
43–78 ms).

- ``toast_tuple_target`` 4,080 bytes (two rows a page): a row larger than that has
  its other columns moved out first.
- ``tsv``: ``STORAGE MAIN``, kept in the row (compressed, or moved out, only when the
  row cannot fit otherwise: about one page in five, those with the most text).
- ``pairs``: ``STORAGE EXTERNAL``, always out of the row: only GIN reads them (a
  phrase's pairs are asked of the index alone, with no recheck).
- ``folded``: as before (compressed, moved out when the row is too large), read only
  to generate the vectors.

The settings apply to rows written from now on; nothing is rewritten here. An archive
with pages written before it takes the layout with ``VACUUM FULL page_search`` in a
maintenance window (it rewrites the table and rebuilds its indexes: minutes a million
pages). SQLite is unchanged (FTS5 keeps its own posting lists).

Revision ID: 0027_vector_inline
Revises: 0026_phrase_pairs
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0027_vector_inline"
down_revision = "0026_phrase_pairs"
branch_labels = None
depends_on = None

ROW_TARGET = 4080
"""Bytes a row may take before TOAST moves columns out: two rows fit a page (8,192 bytes
less the page header and two line pointers, halved)."""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE page_search SET (toast_tuple_target = {ROW_TARGET})")
    op.execute(
        "ALTER TABLE page_search ALTER COLUMN tsv SET STORAGE MAIN, "
        "ALTER COLUMN pairs SET STORAGE EXTERNAL"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE page_search RESET (toast_tuple_target)")
    op.execute(
        "ALTER TABLE page_search ALTER COLUMN tsv SET STORAGE EXTENDED, "
        "ALTER COLUMN pairs SET STORAGE EXTENDED"
    )
