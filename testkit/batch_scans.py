"""Feeder scans for tests: cover sheets printed by ``api.printouts`` and "scanned" back
(rendered by the real ``pdftoppm``, fed askew, saved as JPEG), stacked with pages of text
and blank separator sheets into one image PDF, as a sheet-fed scanner makes it."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from api.printouts import cover_sheet_pdf
from testkit import pagegen

SCAN_DPI = 200


@dataclass(frozen=True)
class Cover:
    unit: str
    dossier: str
    degrees: float = 0.0


@dataclass(frozen=True)
class Text:
    seed: int
    lines: int = 8


@dataclass(frozen=True)
class Blank:
    pass


Sheet = Cover | Text | Blank


def scanned_cover(cover: Cover, dpi: int = SCAN_DPI) -> Image.Image:
    """The cover sheet PDF printed and scanned back: rendered by pdftoppm, turned by ``degrees``."""
    with tempfile.TemporaryDirectory(prefix="cover-") as folder:
        source = Path(folder) / "cover.pdf"
        source.write_bytes(cover_sheet_pdf(unit=cover.unit, dossier=cover.dossier))
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-gray",
                "-png",
                "-singlefile",
                source,
                source.with_suffix(""),
            ],
            check=True,
            timeout=60,
        )
        with Image.open(source.with_suffix(".png")) as image:
            image.load()
            scanned = image.convert("RGB")
    return pagegen.skew(scanned, cover.degrees) if cover.degrees else scanned


def sheet_image(sheet: Sheet, dpi: int = SCAN_DPI) -> Image.Image:
    if isinstance(sheet, Cover):
        return scanned_cover(sheet, dpi)
    if isinstance(sheet, Text):
        return pagegen.render_page(sheet.seed, n_lines=sheet.lines, dpi=dpi).image
    return Image.new("RGB", (round(8.27 * dpi), round(11.69 * dpi)), (243, 241, 237))


def feeder_pdf(path: Path, sheets: Sequence[Sheet], dpi: int = SCAN_DPI) -> Path:
    """One image PDF of ``sheets`` in order (JPEG pages, as scanners write)."""
    return pagegen.save_pdf([sheet_image(s, dpi) for s in sheets], path, dpi, quality=80)
