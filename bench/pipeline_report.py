"""Tables, the capacity projection and the raw JSON of the pipeline benchmark.

Throughput is pages per minute of wall clock over the whole set, as in ``bench/run``:
for ``sohoa ocr`` from the first command started to the last one finished, for the
pipeline from the first ``sohoa ingest`` to the last document ``done``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench import pipeline_cpu as cpu
from bench.pageset import PageSet
from bench.pipeline_runs import RunResult
from bench.report import DASH, ToolScore, describe_pageset, pct
from bench.scoring import Counts

PER_DOC_TASKS = ("sohoa.start_document", "sohoa.assemble", "sohoa.classify", "sohoa.index")
PAGE_TASK = "sohoa.ocr_page"
TARGET_RATIO = 0.9


# --------------------------------------------------------------------------------------
# Projection
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """A province's daily load, from the issue's assumptions."""

    communes: int = 100
    dossiers_per_day: int = 250
    pages_per_dossier: int = 3
    working_hours: int = 8
    peak_factor: int = 5
    cores_per_machine: int = 2

    @property
    def pages_per_day(self) -> int:
        return self.communes * self.dossiers_per_day * self.pages_per_dossier

    @property
    def average_per_hour(self) -> float:
        return self.pages_per_day / self.working_hours

    @property
    def peak_per_hour(self) -> float:
        return self.peak_factor * self.average_per_hour


@dataclass(frozen=True)
class Projection:
    source: str
    pages_per_minute_per_core: float
    pages_per_hour_per_core: float
    cores_peak: int
    machines_peak: int
    cores_working_day: int
    machines_working_day: int
    cores_24h: int
    machines_24h: int


def project(load: Load, run: RunResult) -> Projection:
    per_core = (run.pages_per_minute or 0.0) / run.cores
    per_hour = per_core * 60
    cores_peak = math.ceil(load.peak_per_hour / per_hour)
    cores_day = math.ceil(load.pages_per_day / (per_hour * load.working_hours))
    cores_24h = math.ceil(load.pages_per_day / (per_hour * 24))
    machines = load.cores_per_machine
    return Projection(
        source=run.label,
        pages_per_minute_per_core=per_core,
        pages_per_hour_per_core=per_hour,
        cores_peak=cores_peak,
        machines_peak=math.ceil(cores_peak / machines),
        cores_working_day=cores_day,
        machines_working_day=math.ceil(cores_day / machines),
        cores_24h=cores_24h,
        machines_24h=math.ceil(cores_24h / machines),
    )


def projection_text(load: Load, p: Projection, run: RunResult) -> list[str]:
    """The arithmetic spelled out, so a reader can redo it with their own numbers."""
    n = load.cores_per_machine
    capacity = p.cores_working_day * p.pages_per_hour_per_core
    return [
        "Projection for a province, from the slower production row "
        f"({p.source}: {run.pages_per_minute:.1f} pages/min on {run.cores} worker cores):",
        "",
        f"- Load: {load.communes} communes × {load.dossiers_per_day} dossiers/day × "
        f"{load.pages_per_dossier} pages/dossier = {load.pages_per_day:,} pages/day.",
        f"- Average hour: {load.pages_per_day:,} ÷ {load.working_hours} working hours = "
        f"{load.average_per_hour:,.0f} pages/h; peak hour: {load.peak_factor} × "
        f"{load.average_per_hour:,.0f} = {load.peak_per_hour:,.0f} pages/h.",
        f"- One worker core: {run.pages_per_minute:.1f} ÷ {run.cores} = "
        f"{p.pages_per_minute_per_core:.1f} pages/min = {p.pages_per_hour_per_core:,.0f} "
        "pages/h.",
        f"- Keeping up at the peak hour: {load.peak_per_hour:,.0f} ÷ "
        f"{p.pages_per_hour_per_core:,.0f} = "
        f"{load.peak_per_hour / p.pages_per_hour_per_core:.1f} → **{p.cores_peak} worker "
        f"cores = {p.machines_peak} machines of {n} cores**.",
        f"- Finishing the day's load within the {load.working_hours} working hours "
        "(the queue absorbs the peak): "
        f"{load.pages_per_day:,} ÷ ({p.pages_per_hour_per_core:,.0f} × "
        f"{load.working_hours}) = "
        f"{load.pages_per_day / (p.pages_per_hour_per_core * load.working_hours):.1f} → "
        f"**{p.cores_working_day} cores = {p.machines_working_day} machines**; in the peak "
        f"hour they fall behind by {load.peak_per_hour:,.0f} − {capacity:,.0f} = "
        f"{load.peak_per_hour - capacity:,.0f} pages "
        f"(≈ {(load.peak_per_hour - capacity) / capacity:.1f} h of their work), which "
        "quieter hours must make up.",
        f"- Finishing it within 24 hours (workers also run overnight): "
        f"{load.pages_per_day:,} ÷ ({p.pages_per_hour_per_core:,.0f} × 24) = "
        f"{load.pages_per_day / (p.pages_per_hour_per_core * 24):.1f} → "
        f"**{p.cores_24h} cores = {p.machines_24h} machines**.",
        "",
        "The rate per core was measured with Redis, PostgreSQL and SeaweedFS on the same "
        "2 cores as the workers (see the CPU table), so dedicated worker machines should do "
        "somewhat better; no headroom for retries, reprocessing or a slow machine is added.",
    ]


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _ratio(value: float | None, base: float | None) -> str:
    return DASH if value is None or not base else f"{value / base:.2f}"


def main_table(
    baseline: ToolScore, runs: list[RunResult], ceiling: dict[str, Any] | None = None
) -> list[str]:
    """Pages/min of every configuration, against `sohoa ocr` alone and, when it was
    measured in the same run, against raw Tesseract's ceiling (issue 13)."""
    base = baseline.pages_per_minute
    top = ceiling["pages_per_minute"] if ceiling else None
    lines = [
        "| Configuration | Documents | Pages | Wall s | Pages/min | ÷ `sohoa ocr` alone "
        "| ÷ raw Tesseract |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    if ceiling:
        lines.append(
            f"| raw Tesseract, {ceiling['given']} | – | {len(baseline.pages)} "
            f"| {ceiling['wall_seconds']:.1f} | {_num(top)} | {_ratio(top, base)} | 1.00 |"
        )
    lines.append(
        f"| `sohoa ocr` alone, {baseline.run.given.split(', ')[-1]}, `--jobs 1` each "
        f"| {len(baseline.run.files)} | {len(baseline.pages)} "
        f"| {baseline.run.wall_seconds:.1f} | {_num(base)} | 1.00 | {_ratio(base, top)} |"
    )
    for run in runs:
        wall = run.wall_seconds if run.ok else None
        status = "" if run.ok else " **(failed, see below)**"
        lines.append(
            f"| {run.label}, {run.workers}{status} | {len(run.documents)} | {run.pages} "
            f"| {_num(wall)} | {_num(run.pages_per_minute)} "
            f"| {_ratio(run.pages_per_minute, base)} | {_ratio(run.pages_per_minute, top)} |"
        )
    return lines


def detail_table(baseline: ToolScore, runs: list[RunResult], nproc: int) -> list[str]:
    lines = [
        "| Configuration | First document done, s | Ingest calls, s | Mean page task, s "
        "| Per-document tasks, s | Task time ÷ (wall × cores) | Retries | CER |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| `sohoa ocr` alone | {_num(_first_file(baseline, nproc))} | – | – | – | – | – "
        f"| {pct(baseline.total.cer)} |",
    ]
    for run in runs:
        lines.append(
            f"| {run.label}, {run.workers} | {_num(run.first_done_seconds)} "
            f"| {_num(run.ingest_seconds)} | {_num(run.mean_task(PAGE_TASK), 2)} "
            f"| {_num(_per_document(run), 2)} | {_num(_busy_share(run), 2)} "
            f"| {run.retries} | {pct(run.counts.cer)} |"
        )
    return lines


def _first_file(baseline: ToolScore, nproc: int) -> float | None:
    """When the first file was done: the quickest of the files started together at once.

    Later files start only when one of those has finished, so none can finish first.
    """
    return min((f.seconds for f in baseline.run.files[:nproc]), default=None)


def _per_document(run: RunResult) -> float | None:
    """Mean of start + assemble + classify + index per document: the pipeline's extras."""
    total = sum(sum(run.task_seconds.get(name, [])) for name in PER_DOC_TASKS)
    return total / len(run.documents) if run.documents else None


def _busy_share(run: RunResult) -> float | None:
    """Share of the worker slots' time spent inside tasks; the rest is waiting between them."""
    wall = run.wall_seconds
    if not wall:
        return None
    return sum(sum(v) for v in run.task_seconds.values()) / (wall * run.cores)


def cpu_table(
    baseline_cpu: dict[str, float], baseline: ToolScore, runs: list[RunResult], nproc: int
) -> list[str]:
    """CPU seconds by who spent them, per configuration, as a share of the cores' time."""
    columns = [("`sohoa ocr` alone", baseline.run.wall_seconds, baseline_cpu)]
    columns += [
        (f"{r.label}, {r.workers}", r.measured_seconds, r.cpu_seconds)
        for r in runs
        if r.cpu_seconds
    ]
    lines = [
        f"| CPU seconds (% of measured time × {nproc} cores) | "
        + " | ".join(c[0] for c in columns)
        + " |",
        "|---" + "|---:" * len(columns) + "|",
    ]
    for category in (*cpu.CATEGORIES, cpu.OTHER):
        cells = []
        for _, wall, spent in columns:
            seconds = spent.get(category, 0.0)
            cells.append(f"{seconds:.1f} ({seconds / ((wall or 1.0) * nproc) * 100:.0f} %)")
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    return lines


NOISY_SHARE = 0.05
"""Above this share of the cores used by unrelated processes, a row's speed is suspect."""


def noise_warnings(
    baseline_cpu: dict[str, float], baseline: ToolScore, runs: list[RunResult], nproc: int
) -> list[str]:
    """Rows during which other work on the machine took a noticeable share of the CPU."""
    columns = [("`sohoa ocr` alone", baseline.run.wall_seconds, baseline_cpu)]
    columns += [(f"{r.label}, {r.workers}", r.measured_seconds, r.cpu_seconds) for r in runs]
    found = []
    for name, wall, spent in columns:
        share = _other_share(spent, wall, nproc)
        if share > NOISY_SHARE:
            found.append(
                f"- **Noisy:** other processes used {share * 100:.0f} % of the cores during "
                f"{name}; rerun on a quiet machine before trusting its speed."
            )
    return found


def _other_share(spent: dict[str, float], wall: float | None, nproc: int) -> float:
    return spent.get(cpu.OTHER, 0.0) / ((wall or 1.0) * nproc) if spent else 0.0


def other_share(run: RunResult, nproc: int) -> float:
    """Share of the cores unrelated processes used during ``run``: how noisy it was."""
    return _other_share(run.cpu_seconds, run.measured_seconds, nproc)


def problems(baseline: ToolScore, runs: list[RunResult]) -> list[str]:
    found = [
        f"- `sohoa ocr` failed on `{f.file}`: {f.error}" for f in baseline.run.files if f.error
    ]
    for run in runs:
        found += [f"- {run.label}, {run.workers}: {p}" for p in run.problems]
    return found


def render(
    pageset: PageSet,
    baseline: tuple[ToolScore, dict[str, float]] | None,
    runs: list[RunResult],
    meta: dict[str, Any],
    projection: list[str],
    sections: Sequence[Sequence[str]] = (),
) -> str:
    """The whole report; without a baseline (``--only fairness``, ``--only chaos``) only
    its header and the scenario sections (fair turns, chaos), which come last either way."""
    m, v = meta["machine"], meta["versions"]
    lines = [
        "# Pipeline benchmark: the distributed path vs `sohoa ocr` alone",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: nproc {m['nproc']}, {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}",
        f"- Versions: {v['tesseract']}; {v['sohoa']}; Celery {v['celery']}; "
        f"Redis {v.get('redis', DASH)}; PostgreSQL {v.get('postgresql', DASH)}; "
        f"SeaweedFS {v.get('seaweedfs', DASH)}",
        f"- Pages: {describe_pageset(pageset)}; page set `{pageset.key}`",
    ]
    if baseline is not None:
        lines += _throughput(baseline, runs, meta, projection)
    for section in sections:
        lines += ["", *section]
    return "\n".join(lines) + "\n"


def _throughput(
    baseline_pair: tuple[ToolScore, dict[str, float]],
    runs: list[RunResult],
    meta: dict[str, Any],
    projection: list[str],
) -> list[str]:
    baseline, baseline_cpu = baseline_pair
    m = meta["machine"]
    found = problems(baseline, runs)
    return [
        f"- Ingest: one `sohoa ingest` call per dossier of {meta['per_dossier']} files, one "
        "after another, workers already running; the clock runs from the first ingest to "
        "the last `done_at` in the database.",
        "- Production rows: fresh PostgreSQL database, flushed Redis database, SeaweedFS "
        "`weed mini` S3, all on this machine; each worker has its own data folder. "
        "Embedded row: SQLite broker and database, local object folder.",
        "",
        *main_table(baseline, runs, meta.get("raw_tesseract")),
        "",
        f"Issue 3 target: the distributed path ≥ {TARGET_RATIO}× `sohoa ocr` alone. "
        "Issue 13's: ≥ 0.7× raw Tesseract (`OMP_THREAD_LIMIT=1`, one page per core, the same "
        "pages as PNG, every process loading its model), here for the service's workers, "
        "which load the model once, and for `sohoa ocr`, which loads it once per file.",
        "",
        *detail_table(baseline, runs, m["nproc"]),
        "",
        "Page and per-document task times come from the workers' Celery log lines "
        "(`succeeded in`); CER is the pooled character error rate of the stored texts "
        "against the page set's truth, a guard that every configuration did the same work. "
        "CPU is measured from the first ingest to the poll that saw every document "
        "finished (or the time limit).",
        "",
        *cpu_table(baseline_cpu, baseline, runs, m["nproc"]),
        "",
        *_paragraph(noise_warnings(baseline_cpu, baseline, runs, m["nproc"])),
        "Failures:" if found else "Failures: none (every document done, page counts match).",
        *found,
        "",
        *projection,
    ]


def _paragraph(lines: list[str]) -> list[str]:
    """``lines`` followed by a blank line, or nothing at all when there are none."""
    return [*lines, ""] if lines else []


# --------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------


def verdict(passed: bool | None) -> str:
    """PASS or FAIL against a target; a dash when there was nothing to judge."""
    return DASH if passed is None else ("PASS" if passed else "FAIL")


def distributed_ratios(
    baseline: ToolScore | None, runs: Sequence[RunResult], meta: dict[str, Any]
) -> dict[str, Any] | None:
    """Issue 3's ratio (distributed ÷ `sohoa ocr` alone) of this run's rows, if it has any."""
    base = baseline.pages_per_minute if baseline else None
    rows = [
        {"key": r.key, "label": r.label, "workers": r.workers, "ratio": r.pages_per_minute / base}
        for r in runs
        if r.pages_per_minute and base
    ]
    if not rows:
        return None
    pages = max(r.pages for r in runs)  # a row that failed before any ingest has none
    return {"source": "this run", "date": meta["date"], "pages": pages, "rows": rows}


def previous_distributed(document: dict[str, Any]) -> dict[str, Any] | None:
    """The same ratios from an earlier ``pipeline.json``, so a scenario run alone (which
    rewrites the file) still shows the last measured ones, with their date."""
    runs = document.get("runs") or {}
    rows = [
        {"key": k, "label": r["label"], "workers": r["workers"], "ratio": r["ratio_to_sohoa_ocr"]}
        for k, r in runs.items()
        if r.get("ratio_to_sohoa_ocr")
    ]
    if rows:
        pages = (document.get("pageset") or {}).get("pages")
        return {
            "source": "an earlier run",
            "date": document.get("date"),
            "pages": pages,
            "rows": rows,
        }
    carried = (document.get("chaos") or {}).get("distributed")  # a chaos-only report's
    return {**carried, "source": "an earlier run"} if carried else None


def distributed_rows(found: dict[str, Any] | None) -> list[str]:
    """Rows of a target table: each distributed configuration against issue 3's target."""
    if not found:
        return [
            f"| Distributed ÷ `sohoa ocr` alone | {DASH} | ≥ {TARGET_RATIO} | not measured: "
            "run `bench/pipeline` with `prod-1w` or `prod-nw` |"
        ]
    when = f"{found['source']}, {found['date']}, {found['pages']} pages"
    return [
        f"| Distributed ÷ `sohoa ocr` alone: {r['label']}, {r['workers']} ({when}) "
        f"| {r['ratio']:.2f} | ≥ {TARGET_RATIO} | {verdict(r['ratio'] >= TARGET_RATIO)} |"
        for r in found["rows"]
    ]


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------


def _rates(c: Counts) -> dict[str, Any]:
    return {**asdict(c), "cer": c.cer, "wer": c.wer}


def run_json(run: RunResult, base: float | None) -> dict[str, Any]:
    return {
        "label": run.label,
        "workers": run.workers,
        "cores": run.cores,
        "ok": run.ok,
        "problems": run.problems,
        "documents": len(run.documents),
        "pages": run.pages,
        "wall_seconds": run.wall_seconds,
        "pages_per_minute": run.pages_per_minute,
        "ratio_to_sohoa_ocr": run.pages_per_minute / base
        if run.pages_per_minute and base
        else None,
        "first_document_done_seconds": run.first_done_seconds,
        "ingest_seconds": run.ingest_seconds,
        "retries": run.retries,
        "tasks": {
            name: {"count": len(v), "mean_s": sum(v) / len(v), "total_s": sum(v)}
            for name, v in sorted(run.task_seconds.items())
            if v
        },
        "cpu_seconds": run.cpu_seconds,
        "measured_seconds": run.measured_seconds,
        "text": _rates(run.counts),
        "per_document": [
            {k: v for k, v in asdict(d).items() if k != "texts"} for d in run.documents
        ],
    }


def to_json(
    pageset: PageSet,
    baseline_pair: tuple[ToolScore, dict[str, float]] | None,
    runs: list[RunResult],
    meta: dict[str, Any],
    projection: Projection | None,
    load: Load,
) -> dict[str, Any]:
    facts = {
        **meta,
        "pageset": {"key": pageset.key, "root": str(pageset.root), "pages": len(pageset.pages)},
    }
    if baseline_pair is None:
        return {**facts, "baseline": None, "runs": {}, "projection": None}
    baseline, baseline_cpu = baseline_pair
    base = baseline.pages_per_minute
    return {
        **facts,
        "baseline": {
            "command": baseline.run.command,
            "given": baseline.run.given,
            "files": len(baseline.run.files),
            "pages": len(baseline.pages),
            "wall_seconds": baseline.run.wall_seconds,
            "pages_per_minute": base,
            "failures": [f.file for f in baseline.run.files if f.error],
            "text": _rates(baseline.total),
            "cpu_seconds": baseline_cpu,
        },
        "runs": {run.key: run_json(run, base) for run in runs},
        "load": {**asdict(load), "pages_per_day": load.pages_per_day},
        "projection": asdict(projection) if projection else None,
    }
