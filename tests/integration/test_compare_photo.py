"""A citizen's phone photo of a paper, checked against the scan of its original (issue 13).

The photo is made as ``test_flatten`` makes one (a pinhole camera, the sheet tilted 28°
on a desk, light falling off, JPEG), then both go through the real page stage, which
flattens the photo; the comparison must align the flattened photo with the scan and
find the same paper the same, a changed digit changed, and another paper unalignable
with a reason.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from PIL import Image

from compare.comparison_types import PageView
from compare.engine import compare_pages
from ingest.scan import open_scan
from ocr.flatten import find_paper
from pipeline.page import process_page
from pipeline.stage_data import OcrOptions, PageJob
from testkit import pagegen
from tests.integration.test_compare import (
    ID_NUMBER,
    SEED,
    changes,
    with_digit_changed,
    word_with,
)
from tests.integration.test_flatten import photograph

DPI = 200  # test_compare's pages, whose digits it knows how to change


def stored_view(image: Image.Image, name: str) -> PageView:
    """What production stores for the file ``name`` holding ``image``."""
    with tempfile.TemporaryDirectory(prefix="sohoa-photo-") as tmp:
        path = Path(tmp) / name
        if name.endswith(".png"):
            pagegen.save_png(image, path, DPI)
        else:
            image.convert("RGB").save(path, quality=88)  # a phone's JPEG: no resolution
        result = process_page(PageJob(source=open_scan(path).pages[0], options=OcrOptions(jobs=1)))
    assert result.image is not None
    return PageView.from_encoded(result.image, result.words, result.dpi)


@pytest.fixture(scope="module")
def page() -> pagegen.RenderedPage:
    return pagegen.render_page(SEED, dpi=DPI, n_lines=16)


@pytest.fixture(scope="module")
def original(page) -> PageView:
    return stored_view(pagegen.jpeg(page.image, 85), "scan.png")


def test_a_photo_of_the_same_paper_aligns_with_its_scan(page, original) -> None:
    taken = photograph(page.image, distance=2600.0)
    assert find_paper(taken) is not None, "the photo shows the desk around the sheet"
    photo = stored_view(taken, "photo.jpg")
    assert abs(photo.image.width / photo.image.height - page.image.width / page.image.height) < 0.02
    result = compare_pages(original, photo)
    assert result.registration.ok, result.verdict_line
    assert abs(result.registration.rotation_deg) < 1.0
    assert result.verdict == "identical", result.verdict_line
    assert changes(result) == []


def test_a_digit_changed_on_the_photographed_paper_is_found(page, original) -> None:
    word = word_with(page, ID_NUMBER)
    forged = photograph(with_digit_changed(page, word, 6, "8"), distance=2600.0)
    result = compare_pages(original, stored_view(forged, "photo.jpg"))
    assert result.registration.ok, result.verdict_line
    assert result.verdict == "differences", result.verdict_line
    (op,) = changes(result)
    assert op.kind == "replace" and op.critical and "8" in op.copy_text


def test_a_photo_of_another_paper_says_why_it_cannot_be_compared(original) -> None:
    other = pagegen.render_page(SEED + 40, dpi=DPI, n_lines=16)
    result = compare_pages(original, stored_view(photograph(other.image, distance=2600.0), "p.jpg"))
    assert not result.registration.ok and result.verdict == "manual_check"
    assert "không căn chỉnh được" in result.verdict_line
