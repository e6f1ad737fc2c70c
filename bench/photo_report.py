"""Scores and tables of ``bench/photos``: word recall first, then CER, speed and memory.

Word recall is what a clerk searching a photographed paper cares about: of the words
printed on the page, how many can be found in the text the tool returned. Precisely,
for each page both texts are NFC-normalised and split on whitespace, punctuation is
stripped from each token's ends (``"2025."`` → ``"2025"``, inner marks as in
``"01/2021/NĐ-CP"`` stay) and empty tokens dropped; the page's hits are the size of the
multiset intersection of its truth tokens and the tool's tokens (a word printed three
times counts three times, and is found as often as the tool returned it, up to three),
case and diacritics exact. Recall is the sum of hits over all pages divided by the sum
of truth tokens, so long pages weigh more. A failed file returns no words.

CER is pooled the way ``bench/run`` pools it (``bench.scoring``).
"""

from __future__ import annotations

import subprocess
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import report
from bench.photoset import DAMAGE_NOTES, DAMAGES, PhotoSet
from bench.report import DASH, ToolScore, pct
from bench.scoring import Counts, pooled
from bench.tools import LABELS, TOOL_NAMES
from testkit.textmetrics import normalise

RECALL_TARGET = 1.4  # issue 13: sohoa's word recall on photographs ≥ 1.4 × OCRmyPDF's


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def words(text: str) -> list[str]:
    """The text's words as recall counts them (see the module docstring)."""
    out = []
    for token in normalise(text).split():
        start, end = 0, len(token)
        while start < end and _is_punctuation(token[start]):
            start += 1
        while end > start and _is_punctuation(token[end - 1]):
            end -= 1
        if start < end:
            out.append(token[start:end])
    return out


@dataclass(frozen=True)
class Recall:
    found: int = 0
    total: int = 0

    def __add__(self, other: Recall) -> Recall:
        return Recall(self.found + other.found, self.total + other.total)

    @property
    def rate(self) -> float | None:
        return self.found / self.total if self.total else None


def word_recall(reference: str, hypothesis: str) -> Recall:
    """Truth words found in the hypothesis, as a multiset, and the truth's word count."""
    truth = Counter(words(reference))
    found = Counter(words(hypothesis))
    return Recall(sum((truth & found).values()), sum(truth.values()))


def pooled_recall(items: Iterable[Recall]) -> Recall:
    return sum(items, Recall())


@dataclass(frozen=True)
class PhotoScore:
    """A tool's :class:`ToolScore` (CER, timing, memory) plus word recall per page."""

    tool: ToolScore
    recalls: tuple[Recall, ...]  # aligned with ``tool.pages``

    @property
    def name(self) -> str:
        return self.tool.run.name

    @property
    def recall(self) -> Recall:
        return pooled_recall(self.recalls)

    def recall_by(self, key: Callable[[int], str]) -> dict[str, Recall]:
        groups: dict[str, Recall] = {}
        for i, value in enumerate(self.recalls):
            groups[key(i)] = groups.get(key(i), Recall()) + value
        return groups

    def cer_by(self, key: Callable[[int], str]) -> dict[str, Counts]:
        groups: dict[str, list[Counts]] = {}
        for i, page in enumerate(self.tool.pages):
            groups.setdefault(key(i), []).append(page.counts)
        return {k: pooled(v) for k, v in groups.items()}


def score(tool: ToolScore, photos: PhotoSet) -> PhotoScore:
    texts = [text for outcome in tool.run.files for text in outcome.texts]
    truths = [page.text for page in photos.pages]
    if len(texts) != len(truths):
        raise ValueError(f"{tool.run.name}: {len(texts)} page texts for {len(truths)} pages")
    return PhotoScore(tool, tuple(word_recall(t, h) for t, h in zip(truths, texts, strict=True)))


# --------------------------------------------------------------------------------------
# Grouping keys
# --------------------------------------------------------------------------------------


def stored_as(entry: dict[str, Any]) -> str:
    """How the photo was handed in: container, and the EXIF orientation when turned."""
    name = {"jpeg": "JPEG", "webp": "WebP", "heic": "HEIC"}[entry["container"]]
    return f"{name} + EXIF {entry['orientation']}" if entry["orientation"] != 1 else name


def _stored_group(entry: dict[str, Any]) -> str:
    name = {"jpeg": "JPEG", "webp": "WebP", "heic": "HEIC"}[entry["container"]]
    return f"{name}, pixels turned (EXIF tag)" if entry["orientation"] != 1 else f"{name}, upright"


def describe_photos(photos: PhotoSet) -> str:
    forms = Counter(_stored_group(e) for e in photos.photos)
    sides = sorted({max(e["stored_size"]) for e in photos.photos})
    damages = Counter(e["damage"] for e in photos.photos)
    return (
        f"{len(photos.photos)} photographed A4 pages, one per file ("
        + ", ".join(f"{n} {form}" for form, n in sorted(forms.items()))
        + f"); long side {sides[0]}–{sides[-1]} px; damage groups: "
        + ", ".join(f"{g} {damages[g]}" for g in DAMAGES if damages[g])
    )


# --------------------------------------------------------------------------------------
# Header facts
# --------------------------------------------------------------------------------------


def commit(repo: Path) -> str:
    """Short commit id, flagged when the working tree has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    if not head:
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return DASH
    return f"{a / b:.2f}"


def _num(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _ordered(scores: dict[str, PhotoScore]) -> list[str]:
    return [n for n in TOOL_NAMES if n in scores]


def main_table(scores: dict[str, PhotoScore]) -> list[str]:
    names = _ordered(scores)
    header = [LABELS[n] for n in names] + ["sohoa ÷ OCRmyPDF", "sohoa ÷ raw Tesseract"]
    rows: list[tuple[str, dict[str, float | None], Callable[[float | None], str]]] = [
        ("Word recall", {n: s.recall.rate for n, s in scores.items()}, pct),
        ("Pooled CER", {n: s.tool.total.cer for n, s in scores.items()}, pct),
        ("Pages/min", {n: s.tool.pages_per_minute for n, s in scores.items()}, _num),
        ("Peak memory (MB)", {n: s.tool.peak_mb for n, s in scores.items()}, lambda v: _num(v, 0)),
    ]
    lines = ["| Metric | " + " | ".join(header) + " |", "|---" + "|---:" * len(header) + "|"]
    for metric, values, show in rows:
        cells = [show(values.get(n)) for n in names]
        cells.append(_ratio(values.get("sohoa"), values.get("ocrmypdf")))
        cells.append(_ratio(values.get("sohoa"), values.get("tesseract")))
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return lines


def target_line(scores: dict[str, PhotoScore]) -> str:
    if "sohoa" not in scores or "ocrmypdf" not in scores:
        return (
            f"Issue 13 target (word recall sohoa ÷ OCRmyPDF ≥ {RECALL_TARGET:.1f}): not measured."
        )
    ours, theirs = scores["sohoa"].recall.rate, scores["ocrmypdf"].recall.rate
    if ours is None or not theirs:
        return f"Issue 13 target (word recall sohoa ÷ OCRmyPDF ≥ {RECALL_TARGET:.1f}): n/a."
    ratio = ours / theirs
    verdict = "PASS" if ratio >= RECALL_TARGET else "FAIL"
    return (
        f"Issue 13 target, word recall sohoa ÷ OCRmyPDF ≥ {RECALL_TARGET:.1f}: "
        f"**{ratio:.2f} — {verdict}**."
    )


def group_table(
    scores: dict[str, PhotoScore],
    title: str,
    key: Callable[[int], str],
    order: list[str],
    notes: dict[str, str] | None = None,
) -> list[str]:
    """Word recall (and CER) per group of pages, with sohoa ÷ OCRmyPDF."""
    names = _ordered(scores)
    any_score = next(iter(scores.values()))
    counts = Counter(key(i) for i in range(len(any_score.recalls)))
    recalls = {n: scores[n].recall_by(key) for n in names}
    cers = {n: scores[n].cer_by(key) for n in names}
    header = [f"{LABELS[n]} recall (CER)" for n in names] + ["sohoa ÷ OCRmyPDF"]
    lines = [
        f"| {title} | Pages | " + " | ".join(header) + " |",
        "|---|---:" + "|---:" * len(header) + "|",
    ]
    for group in order:
        if not counts[group]:
            continue
        cells = [f"{pct(recalls[n][group].rate)} ({pct(cers[n][group].cer)})" for n in names]
        mine = recalls.get("sohoa", {}).get(group)
        theirs = recalls.get("ocrmypdf", {}).get(group)
        cells.append(_ratio(mine and mine.rate, theirs and theirs.rate))
        label = f"{group}: {notes[group]}" if notes and group in notes else group
        lines.append(f"| {label} | {counts[group]} | " + " | ".join(cells) + " |")
    return lines


def photo_table(scores: dict[str, PhotoScore], photos: PhotoSet) -> list[str]:
    names = _ordered(scores)
    lines = [
        "| Photo | Damage | Stored as | Size | " + " | ".join(LABELS[n] for n in names) + " |",
        "|---|---|---|---" + "|---:" * len(names) + "|",
    ]
    for i, entry in enumerate(photos.photos):
        w, h = entry["stored_size"]
        cells = [pct(scores[n].recalls[i].rate) for n in names]
        lines.append(
            f"| `{Path(entry['path']).name}` | {entry['damage']} | {stored_as(entry)} "
            f"q{entry['quality']} | {w}×{h} | " + " | ".join(cells) + " |"
        )
    return lines


def render_markdown(scores: dict[str, PhotoScore], photos: PhotoSet, meta: dict[str, Any]) -> str:
    m = meta["machine"]
    v = meta["versions"]
    damage_of = [e["damage"] for e in photos.photos]
    stored_of = [_stored_group(e) for e in photos.photos]
    lines = [
        "# OCR benchmark on photographed pages (issue 13): sohoa vs OCRmyPDF vs raw Tesseract",
        "",
        f"{meta['date']} · {m['cpu']}, {m['nproc']} cores, {m['ram_gb']} GB RAM · "
        f"commit {meta['commit']}",
        "",
        f"- Tesseract: {v['tesseract']}; OCRmyPDF: {v['ocrmypdf']}; sohoa: {v['sohoa']}",
        f"- Photos: {describe_photos(photos)}; set `{photos.key}`",
        f"- Jobs: {meta['jobs']} files at once; tools ran one after another, never concurrently",
    ]
    for name in _ordered(scores):
        run = scores[name].tool.run
        lines.append(f"- {LABELS[name]} was given {run.given}: `{run.command}`")
    lines += [
        "",
        "Word recall: share of the printed words (NFC, case and diacritics exact, punctuation "
        "trimmed from word ends) found in the tool's text of the same page, counted as a "
        "multiset and pooled over pages. CER is pooled Levenshtein edits ÷ truth characters "
        "(NFC, whitespace runs to one space). A failed file returns nothing. Pages/min is "
        "over the whole set's wall clock; peak memory is the largest summed RSS of the "
        "tool's process tree (sampled every 0.1 s).",
        "",
        *main_table(scores),
        "",
        target_line(scores),
        "",
        "Word recall (CER) per damage group:",
        "",
        *group_table(scores, "Damage", lambda i: damage_of[i], list(DAMAGES), DAMAGE_NOTES),
        "",
        "Word recall (CER) by how the photo was stored:",
        "",
        *group_table(scores, "Stored as", lambda i: stored_of[i], sorted(set(stored_of))),
        "",
        "Word recall per photo:",
        "",
        *photo_table(scores, photos),
    ]
    problems = report.failures({n: s.tool for n, s in scores.items()})
    lines += ["", "Failures:" if problems else "Failures: none.", *problems]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------


def _recall_json(r: Recall) -> dict[str, Any]:
    return {"found": r.found, "total": r.total, "recall": r.rate}


def to_json(scores: dict[str, PhotoScore], photos: PhotoSet, meta: dict[str, Any]) -> dict:
    damage_of = [e["damage"] for e in photos.photos]
    stored_of = [_stored_group(e) for e in photos.photos]
    tools: dict[str, Any] = {}
    for name in _ordered(scores):
        s = scores[name]
        run = s.tool.run
        by_damage = s.recall_by(lambda i: damage_of[i])
        cer_damage = s.cer_by(lambda i: damage_of[i])
        tools[name] = {
            "given": run.given,
            "command": run.command,
            "wall_seconds": run.wall_seconds,
            "pages_per_minute": s.tool.pages_per_minute,
            "peak_rss_mb": s.tool.peak_mb,
            "word_recall": _recall_json(s.recall),
            "cer": s.tool.total.cer,
            "pooled": {"char_edits": s.tool.total.char_edits, "ref_chars": s.tool.total.ref_chars},
            "damage_groups": {
                g: {**_recall_json(r), "cer": cer_damage[g].cer} for g, r in by_damage.items()
            },
            "stored_groups": {
                g: _recall_json(r) for g, r in s.recall_by(lambda i: stored_of[i]).items()
            },
            "files": [{k: val for k, val in vars(f).items() if k != "texts"} for f in run.files],
            "pages": [
                {
                    "file": page.file,
                    "damage": damage_of[i],
                    "stored_as": stored_as(photos.photos[i]),
                    "failed": page.failed,
                    **_recall_json(s.recalls[i]),
                    "cer": page.counts.cer,
                }
                for i, page in enumerate(s.tool.pages)
            ],
        }
    ratios: dict[str, Any] = {}
    for other in ("ocrmypdf", "tesseract"):
        if "sohoa" in scores and other in scores:
            mine, theirs = scores["sohoa"], scores[other]
            ratios[f"sohoa/{other}"] = {
                "word_recall": _safe_ratio(mine.recall.rate, theirs.recall.rate),
                "cer": _safe_ratio(mine.tool.total.cer, theirs.tool.total.cer),
                "pages_per_minute": _safe_ratio(
                    mine.tool.pages_per_minute, theirs.tool.pages_per_minute
                ),
                "peak_memory": _safe_ratio(mine.tool.peak_mb, theirs.tool.peak_mb),
            }
    recall_ratio = ratios.get("sohoa/ocrmypdf", {}).get("word_recall")
    return {
        **meta,
        "photoset": {
            "key": photos.key,
            "root": str(photos.root),
            "pages": len(photos.pages),
            "photos": [{k: v for k, v in e.items() if k != "text"} for e in photos.photos],
        },
        "tools": tools,
        "ratios": ratios,
        "target": {
            "word_recall_sohoa_over_ocrmypdf": RECALL_TARGET,
            "measured": recall_ratio,
            "met": None if recall_ratio is None else recall_ratio >= RECALL_TARGET,
        },
    }


def _safe_ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b
