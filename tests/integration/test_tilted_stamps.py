"""A certification stamp pressed askew, in black or under a seal, is read level.

Drawn here, a family the generators never drew: a page of black print with a
framed stamp turned a few degrees, a round seal and a signature over its right
half. The page's pass reads such a block badly or not at all (Tesseract takes it
for a picture); before ``ocr.tilted_frames`` a black stamp was lost and the
certified copy typed as an original.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from classifiers.folded_text import is_certified_copy, split_page
from ingest.scan import open_scan
from pipeline.page import process_page
from pipeline.stage_data import OcrOptions, PageJob
from testkit import pagegen
from testkit.unseen_papers import generate
from tests.integration.page_reading import read_page, text_of

DPI = 200
BODY = (
    "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
    "Họ, chữ đệm, tên: Lý Mạnh Vinh",
    "Ngày, tháng, năm sinh: 19/07/1978",
    "Giới tính: Nam        Dân tộc: Kinh        Quốc tịch: Việt Nam",
    "Nơi cư trú: xã Mỹ Lộc, tỉnh Bắc Ninh",
    "Tình trạng hôn nhân: Chưa đăng ký kết hôn với ai",
    "Mục đích sử dụng: Làm thủ tục mua bán nhà đất",
    "Giấy này có giá trị 06 tháng kể từ ngày cấp.",
    "Người được cấp giấy chịu trách nhiệm về tính chính xác của thông tin đã khai,",
    "trường hợp khai không đúng sự thật sẽ bị thu hồi giấy xác nhận này.",
    "Giấy xác nhận được cấp theo đề nghị của người có tên trên, lưu một bản tại",
    "Ủy ban nhân dân xã Mỹ Lộc, tỉnh Bắc Ninh, theo sổ đăng ký hộ tịch năm 2025.",
)
STAMP = (
    "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH",
    "Số chứng thực: 2133   Quyển số: 02/2026-SCT/BS",
    "Ngày 15 tháng 06 năm 2026",
    "NGƯỜI THỰC HIỆN CHỨNG THỰC",
)
BLACK, GREY, PURPLE, RED = (25, 25, 25), (95, 95, 95), (125, 45, 150), (205, 35, 45)


def _page(stamp_ink: tuple[int, int, int], seal_ink: tuple[int, int, int], degrees: float):
    width, height = round(8.27 * DPI), round(11.69 * DPI)
    page = Image.new("RGB", (width, height), (250, 249, 246))
    draw = ImageDraw.Draw(page)
    body = pagegen.load_font(pagegen.SERIF_REGULAR, round(12 / 72 * DPI))
    for row, line in enumerate(BODY):
        draw.text((150, 120 + 70 * row), line, font=body, fill=BLACK)
    sans = pagegen.load_font(pagegen.SANS_BOLD, round(10 / 72 * DPI))
    stamp = Image.new("RGBA", (1000, 330), (0, 0, 0, 0))
    pen = ImageDraw.Draw(stamp)
    pen.rectangle((4, 4, 995, 325), outline=stamp_ink, width=5)
    for row, line in enumerate(STAMP):
        pen.text((40, 30 + 70 * row), line, font=sans, fill=stamp_ink)
    turned = stamp.rotate(degrees, expand=True, resample=Image.Resampling.BICUBIC)
    left, top = 250, 1000
    page.paste(turned, (left, top), turned)
    # A round seal and a signature over the stamp's right half, as the officer signs.
    cx, cy, r = left + 720, top + 190, 150
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=seal_ink, width=9)
    draw.ellipse((cx - r + 28, cy - r + 28, cx + r - 28, cy + r - 28), outline=seal_ink, width=4)
    draw.regular_polygon((cx, cy, 55), 5, fill=seal_ink)
    draw.line([(left + 380, top + 250), (left + 560, top + 120), (left + 640, top + 260)], BLACK, 4)
    return page


@pytest.mark.parametrize(
    ("stamp_ink", "seal_ink", "degrees", "ink"),
    [
        (GREY, BLACK, 4.5, None),  # a photocopy: stamp and seal both grey-black
        (BLACK, RED, -3.0, None),
        (PURPLE, RED, -5.0, "purple"),
    ],
    ids=["grey-under-black-seal", "black-under-red-seal", "purple-under-red-seal"],
)
def test_a_stamp_pressed_askew_under_a_seal_marks_a_certified_copy(
    tmp_path: Path,
    stamp_ink: tuple[int, int, int],
    seal_ink: tuple[int, int, int],
    degrees: float,
    ink: str | None,
) -> None:
    words = read_page(_page(stamp_ink, seal_ink, degrees), tmp_path, DPI)
    text = text_of(words)
    assert is_certified_copy([split_page(1, text)]), text
    # The certification's number (four digits; one may be misread under the seal).
    number = [w for w in words if len(w.text) == 4 and w.text.isdigit() and w.text != "2026"]
    assert number and all(w.ink == ink for w in number), text
    # The stamp's words are placed where it is printed, under the body text.
    assert all(1000 < (w.box.top + w.box.bottom) / 2 < 1400 for w in number)
    # The body above it reads as before, once.
    assert text.count("Mạnh Vinh") == 1


@pytest.mark.parametrize(
    ("doc_type", "seed"),
    [("marital_status", 1001), ("birth_certificate", 1002), ("diploma", 1002)],
    ids=["grey-stamp-4.9deg", "black-stamp-1.1deg", "purple-stamp-under-red-seal"],
)
def test_certified_copies_the_page_pass_could_not_read(
    tmp_path: Path, doc_type: str, seed: int
) -> None:
    """Three papers of the second generator's families (photocopied, blurred, JPEG) whose
    stamp the page's pass read nothing or garbage of, and which were typed as originals:
    a grey stamp at 4.9° under a black seal, a black one barely tilted under a red seal,
    a purple one under a red seal. Read level in their frames, they are copies."""
    document = generate(doc_type, seed, certified=True)
    path = pagegen.save_pdf(list(document.pages), tmp_path / "copy.pdf", document.dpi, quality=85)
    scan = open_scan(path, OcrOptions().limits)
    pages = [
        split_page(
            1, text_of(list(process_page(PageJob(source=page, options=OcrOptions(jobs=1))).words))
        )
        for page in scan.pages
    ]
    assert is_certified_copy(pages), "\n".join(line for page in pages for line in page.lines)
