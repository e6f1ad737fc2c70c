"""Comparisons remember the original's unit too: reading one needs both units.

A comparison was filed under one unit only (the copy's), so an officer of that
unit alone could read another unit's original through it (its words, the
report naming its dossier and file hash, the overlay image), and the
original's own unit could not. ``original_unit_code`` holds the other side,
so the rule "readable only by someone who may read both documents" is a
filter of the listing query itself, served by its own index like
``unit_code``'s.

Existing rows are filled from the original document's dossier. Documents are
never deleted, so every row finds its original; should one not, the copy's
unit is kept rather than failing the upgrade (what such a row showed before).

Revision ID: 0008_comparison_original_unit
Revises: 0007_comparisons
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_comparison_original_unit"
down_revision = "0007_comparisons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comparisons") as batch:
        batch.add_column(sa.Column("original_unit_code", sa.String(64), nullable=True))
    op.execute(
        "UPDATE comparisons SET original_unit_code = COALESCE(("
        "SELECT dossiers.unit_code FROM documents JOIN dossiers "
        "ON dossiers.id = documents.dossier_id "
        "WHERE documents.id = comparisons.original_document_id), comparisons.unit_code)"
    )
    with op.batch_alter_table("comparisons") as batch:
        batch.alter_column("original_unit_code", existing_type=sa.String(64), nullable=False)
    op.create_index(
        "ix_comparisons_original_unit_code_created_at",
        "comparisons",
        ["original_unit_code", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_comparisons_original_unit_code_created_at", "comparisons")
    with op.batch_alter_table("comparisons") as batch:
        batch.drop_column("original_unit_code")
