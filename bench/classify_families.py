"""Type accuracy on layout families the model never saw: the corpus held out by family.

``bench/classify`` scores documents drawn by the same generator, in the same
forms, as the training corpus: it measures memory as much as skill. Here each
type's forms (the corpus's ``variant``: ``gks_2016``, ``gcnkh_table``,
``cong_van`` …) are split into ``FOLDS`` groups; for each fold the model is
trained on the corpus *without* that fold's families and scored on them — on
the text a perfect OCR would read, so what is measured is the model and the
title rules meeting wording and layouts they were not trained on. Types with
a single family (``marital_status``) are never held out: for them there is
nothing unseen to test. The "seen" number is the usual held-out-by-hash score
of the same trainings (other documents of the families trained on).

``python -m bench.classify_families`` (about a minute a fold on one core)
writes ``bench/out/classify-families.md`` and ``.json``.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from classifiers.metrics import accuracy, macro_f1
from classifiers.training import (
    CORPUS,
    Example,
    decisions,
    prepare,
    train_classifier,
)

FOLDS = 3
OUT = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class FamilyExample:
    example: Example
    family: str


def corpus_with_families() -> list[FamilyExample]:
    text = resources.files("classifiers").joinpath(CORPUS).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [
        FamilyExample(Example(r["text"], r["type"]), f"{r['type']}/{r['variant']}") for r in rows
    ]


def fold_of_families(items: Sequence[FamilyExample], folds: int = FOLDS) -> dict[str, int]:
    """Each family's fold, or -1 for a type's only family (never held out).

    A type's families are dealt round-robin in order of size, largest first, so
    every fold holds out one family of every type that has enough of them and
    no fold takes all of a type's families away (with fewer families than
    folds, the type sits out the folds it has no family for).
    """
    sizes = Counter(item.family for item in items)
    by_type: dict[str, list[str]] = defaultdict(list)
    for family in sorted(sizes, key=lambda f: (-sizes[f], f)):
        by_type[family.split("/")[0]].append(family)
    assigned: dict[str, int] = {}
    for families in by_type.values():
        if len(families) < 2:
            assigned[families[0]] = -1
            continue
        for index, family in enumerate(families):
            if len(families) > folds:
                assigned[family] = index % folds
            else:  # the last (smallest) family stays in training in every fold
                assigned[family] = index if index < len(families) - 1 else -1
    return assigned


def run(folds: int = FOLDS) -> dict[str, object]:
    items = corpus_with_families()
    fold_of = fold_of_families(items, folds)
    truth: list[str] = []
    predicted: list[str] = []
    misses: list[dict[str, str]] = []
    seen = []
    per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for fold in range(folds):
        unseen = [i for i in items if fold_of[i.family] == fold]
        if not unseen:
            continue
        trained_on = [i.example for i in items if fold_of[i.family] != fold]
        started = time.perf_counter()
        result = train_classifier(trained_on)
        seen.append(result.held_out.as_dict())
        answers = decisions(result.classifier, [prepare(i.example) for i in unseen])
        for item, answer in zip(unseen, answers, strict=True):
            truth.append(item.example.document_type)
            predicted.append(answer)
            per_family[item.family][0] += answer == item.example.document_type
            per_family[item.family][1] += 1
            if answer != item.example.document_type:
                misses.append({"family": item.family, "answered": answer})
        print(
            f"fold {fold}: {len(unseen)} unseen documents, {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    seen_docs = sum(int(s["documents"]) for s in seen)
    return {
        "folds": folds,
        "unseen": {
            "documents": len(truth),
            "families": len(per_family),
            "accuracy": round(accuracy(truth, predicted), 4),
            "macro_f1": round(macro_f1(truth, predicted), 4),
        },
        "seen": {
            "documents": seen_docs,
            "accuracy": round(sum(s["accuracy"] * s["documents"] for s in seen) / seen_docs, 4),
            "macro_f1": round(sum(s["macro_f1"] for s in seen) / len(seen), 4),
        },
        "families": {f: {"right": r, "of": n} for f, (r, n) in sorted(per_family.items())},
        "misses": Counter(f"{m['family']} → {m['answered']}" for m in misses).most_common(),
    }


def report(result: dict[str, object]) -> str:
    unseen, seen = result["unseen"], result["seen"]
    lines = [
        "# Type accuracy on unseen layout families",
        "",
        "| documents | n | accuracy | macro-F1 |",
        "|---|---:|---:|---:|",
        f"| seen families (held out by hash) | {seen['documents']} | {seen['accuracy']:.3f} "
        f"| {seen['macro_f1']:.3f} |",
        f"| unseen families ({unseen['families']}) | {unseen['documents']} "
        f"| {unseen['accuracy']:.3f} | {unseen['macro_f1']:.3f} |",
        "",
        "## Families, unseen",
        "",
        "| family | right | of |",
        "|---|---:|---:|",
    ]
    for family, row in result["families"].items():
        lines.append(f"| {family} | {row['right']} | {row['of']} |")
    lines += ["", "## Misses", ""]
    lines += [f"- {miss} ×{count}" for miss, count in result["misses"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    result = run()
    OUT.mkdir(exist_ok=True)
    (OUT / "classify-families.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    (OUT / "classify-families.md").write_text(report(result), encoding="utf-8")
    print(report(result))


if __name__ == "__main__":
    main()
