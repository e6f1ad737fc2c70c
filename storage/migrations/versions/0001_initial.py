"""Initial schema: units, dossiers, documents, pages, audit events and the search index.

Revision ID: 0001_initial
Revises:
Create Date: 2026-05-20

Written by hand and frozen: later changes go in new revisions, never here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=None if nullable else sa.func.now(),
    )


def _timestamps() -> list[sa.Column]:
    return [_timestamp("created_at"), _timestamp("updated_at")]


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255)),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("code", name="pk_units"),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("procedure_code", sa.String(64)),
        sa.Column("received_date", sa.Date),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("callback_url", sa.String(2048)),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_dossiers"),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"], name="fk_dossiers_unit_code_units"),
        sa.UniqueConstraint("unit_code", "code", name="uq_dossiers_unit_code_code"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_dossiers_status"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dossier_id", sa.Integer, nullable=False),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("page_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pages_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("failure_reason", sa.Text),
        sa.Column("document_type", sa.String(64)),
        sa.Column("fields", JSON),
        sa.Column("is_certified_copy", sa.Boolean),
        sa.Column("original_key", sa.String(1024), nullable=False),
        sa.Column("pdf_key", sa.String(1024)),
        sa.Column("pdf_sha256", sa.String(64)),
        sa.Column("text_key", sa.String(1024)),
        sa.Column("text_sha256", sa.String(64)),
        sa.Column("pages_key", sa.String(1024)),
        sa.Column("pages_sha256", sa.String(64)),
        sa.Column("idempotency_key", sa.String(255)),
        _timestamp("done_at", nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name="fk_documents_dossier_id_dossiers",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("dossier_id", "sha256", name="uq_documents_dossier_id_sha256"),
        sa.UniqueConstraint(
            "dossier_id", "idempotency_key", name="uq_documents_dossier_id_idempotency_key"
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'processing', 'done', 'failed')", name="ck_documents_status"
        ),
        sa.CheckConstraint("kind IN ('pdf', 'tiff', 'jpeg', 'png')", name="ck_documents_kind"),
    )
    op.create_index("ix_documents_status", "documents", ["status"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("failure_reason", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rotation", sa.Integer),
        sa.Column("skew", sa.Float),
        sa.Column("confidence", sa.Float),
        sa.Column("text", sa.Text),
        sa.Column("image_key", sa.String(1024)),
        sa.Column("image_sha256", sa.String(64)),
        sa.Column("words_key", sa.String(1024)),
        sa.Column("words_sha256", sa.String(64)),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_pages"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_pages_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("document_id", "number", name="uq_pages_document_id_number"),
        sa.CheckConstraint("status IN ('queued', 'done', 'failed')", name="ck_pages_status"),
        sa.CheckConstraint("number >= 1", name="ck_pages_number"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, nullable=False),
        _timestamp("at"),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(255), nullable=False),
        sa.Column("unit_code", sa.String(64)),
        sa.Column("detail", JSON),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index(
        "ix_audit_events_object_type_object_id", "audit_events", ["object_type", "object_id"]
    )
    op.create_index("ix_audit_events_unit_code_at", "audit_events", ["unit_code", "at"])
    op.create_table(
        "page_search",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("folded", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_page_search"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_page_search_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("document_id", "number", name="uq_page_search_document_id_number"),
    )
    if op.get_context().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def _postgresql_upgrade() -> None:
    # ``folded`` holds only lower-case letters, digits and spaces (storage.search.fold),
    # so the ``simple`` configuration splits it exactly where the Python side does.
    op.execute(
        "ALTER TABLE page_search ADD COLUMN tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, folded)) STORED"
    )
    op.execute("CREATE INDEX ix_page_search_tsv ON page_search USING gin (tsv)")
    op.execute(
        """
        CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit events are append-only';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )


def _sqlite_upgrade() -> None:
    # An external-content FTS5 table: the text lives once, in page_search, and
    # triggers keep the index in step with it (including cascaded deletes).
    op.execute(
        "CREATE VIRTUAL TABLE page_fts USING fts5("
        "folded, content='page_search', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER page_search_ai AFTER INSERT ON page_search BEGIN "
        "INSERT INTO page_fts(rowid, folded) VALUES (new.id, new.folded); END"
    )
    op.execute(
        "CREATE TRIGGER page_search_ad AFTER DELETE ON page_search BEGIN "
        "INSERT INTO page_fts(page_fts, rowid, folded) VALUES ('delete', old.id, old.folded); END"
    )
    op.execute(
        "CREATE TRIGGER page_search_au AFTER UPDATE ON page_search BEGIN "
        "INSERT INTO page_fts(page_fts, rowid, folded) VALUES ('delete', old.id, old.folded); "
        "INSERT INTO page_fts(rowid, folded) VALUES (new.id, new.folded); END"
    )
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TABLE IF EXISTS page_fts")
    for table in ("page_search", "audit_events", "pages", "documents", "dossiers", "units"):
        op.drop_table(table)
