"""Batch scanning with cover sheets: print a dossier's cover sheet, upload a feeder scan.

A clerk prints a cover sheet per dossier (``GET /dossiers/{code}/cover-sheet.pdf``),
puts it on top of that dossier's papers, scans the stacked dossiers into one PDF,
and sends it (``POST /batches``): it is split at the cover sheets
(``ingest.cover_sheets``) and each dossier's pages are filed in it, as the hot
folder (``pipeline.hot_folder``) does with a file saved into a folder.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api import downloads
from api.downloads import Blob
from api.error_responses import ApiError, ErrorOut, error_body
from api.principal import Principal
from api.printouts import cover_sheet_pdf
from api.routes_documents import INPUT_STATUS
from api.runtime_dependency import RuntimeDep
from api.schemas import UploadedDocument, document_url
from api.scope import Reader, Submitter, check_filter_unit
from api.services import dossier_service
from api.uploads import receive_files
from ingest.cover_sheets import REFUSALS, BatchPart, page_span, split_batch, write_part
from ingest.errors import InputError
from pipeline import intake
from pipeline.hot_folder import part_filename
from pipeline.runtime import Runtime
from storage.models import Document, Dossier
from storage.objects import ObjectStoreError

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["batch scanning"])

MIB = 1024 * 1024

_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {"files": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
"""One PDF in the field ``files``, the field every upload of this API uses."""


# ------------------------------------------------------------------ the cover sheet


@router.get(
    "/dossiers/{code}/cover-sheet.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def cover_sheet(
    rt: RuntimeDep, code: str, principal: Reader, unit: Annotated[str | None, Query()] = None
) -> Response:
    """The dossier's A4 cover sheet (QR code, code in large text, unit, procedure), to print.

    Put it on top of the dossier's papers before a batch scan; its QR code tells
    ``POST /batches`` and the hot folder where the following pages go. Reading
    it is a read of the dossier (authorised and audited like ``GET /dossiers/{code}``).
    """
    unit_code, dossier_code, procedure = dossier_service.read_dossier(
        rt, principal, code, unit, _sheet_facts
    )
    data = cover_sheet_pdf(unit=unit_code, dossier=dossier_code, procedure_code=procedure)
    blob = Blob(
        f"cover-sheets/{unit_code}/{dossier_code}",
        hashlib.sha256(data).hexdigest(),
        "application/pdf",
        f"to-bia-{dossier_code}.pdf",
    )
    response = downloads.bytes_response(data, blob, downloads.etag(blob.sha256))
    # Shown in the browser, where the clerk prints it, rather than saved away.
    disposition = response.headers["content-disposition"]
    response.headers["content-disposition"] = disposition.replace("attachment", "inline", 1)
    return response


def _sheet_facts(dossier: Dossier, _documents: list[Document]) -> tuple[str, str, str | None]:
    return dossier.unit_code, dossier.code, dossier.procedure_code


# ------------------------------------------------------------------ a feeder scan


class BatchDocument(BaseModel):
    """One document filed from the batch: its dossier and the batch's pages it holds."""

    dossier: str
    unit: str
    pages: list[int] = Field(description="Page numbers (1-based) of the uploaded PDF.")
    document: UploadedDocument


class BatchRefusal(BaseModel):
    """Pages of the batch not filed, and why."""

    pages: list[int]
    cover_page: int | None = Field(None, description="Where the cover sheet was, if any.")
    dossier: str | None = None
    unit: str | None = None
    error: dict[str, str]


class BatchOut(BaseModel):
    filename: str
    page_count: int
    cover_pages: list[int] = Field(description="Pages that were cover sheets (not stored).")
    blank_pages: list[int] = Field(description="Blank separator sheets (not stored).")
    documents: list[BatchDocument]
    refused: list[BatchRefusal]


@router.post(
    "/batches",
    status_code=202,
    response_model=BatchOut,
    openapi_extra=_BATCH_BODY,
    responses={
        207: {"model": BatchOut, "description": "some parts filed, some refused"},
        413: {"model": ErrorOut, "description": "file_too_large / too_large"},
    },
)
async def upload_batch(
    rt: RuntimeDep,
    request: Request,
    principal: Submitter,
    unit: Annotated[
        str | None, Query(description="Only file dossiers of this unit (default: the key's).")
    ] = None,
) -> Response:
    """Split one feeder-scanned PDF at its QR cover sheets and file each part in its dossier.

    - Body: ``multipart/form-data`` with one PDF in the field ``files``, streamed
      to disk under ``SOHOA_MAX_FILE_MB`` like any upload.
    - Every page after a cover sheet belongs to the dossier the sheet names, until
      the next cover sheet; blank separator sheets cut it into documents. Cover
      sheets and blank sheets are not stored. A dossier named on a cover sheet
      that does not exist yet is created, in the unit the sheet names.
    - Refused (listed in ``refused``, nothing of them stored): pages before the
      first cover sheet (``no_cover_sheet``), a cover sheet with no page after it
      (``empty_part``), a dossier of a unit the key may not write, or not ``unit``
      (``unit_not_allowed``: said the same whether or not the dossier exists).
    - All filed: 202; some: 207; none: 422 with the first refusal's code. A PDF
      without any cover sheet: 422 ``no_cover_sheet`` (upload it to its dossier).
    - The same batch sent again files nothing twice: each document's bytes are
      the same as the first time, and a dossier keeps one copy of a file.
    """
    await run_in_threadpool(check_filter_unit, rt, principal, unit)
    uploads = rt.settings.work_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="batch-", dir=uploads))
    try:
        files = await receive_files(request, folder, rt.settings.max_file_mb * MIB)
        if len(files) != 1:
            raise ApiError(400, "one_file_per_batch", "send the batch as one PDF")
        received = files[0]
        out = await run_in_threadpool(
            _file_batch, rt, principal, unit, received.path, received.filename, folder
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    body = out.model_dump(mode="json")
    if not out.refused:
        return JSONResponse(body, status_code=202)
    if out.documents:
        return JSONResponse(body, status_code=207)
    error = out.refused[0].error
    return JSONResponse(error_body(error["code"], error["message"]) | body, status_code=422)


def _file_batch(
    rt: Runtime,
    principal: Principal,
    unit: str | None,
    path: Path,
    filename: str,
    scratch: Path,
) -> BatchOut:
    try:
        parts = split_batch(path, rt.settings.limits())
    except InputError as exc:
        reason = exc.reason.replace(str(path), filename).replace(path.name, filename)
        raise ApiError(INPUT_STATUS.get(exc.code, 422), exc.code, f"{filename}: {reason}") from None
    out = BatchOut(
        filename=filename,
        page_count=sum(len(p.pages) for p in parts) + sum(p.cover_page is not None for p in parts),
        cover_pages=[p.cover_page for p in parts if p.cover_page is not None],
        blank_pages=[n for p in parts for n in p.blank_pages],
        documents=[],
        refused=[],
    )
    for part in parts:
        refusal = _part_refusal(principal, unit, part)
        if refusal is not None:
            out.refused.append(refusal)
            continue
        assert part.cover is not None
        for pages in part.documents:
            document_path = write_part(path, pages, scratch / f"part-{pages[0]:05d}.pdf")
            try:
                done = intake.ingest_file(
                    rt,
                    document_path,
                    dossier=part.cover.dossier,
                    unit=part.cover.unit,
                    filename=part_filename(filename, pages),
                    actor=principal.actor,
                )
            except (InputError, ObjectStoreError) as exc:
                log.warning("batch %s pages %s not filed: %s", filename, page_span(pages), exc)
                code = exc.code if isinstance(exc, InputError) else "store_error"
                out.refused.append(
                    _refused(part, pages, code, f"pages {page_span(pages)} could not be filed")
                )
                continue
            out.documents.append(
                BatchDocument(
                    dossier=part.cover.dossier,
                    unit=part.cover.unit,
                    pages=list(pages),
                    document=UploadedDocument(
                        id=done.document_id,
                        status=done.status,
                        created=done.created,
                        queued=done.queued,
                        status_url=document_url(done.document_id),
                    ),
                )
            )
    return out


def _part_refusal(principal: Principal, unit: str | None, part: BatchPart) -> BatchRefusal | None:
    if part.refusal is not None:
        return _refused(part, part.pages, part.refusal, REFUSALS[part.refusal][0])
    assert part.cover is not None
    if not principal.sees_unit(part.cover.unit) or (unit is not None and part.cover.unit != unit):
        message = f"this key may not file into unit {part.cover.unit}"
        return _refused(part, part.pages, "unit_not_allowed", message)
    return None


def _refused(part: BatchPart, pages: tuple[int, ...], code: str, message: str) -> BatchRefusal:
    return BatchRefusal(
        pages=list(pages),
        cover_page=part.cover_page,
        dossier=part.cover.dossier if part.cover else None,
        unit=part.cover.unit if part.cover else None,
        error={"code": code, "message": message},
    )
