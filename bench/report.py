"""Scores and tables: from tool runs to the markdown report and the raw JSON.

Speed is pages per minute of wall clock over the whole set, start-up costs included,
because a clerk waits for all of them. Output size is the summed size of the PDFs a tool
wrote divided by the pages of those files (files it failed on are left out).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from bench.pageset import PageSet
from bench.scoring import Counts, page_counts, pooled
from bench.tools import LABELS, TOOL_NAMES, ToolRun

MB = 1024 * 1024


@dataclass(frozen=True)
class PageScore:
    file: str
    page: int  # 1-based within the file
    degradation: str
    dpi: int
    counts: Counts
    failed: bool


@dataclass(frozen=True)
class ToolScore:
    run: ToolRun
    pages: tuple[PageScore, ...]

    @property
    def total(self) -> Counts:
        return pooled(p.counts for p in self.pages)

    def by_group(self) -> dict[str, Counts]:
        groups: dict[str, Counts] = {}
        for page in self.pages:
            groups[page.degradation] = groups.get(page.degradation, Counts()) + page.counts
        return groups

    def worst_group(self) -> tuple[str, float] | None:
        rated = [(name, c.cer) for name, c in self.by_group().items() if c.cer is not None]
        return max(rated, key=lambda item: item[1]) if rated else None

    @property
    def pages_per_minute(self) -> float | None:
        seconds = self.run.wall_seconds
        return len(self.pages) * 60.0 / seconds if seconds > 0 else None

    @property
    def peak_mb(self) -> float:
        return self.run.peak_rss_bytes / MB

    @property
    def output_mb_per_page(self) -> float | None:
        done = [f for f in self.run.files if f.error is None and f.output_bytes is not None]
        pages = sum(f.pages for f in done)
        return sum(f.output_bytes or 0 for f in done) / MB / pages if pages else None


def score(run: ToolRun, pageset: PageSet) -> ToolScore:
    """Compare each returned page text with its ground truth."""
    scores: list[PageScore] = []
    for item, outcome in zip(pageset.files, run.files, strict=True):
        for number, (page, text) in enumerate(zip(item.pages, outcome.texts, strict=True), 1):
            scores.append(
                PageScore(
                    file=item.path.name,
                    page=number,
                    degradation=page.degradation,
                    dpi=page.dpi,
                    counts=page_counts(page.text, text),
                    failed=outcome.error is not None,
                )
            )
    return ToolScore(run=run, pages=tuple(scores))


# --------------------------------------------------------------------------------------
# Header facts
# --------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_facts() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
    }


def describe_pageset(pageset: PageSet) -> str:
    kinds: dict[str, int] = {}
    for item in pageset.files:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    dpis: dict[int, int] = {}
    for page in pageset.pages:
        dpis[page.dpi] = dpis.get(page.dpi, 0) + 1
    files = ", ".join(f"{n} {k.upper()}" for k, n in kinds.items())
    res = ", ".join(f"{n} at {d} dpi" for d, n in sorted(dpis.items(), reverse=True))
    groups = len({p.degradation for p in pageset.pages})
    return (
        f"{len(pageset.pages)} A4 pages ({res}) in {len(pageset.files)} files ({files}), "
        f"{groups} degradation presets"
    )


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------

DASH = "–"


def pct(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.2f} %"


def _num(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return DASH
    return f"{a / b:.2f}"


def metrics_rows(scores: dict[str, ToolScore]) -> list[tuple[str, dict[str, float | None], str]]:
    """(metric name, value per tool, display kind) for the main table."""

    def each(get: Any) -> dict[str, float | None]:
        return {name: get(s) for name, s in scores.items()}

    return [
        ("Pooled CER", each(lambda s: s.total.cer), "pct"),
        ("Pooled WER", each(lambda s: s.total.wer), "pct"),
        ("Tone-mark error", each(lambda s: s.total.tone_error), "pct"),
        ("Worst degradation CER", each(lambda s: (s.worst_group() or (None, None))[1]), "worst"),
        ("Pages/min", each(lambda s: s.pages_per_minute), "num"),
        ("Peak memory (MB)", each(lambda s: s.peak_mb), "int"),
        (
            "Output MB/page",
            each(lambda s: None if s.run.name == "tesseract" else s.output_mb_per_page),
            "mb",
        ),
    ]


def _cell(kind: str, value: float | None, score: ToolScore | None) -> str:
    if kind == "pct":
        return pct(value)
    if kind == "worst":
        worst = score.worst_group() if score else None
        return DASH if worst is None else f"{worst[1] * 100:.2f} % ({worst[0]})"
    if kind == "int":
        return _num(value, 0)
    if kind == "mb":
        return "n/a" if score and score.run.name == "tesseract" else _num(value, 3)
    return _num(value, 1)


def main_table(scores: dict[str, ToolScore]) -> list[str]:
    header = [LABELS[n] for n in TOOL_NAMES] + ["sohoa ÷ OCRmyPDF", "sohoa ÷ raw Tesseract"]
    lines = ["| Metric | " + " | ".join(header) + " |", "|---" + "|---:" * len(header) + "|"]
    for metric, values, kind in metrics_rows(scores):
        cells = [_cell(kind, values.get(n), scores.get(n)) for n in TOOL_NAMES]
        cells.append(_ratio(values.get("sohoa"), values.get("ocrmypdf")))
        per_tess = values.get("tesseract") if metric == "Pages/min" else None
        cells.append(_ratio(values.get("sohoa"), per_tess) if per_tess is not None else DASH)
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return lines


def group_table(scores: dict[str, ToolScore], pageset: PageSet) -> list[str]:
    order = list(dict.fromkeys(p.degradation for p in sorted(pageset.pages, key=_preset_key)))
    counts = {g: sum(p.degradation == g for p in pageset.pages) for g in order}
    header = [LABELS[n] for n in TOOL_NAMES]
    lines = [
        "| Degradation | Pages | " + " | ".join(header) + " |",
        "|---|---:" + "|---:" * len(header) + "|",
    ]
    groups = {name: s.by_group() for name, s in scores.items()}
    for group in order:
        cells = [
            pct(groups[n][group].cer) if n in groups and group in groups[n] else DASH
            for n in TOOL_NAMES
        ]
        lines.append(f"| {group} | {counts[group]} | " + " | ".join(cells) + " |")
    return lines


def _preset_key(page: Any) -> int:
    """Keep the generator's preset order (clean first) rather than alphabetical."""
    from testkit import pagegen

    presets = list(pagegen.DEGRADATIONS)
    return presets.index(page.degradation) if page.degradation in presets else len(presets)


def failures(scores: dict[str, ToolScore]) -> list[str]:
    lines = []
    for name, s in scores.items():
        for f in s.run.files:
            if f.error is not None:
                lines.append(f"- {LABELS[name]} failed on `{f.file}` ({f.pages} p.): {f.error}")
            elif f.pages_returned is not None and f.pages_returned != f.pages:
                lines.append(
                    f"- {LABELS[name]} returned {f.pages_returned} page texts for `{f.file}` "
                    f"({f.pages} pages)"
                )
    return lines


def render_markdown(scores: dict[str, ToolScore], pageset: PageSet, meta: dict[str, Any]) -> str:
    m = meta["machine"]
    lines = [
        "# OCR benchmark: sohoa vs OCRmyPDF vs raw Tesseract",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: nproc {m['nproc']}, {m['cpu']}, {m['ram_gb']} GB RAM",
        f"- Tesseract: {meta['versions']['tesseract']}; OCRmyPDF: {meta['versions']['ocrmypdf']}; "
        f"sohoa: {meta['versions']['sohoa']}",
        f"- Pages: {describe_pageset(pageset)}; page set `{pageset.key}`",
        f"- Jobs: {meta['jobs']}, mode: {meta.get('mode', 'files')}; "
        "tools ran one after another, never concurrently",
    ]
    for name, s in scores.items():
        lines.append(f"- {LABELS[name]} was given {s.run.given}: `{s.run.command}`")
    lines += [
        "",
        "Error rates are pooled over all pages (edits ÷ reference size, text normalised: "
        "NFC, whitespace runs to one space). A page a tool failed on counts as all wrong. "
        "Peak memory is the largest summed RSS of the tool's whole process tree "
        "(sampled every 0.1 s).",
        "",
        *main_table(scores),
        "",
        "CER per degradation group:",
        "",
        *group_table(scores, pageset),
    ]
    problems = failures(scores)
    lines += ["", "Failures:" if problems else "Failures: none.", *problems]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------


def _rates(c: Counts) -> dict[str, Any]:
    return {**asdict(c), "cer": c.cer, "wer": c.wer, "tone_error": c.tone_error}


def to_json(scores: dict[str, ToolScore], pageset: PageSet, meta: dict[str, Any]) -> dict:
    tools = {}
    for name, s in scores.items():
        worst = s.worst_group()
        tools[name] = {
            "given": s.run.given,
            "command": s.run.command,
            "wall_seconds": s.run.wall_seconds,
            "pages_per_minute": s.pages_per_minute,
            "peak_rss_mb": s.peak_mb,
            "output_mb_per_page": s.output_mb_per_page,
            "pooled": _rates(s.total),
            "worst_group": {"name": worst[0], "cer": worst[1]} if worst else None,
            "groups": {g: _rates(c) for g, c in s.by_group().items()},
            "files": [{k: v for k, v in asdict(f).items() if k != "texts"} for f in s.run.files],
            "pages": [
                {
                    "file": p.file,
                    "page": p.page,
                    "degradation": p.degradation,
                    "dpi": p.dpi,
                    "failed": p.failed,
                    **_rates(p.counts),
                }
                for p in s.pages
            ],
        }
    return {
        **meta,
        "pageset": {"key": pageset.key, "root": str(pageset.root), "pages": len(pageset.pages)},
        "tools": tools,
    }


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def ordered(scores: dict[str, ToolScore], names: Sequence[str]) -> dict[str, ToolScore]:
    return {n: scores[n] for n in names if n in scores}
