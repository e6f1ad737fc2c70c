"""Claims on document steps, and a count of failed pages.

A document's steps after its pages (assemble, classify, index) are taken as
its pages are (0009): ``step`` says which step the document is at,
``step_owner``/``step_until`` who holds it and until when. A duplicate
delivery of a step finds it taken, or finds the document past it, and returns;
a step whose worker died is taken over when its lease expires. The step moves
on only in the transaction that records the step's result, and only for its
holder.

``pages_failed`` joins ``pages_done``: whether a document's pages have all
settled is then read from one row, not counted over its pages after each page.

Revision ID: 0010_document_steps
Revises: 0009_page_claims
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_document_steps"
down_revision = "0009_page_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("step", sa.String(16), nullable=True))
        batch.add_column(sa.Column("step_owner", sa.String(255), nullable=True))
        batch.add_column(sa.Column("step_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("pages_failed", sa.Integer, nullable=False, server_default="0"))
    op.execute(
        "UPDATE documents SET pages_failed = (SELECT count(*) FROM pages"
        " WHERE pages.document_id = documents.id AND pages.status = 'failed')"
    )
    op.execute("UPDATE documents SET step = 'done' WHERE status = 'done'")


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("pages_failed")
        batch.drop_column("step_until")
        batch.drop_column("step_owner")
        batch.drop_column("step")
