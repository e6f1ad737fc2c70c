"""The attention queue: why a document (or a comparison) needs a person, and since when.

Documents that failed before this revision enter the queue at once (an indexed
look-up by status); the other reasons are worked out when a document next
changes (``storage.attention.refresh``): working them out now would read every
document's fields, a full pass over an archive of millions.

Revision ID: 0018_attention
Revises: 0017_person_index
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.table_base import JsonType, UtcDateTime

revision = "0018_attention"
down_revision = "0017_person_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("attention", JsonType, nullable=True))
        batch.add_column(sa.Column("attention_at", UtcDateTime, nullable=True))
        batch.create_index("ix_documents_attention_at", ["attention_at"])
    with op.batch_alter_table("comparisons") as batch:
        batch.add_column(sa.Column("attention_at", UtcDateTime, nullable=True))
        batch.create_index("ix_comparisons_attention_at", ["attention_at"])
    documents = sa.table(
        "documents",
        sa.column("status", sa.String),
        sa.column("attention", JsonType),
        sa.column("attention_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )
    op.execute(
        documents.update()
        .where(documents.c.status == "failed")
        .values(attention=["failed"], attention_at=documents.c.updated_at)
    )
    comparisons = sa.table(
        "comparisons",
        sa.column("verdict", sa.String),
        sa.column("attention_at", sa.DateTime),
        sa.column("created_at", sa.DateTime),
    )
    op.execute(
        comparisons.update()
        .where(comparisons.c.verdict != "identical")
        .values(attention_at=comparisons.c.created_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("comparisons") as batch:
        batch.drop_index("ix_comparisons_attention_at")
        batch.drop_column("attention_at")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_attention_at")
        batch.drop_column("attention_at")
        batch.drop_column("attention")
