"""Fair turns: how long a one-page document waits behind a long one on a busy worker.

One worker (``sohoa worker -c <cores>``) is given a long document (the page set's PDFs
joined, cycled to ``long_pages`` pages); once a few of its pages are done, a one-page
document is ingested. Measured: seconds from that ``sohoa ingest`` call to the short
document's ``done_at`` in the database, and how many pages of the long document
finished meanwhile (read by the same poll that saw the short one done, so ± a page).
When everything is done, the same one-page file is ingested again (into new dossiers)
on the now idle worker: its time alone, the baseline of the ratio.

Pages are queued in lanes (``SOHOA_PAGE_LANES``, default 4) and, on Redis, short
documents' pages have a higher priority; ``SOHOA_PAGE_LANES=100000`` queues every
page at once, as before lanes existed, to show what the short document waited then.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf

from bench.pageset import InputFile, PageSet
from bench.pipeline_runs import (
    FINAL,
    DocumentOutcome,
    Ingested,
    RunFailed,
    check_document,
    describe_workers,
    dossier_code,
    ingest_dossier,
    wait_until_final,
)
from bench.pipeline_services import Deployment, WorkerGroup, runtime_for, subprocess_env
from bench.report import DASH
from pipeline.runtime import Runtime
from storage import repository as repo

NAME = "fairness"
DEFAULT_LANES = 4
NO_LANES = 100_000
HEAD_PAGES = 4  # pages of the long document done before the short one is handed in
ALONE_RUNS = 2


@dataclass(frozen=True)
class Case:
    key: str
    production: bool
    lanes: int


CASES = (
    Case("fair-embedded", production=False, lanes=DEFAULT_LANES),
    Case("fair-embedded-nolanes", production=False, lanes=NO_LANES),
    Case("fair-prod", production=True, lanes=DEFAULT_LANES),
)


@dataclass(frozen=True)
class FairnessResult:
    key: str
    label: str
    workers: str
    lanes: int
    long_pages: int
    long_done_before: int | None = None  # long pages done when the short one was handed in
    long_done_meanwhile: int | None = None  # … and finished until the short one was done
    short_seconds: float | None = None  # ingest call → short document's done_at
    alone_seconds: tuple[float, ...] = ()
    long_seconds: float | None = None  # long document: ingest call → done_at
    documents: tuple[DocumentOutcome, ...] = ()
    error: str | None = None

    @property
    def problems(self) -> list[str]:
        found = [f"{d.file}: {d.problem}" for d in self.documents if d.problem]
        return ([self.error] if self.error else []) + found

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.documents)

    @property
    def alone(self) -> float | None:
        return min(self.alone_seconds) if self.alone_seconds else None

    @property
    def ratio(self) -> float | None:
        alone = self.alone
        return self.short_seconds / alone if self.short_seconds and alone else None


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def long_document(pageset: PageSet, pages: int, target: Path) -> InputFile:
    """The page set's PDFs joined page by page, cycled until ``pages`` pages.

    Built by copying PDF pages (no re-encoding), so its pages are the set's scans.
    """
    pdfs = [f for f in pageset.files if f.kind == "pdf"]
    if not pdfs:
        raise RunFailed("the page set has no PDF to build the long document from")
    sources = [(f, pikepdf.open(f.path)) for f in pdfs]
    try:
        out, truth = pikepdf.new(), []
        while len(truth) < pages:
            for file, pdf in sources:
                for page, info in zip(pdf.pages, file.pages, strict=True):
                    if len(truth) < pages:
                        out.pages.append(page)
                        truth.append(info)
        target.parent.mkdir(parents=True, exist_ok=True)
        out.save(target)
    finally:
        for _, pdf in sources:
            pdf.close()
    return InputFile(path=target, kind="pdf", dpi=pdfs[0].dpi, pages=tuple(truth))


def short_document(pageset: PageSet) -> InputFile:
    """The first single-page file of the set at its usual resolution (a JPEG)."""
    singles = [f for f in pageset.files if len(f.pages) == 1]
    if not singles:
        raise RunFailed("the page set has no one-page file")
    return next((f for f in singles if f.kind == "jpeg" and f.dpi == 300), singles[0])


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _state(rt: Runtime, long_id: str, short_id: str | None) -> tuple[int, str | None]:
    """Pages of the long document done, and the short document's status; one transaction."""
    with rt.session() as s:
        long_doc = repo.get_document(s, long_id)
        short = repo.get_document(s, short_id) if short_id else None
        done = long_doc.pages_done if long_doc is not None else 0
        return done, getattr(short, "status", None)


def _poll(check: Callable[[], bool], timeout: float, poll: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RunFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


def _done_seconds(rt: Runtime, document_id: str, since: datetime) -> float | None:
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        done_at = document.done_at if document is not None else None
    return (_aware(done_at) - since).total_seconds() if done_at else None


def run_case(
    deployment: Deployment,
    lanes: int,
    long_file: InputFile,
    short_file: InputFile,
    log_dir: Path,
    *,
    timeout: float,
    poll: float,
) -> FairnessResult:
    """Long document, then the short one while it runs, then the short one alone."""
    client = deployment.client_values()
    env = subprocess_env(client)
    rt = runtime_for(client)  # migrates the fresh database before any worker needs it
    base = FairnessResult(
        key=deployment.key,
        label=deployment.label,
        workers=describe_workers(deployment.workers),
        lanes=lanes,
        long_pages=len(long_file.pages),
    )
    items: list[Ingested] = []
    times: dict[str, datetime] = {}
    with WorkerGroup(deployment, log_dir):  # started and ready; stopped on the way out
        times["long"] = datetime.now(UTC)
        items += ingest_dossier(env, [long_file], dossier_code(1))
        long_id = items[0].document_id
        _poll(
            lambda: _state(rt, long_id, None)[0] >= HEAD_PAGES,
            timeout,
            poll,
            f"{HEAD_PAGES} pages of the long document",
        )
        before, _ = _state(rt, long_id, None)
        times["short"] = datetime.now(UTC)
        items += ingest_dossier(env, [short_file], dossier_code(2))
        short_id = items[1].document_id
        seen: dict[str, int] = {}

        def short_final() -> bool:
            done, status = _state(rt, long_id, short_id)
            seen["long_done"] = done
            return status in FINAL

        _poll(short_final, timeout, poll, "the one-page document")
        if not wait_until_final(rt, [long_id], timeout, poll):
            raise RunFailed(f"the long document was not finished after {timeout:.0f} s")
        alone: list[float] = []
        for number in range(3, 3 + ALONE_RUNS):
            started = datetime.now(UTC)
            again = ingest_dossier(env, [short_file], dossier_code(number))
            items += again
            wait_until_final(rt, [again[0].document_id], timeout, poll)
            seconds = _done_seconds(rt, again[0].document_id, started)
            if seconds is not None:
                alone.append(seconds)
    outcomes = tuple(check_document(rt, item, times["long"]) for item in items)
    return FairnessResult(
        **{
            **asdict(base),
            "long_done_before": before,
            "long_done_meanwhile": seen.get("long_done", before) - before,
            "short_seconds": _done_seconds(rt, short_id, times["short"]),
            "alone_seconds": tuple(alone),
            "long_seconds": _done_seconds(rt, long_id, times["long"]),
            "documents": outcomes,
        }
    )


def failed(deployment: Deployment, lanes: int, pages: int, error: str) -> FairnessResult:
    return FairnessResult(
        key=deployment.key,
        label=deployment.label,
        workers=describe_workers(deployment.workers),
        lanes=lanes,
        long_pages=pages,
        error=error,
    )


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _lanes(lanes: int) -> str:
    return "none (every page queued at once)" if lanes >= NO_LANES else str(lanes)


def render(results: Sequence[FairnessResult], long_pages: int, short_name: str) -> list[str]:
    """The fairness section of bench/out/pipeline.md."""
    lines = [
        "## Fair turns: a one-page document behind a long one",
        "",
        f"One worker, `-c` = cores. A {long_pages}-page PDF (the set's PDFs joined) is "
        f"ingested; once {HEAD_PAGES} of its pages are done, the one-page `{short_name}` is "
        "ingested. *Time to done*: from that `sohoa ingest` call to the short document's "
        "`done_at`; *long pages meanwhile*: long-document pages finished in that time (as "
        "seen by the poll that saw the short one done, ± 1). *Alone*: the same file "
        f"ingested on the idle worker afterwards (best of {ALONE_RUNS}).",
        "",
        "| Deployment | Lanes (`SOHOA_PAGE_LANES`) | Long pages done meanwhile "
        "| Short document: time to done, s | Alone, s | ÷ alone | Long document done, s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        status = "" if r.ok else " **(failed, see below)**"
        meanwhile = DASH if r.long_done_meanwhile is None else str(r.long_done_meanwhile)
        lines.append(
            f"| {r.label}, {r.workers}{status} | {_lanes(r.lanes)} | {meanwhile} "
            f"| {_num(r.short_seconds)} | {_num(r.alone)} | {_num(r.ratio, 2)} "
            f"| {_num(r.long_seconds)} |"
        )
    found = [f"- {r.label}, lanes {_lanes(r.lanes)}: {p}" for r in results for p in r.problems]
    lines += ["", "Fairness failures:" if found else "Fairness failures: none.", *found]
    return lines


def to_json(results: Sequence[FairnessResult]) -> dict[str, Any]:
    return {
        r.key: {
            "label": r.label,
            "workers": r.workers,
            "lanes": r.lanes,
            "long_pages": r.long_pages,
            "head_pages": HEAD_PAGES,
            "ok": r.ok,
            "problems": r.problems,
            "long_done_before": r.long_done_before,
            "long_done_meanwhile": r.long_done_meanwhile,
            "short_seconds": r.short_seconds,
            "alone_seconds": list(r.alone_seconds),
            "alone_best_seconds": r.alone,
            "alone_median_seconds": statistics.median(r.alone_seconds) if r.alone_seconds else None,
            "ratio_to_alone": r.ratio,
            "long_seconds": r.long_seconds,
            "per_document": [
                {k: v for k, v in asdict(d).items() if k != "texts"} for d in r.documents
            ],
        }
        for r in results
    }
