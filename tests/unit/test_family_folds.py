"""The family hold-out keeps its promise: a family is tested only by a model that never saw it."""

from __future__ import annotations

from collections import defaultdict

from bench.classify_families import FOLDS, corpus_with_families, fold_of_families


def test_every_fold_trains_on_each_type_and_tests_only_families_it_left_out() -> None:
    items = corpus_with_families()
    fold_of = fold_of_families(items)
    families_of: dict[str, set[str]] = defaultdict(set)
    for item in items:
        families_of[item.example.document_type].add(item.family)
    for fold in range(FOLDS):
        for document_type, families in families_of.items():
            trained = {f for f in families if fold_of[f] != fold}
            assert trained, f"fold {fold} leaves no {document_type} to train on"
    held = {f for f, fold in fold_of.items() if fold >= 0}
    # Every type with two forms or more has one tested unseen; one-form types sit out.
    for document_type, families in families_of.items():
        assert bool(families & held) == (len(families) >= 2), document_type
