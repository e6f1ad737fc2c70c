"""``sohoa ocr``: the journey (``pipeline.journey``) run for one file on one machine.

Validate → pages in parallel → assemble the searchable PDF → write the text and
the JSON report; the stages are the journey's, this runner adds the process
pool and the files. Outputs appear all at once
or not at all: each is written to a temporary file beside its destination and
renamed only when every page has succeeded, so a failure never leaves a partial
PDF that a clerk could mistake for the digitised copy. The same holds when the
run is stopped (Ctrl-C, SIGTERM, even SIGKILL while pages run): no page worker,
no Tesseract, no partial output and no temporary file outlives it.
"""

from __future__ import annotations

import ctypes
import functools
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.vietnamese import nfc
from ingest.errors import InputError
from ingest.page_source import Scan
from ocr.engines import check_languages
from pipeline import journey
from pipeline.programs import processes
from pipeline.stage_data import OcrOptions, PageJob, PageResult


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
        return journey.document_text(self.pages)

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
    scan = journey.open_original(source, options.limits)
    check_languages(options.engine, options.lang)
    # Outputs are claimed first, so an unwritable destination fails in a second,
    # not after minutes of OCR.
    with atomic_outputs([output, sidecar, report]) as (pdf_tmp, text_tmp, json_tmp):
        partials = [tmp for tmp in (pdf_tmp, text_tmp, json_tmp) if tmp is not None]
        results = tuple(run_pages(scan, options, leftovers=partials))
        document = DocumentResult(source=source, pages=results)
        journey.assemble(scan.path, results, pdf_tmp, title=source.stem)
        if text_tmp:
            text_tmp.write_text(document.text, encoding="utf-8")
        if json_tmp:
            json_tmp.write_text(
                json.dumps(document.report(), ensure_ascii=False, indent=1), encoding="utf-8"
            )
    return document


def run_pages(
    scan: Scan, options: OcrOptions, *, leftovers: Sequence[Path] = ()
) -> list[PageResult]:
    """Pages in parallel, one single-threaded Tesseract per job; the first failure stops all.

    Pages always run in worker processes, even one at a time: a page in a
    worker can be stopped at once and completely (the worker, its Tesseract,
    its files), whereas a Tesseract started by this process itself would
    outlive a SIGTERM and leave its files. Whatever ends the run early (a
    failed page, Ctrl-C, SIGTERM) stops the workers and their programs and
    removes the run's scratch folder before it propagates. ``leftovers`` are
    files only worth keeping if this process lives on: should it die without
    a word (SIGKILL), the workers remove them.
    """
    jobs = [PageJob(source=page, options=options) for page in scan.pages]
    with _run_scratch() as scratch:
        pool = ProcessPoolExecutor(
            max_workers=max(1, min(options.jobs, len(jobs))),
            mp_context=_WORKER_START,
            initializer=_start_worker,
            initargs=(os.getpid(), scratch, tuple(leftovers)),
        )
        try:
            futures = [pool.submit(journey.run_page, job) for job in jobs]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future, job in zip(futures, jobs, strict=True):
                if future in done and future.exception() is not None:
                    _raise_page_failure(scan, job, future.exception())
            results = [f.result() for f in futures]
            pool.shutdown()
        except BaseException:
            _stop_pool(pool)
            raise
    return results


# Workers are forked, not spawned: they must be direct children of this process
# so that their parent-death signal is tied to it, and forking also spares each
# worker re-importing OpenCV and the OCR stack.
_WORKER_START = multiprocessing.get_context("fork")
# prctl(2) option: the signal a process gets when its parent dies (Linux only).
_PR_SET_PDEATHSIG = 1
# The worker's death signal: a signal of its own, so that it is never confused
# with the pool's SIGTERM. SIGHUP is what it means: "your controlling process
# has gone"; workers sit in process groups of their own, so no terminal sends it.
_PARENT_DIED = signal.SIGHUP
# How long a stop waits for killed programs to be gone before removing their
# files anyway. SIGKILL takes effect in milliseconds; this only bounds the case
# of a process stuck in the kernel (e.g. on a dead network mount).
_STOP_WAIT_SECONDS = 5.0


@contextmanager
def _run_scratch() -> Iterator[str]:
    """A private temporary folder for the workers of one run, removed with the run.

    Tesseract (through pytesseract) and the page stages write their temporary
    files in the default temporary folder; pointing that at a folder of the
    run's own means one removal cleans up after every program, even ones
    killed half-way through a file.
    """
    scratch = tempfile.mkdtemp(prefix="sohoa-run-")
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _start_worker(parent: int, scratch: str, leftovers: tuple[Path, ...]) -> None:
    """Set up a pool worker so that the parent alone decides when it stops.

    - Ctrl-C is ignored: the parent gets it too and stops everything in order.
    - The worker leads its own process group, which its Tesseract and Poppler
      programs join: the parent kills one group and nothing is left running.
    - Temporary files go to the run's scratch folder (``TMPDIR`` for programs).
    - SIGTERM (the pool ending a broken run) stops the worker's programs too.
    - If the parent dies, even by SIGKILL, the kernel sends the worker
      ``_PARENT_DIED``; the worker then stops its programs and removes the
      run's files, since nobody else will.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.setpgid(0, 0)
    tempfile.tempdir = scratch
    os.environ["TMPDIR"] = scratch
    signal.signal(signal.SIGTERM, _stop_worker)
    orphaned = functools.partial(_stop_orphaned_worker, scratch, leftovers)
    signal.signal(_PARENT_DIED, orphaned)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, _PARENT_DIED, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        orphaned(_PARENT_DIED, None)


def _stop_worker(signum: int, frame: object) -> None:
    """End this worker and the programs it runs (its process group), then exit."""
    _end_own_programs()
    os._exit(128 + signum)


def _stop_orphaned_worker(
    scratch: str, leftovers: tuple[Path, ...], signum: int, frame: object
) -> None:
    """The parent is dying: end the programs, remove the run's files, exit.

    The kernel sends the death signal when the parent's forking (main) thread
    exits, which for the CLI means the whole process is ending, possibly
    before it is reparented: so no check of ``getppid`` here. Several workers
    may remove the same files; removal tolerates that.
    """
    _end_own_programs()
    shutil.rmtree(scratch, ignore_errors=True)
    for path in leftovers:
        path.unlink(missing_ok=True)
    os._exit(128 + signum)


def _end_own_programs() -> None:
    """SIGTERM to this worker's process group (not to itself) and wait for them."""
    for signum in (signal.SIGTERM, _PARENT_DIED):
        signal.signal(signum, signal.SIG_IGN)
    # A program that will not die must not keep this worker alive for ever.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(_STOP_WAIT_SECONDS))
    os.killpg(0, signal.SIGTERM)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Kill the workers and everything they run, then wait until they are gone.

    Each worker is killed first and its group second: a worker that has not
    yet made its group has started nothing, and one that has cannot start
    anything once killed, so no program escapes between the two.
    """
    # The pool keeps its worker processes in a private attribute; there is no
    # public way to reach them, and they must be killed, not asked to finish.
    workers = list((getattr(pool, "_processes", None) or {}).keys())
    for pid in workers:
        for kill in (os.kill, os.killpg):
            with suppress(ProcessLookupError, PermissionError):
                kill(pid, signal.SIGKILL)
    pool.shutdown(wait=True, cancel_futures=True)
    _wait_until_gone(set(workers))


def _wait_until_gone(groups: set[int]) -> None:
    """Until no live process is left in ``groups``: only then can its files be removed."""
    deadline = time.monotonic() + _STOP_WAIT_SECONDS
    while groups and time.monotonic() < deadline:
        if not any(p.pgrp in groups for p in processes() if p.alive):
            return
        time.sleep(0.02)


def _raise_page_failure(scan: Scan, job: PageJob, exc: BaseException | None) -> None:
    if isinstance(exc, InputError):
        raise exc
    reason = str(exc) or type(exc).__name__
    raise PageFailed(scan.path, job.source.index + 1, reason) from exc


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
