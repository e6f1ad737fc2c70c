"""A page's unit inside the full-text index: a unit's search reads that unit's matches.

``page_search.scope`` holds a token naming the page's unit (``storage.search.scope_token``:
``u`` and the unit code's UTF-8 bytes in hex, one word, distinct for distinct codes).
On SQLite the FTS5 table indexes it as a second column, so a search in a few units is
``folded : (…) AND scope : (u… OR u…)``, an intersection of posting lists inside FTS5,
instead of joining every match of a common word to its document to test the unit
(1.5 s at 100,000 documents, issue 18). The unit filter on the joined dossier stays: the
token narrows, the dossier decides. PostgreSQL filters by the joined unit as before
(its planner intersects the GIN index with the unit's rows); the column is kept there
too, so both databases hold the same rows.

The FTS5 table is made again with both columns and rebuilt from ``page_search``
(minutes for millions of pages, once).

Revision ID: 0024_search_scope
Revises: 0023_listing_keys
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_search_scope"
down_revision = "0023_listing_keys"
branch_labels = None
depends_on = None

_TRIGGERS = ("page_search_ai", "page_search_ad", "page_search_au")


def _fts(columns: str, values: str, old_values: str) -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE page_fts USING fts5({columns}, content='page_search', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER page_search_ai AFTER INSERT ON page_search BEGIN "
        f"INSERT INTO page_fts(rowid, {columns}) VALUES (new.id, {values}); END"
    )
    op.execute(
        "CREATE TRIGGER page_search_ad AFTER DELETE ON page_search BEGIN "
        f"INSERT INTO page_fts(page_fts, rowid, {columns}) VALUES ('delete', old.id, "
        f"{old_values}); END"
    )
    op.execute(
        "CREATE TRIGGER page_search_au AFTER UPDATE ON page_search BEGIN "
        f"INSERT INTO page_fts(page_fts, rowid, {columns}) VALUES ('delete', old.id, "
        f"{old_values}); INSERT INTO page_fts(rowid, {columns}) VALUES (new.id, {values}); END"
    )
    op.execute("INSERT INTO page_fts(page_fts) VALUES ('rebuild')")


def _drop_fts() -> None:
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS page_fts")


def upgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        _drop_fts()  # first: the backfill below would fire the update trigger per page
    op.add_column("page_search", sa.Column("scope", sa.String(160), nullable=True))
    unit_hex = (
        "lower(hex(documents.unit_code))"
        if sqlite
        else "encode(convert_to(documents.unit_code, 'UTF8'), 'hex')"
    )
    op.execute(
        f"UPDATE page_search SET scope = 'u' || (SELECT {unit_hex} FROM documents "
        "WHERE documents.id = page_search.document_id)"
    )
    if sqlite:
        _fts("folded, scope", "new.folded, new.scope", "old.folded, old.scope")


def downgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        _drop_fts()
    op.drop_column("page_search", "scope")
    if sqlite:
        _fts("folded", "new.folded", "old.folded")
