"""The classifier in a deployment: which model workers use, retraining, and ``sohoa classify``.

Models live in the object store (``models/classifier/<sha256>.npz``) and the
database says which one is active, so every worker on every machine uses the
same model, a retrained one is picked up without restarting anything, and a
model file is only ever loaded by its recorded SHA-256 (and never unpickled:
see ``classifiers.ngram_model``).

With no model yet (a fresh deployment), the first process that needs one
trains the base model from the corpus in the repository (deterministic, a few
seconds) and records it; a second process racing it uses whichever was
recorded first.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from classifiers.classify import Classification, Classifier
from classifiers.training import (
    Example,
    Scores,
    classifier_from_model,
    corpus_digest,
    corpus_examples,
    evaluate,
    held_out_examples,
    train_classifier,
)
from ocr.tesseract import check_languages
from pipeline import journey
from pipeline.local_run import run_pages
from pipeline.runtime import Runtime
from pipeline.stage_data import OcrOptions
from storage.models import ClassifierModel, Document, DocumentCorrection

log = logging.getLogger(__name__)

MODEL_PREFIX = "models/classifier"
_lock = threading.Lock()
_cache: dict[str, Classifier] = {}


# ------------------------------------------------------------------ the active model


def active_classifier(rt: Runtime) -> Classifier:
    """The model every worker uses now; trained from the corpus on first need."""
    with rt.session() as s:
        row = _active_row(s)
        found = (row.sha256, row.object_key) if row else None
    if found is None:
        return _install_base_model(rt)
    return _load(rt, *found)


def _active_row(s: Session) -> ClassifierModel | None:
    return s.scalars(
        select(ClassifierModel).where(ClassifierModel.active).order_by(ClassifierModel.id.desc())
    ).first()


def _load(rt: Runtime, sha256: str, key: str) -> Classifier:
    with _lock:
        cached = _cache.get(sha256)
        if cached is None:
            data = rt.store.get_bytes(key, sha256)  # checked against the recorded SHA-256
            cached = classifier_from_model(data, rt.settings.classifier_threshold)
            _cache.clear()
            _cache[sha256] = cached
        return cached


def _store_model(rt: Runtime, classifier: Classifier) -> tuple[str, str]:
    data = classifier.model.to_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    stored = rt.store.put_bytes(f"{MODEL_PREFIX}/{sha256}.npz", data, "application/octet-stream")
    return stored.key, stored.sha256


def _install_base_model(rt: Runtime) -> Classifier:
    data = base_model_bytes(rt)
    sha256 = hashlib.sha256(data).hexdigest()
    stored = rt.store.put_bytes(f"{MODEL_PREFIX}/{sha256}.npz", data, "application/octet-stream")
    classifier = classifier_from_model(data)
    with rt.session() as s:
        if _active_row(s) is None:
            s.add(
                ClassifierModel(
                    version=classifier.version,
                    object_key=stored.key,
                    sha256=stored.sha256,
                    active=True,
                    metrics={"held_out": classifier.model.meta.get("held_out"), "base": True},
                    actor="system:base-model",
                )
            )
    return active_classifier(rt)


def base_model_bytes(rt: Runtime) -> bytes:
    """The model trained on the repository's corpus alone, cached per corpus on this machine.

    Training takes seconds, not minutes, but every fresh deployment (and every
    test deployment) would pay it; the result depends only on the corpus, so it
    is cached under its digest. The cache is a convenience: delete it at will.
    """
    examples = corpus_examples()
    path = rt.settings.cache_dir / f"classifier-{corpus_digest(examples)}.npz"
    try:
        data = path.read_bytes()
        classifier_from_model(data)  # refuse a damaged or foreign file: retrain instead
        return data
    except (OSError, ValueError):
        pass
    log.info("training the base classifier model from the corpus (%d documents)", len(examples))
    data = train_classifier(examples).classifier.model.to_bytes()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_bytes(data)
        scratch.replace(path)
    except OSError as exc:
        log.warning("cannot cache the base classifier model in %s: %s", path.parent, exc)
    return data


# ------------------------------------------------------------------ retraining


@dataclass(frozen=True)
class RetrainReport:
    before: Scores | None
    after: Scores
    corpus_documents: int
    corrections: int
    activated: bool
    version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": self.before.as_dict() if self.before else None,
            "after": self.after.as_dict(),
            "corpus_documents": self.corpus_documents,
            "corrections": self.corrections,
            "activated": self.activated,
            "version": self.version,
        }


def correction_examples(rt: Runtime) -> list[Example]:
    """Documents whose type a person set: their OCR text, with the type as corrected last."""
    with rt.session() as s:
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


def retrain(rt: Runtime, *, actor: str, seed: int = 0, force: bool = False) -> RetrainReport:
    """Train on corpus + corrections; activate only if the held-out scores are not worse.

    Both models are scored on the same held-out documents, which neither was
    trained on (``classifiers.training.is_held_out``). "Not worse" is macro-F1
    and accuracy both at least the old model's.
    """
    corpus = corpus_examples()
    corrections = correction_examples(rt)
    examples = [*corpus, *corrections]
    result = train_classifier(examples, seed=seed, threshold=rt.settings.classifier_threshold)
    current = active_classifier(rt)
    before = evaluate(current, held_out_examples(examples))
    after = result.held_out
    better = after.macro_f1 >= before.macro_f1 and after.accuracy >= before.accuracy
    activate = better or force
    key, sha256 = _store_model(rt, result.classifier)
    report = RetrainReport(
        before, after, len(corpus), len(corrections), activate, result.classifier.version
    )
    with rt.session() as s:
        if activate:
            s.execute(update(ClassifierModel).values(active=False))
        s.add(
            ClassifierModel(
                version=result.classifier.version,
                object_key=key,
                sha256=sha256,
                active=activate,
                metrics=report.as_dict(),
                actor=actor,
            )
        )
    return report


# ------------------------------------------------------------------ one document


def classify_file(rt: Runtime, source: Path, options: OcrOptions) -> Classification:
    """``sohoa classify``: the journey up to classification, in this process; nothing is stored."""
    scan = journey.open_original(source, options.limits)
    check_languages(options.lang)
    results = run_pages(scan, replace(options, read_marks=True))
    return journey.classify(active_classifier(rt), results)


def store_classification(document: Document, result: Classification) -> None:
    """Write the result on the document, unless a person already corrected it.

    A correction outranks the classifier: reprocessing a corrected document
    must not undo what an officer set.
    """
    details = result.to_json()
    document.classification = {
        k: details[k]
        for k in ("candidates", "evidence", "red_seal", "portrait_photo", "cues", "model_version")
    }
    session = object_session(document)
    corrected = session is not None and session.scalar(
        select(DocumentCorrection.id).where(DocumentCorrection.document_id == document.id).limit(1)
    )
    if corrected:
        return
    document.document_type = result.document_type
    document.type_confidence = result.confidence
    document.is_certified_copy = result.is_certified_copy
    document.fields = result.fields_json() or None
