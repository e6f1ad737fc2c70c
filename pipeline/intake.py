"""What the CLI and the API ask of the pipeline: take a scan in, report, re-run.

Taking a scan in follows one rule: the original is validated, then stored in
the object store, then recorded, then queued — so nothing is processed that is
not safely kept, and a crash at any point loses nothing the clerk handed in.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.vietnamese import nfc
from ingest.scan import open_scan
from pipeline.runtime import Runtime
from storage import keys
from storage import repository as repo

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "tiff": "image/tiff",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heif": "image/heic",
}


@dataclass(frozen=True)
class Ingested:
    document_id: str
    created: bool  # False: the same file was already in this dossier
    status: str
    queued: bool  # False: stored, but the broker could not be reached


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_file(
    rt: Runtime,
    path: Path,
    *,
    dossier: str,
    unit: str,
    filename: str | None = None,
    actor: str = "cli",
    idempotency_key: str | None = None,
) -> Ingested:
    """Validate, store the original, record the document and queue it.

    Raises ``ingest.errors.InputError`` for a file that is not a usable scan,
    before anything is stored.
    """
    # Headers and a bounded decode only: the API runs several uploads at once, and
    # the worker decodes every page in full anyway (and reports damage left).
    scan = open_scan(path, rt.settings.limits(), decode=False)
    sha256 = file_sha256(path)
    name = nfc(filename or path.name)
    with rt.session() as s:
        repo.ensure_unit(s, unit)
        record = repo.upsert_dossier(s, unit, nfc(dossier))
        existing = repo.find_document(s, record, sha256=sha256, idempotency_key=idempotency_key)
        if existing is not None:
            return Ingested(existing.id, created=False, status=existing.status, queued=False)
        dossier_code = record.code

    document_id = str(uuid.uuid4())
    prefix = keys.document_prefix(unit, dossier_code, document_id)
    stored = rt.store.put_original(keys.original(prefix, scan.kind), path, CONTENT_TYPES[scan.kind])
    with rt.session() as s:
        record = repo.get_dossier(s, unit, dossier_code)
        document, created = repo.create_document(
            s,
            record,
            document_id=document_id,
            filename=name,
            kind=scan.kind,
            content_type=CONTENT_TYPES[scan.kind],
            size=stored.size,
            sha256=stored.sha256,
            original_key=stored.key,
            page_count=scan.page_count,
            idempotency_key=idempotency_key,
        )
        repo.record_audit(
            s,
            actor=actor,
            action="document.create" if created else "document.duplicate",
            object_type="document",
            object_id=document.id,
            unit_code=unit,
            detail={"filename": name, "sha256": sha256, "pages": scan.page_count},
        )
        status, final_id = document.status, document.id
    if not created:
        # A concurrent upload of the same file won the race: drop our copy.
        rt.store.delete(stored.key)
        return Ingested(final_id, created=False, status=status, queued=False)
    return Ingested(final_id, created=True, status=status, queued=enqueue(final_id))


def enqueue(document_id: str) -> bool:
    """Queue a document; a broker outage is reported, not fatal (workers sweep on start)."""
    from pipeline.tasks import start_document

    try:
        start_document.delay(document_id)
    except Exception as exc:
        log.warning("document %s stored but not queued: %s", document_id, exc)
        return False
    return True


def reprocess(rt: Runtime, document_id: str, *, actor: str = "cli") -> bool:
    """Put a document back in the queue: failed pages (or all, if none failed) again."""
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        if document is None:
            raise LookupError(f"no document {document_id}")
        repo.reset_for_reprocess(s, document)
        repo.record_audit(
            s,
            actor=actor,
            action="document.reprocess",
            object_type="document",
            object_id=document_id,
        )
    return enqueue(document_id)
