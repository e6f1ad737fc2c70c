"""Page thumbnails: lists on slow counter links show these, not full pages.

Revision ID: 0002_page_thumbnails
Revises: 0001_initial
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_page_thumbnails"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("thumbnail_key", sa.String(1024), nullable=True))
        batch.add_column(sa.Column("thumbnail_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("thumbnail_sha256")
        batch.drop_column("thumbnail_key")
