"""A page's stored result is named for what it is: ``result_key``/``result_sha256``.

The object holds the page stage's whole result (text, words, image facts and
marks; ``pipeline.stored_page``), not only its words, so ``words_key`` misled
every reader of the schema. Only the columns are renamed: the objects keep
their names in the store.

Revision ID: 0012_page_result_columns
Revises: 0011_lease_indexes
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0012_page_result_columns"
down_revision = "0011_lease_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.alter_column("words_key", new_column_name="result_key")
        batch.alter_column("words_sha256", new_column_name="result_sha256")


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.alter_column("result_key", new_column_name="words_key")
        batch.alter_column("result_sha256", new_column_name="words_sha256")
