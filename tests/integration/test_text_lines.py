"""The text-line detector (``ocr.text_lines``) and the engine that reads along its lines.

The detector is the PP-OCR model inside the ``rapidocr`` wheel; nothing may be
downloaded at run time, so one test runs it in a network namespace of its own,
with no network at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ocr import text_lines
from ocr.engines import engine
from ocr.words import Box, read_weight
from pipeline.page import (
    _Reading,
    _Stopwatch,
    mean_confidence,
    page_text,
    with_detected_lines,
)
from pipeline.stage_data import OcrOptions
from testkit import pagegen
from testkit.textmetrics import cer


@pytest.fixture(scope="module")
def page() -> pagegen.RenderedPage:
    return pagegen.render_page(23, dpi=300, n_lines=14)


def _truth_lines(page: pagegen.RenderedPage) -> list[Box]:
    lines: dict[int, list[Box]] = {}
    for word in page.words:
        lines.setdefault(word.line, []).append(word.box)
    return [
        Box(
            min(b.left for b in boxes),
            min(b.top for b in boxes),
            max(b.right for b in boxes),
            max(b.bottom for b in boxes),
        )
        for _, boxes in sorted(lines.items())
    ]


def _centre_inside(inner: Box, outer: Box) -> bool:
    x, y = (inner.left + inner.right) / 2, (inner.top + inner.bottom) / 2
    return outer.left <= x <= outer.right and outer.top <= y <= outer.bottom


def test_every_printed_word_lies_in_a_detected_line_in_reading_order(page) -> None:
    found = text_lines.detect_lines(page.image.convert("L"))
    assert len(found) >= len(page.text.splitlines())
    order = []
    for word in page.words:
        holders = [i for i, line in enumerate(found) if _centre_inside(word.box, line)]
        assert holders, f"{word.text!r} at {word.box} lies in no detected line"
        order.append(holders[0])
    # Words come in the printed reading order (rows top to bottom, left piece first).
    assert order == sorted(order)
    for line in found:  # lines, not paragraphs: no box spans two printed lines
        assert line.height < 3 * page.dpi * 13 / 72 * 1.3


def test_reading_order_puts_a_row_s_left_piece_first() -> None:
    motto = Box(1200, 100, 2200, 150)
    body = Box(400, 106, 1000, 152)  # the issuing body, a little lower on the same row
    below = Box(400, 200, 2200, 250)
    assert text_lines.reading_order([below, motto, body]) == [body, motto, below]


def test_the_lines_engine_reads_the_page_as_tesseract_does(page) -> None:
    words = engine("tesseract-lines").recognise(page.image.convert("L"), lang="vie", dpi=300)
    lines: dict[int, list[str]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word.text)
    text = "\n".join(" ".join(lines[k]) for k in sorted(lines))
    assert cer(page.text, text) < 0.02
    for word in words:  # boxes in the page's pixels, on the printed word
        assert any(_centre_inside(word.box, truth.box) for truth in page.words), word


def test_the_detector_runs_with_no_network_and_downloads_nothing(page, tmp_path) -> None:
    """In a network namespace of its own the process has no network: a model that
    is not in the wheel would have to be downloaded, and that fails."""
    import rapidocr

    models = Path(rapidocr.__file__).parent / "models"
    before = sorted((p.name, p.stat().st_mtime_ns) for p in models.iterdir())
    image = tmp_path / "page.png"
    page.image.save(image)
    script = (
        "import socket, sys\n"
        "from PIL import Image\n"
        "from ocr import text_lines\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 80), timeout=2)\n"
        "    sys.exit('the network is reachable: the test proves nothing')\n"
        "except OSError:\n"
        "    pass\n"
        f"print(len(text_lines.detect_lines(Image.open({str(image)!r}).convert('L'))))\n"
    )
    root = Path(__file__).resolve().parents[2]
    # util-linux's unshare; without root, a user namespace lets it make the network one
    isolate = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "-r", "--net"]
    done = subprocess.run(
        [*isolate, sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) >= len(page.text.splitlines())
    assert sorted((p.name, p.stat().st_mtime_ns) for p in models.iterdir()) == before


def _reading(page: pagegen.RenderedPage, words: list) -> _Reading:
    return _Reading(page.image, 0, 0.0, words, mean_confidence(words))


def test_a_reading_that_lost_blocks_is_replaced_by_the_lines_reading(page) -> None:
    """A page whose layout analysis lost half its text (taken for a picture) and read
    the rest poorly is read again along the detected lines, and that reading stands."""
    full = engine("tesseract").recognise(page.image.convert("L"), lang="vie", dpi=300)
    lost = [replace(w, confidence=60.0) for w in full if w.line < 6]
    before = _reading(page, lost)
    after = with_detected_lines(before, 300, OcrOptions(jobs=1), photographed=True)
    assert cer(page.text, page_text(after.words)) < 0.02
    assert after.confidence > 85
    # Asked never to, the stage leaves even that reading as it is.
    never = OcrOptions(jobs=1, line_detection="never")
    assert with_detected_lines(before, 300, never, photographed=True) is before


def test_a_good_reading_stands_and_a_scan_is_not_read_again(page) -> None:
    full = engine("tesseract").recognise(page.image.convert("L"), lang="vie", dpi=300)
    good = _reading(page, full)
    poor = _reading(page, [replace(w, confidence=50.0) for w in full])
    watch = _Stopwatch()
    with watch.stage("lines"):  # auto, a scan, even one read poorly: the detector does not run
        assert with_detected_lines(poor, 300, OcrOptions(jobs=1), photographed=False) is poor
        same = with_detected_lines(good, 300, OcrOptions(jobs=1), photographed=False)
    assert same is good and watch.timings["lines"] < 0.05
    with watch.stage("photo"):  # auto, a photograph: read again along the lines
        with_detected_lines(good, 300, OcrOptions(jobs=1), photographed=True)
    assert watch.timings["photo"] > 0.2
    # Always: read again; a lines reading that reads no more leaves the page's own.
    again = with_detected_lines(
        good, 300, OcrOptions(jobs=1, line_detection="always"), photographed=False
    )
    assert read_weight(again.words) >= read_weight(good.words)
    assert again is good or cer(page.text, page_text(again.words)) <= cer(
        page.text, page_text(full)
    )
