"""The citizen search's index: names, ID numbers and dates of birth, looked up exactly.

Revision ID: 0017_person_index
Revises: 0016_page_status_index
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.people import entries_of_document
from storage.table_base import JsonType

revision = "0017_person_index"
down_revision = "0016_page_status_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_index",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "dossier_id",
            sa.Integer,
            sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "document_id",
            sa.String(36),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
    )
    op.create_index("ix_person_index_key_dossier_id", "person_index", ["key", "dossier_id"])
    op.create_index("ix_person_index_document_id", "person_index", ["document_id"])
    op.create_index("ix_person_index_dossier_id", "person_index", ["dossier_id"])
    _index_existing_documents()


BATCH = 500


def _index_existing_documents() -> None:
    """The people of documents read before this table existed, in batches by id."""
    documents = sa.table(
        "documents",
        sa.column("id", sa.String),
        sa.column("dossier_id", sa.Integer),
        sa.column("fields", JsonType),
        sa.column("classification", JsonType),
    )
    people = sa.table(
        "person_index",
        sa.column("dossier_id", sa.Integer),
        sa.column("document_id", sa.String),
        sa.column("field", sa.String),
        sa.column("value", sa.String),
        sa.column("key", sa.String),
    )
    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(
            sa.select(documents)
            .where(documents.c.id > last, documents.c.fields.is_not(None))
            .order_by(documents.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        entries = [
            {"dossier_id": row.dossier_id, "document_id": row.id, "field": f, "value": v, "key": k}
            for row in rows
            for (f, k), v in entries_of_document(row.fields, row.classification).items()
        ]
        if entries:
            bind.execute(sa.insert(people), entries)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_table("person_index")
