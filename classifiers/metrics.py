"""Scores of a classification run: accuracy, macro-F1, the confusion matrix.

Written out rather than taken from scikit-learn so the benchmark, the training
report and the tests count exactly alike, including for types that a run
never predicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the types that occur in the truth (a type never seen scores nothing)."""
    f1s = []
    for label in sorted(set(truth)):
        tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s)


def confusion(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    """``matrix[true][predicted]`` counts, for every label seen on either side."""
    counts = Counter(zip(truth, predicted, strict=True))
    labels = sorted(set(truth) | set(predicted))
    return {t: {p: counts.get((t, p), 0) for p in labels} for t in labels}
