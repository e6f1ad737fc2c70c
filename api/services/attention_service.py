"""The attention queue as the API and the counter's page see it: list it, clear an entry.

Documents whose reasons (``storage.attention``) are set and not cleared, and —
for keys that verify — comparisons whose verdict needs the officer
(differences, ``manual_check``), newest first, in the key's units. Both lists
are indexed look-ups of ``attention_at``, so the queue costs what it holds, not
what the archive holds; the page of one merged list takes at most
``offset + limit`` rows of each.

Listing is audited like a dossier listing is not: it names documents by file
name (often a citizen's name) and says what is doubtful about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select

from api.access_audit import audit_read
from api.error_responses import ApiError
from api.principal import Principal
from api.scope import audit, channel, check_filter_unit, lock_document, scoped, visible_units
from api.services.comparison_service import load_comparison, record_comparison_read
from pipeline.document_state import retry_can_help
from pipeline.runtime import Runtime
from storage import attention
from storage.models import Comparison, Document, Dossier

MAX_MERGED = 1000
"""Deepest entry a page may reach (``offset + limit``): a queue this long is a backlog
to clear from its newest end, not to page through."""


@dataclass(frozen=True)
class Entry:
    kind: Literal["document", "comparison"]
    id: str
    since: datetime
    reasons: tuple[str, ...]
    dossier_code: str | None
    unit_code: str
    filename: str | None
    document_type: str | None = None
    failure_reason: str | None = None
    retry_can_help: bool | None = None
    verdict: str | None = None
    doubtful_fields: tuple[str, ...] = ()  # fields under the floor or failing their checks


def list_attention(
    rt: Runtime,
    principal: Principal,
    *,
    unit: str | None = None,
    limit: int = 50,
    offset: int = 0,
    via: str | None = None,
) -> tuple[int, list[Entry]]:
    """What needs a person in the key's units (of ``unit`` if given): (total, one page)."""
    check_filter_unit(rt, principal, unit)
    units = visible_units(principal, unit)
    depth = min(offset + limit, MAX_MERGED)
    with rt.session() as s:
        documents = (
            select(Document, Dossier.code, Dossier.unit_code)
            .join(Dossier, Dossier.id == Document.dossier_id)
            .where(Document.attention_at.is_not(None))
        )
        if units is not None:
            documents = documents.where(Dossier.unit_code.in_(units))
        total = s.scalar(select(func.count()).select_from(documents.subquery())) or 0
        rows = s.execute(documents.order_by(Document.attention_at.desc()).limit(depth)).all()
        entries = [_document_entry(d, code, unit_code) for d, code, unit_code in rows]
        if principal.can("verify"):
            comparisons = select(Comparison).where(Comparison.attention_at.is_not(None))
            if units is not None:
                comparisons = comparisons.where(
                    Comparison.unit_code.in_(units), Comparison.original_unit_code.in_(units)
                )
            total += s.scalar(select(func.count()).select_from(comparisons.subquery())) or 0
            found = s.scalars(comparisons.order_by(Comparison.attention_at.desc()).limit(depth))
            entries += [_comparison_entry(c) for c in found]
    entries.sort(key=lambda e: e.since, reverse=True)
    page = entries[offset : offset + limit]
    detail = {
        "documents": [e.id for e in page if e.kind == "document"],
        "comparisons": [e.id for e in page if e.kind == "comparison"],
        "total": total,
        **channel(via),
    }
    audit_read(
        rt,
        principal,
        action="attention.list",
        object_type="attention",
        object_id="-",
        unit_code=unit,
        detail=detail,
    )
    return total, page


def _document_entry(document: Document, code: str, unit_code: str) -> Entry:
    failed = document.status == "failed"
    return Entry(
        kind="document",
        id=document.id,
        since=document.attention_at,
        reasons=tuple(document.attention or ()),
        dossier_code=code,
        unit_code=unit_code,
        filename=document.filename,
        document_type=document.document_type,
        failure_reason=document.failure_reason,
        retry_can_help=retry_can_help(document.failure_reason) if failed else None,
        doubtful_fields=tuple(attention.doubtful_fields(document.fields)),
    )


def _comparison_entry(comparison: Comparison) -> Entry:
    return Entry(
        kind="comparison",
        id=comparison.id,
        since=comparison.attention_at,
        reasons=(comparison.verdict,),
        dossier_code=None,
        unit_code=comparison.unit_code,
        filename=None,
        verdict=comparison.verdict,
    )


def clear_document(
    rt: Runtime, principal: Principal, document_id: str, *, via: str | None = None
) -> None:
    """A person checked the document: out of the queue until its reasons change (audited)."""
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = lock_document(s, principal, document_id)
        if document.attention_at is None:
            raise ApiError(409, "not_in_queue", f"document {document_id} needs no attention")
        reasons = list(document.attention or [])
        attention.clear(document)
        s.flush()
        s.refresh(document, ["dossier"])
    audit(rt, principal, "document.attention_cleared", document, reasons=reasons, **channel(via))


def clear_comparison(
    rt: Runtime, principal: Principal, comparison_id: str, *, via: str | None = None
) -> None:
    """The officer settled a comparison's differences: out of the queue (audited)."""
    comparison = load_comparison(rt, principal, comparison_id)
    with rt.session() as s:
        stored = s.get(Comparison, comparison.id, with_for_update=True)
        if stored is None or stored.attention_at is None:
            raise ApiError(409, "not_in_queue", f"comparison {comparison_id} needs no attention")
        stored.attention_at = None
    record_comparison_read(
        rt, principal, "comparison.attention_cleared", comparison, **channel(via)
    )
