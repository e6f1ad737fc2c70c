"""Read one drawn page through the page stage, as the integration tests of inks and stamps do."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ingest.scan import open_scan
from ocr.words import Word
from pipeline.page import page_text, process_page
from pipeline.stage_data import OcrOptions, PageJob
from testkit import pagegen


def read_page(image: Image.Image, tmp_path: Path, dpi: int) -> list[Word]:
    """The words ``sohoa ocr`` reads on ``image``, saved as a PNG scan at ``dpi``."""
    path = pagegen.save_png(image, tmp_path / "page.png", dpi)
    scan = open_scan(path, OcrOptions().limits)
    return list(process_page(PageJob(source=scan.pages[0], options=OcrOptions(jobs=1))).words)


def text_of(words: list[Word]) -> str:
    """The page's text as the page stage writes it, line by line."""
    return page_text(words)
