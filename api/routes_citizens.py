"""Reuse instead of asking again: another system fetches a citizen's digitised papers by ID number.

Agencies still ask citizens for certified copies of papers a commune already
digitised. A ``system`` key granted ``reuse`` (per unit or per province,
``ApiKey.reuse_scope``; admins too) asks ``GET /citizens/{id_number}/documents``
and gets the papers whose ID number was read with confidence or corrected by a
person (``storage.people.trusted_id_match``), each with its certification if
it has one, and fetches the file through the same path, which re-checks the
match: the grant opens a citizen's papers to whoever knows their ID number
and states why, not a unit's archive.

Every look-up and every file fetched is audited with the asking key and the
stated ``purpose`` (required), one row per unit whose papers were answered
(a unit sees who read its citizens' papers) or one row naming no unit when
nothing matched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api import downloads
from api.access_audit import audit_read
from api.downloads import Blob
from api.error_responses import ApiError
from api.principal import Principal
from api.runtime_dependency import RuntimeDep
from api.schemas import PREFIX
from api.security import require
from classifiers.doctypes import DOCUMENT_TYPES, label
from core.vietnamese import nfc
from pipeline.runtime import Runtime
from storage import people
from storage.apikeys import PROVINCE

router = APIRouter(prefix=PREFIX, tags=["reuse"])

Reuser = Annotated[Principal, Depends(require("reuse"))]
IdNumber = Annotated[
    str,
    Path(
        pattern=r"^(\d{9}|\d{12})$",
        description="The citizen's personal ID number (12 digits) or old ID card (9).",
    ),
]
Purpose = Annotated[
    str,
    Query(
        min_length=3,
        max_length=255,
        description="Why the papers are needed (recorded with the look-up), e.g. the "
        "procedure and its dossier code at the asking agency.",
    ),
]


class CertifiedOut(BaseModel):
    id: str
    number: int
    book: str
    certified_at: datetime
    pdf_sha256: str | None


class ReusableOut(BaseModel):
    document_id: str
    unit_code: str
    dossier_code: str
    document_type: str | None
    document_type_label: str | None
    page_count: int
    digitised_at: datetime | None
    matched_field: str = Field(description="id_number or old_id_number")
    certification: CertifiedOut | None
    links: dict[str, str]


class ReusableList(BaseModel):
    items: list[ReusableOut]


def _purpose(value: str) -> str:
    value = " ".join(nfc(value).split())
    if len(value) < 3 or not value.isprintable():
        raise ApiError(422, "invalid_purpose", "purpose: say why the papers are needed")
    return value


def _scope(principal: Principal) -> tuple[list[str] | None, list[str]]:
    if principal.role == "admin":
        return None, []
    units = [e for e in principal.reuse_scope if not e.startswith(PROVINCE)]
    provinces = [e.removeprefix(PROVINCE) for e in principal.reuse_scope if e.startswith(PROVINCE)]
    return units, provinces


def _find(
    rt: Runtime, principal: Principal, id_number: str, document_type: str | None, limit: int = 100
) -> list[people.ReusableDocument]:
    units, provinces = _scope(principal)
    with rt.session() as s:
        found = people.reusable_documents(
            s,
            id_number,
            unit_codes=units,
            provinces=provinces,
            document_type=document_type,
            limit=limit,
        )
        s.expunge_all()
    # The SQL bound is the grant's; checked once more per paper, on the same rule.
    return [r for r in found if principal.may_reuse_in(r.document.unit_code)]


def _audit(
    rt: Runtime,
    principal: Principal,
    action: str,
    id_number: str,
    found: list[people.ReusableDocument],
    **detail: object,
) -> None:
    by_unit: dict[str | None, list[str]] = {}
    for r in found:
        by_unit.setdefault(r.document.unit_code, []).append(r.document.id)
    for unit, ids in (by_unit or {None: []}).items():
        audit_read(
            rt,
            principal,
            action=action,
            object_type="citizen",
            object_id=id_number,
            unit_code=unit,
            detail={"documents": ids, **detail},
        )


@router.get("/citizens/{id_number}/documents", response_model=ReusableList)
def citizen_documents(
    rt: RuntimeDep,
    id_number: IdNumber,
    purpose: Purpose,
    principal: Reuser,
    document_type: Annotated[
        str | None, Query(alias="type", max_length=64, description="e.g. birth_certificate")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=people.MAX_REUSE)] = 20,
) -> ReusableList:
    """The citizen's digitised papers (and their certifications) in the key's reuse grant.

    Only papers whose ID number was read with confidence or corrected by a person;
    the look-up is audited with the key and ``purpose``."""
    reason = _purpose(purpose)
    if document_type is not None and document_type not in DOCUMENT_TYPES:
        raise ApiError(422, "unknown_document_type", f"no document type {document_type!r}")
    found = _find(rt, principal, id_number, document_type, limit)
    _audit(rt, principal, "citizen.lookup", id_number, found, purpose=reason, type=document_type)
    base = f"{PREFIX}/citizens/{id_number}/documents"
    return ReusableList(
        items=[
            ReusableOut(
                document_id=r.document.id,
                unit_code=r.document.unit_code,
                dossier_code=r.dossier_code,
                document_type=r.document.document_type,
                document_type_label=label(r.document.document_type)
                if r.document.document_type
                else None,
                page_count=r.document.page_count,
                digitised_at=r.document.done_at,
                matched_field=r.field,
                certification=CertifiedOut(
                    id=r.certification.id,
                    number=r.certification.number,
                    book=r.certification.book_label,
                    certified_at=r.certification.certified_at,
                    pdf_sha256=r.certification.pdf_sha256,
                )
                if r.certification is not None
                else None,
                links={"pdf": f"{base}/{r.document.id}/pdf"},
            )
            for r in found
        ]
    )


@router.get(
    "/citizens/{id_number}/documents/{document_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def citizen_document_pdf(
    rt: RuntimeDep,
    id_number: IdNumber,
    document_id: Annotated[str, Path(max_length=36)],
    purpose: Purpose,
    principal: Reuser,
) -> Response:
    """The paper's certified copy if it has one, else its searchable PDF/A (audited).

    404 ``document_not_found`` unless the document is one the look-up would answer."""
    reason = _purpose(purpose)
    found = [r for r in _find(rt, principal, id_number, None) if r.document.id == document_id]
    if not found:
        _audit(rt, principal, "citizen.download", id_number, [], purpose=reason, missed=document_id)
        raise ApiError(404, "document_not_found", f"no document {document_id} for this citizen")
    paper = found[0]
    certified = paper.certification
    if certified is not None and certified.pdf_key and certified.pdf_sha256:
        key, sha, name = (
            certified.pdf_key,
            certified.pdf_sha256,
            f"ban-sao-chung-thuc-{certified.number}.pdf",
        )
    elif paper.document.pdf_key and paper.document.pdf_sha256:
        key, sha = paper.document.pdf_key, paper.document.pdf_sha256
        name = f"{document_id}.pdf"
    else:
        raise ApiError(409, "not_ready", f"document {document_id} has no PDF")
    _audit(
        rt,
        principal,
        "citizen.download",
        id_number,
        found,
        purpose=reason,
        part="certified_copy" if certified is not None else "pdf",
    )
    return downloads.streamed_response(rt.store, Blob(key, sha, "application/pdf", name))
