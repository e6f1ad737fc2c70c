"""PostgreSQL: the search hits' metadata read through a function whose plan is kept.

Issue 18: a search's second statement reads the shown pages' text and their documents'
and dossiers' metadata by primary key (four tables joined). The app's connections set
``plan_cache_mode = force_custom_plan`` (a candidates statement's plan depends on how
common its words are), so that statement was planned on every search: 0.32 ms of
planning for 0.04 ms of execution, a third of a rare word's whole search (an ID number:
1.6 ms against 0.43 ms for the bare count of its pages, 3,000 documents).

The same statement inside a PL/pgSQL function whose own setting is
``force_generic_plan`` is planned once per connection and kept: nothing in it depends on
the values (primary and unique keys only). Measured: 0.47 against 0.88 ms for the
statement with its session. SQLite plans its statements once and keeps them anyway; it
is unchanged.

Revision ID: 0028_search_hits_function
Revises: 0027_vector_inline
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0028_search_hits_function"
down_revision = "0027_vector_inline"
branch_labels = None
depends_on = None

FUNCTION = "sohoa_search_hits"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    # Columns cast to the types the function declares, so that widening a column later
    # cannot make the function's rows mismatch its declared result.
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}(best integer[])
        RETURNS TABLE (
            document_id text, number integer, text text, filename text,
            document_type text, code text, unit_code text
        )
        LANGUAGE plpgsql STABLE
        SET plan_cache_mode = force_generic_plan
        AS $body$
        BEGIN
            RETURN QUERY
            SELECT s.document_id::text, s.number::integer, p.text::text,
                   d.filename::text, d.document_type::text, o.code::text,
                   o.unit_code::text
            FROM page_search AS s
            JOIN documents AS d ON d.id = s.document_id
            JOIN dossiers AS o ON o.id = d.dossier_id
            LEFT JOIN pages AS p ON p.document_id = s.document_id AND p.number = s.number
            WHERE s.id = ANY (best);
        END
        $body$
        """
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(integer[])")
