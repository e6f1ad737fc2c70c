"""``sohoa``: the command line. It parses, calls ``pipeline``, and maps errors to exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ingest.errors import InputError
from ocr.tesseract import TesseractError
from pipeline.document import OutputNotWritable, PageFailed, digitise_file
from sohoa.settings import get_settings

# Exit codes beyond the input errors' own (3–8, see ingest.errors).
EXIT_PAGE_FAILED = 9
EXIT_OCR_ENGINE = 10
EXIT_OUTPUT = 11


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sohoa")
def main() -> None:
    """sohoa: số hóa hồ sơ — digitise commune dossiers into searchable Vietnamese PDF/A."""


@main.command()
@click.argument(
    "input_file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@click.argument("output_pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--sidecar",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the text (UTF-8, NFC, pages split by form feed).",
)
@click.option(
    "--json",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write per-page details: rotation, skew, confidence, word boxes, timings.",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Pages processed at once.")
@click.option("--lang", "-l", help="Tesseract languages (default: vie).")
@click.option("--force-ocr", is_flag=True, help="OCR pages that already carry text.")
def ocr(
    input_file: Path,
    output_pdf: Path,
    sidecar: Path | None,
    report: Path | None,
    jobs: int | None,
    lang: str | None,
    force_ocr: bool,
) -> None:
    """Digitise INPUT_FILE (PDF, TIFF, JPEG, PNG) into a searchable PDF/A OUTPUT_PDF."""
    options = get_settings().ocr_options(jobs=jobs, lang=lang, force_ocr=force_ocr or None)
    try:
        result = digitise_file(input_file, output_pdf, options, sidecar=sidecar, report=report)
    except InputError as exc:
        _fail(str(exc), exc.exit_code)
    except PageFailed as exc:
        _fail(str(exc), EXIT_PAGE_FAILED)
    except TesseractError as exc:
        _fail(f"{input_file.name}: {exc}", EXIT_OCR_ENGINE)
    except OutputNotWritable as exc:
        _fail(f"cannot write output: {exc}", EXIT_OUTPUT)
    pages = len(result.pages)
    kept = sum(p.kept for p in result.pages)
    note = f" ({kept} already had text, kept)" if kept else ""
    click.echo(f"{output_pdf}: {pages} page(s){note}", err=True)


def _fail(message: str, code: int) -> None:
    click.echo(f"sohoa: error: {message}", err=True)
    sys.exit(code)
