"""Deleting a document or a dossier: rows at once, objects after, originals only as retention says.

An admin deletes a document filed by mistake (the wrong dossier, a stranger's
paper) or a dossier opened twice. Three rules:

- **Nothing half-deleted is ever served.** The document's rows (pages, search
  entries, people, attention) go in one transaction, which also records a
  :class:`~storage.models.Deletion` naming what is left in the store; only
  then are objects removed. A crash in between leaves objects that the next
  purge removes, never a row pointing at a missing file.
- **Originals are kept as retention says.** The derived objects (searchable
  PDF, text, page images, thumbnails, stored pages) are removed by the purge
  that follows; the original scan, and the pictures it was bound from, stay
  ``SOHOA_RETAIN_ORIGINALS_DAYS`` days (0: removed with the rest), so a
  mistaken deletion can be undone from the original and an archive's retention
  is kept.
- **Work in flight is not pulled from under a worker.** A document being read
  (queued or processing) is refused (409 ``document_busy``): delete it once it
  is done or failed.

``purge`` is idempotent and runs after each deletion, in the sweeper, and as
``sohoa purge``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipeline.runtime import Runtime
from storage import keys
from storage import repository as repo
from storage.models import Deletion, Document, Dossier, utcnow
from storage.repository.certifications import certification_of_document

log = logging.getLogger(__name__)

BUSY = ("queued", "processing")
PICTURES = "pictures"  # storage.keys.picture's folder
PURGE_BATCH = 200
"""Deletions handled per purge: the store's deletes are one request each."""


class DocumentCertified(Exception):
    """A certified copy was issued from the document: the register and the copy rest on it,
    so it stays (Decree 23/2015 keeps certification records; delete nothing they cite)."""

    def __init__(self, document_id: str) -> None:
        super().__init__(document_id)
        self.document_id = document_id


class DocumentBusy(Exception):
    """The document (or one of the dossier's) is being read; try again when it is done."""

    def __init__(self, document_id: str) -> None:
        super().__init__(document_id)
        self.document_id = document_id


@dataclass(frozen=True)
class Deleted:
    document_id: str
    filename: str
    originals_kept_until: datetime


def delete_document_rows(
    s: Session, document: Document, *, actor: str, retain_days: int
) -> Deleted:
    """Remove the document's rows and record what the store still holds (one transaction)."""
    if document.status in BUSY:
        raise DocumentBusy(document.id)
    if certification_of_document(s, document.id) is not None:
        raise DocumentCertified(document.id)
    dossier = document.dossier
    prefix = keys.document_prefix(dossier.unit_code, dossier.code, document.id)
    # The scan as handed in, and the pictures it was bound from (``{prefix}/pictures/``).
    originals = [document.original_key, f"{prefix}/{PICTURES}/"]
    keep_until = utcnow() + timedelta(days=retain_days)
    s.add(
        Deletion(
            document_id=document.id,
            unit_code=dossier.unit_code,
            dossier_code=dossier.code,
            filename=document.filename,
            prefix=prefix,
            originals=originals,
            deleted_by=actor,
            originals_after=keep_until,
        )
    )
    repo.record_audit(
        s,
        actor=actor,
        action="document.delete",
        object_type="document",
        object_id=document.id,
        unit_code=dossier.unit_code,
        detail={"dossier": dossier.code, "originals_kept_until": keep_until.isoformat()},
    )
    s.delete(document)  # its pages, search entries and people go with it (cascade)
    return Deleted(document.id, document.filename, keep_until)


def delete_document(rt: Runtime, document_id: str, *, actor: str) -> Deleted | None:
    """Delete one document (None: it does not exist); purge what can go at once."""
    with rt.session() as s:
        document = repo.lock_document(s, document_id) if repo.get_document(s, document_id) else None
        if document is None:
            return None
        deleted = delete_document_rows(
            s, document, actor=actor, retain_days=rt.settings.retain_originals_days
        )
    purge(rt)
    return deleted


def delete_dossier(rt: Runtime, dossier_id: int, *, actor: str) -> list[Deleted]:
    """Delete a dossier and every document in it, or nothing if one is being read."""
    with rt.session() as s:
        dossier = s.get(Dossier, dossier_id)
        if dossier is None:
            return []
        documents = repo.dossier_documents(s, dossier.id)
        busy = next((d for d in documents if d.status in BUSY), None)
        if busy is not None:
            raise DocumentBusy(busy.id)
        deleted = [
            delete_document_rows(
                s,
                repo.lock_document(s, d.id),
                actor=actor,
                retain_days=rt.settings.retain_originals_days,
            )
            for d in documents
        ]
        repo.record_audit(
            s,
            actor=actor,
            action="dossier.delete",
            object_type="dossier",
            object_id=dossier.code,
            unit_code=dossier.unit_code,
            detail={"documents": [d.document_id for d in deleted]},
        )
        s.flush()
        s.delete(dossier)
    purge(rt)
    return deleted


def _is_original(key: str, originals: list[str]) -> bool:
    """Whether ``key`` is one of the kept originals (a key, or a folder ending in ``/``)."""
    return any(key == kept or (kept.endswith("/") and key.startswith(kept)) for kept in originals)


def purge(rt: Runtime, *, now: datetime | None = None) -> int:
    """Remove from the store what deletions left: derived objects at once, originals once
    their retention has passed. Returns how many deletions were finished."""
    now = now or utcnow()
    finished = 0
    with rt.session() as s:
        pending = list(
            s.scalars(
                select(Deletion)
                .where(
                    Deletion.purged_at.is_(None),
                    or_(Deletion.derived_purged_at.is_(None), Deletion.originals_after <= now),
                )
                .order_by(Deletion.id)
                .limit(PURGE_BATCH)
            )
        )
        work = [(d.id, d.prefix, list(d.originals), d.originals_after <= now) for d in pending]
    for deletion_id, prefix, originals, originals_due in work:
        for key in rt.store.list(prefix + "/"):
            if originals_due or not _is_original(key, originals):
                rt.store.delete(key)
        with rt.session() as s:
            deletion = s.get(Deletion, deletion_id)
            if deletion is None:
                continue
            deletion.derived_purged_at = deletion.derived_purged_at or now
            if originals_due:
                deletion.purged_at = now
                finished += 1
    if work:
        log.info("purge: %d deletion(s) handled, %d finished", len(work), finished)
    return finished
