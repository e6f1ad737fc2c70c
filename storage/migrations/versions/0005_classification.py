"""Classification: the type's confidence and details on each document, and trained models.

Revision ID: 0005_classification
Revises: 0004_corrections
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_classification"
down_revision = "0004_corrections"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("type_confidence", sa.Float, nullable=True))
        batch.add_column(sa.Column("classification", JSON, nullable=True))
    op.create_table(
        "classifier_models",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(1024), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_classifier_models"),
    )
    op.create_index("ix_classifier_models_active", "classifier_models", ["active"])


def downgrade() -> None:
    op.drop_index("ix_classifier_models_active", "classifier_models")
    op.drop_table("classifier_models")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("classification")
        batch.drop_column("type_confidence")
