"""Splitting a feeder scan at its QR cover sheets (``ingest.cover_sheets``) on PDFs composed
here: cover sheets from ``api.printouts`` scanned back with the real Poppler, pages of text
and blank sheets; parts copied out with pikepdf and read back by the real intake gate."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pikepdf
import pytest

from api.printouts import cover_sheet_pdf
from core.limits import Limits
from ingest.cover_sheets import CoverSheet, split_batch, write_part
from ingest.errors import TooLarge, UnsupportedType
from ingest.rasterise import rasterise
from ingest.scan import open_scan
from testkit import pagegen
from testkit.batch_scans import Blank, Cover, Text, feeder_pdf

UNIT = "000.00.00.H26"
FIRST = "000.A0.01.H26-261205-0201"
SECOND = "000.A0.01.H26-261205-0202"


def _images(pdf: pikepdf.Pdf, number: int) -> list[bytes]:
    page = pdf.pages[number - 1]
    return [pikepdf.PdfImage(i).obj.read_raw_bytes() for i in page.get_images().values()]


@pytest.fixture(scope="module")
def feeder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cover A, text, blank, text, text, cover B (upside down), text — 7 pages."""
    return feeder_pdf(
        tmp_path_factory.mktemp("feeder") / "may quét.pdf",
        [
            Cover(UNIT, FIRST, degrees=2.0),
            Text(1),
            Blank(),
            Text(2),
            Text(3),
            Cover(UNIT, SECOND, degrees=180.0),
            Text(4),
        ],
    )


def test_a_feeder_scan_splits_at_its_cover_sheets(feeder):
    parts = split_batch(feeder)
    assert [(p.cover, p.cover_page) for p in parts] == [
        (CoverSheet(UNIT, FIRST), 1),
        (CoverSheet(UNIT, SECOND), 6),
    ]
    first, second = parts
    assert first.pages == (2, 3, 4, 5) and first.blank_pages == (3,)
    assert first.documents == ((2,), (4, 5))
    assert second.pages == (7,) and second.documents == ((7,),)
    assert all(p.refusal is None for p in parts)


def test_pages_before_the_first_cover_sheet_are_reported_not_dropped(tmp_path):
    scan = feeder_pdf(tmp_path / "lệch.pdf", [Text(5), Text(6), Cover(UNIT, FIRST), Text(7)])
    orphans, filed = split_batch(scan)
    assert orphans.cover is None and orphans.pages == (1, 2)
    assert orphans.refusal == "no_cover_sheet"
    assert filed.cover == CoverSheet(UNIT, FIRST) and filed.documents == ((4,),)


def test_a_cover_sheet_with_nothing_after_it_is_an_empty_part(tmp_path):
    scan = feeder_pdf(tmp_path / "thiếu.pdf", [Cover(UNIT, FIRST), Blank(), Cover(UNIT, SECOND)])
    parts = split_batch(scan)
    assert [p.refusal for p in parts] == ["empty_part", "empty_part"]
    assert parts[0].pages == (2,) and parts[1].pages == ()


def test_a_scan_without_cover_sheets_is_one_part_without_a_dossier(tmp_path):
    scan = feeder_pdf(tmp_path / "thường.pdf", [Text(8), Text(9)])
    (part,) = split_batch(scan)
    assert part.cover is None and part.pages == (1, 2)


def test_the_printed_cover_sheet_itself_is_found(tmp_path):
    """The PDF as printed (vector text, embedded QR image), put into a stack with pikepdf."""
    scan = feeder_pdf(tmp_path / "text.pdf", [Text(10)])
    sheet = tmp_path / "cover.pdf"
    sheet.write_bytes(cover_sheet_pdf(unit=UNIT, dossier=SECOND, procedure_code="2.000815"))
    with pikepdf.open(scan) as pdf, pikepdf.open(sheet) as cover:
        pdf.pages.insert(0, cover.pages[0])
        pdf.save(tmp_path / "stack.pdf")
    (part,) = split_batch(tmp_path / "stack.pdf")
    assert part.cover == CoverSheet(UNIT, SECOND) and part.documents == ((2,),)


def test_limits_and_kinds_are_the_intake_s(feeder, tmp_path):
    with pytest.raises(TooLarge):
        split_batch(feeder, Limits(max_pages=5))
    photo = tmp_path / "ảnh.png"
    pagegen.render_page(11, n_lines=4, dpi=100).image.save(photo)
    with pytest.raises(UnsupportedType):
        split_batch(photo)


def test_a_part_is_the_scanned_pages_byte_for_byte_and_the_same_every_time(feeder, tmp_path):
    one = write_part(feeder, (4, 5), tmp_path / "one.pdf")
    two = write_part(feeder, (4, 5), tmp_path / "two.pdf")
    assert one.read_bytes() == two.read_bytes()
    with pikepdf.open(feeder) as source, pikepdf.open(one) as part:
        assert len(part.pages) == 2
        assert _images(part, 1) == _images(source, 4)
        assert _images(part, 2) == _images(source, 5)
    scan = open_scan(one)  # the intake's own gate takes it
    assert scan.kind == "pdf" and scan.page_count == 2
    assert abs(rasterise(scan.pages[1]).image.width - scan.pages[1].width_px) <= 1


def test_parts_of_a_rewritten_feeder_are_identical(feeder, tmp_path):
    """Taken again after a crash, a batch gives the same bytes (the intake's dedupe key)."""
    digests = set()
    for attempt in range(2):
        out = write_part(feeder, (2,), tmp_path / f"part-{attempt}.pdf")
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_a_page_outside_the_file_is_refused(feeder, tmp_path):
    with pytest.raises(ValueError):
        write_part(feeder, (8,), tmp_path / "none.pdf")
    with pytest.raises(ValueError):
        write_part(feeder, (), tmp_path / "none.pdf")
