"""The OCR engine seam (``ocr.engines``): the page stage reads through the engine its
options name, and a second engine that reads nothing proves the seam — the journey
around OCR (cleaning, the archived page image, the PDF/A) runs on it untouched."""

from __future__ import annotations

import os
import subprocess

import pikepdf
import pytest

from ingest.scan import open_scan
from ocr.engines import ENGINES, check_languages, engine
from pipeline.page import process_page
from pipeline.stage_data import OcrOptions, PageJob
from testkit import pagegen
from testkit.pipeline_harness import engine_shim
from testkit.programs import SOHOA


@pytest.fixture(scope="module")
def scan_path(tmp_path_factory: pytest.TempPathFactory):
    page = pagegen.render_page(7, dpi=200, n_lines=8)
    return pagegen.save_png(page.image, tmp_path_factory.mktemp("engines") / "page.png", 200)


def test_engines_are_chosen_by_name() -> None:
    assert set(ENGINES) >= {"tesseract", "null"}
    assert engine("tesseract").name == "tesseract"
    with pytest.raises(ValueError, match="unknown OCR engine 'abbyy'; known: null, tesseract"):
        engine("abbyy")
    check_languages("null", "xyz")  # nothing to load: any language
    with pytest.raises(RuntimeError, match="language data not installed: xyz"):
        check_languages("tesseract", "vie+xyz")


def test_the_null_engine_runs_the_page_stage_without_any_ocr(scan_path, tmp_path, monkeypatch):
    """With a ``tesseract`` on the PATH that crashes on every run, a page read by the null
    engine still becomes an archived page image, with no words: no engine program ran."""
    monkeypatch.setenv("PATH", engine_shim(tmp_path / "shim", "crash"))
    source = open_scan(scan_path).pages[0]
    result = process_page(PageJob(source, OcrOptions(engine="null", jobs=1)))
    assert not result.kept and result.words == () and result.text == ""
    assert result.image is not None and result.width > 0
    # The same page through the tesseract engine meets the crash: the seam is real.
    with pytest.raises(RuntimeError):
        process_page(PageJob(source, OcrOptions(engine="tesseract", jobs=1)))


def test_sohoa_ocr_with_the_null_engine_makes_a_pdf_without_text(scan_path, tmp_path):
    out, text = tmp_path / "out.pdf", tmp_path / "out.txt"
    env = {**os.environ, "SOHOA_OCR_ENGINE": "null"}
    command = [str(SOHOA), "ocr", str(scan_path), str(out), "--sidecar", str(text)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 1
    assert text.read_text(encoding="utf-8").strip() == ""
