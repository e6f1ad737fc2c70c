"""The classification benchmark's evaluation set: typed documents, scanned and degraded.

Every document comes from ``testkit.docgen`` with a seed from ``EVAL_SEED_START`` upwards,
so none of them shares a seed with the training corpus. Each is rendered at 200 dpi
(what most counter scanners are set to), damaged with one of ``testkit.pagegen``'s
degradation presets and stored in one of the formats a counter receives (scanned PDF,
PNG, JPEG, multi-page TIFF). Presets, formats and certified copies rotate with
different periods, so every type meets every preset and no two choices line up.

Files are cached one by one in ``bench/work/classify-<key>/``, named after everything
that decides their pixels; the key hashes the generator's source, so a change to the
generator starts a new folder, and a larger ``--per-type`` only renders what is new.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

# Bump when the way documents are drawn or stored changes in a way the key misses.
EVALSET_VERSION = "1"
DPI = 200
FORMATS = ("pdf", "png", "jpeg", "tiff")
SINGLE_IMAGE_FORMATS = ("png", "jpeg")
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpeg": "jpg", "tiff": "tif"}
# JPEG quality inside scanned PDFs and of JPEG files, as in bench/run's page set.
JPEG_QUALITY = 85
CERTIFIED_PERIOD = 3  # one document in three is a certified copy
GENERATOR_MODULES = (
    "docgen.py",
    "docgen_model.py",
    "docgen_banks.py",
    "docgen_civil.py",
    "docgen_admin.py",
    "docgen_property.py",
    "docgen_other.py",
    "docgen_render.py",
    "pagegen.py",
)


@dataclass(frozen=True)
class DocPlan:
    """What to draw and how to store it; plain data so pool processes can receive it."""

    doc_type: str
    seed: int
    certified: bool
    degradation: str
    kind: str
    pages: int

    @property
    def name(self) -> str:
        copy = "-cert" if self.certified else ""
        return f"{self.doc_type}-{self.seed}{copy}-{self.degradation}.{EXTENSIONS[self.kind]}"


@dataclass(frozen=True)
class EvalDoc:
    """One stored file of the set and its ground truth (``testkit.docgen`` truth fields)."""

    plan: DocPlan
    path: Path
    variant: str
    truth: dict[str, str]

    @property
    def name(self) -> str:
        return self.plan.name


def plan_documents(
    types: Sequence[str], all_types: Sequence[str], per_type: int, presets: Sequence[str]
) -> list[DocPlan]:
    """``per_type`` documents of each type, interleaved type by type.

    A type's position in ``all_types`` (not in the filtered ``types``) offsets its
    rotations, so ``--types`` picks the very same documents as a full run, and the
    interleaving makes a ``--limit`` run cover as many types as it can.
    """
    from testkit import docgen

    by_type: list[list[DocPlan]] = []
    for doc_type in types:
        offset = all_types.index(doc_type)
        plans = []
        for i in range(per_type):
            seed = docgen.EVAL_SEED_START + i
            certified = (i + offset) % CERTIFIED_PERIOD == 1
            pages = len(docgen.compose(doc_type, seed, certified_copy=certified).pages)
            plans.append(
                DocPlan(
                    doc_type=doc_type,
                    seed=seed,
                    certified=certified,
                    degradation=presets[(i + offset) % len(presets)],
                    kind=_format(i + offset, pages),
                    pages=pages,
                )
            )
        by_type.append(plans)
    return [plans[i] for i in range(per_type) for plans in by_type]


def _format(turn: int, pages: int) -> str:
    """The rotating format; a multi-page document cannot be one PNG or JPEG, so it goes
    into a PDF or a TIFF instead (alternately)."""
    kind = FORMATS[turn % len(FORMATS)]
    if pages > 1 and kind in SINGLE_IMAGE_FORMATS:
        return "pdf" if turn % 2 == 0 else "tiff"
    return kind


def generator_key() -> str:
    """Hash of the generator's source and this module's storage choices."""
    tests_dir = Path(__file__).resolve().parent.parent / "tests"
    digest = hashlib.sha256(f"{EVALSET_VERSION}:{DPI}:{JPEG_QUALITY}".encode())
    for module in GENERATOR_MODULES:
        path = tests_dir / module
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:16]


def ensure_documents(
    work_dir: Path,
    plans: Sequence[DocPlan],
    *,
    jobs: int,
    log: Callable[[str], None] = lambda _: None,
) -> list[EvalDoc]:
    """The stored documents of ``plans``, rendering only those not cached yet (untimed)."""
    root = work_dir / f"classify-{generator_key()}"
    root.mkdir(parents=True, exist_ok=True)
    missing = [p for p in plans if not _truth_path(root, p).exists()]
    if missing:
        log(f"rendering {len(missing)} of {len(plans)} documents into {root} …")
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=get_context("spawn")) as pool:
            list(pool.map(_write_document, [root] * len(missing), missing))
    return [_load(root, p) for p in plans]


def _truth_path(root: Path, plan: DocPlan) -> Path:
    return root / f"{plan.name}.json"


def _load(root: Path, plan: DocPlan) -> EvalDoc:
    record = json.loads(_truth_path(root, plan).read_text(encoding="utf-8"))
    if record["plan"] != asdict(plan):
        raise RuntimeError(f"{plan.name}: cached plan differs; delete {root} and run again")
    return EvalDoc(plan, root / plan.name, record["variant"], record["truth"])


def _write_document(root: Path, plan: DocPlan) -> None:
    """Render, degrade and store one document; the truth file is written last (and
    atomically), so it marks a complete document."""
    from testkit import docgen, pagegen

    doc = docgen.compose(plan.doc_type, plan.seed, certified_copy=plan.certified)
    rendered = docgen.render(doc, dpi=DPI)
    if len(rendered) != plan.pages:
        raise RuntimeError(f"{plan.name}: rendered {len(rendered)} pages, planned {plan.pages}")
    images = [
        pagegen.DEGRADATIONS[plan.degradation](page.image, plan.seed * 10 + number)
        for number, page in enumerate(rendered)
    ]
    target = root / plan.name
    scratch = target.with_name(f".{os.getpid()}-{plan.name}")
    if plan.kind == "pdf":
        pagegen.save_pdf(images, scratch, DPI, quality=JPEG_QUALITY)
    elif plan.kind == "tiff":
        pagegen.save_tiff(images, scratch, DPI)
    elif plan.kind == "jpeg":
        pagegen.save_jpeg(images[0], scratch, DPI, quality=JPEG_QUALITY)
    else:
        pagegen.save_png(images[0], scratch, DPI)
    scratch.replace(target)
    record = {"plan": asdict(plan), "variant": doc.variant, "truth": doc.truth_fields}
    truth = _truth_path(root, plan)
    scratch = truth.with_name(f".{os.getpid()}-{truth.name}")
    scratch.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    scratch.replace(truth)
