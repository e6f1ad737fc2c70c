"""Running tools while watching their memory.

Peak memory is the largest *sum* of resident set sizes over every process below the
benchmark at one moment, sampled every ~0.1 s. Summing over the whole tree matters:
OCRmyPDF and sohoa fan out to worker processes and Tesseract children, and raw
Tesseract runs one process per core, so the parent's RSS alone would flatter them all.
Only one tool runs at a time, so the benchmark's descendants are that tool's tree.
RSS counts pages shared between forked workers once per process; that overstates the
true footprint a little, the same way for every tool.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

import psutil

SAMPLE_SECONDS = 0.1


class TreeMemorySampler:
    """Context manager: samples the summed RSS of this process's descendants in a thread."""

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._me = psutil.Process()
        self.peak_bytes = 0
        self.samples = 0

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._tree_rss())
            self.samples += 1
            self._stop.wait(self._interval)

    def _tree_rss(self) -> int:
        """Summed RSS of all descendants; processes vanishing mid-walk are skipped."""
        total = 0
        try:
            children = self._me.children(recursive=True)
        except psutil.Error:
            return 0
        for child in children:
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total


@dataclass(frozen=True)
class CommandResult:
    returncode: int | None  # None when the command was killed for running too long
    seconds: float
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_command(
    argv: Sequence[str], *, timeout: float, env: Mapping[str, str] | None = None
) -> CommandResult:
    """Run ``argv`` to completion; on timeout kill its whole process group, not just it."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        code = None
    return CommandResult(
        returncode=code,
        seconds=time.perf_counter() - start,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
