"""Where Tesseract's models are: the system's tessdata folder.

The in-process engine's library (bundled in the ``tesserocr`` wheel) does not
know where Debian put the models, so it is told. The ``tesseract`` program
finds the same folder by itself, so both engines read with the same model.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SYSTEM_TESSDATA = (
    Path("/usr/share/tesseract-ocr/5/tessdata"),  # Debian 12's tesseract-ocr 5
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),  # Debian 11, Ubuntu 22.04
    Path("/usr/share/tessdata"),  # Fedora, Arch
    Path("/usr/local/share/tessdata"),  # built from source
)


@cache
def tessdata_path() -> str:
    """The model folder, with the trailing slash Tesseract's API wants."""
    for folder in SYSTEM_TESSDATA:
        if any(folder.glob("*.traineddata")):
            return f"{folder}/"
    return ""  # none found: Tesseract's own default, and its own error if that is empty too
