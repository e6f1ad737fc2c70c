"""The one place that runs Poppler's command-line tools.

Poppler runs in its own process, so a PDF that crashes or hangs it costs one
subprocess and a timeout, never the worker. Each run is also bounded in address
space (``ulimit -v`` set by ``/bin/sh`` just before it runs the tool: unlike
``preexec_fn`` this is safe in the threaded API server), so a page built to make
Poppler allocate without end fails alone instead of taking the machine. Callers
get bytes or text back, or a :class:`PopplerError` carrying Poppler's own
complaint (:class:`PopplerOverLimit` when a bound was hit); deciding what that
means for the user (corrupt file, too large, no text layer) is theirs.
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
from pathlib import Path
from typing import IO

#: Rendering one page at <= 400 dpi takes seconds; far more means a pathological page.
RENDER_TIMEOUT_S = 180.0

MIB = 1024 * 1024
#: Address space of a Poppler tool before any page bitmap: its libraries, fonts and
#: parser state measure under 100 MiB; the rest is headroom.
BASE_MEMORY_BYTES = 256 * MIB
#: A page bitmap is 3 bytes per pixel (RGB); one more for Splash's working rows.
RENDER_BYTES_PER_PIXEL = 4
#: Pixels assumed when the caller does not say: the default per-page pixel limit.
DEFAULT_RENDER_PIXELS = 150_000_000
#: ``pdftotext`` keeps one page's words at a time; 1 GiB is far beyond any real page.
TEXT_MEMORY_BYTES = 1024 * MIB

#: How Poppler says an allocation failed: its own message, or the C++ runtime's
#: abort on ``std::bad_alloc``.
_OUT_OF_MEMORY = ("out of memory", "bad_alloc", "cannot allocate")
_FATAL_SIGNALS = frozenset({-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL, -signal.SIGBUS})


class PopplerError(RuntimeError):
    """A Poppler tool failed on this file or did not finish in time."""


class PopplerOverLimit(PopplerError):
    """A Poppler tool ran out of its memory bound or its time: the page is too costly."""


class PopplerMissing(RuntimeError):
    """A Poppler tool is not installed: a broken installation, not a bad input."""


def _run(args: list[str], timeout: float, memory_bytes: int) -> bytes:
    """Run a tool under ``memory_bytes`` of address space and ``timeout`` seconds.

    Its messages go to a temporary file of which only the ends are read: a damaged
    page can make Poppler complain once per instruction, millions of lines.
    """
    tool = args[0]
    bounded = ["/bin/sh", "-c", 'ulimit -v "$0" && exec "$@"', str(memory_bytes // 1024), *args]
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.run(
                bounded, stdout=subprocess.PIPE, stderr=errors, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as err:
            raise PopplerOverLimit(f"{tool} did not finish within {timeout:.0f} s") from err
        stderr = _ends(errors)
    if proc.returncode == 127:  # the shell found no such command
        raise PopplerMissing(f"{tool} not found; install poppler-utils")
    if proc.returncode in _FATAL_SIGNALS or any(
        m in stderr.decode("utf-8", "replace").lower() for m in _OUT_OF_MEMORY
    ):
        raise PopplerOverLimit(
            f"{tool} ran out of its memory limit of {memory_bytes // MIB} MiB "
            f"({_complaint(tool, proc.returncode, stderr)})"
        )
    if proc.returncode != 0:
        raise PopplerError(_complaint(tool, proc.returncode, stderr))
    return proc.stdout


def _ends(handle: IO[bytes], size: int = 8192) -> bytes:
    """The first and last ``size`` bytes of a file: where the cause and the fatal error are."""
    end = handle.seek(0, 2)
    handle.seek(0)
    head = handle.read(size)
    if end <= 2 * size:
        return head + handle.read()
    handle.seek(end - size)
    return head + b"\n" + handle.read()


def _complaint(tool: str, returncode: int, stderr: bytes) -> str:
    """First meaningful line of stderr: enough to tell a clerk what broke."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    detail = next((line for line in lines if line), "no message")
    return f"{tool} failed (exit {returncode}): {detail}"


def pdftotext_pages(path: Path, page_count: int) -> list[str]:
    """Text of every page, extracted in one run of ``pdftotext``.

    One process for the whole file instead of one per page, because this runs at
    upload time. Only the crop box is read, since text outside it is invisible.
    The result always has ``page_count`` items.
    """
    timeout = 60.0 + 0.5 * page_count
    args = ["pdftotext", "-enc", "UTF-8", "-cropbox", _arg(path), "-"]
    out = _run(args, timeout, TEXT_MEMORY_BYTES)
    pages = out.decode("utf-8", "replace").split("\f")
    pages = pages[:page_count]
    return pages + [""] * (page_count - len(pages))


def pdftotext_page(path: Path, page_number: int) -> str:
    """Text of one page (1-based): a page task reads its own page, not the whole file."""
    number = str(page_number)
    args = ["pdftotext", "-enc", "UTF-8", "-cropbox", "-f", number, "-l", number, _arg(path), "-"]
    out = _run(args, 60.0, TEXT_MEMORY_BYTES)
    return out.decode("utf-8", "replace").split("\f")[0]


def pdftoppm_page(
    path: Path, page_number: int, dpi: float, *, pixels: int = DEFAULT_RENDER_PIXELS
) -> bytes:
    """Render one page (1-based) of the crop box to an RGB PPM image, as bytes.

    Raw PPM on stdout avoids both a temporary file and PNG compression that would
    only be undone again. ``pixels`` (the expected size of the page bitmap) sets the
    memory bound of the run.
    """
    args = ["pdftoppm", "-f", str(page_number), "-l", str(page_number)]
    args += ["-r", repr(float(dpi)), "-cropbox", "-singlefile", _arg(path)]
    return _run(args, RENDER_TIMEOUT_S, render_memory_bytes(pixels))


def render_memory_bytes(pixels: int) -> int:
    """Address space allowed to ``pdftoppm`` for a page bitmap of ``pixels``."""
    return BASE_MEMORY_BYTES + RENDER_BYTES_PER_PIXEL * max(0, pixels)


def _arg(path: Path) -> str:
    """Absolute, so that a file named ``-foo.pdf`` is never read as an option."""
    return str(Path(path).absolute())
