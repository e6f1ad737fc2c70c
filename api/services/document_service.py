"""Documents as the API and the pages see them: read one, correct one, search their text.

Like ``api.services.dossier_service``: one transaction per call inside the key's unit
scope, the read recorded after it, and the caller's ``shape`` building its view
while the rows are loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeVar

from api.access_audit import audit_read
from api.error_responses import ApiError
from api.principal import Principal
from api.scope import (
    audit,
    channel,
    check_filter_unit,
    load_document,
    lock_document,
    scoped,
    visible_units,
)
from classifiers.fields.corrections import InvalidCorrection, validate_field_corrections
from pipeline.runtime import Runtime
from storage import attention, people
from storage import repository as repo
from storage.models import Document, DocumentCorrection
from storage.people import PeoplePage, index_people
from storage.search import SearchPage
from storage.search import search as run_search

View = TypeVar("View")


def read_document(
    rt: Runtime,
    principal: Principal,
    document_id: str,
    shape: Callable[[Document], View],
    *,
    via: str | None = None,
) -> View:
    """The document's view if the key sees its unit (404 otherwise), its read recorded."""
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = load_document(s, principal, document_id)
        view = shape(document)
    audit(rt, principal, "document.read", document, **channel(via))
    return view


def search_documents(
    rt: Runtime,
    principal: Principal,
    q: str,
    *,
    unit: str | None = None,
    dossier: str | None = None,
    document_type: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    date_field: Literal["created", "received"] = "created",
    limit: int = 20,
    offset: int = 0,
    after: tuple[float, str] | None = None,
    via: str | None = None,
) -> SearchPage:
    """Documents of the key's units whose text matches ``q``, best first; the search recorded.

    The audit event names the query and the documents it showed: a search
    reads citizens' papers as much as opening them does.
    """
    check_filter_unit(rt, principal, unit)
    with rt.session() as s:
        found = run_search(
            s,
            q,
            units=visible_units(principal, unit),
            dossier=dossier,
            document_type=document_type,
            date_from=date_from,
            date_to=date_to,
            date_field=date_field,
            limit=limit,
            offset=offset,
            after=after,
        )
    detail: dict[str, object] = {
        "q": q,
        "documents": [h.document_id for h in found.hits],
        "total": found.total,
    }
    _audit_reading(rt, principal, "document.search", unit, detail, via)
    return found


@dataclass(frozen=True)
class Correction:
    """A person's correction of what the classifier found; None leaves that part alone.

    ``fields`` is a JSON merge patch (RFC 7396) at the top level: null removes
    a field, a value replaces it.
    """

    document_type: str | None = None
    fields: dict[str, Any] | None = None
    is_certified_copy: bool | None = None


def correct_document(
    rt: Runtime,
    principal: Principal,
    document_id: str,
    correction: Correction,
    shape: Callable[[Document], View],
) -> View:
    """Apply a checked correction; keep the values before and after for retraining; audit it.

    The fields are validated for the document's (new) type before anything
    changes (422 naming the first bad one): a value stored unchecked (a lone
    surrogate) once made every later read of the document fail, and a stored
    correction trains the classifier. A correction that changes nothing
    records nothing.
    """
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = lock_document(s, principal, document_id)
        before = _classification(document)
        fields = _checked_fields(
            correction.document_type or document.document_type, correction.fields
        )
        if correction.document_type is not None:
            document.document_type = correction.document_type
        if fields is not None:
            document.fields = _merge_fields(document.fields, fields)
            index_people(s, document)  # the citizen search finds the corrected name
        if correction.is_certified_copy is not None:
            document.is_certified_copy = correction.is_certified_copy
        attention.refresh(document)  # a corrected field or type is no longer doubtful
        after = _classification(document)
        changed = before != after
        if changed:
            s.add(
                DocumentCorrection(
                    document_id=document.id,
                    actor=principal.actor,
                    unit_code=document.dossier.unit_code,
                    before=before,
                    after=after,
                )
            )
        s.flush()
        view = shape(document)
    if changed:
        audit(rt, principal, "document.correct", document, before=before, after=after)
    return view


def _classification(document: Document) -> dict[str, Any]:
    return {
        "document_type": document.document_type,
        "fields": dict(document.fields) if document.fields else None,
        "is_certified_copy": document.is_certified_copy,
    }


def _checked_fields(
    document_type: str | None, patch: dict[str, Any] | None
) -> dict[str, str | None] | None:
    """The patch's fields validated for the document's type, or a 422 naming one."""
    if patch is None:
        return None
    try:
        return validate_field_corrections(document_type, patch)
    except InvalidCorrection as err:
        raise ApiError(422, err.code, str(err)) from None


def _merge_fields(
    stored: dict[str, Any] | None, patch: dict[str, str | None]
) -> dict[str, Any] | None:
    """RFC 7396 at the top level: null removes a key, a value replaces it.

    A person's value is certain: it is stored with confidence 1 and marked
    ``corrected``, in the shape of the extracted fields, so a reader never has
    to guess which shape a field has.
    """
    merged = dict(stored or {})
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = {"value": value, "confidence": 1.0, "corrected": True}
    return merged or None


def find_people(
    rt: Runtime,
    principal: Principal,
    q: str,
    *,
    unit: str | None = None,
    limit: int = 20,
    offset: int = 0,
    via: str | None = None,
) -> PeoplePage:
    """Dossiers and documents of the key's units naming the person ``q`` (a whole name, an
    ID number or a date of birth), best first; recorded like a search of the text, with
    the dossiers and documents it showed."""
    check_filter_unit(rt, principal, unit)
    with rt.session() as s:
        found = people.find_people(
            s, q, units=visible_units(principal, unit), limit=limit, offset=offset
        )
    detail: dict[str, object] = {
        "q": q,
        "dossiers": sorted({h.dossier_code for h in found.hits}),
        "documents": [h.document_id for h in found.hits if h.document_id],
        "total": found.total,
    }
    _audit_reading(rt, principal, "people.search", unit, detail, via)
    return found


@dataclass(frozen=True)
class DocumentListing:
    """One page of ``list_documents``: its views, and where the next page starts (None: last)."""

    items: list[Any]
    next_after: repo.Position | None


def list_documents(
    rt: Runtime,
    principal: Principal,
    shape: Callable[[Document], View],
    *,
    unit: str | None = None,
    where: repo.DocumentFilter | None = None,
    after: repo.Position | None = None,
    limit: int = 50,
    via: str | None = None,
) -> DocumentListing:
    """Documents of the key's units across their dossiers, newest first, one page of them
    after ``after``; recorded like a search (``document.list``, naming the documents shown).

    A listing shows file names, which are often citizens' names: reading it is a read
    of those documents. Another unit in ``unit`` is refused like a missing one.
    """
    check_filter_unit(rt, principal, unit)
    where = where or repo.DocumentFilter()
    with rt.session() as s:
        rows = repo.list_documents(
            s, units=visible_units(principal, unit), where=where, after=after, limit=limit + 1
        )
        page = rows[:limit]
        items = [shape(d) for d in page]
        last = page[-1] if len(rows) > limit else None
        next_after = repo.position_of(last, where) if last is not None else None
    detail: dict[str, object] = {
        "filter": {
            "status": where.status,
            "type": where.document_type,
            "from": where.created_from.isoformat() if where.created_from else None,
            "to": where.created_before.isoformat() if where.created_before else None,
            "changed_since": where.changed_since.isoformat() if where.changed_since else None,
            "after": [after[0].isoformat(), after[1]] if after else None,
        },
        "documents": [d.id for d in page],
    }
    _audit_reading(rt, principal, "document.list", unit, detail, via)
    return DocumentListing(items, next_after)


def _audit_reading(
    rt: Runtime,
    principal: Principal,
    action: str,
    unit: str | None,
    detail: dict[str, object],
    via: str | None,
) -> None:
    """Record a search or listing: what it asked and which documents it showed (a list of
    citizens' papers is read as much as one opened), with the channel when a page asked."""
    audit_read(
        rt,
        principal,
        action=action,
        object_type="search",
        object_id="-",
        unit_code=unit,
        detail=detail | ({"via": via} if via is not None else {}),
    )
