"""The classification benchmark's report: Markdown tables (printed and saved) and raw JSON.

The Markdown puts the targets first, then what explains them: per-type scores, the
confusion matrix, accuracy by degradation and format, fields, calibration, and every
misclassification and field miss by name, so a regression can be reproduced from
its document name alone (type, seed, copy flag, degradation and format are in it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.classify_run import Outcome, ReturnedField
from bench.classify_score import (
    MATCH,
    MISSING,
    NO_EXTRACTOR,
    WRONG,
    Bucket,
    FieldCheck,
    GroupRow,
    Scores,
    Target,
    returned_name,
)
from bench.classify_set import DocPlan, EvalDoc
from bench.report import DASH

# --------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f} %"


def _dec(value: float | None, digits: int = 3) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _cell(text: str) -> str:
    """A value inside a table cell: pipes escaped, empty shown as such."""
    return text.replace("|", "\\|") if text else "(empty)"


def _paragraph(lines: Sequence[str]) -> list[str]:
    return [*lines, ""] if lines else []


# --------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------


def header(scores: Scores, outcomes: Sequence[Outcome], meta: dict[str, Any]) -> list[str]:
    m = meta["machine"]
    plans = [o.doc.plan for o in outcomes]
    kinds = Counter(p.kind.upper() for p in plans)
    per_type = Counter(p.doc_type for p in plans)
    sizes = sorted(set(per_type.values()))
    seeds = sorted({p.seed for p in plans})
    load = meta["load_average"]
    return [
        "# Classification benchmark: document type, certified copy and key fields",
        "",
        f"- Date: {meta['date']}; {_code(meta.get('code'))}",
        f"- Machine: nproc {m['nproc']}, {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}; "
        f"load average {load['before']:.2f} before, {load['after']:.2f} after "
        "(other work on the machine slows the seconds, not the scores)",
        f"- Versions: {meta['tesseract']}; {meta['sohoa']}; classifier model "
        f"`{meta['model_version']}` (the base model of a fresh deployment)",
        f"- Set: {scores.documents} documents ({'/'.join(map(str, sizes))} per type, "
        f"{len(per_type)} types), {scores.pages} pages at {meta['dpi']} dpi, "
        f"{sum(p.certified for p in plans)} certified copies; "
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + f"; seeds {seeds[0]}–{seeds[-1]} (`testkit.docgen`, evaluation range); "
        f"{len({p.degradation for p in plans})} degradation presets in rotation",
        f"- Run: `classify_file` (the code of `sohoa classify`: real OCR, then the classifier), "
        f"{meta['jobs']} files at once with `jobs=1` OCR each, `OMP_THREAD_LIMIT=1`; "
        f"wall {scores.wall_seconds:.0f} s, {scores.pages_per_minute:.1f} pages/min; "
        f"{scores.seconds_per_page:.2f} s per page and {scores.seconds_per_document:.2f} s "
        "per document on one core",
        *(
            [f"- Scored again on {meta['rescored']} from the saved outcomes (no new OCR)"]
            if meta.get("rescored")
            else []
        ),
        "",
    ]


def _code(code: dict[str, Any] | None) -> str:
    if not code:
        return "code state not recorded"
    dirty = code["uncommitted"]
    if not dirty:
        return f"code at commit `{code['commit']}` (no uncommitted change to what is scored)"
    return f"code at commit `{code['commit']}` **plus uncommitted changes** to " + ", ".join(
        f"`{path}`" for path in dirty
    )


def target_table(targets: Sequence[Target]) -> list[str]:
    lines = ["| Target | Value | Goal | Met |", "|---|---:|---|---|"]
    for t in targets:
        if t.name.startswith("Accepted"):
            value = DASH if t.value is None else f"{t.value:.0f}"
        else:
            value = _dec(t.value, 4)
        lines.append(f"| {t.name} | {value} | {t.goal} | {'yes' if t.met else '**MISSED**'} |")
    missed = [t.name for t in targets if not t.met]
    lines += [
        "",
        "**MISSED targets: " + "; ".join(missed) + "**" if missed else "All targets met.",
    ]
    return lines


def type_table(scores: Scores) -> list[str]:
    lines = [
        f"Accuracy {_pct(scores.accuracy)}; macro-F1 {_dec(scores.macro_f1, 4)} over all "
        f"{scores.documents} documents, {_dec(scores.macro_f1_degraded, 4)} over the degraded "
        "ones (every preset but `clean`; the target's figure).",
        "",
        "| Type | Docs | Predicted as | Precision | Recall | F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in scores.per_type:
        lines.append(
            f"| {t.doc_type} | {t.support} | {t.predicted} | {_dec(t.precision)} "
            f"| {_dec(t.recall)} | {_dec(t.f1)} |"
        )
    return lines


def confusion_table(scores: Scores) -> list[str]:
    """Rows true, columns predicted, by number; zeros as dots so mistakes stand out."""
    labels = list(scores.types) + sorted(set(scores.confusion) - set(scores.types))
    number = {label: str(i) for i, label in enumerate(labels, start=1)}
    lines = [
        "| true ↓ / predicted → | " + " | ".join(number[label] for label in labels) + " |",
        "|---" + "|---:" * len(labels) + "|",
    ]
    for true in labels:
        if true not in scores.types:
            continue
        row = scores.confusion.get(true, {})
        cells = []
        for predicted in labels:
            n = row.get(predicted, 0)
            cells.append("·" if n == 0 else (f"**{n}**" if predicted != true else str(n)))
        lines.append(f"| {number[true]} {true} | " + " | ".join(cells) + " |")
    return lines


def group_table(title: str, rows: Sequence[GroupRow]) -> list[str]:
    lines = [
        f"| {title} | Docs | Type accuracy | Field exact match | Certified-copy accuracy |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.group} | {r.docs} | {_pct(r.accuracy)} | {_pct(r.field_rate)} "
            f"({r.field_match}/{r.field_checked}) | {_pct(r.certified_accuracy)} |"
        )
    return lines


def certified_lines(scores: Scores) -> list[str]:
    c = scores.certified
    if not c["documents"]:
        return ["No document was classified."]
    return [
        f"Certified-copy detection (`is_certified_copy` against the truth): "
        f"{_pct(c['correct'] / c['documents'])} right on {c['documents']} documents; "
        f"{c['true_positive']} copies found, {c['false_negative']} copies missed, "
        f"{c['false_positive']} originals taken for copies, {c['true_negative']} originals right.",
    ]


def field_tables(scores: Scores) -> list[str]:
    totals = scores.field_totals
    checked = totals[MATCH] + totals[WRONG] + totals[MISSING]
    id_rate = scores.id_number
    lines = [
        f"Over every non-empty truth value that the classifier has an extractor for: "
        f"{checked} values, {_pct(totals[MATCH] / checked if checked else None)} exact, "
        f"{totals[WRONG]} wrong values returned, {totals[MISSING]} missing. "
        f"{totals[NO_EXTRACTOR]} more truth values have no extractor for their type "
        "(listed as such, kept out of the rates).",
        "",
        f"citizen_id `id_number`: {_pct(id_rate.rate if id_rate else None)} exact "
        f"({id_rate.match if id_rate else 0}/{id_rate.checked if id_rate else 0}); "
        f"{_read_when_recognised(scores.field_checks)}",
        "",
        "| Type | Field | Values | Exact | Wrong | Missing | Exact match |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in scores.field_rates:
        rate = _pct(r.rate) if r.extracted else "no extractor"
        name = returned_name(r.doc_type, r.field)
        field = r.field if name == r.field else f"{r.field} (returned as {name})"
        lines.append(
            f"| {r.doc_type} | {field} | {r.checked} | {r.match} | {r.wrong} "
            f"| {r.missing} | {rate} |"
        )
    return lines


def _read_when_recognised(checks: Sequence[FieldCheck]) -> str:
    """The ID-number rate on the cards that were classified as cards: separates reading
    the number from recognising the card."""
    mine = [
        c
        for c in checks
        if (c.doc_type, c.field, c.predicted_type) == ("citizen_id", "id_number", "citizen_id")
    ]
    if not mine:
        return "no card was classified as one."
    exact = sum(c.status == MATCH for c in mine)
    return (
        f"on the {len(mine)} cards classified as `citizen_id`: {_pct(exact / len(mine))} "
        f"({exact}/{len(mine)}), the rest lost with the card's type."
    )


def violation_lines(scores: Scores) -> list[str]:
    lines = [
        f"{scores.id_numbers_accepted} `id_number` values returned with confidence > 0.5 "
        f"(any type); {len(scores.violations)} fail `validate_personal_id`'s structure check.",
    ]
    for v in scores.violations:
        lines.append(f"- `{v.doc}`: {v.value!r} ({v.confidence:.2f}): {'; '.join(v.problems)}")
    return lines


def calibration_table(title: str, rows: Sequence[Bucket], what: str) -> list[str]:
    lines = [
        f"| {title} | {what} | Right | Accuracy | Mean confidence |",
        "|---|---:|---:|---:|---:|",
    ]
    for b in rows:
        lines.append(
            f"| {b.label} | {b.count} | {b.correct} | {_pct(b.accuracy)} "
            f"| {_dec(b.mean_confidence)} |"
        )
    return lines


def misclassified(outcomes: Sequence[Outcome]) -> list[str]:
    wrong = [o for o in outcomes if not o.correct]
    if not wrong:
        return ["None."]
    lines = [
        "| Document | Variant | True | Predicted | Confidence | Candidates | Evidence |",
        "|---|---|---|---|---:|---|---|",
    ]
    for o in wrong:
        candidates = ", ".join(f"{t} {p:.2f}" for t, p in o.candidates)
        evidence = _cell("; ".join(o.evidence[:2]) or o.error or "")
        lines.append(
            f"| `{o.doc.name}` | {o.doc.variant} | {o.doc.plan.doc_type} | {o.predicted} "
            f"| {o.confidence:.2f} | {candidates} | {evidence} |"
        )
    return lines


def wrong_values(checks: Sequence[FieldCheck]) -> list[str]:
    wrong = [c for c in checks if c.status == WRONG]
    if not wrong:
        return ["None."]
    lines = [
        "Read as: the text the value came from, when it differs from the value (an OCR "
        "error shows in it; a parsing error shows between it and the value).",
        "",
        "| Document | Field | Truth | Returned | Read as | Confidence |",
        "|---|---|---|---|---|---:|",
    ]
    for c in wrong:
        raw = _cell(c.raw) if c.raw and c.raw != c.got else ""
        lines.append(
            f"| `{c.doc}` | {c.field} | {_cell(c.truth)} | {_cell(c.got or '')} | {raw} "
            f"| {_dec(c.confidence, 2)} |"
        )
    return lines


def missing_values(checks: Sequence[FieldCheck]) -> list[str]:
    """Missing values grouped by type and field; the documents named compactly."""
    groups: dict[tuple[str, str], list[FieldCheck]] = defaultdict(list)
    for c in checks:
        if c.status == MISSING:
            groups[(c.doc_type, c.field)].append(c)
    if not groups:
        return ["None."]
    lines = [
        "| Type | Field | Missing | Documents (misclassified ones marked ✗) |",
        "|---|---|---:|---|",
    ]
    for (doc_type, field), found in groups.items():
        names = ", ".join(
            f"{c.doc.removeprefix(doc_type + '-').rsplit('.', 1)[0]}"
            + ("" if c.predicted_type == doc_type else " ✗")
            for c in found
        )
        lines.append(f"| {doc_type} | {field} | {len(found)} | {names} |")
    return lines


def failures(scores: Scores) -> list[str]:
    if not scores.failures:
        return ["Failures: none (every document went through OCR and the classifier)."]
    return ["Failures:", *(f"- `{o.doc.name}`: {o.error}" for o in scores.failures)]


def render(scores: Scores, outcomes: Sequence[Outcome], meta: dict[str, Any]) -> str:
    lines = [
        *header(scores, outcomes, meta),
        "## Targets (issue: classification benchmark)",
        "",
        *target_table(scores.targets),
        "",
        "## Document types",
        "",
        *type_table(scores),
        "",
        "Confusion matrix (rows: true type, columns: predicted, numbered as the rows; "
        "off-diagonal counts in bold):",
        "",
        *confusion_table(scores),
        "",
        *group_table("Degradation", scores.by_degradation),
        "",
        *group_table("Format", scores.by_format),
        "",
        *certified_lines(scores),
        "",
        "## Key fields",
        "",
        *field_tables(scores),
        "",
        "## Personal numbers: none accepted that fails its structure check",
        "",
        *violation_lines(scores),
        "",
        "## Calibration",
        "",
        *calibration_table("Type confidence", scores.type_calibration, "Documents"),
        "",
        *calibration_table("Field confidence", scores.field_calibration, "Values returned"),
        "",
        "## Misclassified documents",
        "",
        *misclassified(outcomes),
        "",
        "## Wrong field values (worse than missing: they can be filed unnoticed)",
        "",
        *wrong_values(scores.field_checks),
        "",
        "## Missing field values",
        "",
        *missing_values(scores.field_checks),
        "",
        *failures(scores),
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------


def outcome_json(o: Outcome) -> dict[str, Any]:
    return {
        "name": o.doc.name,
        "path": str(o.doc.path),
        **asdict(o.doc.plan),
        "variant": o.doc.variant,
        "truth": o.doc.truth,
        "predicted": o.predicted,
        "confidence": round(o.confidence, 4),
        "is_certified_copy": o.certified,
        "candidates": [[t, round(p, 4)] for t, p in o.candidates],
        "evidence": list(o.evidence),
        "fields": {k: asdict(v) for k, v in o.fields.items()},
        "seconds": round(o.seconds, 3),
        "error": o.error,
    }


def outcome_from_json(record: dict[str, Any]) -> Outcome:
    """The inverse of :func:`outcome_json`, so ``--rescore`` can score a saved run again."""
    plan = DocPlan(**{k: record[k] for k in DocPlan.__dataclass_fields__})
    doc = EvalDoc(
        plan, Path(record.get("path", record["name"])), record["variant"], record["truth"]
    )
    return Outcome(
        doc=doc,
        predicted=record["predicted"],
        confidence=record["confidence"],
        certified=record["is_certified_copy"],
        fields={k: ReturnedField(**v) for k, v in record["fields"].items()},
        candidates=tuple((t, p) for t, p in record["candidates"]),
        evidence=tuple(record["evidence"]),
        seconds=record["seconds"],
        error=record["error"],
    )


def to_json(scores: Scores, outcomes: Sequence[Outcome], meta: dict[str, Any]) -> dict[str, Any]:
    totals = scores.field_totals
    return {
        **meta,
        "summary": {
            "documents": scores.documents,
            "pages": scores.pages,
            "accuracy": scores.accuracy,
            "macro_f1": scores.macro_f1,
            "macro_f1_degraded": scores.macro_f1_degraded,
            "certified": scores.certified,
            "fields": dict(totals),
            "id_numbers_accepted": scores.id_numbers_accepted,
            "violations": len(scores.violations),
            "wall_seconds": scores.wall_seconds,
            "pages_per_minute": scores.pages_per_minute,
            "seconds_per_page": scores.seconds_per_page,
            "seconds_per_document": scores.seconds_per_document,
        },
        "targets": [asdict(t) for t in scores.targets],
        "per_type": [
            {**asdict(t), "precision": t.precision, "recall": t.recall, "f1": t.f1}
            for t in scores.per_type
        ],
        "confusion": scores.confusion,
        "by_degradation": [{**asdict(r), "accuracy": r.accuracy} for r in scores.by_degradation],
        "by_format": [{**asdict(r), "accuracy": r.accuracy} for r in scores.by_format],
        "fields": [{**asdict(r), "rate": r.rate} for r in scores.field_rates],
        "field_checks": [asdict(c) for c in scores.field_checks if c.status != MATCH],
        "violations": [asdict(v) for v in scores.violations],
        "calibration": {
            "type": [{**asdict(b), "accuracy": b.accuracy} for b in scores.type_calibration],
            "field": [{**asdict(b), "accuracy": b.accuracy} for b in scores.field_calibration],
        },
        "documents": [outcome_json(o) for o in outcomes],
    }
