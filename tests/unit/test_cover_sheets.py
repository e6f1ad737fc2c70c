"""The cover sheet's QR payload, and finding a cover sheet on a page image (no program run:
the QR is the very image ``api.printouts`` embeds, taken out of its PDF with pikepdf)."""

from __future__ import annotations

import io

import pikepdf
import pytest
import zxingcpp
from PIL import Image

from api.printouts import QR_SIDE_MM, cover_sheet_pdf
from classifiers.fields.id_card_qr import parse_id_qr
from ingest.cover_sheets import (
    BatchPart,
    CoverSheet,
    cover_payload,
    find_cover_sheet,
    is_blank,
    page_span,
    parse_cover_payload,
)
from testkit import pagegen

UNIT = "000.00.00.H26"
DOSSIER = "000.A0.01.H26-261205-0101"
ID_CARD_PAYLOAD = "001095012345|123456789|Nguyễn Văn Đặng|01011995|Nam|Hà Nội|01072021"


def test_payload_round_trips_and_is_versioned():
    payload = cover_payload(UNIT, DOSSIER)
    assert payload == f"SOHOA-COVER/1|{UNIT}|{DOSSIER}"
    assert parse_cover_payload(payload) == CoverSheet(UNIT, DOSSIER)


@pytest.mark.parametrize(
    "code", ["H26|A-0001", "Hồ sơ 0001", "a%7Cb", "x|y|z", "100% đủ"], ids=repr
)
def test_codes_with_separators_or_vietnamese_keep_their_fields(code):
    payload = cover_payload(UNIT, code)
    assert payload.isascii() and payload.count("|") == 2
    assert parse_cover_payload(payload) == CoverSheet(UNIT, code)


@pytest.mark.parametrize(
    "text",
    [
        ID_CARD_PAYLOAD,
        f"SOHOA-COVER/2|{UNIT}|{DOSSIER}",  # a later version is not misread as this one
        f"sohoa-cover/1|{UNIT}|{DOSSIER}",
        f"SOHOA-COVER/1|{UNIT}|{DOSSIER}|extra",
        f"SOHOA-COVER/1|{UNIT}",
        f"SOHOA-COVER/1||{DOSSIER}",
        f"SOHOA-COVER/1|{UNIT}|",
        f" SOHOA-COVER/1|{UNIT}|{DOSSIER}",
        f"SOHOA-COVER/1|{UNIT}|{DOSSIER}\n",
        f"SOHOA-COVER/1|{UNIT}|%30{DOSSIER[1:]}",  # not the spelling cover_payload writes
        f"SOHOA-COVER/1|{UNIT}|a%2Fb",  # a slash: no code the store takes
        f"SOHOA-COVER/1|{UNIT}|%ZZ",
        f"SOHOA-COVER/1|{UNIT}|%C3",  # half a UTF-8 letter
        f"SOHOA-COVER/1|{UNIT}|{'9' * 65}",
        "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=H26-0001",
        "",
    ],
    ids=repr,
)
def test_anything_but_exactly_our_payload_is_none(text):
    assert parse_cover_payload(text) is None


def test_a_cover_payload_is_no_id_card_and_an_id_card_no_cover():
    assert parse_id_qr(cover_payload(UNIT, DOSSIER)) is None
    assert parse_id_qr(ID_CARD_PAYLOAD) is not None
    assert parse_cover_payload(ID_CARD_PAYLOAD) is None


def test_codes_the_store_refuses_make_no_payload():
    for bad in ("a/b", "..", "", " "):
        with pytest.raises(ValueError):
            cover_payload(UNIT, bad)


def test_page_span_reads_as_a_clerk_writes():
    assert page_span((3,)) == "3"
    assert page_span((3, 4, 5)) == "3–5"
    assert page_span((3, 5)) == "3, 5"


def test_part_refusals():
    cover = CoverSheet(UNIT, DOSSIER)
    assert BatchPart(None, None, (1,), (), ((1,),)).refusal == "no_cover_sheet"
    assert BatchPart(cover, 2, (3,), (3,), ()).refusal == "empty_part"
    assert BatchPart(cover, 2, (3,), (), ((3,),)).refusal is None


# ------------------------------------------------------------------ on a page image


def _printed_qr() -> Image.Image:
    """The QR image the cover sheet PDF embeds, as fpdf wrote it."""
    with pikepdf.open(io.BytesIO(cover_sheet_pdf(unit=UNIT, dossier=DOSSIER))) as pdf:
        (image,) = pdf.pages[0].get_images().values()
        return pikepdf.PdfImage(image).as_pil_image().convert("L")


def _scanned_cover(dpi: int, *, degrees: float = 0.0, quality: int = 75) -> Image.Image:
    """An A4 page at ``dpi`` with the cover QR at its printed size, fed askew, saved as JPEG."""
    page = Image.new("RGB", (round(8.27 * dpi), round(11.69 * dpi)), (244, 242, 238))
    side = round(QR_SIDE_MM / 25.4 * dpi)
    qr = _printed_qr().resize((side, side), Image.Resampling.BILINEAR).convert("RGB")
    page.paste(qr, ((page.width - side) // 2, round(1.6 * dpi)))
    if degrees:
        page = pagegen.skew(page, degrees)
    return pagegen.jpeg(page, quality)


@pytest.mark.parametrize(("dpi", "degrees"), [(150, 0.0), (200, 2.5), (300, -4.0), (150, 180.0)])
def test_a_scanned_cover_sheet_is_found(dpi, degrees):
    assert find_cover_sheet(_scanned_cover(dpi, degrees=degrees)) == CoverSheet(UNIT, DOSSIER)


def test_a_text_page_or_an_id_card_qr_is_no_cover_sheet():
    assert find_cover_sheet(pagegen.render_page(3, n_lines=12, dpi=150).image) is None
    page = pagegen.render_page(4, n_lines=6, dpi=200).image.convert("RGB")
    card = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(ID_CARD_PAYLOAD, zxingcpp.BarcodeFormat.QRCode), scale=6
    )
    page.paste(Image.fromarray(card).convert("RGB"), (300, 1200))
    assert [b.text for b in zxingcpp.read_barcodes(page)] == [ID_CARD_PAYLOAD]
    assert find_cover_sheet(page) is None


def test_a_page_with_two_different_cover_codes_is_none():
    one = _scanned_cover(150)
    other = cover_payload(UNIT, "000.A0.01.H26-261205-0102")
    code = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(other, zxingcpp.BarcodeFormat.QRCode), scale=6
    )
    one.paste(Image.fromarray(code).convert("RGB"), (60, 1300))
    assert len(zxingcpp.read_barcodes(one)) == 2
    assert find_cover_sheet(one) is None


def test_blank_sheets_and_short_pages():
    paper = Image.new("RGB", (1240, 1754), (242, 240, 236))
    assert is_blank(paper)
    assert is_blank(pagegen.salt_and_pepper(paper, 0.0005, 1))
    # A dark scanner border is not ink on the paper.
    bordered = paper.copy()
    bordered.paste((20, 20, 20), (0, 0, 40, paper.height))
    assert is_blank(bordered)
    assert not is_blank(pagegen.render_page(5, n_lines=2, dpi=150).image)
    assert not is_blank(_scanned_cover(150))
