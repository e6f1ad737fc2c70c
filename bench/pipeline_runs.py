"""One measured pass of the page set through the real pipeline, and its correctness check.

The clock starts just before the first ``sohoa ingest`` and stops at the latest
``done_at`` the workers wrote to the database, not when the benchmark's poll happens
to notice: polling only decides when to stop waiting, so its interval cannot flatter
or penalise a configuration. Workers are started (and ready) before the clock starts,
because in production they are long-running.

A run counts only if every document ends ``done`` with the page count of its file,
every page row done, a searchable PDF of that many pages and a text of that many
pages; anything else is listed as a problem next to the row, never averaged in.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pikepdf

from bench import pipeline_cpu as cpu
from bench.pageset import InputFile, PageSet
from bench.pipeline_services import (
    UNIT,
    Deployment,
    WorkerGroup,
    WorkerSpec,
    runtime_for,
    subprocess_env,
)
from bench.procwatch import run_command
from bench.scoring import Counts, page_counts, pooled
from bench.tools import executable, split_sidecar
from pipeline.runtime import Runtime
from storage import repository as repo

TASK_LINE = re.compile(r"Task (sohoa\.\w+)\[[^\]]+\] succeeded in ([0-9.]+)s")
RETRY_LINE = re.compile(r"Task sohoa\.\w+\[[^\]]+\] retry")
FINAL = ("done", "failed")


class RunFailed(RuntimeError):
    """The run could not be measured at all (an ingest refused, a worker never ready)."""


@dataclass(frozen=True)
class Ingested:
    document_id: str
    file: InputFile
    dossier: str


@dataclass(frozen=True)
class DocumentOutcome:
    """What the database and the store say about one document after the run."""

    file: str
    document_id: str
    expected_pages: int
    status: str
    reason: str | None
    page_count: int
    pages_done: int
    pdf_pages: int | None
    done_seconds: float | None  # from the first ingest to this document's done_at
    texts: tuple[str, ...]
    problem: str | None


@dataclass(frozen=True)
class RunResult:
    key: str
    label: str
    workers: str
    cores: int
    documents: tuple[DocumentOutcome, ...]
    ingest_seconds: float
    task_seconds: dict[str, list[float]]
    retries: int
    cpu_seconds: dict[str, float]
    measured_seconds: float = 0.0  # between the CPU snapshots, also when the run failed
    counts: Counts = field(default_factory=Counts)
    error: str | None = None

    @property
    def pages(self) -> int:
        return sum(d.expected_pages for d in self.documents)

    @property
    def problems(self) -> list[str]:
        found = [f"{d.file}: {d.problem}" for d in self.documents if d.problem]
        return ([self.error] if self.error else []) + found

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.documents)

    @property
    def wall_seconds(self) -> float | None:
        """First ingest to last document done; None unless every document is done."""
        times = [d.done_seconds for d in self.documents]
        if not times or any(t is None for t in times):
            return None
        return max(t for t in times if t is not None)

    @property
    def first_done_seconds(self) -> float | None:
        times = [d.done_seconds for d in self.documents if d.done_seconds is not None]
        return min(times) if times else None

    @property
    def pages_per_minute(self) -> float | None:
        wall = self.wall_seconds
        return self.pages * 60.0 / wall if wall and self.ok else None

    def mean_task(self, name: str) -> float | None:
        values = self.task_seconds.get(name, [])
        return statistics.fmean(values) if values else None


def failed_run(deployment: Deployment, error: str) -> RunResult:
    """A row that says the configuration could not be measured, and why."""
    return RunResult(
        key=deployment.key,
        label=deployment.label,
        workers=describe_workers(deployment.workers),
        cores=deployment.cores,
        documents=(),
        ingest_seconds=0.0,
        task_seconds={},
        retries=0,
        cpu_seconds={},
        error=error,
    )


def describe_workers(workers: Sequence[WorkerSpec]) -> str:
    specs = [f"-c {w.concurrency}" for w in workers]
    if len(set(specs)) == 1:
        count = len(specs)
        return f"{count} worker{'s' if count > 1 else ''} × `sohoa worker {specs[0]}`"
    return " + ".join(f"`sohoa worker {s}`" for s in specs)


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------


def run_deployment(
    deployment: Deployment,
    pageset: PageSet,
    log_dir: Path,
    *,
    per_dossier: int,
    timeout: float,
    poll: float,
) -> RunResult:
    """Start the workers, ingest every file, wait for all documents, check them."""
    client = deployment.client_values()
    env = subprocess_env(client)
    rt = runtime_for(client)  # migrates the fresh database before any worker needs it
    with WorkerGroup(deployment, log_dir) as group:
        before = cpu.snapshot(group.main_pids)
        clock = time.perf_counter()
        started = datetime.now(UTC)
        ingested, ingest_seconds = ingest_all(env, pageset.files, per_dossier)
        wait_until_final(rt, [i.document_id for i in ingested], timeout, poll)
        after = cpu.snapshot(group.main_pids)
        measured = time.perf_counter() - clock
        logs = group.logs
    outcomes = tuple(check_document(rt, item, started) for item in ingested)
    tasks = task_times(logs)
    return RunResult(
        key=deployment.key,
        label=deployment.label,
        workers=describe_workers(deployment.workers),
        cores=deployment.cores,
        documents=outcomes,
        ingest_seconds=ingest_seconds,
        task_seconds=tasks,
        retries=count_retries(logs),
        cpu_seconds=cpu.breakdown(before, after),
        measured_seconds=measured,
        counts=document_counts(pageset, outcomes),
    )


def dossier_code(number: int) -> str:
    """A code shaped like the one-stop system's (unit.procedure-date-sequence)."""
    return f"000.A0.01.H26-{datetime.now(UTC):%y%m%d}-{number:04d}"


def ingest_all(
    env: dict[str, str], files: Sequence[InputFile], per_dossier: int
) -> tuple[list[Ingested], float]:
    """Hand the files in the way a counter does: a few dossiers of a few files each.

    One ``sohoa ingest`` call per dossier, one after another, while the workers are
    already digitising what was handed in first.
    """
    start = time.perf_counter()
    ingested: list[Ingested] = []
    for number, first in enumerate(range(0, len(files), per_dossier), start=1):
        batch = files[first : first + per_dossier]
        ingested += ingest_dossier(env, batch, dossier_code(number))
    return ingested, time.perf_counter() - start


def ingest_dossier(env: dict[str, str], files: Sequence[InputFile], code: str) -> list[Ingested]:
    argv = [executable("sohoa"), "ingest", *map(str, (f.path for f in files))]
    result = run_command([*argv, "--dossier", code, "--unit", UNIT], timeout=300, env=env)
    if not result.ok:
        raise RunFailed(f"sohoa ingest {code} exited {result.returncode}: {result.stderr[-400:]}")
    by_name = {f.path.name: f for f in files}
    found: list[Ingested] = []
    for line in result.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1] in by_name:
            found.append(Ingested(parts[0].strip(), by_name.pop(parts[1]), code))
    if by_name:
        raise RunFailed(f"sohoa ingest {code} did not report {sorted(by_name)}")
    return found


def wait_until_final(rt: Runtime, ids: Sequence[str], timeout: float, poll: float) -> bool:
    """Poll until every document is done or failed; False when the time ran out.

    One short transaction per poll: on SQLite every transaction takes the write lock,
    so the benchmark must not hold it often or long while workers write.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with rt.session() as s:
            statuses = [getattr(repo.get_document(s, i), "status", None) for i in ids]
        if all(status in FINAL for status in statuses):
            return True
        time.sleep(poll)
    return False


# --------------------------------------------------------------------------------------
# Checking what came out
# --------------------------------------------------------------------------------------


def check_document(rt: Runtime, item: Ingested, started: datetime) -> DocumentOutcome:
    """Read the document back from the database and the store and judge it."""
    expected = len(item.file.pages)
    with rt.session() as s:
        d = repo.get_document(s, item.document_id)
        if d is None:
            return _missing(item, expected)
        pages_ok = sum(p.status == "done" for p in d.pages)
        facts = {
            "status": d.status,
            "reason": d.failure_reason,
            "page_count": d.page_count,
            "pages_done": d.pages_done,
            "rows": len(d.pages),
            "pdf": (d.pdf_key, d.pdf_sha256),
            "text": (d.text_key, d.text_sha256),
            "done_at": d.done_at,
        }
    pdf_pages = _pdf_pages(rt, *facts["pdf"]) if facts["pdf"][0] else None
    texts = _texts(rt, *facts["text"], expected) if facts["text"][0] else ("",) * expected
    done_at = facts["done_at"]
    return DocumentOutcome(
        file=item.file.path.name,
        document_id=item.document_id,
        expected_pages=expected,
        status=facts["status"],
        reason=facts["reason"],
        page_count=facts["page_count"],
        pages_done=facts["pages_done"],
        pdf_pages=pdf_pages,
        done_seconds=(done_at - started).total_seconds() if done_at else None,
        texts=texts,
        problem=_problem(facts, expected, pages_ok, pdf_pages),
    )


def _problem(facts: dict, expected: int, pages_ok: int, pdf_pages: int | None) -> str | None:
    if facts["status"] != "done":
        reason = f": {facts['reason']}" if facts["reason"] else ""
        return f"status {facts['status']}{reason}"
    if facts["page_count"] != expected or facts["pages_done"] != expected:
        return f"{facts['pages_done']}/{facts['page_count']} pages done, file has {expected}"
    if facts["rows"] != expected or pages_ok != expected:
        return f"{pages_ok} of {facts['rows']} page rows done, file has {expected}"
    if pdf_pages != expected:
        return f"searchable PDF has {pdf_pages} pages, file has {expected}"
    return None


def _missing(item: Ingested, expected: int) -> DocumentOutcome:
    return DocumentOutcome(
        file=item.file.path.name,
        document_id=item.document_id,
        expected_pages=expected,
        status="missing",
        reason=None,
        page_count=0,
        pages_done=0,
        pdf_pages=None,
        done_seconds=None,
        texts=("",) * expected,
        problem="not in the database",
    )


def _pdf_pages(rt: Runtime, key: str, sha256: str | None) -> int | None:
    """Pages of the stored searchable PDF, fetched with its checksum verified."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.pdf"
        try:
            rt.store.download(key, path, sha256 or "")
            with pikepdf.open(path) as pdf:
                return len(pdf.pages)
        except Exception:
            return None


def _texts(rt: Runtime, key: str, sha256: str | None, expected: int) -> tuple[str, ...]:
    try:
        text = rt.store.get_bytes(key, sha256 or "").decode("utf-8")
    except Exception:
        return ("",) * expected
    return split_sidecar(text, expected)[0]


def document_counts(pageset: PageSet, outcomes: Sequence[DocumentOutcome]) -> Counts:
    """Pooled error counts of the pipeline's texts against the page set's truth.

    Not a quality benchmark (``bench/run`` is): a guard that the pipeline OCRs the same
    pages as ``sohoa ocr`` does, so its speed is not bought by skipping work.
    """
    truth = {f.path.name: f for f in pageset.files}
    per_page = (
        page_counts(page.text, text)
        for outcome in outcomes
        for page, text in zip(truth[outcome.file].pages, outcome.texts, strict=True)
    )
    return pooled(per_page)


# --------------------------------------------------------------------------------------
# Worker logs
# --------------------------------------------------------------------------------------


def task_times(logs: Sequence[Path]) -> dict[str, list[float]]:
    """Seconds of every successful task, by task name, from Celery's own log lines."""
    found: dict[str, list[float]] = {}
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        for name, seconds in TASK_LINE.findall(text):
            found.setdefault(name, []).append(float(seconds))
    return found


def count_retries(logs: Sequence[Path]) -> int:
    total = 0
    for log in logs:
        if log.exists():
            total += len(RETRY_LINE.findall(log.read_text(encoding="utf-8", errors="replace")))
    return total
