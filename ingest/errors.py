"""Why an input file was refused (the limits that decide it are ``core.limits``).

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
from pathlib import Path
from typing import ClassVar


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
    """The content is not a PDF, TIFF, JPEG, PNG, WebP or HEIC, whatever its extension says."""

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
