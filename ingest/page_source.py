"""What a scan is, as plain picklable data: the file and each page's source, enough for a
worker to rasterise one page without opening the whole document again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.sniff import Kind


@dataclass(frozen=True, slots=True)
class PageSource:
    """Everything a worker needs to rasterise one page, as plain picklable data.

    ``dpi`` is the resolution to render a PDF page at, or the true resolution of an
    image; ``width_px``/``height_px`` is the size the raster will have (after EXIF
    rotation and squaring of pixels).
    """

    path: Path
    kind: Kind
    index: int
    has_text: bool
    dpi: float
    width_px: int
    height_px: int


@dataclass(frozen=True, slots=True)
class Scan:
    """A validated input file and its pages in order."""

    path: Path
    kind: Kind
    page_count: int
    pages: tuple[PageSource, ...]
