"""The classifier in a deployment: the registry on the runtime's shelf, and ``sohoa classify``.

Which model is active and when a retrained one replaces it is
``classifiers.registry``'s policy; the models are kept by
``storage.classifier_shelf``. This module wires the two to a ``Runtime`` and
writes a classification on a stored document.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import object_session

from classifiers.classify import Classification, Classifier
from classifiers.registry import ModelRegistry, RetrainReport
from ocr.engines import check_languages
from pipeline import journey
from pipeline.local_run import run_pages
from pipeline.runtime import Runtime
from pipeline.stage_data import OcrOptions
from storage.classifier_shelf import StoredModelShelf
from storage.models import Document, DocumentCorrection


def registry(rt: Runtime) -> ModelRegistry:
    """The deployment's model registry, on the runtime's database and object store."""
    shelf = StoredModelShelf(rt.session, rt.store)
    return ModelRegistry(shelf, rt.settings.cache_dir, rt.settings.classifier_threshold)


def active_classifier(rt: Runtime) -> Classifier:
    """The model every worker uses now (see ``classifiers.registry``)."""
    return registry(rt).active_classifier()


def retrain(rt: Runtime, *, actor: str, seed: int = 0, force: bool = False) -> RetrainReport:
    """Train on corpus + corrections; activate only if the held-out scores are not worse."""
    return registry(rt).retrain(actor=actor, seed=seed, force=force)


# ------------------------------------------------------------------ one document


def classify_file(rt: Runtime, source: Path, options: OcrOptions) -> Classification:
    """``sohoa classify``: the journey up to classification, in this process; nothing is stored."""
    scan = journey.open_original(source, options.limits)
    check_languages(options.engine, options.lang)
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
        for k in (
            "candidates",
            "evidence",
            "red_seal",
            "portrait_photo",
            "cues",
            "model_version",
            "parts",
        )
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
