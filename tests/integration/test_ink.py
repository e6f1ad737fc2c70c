"""Words in coloured ink are read, not thrown away with the red seal.

A family of pages the generators never drew: a photocopy-like black page with
a certification stamp in red, purple or blue (and a red title), drawn here.
Before the coloured-ink layer, a red or blue stamp vanished with the dropout
that keeps body text clean, and the certified copy was typed as an original.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from classifiers.folded_text import is_certified_copy, split_page
from ingest.scan import open_scan
from ocr import coloured_ink as ink
from ocr.words import Box, Word
from pipeline.page import process_page
from pipeline.stage_data import OcrOptions, PageJob
from testkit import pagegen
from tests.integration.page_reading import read_page, text_of

DPI = 200
STAMP = ("CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH", "Số chứng thực: 1254", "Quyển số: 03/2026-SCT/BS")
BODY = (
    "Họ và tên: Trần Thị Lan",
    "Ngày sinh: 14/02/1991",
    "Nơi cư trú: xã Tân Phú, tỉnh Đồng Nai",
    "Đã hoàn thành chương trình đào tạo trình độ đại học",
)
INKS = {"red": (205, 35, 45), "purple": (125, 45, 150), "blue": (35, 70, 185)}


def _page(stamp_ink: tuple[int, int, int], title_ink: tuple[int, int, int]) -> Image.Image:
    width, height = round(8.27 * DPI), round(11.69 * DPI) // 2
    image = Image.new("RGB", (width, height), (250, 249, 246))
    draw = ImageDraw.Draw(image)
    title = pagegen.load_font(pagegen.SERIF_BOLD, round(16 / 72 * DPI))
    body = pagegen.load_font(pagegen.SERIF_REGULAR, round(12 / 72 * DPI))
    draw.text((width // 2, 120), "BẰNG TỐT NGHIỆP ĐẠI HỌC", font=title, fill=title_ink, anchor="mm")
    y = 220
    for line in BODY:
        draw.text((150, y), line, font=body, fill=(20, 20, 20))
        y += 70
    y += 40
    draw.rectangle((130, y - 20, 1050, y + 200), outline=stamp_ink, width=4)
    for line in STAMP:
        draw.text((150, y), line, font=body, fill=stamp_ink)
        y += 62
    return image


@pytest.mark.parametrize("colour", sorted(INKS))
def test_a_coloured_certification_stamp_is_read_and_marks_a_certified_copy(
    tmp_path: Path, colour: str
) -> None:
    words = read_page(_page(INKS[colour], INKS["red"]), tmp_path, DPI)
    text = text_of(words)
    assert "CHỨNG THỰC BẢN SAO" in text, text
    assert "1254" in text
    assert is_certified_copy([split_page(1, text)])
    stamp = [w for w in words if w.text in ("CHỨNG", "THỰC")]
    # Ink dark enough to survive the dropout is read by the black pass (ink None);
    # otherwise the ink pass reads it and names its colour.
    assert all(w.ink in (None, colour) for w in stamp)
    assert colour != "red" or {w.ink for w in stamp} == {"red"}
    # The red title is read, in its place: the first line of the page.
    assert text.splitlines()[0].startswith("BẰNG TỐT NGHIỆP")


def test_a_black_page_has_no_ink_layer_and_reads_as_before(tmp_path: Path) -> None:
    black = (20, 20, 20)
    words = read_page(_page(black, black), tmp_path, DPI)
    assert all(w.ink is None for w in words)
    assert "CHỨNG THỰC BẢN SAO" in text_of(words)


def test_security_paper_background_is_not_ink() -> None:
    """A pale green guilloche is coloured but light: nothing to read on the ink layer."""
    yy, xx = np.mgrid[0:600, 0:900]
    wave = (np.sin(xx / 7.0 + np.sin(yy / 23.0) * 3) > 0.6)[..., None]
    rgb = np.where(wave, np.array([170, 215, 175]), np.array([236, 246, 236])).astype(np.uint8)
    assert ink.ink_layer(Image.fromarray(rgb, "RGB")) is None


def test_ink_lines_go_where_they_stand_on_the_page() -> None:
    def word(text: str, top: int, line: int, colour: str | None = None) -> Word:
        return Word(text, 90.0, Box(10, top, 60, top + 20), line, colour)

    black = [word("body", 300, 0), word("signer", 900, 1)]
    coloured = [word("TITLE", 100, 100_000, "red"), word("stamp", 1200, 100_001, "red")]
    merged = ink.merge_lines(black, coloured)
    assert [(w.text, w.line) for w in merged] == [
        ("TITLE", 0),
        ("body", 1),
        ("signer", 2),
        ("stamp", 3),
    ]


def test_the_ink_rest_of_a_line_joins_the_words_the_black_pass_read_of_it() -> None:
    """A red title whose first words were dark enough for the black pass: its last word,
    read on the ink layer, ends the same line instead of standing on a line of its own."""
    black = [
        Word("GIẤY", 90.0, Box(100, 200, 180, 240), 2),
        Word("NHÂN", 90.0, Box(200, 202, 290, 241), 2),
        Word("Số", 90.0, Box(100, 300, 140, 330), 3),
    ]
    rest = Word("DÂN", 88.0, Box(310, 196, 380, 236), 100_000, "red")
    merged = ink.merge_lines(black, [rest])
    assert [(w.text, w.line) for w in merged] == [
        ("GIẤY", 0),
        ("NHÂN", 0),
        ("DÂN", 0),
        ("Số", 1),
    ]


def test_a_ghost_the_dropout_left_is_replaced_by_the_clear_ink_reading() -> None:
    """Half-erased red print read as garbage by the black pass gives way to the ink pass;
    dark ink the black pass read well is not read twice."""
    ghost = Word("HỨN", 41.0, Box(100, 100, 300, 140), 3)
    clear = Word("CHỨNG", 93.0, Box(95, 98, 310, 142), 100_000, "red")
    kept, added = ink.settle([ghost], [clear])
    assert kept == [] and added == [clear]
    well_read = replace(ghost, text="CHỨNG", confidence=91.0)
    kept, added = ink.settle([well_read], [clear])
    assert len(kept) + len(added) == 1  # one word, read twice, is kept once


def test_the_same_coloured_word_read_twice_keeps_the_ink_passs_reading() -> None:
    """A red serial: the black pass read its ghost ``808761`` at 88, the ink pass its whole
    strokes ``808781`` at 96. The same word read twice: the ink reading stands without the
    margin a different word under a stamp must beat."""
    ghost = Word("808761", 88.0, Box(100, 100, 300, 140), 3)
    serial = Word("808781", 96.0, Box(98, 99, 302, 141), 100_000, "red")
    kept, added = ink.settle([ghost], [serial])
    assert kept == [] and added == [serial]
    # Black print under a stamp's word is another word: it keeps its place.
    name = replace(ghost, text="Nguyễn")
    stamp = replace(serial, text="SAO")
    kept, added = ink.settle([name], [stamp])
    assert kept == [name] and added == []


def _old_id_card() -> Image.Image:
    """The old nine-digit card's look: a blue-green guilloche over all of it, a red title."""
    width, height = 1012, 638  # 85.6 × 54 mm at 300 dpi
    yy, xx = np.mgrid[0:height, 0:width]
    wave = (np.sin(xx / 5.0 + np.sin(yy / 17.0) * 4) > 0.2)[..., None]
    rgb = np.where(wave, np.array([95, 165, 175]), np.array([225, 240, 238])).astype(np.uint8)
    card = Image.fromarray(rgb, "RGB")
    draw = ImageDraw.Draw(card)
    title = pagegen.load_font(pagegen.SERIF_BOLD, 44)
    body = pagegen.load_font(pagegen.SERIF_BOLD, 40)
    draw.text(
        (width // 2, 70), "GIẤY CHỨNG MINH NHÂN DÂN", font=title, fill=(200, 30, 40), anchor="mm"
    )
    for y, line in (
        (170, "Số 025814736"),
        (260, "Họ tên NGUYỄN VĂN AN"),
        (350, "Sinh ngày 12-04-1978"),
    ):
        draw.rectangle((300, y - 6, 980, y + 50), fill=(240, 246, 244))
        draw.text((310, y), line, font=body, fill=(15, 15, 25))
    return card


def test_a_red_title_over_a_guilloche_card_is_read(tmp_path: Path) -> None:
    from classifiers.rules import rule_scores

    card = _old_id_card()
    assert ink.ink_layer(card) is not None, "the guilloche must not hide the red title"
    path = pagegen.save_png(card, tmp_path / "card.png", 300)
    scan = open_scan(path, OcrOptions().limits)
    result = process_page(PageJob(source=scan.pages[0], options=OcrOptions(jobs=1)))
    assert "CHỨNG MINH NHÂN DÂN" in result.text, result.text
    scores, _ = rule_scores([split_page(1, result.text)])
    assert max(scores, key=scores.get) == "citizen_id"


def _page_with_a_tilted_stamp(degrees: float) -> tuple[Image.Image, Box]:
    """A red title printed straight and a red stamp pressed ``degrees`` askew below it."""
    page = _page((20, 20, 20), INKS["red"])
    body = pagegen.load_font(pagegen.SERIF_REGULAR, round(12 / 72 * DPI))
    stamp = Image.new("RGBA", (980, 260), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    draw.rectangle((4, 4, 975, 255), outline=INKS["red"], width=4)
    for row, line in enumerate(STAMP):
        draw.text((24, 24 + 70 * row), line, font=body, fill=INKS["red"])
    turned = stamp.rotate(degrees, expand=True, resample=Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", (page.width, page.height + turned.height + 80), (250, 249, 246))
    canvas.paste(page, (0, 0))
    left, top = 200, page.height + 20
    canvas.paste(turned, (left, top), turned)
    return canvas, Box(left, top, left + turned.width, top + turned.height)


@pytest.mark.parametrize("degrees", [-6.0, 7.0])
def test_a_stamp_pressed_askew_is_read_level_and_stays_where_it_is(
    tmp_path: Path, degrees: float
) -> None:
    image, where = _page_with_a_tilted_stamp(degrees)
    words = read_page(image, tmp_path, DPI)
    text = text_of(words)
    assert is_certified_copy([split_page(1, text)]), text
    opener = [w for w in words if w.text in ("CHỨNG", "THỰC", "BẢN", "SAO") and w.ink == "red"]
    assert len(opener) >= 3, text
    # Read turned level, but placed where the stamp is printed on the page.
    for word in opener:
        x = (word.box.left + word.box.right) / 2
        y = (word.box.top + word.box.bottom) / 2
        assert where.left <= x <= where.right and where.top <= y <= where.bottom
    assert text.splitlines()[0].startswith("BẰNG TỐT NGHIỆP")


def test_a_faded_violet_stamp_is_read_from_its_few_strong_strokes(tmp_path: Path) -> None:
    """A worn stamp pad: the letters are greyish violet (colour enough to be dropped from
    the black print, too little to be ink on their own); the frame is still strong. The
    frame's strong ink makes the region ink, and its faded letters are read with it."""
    faded, strong = (200, 163, 208), (125, 45, 150)
    image = _page((20, 20, 20), INKS["red"])
    draw = ImageDraw.Draw(image)
    body = pagegen.load_font(pagegen.SERIF_REGULAR, round(12 / 72 * DPI))
    top = image.height - 290
    draw.rectangle((130, top - 20, 1050, top + 200), outline=strong, width=5)
    for row, line in enumerate(STAMP):
        draw.text((150, top + 62 * row), line, font=body, fill=faded)
    layer = ink.ink_layer(image)
    assert layer is not None
    inside = np.asarray(layer.image)[
        top - layer.top : top + 180 - layer.top, 150 - layer.left : 1000 - layer.left
    ]
    # The letters come out dark enough to read, not as pale as their colour.
    assert inside.min() <= ink.FADED_GREY
    text = text_of(read_page(image, tmp_path, DPI))
    assert is_certified_copy([split_page(1, text)]), text


def test_a_colour_cast_without_strong_ink_is_not_ink() -> None:
    """A phone photo's brownish desk beside the paper: faded-colour, but an area with no
    strong ink in it and no strokes."""
    rgb = np.full((800, 1200, 3), 245, np.uint8)
    rgb[:, 900:] = (150, 125, 110)  # the desk: chroma 40, darkest 110
    assert ink.ink_layer(Image.fromarray(rgb, "RGB")) is None


def _jpeg_stamp_page(
    stamp_ink: tuple[int, int, int], body_ink: tuple[int, int, int]
) -> Image.Image:
    """Black lines beside a stamp whose opener is bold and whose other lines are thin,
    through a phone's JPEG (colour kept at half resolution, 4:2:0, quality 50)."""
    import io

    width, height = round(8.27 * DPI), 900
    image = Image.new("RGB", (width, height), (250, 249, 246))
    draw = ImageDraw.Draw(image)
    body = pagegen.load_font(pagegen.FONT_DIR / "LiberationSans-Regular.ttf", round(9 / 72 * DPI))
    bold = pagegen.load_font(pagegen.SANS_BOLD, round(11 / 72 * DPI))
    for row, line in enumerate(BODY):
        draw.text((150, 60 + 60 * row), line, font=body, fill=body_ink)
    top = 360
    draw.rectangle((130, top - 20, 1250, top + 300), outline=stamp_ink, width=4)
    draw.text((150, top), STAMP[0], font=bold, fill=stamp_ink)
    worn = tuple((4 * c + 128) // 5 for c in stamp_ink)  # thin strokes take less ink
    for row, line in enumerate(STAMP[1:], start=1):
        draw.text((150, top + 70 * row), line, font=body, fill=worn)
    buffer = io.BytesIO()
    image = image.filter(ImageFilter.GaussianBlur(1.0))  # a phone's lens and focus
    image.save(buffer, "JPEG", quality=50, subsampling=2)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def test_thin_stamp_lines_whose_colour_a_jpeg_halved_are_still_ink(tmp_path: Path) -> None:
    """A phone photo keeps colour at half resolution: a stamp's thin purple lines come out
    nearly grey (chroma 15-40) while its bold opener stays purple. Beside that opener, of
    its colour, they are ink; the black lines beside the stamp are not."""
    image = _jpeg_stamp_page(INKS["purple"], (25, 25, 25))
    rgb = np.asarray(image)
    mask = ink.ink_mask(rgb)
    dark = rgb.min(axis=2) < 150
    thin = (slice(360 + 60, 360 + 200), slice(150, 1200))
    assert np.count_nonzero(mask[thin]) > 0.7 * np.count_nonzero(dark[thin])
    black = (slice(50, 300), slice(150, 1400))
    assert np.count_nonzero(mask[black]) < 0.02 * np.count_nonzero(dark[black])
    text = text_of(read_page(image, tmp_path, DPI))
    assert "1254" in text, text
    assert is_certified_copy([split_page(1, text)]), text


def test_grey_lines_with_a_cast_beside_a_stamp_stay_black_print() -> None:
    """Body text of a cast photo (a little colour in every dark pixel) beside a purple
    stamp: not the stamp's colour, so not ink."""
    image = _jpeg_stamp_page(INKS["purple"], (40, 52, 40))  # greenish cast, chroma 12
    rgb = np.asarray(image)
    mask = ink.ink_mask(rgb)
    dark = rgb.min(axis=2) < 150
    black = (slice(50, 300), slice(150, 1400))
    assert np.count_nonzero(mask[black]) < 0.02 * np.count_nonzero(dark[black])
