"""Comparisons: an officer's check of a copy against its original, kept as it was made.

Revision ID: 0007_comparisons
Revises: 0006_web_sessions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_comparisons"
down_revision = "0006_web_sessions"
branch_labels = None
depends_on = None

JSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "comparisons",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("original_document_id", sa.String(36), nullable=False),
        sa.Column("original_pages", JSON, nullable=False),
        sa.Column("copy_document_id", sa.String(36), nullable=False),
        sa.Column("copy_pages", JSON, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("difference_count", sa.Integer, nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("overlays", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comparisons"),
    )
    op.create_index(
        "ix_comparisons_unit_code_created_at", "comparisons", ["unit_code", "created_at"]
    )
    op.create_index("ix_comparisons_original_document_id", "comparisons", ["original_document_id"])
    op.create_index("ix_comparisons_copy_document_id", "comparisons", ["copy_document_id"])


def downgrade() -> None:
    op.drop_index("ix_comparisons_copy_document_id", "comparisons")
    op.drop_index("ix_comparisons_original_document_id", "comparisons")
    op.drop_index("ix_comparisons_unit_code_created_at", "comparisons")
    op.drop_table("comparisons")
