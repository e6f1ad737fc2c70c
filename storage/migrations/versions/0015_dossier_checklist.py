"""A dossier keeps its applicant and what a clerk ticked on its checklist.

The receipt (phiếu tiếp nhận) names the applicant, and the citizen search finds
dossiers by them; the checklist of a procedure (``classifiers.checklists``) has
items no classifier can see (a witness statement, a hospital's birth notice),
which a clerk ticks by hand: ``checklist_marks`` maps an item's key to who
ticked it, when, and which document it is.

Revision ID: 0015_dossier_checklist
Revises: 0014_page_warnings
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.table_base import JsonType

revision = "0015_dossier_checklist"
down_revision = "0014_page_warnings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("applicant_name", sa.String(255), nullable=True))
        batch.add_column(sa.Column("applicant_id_number", sa.String(16), nullable=True))
        batch.add_column(sa.Column("applicant_phone", sa.String(32), nullable=True))
        batch.add_column(sa.Column("checklist_marks", JsonType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        for column in (
            "checklist_marks",
            "applicant_phone",
            "applicant_id_number",
            "applicant_name",
        ):
            batch.drop_column(column)
