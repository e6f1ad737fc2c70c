"""The generators' pages are readable: the real Tesseract reads them back (the unit
tests of ``testkit.pagegen`` and ``testkit.docgen`` check everything else without it)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest

from testkit import pagegen
from testkit.docgen import compose, render
from testkit.pagegen import render_page
from testkit.textmetrics import cer


def test_clean_page_reads_back_with_raw_tesseract(tmp_path: Path) -> None:
    page = render_page(11, n_lines=12)
    path = pagegen.save_png(page.image, tmp_path / "page.png", page.dpi)
    assert cer(page.text, pagegen.raw_tesseract(path, page.dpi)) < 0.03


@pytest.mark.slow
def test_tesseract_reads_the_title_of_a_rendered_page() -> None:
    doc = compose("marital_status", 1)
    page = render(doc, dpi=300)[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        page.image.save(path, dpi=(300, 300))
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        out = subprocess.run(
            ["tesseract", str(path), "-", "-l", "vie", "--psm", "3"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
    assert "TÌNH TRẠNG HÔN NHÂN" in unicodedata.normalize("NFC", out)
