"""The limits every input is held to: size, pages, pixels, resolution, drawing work.

Plain values read by the settings (``core.settings``) and applied by ``ingest``:
a hostile file is refused by them before it costs more than they allow.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


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


def size_text(n: int) -> str:
    """A size as a refusal message shows it: MiB from one MiB up, bytes below."""
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n} bytes"
