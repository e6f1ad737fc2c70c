"""The tables and the raw JSON of ``bench/api``.

Requests per second are the scenario's requests over its wall clock (first request
sent to last answer read); a label's row shows its share of that, so the rows of a
mixed scenario add up to the scenario's rate. Latencies are nearest-rank percentiles in
milliseconds, errors included (a refused or wrong answer is still a wait). "API CPU per
request" is the server process's CPU seconds over the scenario divided by its requests:
the cost of a request independent of how busy the shared machine was.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.api_load import OTHERS, ScenarioResult, Stats

API_ROLE = "API server"
ROLES = (API_ROLE, "worker", "benchmark client", OTHERS)
ERRORS_SHOWN = 8
LOG_LINES = 60


@dataclass
class Verification:
    """The correctness guard around the measurements: every document processed and right."""

    documents: int = 0
    done: int = 0
    problems: list[str] = field(default_factory=list)
    cers: list[float] = field(default_factory=list)
    processing: dict[str, float] = field(default_factory=dict)  # phase → seconds to all done

    @property
    def mean_cer(self) -> float | None:
        return sum(self.cers) / len(self.cers) if self.cers else None


def _ms(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _row(name: str, concurrency: str, stats: Stats, cpu: str) -> str:
    errors = (
        str(stats.errors)
        if not stats.server_errors
        else f"{stats.errors} ({stats.server_errors}× 5xx)"
    )
    return (
        f"| {name} | {stats.requests} | {concurrency} | {errors} | {stats.per_second:.1f} "
        f"| {_ms(stats.p50)} | {_ms(stats.p95)} | {_ms(stats.p99)} | {_ms(stats.max)} | {cpu} |"
    )


def main_table(results: list[ScenarioResult]) -> list[str]:
    lines = [
        "| Scenario | Requests | Concurrency | Errors | Req/s | p50 ms | p95 ms | p99 ms "
        "| max ms | API CPU ms/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        stats = result.stats()
        api_cpu = result.cpu.get(API_ROLE)
        cpu = (
            f"{api_cpu * 1000 / stats.requests:.1f}"
            if api_cpu is not None and stats.requests
            else "–"
        )
        lines.append(_row(f"**{result.name}**", str(result.concurrency), stats, cpu))
        labels = result.labels
        if len(labels) > 1:
            for label in labels:
                lines.append(_row(f"↳ {label}", "", result.stats(label), ""))
    return lines


def cpu_table(results: list[ScenarioResult]) -> list[str]:
    lines = [
        "| Scenario | Wall s | " + " | ".join(f"{r} CPU s" for r in ROLES) + " |",
        "|---|---:|" + "---:|" * len(ROLES),
    ]
    for result in results:
        cells = " | ".join(f"{result.cpu.get(role, 0.0):.1f}" for role in ROLES)
        lines.append(f"| {result.name} | {result.wall_seconds:.1f} | {cells} |")
    return lines


def error_lines(results: list[ScenarioResult]) -> list[str]:
    lines: list[str] = []
    for result in results:
        for problem in result.problems:
            lines.append(f"- {result.name}: {problem}")
        for outcome in result.failed[:ERRORS_SHOWN]:
            body = " ".join(outcome.body.split())[:200]
            lines.append(
                f"- {result.name}: `{outcome.method} {outcome.path}` → "
                f"{outcome.status if outcome.status is not None else '–'}: "
                f"{outcome.problem}" + (f" — `{body}`" if body else "")
            )
        if len(result.failed) > ERRORS_SHOWN:
            lines.append(f"- {result.name}: … and {len(result.failed) - ERRORS_SHOWN} more")
    return lines


def log_excerpt(log: Path) -> list[str]:
    """A log's errors and tracebacks: where the cause of a 5xx or a failed document is."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    keep: list[str] = []
    inside = False
    for line in text:
        if re.search(r"Traceback|\bERROR\b|Exception in ASGI|\" 5\d\d ", line):
            keep.append(line)
            inside = "Traceback" in line
        elif inside:
            keep.append(line)
            # The first unindented line is the exception itself, which ends the traceback.
            inside = not line or line.startswith((" ", "\t"))
    return keep[-LOG_LINES:]


def _warmup_line(warmup: dict[str, float]) -> list[str]:
    if not warmup:
        return []
    times = ", ".join(f"{what} {ms:.0f} ms" for what, ms in warmup.items())
    return [f"- Warm-up, outside every scenario: {times} (a fresh server's one-time costs)"]


def render_markdown(
    results: list[ScenarioResult], verification: Verification, meta: dict[str, Any]
) -> str:
    machine = meta["machine"]
    load = meta.get("loadavg_at_start")
    lines = [
        "# HTTP API load",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: {machine['nproc']} cores, {machine['cpu']}, {machine['ram_gb']} GB RAM, "
        f"Python {machine['python']}"
        + (f"; load average {load} at the start (other work on the machine)" if load else ""),
        f"- Deployment: {meta['backend_label']}; one `sohoa serve` (uvicorn, one process), "
        f"one `sohoa worker -c {meta['worker_concurrency']}` processing every upload",
        f"- Scans: {meta['scans']}",
        f"- Client: {meta['client']}",
        *_warmup_line(meta.get("warmup") or {}),
        "",
        *main_table(results),
        "",
        "Req/s: requests over the scenario's wall clock (a ↳ row: its share). Latency: from "
        "sending a request to its last byte, nearest-rank percentiles. API CPU: the server "
        "process's CPU time per request, whatever else ran on the machine.",
        "",
        "CPU seconds spent during each scenario, by whom"
        + (
            " (PostgreSQL, Redis and SeaweedFS count as other processes):"
            if meta.get("backend") == "production"
            else ":"
        ),
        "",
        *cpu_table(results),
        "",
        "## Correctness",
        "",
        f"- Documents: {verification.documents} distinct uploads, {verification.done} done "
        "and verified (metadata, original, PDF, text, page images).",
    ]
    for phase, seconds in verification.processing.items():
        lines.append(f"- OCR backlog after the {phase}: all documents done {seconds:.1f} s later.")
    if verification.mean_cer is not None:
        lines.append(
            f"- Stored texts against the drawn truth: mean CER {verification.mean_cer:.2%}, "
            f"worst {max(verification.cers):.2%} (each text belongs to its own document)."
        )
    failures = error_lines(results) + [f"- verification: {p}" for p in verification.problems]
    lines += ["", "## Errors", ""]
    lines += failures or ["None: every answer had the expected status and content."]
    for name in ("server", "worker"):
        excerpt = meta.get(f"{name}_log_excerpt")
        if excerpt:
            lines += ["", f"{name.capitalize()} log (errors, tracebacks, 5xx lines):", "", "```"]
            lines += [*excerpt, "```"]
    return "\n".join(lines) + "\n"


def to_json(
    results: list[ScenarioResult], verification: Verification, meta: dict[str, Any]
) -> dict[str, Any]:
    scenarios = []
    for result in results:
        scenarios.append(
            {
                "name": result.name,
                "about": result.about,
                "concurrency": result.concurrency,
                "wall_seconds": round(result.wall_seconds, 3),
                "cpu_seconds": result.cpu,
                "all": asdict(result.stats()),
                "by_label": {label: asdict(result.stats(label)) for label in result.labels},
                "problems": result.problems,
                "errors": [asdict(o) for o in result.failed],
                "latencies_ms": {
                    label: [round(o.seconds * 1000, 2) for o in result.outcomes if o.label == label]
                    for label in result.labels
                },
            }
        )
    return {
        **meta,
        "scenarios": scenarios,
        "verification": {**asdict(verification), "mean_cer": verification.mean_cer},
    }
