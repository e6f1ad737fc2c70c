"""Why an input file was refused, and the limits that decide it.

Every refusal is an :class:`InputError` subclass so that one ``except InputError``
in the CLI or the API turns any bad upload into a one-line message and a stable
machine-readable code, without a traceback. Each reason has its own exit code so
that shell scripts run by the commune centres can tell "rescan it" from "send a
smaller file" without parsing English.

The exceptions carry the path and the reason as their ``args`` so that they pickle
unchanged across worker processes (multiprocessing, Celery).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

MIB = 1024 * 1024


class InputError(Exception):
    """An input file that sohoa cannot or will not digitise.

    ``str(err)`` is always a single line ``"<file name>: <reason>"`` in NFC, fit to
    show a clerk as is. Only the file *name* is shown: full paths of uploads are
    server internals.
    """

    code: ClassVar[str] = "invalid_input"
    exit_code: ClassVar[int] = 2

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(path, reason)
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        name = unicodedata.normalize("NFC", self.path.name or str(self.path))
        reason = " ".join(unicodedata.normalize("NFC", self.reason).split())
        return f"{name}: {reason}"


class UnsupportedType(InputError):
    """The content is not a PDF, TIFF, JPEG or PNG, whatever its extension says."""

    code = "unsupported_type"
    exit_code = 3


class CorruptFile(InputError):
    """The file is truncated or damaged, or a page of it cannot be decoded or rendered."""

    code = "corrupt_file"
    exit_code = 4


class EmptyFile(InputError):
    """Nothing to digitise: a 0-byte file, or a PDF without pages."""

    code = "empty_file"
    exit_code = 5


class PasswordProtected(InputError):
    """A PDF that cannot even be opened without its user password."""

    code = "password_protected"
    exit_code = 6


class EncryptedPdf(InputError):
    """A PDF that opens without a password but is encrypted or permission-restricted.

    Refused, as OCRmyPDF does, because the digitised copy must be a plain archival
    file that anyone may open, print and copy text from for decades.
    """

    code = "encrypted_pdf"
    exit_code = 7


class TooLarge(InputError):
    """Over a resource limit: file bytes, page count, or pixels of one page.

    Decompression bombs (tiny files declaring gigapixel images) land here before a
    single pixel is decoded.
    """

    code = "too_large"
    exit_code = 8


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits and resolution policy applied to every input.

    The pixel limit is per page and bounds the memory of one worker: 150 MP is an
    A0 sheet at 300 dpi, or about 450 MB as an RGB image.
    """

    max_file_bytes: int = 512 * MIB
    max_pages: int = 2000
    max_pixels: int = 150_000_000
    min_dpi: float = 200
    max_dpi: float = 400
    default_dpi: float = 300
    #: Drawing instructions one page may inflate to (content streams plus each form
    #: it draws, counted every time it is drawn). A dense born-digital text page is
    #: about 0.1 MiB and a detailed vector map a few MiB; reading instructions costs
    #: a few seconds per 32 MiB, while a 1.5 MB file can inflate to 1 GiB.
    max_page_content_bytes: int = 32 * MIB

    def __post_init__(self) -> None:
        if (
            min(self.max_file_bytes, self.max_pages, self.max_pixels, self.max_page_content_bytes)
            <= 0
        ):
            raise ValueError("limits must be positive")
        if not 0 < self.min_dpi <= self.default_dpi <= self.max_dpi:
            raise ValueError("need 0 < min_dpi <= default_dpi <= max_dpi")


WORKING_BYTES_PER_PIXEL = 32
"""Peak memory of processing one page, per pixel of its raster: a 150-megapixel
page took ~3.8 GB in a worker (issue 17's measurement, 25 bytes a pixel), and a
20 MP page 586 MiB in the largest process of `sohoa ocr` (29 bytes a pixel with
the interpreter): the decoded image, its grey and cleaned copies, the OCR image
and Tesseract's own buffers. Rounded up so that the budget is a ceiling."""


def pixels_within(memory_bytes: int) -> int:
    """The most pixels one page may have for its processing to fit ``memory_bytes``."""
    return memory_bytes // WORKING_BYTES_PER_PIXEL


DEFAULT_LIMITS = Limits()
