"""What integrators need: documents listed across dossiers, an intake role, per-dossier webhooks.

- ``documents.unit_code``: the dossier's unit copied onto each document (a dossier
  never changes unit: it is keyed by unit and code), so ``GET /documents`` can walk
  one unit's documents newest first in an index instead of joining every dossier.
  Indexes ``(unit_code, created_at, id)`` and the same behind ``status`` and behind
  ``document_type``: each filter of the listing is then an index range read in
  keyset order, a page costing what it returns; ``(created_at, id)`` serves an
  admin listing every unit. The backfill rewrites every document row once.
- ``api_keys.role`` may be ``intake``: the one-stop software's key, which creates
  dossiers and uploads in its units but corrects nothing (``api.principal``).
- ``dossiers.webhook_secret``: the HMAC key of the dossier's webhook events, made
  when a callback URL is set. Stored as it is: a signature needs the secret itself.
  ``dossiers.complete_event_at``: when the ``dossier.complete`` event was decided,
  set in the transaction that decides it, so it is sent once.

Revision ID: 0020_integrators
Revises: 0019_deletions
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.table_base import UtcDateTime

revision = "0020_integrators"
down_revision = "0019_deletions"
branch_labels = None
depends_on = None

_ROLES_BEFORE = "role IN ('clerk', 'officer', 'system', 'admin')"
_ROLES_AFTER = "role IN ('clerk', 'officer', 'system', 'intake', 'admin')"
_LISTING_INDEXES = {
    "ix_documents_unit_code_created_at_id": ["unit_code", "created_at", "id"],
    "ix_documents_unit_code_status_created_at_id": ["unit_code", "status", "created_at", "id"],
    "ix_documents_unit_code_document_type_created_at_id": [
        "unit_code",
        "document_type",
        "created_at",
        "id",
    ],
    "ix_documents_created_at_id": ["created_at", "id"],
}


def _set_roles(condition: str) -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint("ck_api_keys_role", type_="check")
        batch.create_check_constraint("ck_api_keys_role", condition)


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("unit_code", sa.String(64), nullable=True))
    op.execute(
        "UPDATE documents SET unit_code = "
        "(SELECT dossiers.unit_code FROM dossiers WHERE dossiers.id = documents.dossier_id)"
    )
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("unit_code", existing_type=sa.String(64), nullable=False)
        for name, columns in _LISTING_INDEXES.items():
            batch.create_index(name, columns)
    _set_roles(_ROLES_AFTER)
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("webhook_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("complete_event_at", UtcDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("complete_event_at")
        batch.drop_column("webhook_secret")
    op.execute("DELETE FROM api_keys WHERE role = 'intake'")
    _set_roles(_ROLES_BEFORE)
    with op.batch_alter_table("documents") as batch:
        for name in _LISTING_INDEXES:
            batch.drop_index(name)
        batch.drop_column("unit_code")
