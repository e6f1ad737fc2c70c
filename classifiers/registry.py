"""Which classifier model the deployment uses, and when a retrained one replaces it.

The policy lives here; where models and their records are kept is a
``ModelShelf`` (``storage.classifier_shelf`` keeps them in the object store
and the database, so every worker on every machine uses the same model and a
retrained one is picked up without restarting anything). A model is loaded
only by its recorded SHA-256 and never unpickled (``classifiers.ngram_model``).

With no model yet (a fresh deployment), the first process that needs one
trains the base model from the corpus (deterministic, a few seconds) and
records it; a second process racing it uses whichever was recorded first.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from classifiers.classify import Classifier
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

log = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: dict[str, Classifier] = {}
"""The model last loaded in this process, by SHA-256 and threshold: one at a time."""


@dataclass(frozen=True)
class ShelvedModel:
    """Where a model's bytes are kept, and their checksum."""

    key: str
    sha256: str


@dataclass(frozen=True)
class ModelRecord:
    """What is recorded of a trained model beside its bytes."""

    version: str
    metrics: dict[str, Any]
    actor: str


class ModelShelf(Protocol):
    """Where models and the record of the active one are kept."""

    def active(self) -> ShelvedModel | None:
        """The active model, or None in a fresh deployment."""

    def fetch(self, model: ShelvedModel) -> bytes:
        """The model's bytes, checked against its recorded SHA-256."""

    def put(self, data: bytes) -> ShelvedModel:
        """Keep a model's bytes (under their SHA-256: keeping them twice is harmless)."""

    def record(self, model: ShelvedModel, record: ModelRecord, *, activate: bool) -> None:
        """Record a trained model; activating it deactivates every other one."""

    def record_first(self, model: ShelvedModel, record: ModelRecord) -> None:
        """Record and activate ``model`` only if no model is active yet (a race is lost quietly)."""

    def corrected_examples(self) -> list[Example]:
        """Documents whose type a person set: their text, with the type as corrected last."""


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


@dataclass(frozen=True)
class ModelRegistry:
    """The deployment's models on ``shelf``; ``cache_dir`` keeps the base model between runs."""

    shelf: ModelShelf
    cache_dir: Path
    threshold: float

    def active_classifier(self) -> Classifier:
        """The model every worker uses now; the base model is trained and recorded on first need."""
        found = self.shelf.active()
        if found is None:
            self._install_base_model()
            found = self.shelf.active()
            if found is None:
                raise RuntimeError("the base classifier model was recorded but is not active")
        return self._load(found)

    def _load(self, model: ShelvedModel) -> Classifier:
        cache_key = f"{model.sha256}:{self.threshold}"
        with _lock:
            cached = _loaded.get(cache_key)
            if cached is None:
                cached = classifier_from_model(self.shelf.fetch(model), self.threshold)
                _loaded.clear()
                _loaded[cache_key] = cached
            return cached

    def _install_base_model(self) -> None:
        data = base_model_bytes(self.cache_dir)
        classifier = classifier_from_model(data)
        held_out = classifier.model.meta.get("held_out")
        record = ModelRecord(
            classifier.version, {"held_out": held_out, "base": True}, "system:base-model"
        )
        self.shelf.record_first(self.shelf.put(data), record)

    def retrain(self, *, actor: str, seed: int = 0, force: bool = False) -> RetrainReport:
        """Train on corpus + corrections; activate only if the held-out scores are not worse.

        Both models are scored on the same held-out documents, which neither was
        trained on (``classifiers.training.is_held_out``). "Not worse" is macro-F1
        and accuracy both at least the old model's.
        """
        corpus = corpus_examples()
        corrections = self.shelf.corrected_examples()
        examples = [*corpus, *corrections]
        result = train_classifier(examples, seed=seed, threshold=self.threshold)
        before = evaluate(self.active_classifier(), held_out_examples(examples))
        after = result.held_out
        better = after.macro_f1 >= before.macro_f1 and after.accuracy >= before.accuracy
        activate = better or force
        shelved = self.shelf.put(result.classifier.model.to_bytes())
        version = result.classifier.version
        report = RetrainReport(before, after, len(corpus), len(corrections), activate, version)
        self.shelf.record(shelved, ModelRecord(version, report.as_dict(), actor), activate=activate)
        return report


def base_model_bytes(cache_dir: Path) -> bytes:
    """The model trained on the repository's corpus alone, cached per corpus on this machine.

    Training takes seconds, not minutes, but every fresh deployment (and every
    test deployment) would pay it; the result depends only on the corpus, so it
    is cached under its digest. The cache is a convenience: delete it at will.
    """
    examples = corpus_examples()
    path = cache_dir / f"classifier-{corpus_digest(examples)}.npz"
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
