"""The page text is stored once: ``page_search.text`` goes.

It was a verbatim copy of ``pages.text`` (about 4 KB a document, a fifth of an
archive's bytes at 10,000 documents), kept so that a snippet came from exactly the text
that was matched. The snippet now reads the page's own text and folds it again
(``storage.search_query.fold`` keeps lengths, so the match is found in it as before); a
page read again is indexed again in the same step that stores its new text. What the
index keeps is its fold (``folded``): FTS5's external content and PostgreSQL's
generated ``tsvector`` are built from it, and a fold is not the text (no accents).

Revision ID: 0025_page_text_once
Revises: 0024_search_scope
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_page_text_once"
down_revision = "0024_search_scope"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite drops a column in place (3.35+): no index, trigger or view names it.
    op.drop_column("page_search", "text")


def downgrade() -> None:
    op.add_column("page_search", sa.Column("text", sa.Text, nullable=True))
    op.execute(
        "UPDATE page_search SET text = (SELECT pages.text FROM pages WHERE "
        "pages.document_id = page_search.document_id AND pages.number = page_search.number)"
    )
