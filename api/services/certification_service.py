"""Certifications as the API and the officer's page see them: certify, open one, the register.

A register entry names a citizen (the requester) and points at their paper, so
reading one is a read of personal data: in the key's units only (another
unit's answers like one that never existed) and audited (``certification.read``,
``certification.download``, ``certification.register``). Certifying is audited
on the document (``document.certify``) with the number given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from api.access_audit import audit_read
from api.error_responses import ApiError
from api.principal import Principal
from api.scope import audit, channel, check_unit, load_document, scoped
from api.services import comparison_service
from certify import issuing as certification
from pipeline.runtime import Runtime
from storage.models import Certification, Document
from storage.repository import certifications as register

View = TypeVar("View")


def certify(
    rt: Runtime,
    principal: Principal,
    document_id: str,
    order: dict[str, Any],
    *,
    verification_url: Callable[[str], str],
) -> Certification:
    """Certify the document in the key's units (and the comparison's, when one is named)."""
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = load_document(s, principal, document_id)
        document_id = document.id
    if order.get("comparison_id"):
        # The comparison joins two documents: the officer must see both units.
        comparison_service.load_comparison(rt, principal, order["comparison_id"])
    try:
        certification_id = certification.certify(
            rt,
            certification.CertifyOrder(
                document_id=document_id,
                officer=principal.actor,
                officer_name=principal.name,
                **{k: v for k, v in order.items() if v is not None},
            ),
            verification_url=verification_url,
        )
    except certification.NotCertifiable as refusal:
        raise ApiError(refusal.status, refusal.code, str(refusal)) from None
    with rt.session() as s:
        entry = s.get(Certification, certification_id)
        document_row = s.get(Document, document_id)
        assert entry is not None and document_row is not None
        _ = document_row.dossier  # loaded for the audit row's unit
        s.expunge_all()
    audit(
        rt,
        principal,
        "document.certify",
        document_row,
        certification=entry.id,
        number=entry.number,
        book=entry.book_label,
    )
    return entry


def load_certification(rt: Runtime, principal: Principal, certification_id: str) -> Certification:
    """The entry if the key sees its unit; else the 404 of a missing one (refusal recorded)."""
    with scoped(rt, principal, "certification", certification_id), rt.session() as s:
        entry = s.get(Certification, certification_id) if len(certification_id) <= 36 else None
        if entry is None:
            raise ApiError(404, "certification_not_found", f"no certification {certification_id}")
        check_unit(principal, entry.unit_code)
        s.expunge(entry)
        return entry


def record_read(
    rt: Runtime, principal: Principal, action: str, entry: Certification, **detail: Any
) -> None:
    audit_read(
        rt,
        principal,
        action=action,
        object_type="certification",
        object_id=entry.id,
        unit_code=entry.unit_code,
        detail={"document_id": entry.document_id, "number": entry.number, **detail},
    )


def read_certification(
    rt: Runtime,
    principal: Principal,
    certification_id: str,
    shape: Callable[[Certification], View],
    *,
    via: str | None = None,
) -> View:
    entry = load_certification(rt, principal, certification_id)
    view = shape(entry)
    record_read(rt, principal, "certification.read", entry, **channel(via))
    return view


def read_register(
    rt: Runtime,
    principal: Principal,
    *,
    units: list[str] | None,
    certified_from: datetime | None,
    certified_before: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
    purpose: str,
) -> register.RegisterPage:
    """A page of the register, its read audited once per unit it covers (names requesters)."""
    with rt.session() as s:
        page = register.list_certifications(
            s,
            units=units,
            certified_from=certified_from,
            certified_before=certified_before,
            after=after,
            limit=limit,
        )
        s.expunge_all()
    for unit in sorted({entry.unit_code for entry in page.items}):
        audit_read(
            rt,
            principal,
            action="certification.register",
            object_type="register",
            object_id=unit,
            unit_code=unit,
            detail={
                "part": purpose,
                "entries": sum(1 for e in page.items if e.unit_code == unit),
                "from": certified_from.isoformat() if certified_from else None,
                "before": certified_before.isoformat() if certified_before else None,
            },
        )
    return page
