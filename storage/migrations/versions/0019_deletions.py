"""Deleted documents and what of them is still to be removed from the store.

Revision ID: 0019_deletions
Revises: 0018_attention
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.table_base import JsonType, UtcDateTime

revision = "0019_deletions"
down_revision = "0018_attention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deletions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("prefix", sa.String(1024), nullable=False),
        sa.Column("originals", JsonType, nullable=False),
        sa.Column("deleted_by", sa.String(128), nullable=False),
        sa.Column("deleted_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("originals_after", UtcDateTime, nullable=False),
        sa.Column("derived_purged_at", UtcDateTime, nullable=True),
        sa.Column("purged_at", UtcDateTime, nullable=True),
    )
    op.create_index(
        "ix_deletions_purged_at_originals_after", "deletions", ["purged_at", "originals_after"]
    )


def downgrade() -> None:
    op.drop_table("deletions")
