"""Dossiers as the API and the pages see them: open one, read one with its documents, list them.

Each function runs its own transaction inside ``api.scope.scoped`` (a dossier
of another unit answers like a missing one) and records the read or change
after the transaction, so the API and the pages audit a read the same way.
What a caller shows is its own business: a ``shape`` function turns the rows
into the caller's view while the transaction still holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from api.error_responses import ApiError
from api.principal import Principal
from api.scope import audit, channel, check_filter_unit, resolve_dossier, scoped, visible_units
from classifiers.checklists import Checklist, Procedures, dossier_checklist, load_procedures
from pipeline.runtime import Runtime
from pipeline.webhook_delivery import notify_dossier
from storage import repository as repo
from storage.models import Document, Dossier

View = TypeVar("View")


@dataclass(frozen=True)
class DossierChanges:
    """What a caller may set on a dossier; None leaves the stored value alone."""

    procedure_code: str | None = None
    received_date: date | None = None
    callback_url: str | None = None
    applicant: repo.Applicant | None = None


def save_dossier(
    rt: Runtime,
    principal: Principal,
    code: str,
    unit: str | None,
    changes: DossierChanges,
    shape: Callable[[Dossier, int], View],
    *,
    may_update: bool = True,
    via: str | None = None,
) -> tuple[View, bool, str | None]:
    """Create the dossier, or update it when ``may_update``; (view, created, new secret).

    Setting a ``callback_url`` gives the dossier its own webhook signing secret the
    first time: returned here once (the PUT answer shows it), never shown again.

    ``unit`` is required to create; for an existing dossier it picks which
    one when the code is in several of the key's units. With ``may_update``
    False an existing dossier is refused (409 ``dossier_exists``): the
    counter's form opens new dossiers only.
    """
    with scoped(rt, principal, "dossier", code), rt.session() as s:
        try:
            dossier = resolve_dossier(s, principal, code, unit)
            created = False
        except ApiError as exc:
            if exc.code != "dossier_not_found":
                raise
            if unit is None:
                raise ApiError(
                    422, "unit_required", "unit is required to create a dossier"
                ) from None
            dossier, created = _new_dossier(s, unit, code), True
        if not created and not may_update:
            raise ApiError(409, "dossier_exists", f"dossier {code} exists in unit {unit}")
        repo.upsert_dossier(
            s,
            dossier.unit_code,
            dossier.code,
            procedure_code=changes.procedure_code,
            received_date=changes.received_date,
            callback_url=changes.callback_url,
            applicant=changes.applicant,
        )
        secret = repo.ensure_webhook_secret(dossier) if changes.callback_url else None
        s.flush()
        view = shape(dossier, repo.count_documents(s, dossier.id))
    action = "dossier.create" if created else "dossier.update"
    audit(
        rt,
        principal,
        action,
        dossier,
        **channel(via),
        **({"webhook_secret": "made"} if secret else {}),
    )
    return view, created, secret


def rotate_webhook_secret(
    rt: Runtime, principal: Principal, code: str, unit: str | None, *, via: str | None = None
) -> str:
    """A new webhook signing secret for the dossier (the old one stops at once); audited.

    409 ``no_callback_url`` for a dossier that sends no events.
    """
    with scoped(rt, principal, "dossier", code), rt.session() as s:
        dossier = resolve_dossier(s, principal, code, unit)
        if not dossier.callback_url:
            raise ApiError(409, "no_callback_url", f"dossier {code} has no callback_url")
        secret = repo.ensure_webhook_secret(dossier, rotate=True)
        assert secret is not None
    audit(rt, principal, "dossier.webhook_secret_rotated", dossier, **channel(via))
    return secret


def _new_dossier(s: Session, unit: str, code: str) -> Dossier:
    try:
        repo.ensure_unit(s, unit)
        return repo.upsert_dossier(s, unit, code)
    except ValueError as exc:
        raise ApiError(422, "invalid_code", str(exc)) from None


def read_dossier(
    rt: Runtime,
    principal: Principal,
    code: str,
    unit: str | None,
    shape: Callable[[Dossier, list[Document]], View],
    *,
    with_pages: bool = False,
    via: str | None = None,
    part: str | None = None,
) -> View:
    """One dossier with its documents (and their pages when asked), its read recorded
    (with ``part`` when only a part of it is shown, as the receipt)."""
    with scoped(rt, principal, "dossier", code), rt.session() as s:
        dossier = resolve_dossier(s, principal, code, unit)
        view = shape(dossier, repo.dossier_documents(s, dossier.id, with_pages=with_pages))
    detail = channel(via) | ({"part": part} if part else {})
    audit(rt, principal, "dossier.read", dossier, **detail)
    return view


def list_dossiers(
    rt: Runtime,
    principal: Principal,
    shape: Callable[[Dossier, int, Checklist | None], View],
    *,
    unit: str | None = None,
    code_part: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
    after: tuple[datetime, int] | None = None,
) -> tuple[int, list[View], tuple[datetime, int] | None]:
    """The key's dossiers (of ``unit`` if given), newest first: (total, one page of views,
    the keyset of the next page or None).

    Listing records no audit event: it shows codes and counts, no citizen's
    document; opening a dossier or searching the documents' text does.
    """
    check_filter_unit(rt, principal, unit)
    with rt.session() as s:
        total, rows = repo.list_dossiers(
            s,
            units=visible_units(principal, unit),
            code_part=code_part,
            received_from=received_from,
            received_to=received_to,
            limit=limit + 1,
            offset=offset,
            after=after,
        )
        more, rows = len(rows) > limit, rows[:limit]
        next_after = (rows[-1][0].created_at, rows[-1][0].id) if more and rows else None
        # The checklist status of the page's dossiers only: one more query, on their ids.
        held = repo.documents_of_dossiers(s, [dossier.id for dossier, _ in rows])
        return (
            total,
            [
                shape(dossier, count, checklist_of(rt, dossier, held[dossier.id]))
                for dossier, count in rows
            ],
            next_after,
        )


def procedures(rt: Runtime) -> Procedures:
    """The papers each procedure needs: the packaged table or ``SOHOA_PROCEDURES_FILE``."""
    return load_procedures(rt.settings.procedures_file)


def checklist_of(rt: Runtime, dossier: Dossier, documents: Sequence[Document]) -> Checklist | None:
    """The dossier's checklist against its documents; None when its procedure has none."""
    return dossier_checklist(
        procedures(rt), dossier.procedure_code, documents, dossier.checklist_marks
    )


def mark_checklist_item(
    rt: Runtime,
    principal: Principal,
    code: str,
    unit: str | None,
    key: str,
    shape: Callable[[Dossier, list[Document]], View],
    *,
    ticked: bool = True,
    document_id: str | None = None,
    via: str | None = None,
) -> View:
    """Tick (or untick) an item of the dossier's checklist by hand, naming the document
    that satisfies it when there is one; the change is audited.

    A clerk ticks what no classifier can tell (a hospital's birth notice) or what it
    got wrong; the item and the document must belong to this dossier's procedure.
    """
    with scoped(rt, principal, "dossier", code), rt.session() as s:
        dossier = resolve_dossier(s, principal, code, unit)
        procedure = procedures(rt).for_code(dossier.procedure_code)
        if procedure is None or key not in {item.key for item in procedure.items}:
            raise ApiError(
                422, "unknown_checklist_item", f"the dossier's procedure has no item {key!r}"
            )
        documents = repo.dossier_documents(s, dossier.id)
        if document_id is not None and document_id not in {d.id for d in documents}:
            raise ApiError(
                422, "document_not_in_dossier", f"document {document_id} is not in this dossier"
            )
        mark = None
        if ticked:
            mark = {
                "by": principal.actor,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "document_id": document_id,
            }
        repo.set_checklist_mark(dossier, key, mark)
        s.flush()
        # A tick may be what completes the dossier: claimed in this transaction, as the
        # pipeline does when a document finishes, so the event goes once whoever completes it.
        completed = (
            repo.claim_completion(s, dossier.id, procedures(rt)) if dossier.callback_url else None
        )
        completed_id = completed.id if completed is not None else None
        view = shape(dossier, documents)
    action = "dossier.checklist_tick" if ticked else "dossier.checklist_untick"
    audit(rt, principal, action, dossier, item=key, **channel(via))
    if completed_id is not None:
        notify_dossier(rt, completed_id, "dossier.complete")
    return view


def filing_units(rt: Runtime, principal: Principal) -> list[str]:
    """Units a new dossier may go to: the key's, or every known unit for an admin."""
    if principal.role != "admin":
        return sorted(principal.units)
    with rt.session() as s:
        return repo.unit_codes(s)
