"""Download routes: the searchable PDF, the original, the text and page images.

Each checks the key and its unit, records the read, answers 304 to a current
``If-None-Match``, and serves bytes verified against their recorded SHA-256
(``api.downloads``); ``redirect=true`` hands out a short-lived S3 URL instead.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from api import downloads
from api.downloads import Blob
from api.error_responses import ApiError, ErrorOut
from api.principal import Principal
from api.runtime_dependency import RuntimeDep, current_runtime
from api.scope import Reader, audit, load_document, scoped
from storage.models import Document
from storage.objects import ObjectStoreError

router = APIRouter(tags=["files"])

Redirect = Annotated[
    bool, Query(description="307 to a short-lived URL of the S3 store (local store: served here)")
]


def _not_ready(document: Document) -> ApiError:
    return ApiError(
        409, "not_ready", f"document {document.id} is {document.status}, not done; see its status"
    )


def _serve(
    request: Request,
    principal: Principal,
    document: Document,
    blob: Blob,
    *,
    part: str,
    stream: bool,
    redirect: bool = False,
) -> Response:
    """Audit, then 304, a presigned redirect, or the verified bytes."""
    rt = current_runtime(request)
    tag = downloads.etag(blob.sha256)
    fresh = downloads.matches_etag(request, tag)
    audit(rt, principal, "document.download", document, part=part, not_modified=fresh)
    if fresh:
        return downloads.not_modified(tag)
    store = rt.store
    if redirect:
        moved = downloads.presigned_redirect(store, blob)
        if moved is not None:
            return moved
    if stream:
        return downloads.streamed_response(store, blob)
    return downloads.small_response(store, blob)


def _stem(filename: str) -> str:
    stem, dot, _ = filename.rpartition(".")
    return stem if dot and stem else filename


def _file_responses(*types: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI description of a download: its content types and other answers."""
    return {
        200: {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in types}},
        304: {"description": "If-None-Match named the current ETag"},
        307: {"description": "redirect=true on an S3 store: a short-lived presigned URL"},
        409: {"model": ErrorOut, "description": "not_ready: not digitised yet"},
    }


@router.get(
    "/documents/{document_id}/pdf",
    response_class=Response,
    responses=_file_responses("application/pdf"),
)
def download_pdf(
    rt: RuntimeDep,
    document_id: str,
    request: Request,
    principal: Reader,
    redirect: Redirect = False,
) -> Response:
    """The searchable PDF/A (409 ``not_ready`` until the document is done)."""
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = load_document(s, principal, document_id)
        if document.status != "done" or not document.pdf_key or not document.pdf_sha256:
            raise _not_ready(document)
        blob = Blob(
            document.pdf_key,
            document.pdf_sha256,
            "application/pdf",
            f"{_stem(document.filename)}.pdf",
        )
    return _serve(request, principal, document, blob, part="pdf", stream=True, redirect=redirect)


@router.get(
    "/documents/{document_id}/original",
    response_class=Response,
    responses=_file_responses(
        "application/pdf", "image/tiff", "image/jpeg", "image/png", "image/webp", "image/heic"
    ),
)
def download_original(
    rt: RuntimeDep,
    document_id: str,
    request: Request,
    principal: Reader,
    redirect: Redirect = False,
) -> Response:
    """The file as it was handed in, byte for byte."""
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = load_document(s, principal, document_id)
        blob = Blob(
            document.original_key,
            document.sha256,
            document.content_type,
            document.filename,
            size=document.size,
        )
    return _serve(
        request, principal, document, blob, part="original", stream=True, redirect=redirect
    )


@router.get(
    "/documents/{document_id}/text",
    response_class=Response,
    responses=_file_responses("text/plain"),
)
def download_text(
    rt: RuntimeDep, document_id: str, request: Request, principal: Reader
) -> Response:
    """The text, UTF-8 NFC, pages separated by form feeds (409 ``not_ready`` until done)."""
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = load_document(s, principal, document_id)
        if document.status != "done" or not document.text_key or not document.text_sha256:
            raise _not_ready(document)
        blob = Blob(
            document.text_key,
            document.text_sha256,
            "text/plain; charset=utf-8",
            f"{_stem(document.filename)}.txt",
        )
    return _serve(request, principal, document, blob, part="text", stream=False)


@router.get(
    "/documents/{document_id}/pages/{number}/image",
    response_class=Response,
    responses=_file_responses("image/jpeg", "image/png"),
)
def page_image(
    rt: RuntimeDep,
    document_id: str,
    number: int,
    request: Request,
    principal: Reader,
    size: Literal["thumb", "full"] = "full",
) -> Response:
    """A page image: ``thumb`` the small PNG, ``full`` the archival image (JPEG, else PNG).

    409 ``not_ready`` while the page is not done; 404 ``page_image_not_found``
    for a PDF page kept with its own text (it has no scanned image: see the PDF).
    """
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = load_document(s, principal, document_id)
        page = next((p for p in document.pages if p.number == number), None)
        if page is None:
            raise ApiError(404, "page_not_found", f"document {document_id} has no page {number}")
        if page.status != "done":
            raise ApiError(409, "not_ready", f"page {number} is {page.status}, not done")
        stem = f"{_stem(document.filename)}-{number}"
        if size == "thumb":
            if not page.thumbnail_key or not page.thumbnail_sha256:
                raise ApiError(404, "page_image_not_found", f"page {number} has no thumbnail")
            blob = Blob(page.thumbnail_key, page.thumbnail_sha256, "image/png", f"{stem}.png")
            report = None
        else:
            if not (
                page.image_key and page.image_sha256 and page.result_key and page.result_sha256
            ):
                raise ApiError(
                    404,
                    "page_image_not_found",
                    f"page {number} was kept with its own text and has no scanned image",
                )
            blob = Blob(page.image_key, page.image_sha256, "image/jpeg", f"{stem}.jpg")
            report = (page.result_key, page.result_sha256)
    if report is None:
        return _serve(request, principal, document, blob, part=f"thumb-{number}", stream=False)
    return _full_page_image(request, principal, document, blob, report, number)


def _full_page_image(
    request: Request,
    principal: Principal,
    document: Document,
    blob: Blob,
    report: tuple[str, str],
    number: int,
) -> Response:
    """The archival page image; its encoding is read from the page report first."""
    rt = current_runtime(request)
    tag = downloads.etag(blob.sha256)
    fresh = downloads.matches_etag(request, tag)
    audit(rt, principal, "document.download", document, part=f"page-{number}", not_modified=fresh)
    if fresh:
        return downloads.not_modified(tag)
    store = rt.store
    try:
        meta = downloads.page_image_meta(store.get_bytes(*report))
        data = store.get_bytes(blob.key, blob.sha256)
    except ObjectStoreError as exc:
        raise downloads.store_error(exc, blob.key) from exc
    return downloads.page_image_response(data, meta, blob)
