"""A whole scan file, start to finish, on one machine.

The order is: validate → pages in parallel (``pipeline.page``) → assemble the
searchable PDF → write the text and the JSON report. Outputs appear all at once
or not at all: each is written to a temporary file beside its destination and
renamed only when every page has succeeded, so a failure never leaves a partial
PDF that a clerk could mistake for the digitised copy.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ingest.errors import InputError
from ingest.poppler import pdftotext_pages
from ingest.scan import Scan, open_scan
from ocr.pdf import KeptPage, OcrPage, assemble_searchable_pdf
from ocr.tesseract import check_languages
from ocr.vietnamese import nfc
from pipeline.context import OcrOptions, PageJob, PageResult
from pipeline.page import process_page


class PageFailed(RuntimeError):
    """A page could not be digitised; names the page so the clerk can check it."""

    def __init__(self, path: Path, number: int, reason: str) -> None:
        super().__init__(f"{path.name}: page {number}: {reason}")
        self.number = number
        self.reason = reason


class OutputNotWritable(RuntimeError):
    """A destination cannot be created or replaced (missing folder, permissions, disk)."""


@dataclass(frozen=True)
class DocumentResult:
    source: Path
    pages: tuple[PageResult, ...]

    @property
    def text(self) -> str:
        """Pages separated by form feeds, as OCRmyPDF's sidecar does."""
        return "\f".join(p.text for p in self.pages)

    def report(self) -> dict[str, Any]:
        return {
            "source": nfc(self.source.name),
            "page_count": len(self.pages),
            "pages": [p.report() for p in self.pages],
        }


def digitise_file(
    source: Path,
    output: Path,
    options: OcrOptions,
    *,
    sidecar: Path | None = None,
    report: Path | None = None,
) -> DocumentResult:
    scan = open_scan(source, options.limits)
    check_languages(options.lang)
    # Outputs are claimed first, so an unwritable destination fails in a second,
    # not after minutes of OCR.
    with atomic_outputs([output, sidecar, report]) as (pdf_tmp, text_tmp, json_tmp):
        results = with_kept_text(scan, run_pages(scan, options))
        document = DocumentResult(source=source, pages=results)
        assemble_searchable_pdf(_pdf_pages(scan, results), pdf_tmp, title=nfc(source.stem))
        if text_tmp:
            text_tmp.write_text(document.text, encoding="utf-8")
        if json_tmp:
            json_tmp.write_text(
                json.dumps(document.report(), ensure_ascii=False, indent=1), encoding="utf-8"
            )
    return document


def run_pages(scan: Scan, options: OcrOptions) -> list[PageResult]:
    """Pages in parallel, one single-threaded Tesseract per job; the first failure stops all."""
    jobs = [PageJob(source=page, options=options) for page in scan.pages]
    if options.jobs <= 1 or len(jobs) == 1:
        return [_run_one(scan, job) for job in jobs]
    with ProcessPoolExecutor(max_workers=min(options.jobs, len(jobs))) as pool:
        futures = [pool.submit(process_page, job) for job in jobs]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future, job in zip(futures, jobs, strict=True):
            if future in done and future.exception() is not None:
                for other in pending:
                    other.cancel()
                _raise_page_failure(scan, job, future.exception())
        return [f.result() for f in futures]


def _run_one(scan: Scan, job: PageJob) -> PageResult:
    try:
        return process_page(job)
    except Exception as exc:
        _raise_page_failure(scan, job, exc)
        raise  # unreachable; keeps type checkers calm


def _raise_page_failure(scan: Scan, job: PageJob, exc: BaseException | None) -> None:
    if isinstance(exc, InputError):
        raise exc
    reason = str(exc) or type(exc).__name__
    raise PageFailed(scan.path, job.source.index + 1, reason) from exc


def with_kept_text(scan: Scan, results: Sequence[PageResult]) -> tuple[PageResult, ...]:
    """Kept pages contribute their existing text to the sidecar, read in one pass."""
    if not any(r.kept for r in results):
        return tuple(results)
    texts = pdftotext_pages(scan.path, scan.page_count)
    return tuple(
        replace(r, text=nfc(texts[r.number - 1]).strip()) if r.kept else r for r in results
    )


def _pdf_pages(scan: Scan, results: Sequence[PageResult]) -> list[OcrPage | KeptPage]:
    pages: list[OcrPage | KeptPage] = []
    for result in results:
        if result.kept or result.image is None:
            pages.append(KeptPage(source=scan.path, index=result.number - 1))
        else:
            pages.append(OcrPage(image=result.image, dpi=result.dpi, words=result.words))
    return pages


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_outputs(paths: Sequence[Path | None]) -> Iterator[list[Path | None]]:
    """Temporary siblings of ``paths``; renamed over them only if the block succeeds."""
    temps: list[Path | None] = []
    with ExitStack() as cleanup:
        for path in paths:
            if path is None:
                temps.append(None)
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(
                    prefix=f".{path.name}.", suffix=".partial", dir=path.parent
                )
            except OSError as exc:
                raise OutputNotWritable(f"{path}: {exc.strerror or exc}") from exc
            os.close(fd)
            tmp = Path(name)
            # mkstemp makes 0600 files; outputs should read like any other file.
            tmp.chmod(0o666 & ~_umask())
            cleanup.callback(tmp.unlink, missing_ok=True)
            temps.append(tmp)
        yield temps
        for path, tmp in zip(paths, temps, strict=True):
            if path is not None and tmp is not None:
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    raise OutputNotWritable(f"{path}: {exc.strerror or exc}") from exc
