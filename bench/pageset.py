"""The benchmark's page set: synthetic Vietnamese pages stored the way a counter hands them in.

Pages come from ``testkit.pagegen`` (rendered text is the ground truth) and are written as
several multi-page image-only PDFs, one multi-page TIFF and single JPEG and PNG files, so
every tool also pays for reading the formats it will meet in production. The set is
cached under a key built from the layout, the seeds and the generator's own source: a
change to any of them regenerates, and nothing else does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image, ImageSequence

# Bump when the layout or the way files are written changes in a way the key misses.
PAGESET_VERSION = "2"
BASE_SEED = 7100
# JPEG quality of the page images inside the scanned PDFs and of the single JPEGs:
# what counter scanners and phones typically write.
T = TypeVar("T")
PDF_JPEG_QUALITY = 85
JPEG_FILE_QUALITY = 85


@dataclass(frozen=True)
class Container:
    """One input file in the layout: its format, how many pages, at what resolution."""

    kind: str  # "pdf", "tiff", "jpeg" or "png"
    pages: int
    dpi: int = 300


# The files of a full set, in order; a smaller --pages truncates this list. Mixed so that
# even a short quick run sees every format, and two files are at 200 dpi because some
# counters scan at that setting.
LAYOUT: tuple[Container, ...] = (
    Container("pdf", 5),
    Container("tiff", 6),
    Container("jpeg", 1),
    Container("png", 1),
    Container("pdf", 5),
    Container("jpeg", 1),
    Container("png", 1),
    Container("pdf", 4, dpi=200),
    Container("jpeg", 1, dpi=200),
    Container("png", 1),
    Container("pdf", 6),
    Container("jpeg", 1),
    Container("png", 1),
    Container("pdf", 4),
    Container("jpeg", 1),
    Container("png", 1),
)
FULL_PAGES = sum(c.pages for c in LAYOUT)


@dataclass(frozen=True)
class PagePlan:
    """What to draw for one page; plain data so worker processes can receive it."""

    index: int  # position in the whole set, 0-based
    seed: int
    degradation: str
    dpi: int


@dataclass(frozen=True)
class FilePlan:
    name: str
    kind: str
    dpi: int
    pages: tuple[PagePlan, ...]


@dataclass(frozen=True)
class Page:
    """One page of the generated set and its truth; ``png`` is what raw Tesseract reads."""

    index: int
    seed: int
    degradation: str
    dpi: int
    text: str
    png: Path


@dataclass(frozen=True)
class InputFile:
    path: Path
    kind: str
    dpi: int
    pages: tuple[Page, ...]


@dataclass(frozen=True)
class PageSet:
    key: str
    root: Path
    files: tuple[InputFile, ...]

    @property
    def pages(self) -> tuple[Page, ...]:
        return tuple(p for f in self.files for p in f.pages)


def plan_files(n_pages: int, presets: Sequence[str]) -> tuple[FilePlan, ...]:
    """Cut ``n_pages`` pages into the layout's files, cycling through the degradations.

    Cycling (rather than grouping) puts different degradations in one PDF, as a real
    dossier mixes a clean form with a crooked photocopy.
    """
    if n_pages < 1:
        raise ValueError("the page set needs at least one page")
    files: list[FilePlan] = []
    index = 0
    layout = _repeat_layout(n_pages)
    for number, container in enumerate(layout, start=1):
        count = min(container.pages, n_pages - index)
        if count <= 0:
            break
        pages = tuple(
            PagePlan(
                index=i,
                seed=BASE_SEED + i,
                degradation=presets[i % len(presets)],
                dpi=container.dpi,
            )
            for i in range(index, index + count)
        )
        ext = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}[container.kind]
        name = f"{number:02d}-{container.kind}-{count}p-{container.dpi}dpi.{ext}"
        files.append(FilePlan(name, container.kind, container.dpi, pages))
        index += count
    return tuple(files)


def _repeat_layout(n_pages: int) -> tuple[Container, ...]:
    """The layout, repeated when more pages than one full set are asked for."""
    repeats = -(-n_pages // FULL_PAGES)
    return LAYOUT * repeats


def plan_key(version: str, plans: Sequence[object], generator_source: bytes) -> str:
    """Hash of everything that decides the pixels (a version, the plans as dataclasses, the
    generators' source), so a stale cache is never reused; shared with ``bench.photoset``."""
    digest = hashlib.sha256()
    digest.update(version.encode())
    digest.update(json.dumps([asdict(p) for p in plans], sort_keys=True).encode())
    digest.update(hashlib.sha256(generator_source).digest())
    return digest.hexdigest()[:16]


def cache_key(files: Sequence[FilePlan], generator_source: bytes) -> str:
    """This set's :func:`plan_key`."""
    return plan_key(PAGESET_VERSION, files, generator_source)


def ensure_pageset(work_dir: Path, n_pages: int, *, fresh: bool, jobs: int) -> PageSet:
    """Load the cached set for this plan, or generate it (in parallel, untimed)."""
    from testkit import pagegen

    files = plan_files(n_pages, list(pagegen.DEGRADATIONS))
    key = cache_key(files, Path(pagegen.__file__).read_bytes())
    manifest = cached_manifest(
        work_dir / f"pages-{key}",
        key,
        PAGESET_VERSION,
        files,
        _write_file,
        ("inputs", "pages"),
        fresh=fresh,
        jobs=jobs,
    )
    return load_manifest(manifest)


def cached_manifest(
    root: Path,
    key: str,
    version: str,
    plans: Sequence[T],
    write: Callable[[Path, T], dict[str, Any]],
    subdirs: Sequence[str],
    *,
    fresh: bool,
    jobs: int,
) -> Path:
    """The manifest of the set cached at ``root``, generated first when missing (or when
    ``fresh``); shared with ``bench.photoset``."""
    if fresh and root.exists():
        shutil.rmtree(root)
    manifest = root / "manifest.json"
    if not manifest.exists():
        generate_staged(root, key, version, plans, write, subdirs, jobs)
    return manifest


def generate_staged(
    root: Path,
    key: str,
    version: str,
    plans: Sequence[T],
    write: Callable[[Path, T], dict[str, Any]],
    subdirs: Sequence[str],
    jobs: int,
) -> None:
    """Write every plan with ``write(staging, plan)`` (in ``jobs`` processes) into a
    temporary sibling of ``root`` with its manifest, then rename: an interrupted run leaves
    no half set. Shared with ``bench.photoset``."""
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root.parent))
    try:
        for name in subdirs:
            (staging / name).mkdir()
        if jobs > 1 and len(plans) > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                entries = list(pool.map(write, [staging] * len(plans), plans))
        else:
            entries = [write(staging, plan) for plan in plans]
        document = {"key": key, "version": version, "files": entries}
        (staging / "manifest.json").write_text(
            json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        staging.rename(root)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _write_file(staging: Path, plan: FilePlan) -> dict[str, Any]:
    """Render, degrade and store one input file, then extract its pages back to PNG."""
    from testkit import pagegen

    images: list[Image.Image] = []
    texts: list[str] = []
    for page in plan.pages:
        rendered = pagegen.render_page(page.seed, dpi=page.dpi)
        images.append(pagegen.DEGRADATIONS[page.degradation](rendered.image, page.seed))
        texts.append(rendered.text)
    path = staging / "inputs" / plan.name
    if plan.kind == "pdf":
        pagegen.save_pdf(images, path, plan.dpi, quality=PDF_JPEG_QUALITY)
    elif plan.kind == "tiff":
        pagegen.save_tiff(images, path, plan.dpi)
    elif plan.kind == "jpeg":
        pagegen.save_jpeg(images[0], path, plan.dpi, quality=JPEG_FILE_QUALITY)
    else:
        pagegen.save_png(images[0], path, plan.dpi)
    pngs = _extract_pngs(path, plan, staging / "pages")
    return {
        "path": f"inputs/{plan.name}",
        "kind": plan.kind,
        "dpi": plan.dpi,
        "pages": [
            {**asdict(page), "text": text, "png": f"pages/{png.name}"}
            for page, text, png in zip(plan.pages, texts, pngs, strict=True)
        ],
    }


def _extract_pngs(path: Path, plan: FilePlan, out_dir: Path) -> list[Path]:
    """Page images as decoded from the stored file, so raw Tesseract sees the same pixels.

    Extracting from the written file (not the in-memory image) keeps the scanner's JPEG
    artefacts that the other tools see too.
    """
    stem = path.stem
    if plan.kind == "pdf":
        images = _pdf_images(path, len(plan.pages))
    else:
        with Image.open(path) as img:
            images = [frame.convert("RGB") for frame in ImageSequence.Iterator(img)]
    if len(images) != len(plan.pages):
        raise RuntimeError(f"{path.name}: extracted {len(images)} pages, planned {len(plan.pages)}")
    out: list[Path] = []
    for number, img in enumerate(images, start=1):
        target = out_dir / f"{stem}-p{number:02d}.png"
        img.save(target, "PNG", dpi=(plan.dpi, plan.dpi))
        out.append(target)
    return out


def _pdf_images(path: Path, expected: int) -> list[Image.Image]:
    """The embedded page images, bit for bit (pdfimages), one per page of a scanned PDF."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdfimages", "-png", str(path), f"{tmp}/img"], check=True)
        files = sorted(Path(tmp).glob("img-*.png"))
        if len(files) != expected:
            raise RuntimeError(f"{path.name}: {len(files)} images for {expected} pages")
        images = []
        for file in files:
            with Image.open(file) as img:
                images.append(img.convert("RGB"))
        return images


def load_manifest(manifest: Path) -> PageSet:
    document = json.loads(manifest.read_text(encoding="utf-8"))
    root = manifest.parent
    files = tuple(
        InputFile(
            path=root / entry["path"],
            kind=entry["kind"],
            dpi=entry["dpi"],
            pages=tuple(
                Page(
                    index=p["index"],
                    seed=p["seed"],
                    degradation=p["degradation"],
                    dpi=p["dpi"],
                    text=p["text"],
                    png=root / p["png"],
                )
                for p in entry["pages"]
            ),
        )
        for entry in document["files"]
    )
    return PageSet(key=document["key"], root=root, files=files)
