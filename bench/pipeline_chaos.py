"""Chaos: what duplicates, killed workers and a broker restart cost in speed and OCR work.

``tests/integration/test_chaos.py`` proves the pipeline stays correct under this drill;
this scenario measures its price on the benchmark's page set, in one run, on the production-like
deployment (PostgreSQL, SeaweedFS S3, three ``sohoa worker -c 1``):

1. *clean pass*: workers ready, the page set ingested, nothing else happens;
2. *chaos pass*, on the same pages in a fresh database, bucket and broker: right after
   the ingest every start, page and step task is sent again so each goes out
   ``DELIVERIES`` times in all; once ``KILL_AT`` of the pages are done one worker is
   killed with SIGKILL while it runs a page under its lease and started again, another
   is stopped with SIGTERM (warm) and started again; once ``BROKER_AT`` are done the
   broker is shut down and started again.

The broker is a private Redis per pass (``testkit.pipeline_harness.PrivateRedis``:
append-only, so queued tasks survive its restart, as in production); the shared Redis
on 6379 belongs to other people's test runs and must not be restarted. OCR runs are
counted at the engine, not from logs: ``tesseract`` on the workers' PATH is the counting
stand-in of ``testkit.pipeline_harness.engine_shim``, one line per recognition run.
Both passes use the drill's short recovery settings (``SETTINGS``): with the production
defaults a page lost with a killed worker would wait 15 minutes for its message and its
lease, which says nothing about throughput.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import redis
from sqlalchemy import or_

from bench import pipeline_cpu as cpu
from bench import pipeline_report as out
from bench.pageset import PageSet
from bench.pipeline_runs import (
    DocumentOutcome,
    Ingested,
    RunFailed,
    RunResult,
    check_document,
    count_retries,
    describe_workers,
    document_counts,
    failed_run,
    ingest_all,
    run_deployment,
    task_times,
    wait_until_final,
)
from bench.pipeline_services import (
    Deployment,
    WorkerGroup,
    WorkerSpec,
    production_deployment,
    runtime_for,
    subprocess_env,
)
from bench.report import DASH
from pipeline.celery_app import PAGE_QUEUE, QUEUE, make_celery
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import Page
from testkit.pipeline_harness import (
    PrivateRedis,
    Worker,
    engine_shim,
    fresh_postgres,
    s3_settings,
    wait_for,
)
from testkit.s3server import SeaweedS3

NAME = "chaos"
LABEL = "Private Redis (append-only) + PostgreSQL + S3"
WORKERS = 3
DELIVERIES = 3  # each task sent this many times in all, as in tests/integration/test_chaos.py
KILL_AT = 0.2  # share of the pages done when one worker is killed and another restarted
BROKER_AT = 0.5  # share of the pages done when the broker is restarted
TARGET_RATE = 0.85  # chaos pages/min ÷ clean pages/min, at least
TARGET_OCR_RUNS = 0.25  # recognition runs per page the chaos pass adds to the clean pass's
# The clean pass itself reads some pages more than once: a page read again in another turn,
# and the second pass over coloured ink (``ocr.coloured_ink``, issue 12) on pages with red or
# blue print. Those are the product's work, not duplicates; what chaos must not add is more.
DRAIN_TIMEOUT = 120.0  # seconds to let the workers consume the duplicates left after done
SETTINGS = {
    # tests/integration/test_chaos.py's: a killed page's lease ends within 10 s (nobody renews it),
    # Redis hands its message back after 60 s, the sweeper looks every 3 s for
    # documents idle for 20 s.
    "SOHOA_LEASE_SECONDS": "10",
    "SOHOA_PAGE_TIME_LIMIT": "40",
    "SOHOA_VISIBILITY_TIMEOUT": "60",
    "SOHOA_STALL_AFTER": "20",
    "SOHOA_SWEEP_INTERVAL": "3",
}
ERRORS = (RunFailed, AssertionError, RuntimeError, OSError, subprocess.SubprocessError)
Events = tuple[tuple[float, str], ...]  # (seconds since the first ingest, what happened)
Measured = tuple[RunResult, int, Events]  # the run, messages left in the broker, the drill


@dataclass(frozen=True)
class Pass:
    """One pass and what the engine stand-in and the broker said about it."""

    run: RunResult
    ocr_runs: int | None = None
    left_queued: int | None = None  # messages still in the broker when the workers stopped
    retaken: int | None = None  # pages more than one task took (``pages.tries`` > 1)
    events: Events = ()

    @property
    def ocr_per_page(self) -> float | None:
        pages = self.run.pages
        return self.ocr_runs / pages if self.ocr_runs is not None and pages else None


@dataclass(frozen=True)
class ChaosResult:
    clean: Pass
    chaos: Pass
    # ``sohoa ocr`` alone vs the distributed rows, from this run or the last one that had
    # them (``pipeline_report.distributed_ratios``): not rerun for this scenario.
    distributed: dict[str, Any] | None = None

    @property
    def passes(self) -> tuple[Pass, Pass]:
        return self.clean, self.chaos

    @property
    def rate_ratio(self) -> float | None:
        clean, chaos = self.clean.run.pages_per_minute, self.chaos.run.pages_per_minute
        return chaos / clean if clean and chaos else None

    @property
    def rate_ok(self) -> bool | None:
        ratio = self.rate_ratio
        return None if ratio is None else ratio >= TARGET_RATE

    @property
    def ocr_added_per_page(self) -> float | None:
        """OCR runs per page the chaos pass needed beyond the clean pass on the same pages."""
        chaos, clean = self.chaos.ocr_per_page, self.clean.ocr_per_page
        return None if chaos is None or clean is None else chaos - clean

    @property
    def ocr_ok(self) -> bool | None:
        added = self.ocr_added_per_page
        return None if added is None else added <= TARGET_OCR_RUNS

    @property
    def all_done(self) -> bool:
        """Every document of both passes done and checked (``RunResult.ok``)."""
        return self.clean.run.ok and self.chaos.run.ok

    @property
    def problems(self) -> list[str]:
        return [f"{p.run.key}: {x}" for p in self.passes for x in p.run.problems]


# --------------------------------------------------------------------------------------
# Services for one pass
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def private_broker(directory: Path) -> Iterator[PrivateRedis]:
    """A Redis of the pass's own, shut down on the way out whatever happens."""
    broker = PrivateRedis(directory)
    try:
        yield broker.start()
    finally:
        with contextlib.suppress(*ERRORS):
            broker.stop()


@contextlib.contextmanager
def engine_counter(directory: Path) -> Iterator[Path]:
    """Put the counting ``tesseract`` first on the PATH every subprocess inherits.

    ``subprocess_env`` copies this process's environment, so the workers (and the
    restarted ones) read through the stand-in; the bench itself runs no OCR meanwhile.
    ``engine_shim`` looks up the real program on the current PATH: it must be called
    before the PATH is changed, never inside another counter.
    """
    runs = directory / "ocr-runs"
    path = engine_shim(directory, "count")
    runs.write_text("")
    values = {"PATH": path, "TEST_OCR_RUNS": str(runs), "OMP_THREAD_LIMIT": "1"}
    with mock.patch.dict(os.environ, values):
        yield runs


def ocr_runs(runs: Path) -> int:
    return len(runs.read_text().split())


@contextlib.contextmanager
def deployment_for(
    key: str, root: Path, s3: SeaweedS3
) -> Iterator[tuple[Deployment, PrivateRedis]]:
    """Fresh database, bucket and broker: the passes must not see each other's documents
    (an identical file in the same dossier would not even be stored twice)."""
    with (
        fresh_postgres("sohoa_bench") as database_url,
        private_broker(root / "redis") as broker,
    ):
        settings = {
            "SOHOA_DATABASE_URL": database_url,
            "SOHOA_BROKER_URL": broker.url,
            **s3_settings(s3, f"sohoa-bench-{key}"),
            **SETTINGS,
        }
        workers = tuple(WorkerSpec(1) for _ in range(WORKERS))
        yield production_deployment(key, LABEL, root, settings, workers), broker


def queued_messages(url: str) -> int:
    """Messages the broker still holds: every queue (priorities included) and unacked."""
    client = redis.Redis.from_url(url)
    lists = sum(client.llen(k) for k in client.scan_iter() if client.type(k) == b"list")
    return lists + int(client.hlen("unacked"))


def drain(url: str, timeout: float) -> int:
    """Wait until the workers have taken every message left (duplicates arriving after
    their document is done, a killed task's message handed back), so the OCR count
    includes whatever they cause; returns what is still there at the deadline."""
    with contextlib.suppress(AssertionError):
        wait_for(lambda: queued_messages(url) == 0, timeout, "the broker's queues to drain")
    return queued_messages(url)


# --------------------------------------------------------------------------------------
# The passes
# --------------------------------------------------------------------------------------


def run_pass(
    key: str, root: Path, s3: SeaweedS3, measure: Callable[[Deployment, PrivateRedis], Measured]
) -> Pass:
    """One pass on its own deployment, OCR counted; a failure becomes a row that says so."""
    with deployment_for(key, root, s3) as (deployment, broker):
        try:
            with engine_counter(root / "engine") as runs:
                run, left, events = measure(deployment, broker)
            retaken = pages_retaken(runtime_for(deployment.client_values()), run.documents)
            return Pass(run, ocr_runs(runs), left, retaken, events)
        except ERRORS as exc:
            return Pass(failed_run(deployment, f"{type(exc).__name__}: {exc}"))


def run_scenario(
    root: Path, s3: SeaweedS3, pageset: PageSet, log_dir: Path, **limits: Any
) -> ChaosResult:
    """Clean pass (the bench's own measured run), then chaos pass, on the same page set."""

    def clean(deployment: Deployment, broker: PrivateRedis) -> Measured:
        run = run_deployment(deployment, pageset, log_dir, **limits)
        return run, queued_messages(broker.url), ()

    def chaos(deployment: Deployment, broker: PrivateRedis) -> Measured:
        return drill_pass(deployment, broker, pageset, log_dir, **limits)

    return ChaosResult(
        run_pass("chaos-clean", root / "clean", s3, clean),
        run_pass("chaos-drill", root / "drill", s3, chaos),
    )


def send_duplicates(rt: Runtime, ingested: Sequence[Ingested]) -> int:
    """Each document's start, step and page tasks sent again, ``DELIVERIES - 1`` times.

    Sent like ``tests/integration/test_chaos.py`` does: a step sent before its document reaches it
    must be refused by its claim, a page by its lease, so none may cost OCR work.
    """
    app = make_celery(rt.settings)
    sent = 0
    for item in ingested:
        for _ in range(DELIVERIES - 1):
            app.send_task("sohoa.start_document", (item.document_id,), queue=QUEUE)
            for step in ("assemble", "classify", "index"):
                app.send_task(f"sohoa.{step}", (item.document_id,), queue=QUEUE)
            for number in range(1, len(item.file.pages) + 1):
                app.send_task("sohoa.ocr_page", (item.document_id, number, []), queue=PAGE_QUEUE)
            sent += 4 + len(item.file.pages)
    return sent


def drill_pass(
    deployment: Deployment,
    broker: PrivateRedis,
    pageset: PageSet,
    log_dir: Path,
    *,
    per_dossier: int,
    timeout: float,
    poll: float,
) -> Measured:
    """Like ``run_deployment``, with the drill played while the documents run."""
    client = deployment.client_values()
    env = subprocess_env(client)
    rt = runtime_for(client)  # migrates the fresh database before any worker needs it
    with WorkerGroup(deployment, log_dir) as group:
        before = cpu.snapshot(group.main_pids)
        clock, started = time.perf_counter(), datetime.now(UTC)
        drill = Drill(deployment, group, broker, log_dir, clock)
        ingested, ingest_seconds = ingest_all(env, pageset.files, per_dossier)
        drill.note(f"ingested; {send_duplicates(rt, ingested)} duplicate tasks sent")
        ids = [i.document_id for i in ingested]
        drill.play(rt, ids, len(pageset.pages), timeout)
        wait_until_final(rt, ids, timeout, poll)
        after = cpu.snapshot(group.main_pids)
        measured = time.perf_counter() - clock
        left = drain(broker.url, DRAIN_TIMEOUT)
        logs = [*drill.replaced_logs, *group.logs]
    outcomes = tuple(check_document(rt, item, started) for item in ingested)
    run = RunResult(
        key=deployment.key,
        label=deployment.label,
        workers=describe_workers(deployment.workers),
        cores=deployment.cores,
        documents=outcomes,
        ingest_seconds=ingest_seconds,
        task_seconds=task_times(logs),
        retries=count_retries(logs),
        cpu_seconds=cpu.breakdown(before, after),
        measured_seconds=measured,
        counts=document_counts(pageset, outcomes),
    )
    return run, left, tuple(drill.events)


def pages_retaken(rt: Runtime, documents: Sequence[DocumentOutcome]) -> int:
    """Pages that more than one task took: the database's side of the engine count, telling
    a page run again after a kill from a page read twice for its orientation."""
    with rt.session() as s:
        found = (repo.get_document(s, d.document_id) for d in documents)
        return sum(getattr(p, "tries", 0) > 1 for d in found if d is not None for p in d.pages)


def progress(rt: Runtime, ids: Sequence[str]) -> tuple[int, bool]:
    """Pages done over all documents, and whether every document is done or failed."""
    with rt.session() as s:
        documents = [repo.get_document(s, i) for i in ids]
        done = sum(d.pages_done for d in documents if d is not None)
        final = all(d is not None and d.status in ("done", "failed") for d in documents)
    return done, final


RECEIVED = re.compile(r"Task (sohoa\.\w+)\[([^\]]+)\] received")
ENDED = re.compile(r"Task sohoa\.\w+\[([^\]]+)\] (?:succeeded|failed|retry|raised)")
KILL_WAIT = 120.0  # seconds to wait for worker 1 to hold a page before killing it anyway


def unfinished_task(log: Path) -> tuple[str, str] | None:
    """The task (name, id) a worker has taken and not finished, from its Celery log."""
    text = log.read_text(encoding="utf-8", errors="replace")
    ended = set(ENDED.findall(text))
    open_tasks = [(name, i) for name, i in RECEIVED.findall(text) if i not in ended]
    return open_tasks[-1] if open_tasks else None


def leased_page(rt: Runtime, task_id: str) -> str | None:
    """The page a task holds under its lease, as 'page N' (a claim's owner is the task's
    id and its process, ``TASK@PROCESS``: ``pipeline.claimants``)."""
    with rt.session() as s:
        held = or_(Page.lease_owner == task_id, Page.lease_owner.startswith(f"{task_id}@"))
        page = s.query(Page).filter(held).first()
        return f"page {page.number} of document {page.document_id}" if page else None


class Drill:
    """The kills and restarts of the chaos pass, each written down with its time."""

    def __init__(
        self,
        deployment: Deployment,
        group: WorkerGroup,
        broker: PrivateRedis,
        log_dir: Path,
        clock: float,
    ) -> None:
        self.deployment, self.group, self.broker = deployment, group, broker
        self.log_dir, self.clock = log_dir, clock
        self.events: list[tuple[float, str]] = []
        self.replaced_logs: list[Path] = []

    def note(self, what: str) -> None:
        self.events.append((round(time.perf_counter() - self.clock, 1), what))

    def play(self, rt: Runtime, ids: Sequence[str], pages: int, timeout: float) -> None:
        """Worker 1 killed and worker 2 restarted at ``KILL_AT``, the broker at ``BROKER_AT``."""
        self.wait(rt, ids, math.ceil(KILL_AT * pages), timeout)
        held = self.wait_holding(rt)
        self.group.workers[0].kill_hard()
        self.note(f"worker 1 killed (SIGKILL, whole process group) holding {held}")
        self.restart(0)
        self.group.workers[1].stop()
        self.note("worker 2 stopped (SIGTERM, warm: its current task finished)")
        self.restart(1)
        self.wait(rt, ids, math.ceil(BROKER_AT * pages), timeout)
        self.broker.stop()
        self.note("broker shut down")
        self.broker.start()
        self.note("broker started again")

    def wait(self, rt: Runtime, ids: Sequence[str], pages: int, timeout: float) -> None:
        """Until ``pages`` pages are done, or nothing is left to wait for (a failure)."""
        seen = [0]

        def reached() -> bool:
            seen[0], final = progress(rt, ids)
            return seen[0] >= pages or final

        wait_for(reached, timeout, f"{pages} pages done")
        self.note(f"{seen[0]} pages done")

    def wait_holding(self, rt: Runtime) -> str:
        """Until worker 1 runs a page under its lease: the kill then costs the most (the
        lease and the unacknowledged message both outlive the worker), as in the test.
        Killing as soon as a page count is reached would often hit a worker that just
        finished its page and took a duplicate that returns at once."""
        log = self.group.workers[0].log

        def holding() -> str | None:
            task = unfinished_task(log)
            return leased_page(rt, task[1]) if task and task[0] == "sohoa.ocr_page" else None

        try:
            return str(wait_for(holding, KILL_WAIT, "worker 1 to hold a page"))
        except AssertionError:
            return str((unfinished_task(log) or ("no task",))[0])

    def restart(self, index: int) -> None:
        """A new worker process on the same machine (data folder) as the one it replaces."""
        self.replaced_logs.append(self.group.workers[index].log)
        log = self.log_dir / f"{self.deployment.key}-worker{index + 1}-again.log"
        log.unlink(missing_ok=True)
        env = subprocess_env(self.deployment.worker_values(index))
        worker = Worker(env, log, concurrency=self.deployment.workers[index].concurrency)
        self.group.workers[index] = worker  # the group stops or kills it on the way out
        worker.start(timeout=120)
        self.note(f"worker {index + 1} ready again")


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 2) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def pass_table(result: ChaosResult) -> list[str]:
    lines = [
        "| Pass | Documents | Pages | Wall s | Pages/min | OCR runs | OCR runs/page "
        "| Pages taken twice or more | Retries | Messages left |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, p in zip(("clean", "chaos"), result.passes, strict=True):
        r = p.run
        left = DASH if p.left_queued is None else str(p.left_queued)
        retaken = DASH if p.retaken is None else str(p.retaken)
        lines.append(
            f"| {name}{'' if r.ok else ' **(failed)**'} | {len(r.documents)} | {r.pages} "
            f"| {_num(r.wall_seconds, 1)} | {_num(r.pages_per_minute, 1)} "
            f"| {DASH if p.ocr_runs is None else p.ocr_runs} | {_num(p.ocr_per_page)} "
            f"| {retaken} | {r.retries} | {left} |"
        )
    return lines


def target_table(result: ChaosResult) -> list[str]:
    unmeasured = "not measured: a pass did not finish every document"
    rate = unmeasured if result.rate_ok is None else out.verdict(result.rate_ok)
    return [
        "| Measure | Value | Target | Verdict |",
        "|---|---:|---:|---|",
        f"| Chaos pages/min ÷ clean pages/min | {_num(result.rate_ratio)} | ≥ {TARGET_RATE} "
        f"| {rate} |",
        f"| OCR runs per page added by chaos ({_num(result.clean.ocr_per_page)} clean → "
        f"{_num(result.chaos.ocr_per_page)} chaos) | {_num(result.ocr_added_per_page)} "
        f"| ≤ {TARGET_OCR_RUNS} | {out.verdict(result.ocr_ok)} |",
        f"| All documents done, both passes | {'yes' if result.all_done else 'no'} | yes "
        f"| {out.verdict(result.all_done)} |",
        *out.distributed_rows(result.distributed),
    ]


def intro() -> str:
    """How the passes were run, so a reader can judge the numbers without the code."""
    settings = ", ".join(f"`{k}={v}`" for k, v in SETTINGS.items())
    return (
        f"{WORKERS} workers × `sohoa worker -c 1` on a private Redis (append-only), a fresh "
        "PostgreSQL database and SeaweedFS, per pass; both passes with "
        f"{settings} (the drill's recovery times, `tests/integration/test_chaos.py`). "
        "Chaos pass: every "
        f"task sent {DELIVERIES} times in all right after the ingest; at {KILL_AT:.0%} of the "
        "pages done worker 1 killed with SIGKILL and started again, worker 2 stopped with "
        f"SIGTERM and started again; at {BROKER_AT:.0%} the broker shut down and started "
        "again. OCR runs are counted by the `tesseract` stand-in on the workers' PATH "
        "(`tests/pipeline_harness.engine_shim`), after the workers took every message left "
        f"(up to {DRAIN_TIMEOUT:.0f} s after the last document was done; *messages left*: "
        "what the broker still held then). The clean pass's runs above one a page are pages "
        "read again in another orientation; *pages taken twice or more* are page rows more "
        "than one task took (`tries`). Clock: first ingest to last `done_at`."
    )


def noise(result: ChaosResult, nproc: int) -> list[str]:
    """A warning per pass during which other work took a noticeable share of the cores."""
    return [
        f"- **Noisy:** other processes used {share * 100:.0f} % of the cores during the "
        f"{p.run.key} pass; rerun on a quiet machine before trusting the ratio."
        for p in result.passes
        if (share := out.other_share(p.run, nproc)) > out.NOISY_SHARE
    ]


def render(result: ChaosResult, nproc: int) -> list[str]:
    """The chaos section of bench/out/pipeline.md."""
    events = "; ".join(f"{s:.1f} s {what}" for s, what in result.chaos.events) or DASH
    noisy = noise(result, nproc)
    problems = [f"- {p}" for p in result.problems]
    if not (problems or result.all_done):
        problems = ["- a pass checked no documents"]
    return [
        "## Chaos: duplicates, killed workers, a broker restart",
        "",
        intro(),
        "",
        *pass_table(result),
        "",
        f"Drill (seconds since the first ingest): {events}.",
        "",
        *target_table(result),
        "",
        *([*noisy, ""] if noisy else []),
        "Chaos failures:" if problems else "Chaos failures: none (every document done).",
        *problems,
    ]


def to_json(result: ChaosResult) -> dict[str, Any]:
    return {
        "settings": SETTINGS,
        "workers": WORKERS,
        "deliveries": DELIVERIES,
        "kill_at": KILL_AT,
        "broker_at": BROKER_AT,
        "passes": {
            name: {
                **out.run_json(p.run, None),
                "ocr_runs": p.ocr_runs,
                "ocr_runs_per_page": p.ocr_per_page,
                "messages_left": p.left_queued,
                "pages_taken_more_than_once": p.retaken,
                "events": [{"seconds": s, "what": w} for s, w in p.events],
            }
            for name, p in zip(("clean", "chaos"), result.passes, strict=True)
        },
        "targets": {
            "rate_ratio": {"value": result.rate_ratio, "min": TARGET_RATE, "pass": result.rate_ok},
            "ocr_runs_added_per_page": {
                "value": result.ocr_added_per_page,
                "max": TARGET_OCR_RUNS,
                "pass": result.ocr_ok,
            },
            "all_documents_done": {"value": result.all_done, "pass": result.all_done},
        },
        "distributed": result.distributed,
        "problems": result.problems,
    }
