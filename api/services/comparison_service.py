"""Saved comparisons as the API and the officer's page see them: open one, list them.

A comparison joins two documents that may belong to two units: a key must see
both, and a refusal answers like a comparison that never existed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from api.access_audit import audit_read
from api.error_responses import ApiError
from api.principal import Principal
from api.scope import channel, check_unit, scoped, visible_units
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import Comparison

View = TypeVar("View")


def load_comparison(rt: Runtime, principal: Principal, comparison_id: str) -> Comparison:
    """The comparison if the key sees both its documents' units; else the 404 of a missing one.

    A refusal is recorded (``access.denied``, with the first unit the key
    lacks) by ``scoped``; the answer is the same as for an id that never
    existed, so a key learns nothing about another unit's comparisons.
    """
    with scoped(rt, principal, "comparison", comparison_id), rt.session() as s:
        comparison = s.get(Comparison, comparison_id) if len(comparison_id) <= 36 else None
        if comparison is None:
            raise ApiError(404, "comparison_not_found", f"no comparison {comparison_id}")
        for unit in comparison.units:
            check_unit(principal, unit)
        s.expunge(comparison)
        return comparison


def record_comparison_read(
    rt: Runtime, principal: Principal, action: str, comparison: Comparison, **detail: Any
) -> None:
    """Record one read of a comparison, naming it and both documents (and their units).

    One row per read, filed under the copy's unit like the comparison; the
    original's unit is in the detail, so either unit's reads can be found.
    """
    audit_read(
        rt,
        principal,
        action=action,
        object_type="comparison",
        object_id=comparison.id,
        unit_code=comparison.unit_code,
        detail={
            "original_document_id": comparison.original_document_id,
            "copy_document_id": comparison.copy_document_id,
            "original_unit": comparison.original_unit_code,
            **detail,
        },
    )


def read_comparison(
    rt: Runtime,
    principal: Principal,
    comparison_id: str,
    shape: Callable[[Comparison], View],
    *,
    via: str | None = None,
) -> View:
    """The comparison's view, its read recorded once (see ``load_comparison``)."""
    comparison = load_comparison(rt, principal, comparison_id)
    view = shape(comparison)
    record_comparison_read(rt, principal, "comparison.read", comparison, **channel(via))
    return view


def list_comparisons(
    rt: Runtime,
    principal: Principal,
    shape: Callable[[Comparison], View],
    *,
    document_id: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[View]]:
    """Comparisons whose both documents are in the key's units, newest first (not audited:
    the views a listing gives carry no citizen's words)."""
    with rt.session() as s:
        total, rows = repo.list_comparisons(
            s,
            units=visible_units(principal, None),
            document_id=document_id,
            limit=limit,
            offset=offset,
        )
        return total, [shape(c) for c in rows]
