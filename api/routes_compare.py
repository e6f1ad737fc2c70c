"""Compare a copy with its original (certification officers), and the saved comparisons.

Officers (``verify``) and admins compare; both documents must be in the key's
units (another unit's answers 404, as everywhere) and digitised. The
comparison is stored with the officer, the time and both documents' units, and
audited on both documents.

A comparison shows both documents (the citizen's words, the report naming both
dossiers and file hashes, the overlay of the original page), so it can be read
again, its overlays shown and its report downloaded only by a key that may
verify in *both* units: an officer of one side alone gets the 404 of a missing
comparison, recorded as ``access.denied``, and never sees it listed. Every read
is audited (``comparison.read``, ``comparison.download``) with the comparison's
id and both document ids.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api import downloads
from api.downloads import Blob
from api.error_responses import ApiError
from api.principal import Principal
from api.runtime_dependency import RuntimeDep
from api.schemas import MAX_OFFSET, PREFIX
from api.scope import audit, load_document, scoped
from api.security import require
from api.services import comparison_service
from compare.service import NotComparable, Side, overlay_png, pages_to_compare, report_pdf
from compare.service import run_comparison as run
from storage.models import Comparison

router = APIRouter(prefix=PREFIX, tags=["compare"])

Verifier = Annotated[Principal, Depends(require("verify"))]
MAX_LIST = 100


class PageRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: str = Field(min_length=1, max_length=36)
    page: int | None = Field(None, ge=1, le=100000, description="Omit to compare every page.")

    @field_validator("document_id")
    @classmethod
    def _printable(cls, value: str) -> str:
        # PostgreSQL text cannot hold NUL: looking such an id up was a 500.
        if not value.isprintable():
            raise ValueError("must be printable text")
        return value


class CompareIn(BaseModel):
    """The original scan and the copy presented (a page of each, or whole documents)."""

    model_config = ConfigDict(extra="forbid")

    original: PageRef
    copy_: PageRef = Field(alias="copy")


class ComparisonOut(BaseModel):
    id: str
    verdict: str = Field(description="identical | differences | manual_check")
    verdict_text: str = Field(description="The verdict line for the officer, in Vietnamese.")
    reason: str
    difference_count: int
    officer: str
    created_at: datetime
    original: dict[str, Any]
    copy_: dict[str, Any] = Field(serialization_alias="copy")
    pages: list[dict[str, Any]]
    links: dict[str, Any]


class ComparisonList(BaseModel):
    total: int
    items: list[ComparisonOut]


def comparison_out(comparison: Comparison, *, with_pages: bool = True) -> ComparisonOut:
    result = comparison.result
    base = f"{PREFIX}/comparisons/{comparison.id}"
    return ComparisonOut(
        id=comparison.id,
        verdict=comparison.verdict,
        verdict_text=result.get("verdict_line", ""),
        reason=result.get("reason", ""),
        difference_count=comparison.difference_count,
        officer=comparison.actor,
        created_at=comparison.created_at,
        original={
            "document_id": comparison.original_document_id,
            "pages": comparison.original_pages,
        },
        copy_={"document_id": comparison.copy_document_id, "pages": comparison.copy_pages},
        pages=result.get("pages", []) if with_pages else [],
        links={
            "self": base,
            "report_pdf": f"{base}/report.pdf",
            "overlay": f"{base}/pages/{{n}}/overlay.png",
            "overlays": [f"{base}/pages/{o['page']}/overlay.png" for o in comparison.overlays],
        },
    )


@router.post(
    "/compare", status_code=201, response_model=ComparisonOut, response_model_by_alias=True
)
def compare(rt: RuntimeDep, body: CompareIn, principal: Verifier) -> ComparisonOut:
    """Compare the copy with the original; the result is saved (officer, time) and audited.

    409 ``document_not_ready`` until both are digitised; 422 ``page_not_found``,
    ``page_count_mismatch`` or ``page_not_comparable``.
    """
    refs = {"original": body.original, "copy": body.copy_}
    sides = {}
    for role, ref in refs.items():
        # Comparing reads both documents: each must be in the key's units.
        with scoped(rt, principal, "document", ref.document_id), rt.session() as s:
            document = load_document(s, principal, ref.document_id)
            try:
                sides[role] = Side(document.id, pages_to_compare(document, ref.page))
            except NotComparable as exc:
                status = 409 if exc.code == "document_not_ready" else 422
                raise ApiError(status, exc.code, str(exc)) from None
    try:
        comparison_id = run(rt, sides["original"], sides["copy"], actor=principal.actor)
    except NotComparable as exc:
        raise ApiError(422, exc.code, str(exc)) from None
    with rt.session() as s:
        comparison = s.get(Comparison, comparison_id)
        assert comparison is not None
        out = comparison_out(comparison)
        documents = [
            load_document(s, principal, sides[r].document_id) for r in ("original", "copy")
        ]
    for role, document in zip(("original", "copy"), documents, strict=True):
        audit(
            rt,
            principal,
            "document.compare",
            document,
            comparison=comparison_id,
            role=role,
            verdict=out.verdict,
        )
    return out


@router.get("/comparisons", response_model=ComparisonList, response_model_by_alias=True)
def list_comparisons(
    rt: RuntimeDep,
    principal: Verifier,
    document: Annotated[str | None, Query(max_length=36, description="Either side.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ComparisonList:
    """Comparisons whose both documents are in the key's units, newest first.

    Without their page details (no citizen's words): like the dossier list,
    the listing itself is not audited; opening one is.
    """
    total, items = comparison_service.list_comparisons(
        rt,
        principal,
        lambda c: comparison_out(c, with_pages=False),
        document_id=document,
        limit=limit,
        offset=offset,
    )
    return ComparisonList(total=total, items=items)


@router.get(
    "/comparisons/{comparison_id}", response_model=ComparisonOut, response_model_by_alias=True
)
def get_comparison(rt: RuntimeDep, comparison_id: str, principal: Verifier) -> ComparisonOut:
    """A saved comparison: its verdict, word changes and image regions (the read is audited)."""
    return comparison_service.read_comparison(rt, principal, comparison_id, comparison_out)


@router.get(
    "/comparisons/{comparison_id}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def comparison_report(rt: RuntimeDep, comparison_id: str, principal: Verifier) -> Response:
    """The comparison as a PDF report (Vietnamese), to file with the certification."""
    comparison = comparison_service.load_comparison(rt, principal, comparison_id)
    data = report_pdf(rt, comparison.id)
    blob = Blob(
        f"comparisons/{comparison.id}",
        hashlib.sha256(data).hexdigest(),
        "application/pdf",
        f"doi-chieu-{comparison.id[:8]}.pdf",
    )
    comparison_service.record_comparison_read(
        rt, principal, "comparison.download", comparison, part="report"
    )
    return downloads.bytes_response(data, blob, downloads.etag(blob.sha256))


@router.get(
    "/comparisons/{comparison_id}/pages/{number}/overlay.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def comparison_overlay(
    rt: RuntimeDep,
    comparison_id: str,
    number: Annotated[int, Path(ge=1, le=100000)],
    request: Request,
    principal: Verifier,
) -> Response:
    """The original page with removed (red) and added (blue) marks and changed words boxed."""
    comparison = comparison_service.load_comparison(rt, principal, comparison_id)
    data = overlay_png(rt, comparison, number)
    if data is None:
        raise ApiError(404, "page_not_found", f"comparison {comparison_id} has no page {number}")
    sha = hashlib.sha256(data).hexdigest()
    tag = downloads.etag(sha)
    fresh = downloads.matches_etag(request, tag)
    # Like a document's page image: a revalidation is a read too (the browser shows it again).
    comparison_service.record_comparison_read(
        rt,
        principal,
        "comparison.download",
        comparison,
        part=f"overlay-{number}",
        not_modified=fresh,
    )
    if fresh:
        return downloads.not_modified(tag)
    blob = Blob(
        f"comparisons/{comparison.id}/{number}",
        sha,
        "image/png",
        f"doi-chieu-{comparison.id[:8]}-trang-{number}.png",
    )
    return downloads.bytes_response(data, blob, tag)
