"""The document API under ``/api/v1``: uploads, status, corrections, reprocessing, search.

``router`` also carries the dossier routes (``api.routes_dossiers``) and the
downloads (``api.routes_files``), so the application includes one router.

Every route authenticates with ``api.security.require``; reads, corrections
and searches go through ``api.services`` (the key's units, the audit record),
the same functions the counter's pages call. Uploads and reprocessing call
``pipeline.intake``: the pipeline decides how a scan is taken in and processed.

Uploads (``POST /dossiers/{code}/documents``): see ``upload_documents``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api import routes_dossiers, routes_files
from api.cursors import (
    FIRST_DAY,
    LAST_DAY,
    local_midnight,
    make_cursor,
    make_rank_cursor,
    read_cursor,
    read_rank_cursor,
)
from api.error_responses import ApiError, ErrorOut, error_body
from api.principal import Principal
from api.routes_dossiers import MAX_LIST
from api.runtime_dependency import RuntimeDep
from api.schemas import (
    MAX_OFFSET,
    DocumentListOut,
    DocumentOut,
    DocumentPatch,
    DocumentStatus,
    FileResult,
    PeopleOut,
    PersonHitOut,
    ReprocessOut,
    SearchHitOut,
    SearchOut,
    UploadedDocument,
    UploadOut,
    document_list_item,
    document_out,
    document_url,
    dossier_link,
)
from api.scope import (
    Reader,
    Submitter,
    Writer,
    audit,
    document_not_found,
    load_document,
    resolve_dossier,
    scoped,
)
from api.security import authenticate, require
from api.services import document_service
from api.services.document_service import Correction
from api.uploads import ReceivedFile, receive_files
from ingest.bundle import Picture
from ingest.errors import InputError
from pipeline import intake
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.objects import ObjectStoreError, StoreUnavailable

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["documents"])


MIB = 1024 * 1024

INPUT_STATUS = {
    "unsupported_type": 415,
    "too_large": 413,
    "empty_file": 422,
    "corrupt_file": 422,
    "password_protected": 422,
    "encrypted_pdf": 422,
}
"""HTTP status of each refusal code of ``ingest.errors``; anything else is 422."""

MAX_IDEMPOTENCY_KEY = 200


# ------------------------------------------------------------------ uploads

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "format": "binary"},
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/dossiers/{code}/documents",
    status_code=202,
    response_model=UploadOut,
    openapi_extra=_UPLOAD_BODY,
    responses={
        207: {"model": UploadOut, "description": "some files taken, some refused"},
        413: {"model": ErrorOut, "description": "file_too_large / too_large / too_many_files"},
    },
)
async def upload_documents(
    rt: RuntimeDep,
    code: str,
    request: Request,
    principal: Submitter,
    unit: Annotated[str | None, Query()] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    one_document: Annotated[
        bool,
        Query(
            description="The files are pictures of one paper's pages, in order: bind them "
            "into one document (each picture is also kept as sent)."
        ),
    ] = False,
) -> Response:
    """Take scans into an existing dossier and queue them; answers before they are digitised.

    - Body: ``multipart/form-data``, one or more parts in the field ``files``.
      Each is streamed to disk; one passing ``SOHOA_MAX_FILE_MB`` stops the
      request at once with 413 ``file_too_large`` and nothing is stored.
    - Each file is then judged on its own (by content, never by its name):
      a refused file stores nothing and does not stop the others.
      All taken: 202. Some taken, some refused: 207, each file with its own
      ``status_code`` and ``error``. None taken: the first refusal's status
      and error (e.g. 415 ``unsupported_type``, 413 ``too_large``, 422
      ``corrupt_file``) with the per-file list in ``files``.
    - A file already in the dossier (same bytes) is not stored twice: its
      existing document is returned with ``created: false``.
    - ``Idempotency-Key``: a retried request returns the documents of the
      first one. With several files, file *n* (1-based, in request order) uses
      the key ``<key>:<n>``, so send the same files in the same order when
      retrying. A key reused for different bytes: 409 ``idempotency_key_reused``.
    - ``one_document=true``: the files are pictures (JPEG, PNG, TIFF, WebP, HEIC) of
      one paper's pages, in request order, and become one document whose original is
      the PDF they are bound into (``ingest.bundle``); the pictures are kept as sent
      beside it. They share one fate: one unfit picture refuses them all, each file's
      entry naming the culprit. The Idempotency-Key applies to the whole.
    """
    key = _idempotency_key(idempotency_key)
    unit_code, dossier_code = await run_in_threadpool(_upload_target, rt, principal, code, unit)
    uploads = rt.settings.work_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=uploads))
    try:
        files = await receive_files(request, folder, rt.settings.max_file_mb * MIB)
        if one_document and len(files) > 1:
            results = await run_in_threadpool(
                _ingest_together, rt, principal, unit_code, dossier_code, files, key
            )
        else:
            results = []
            for received in files:
                file_key = key if key is None or len(files) == 1 else f"{key}:{received.position}"
                results.append(
                    await run_in_threadpool(
                        _ingest_one, rt, principal, unit_code, dossier_code, received, file_key
                    )
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _upload_answer(UploadOut(dossier=dossier_code, unit=unit_code, files=results))


def _idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY or not all(33 <= ord(c) <= 126 for c in value):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"Idempotency-Key must be 1–{MAX_IDEMPOTENCY_KEY} visible ASCII characters",
        )
    return value


def _upload_target(
    rt: Runtime, principal: Principal, code: str, unit: str | None
) -> tuple[str, str]:
    with scoped(rt, principal, "dossier", code), rt.session() as s:
        dossier = resolve_dossier(s, principal, code, unit)
        return dossier.unit_code, dossier.code


def _ingest_one(
    rt: Runtime,
    principal: Principal,
    unit: str,
    dossier: str,
    received: ReceivedFile,
    key: str | None,
) -> FileResult:
    """Hand one received file to the pipeline; its result or refusal."""
    return _take(
        rt,
        principal,
        [received],
        lambda: intake.ingest_file(
            rt,
            received.path,
            dossier=dossier,
            unit=unit,
            filename=received.filename,
            actor=principal.actor,
            idempotency_key=key,
        ),
        key,
    )


def _ingest_together(
    rt: Runtime,
    principal: Principal,
    unit: str,
    dossier: str,
    files: list[ReceivedFile],
    key: str | None,
) -> list[FileResult]:
    """The received pictures as the pages of one document: every file shares its fate."""
    pictures = [Picture(f.path, f.filename) for f in files]
    shared = _take(
        rt,
        principal,
        files,
        lambda: intake.ingest_pictures(
            rt, pictures, dossier=dossier, unit=unit, actor=principal.actor, idempotency_key=key
        ),
        key,
    )
    return [
        shared.model_copy(update={"position": f.position, "filename": f.filename}) for f in files
    ]


def _take(
    rt: Runtime,
    principal: Principal,
    files: list[ReceivedFile],
    take: Callable[[], intake.Ingested],
    key: str | None,
) -> FileResult:
    """Run one intake of ``files``; its result, or its refusal named by the client's names."""
    first = files[0]
    result = FileResult(position=first.position, filename=first.filename, status_code=202)
    try:
        done = take()
    except InputError as exc:
        # Library messages may quote the temporary file: show the client's name instead.
        culprit = next((f for f in files if f.path == exc.path), first)
        reason = exc.reason
        for f in files:
            reason = reason.replace(str(f.path), f.filename).replace(f.path.name, f.filename)
        result.status_code = INPUT_STATUS.get(exc.code, 422)
        result.error = {"code": exc.code, "message": f"{culprit.filename}: {reason}"}
        return result
    except StoreUnavailable as exc:
        log.warning("object store unavailable storing %s: %s", first.filename, exc)
        result.status_code = 503
        result.error = {
            "code": "store_unavailable",
            "message": f"{first.filename}: the object store cannot be reached; retry later",
        }
        return result
    except ObjectStoreError as exc:
        log.error("object store refused %s: %s", first.filename, exc)
        result.status_code = 500
        result.error = {
            "code": "store_error",
            "message": f"{first.filename}: the file could not be stored",
        }
        return result
    with rt.session() as s:
        document = repo.get_document(s, done.document_id)
        assert document is not None
        stored_sha, stored_key = document.sha256, document.idempotency_key
        _ = document.dossier.unit_code  # loaded now: the audit below needs it
    reused = not done.created and key is not None and stored_key == key
    if reused and stored_sha != done.sha256:
        result.status_code = 409
        result.error = {
            "code": "idempotency_key_reused",
            "message": f"Idempotency-Key {key} was used for another file",
        }
        return result
    if not done.created:
        audit(rt, principal, "document.upload_existing", document, filename=first.filename)
    result.document = UploadedDocument(
        id=done.document_id,
        status=done.status,
        created=done.created,
        queued=done.queued,
        status_url=document_url(done.document_id),
    )
    return result


def _upload_answer(out: UploadOut) -> Response:
    body = out.model_dump(mode="json")
    taken = [f for f in out.files if f.document is not None]
    if len(taken) == len(out.files):
        return JSONResponse(body, status_code=202)
    if taken:
        return JSONResponse(body, status_code=207)
    first = out.files[0]
    assert first.error is not None
    answer = error_body(first.error["code"], first.error["message"]) | {"files": body["files"]}
    return JSONResponse(answer, status_code=first.status_code)


# ------------------------------------------------------------------ documents


@router.get("/documents/{document_id}", response_model=DocumentOut)
def get_document(rt: RuntimeDep, document_id: str, principal: Reader) -> DocumentOut:
    """Status, progress, pages, type and fields of a document, with links to its files."""
    return document_service.read_document(rt, principal, document_id, document_out)


def corrector(rt: RuntimeDep, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """Clerks (write), officers (verify) and admins may correct a document."""
    if principal.can("write") or principal.can("verify"):
        return principal
    return require("verify")(rt, principal)  # records the refusal and raises 403


@router.patch("/documents/{document_id}", response_model=DocumentOut)
def correct_document(
    rt: RuntimeDep,
    document_id: str,
    body: DocumentPatch,
    principal: Annotated[Principal, Depends(corrector)],
) -> DocumentOut:
    """Correct the document type, fields (JSON merge patch) or certified-copy flag.

    The values before and after are kept as a correction record (for retraining
    the classifier) and the change is audited. A correction that changes
    nothing records nothing.
    """
    if body.document_type is None and body.fields is None and body.is_certified_copy is None:
        raise ApiError(422, "empty_correction", "give document_type, fields or is_certified_copy")
    correction = Correction(
        document_type=body.document_type,
        fields=body.fields,
        is_certified_copy=body.is_certified_copy,
    )
    return document_service.correct_document(rt, principal, document_id, correction, document_out)


@router.post("/documents/{document_id}/reprocess", status_code=202, response_model=ReprocessOut)
def reprocess_document(rt: RuntimeDep, document_id: str, principal: Writer) -> ReprocessOut:
    """Run a document again: its failed pages, or all of them if none failed.

    409 ``document_busy`` while it is queued or processing.
    """
    with scoped(rt, principal, "document", document_id), rt.session() as s:
        document = load_document(s, principal, document_id)
        if document.status in ("queued", "processing"):
            raise ApiError(409, "document_busy", f"document {document_id} is {document.status}")
    try:
        queued = intake.reprocess(rt, document_id, actor=principal.actor)  # audits it
    except LookupError:
        raise document_not_found(document_id) from None
    return ReprocessOut(
        id=document_id, status="queued", queued=queued, status_url=document_url(document_id)
    )


@router.get("/documents", response_model=DocumentListOut)
def list_documents(
    rt: RuntimeDep,
    principal: Reader,
    status: DocumentStatus | None = None,
    document_type: Annotated[
        str | None, Query(alias="type", max_length=64, description="A type code")
    ] = None,
    date_from: Annotated[
        date | None,
        Query(
            alias="from", ge=FIRST_DAY, le=LAST_DAY, description="uploaded on/after (Vietnam time)"
        ),
    ] = None,
    date_to: Annotated[
        date | None,
        Query(
            alias="to", ge=FIRST_DAY, le=LAST_DAY, description="uploaded on/before (Vietnam time)"
        ),
    ] = None,
    unit: str | None = None,
    changed_since: Annotated[
        datetime | None,
        Query(
            description="The changes feed: documents created or changed at or after this "
            "instant (ISO 8601 with its offset), oldest change first."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page")
    ] = None,
) -> DocumentListOut:
    """Documents of the key's units across their dossiers, newest first, by status, type and
    upload day. Pages follow ``next_cursor`` (keyset): a page costs what it returns however
    many documents there are, and documents arriving meanwhile neither repeat nor shift it.
    Reading the list is audited (``document.list``): file names often name citizens.

    With ``changed_since`` it is the feed another system keeps in sync with: documents
    digitised, corrected or reprocessed since then, oldest change first; follow
    ``next_cursor`` to the end, keep the last item's ``updated_at``, and ask again from a
    little before it (a change committed late by a slow transaction is then not missed;
    one seen twice is simply the same document again)."""
    if changed_since is not None:
        if changed_since.tzinfo is None:
            raise ApiError(422, "invalid_request", "changed_since: give the offset, e.g. +07:00")
        try:
            changed_since = changed_since.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+14:00 is before year 1 in UTC
            raise ApiError(422, "invalid_request", "changed_since: out of range") from None
    where = repo.DocumentFilter(
        status=status,
        document_type=document_type,
        created_from=local_midnight(date_from) if date_from is not None else None,
        created_before=local_midnight(date_to + timedelta(days=1))
        if date_to is not None and date_to < date.max
        else None,
        changed_since=changed_since,
    )
    found = document_service.list_documents(
        rt,
        principal,
        document_list_item,
        unit=unit,
        where=where,
        after=read_cursor(cursor) if cursor else None,
        limit=limit,
    )
    next_cursor = make_cursor(found.next_after) if found.next_after else None
    return DocumentListOut(limit=limit, items=found.items, next_cursor=next_cursor)


# ------------------------------------------------------------------ search


@router.get("/people", response_model=PeopleOut)
def find_people(
    rt: RuntimeDep,
    principal: Reader,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=255,
            description="A whole name (with or without accents), a 9/12-digit ID number, "
            "or a date of birth (dd/mm/yyyy or yyyy-mm-dd).",
        ),
    ],
    unit: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PeopleOut:
    """Dossiers and documents naming a citizen exactly: the applicant first, then the subject
    of a paper, then others it names; each hit says which field matched. A name is matched
    whole (``nguyễn văn đặng`` never finds "Thái Nguyên"); one word is not searched."""
    found = document_service.find_people(rt, principal, q, unit=unit, limit=limit, offset=offset)
    hits = [
        PersonHitOut(
            dossier=h.dossier_code,
            unit=h.unit_code,
            document_id=h.document_id,
            filename=h.filename,
            document_type=h.document_type,
            field=h.field,
            value=h.value,
            links={
                "dossier": dossier_link(h.dossier_code, h.unit_code),
                **({"document": document_url(h.document_id)} if h.document_id else {}),
            },
        )
        for h in found.hits
    ]
    return PeopleOut(
        total=found.total, kind=found.kind or None, limit=limit, offset=offset, hits=hits
    )


@router.get("/search", response_model=SearchOut)
def search(
    rt: RuntimeDep,
    principal: Reader,
    q: Annotated[str, Query(min_length=1, max_length=1000, description='Words, "phrase", pre*')],
    unit: str | None = None,
    dossier: str | None = None,
    document_type: Annotated[str | None, Query(alias="type")] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    date_field: Annotated[Literal["created", "received"], Query(alias="date")] = "created",
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page")
    ] = None,
) -> SearchOut:
    """Documents of the key's units whose text matches, with or without accents, best first.

    ``from``/``to`` are days (Vietnam time) of the upload, or of the dossier's
    received date with ``date=received``. Pages follow ``next_cursor``; a search ranks
    at most the newest 2,000 matching pages, 1,000 for an exact phrase or within units
    (``total_exact`` false when it had more).
    """
    found = document_service.search_documents(
        rt,
        principal,
        q,
        unit=unit,
        dossier=dossier,
        document_type=document_type,
        date_from=date_from,
        date_to=date_to,
        date_field=date_field,
        limit=limit,
        offset=offset,
        after=read_rank_cursor(cursor) if cursor else None,
    )
    hits = [
        SearchHitOut(
            document_id=h.document_id,
            dossier=h.dossier_code,
            unit=h.unit_code,
            filename=h.filename,
            document_type=h.document_type,
            score=h.score,
            pages=h.pages,
            page=h.page,
            snippet=h.snippet,
            links={"document": document_url(h.document_id)},
        )
        for h in found.hits
    ]
    return SearchOut(
        total=found.total,
        total_exact=found.total_exact,
        limit=limit,
        offset=offset,
        next_cursor=make_rank_cursor(found.next_after) if found.next_after else None,
        hits=hits,
    )


router.include_router(routes_dossiers.router)
router.include_router(routes_files.router)
