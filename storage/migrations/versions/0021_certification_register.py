"""The certification register (sổ chứng thực): its books' counters and its entries.

Entries are append-only, like the audit trail: the database refuses to change
or remove one (a trigger on PostgreSQL and on SQLite).

Revision ID: 0021_certification_register
Revises: 0020_integrators
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.table_base import UtcDateTime

revision = "0021_certification_register"
down_revision = "0020_integrators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certification_books",
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("book", sa.String(32), primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "certifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("book", sa.String(32), nullable=False),
        sa.Column("volume", sa.Integer, nullable=False, server_default="1"),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("certified_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("original_document_id", sa.String(36), nullable=True),
        sa.Column("comparison_id", sa.String(36), nullable=True),
        sa.Column("requester", sa.String(255), nullable=True),
        sa.Column("paper", sa.String(255), nullable=False),
        sa.Column("copies", sa.Integer, nullable=False, server_default="1"),
        sa.Column("fee", sa.Integer, nullable=True),
        sa.Column("officer", sa.String(128), nullable=False),
        sa.Column("officer_name", sa.String(255), nullable=False),
        sa.Column("officer_title", sa.String(255), nullable=False),
        sa.Column("note", sa.String(1024), nullable=True),
        sa.Column("pdf_key", sa.String(1024), nullable=True),
        sa.Column("pdf_sha256", sa.String(64), nullable=True),
        sa.UniqueConstraint(
            "unit_code",
            "year",
            "book",
            "number",
            name="uq_certifications_unit_code_year_book_number",
        ),
    )
    op.create_index(
        "ix_certifications_unit_code_certified_at", "certifications", ["unit_code", "certified_at"]
    )
    op.create_index("ix_certifications_document_id", "certifications", ["document_id"])
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION certifications_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the certification register is append-only';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER certifications_append_only BEFORE UPDATE OR DELETE ON certifications "
            "FOR EACH ROW EXECUTE FUNCTION certifications_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER certifications_no_{event.lower()} BEFORE {event} "
                "ON certifications BEGIN "
                "SELECT RAISE(ABORT, 'the certification register is append-only'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS certifications_append_only ON certifications")
        op.execute("DROP FUNCTION IF EXISTS certifications_append_only()")
    op.drop_table("certifications")
    op.drop_table("certification_books")
