"""Documents may be WebP and HEIC/HEIF photos: phones and messaging apps send them.

Only the check on ``documents.kind`` changes; the originals are stored as sent.

Revision ID: 0013_phone_photo_kinds
Revises: 0012_page_result_columns
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0013_phone_photo_kinds"
down_revision = "0012_page_result_columns"
branch_labels = None
depends_on = None

_BEFORE = "kind IN ('pdf', 'tiff', 'jpeg', 'png')"
_AFTER = "kind IN ('pdf', 'tiff', 'jpeg', 'png', 'webp', 'heif')"


def _set_kinds(condition: str) -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("ck_documents_kind", type_="check")
        batch.create_check_constraint("ck_documents_kind", condition)


def upgrade() -> None:
    _set_kinds(_AFTER)


def downgrade() -> None:
    _set_kinds(_BEFORE)
