"""A page keeps what a person should know about its reading (``PAGE_WARNINGS`` codes).

A picture too small to read well (a web thumbnail, a distant phone photo) is still
read, but the clerk is told so beside the page instead of trusting the garbage.

Revision ID: 0014_page_warnings
Revises: 0013_phone_photo_kinds
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.table_base import JsonType

revision = "0014_page_warnings"
down_revision = "0013_phone_photo_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("warnings", JsonType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("warnings")
