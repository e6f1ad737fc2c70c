"""The three contenders and how each is driven over the page set.

sohoa and OCRmyPDF get the input files as a clerk would hand them over. In ``batch``
mode (the default) a batch is spread the way a counter's day is: one file per core
at a time, each run with ``--jobs 1``, which is also how raw Tesseract is driven. In
``files`` mode the files go one after another, each parallelising across its own
pages with ``--jobs``, which leaves cores idle on single-page files. Raw Tesseract gets the
pages already decoded to PNG (extraction is untimed) and runs one single-threaded
process per core, which is the most throughput plain Tesseract can give: a ceiling,
not a competitor with a PDF to write.
"""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.pageset import InputFile, Page, PageSet
from bench.procwatch import CommandResult, TreeMemorySampler, run_command

REPO = Path(__file__).resolve().parent.parent
TOOL_NAMES = ("sohoa", "ocrmypdf", "tesseract")
LABELS = {"sohoa": "sohoa", "ocrmypdf": "OCRmyPDF", "tesseract": "raw Tesseract"}


@dataclass(frozen=True)
class FileOutcome:
    """One input file through one tool. ``texts`` has exactly one entry per page."""

    file: str
    pages: int
    texts: tuple[str, ...]
    error: str | None
    seconds: float
    peak_rss_bytes: int
    output_bytes: int | None
    pages_returned: int | None


@dataclass(frozen=True)
class ToolRun:
    name: str
    given: str
    command: str
    wall_seconds: float
    peak_rss_bytes: int
    files: tuple[FileOutcome, ...]

    @property
    def label(self) -> str:
        return LABELS[self.name]


def executable(name: str) -> str:
    """Prefer the tool installed beside this interpreter (the venv), then PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found next to {sys.executable} or on PATH")
    return found


def file_timeout(pages: int) -> float:
    """Generous: it only exists so that one hung file cannot eat the whole run."""
    return 120.0 + 90.0 * pages


# --------------------------------------------------------------------------------------
# File-based tools: sohoa and OCRmyPDF
# --------------------------------------------------------------------------------------

ArgvBuilder = Callable[[Path, Path, Path, int], list[str]]


def sohoa_argv(src: Path, pdf: Path, sidecar: Path, jobs: int) -> list[str]:
    return [
        executable("sohoa"),
        "ocr",
        str(src),
        str(pdf),
        "--sidecar",
        str(sidecar),
        "--jobs",
        str(jobs),
    ]


def ocrmypdf_argv(src: Path, pdf: Path, sidecar: Path, jobs: int) -> list[str]:
    """OCRmyPDF with the preprocessing a fair comparison needs (sohoa does all of it).

    No ``--image-dpi``: every generated image carries its resolution, as sohoa is not
    told it either.
    """
    return [
        executable("ocrmypdf"),
        "-l",
        "vie",
        "--rotate-pages",
        "--deskew",
        "--clean",
        "--output-type",
        "pdfa",
        "--jobs",
        str(jobs),
        "--sidecar",
        str(sidecar),
        str(src),
        str(pdf),
    ]


ARGV: dict[str, ArgvBuilder] = {"sohoa": sohoa_argv, "ocrmypdf": ocrmypdf_argv}


def project_packages() -> list[str]:
    """sohoa's top-level packages, as ``pyproject.toml`` lists them for the wheel."""
    with (REPO / "pyproject.toml").open("rb") as handle:
        include = tomllib.load(handle)["tool"]["setuptools"]["packages"]["find"]["include"]
    return [pattern.rstrip("*") for pattern in include]


def compile_project() -> None:
    """Compile sohoa's own modules to bytecode before they are timed, as installing the
    package does (OCRmyPDF's were compiled when pip installed it). The editable install
    leaves that to the first import, and with ``PYTHONDONTWRITEBYTECODE`` set (as on the
    benchmark's machine) every ``sohoa ocr`` compiled them again: ~0.08 s a file."""
    for package in project_packages():
        compileall.compile_dir(str(REPO / package), quiet=1, workers=0)


def run_file_tool(
    name: str,
    pageset: PageSet,
    out_dir: Path,
    jobs: int,
    mode: str = "batch",
    *,
    build: ArgvBuilder | None = None,
    source: Callable[[InputFile], Path] | None = None,
) -> ToolRun:
    """Every input file; the wall clock spans the whole set, reading outputs after.

    ``build`` replaces the tool's usual command line and ``source`` the file it is given
    (``bench/photos`` hands OCRmyPDF PNG copies of the photos it cannot open).
    """
    build = build or ARGV[name]
    if name == "sohoa":
        compile_project()
    tool_dir = _fresh_dir(out_dir / name)
    per_file_jobs = 1 if mode == "batch" else jobs

    def one(item: InputFile) -> tuple[InputFile, CommandResult, Path, Path]:
        pdf = tool_dir / f"{item.path.stem}.pdf"
        sidecar = tool_dir / f"{item.path.stem}.txt"
        src = source(item) if source is not None else item.path
        argv = build(src, pdf, sidecar, per_file_jobs)
        return item, run_command(argv, timeout=file_timeout(len(item.pages))), pdf, sidecar

    start = time.perf_counter()
    with TreeMemorySampler() as sampler:
        if mode == "batch":
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                done = list(pool.map(one, pageset.files))
        else:
            done = [one(item) for item in pageset.files]
    wall = time.perf_counter() - start
    files = tuple(
        _file_outcome(item, result, sampler.peak_bytes, pdf, sidecar)
        for item, result, pdf, sidecar in done
    )
    example = build(Path("IN"), Path("OUT.pdf"), Path("OUT.txt"), per_file_jobs)
    given = (
        f"the input files (PDF, TIFF, JPEG, PNG), {jobs} files at once"
        if mode == "batch"
        else "the input files (PDF, TIFF, JPEG, PNG) one after another"
    )
    return ToolRun(
        name=name,
        given=given,
        command=" ".join([Path(example[0]).name, *example[1:]]),
        wall_seconds=wall,
        peak_rss_bytes=sampler.peak_bytes,
        files=files,
    )


def _file_outcome(
    item: InputFile, result: CommandResult, peak: int, pdf: Path, sidecar: Path
) -> FileOutcome:
    """Turn a finished command into page texts; any failure leaves the pages empty."""
    expected = len(item.pages)
    error = _failure(result, pdf, sidecar)
    if error is not None:
        return FileOutcome(
            file=item.path.name,
            pages=expected,
            texts=("",) * expected,
            error=error,
            seconds=result.seconds,
            peak_rss_bytes=peak,
            output_bytes=pdf.stat().st_size if pdf.exists() else None,
            pages_returned=None,
        )
    texts, returned = split_sidecar(sidecar.read_text(encoding="utf-8"), expected)
    return FileOutcome(
        file=item.path.name,
        pages=expected,
        texts=texts,
        error=None,
        seconds=result.seconds,
        peak_rss_bytes=peak,
        output_bytes=pdf.stat().st_size,
        pages_returned=returned,
    )


def _command_error(result: CommandResult) -> str | None:
    if result.returncode is None:
        return f"timed out after {result.seconds:.0f} s"
    if not result.ok:
        return f"exit {result.returncode}: {_tail(result.stderr)}"
    return None


def _failure(result: CommandResult, pdf: Path, sidecar: Path) -> str | None:
    error = _command_error(result)
    if error is not None:
        return error
    if not pdf.exists():
        return "exit 0 but no output PDF"
    if not sidecar.exists():
        return "exit 0 but no sidecar text"
    return None


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "(no stderr)"


def split_sidecar(text: str, expected: int) -> tuple[tuple[str, ...], int]:
    """Pages of a sidecar, padded with empty pages (scored as all wrong) or cut to size.

    Form feeds separate pages; a final one after the last page is tolerated. Returns the
    page texts and how many pages the tool actually returned.
    """
    parts = text.split("\f")
    if len(parts) == expected + 1 and not parts[-1].strip():
        parts = parts[:-1]
    padded = (parts + [""] * expected)[:expected]
    return tuple(padded), len(parts)


# --------------------------------------------------------------------------------------
# Raw Tesseract: one single-threaded process per core over pre-extracted PNGs
# --------------------------------------------------------------------------------------


def tesseract_argv(png: Path) -> list[str]:
    return ["tesseract", str(png), "stdout", "-l", "vie"]


def run_tesseract(pageset: PageSet, out_dir: Path, jobs: int) -> ToolRun:
    """All pages through a pool; texts are kept in ``out_dir/tesseract`` for inspection."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    pages = pageset.pages
    timeout = file_timeout(1)

    def one(page: Page) -> CommandResult:
        return run_command(tesseract_argv(page.png), timeout=timeout, env=env)

    start = time.perf_counter()
    with TreeMemorySampler() as sampler, ThreadPoolExecutor(max_workers=jobs) as pool:
        results = dict(zip((p.index for p in pages), pool.map(one, pages), strict=True))
    wall = time.perf_counter() - start
    tool_dir = _fresh_dir(out_dir / "tesseract")
    for page in pages:
        (tool_dir / f"{page.png.stem}.txt").write_text(results[page.index].stdout, "utf-8")
    files = tuple(_tesseract_file(item, results) for item in pageset.files)
    return ToolRun(
        name="tesseract",
        given=f"the same pages pre-extracted to PNG, {jobs} single-threaded processes at once",
        command="OMP_THREAD_LIMIT=1 tesseract PAGE.png stdout -l vie",
        wall_seconds=wall,
        peak_rss_bytes=sampler.peak_bytes,
        files=files,
    )


def _tesseract_file(item: InputFile, results: dict[int, CommandResult]) -> FileOutcome:
    """Regroup per-page runs by input file so every tool reports the same shape."""
    runs = [results[p.index] for p in item.pages]
    errors = [f"page {n}: {_command_error(r)}" for n, r in enumerate(runs, start=1) if not r.ok]
    return FileOutcome(
        file=item.path.name,
        pages=len(item.pages),
        texts=tuple(r.stdout if r.ok else "" for r in runs),
        error="; ".join(errors) or None,
        seconds=sum(r.seconds for r in runs),
        peak_rss_bytes=0,  # only the whole pool's peak is meaningful
        output_bytes=None,
        pages_returned=sum(r.ok for r in runs),
    )


def run_tool(name: str, pageset: PageSet, out_dir: Path, jobs: int, mode: str = "batch") -> ToolRun:
    if name == "tesseract":
        return run_tesseract(pageset, out_dir, jobs)
    return run_file_tool(name, pageset, out_dir, jobs, mode)


# --------------------------------------------------------------------------------------
# Versions for the report header
# --------------------------------------------------------------------------------------


def version_of(argv: Sequence[str]) -> str:
    """First line a ``--version`` call prints (Tesseract writes it to stdout or stderr)."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def versions() -> dict[str, str]:
    """Versions of all three tools, whichever were run; a missing tool says so."""
    found: dict[str, str] = {}
    for name in ("tesseract", "ocrmypdf", "sohoa"):
        try:
            found[name] = version_of([executable(name), "--version"])
        except FileNotFoundError as exc:
            found[name] = f"unavailable ({exc})"
    return found


def _fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path
