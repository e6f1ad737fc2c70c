"""The OCR engine seam (``ocr.engines``): the page stage reads through the engine its
options name, and a second engine that reads nothing proves the seam — the journey
around OCR (cleaning, the archived page image, the PDF/A) runs on it untouched."""

from __future__ import annotations

import os
import subprocess
import threading

import pikepdf
import pytest
from PIL import Image, ImageDraw

from ingest.scan import open_scan
from ocr import tesseract_api
from ocr.engines import ENGINES, check_languages, engine
from pipeline.page import process_page
from pipeline.stage_data import OcrOptions, PageJob
from testkit import pagegen
from testkit.pipeline_harness import engine_shim
from testkit.programs import SOHOA
from testkit.textmetrics import cer


@pytest.fixture(scope="module")
def scan_path(tmp_path_factory: pytest.TempPathFactory):
    page = pagegen.render_page(7, dpi=200, n_lines=8)
    return pagegen.save_png(page.image, tmp_path_factory.mktemp("engines") / "page.png", 200)


def test_engines_are_chosen_by_name() -> None:
    assert set(ENGINES) >= {"tesseract", "tesseract-cli", "null"}
    assert engine("tesseract").name == "tesseract"
    known = "null, tesseract, tesseract-cli, tesseract-lines"
    with pytest.raises(ValueError, match=f"unknown OCR engine 'abbyy'; known: {known}"):
        engine("abbyy")
    check_languages("null", "xyz")  # nothing to load: any language
    for name in ("tesseract", "tesseract-cli"):
        with pytest.raises(RuntimeError, match="language data not installed: xyz"):
            check_languages(name, "vie+xyz")


def test_the_null_engine_runs_the_page_stage_without_any_ocr(scan_path, tmp_path, monkeypatch):
    """With a ``tesseract`` on the PATH that crashes on every run, a page read by the null
    engine still becomes an archived page image, with no words: no engine program ran."""
    for name, value in engine_shim(tmp_path / "shim", "crash").items():
        monkeypatch.setenv(name, value)
    source = open_scan(scan_path).pages[0]
    result = process_page(PageJob(source, OcrOptions(engine="null", jobs=1)))
    assert not result.kept and result.words == () and result.text == ""
    assert result.image is not None and result.width > 0
    # The same page through the program's engine meets the crash: the seam is real.
    with pytest.raises(RuntimeError):
        process_page(PageJob(source, OcrOptions(engine="tesseract-cli", jobs=1)))


def test_sohoa_ocr_with_the_null_engine_makes_a_pdf_without_text(scan_path, tmp_path):
    out, text = tmp_path / "out.pdf", tmp_path / "out.txt"
    env = {**os.environ, "SOHOA_OCR_ENGINE": "null"}
    command = [str(SOHOA), "ocr", str(scan_path), str(out), "--sidecar", str(text)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 1
    assert text.read_text(encoding="utf-8").strip() == ""


def test_the_in_process_engine_reads_as_the_program_does_without_starting_it(tmp_path, monkeypatch):
    """The default engine reads in the worker process: with a ``tesseract`` on the PATH
    that crashes on every run it still reads, turns and re-reads blocks, and what it
    reads is what the program reads (the same library version line and model)."""
    page = pagegen.render_page(11, dpi=300, n_lines=10)
    grey = page.image.convert("L")
    turned = pagegen.rotate_quadrant(page.image, 90).convert("L")
    # a block of whole lines: three lines of the body
    body = [w.box for w in page.words if w.line in (5, 6, 7)]
    region = (0, min(b.top for b in body) - 20, grey.width, max(b.bottom for b in body) + 20)
    block_image = grey.crop(region)
    program = engine("tesseract-cli")
    expected = program.recognise(grey, lang="vie", dpi=300)
    expected_turn = program.orientation(turned)
    expected_block = program.recognise_block(block_image, lang="vie", dpi=300)
    for name, value in engine_shim(tmp_path / "shim", "crash").items():
        monkeypatch.setenv(name, value)
    reader = engine("tesseract")
    words = reader.recognise(grey, lang="vie", dpi=300)
    assert cer(page.text, " ".join(w.text for w in words)) < 0.02
    assert [w.text for w in words] == [w.text for w in expected]
    assert [w.line for w in words] == [w.line for w in expected]
    assert [w.box for w in words] == [w.box for w in expected]
    assert expected_turn is not None and expected_turn.rotate == 90
    assert reader.orientation(turned).rotate == expected_turn.rotate
    block = reader.recognise_block(block_image, lang="vie", dpi=300)
    assert block == expected_block
    digits = reader.recognise_block(block_image, lang="vie", dpi=300, whitelist="0123456789")
    assert all(set(line) <= set("0123456789 ") for line in digits)
    # the whitelist was for that one block: the next reading has its letters again
    assert reader.recognise_block(block_image, lang="vie", dpi=300) == block
    art = Image.new("L", (2000, 2000), 255)  # line art alone: blobs without letters
    ImageDraw.Draw(art).line((0, 0, 2000, 2000), fill=0, width=3)
    ImageDraw.Draw(art).rectangle((100, 100, 110, 1900), fill=0)
    assert reader.recognise(art, lang="vie", dpi=300) == []
    with pytest.raises(RuntimeError):  # the program itself crashes: the shim is in force
        program.recognise(grey, lang="vie", dpi=300)


def test_both_tesseract_engines_run_the_same_library() -> None:
    """tesserocr is built against the system's Tesseract (the Makefile's PIP_NO_BINARY),
    not the wheel that bundles another version, which reads differently."""
    import tesserocr

    program = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
    assert tesserocr.tesseract_version().splitlines()[0] == program.stdout.splitlines()[0]


def test_the_in_process_engine_loads_a_model_once_per_process_and_thread():
    """No model load per page: a thread keeps its instance; another thread and a forked
    child get their own, since an instance is neither thread-safe nor fork-safe."""
    first = tesseract_api._api("vie")
    assert tesseract_api._api("vie") is first
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(tesseract_api._api("vie")))
    thread.start()
    thread.join()
    assert other and other[0] is not first
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and exits
        os.write(write, b"1" if tesseract_api._api("vie") is not first else b"0")
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 1) == b"1"
