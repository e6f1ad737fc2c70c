"""Listings at archive scale: the changes feed and dossiers read in index order.

- ``documents (unit_code, updated_at, id)`` and ``(updated_at, id)``: ``GET
  /documents?changed_since=`` walks one unit's changes oldest first (or every unit's,
  for an admin) as an index range, a page costing what it returns.
- ``dossiers (unit_code, created_at, id)`` and ``(created_at, id)``: the dossier list,
  newest first, cut by a keyset cursor instead of an offset over a sort.

Revision ID: 0023_listing_keys
Revises: 0022_certified_copies
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0023_listing_keys"
down_revision = "0022_certified_copies"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_documents_unit_code_updated_at_id": ("documents", ["unit_code", "updated_at", "id"]),
    "ix_documents_updated_at_id": ("documents", ["updated_at", "id"]),
    "ix_dossiers_unit_code_created_at_id": ("dossiers", ["unit_code", "created_at", "id"]),
    "ix_dossiers_created_at_id": ("dossiers", ["created_at", "id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
