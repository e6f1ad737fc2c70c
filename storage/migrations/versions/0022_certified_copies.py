"""Certified electronic copies issued: one per document, and systems that may reuse them.

- ``certifications.document_id`` becomes unique: a document is certified once; a
  second request (a retry, a double click, two officers at once) finds the first
  certification instead of taking a second number for the same copy.
- ``certifications.pdf_sha256`` indexed: the public verification page finds a copy
  by the hash of the file someone holds.
- ``certifications.signer`` (the certificate's name that signed) and
  ``certifications.document_type`` (what the verification page names and what a
  reuse look-up filters on): added, never changed afterwards like every entry.
- ``api_keys.reuse_scope``: where a ``system`` key may look up a citizen's papers
  by ID number (``GET /citizens/{id_number}/documents``): unit codes, or
  ``province:<code>`` for every unit of a province. Null: no such permission.

Revision ID: 0022_certified_copies
Revises: 0021_certification_register
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.table_base import JsonType

revision = "0022_certified_copies"
down_revision = "0021_certification_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_certifications_document_id", table_name="certifications")
    op.create_index("ix_certifications_document_id", "certifications", ["document_id"], unique=True)
    # The verification page finds an uploaded copy by its hash (no id at hand).
    op.create_index("ix_certifications_pdf_sha256", "certifications", ["pdf_sha256"])
    # Adding a column is not an UPDATE: the append-only triggers let it through.
    op.add_column("certifications", sa.Column("signer", sa.String(255), nullable=True))
    op.add_column("certifications", sa.Column("document_type", sa.String(64), nullable=True))
    op.add_column("api_keys", sa.Column("reuse_scope", JsonType, nullable=True))


def downgrade() -> None:
    op.drop_column("api_keys", "reuse_scope")
    op.drop_column("certifications", "document_type")
    op.drop_column("certifications", "signer")
    op.drop_index("ix_certifications_pdf_sha256", table_name="certifications")
    op.drop_index("ix_certifications_document_id", table_name="certifications")
    op.create_index("ix_certifications_document_id", "certifications", ["document_id"])
