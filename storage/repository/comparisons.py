"""Saved comparisons of a copy with its original, listed within the reader's units."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import (
    Comparison,
)


def list_comparisons(
    s: Session,
    *,
    units: list[str] | None,
    document_id: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[Comparison]]:
    """Comparisons whose original *and* copy are in ``units`` (None: all), newest first.

    A comparison shows both documents (their words, the report naming both
    dossiers), so it is listed only to a key that may read both; the rule is
    part of the query, so one page costs one page of rows whatever other
    units hold. ``document_id`` keeps those with that document on either side.
    Returns the total matching and one page.
    """
    filters = []
    if units is not None:
        filters += [Comparison.unit_code.in_(units), Comparison.original_unit_code.in_(units)]
    if document_id:
        filters.append(
            or_(
                Comparison.original_document_id == document_id,
                Comparison.copy_document_id == document_id,
            )
        )
    total = s.scalar(select(func.count(Comparison.id)).where(*filters)) or 0
    rows = s.scalars(
        select(Comparison)
        .where(*filters)
        .order_by(Comparison.created_at.desc(), Comparison.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return total, list(rows)
