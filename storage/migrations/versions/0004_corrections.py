"""Document corrections: a person's fix of the type and fields, kept for retraining.

Revision ID: 0004_corrections
Revises: 0003_api_keys
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_corrections"
down_revision = "0003_api_keys"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "document_corrections",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("unit_code", sa.String(64)),
        sa.Column("before", JSON, nullable=False),
        sa.Column("after", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_corrections"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_document_corrections_document_id_documents",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_document_corrections_document_id_at",
        "document_corrections",
        ["document_id", "at"],
    )


def downgrade() -> None:
    op.drop_index("ix_document_corrections_document_id_at", "document_corrections")
    op.drop_table("document_corrections")
