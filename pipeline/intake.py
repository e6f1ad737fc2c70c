"""What the CLI and the API ask of the pipeline: take a scan in, report, re-run.

Taking a scan in follows one rule: the original is validated, then stored in
the object store, then recorded, then queued — so nothing is processed that is
not safely kept, and a crash at any point loses nothing the clerk handed in.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.vietnamese import nfc
from ingest.bundle import Picture, bind_pictures
from ingest.scan import open_scan
from ingest.sniff import sniff
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
    sha256: str = ""  # of the file handed in (pictures: of the PDF they were bound into)


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
    return _store_and_record(
        rt,
        path,
        scan.kind,
        scan.page_count,
        dossier=dossier,
        unit=unit,
        name=nfc(filename or path.name),
        actor=actor,
        idempotency_key=idempotency_key,
    )


def ingest_pictures(
    rt: Runtime,
    pictures: Sequence[Picture],
    *,
    dossier: str,
    unit: str,
    actor: str = "cli",
    idempotency_key: str | None = None,
) -> Ingested:
    """Pictures that are the pages of one paper, in order, as one document.

    They are bound into one PDF (``ingest.bundle``), which is the document's original;
    each picture is also kept as sent, beside it. A picture that is unfit refuses
    them all (``InputError``), before anything is stored. The document is named
    after the first picture.
    """
    limits = rt.settings.limits()
    scratch = rt.settings.work_dir / "bundles"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        bound = bind_pictures(pictures, Path(folder) / "bound.pdf", limits)
        first = Path(nfc(pictures[0].filename))
        kinds = [sniff(p.path) for p in pictures]
        return _store_and_record(
            rt,
            bound,
            "pdf",
            len(pictures),
            dossier=dossier,
            unit=unit,
            name=f"{first.stem} ({len(pictures)} ảnh).pdf",
            actor=actor,
            idempotency_key=idempotency_key,
            pictures=list(zip(pictures, kinds, strict=True)),
        )


def _store_and_record(
    rt: Runtime,
    path: Path,
    kind: str,
    page_count: int,
    *,
    dossier: str,
    unit: str,
    name: str,
    actor: str,
    idempotency_key: str | None,
    pictures: Sequence[tuple[Picture, str]] = (),
) -> Ingested:
    """The one order of intake: stored (pictures as sent first), recorded, queued."""
    sha256 = file_sha256(path)
    with rt.session() as s:
        repo.ensure_unit(s, unit)
        record = repo.upsert_dossier(s, unit, nfc(dossier))
        existing = repo.find_document(s, record, sha256=sha256, idempotency_key=idempotency_key)
        if existing is not None:
            return Ingested(existing.id, False, existing.status, queued=False, sha256=sha256)
        dossier_code = record.code

    document_id = str(uuid.uuid4())
    prefix = keys.document_prefix(unit, dossier_code, document_id)
    sent = [
        rt.store.put_original(keys.picture(prefix, n, k), p.path, CONTENT_TYPES[k])
        for n, (p, k) in enumerate(pictures, start=1)
    ]
    stored = rt.store.put_original(keys.original(prefix, kind), path, CONTENT_TYPES[kind])
    detail: dict[str, object] = {"filename": name, "sha256": sha256, "pages": page_count}
    if pictures:
        detail["pictures"] = [
            {"filename": nfc(p.filename), "sha256": obj.sha256, "key": obj.key}
            for (p, _), obj in zip(pictures, sent, strict=True)
        ]
    with rt.session() as s:
        record = repo.get_dossier(s, unit, dossier_code)
        document, created = repo.create_document(
            s,
            record,
            document_id=document_id,
            filename=name,
            kind=kind,
            content_type=CONTENT_TYPES[kind],
            size=stored.size,
            sha256=stored.sha256,
            original_key=stored.key,
            page_count=page_count,
            idempotency_key=idempotency_key,
        )
        repo.record_audit(
            s,
            actor=actor,
            action="document.create" if created else "document.duplicate",
            object_type="document",
            object_id=document.id,
            unit_code=unit,
            detail=detail,
        )
        status, final_id = document.status, document.id
    if not created:
        # A concurrent upload of the same file won the race: drop our copies.
        for obj in [*sent, stored]:
            rt.store.delete(obj.key)
        return Ingested(final_id, created=False, status=status, queued=False, sha256=sha256)
    return Ingested(final_id, True, status, queued=enqueue(final_id), sha256=sha256)


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
