"""An index on pages' status and last change: ``GET /metrics`` counts by it.

Pages by status, pages done in the last 5 minutes and pages failed in the last
hour are read at every Prometheus scrape. Without an index PostgreSQL read the
whole table for each (3 million pages: about 200 ms per figure, a sequential
scan); with ``(status, updated_at)`` the recent figures are range scans of the
last minutes' rows and a status count is an index-only scan of that status.
Documents already have ``ix_documents_status``, which serves theirs.

``updated_at`` changes when a page's lease is renewed, which already writes
an indexed column (``lease_until``): the index adds no new kind of update.

Revision ID: 0016_page_status_index
Revises: 0015_dossier_checklist
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0016_page_status_index"
down_revision = "0015_dossier_checklist"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_pages_status_updated_at", "pages", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_pages_status_updated_at", table_name="pages")
