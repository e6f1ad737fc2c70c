"""Certified electronic copies: certify a document, read an entry, download the copy, the register.

Officers (``verify``) and admins certify, in their units; what is certified is
the document's searchable PDF/A with an attestation page, signed with the
unit's key and numbered in the register's electronic book
(``NN/YYYY-SCTĐT/BS``). Any key that reads the unit may open an entry and
download the signed copy (the one-stop software hands it to the citizen);
the register for a period (JSON pages, CSV, PDF) is the officers'. Every read
is audited. The public verification (no key) is ``api.routes_verification``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api import downloads
from api.cursors import FIRST_DAY, LAST_DAY, local_midnight, make_cursor, read_cursor
from api.downloads import Blob
from api.error_responses import ApiError
from api.principal import Principal
from api.runtime_dependency import RuntimeDep
from api.schemas import PREFIX
from api.scope import Reader, check_filter_unit, visible_units
from api.security import require
from api.services import certification_service
from certify import register_book
from certify.issuing import DEFAULT_TITLE
from core.vietnamese import nfc
from pipeline.runtime import Runtime
from storage.models import Certification, Unit
from storage.objects.base import content_disposition

router = APIRouter(prefix=PREFIX, tags=["certify"])

Verifier = Annotated[Principal, Depends(require("verify"))]
MAX_PERIOD_DAYS = 366
"""The longest register export: a book runs per year."""
MAX_EXPORT = 50_000
"""Entries in one export: a commune's busiest year of electronic copies, with room."""
VERIFY_PAGE = "/xac-minh"


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(nfc(value).split())
    if not value.isprintable():
        raise ValueError("must be printable text")
    return value or None


class CertifyIn(BaseModel):
    """What the officer adds to the certification: the comparison it rests on, the register's
    columns (requester, copies, fee, notes) and the title printed under their name."""

    model_config = ConfigDict(extra="forbid")

    comparison_id: str | None = Field(
        None, max_length=36, description="The comparison of this copy with its original."
    )
    requester: str | None = Field(None, max_length=255, examples=["Nguyễn Văn Đặng"])
    copies: int = Field(1, ge=1, le=100, description="Copies issued under this number.")
    fee: int | None = Field(None, ge=0, le=100_000_000, description="Fee, VND.")
    note: str | None = Field(None, max_length=1024)
    officer_title: str = Field(DEFAULT_TITLE, min_length=1, max_length=255)

    @field_validator("comparison_id", "requester", "note", "officer_title")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return _clean(value)


class CertificationOut(BaseModel):
    id: str
    number: int
    book: str = Field(description="e.g. 01/2026-SCTĐT/BS")
    certified_at: datetime
    unit_code: str
    dossier_code: str
    document_id: str
    document_type: str | None
    paper: str = Field(description="The paper's name as the register writes it.")
    original_document_id: str | None
    comparison_id: str | None
    requester: str | None
    copies: int
    fee: int | None
    officer: str
    officer_name: str
    officer_title: str
    note: str | None
    signer: str | None = Field(description="The certificate that signed the copy.")
    pdf_sha256: str | None
    links: dict[str, str]


class RegisterOut(BaseModel):
    items: list[CertificationOut]
    next_cursor: str | None


def certification_out(entry: Certification) -> CertificationOut:
    base = f"{PREFIX}/certifications/{entry.id}"
    return CertificationOut(
        id=entry.id,
        number=entry.number,
        book=entry.book_label,
        certified_at=entry.certified_at,
        unit_code=entry.unit_code,
        dossier_code=entry.dossier_code,
        document_id=entry.document_id,
        document_type=entry.document_type,
        paper=entry.paper,
        original_document_id=entry.original_document_id,
        comparison_id=entry.comparison_id,
        requester=entry.requester,
        copies=entry.copies,
        fee=entry.fee,
        officer=entry.officer,
        officer_name=entry.officer_name,
        officer_title=entry.officer_title,
        note=entry.note,
        signer=entry.signer,
        pdf_sha256=entry.pdf_sha256,
        links={
            "self": base,
            "pdf": f"{base}/pdf",
            "document": f"{PREFIX}/documents/{entry.document_id}",
            "verify": f"{VERIFY_PAGE}/{entry.id}",
        },
    )


def verification_url(rt: Runtime, request: Request) -> Any:
    """Where the QR code points: ``SOHOA_PUBLIC_URL`` or the address this request came to."""
    base = rt.settings.public_url or str(request.base_url)
    return lambda certification_id: f"{base.rstrip('/')}{VERIFY_PAGE}/{certification_id}"


@router.post("/documents/{document_id}/certify", status_code=201, response_model=CertificationOut)
def certify_document(
    rt: RuntimeDep, document_id: str, body: CertifyIn, request: Request, principal: Verifier
) -> CertificationOut:
    """Certify the copy: the register's next number, the signed certified copy (audited).

    409 ``document_not_ready``, ``already_certified``, ``comparison_differences`` (not
    cleared), ``original_not_ready``; 422 ``comparison_not_of_document``; 503 when the
    unit's key cannot sign (``no_key_configured``, ``certificate_expired``, …).
    """
    entry = certification_service.certify(
        rt,
        principal,
        document_id,
        body.model_dump(),
        verification_url=verification_url(rt, request),
    )
    return certification_out(entry)


@router.get("/certifications", response_model=RegisterOut)
def list_certifications(
    rt: RuntimeDep,
    principal: Verifier,
    date_from: Annotated[date | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY)] = None,
    date_to: Annotated[
        date | None, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="Inclusive.")
    ] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> RegisterOut:
    """The register of the key's units (or ``unit``) in signing order, a page at a time
    (``next_cursor``); days are Vietnam's. Each page read is audited."""
    check_filter_unit(rt, principal, unit)
    page = certification_service.read_register(
        rt,
        principal,
        units=visible_units(principal, unit),
        certified_from=local_midnight(date_from) if date_from else None,
        certified_before=local_midnight(date_to + timedelta(days=1)) if date_to else None,
        after=read_cursor(cursor) if cursor else None,
        limit=limit,
        purpose="list",
    )
    return RegisterOut(
        items=[certification_out(e) for e in page.items],
        next_cursor=make_cursor(page.next_after) if page.next_after else None,
    )


def _export(
    rt: Runtime, principal: Principal, unit: str | None, date_from: date, date_to: date, kind: str
) -> tuple[register_book.RegisterPeriod, list[register_book.RegisterEntry]]:
    if date_to < date_from or (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise ApiError(422, "invalid_period", f"from ≤ to, at most {MAX_PERIOD_DAYS} days")
    if unit is None:
        if principal.role == "admin" or len(principal.units) != 1:
            raise ApiError(422, "unit_required", "name the unit of the register: ?unit=")
        unit = next(iter(principal.units))
    check_filter_unit(rt, principal, unit)
    page = certification_service.read_register(
        rt,
        principal,
        units=[unit],
        certified_from=local_midnight(date_from),
        certified_before=local_midnight(date_to + timedelta(days=1)),
        after=None,
        limit=MAX_EXPORT + 1,
        purpose=kind,
    )
    if page.next_after is not None:
        raise ApiError(422, "period_too_large", f"more than {MAX_EXPORT} entries: a shorter period")
    with rt.session() as s:
        row = s.get(Unit, unit)
        unit_name = row.name if row is not None else None
    entries = sorted(page.items, key=lambda e: (e.year, e.book, e.number))
    return (
        register_book.RegisterPeriod(unit, unit_name, date_from, date_to),
        [
            register_book.RegisterEntry(
                number=e.number,
                book_label=e.book_label,
                certified_at=e.certified_at,
                requester=e.requester,
                paper=e.paper,
                copies=e.copies,
                officer_name=e.officer_name,
                officer_title=e.officer_title,
                fee=e.fee,
                note=e.note,
                dossier_code=e.dossier_code,
                document_id=e.document_id,
            )
            for e in entries
        ],
    )


def _attachment(data: bytes, media_type: str, filename: str) -> Response:
    """A register export: a download, never cached (it names citizens)."""
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )


Period = Annotated[date, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY)]
PeriodEnd = Annotated[date, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="Inclusive.")]
UnitQuery = Annotated[str | None, Query(max_length=64)]


@router.get(
    "/certifications/register.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_register_csv(
    rt: RuntimeDep,
    principal: Verifier,
    date_from: Period,
    date_to: PeriodEnd,
    unit: UnitQuery = None,
) -> Response:
    """The unit's register for a period with the paper register's columns, as CSV (audited)."""
    period, entries = _export(rt, principal, unit, date_from, date_to, "csv")
    name = f"so-chung-thuc-{period.unit_code}-{date_from}-{date_to}.csv"
    return _attachment(register_book.register_csv(period, entries), "text/csv; charset=utf-8", name)


@router.get(
    "/certifications/register.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def export_register_pdf(
    rt: RuntimeDep,
    principal: Verifier,
    date_from: Period,
    date_to: PeriodEnd,
    unit: UnitQuery = None,
) -> Response:
    """The unit's register for a period as a PDF to print and sign (audited)."""
    period, entries = _export(rt, principal, unit, date_from, date_to, "pdf")
    name = f"so-chung-thuc-{period.unit_code}-{date_from}-{date_to}.pdf"
    return _attachment(register_book.register_pdf(period, entries), "application/pdf", name)


@router.get("/certifications/{certification_id}", response_model=CertificationOut)
def get_certification(rt: RuntimeDep, certification_id: str, principal: Reader) -> CertificationOut:
    """One register entry (the read is audited)."""
    return certification_service.read_certification(
        rt, principal, certification_id, certification_out
    )


@router.get(
    "/certifications/{certification_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def download_certified_copy(
    rt: RuntimeDep, certification_id: str, request: Request, principal: Reader
) -> Response:
    """The signed certified electronic copy, byte for byte as issued (audited)."""
    entry = certification_service.load_certification(rt, principal, certification_id)
    if not entry.pdf_key or not entry.pdf_sha256:
        raise ApiError(409, "not_ready", f"certification {entry.id} has no copy")
    blob = Blob(
        entry.pdf_key,
        entry.pdf_sha256,
        "application/pdf",
        f"ban-sao-chung-thuc-{entry.number}-{entry.year}.pdf",
    )
    tag = downloads.etag(entry.pdf_sha256)
    fresh = downloads.matches_etag(request, tag)
    certification_service.record_read(
        rt, principal, "certification.download", entry, not_modified=fresh
    )
    if fresh:
        return downloads.not_modified(tag)
    return downloads.small_response(rt.store, blob)
