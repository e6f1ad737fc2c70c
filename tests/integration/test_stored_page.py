"""The stored page: written once by the page stage, read back the same by every later stage.

The page stage reads the image's marks (QR, seal, MRZ) while the image is
decoded; a stored page carries them, so classification needs no image. Its
bytes depend on the page alone: stored twice, the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from core.settings import Settings
from ingest.scan import open_scan
from pipeline import journey
from pipeline.runtime import Runtime
from pipeline.stage_data import OcrOptions, PageJob, PageResult
from pipeline.stored_page import StoredPage, StoredPageCorrupt
from testkit import pagegen

PAYLOAD = "001090012345|123456789|NGUYỄN VĂN ĐẶNG|01011990|Nam|Hà Nội|01012021"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> PageResult:
    """A colour scan with text, a red seal and an ID card's QR, through the page stage."""
    image = pagegen.render_page(21, n_lines=6, dpi=200).image.convert("RGB")
    image = pagegen.red_seal(image, 3, center=(1200, 1900), dpi=200)
    code = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(PAYLOAD, zxingcpp.BarcodeFormat.QRCode), scale=4
    )
    image.paste(Image.fromarray(np.asarray(code)).convert("RGB"), (1250, 120))
    path = tmp_path_factory.mktemp("page") / "trang.png"
    image.save(path, dpi=(200, 200))
    scan = open_scan(path)
    options = OcrOptions(jobs=1, read_marks=True)
    return journey.run_page(PageJob(source=scan.pages[0], options=options))


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    data = tmp_path_factory.mktemp("classify")
    yield Runtime.from_settings(Settings(_env_file=None, data_dir=data))


def test_the_page_stage_reads_the_marks_once(page: PageResult) -> None:
    assert page.marks is not None
    assert page.marks.qr_payloads == (PAYLOAD,)
    assert len(page.marks.cues.seals) == 1
    assert page.marks.mrz_lines is None, "no machine-readable zone on this page"
    assert "marks" in page.timings


def test_plain_ocr_reads_no_marks(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    pagegen.render_page(22, n_lines=3).image.save(path, dpi=(300, 300))
    result = journey.run_page(PageJob(source=open_scan(path).pages[0], options=OcrOptions(jobs=1)))
    assert result.marks is None and result.text


def test_a_stored_page_reads_back_as_written_and_its_bytes_are_stable(page: PageResult) -> None:
    data = StoredPage.of(page).to_bytes()
    assert data == StoredPage.of(replace(page, timings={"ocr": 99.0})).to_bytes(), (
        "timings are not part of the stored page"
    )
    back = StoredPage.from_bytes(data)
    assert back.text == page.text and back.words == page.words
    assert back.marks == page.marks
    assert back.image is not None and back.image.with_data(page.image.data) == page.image
    assert back.to_bytes() == data, "decode then encode is the identity"
    warned = StoredPage.from_bytes(
        StoredPage.of(replace(page, warnings=("small_text",))).to_bytes()
    )
    assert back.result.warnings == () and warned.result.warnings == ("small_text",)
    body = json.loads(data)
    assert body["format"] == 2 and "timings" not in body
    assert "image" not in back.public() and back.public()["marks"]["qr_payloads"] == [PAYLOAD]


def test_classification_needs_no_image_once_marks_are_stored(rt: Runtime, page: PageResult) -> None:
    from pipeline.classification import active_classifier

    classifier = active_classifier(rt)
    stored = StoredPage.from_bytes(StoredPage.of(page).to_bytes())
    from_marks = journey.classify(classifier, [stored.result])  # no image bytes at all
    assert stored.result.image is None
    # a page stored before marks were: its image is given, and marks are read from it
    older = replace(page, marks=None)
    from_image = journey.classify(classifier, [older])
    # read from the archived JPEG rather than the image before encoding: the same seal,
    # give or take the JPEG's few pixels
    (seal,) = from_marks.cues[0].seals
    (again,) = from_image.cues[0].seals
    assert max(abs(a - b) for a, b in zip(seal.box, again.box, strict=True)) <= 4
    assert from_marks.document_type == from_image.document_type
    assert from_marks.fields_json() == from_image.fields_json()


def test_an_earlier_format_is_read_and_a_foreign_one_refused(page: PageResult) -> None:
    body = json.loads(StoredPage.of(page).to_bytes())
    del body["format"], body["marks"]
    old = StoredPage.from_bytes(json.dumps(body).encode())
    assert old.marks is None and old.text == page.text
    for bad in (b"", b"[]", b'{"format": 99}', json.dumps({**body, "format": 3}).encode()):
        with pytest.raises(StoredPageCorrupt):
            StoredPage.from_bytes(bad)
