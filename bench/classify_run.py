"""Running the evaluation set through ``sohoa classify``'s own code path, files in parallel.

Documents run in threads of this process, one ``Runtime`` on the embedded default
(SQLite and a local folder in a temporary data dir), each calling
``pipeline.classification.classify_file``: the OCR and classification a counter gets
from ``sohoa classify``, nothing reimplemented here. Threads, not a process pool:
``classify_file`` runs every page in a worker process of its own (so a stop kills
its Tesseract), and a pool's daemonic processes may not have children, which
failed every document of the 2026-12-04 run. The base model is installed in the
data dir before the first document; it is the model a fresh deployment uses.

Files run one per core with ``jobs=1`` OCR each and ``OMP_THREAD_LIMIT=1`` (the way
``bench/run`` drives ``sohoa ocr``), so a document's seconds are one core's work.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

from bench.classify_set import EvalDoc

FAILED = "(failed)"
"""The predicted type of a document whose run raised: wrong for every type."""


@dataclass(frozen=True)
class ReturnedField:
    value: str
    confidence: float
    page: int
    raw: str = ""  # what was read before normalising: tells an OCR error from a parsing one


@dataclass(frozen=True)
class Outcome:
    """What the classifier said about one document, next to the document's truth."""

    doc: EvalDoc
    predicted: str
    confidence: float
    certified: bool
    fields: dict[str, ReturnedField]
    candidates: tuple[tuple[str, float], ...]
    evidence: tuple[str, ...]
    seconds: float
    error: str | None = None

    @property
    def correct(self) -> bool:
        return self.predicted == self.doc.plan.doc_type


def _settings(data_dir: Path) -> Any:
    """Embedded-default settings that ignore any ``.env`` of the working directory."""
    from core.settings import Settings

    return Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]


def prepare_model(data_dir: Path) -> str:
    """Install the base model in ``data_dir`` (trained once, then cached in
    ``~/.cache/sohoa``) and return its version, before any pool process needs it."""
    from pipeline.classification import active_classifier
    from pipeline.runtime import Runtime

    rt = Runtime.from_settings(_settings(data_dir))
    return active_classifier(rt).version


_runtime: Any = None


def _init_worker(data_dir: Path) -> None:
    global _runtime
    from pipeline.runtime import Runtime

    _runtime = Runtime.from_settings(_settings(data_dir))


def classify_one(doc: EvalDoc) -> Outcome:
    """One document through ``classify_file``; an exception becomes a failed outcome."""
    from pipeline.classification import classify_file
    from pipeline.stage_data import ocr_options

    options = ocr_options(_runtime.settings, jobs=1)
    start = time.perf_counter()
    try:
        result = classify_file(_runtime, doc.path, options)
    except Exception as exc:  # the benchmark must report a failing file, not stop
        detail = traceback.format_exc(limit=-3).strip().splitlines()
        return Outcome(
            doc,
            FAILED,
            0.0,
            False,
            {},
            (),
            (),
            time.perf_counter() - start,
            f"{type(exc).__name__}: {exc} [{' | '.join(detail[-3:])}]",
        )
    seconds = time.perf_counter() - start
    fields = {
        name: ReturnedField(f.value, float(f.confidence), f.page, f.raw)
        for name, f in result.fields.items()
    }
    return Outcome(
        doc,
        result.document_type,
        float(result.confidence),
        bool(result.is_certified_copy),
        fields,
        tuple((t, float(p)) for t, p in result.candidates),
        tuple(result.evidence),
        seconds,
    )


def run_all(
    docs: Sequence[EvalDoc],
    data_dir: Path,
    jobs: int,
    log: Callable[[str], None],
) -> tuple[list[Outcome], float]:
    """Every document, ``jobs`` at a time; outcomes in the order of ``docs`` and the wall
    seconds from the first submission to the last result."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by the pool and its Tesseract calls
    done: dict[str, Outcome] = {}
    start = time.perf_counter()
    # The OCR runs in each page's worker process; the threads only wait for them and
    # classify, so ``jobs`` threads keep ``jobs`` cores busy.
    _init_worker(data_dir)
    with ThreadPool(max(1, jobs)) as pool:
        for outcome in pool.imap_unordered(classify_one, docs):
            done[outcome.doc.name] = outcome
            log(f"[{len(done)}/{len(docs)}] {_progress_line(outcome)}")
    wall = time.perf_counter() - start
    return [done[doc.name] for doc in docs], wall


def _progress_line(outcome: Outcome) -> str:
    plan = outcome.doc.plan
    mark = "ok " if outcome.correct else "ERR"
    line = (
        f"{mark} {outcome.doc.name}: {outcome.predicted} {outcome.confidence:.2f} "
        f"({outcome.seconds:.1f} s, {plan.pages} p)"
    )
    return line + (f" — {outcome.error}" if outcome.error else "")
