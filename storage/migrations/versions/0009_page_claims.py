"""Claims on work: a page is taken by one worker at a time, and one worker sweeps.

A task may be delivered more than once (``acks_late``, a broker restart, a
duplicate message). Before this, two deliveries of one page both ran Tesseract
and raced to record different result files. Now a page is taken with an atomic
compare-and-set on ``lease_owner``/``lease_until``: a second delivery finds it
taken and returns; a lease past its expiry (its worker died) may be taken over.

``tries`` counts the tasks that took a page since it was last queued (a
reprocess starts again from 0), so a page no task can finish is failed after a
few tries instead of being queued again for ever.

``timings`` moves a page's stage timings out of its stored result file: that
file is named and checked by its content, which must be the same on every run.

``leases`` holds named leases for work only one process should do at a time
(the sweeper that finds lost work).

Revision ID: 0009_page_claims
Revises: 0008_comparison_original_unit
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_page_claims"
down_revision = "0008_comparison_original_unit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(255), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("tries", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column(
                "timings",
                sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("timings")
        batch.drop_column("tries")
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
