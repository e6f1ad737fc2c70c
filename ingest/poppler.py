"""The one place that runs Poppler's command-line tools.

Poppler runs in its own process, so a PDF that crashes or hangs it costs one
subprocess and a timeout, never the worker. Callers get bytes or text back, or a
:class:`PopplerError` carrying Poppler's own complaint; deciding what that means
for the user (corrupt file, no text layer) is theirs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

#: Rendering one page at <= 400 dpi takes seconds; far more means a pathological page.
RENDER_TIMEOUT_S = 180.0


class PopplerError(RuntimeError):
    """A Poppler tool failed on this file or did not finish in time."""


class PopplerMissing(RuntimeError):
    """A Poppler tool is not installed: a broken installation, not a bad input."""


def _run(args: list[str], timeout: float) -> bytes:
    try:
        proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as err:
        raise PopplerMissing(f"{args[0]} not found; install poppler-utils") from err
    except subprocess.TimeoutExpired as err:
        raise PopplerError(f"{args[0]} did not finish within {timeout:.0f} s") from err
    if proc.returncode != 0:
        raise PopplerError(_complaint(args[0], proc.returncode, proc.stderr))
    return proc.stdout


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
    out = _run(["pdftotext", "-enc", "UTF-8", "-cropbox", _arg(path), "-"], timeout)
    pages = out.decode("utf-8", "replace").split("\f")
    pages = pages[:page_count]
    return pages + [""] * (page_count - len(pages))


def pdftoppm_page(path: Path, page_number: int, dpi: float) -> bytes:
    """Render one page (1-based) of the crop box to an RGB PPM image, as bytes.

    Raw PPM on stdout avoids both a temporary file and PNG compression that would
    only be undone again.
    """
    args = ["pdftoppm", "-f", str(page_number), "-l", str(page_number)]
    args += ["-r", repr(float(dpi)), "-cropbox", "-singlefile", _arg(path)]
    return _run(args, RENDER_TIMEOUT_S)


def _arg(path: Path) -> str:
    """Absolute, so that a file named ``-foo.pdf`` is never read as an option."""
    return str(Path(path).absolute())
