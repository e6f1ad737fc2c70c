"""The classifier's models kept by a deployment: bytes in the object store, rows in the database.

Implements ``classifiers.registry.ModelShelf``: the registry decides which
model is active; this module only keeps them (``models/classifier/<sha256>.npz``
and the ``classifier_models`` table) and reads the people's corrections the
registry retrains on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from classifiers.registry import ModelRecord, ShelvedModel
from classifiers.training import Example
from storage.models import ClassifierModel, Document, DocumentCorrection
from storage.objects import ObjectStore

MODEL_PREFIX = "models/classifier"


@dataclass(frozen=True)
class StoredModelShelf:
    """Models of one deployment; ``session`` opens a transaction (``Runtime.session``)."""

    session: Callable[[], AbstractContextManager[Session]]
    store: ObjectStore

    def active(self) -> ShelvedModel | None:
        with self.session() as s:
            row = _active_row(s)
            return ShelvedModel(row.object_key, row.sha256) if row else None

    def fetch(self, model: ShelvedModel) -> bytes:
        return self.store.get_bytes(model.key, model.sha256)

    def put(self, data: bytes) -> ShelvedModel:
        key = f"{MODEL_PREFIX}/{hashlib.sha256(data).hexdigest()}.npz"
        stored = self.store.put_bytes(key, data, "application/octet-stream")
        return ShelvedModel(stored.key, stored.sha256)

    def record(self, model: ShelvedModel, record: ModelRecord, *, activate: bool) -> None:
        with self.session() as s:
            if activate:
                s.execute(update(ClassifierModel).values(active=False))
            s.add(_row(model, record, active=activate))

    def record_first(self, model: ShelvedModel, record: ModelRecord) -> None:
        with self.session() as s:
            if _active_row(s) is None:
                s.add(_row(model, record, active=True))

    def corrected_examples(self) -> list[Example]:
        with self.session() as s:
            corrected = set(s.scalars(select(DocumentCorrection.document_id)))
            examples = []
            for document_id in sorted(corrected):
                document = s.get(Document, document_id)
                if document is None or not document.document_type:
                    continue
                pages = sorted(document.pages, key=lambda p: p.number)
                text = "\f".join(p.text or "" for p in pages)
                if text.strip():
                    examples.append(Example(text, document.document_type, source="correction"))
        return examples


def _active_row(s: Session) -> ClassifierModel | None:
    return s.scalars(
        select(ClassifierModel).where(ClassifierModel.active).order_by(ClassifierModel.id.desc())
    ).first()


def _row(model: ShelvedModel, record: ModelRecord, *, active: bool) -> ClassifierModel:
    return ClassifierModel(
        version=record.version,
        object_key=model.key,
        sha256=model.sha256,
        active=active,
        metrics=record.metrics,
        actor=record.actor,
    )
