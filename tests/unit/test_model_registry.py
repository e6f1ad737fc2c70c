"""The registry's policy on a shelf kept in memory: the ``ModelShelf`` seam proved twice."""

from __future__ import annotations

import hashlib
from pathlib import Path

from classifiers.registry import ModelRecord, ModelRegistry, ShelvedModel
from classifiers.training import Example


class MemoryShelf:
    """Models in a dict; the database's rows as a list."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.rows: list[tuple[ShelvedModel, ModelRecord, bool]] = []
        self.fetches = 0

    def active(self) -> ShelvedModel | None:
        live = [model for model, _, active in self.rows if active]
        return live[-1] if live else None

    def fetch(self, model: ShelvedModel) -> bytes:
        self.fetches += 1
        data = self.blobs[model.key]
        assert hashlib.sha256(data).hexdigest() == model.sha256
        return data

    def put(self, data: bytes) -> ShelvedModel:
        sha = hashlib.sha256(data).hexdigest()
        self.blobs[sha] = data
        return ShelvedModel(sha, sha)

    def record(self, model: ShelvedModel, record: ModelRecord, *, activate: bool) -> None:
        if activate:
            self.rows = [(m, r, False) for m, r, _ in self.rows]
        self.rows.append((model, record, activate))

    def record_first(self, model: ShelvedModel, record: ModelRecord) -> None:
        if self.active() is None:
            self.rows.append((model, record, True))

    def corrected_examples(self) -> list[Example]:
        return []


def test_a_fresh_deployment_records_one_base_model_and_loads_it_once(tmp_path: Path) -> None:
    shelf = MemoryShelf()
    first = ModelRegistry(shelf, tmp_path, threshold=0.5)
    classifier = first.active_classifier()
    fetched = shelf.fetches  # 0 when this process already holds the same model loaded
    assert len(shelf.rows) == 1
    model, record, active = shelf.rows[0]
    assert active and record.actor == "system:base-model" and record.metrics["base"] is True
    # A second process on the same shelf finds the recorded model: nothing is trained or
    # recorded again, and the model already loaded in this process is reused.
    second = ModelRegistry(shelf, tmp_path, threshold=0.5)
    assert second.active_classifier() is classifier
    assert len(shelf.rows) == 1 and shelf.fetches == fetched
    # A racing process that recorded first wins: the loser's record is dropped.
    shelf.record_first(ShelvedModel("other", "0" * 64), record)
    assert shelf.active() == model
    assert classifier.version == record.version
