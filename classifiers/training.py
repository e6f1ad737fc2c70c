"""Train, calibrate and judge a classifier from the corpus and people's corrections.

``train_classifier`` is deterministic for a given corpus, corrections and seed,
so the model a deployment uses can be rebuilt from what the repository and
the database hold. A held-out split (stratified, fixed seed) serves twice: it
fits the calibration (rule weight, temperature) and it scores old and new
models on the same documents, so ``sohoa classifier train`` can refuse a model
that is worse than the one in use.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from classifiers import classify, folded_text, ngram_model, rules
from classifiers.classify import Classifier, combine, prepared_rules
from classifiers.doctypes import DOCUMENT_TYPES
from classifiers.folded_text import classification_text, split_page
from classifiers.metrics import accuracy, macro_f1
from classifiers.ngram_model import train_text_model

CORPUS = "corpus/train.jsonl"
RULE_WEIGHTS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
TEMPERATURES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


@dataclass(frozen=True)
class Example:
    """A document's text (pages split by form feed) and its true type."""

    text: str
    document_type: str
    source: str = "corpus"  # or "correction"


@dataclass(frozen=True)
class Prepared:
    text: str  # folded, attestation removed: what the model reads
    rules: dict[str, float]
    document_type: str


@dataclass(frozen=True)
class Scores:
    accuracy: float
    macro_f1: float
    documents: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "documents": self.documents,
        }


@dataclass(frozen=True)
class TrainingResult:
    classifier: Classifier
    held_out: Scores
    train_documents: int
    corrections: int


def corpus_examples(path: Path | None = None) -> list[Example]:
    """The training corpus kept in the repository (see ``classifiers/corpus/SOURCE.md``)."""
    if path is None:
        text = resources.files("classifiers").joinpath(CORPUS).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    examples = []
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(Example(row["text"], row["type"]))
    return examples


TRAINING_CODE = (folded_text, rules, ngram_model, classify, sys.modules[__name__])
"""Modules whose code shapes a trained model (features, rules the calibration weighs).
Named as modules, not file names, so that renaming one breaks here, at import."""


def corpus_digest(examples: Iterable[Example]) -> str:
    """Identifies what a model was trained on and by which code (part of its version).

    The code counts too: the calibration weighs the rules against the model, so
    a model fitted under older rules is another model, and a cached one must
    not be reused after they change.
    """
    digest = hashlib.sha256()
    for module in TRAINING_CODE:
        digest.update(Path(module.__file__ or "").read_bytes())
    for example in examples:
        digest.update(example.document_type.encode() + b"\0" + example.text.encode() + b"\0")
    return digest.hexdigest()[:12]


def prepare(example: Example) -> Prepared:
    pages = [split_page(n, t) for n, t in enumerate(example.text.split("\f"), start=1)]
    scores, _ = prepared_rules(pages)
    return Prepared(classification_text(pages), scores, example.document_type)


HELD_OUT_BUCKETS = 5
"""One document in five is held out."""


def is_held_out(example: Example) -> bool:
    """Held out by a hash of the text, not by a random draw over the whole set.

    The assignment of a document never changes when others are added, so a
    model trained earlier has never seen any document held out now: old and new
    models are compared on documents neither was trained on.
    """
    digest = hashlib.sha256(example.text.encode("utf-8")).digest()
    return digest[0] % HELD_OUT_BUCKETS == 0


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if not is_held_out(e)]
    test = [e for e in examples if is_held_out(e)]
    return train, test


def train_classifier(
    examples: Sequence[Example], *, seed: int = 0, threshold: float | None = None
) -> TrainingResult:
    """Train on the documents not held out, calibrate and score on the held-out ones."""
    unknown = {e.document_type for e in examples} - set(DOCUMENT_TYPES)
    if unknown:
        raise ValueError(f"unknown document types in the training data: {sorted(unknown)}")
    train, test = split(examples)
    prepared_train = [prepare(e) for e in train]
    prepared_test = [prepare(e) for e in test]
    model = train_text_model(
        [p.text for p in prepared_train], [p.document_type for p in prepared_train], seed=seed
    )
    version = corpus_digest(examples)
    rule_weight, temperature = calibrate(Classifier(model), prepared_test)
    kwargs = {"threshold": threshold} if threshold is not None else {}
    classifier = Classifier(model, rule_weight, temperature, version=version, **kwargs)
    held_out = score(classifier, prepared_test)
    model.meta.update(
        {
            "rule_weight": rule_weight,
            "temperature": temperature,
            "version": version,
            "held_out": held_out.as_dict(),
            "corpus_documents": sum(e.source == "corpus" for e in examples),
            "corrections": sum(e.source == "correction" for e in examples),
        }
    )
    corrections = sum(e.source == "correction" for e in examples)
    return TrainingResult(classifier, held_out, len(train), corrections)


def held_out_examples(examples: Sequence[Example]) -> list[Example]:
    return split(examples)[1]


def classifier_from_model(model_bytes: bytes, threshold: float | None = None) -> Classifier:
    """A stored model with the calibration it was trained with."""
    from classifiers.ngram_model import TextModel

    model = TextModel.from_bytes(model_bytes)
    kwargs = {"threshold": threshold} if threshold is not None else {}
    return Classifier(
        model,
        float(model.meta.get("rule_weight", 4.0)),  # type: ignore[arg-type]
        float(model.meta.get("temperature", 1.0)),  # type: ignore[arg-type]
        version=str(model.meta.get("version", "")),
        **kwargs,
    )


def _rule_matrix(classifier: Classifier, prepared: Sequence[Prepared]) -> np.ndarray:
    return np.array([classifier.rule_vector(p.rules) for p in prepared])


def calibrate(classifier: Classifier, prepared: Sequence[Prepared]) -> tuple[float, float]:
    """Rule weight and temperature minimising the held-out negative log-likelihood."""
    if not prepared:
        return classifier.rule_weight, classifier.temperature
    model_probs = classifier.model.predict_proba([p.text for p in prepared])
    rule_rows = _rule_matrix(classifier, prepared)
    truth = [classifier.model.classes.index(p.document_type) for p in prepared]
    best = (math.inf, classifier.rule_weight, classifier.temperature)
    for weight in RULE_WEIGHTS:
        for temperature in TEMPERATURES:
            probs = combine(model_probs, rule_rows, temperature, weight)
            nll = -float(np.mean(np.log(probs[np.arange(len(truth)), truth] + 1e-12)))
            best = min(best, (nll, weight, temperature))
    return best[1], best[2]


def score(classifier: Classifier, prepared: Sequence[Prepared]) -> Scores:
    """Accuracy and macro-F1 of the full decision (threshold included) on prepared documents."""
    if not prepared:
        return Scores(0.0, 0.0, 0)
    predicted = decisions(classifier, prepared)
    truth = [p.document_type for p in prepared]
    return Scores(accuracy(truth, predicted), macro_f1(truth, predicted), len(prepared))


def decisions(classifier: Classifier, prepared: Sequence[Prepared]) -> list[str]:
    """The type the full decision (model, rules, threshold) gives each prepared document."""
    probs = classifier.probabilities([p.text for p in prepared], _rule_matrix(classifier, prepared))
    return [classifier.decide(row, p.rules)[0] for row, p in zip(probs, prepared, strict=True)]


def evaluate(classifier: Classifier, examples: Sequence[Example]) -> Scores:
    return score(classifier, [prepare(e) for e in examples])
