"""Indexes on lease expiries: the sweeper finds work whose worker died by them.

A page or document step whose lease ran out while still in progress was held
by a worker that died (a live one renews its lease, ``pipeline.leases``). The
sweeper looks these up by ``lease_until``/``step_until``; with the indexes the
look-up costs what it finds, not the size of the archive (done pages and
documents have no lease, so the indexes stay small in practice).

Revision ID: 0011_lease_indexes
Revises: 0010_document_steps
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0011_lease_indexes"
down_revision = "0010_document_steps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_pages_lease_until", "pages", ["lease_until"])
    op.create_index("ix_documents_step_until", "documents", ["step_until"])


def downgrade() -> None:
    op.drop_index("ix_documents_step_until", table_name="documents")
    op.drop_index("ix_pages_lease_until", table_name="pages")
