"""Framed blocks pressed askew are found by their sides; tables and level frames are not."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from ocr import clean
from ocr import tilted_frames as frames
from ocr.words import Box, Word
from testkit import pagegen

WIDTH, HEIGHT = 1650, 2300  # an A4 page at 200 dpi


def _page() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (WIDTH, HEIGHT), (250, 250, 248))
    return image, ImageDraw.Draw(image)


def _rectangle(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    size: tuple[float, float],
    degrees: float,
    colour: tuple[int, int, int] = (40, 40, 40),
) -> None:
    """A frame turned ``degrees`` clockwise on the page (as a stamp pressed askew)."""
    cx, cy = centre
    w, h = size
    turn = math.radians(degrees)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    points = [
        (cx + x * math.cos(turn) - y * math.sin(turn), cy + x * math.sin(turn) + y * math.cos(turn))
        for x, y in corners
    ]
    draw.line([*points, points[0]], fill=colour, width=4)


def _gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def test_a_frame_pressed_askew_is_found_with_its_angle() -> None:
    image, draw = _page()
    _rectangle(draw, (800, 1800), (900, 330), 4.0)
    found = frames.framed_blocks(np.asarray(image))
    assert len(found) == 1
    block = found[0]
    assert abs(block.turn.degrees - 4.0) < 0.5
    assert block.ink is None
    box = block.turn.box
    assert box.left < 360 and box.right > 1240 and box.top < 1640 and box.bottom > 1960
    assert block.holds(Box(790, 1790, 810, 1810))
    assert not block.holds(Box(790, 1500, 810, 1520))  # above the frame, in its padding


def test_a_level_frame_and_a_level_table_are_left_to_the_pages_pass() -> None:
    image, draw = _page()
    _rectangle(draw, (800, 600), (900, 300), 0.0)
    for row in range(6):
        draw.line((150, 1200 + 80 * row, 1500, 1200 + 80 * row), fill=(30, 30, 30), width=3)
    assert frames.framed_blocks(np.asarray(image)) == []


def test_the_pages_own_rules_set_the_level() -> None:
    """A page deskewed to within half a degree keeps its table rules a little tilted
    (-0.5°); a stamp at +0.5° is a degree off that level, and is read turned."""
    image, draw = _page()
    drop = round(1350 * math.tan(math.radians(-0.5)))
    for row in range(6):
        y = 400 + 80 * row
        draw.line((150, y, 1500, y + drop), fill=(0, 0, 0), width=3)
    _rectangle(draw, (800, 1500), (900, 300), 0.5)
    [block] = frames.framed_blocks(np.asarray(image))
    assert abs(block.turn.degrees - 0.5) < 0.3


def test_a_table_seen_in_perspective_is_not_a_stamp() -> None:
    """Many parallel tilted rules (a photographed table) are not one frame."""
    image, draw = _page()
    slope = math.tan(math.radians(3.0))
    for row in range(6):
        y = 900 + 90 * row
        draw.line((200, y, 1400, y + round(1200 * slope)), fill=(30, 30, 30), width=3)
    assert frames.framed_blocks(np.asarray(image)) == []


@pytest.mark.parametrize("colour", [(125, 45, 150), (131, 97, 150)], ids=["strong", "worn"])
def test_a_coloured_frame_is_named_by_its_ink(colour: tuple[int, int, int]) -> None:
    """A worn violet pad's frame (chroma ~50, under the ink pass's 70) is violet too."""
    image, draw = _page()
    _rectangle(draw, (800, 1800), (900, 330), -5.0, colour=colour)
    [block] = frames.framed_blocks(np.asarray(image))
    assert block.ink == "purple"
    assert abs(block.turn.degrees + 5.0) < 0.5


def test_a_purple_stamps_block_image_leaves_the_red_seal_out() -> None:
    level = Image.new("RGB", (300, 100), "white")
    draw = ImageDraw.Draw(level)
    draw.rectangle((10, 10, 100, 90), fill=(125, 45, 150))
    draw.rectangle((150, 10, 250, 90), fill=(205, 35, 45))
    grey = np.asarray(frames.block_image(level, "purple"))
    assert grey[50, 50] < 100  # the stamp's ink, dark
    assert grey[50, 200] == 255  # the seal, blank


def _word(text: str, x: int, y: int, confidence: float, line: int = 0) -> Word:
    return Word(text, confidence, Box(x, y, x + 20 * len(text), y + 30), line)


def _reading(words: list[Word]) -> frames.FramedReading:
    side_top = frames._Side(100, 1000, 1100, 1000, 0.0)
    side_bottom = frames._Side(100, 1300, 1100, 1300, 0.0)
    block = frames.FramedBlock(
        frames.Turn(Box(80, 980, 1120, 1320), 0.0), None, side_top, side_bottom, 100, 1100
    )
    return frames.FramedReading(block, tuple(words))


def test_inside_a_frame_the_reading_that_read_more_stands() -> None:
    outside = _word("CHỦ", 300, 900, 96)
    broken = [_word("Dương", 400, 1250, 96), _word("J7", 200, 1050, 5)]
    level = [
        _word("CHỨNG", 150, 1020, 92, 200_000),
        _word("THỰC", 300, 1020, 91, 200_000),
        _word("Số", 150, 1080, 96, 200_001),
        _word("2133", 250, 1080, 93, 200_001),
        _word("Dương", 400, 1250, 96, 200_002),
    ]
    reading = _reading(level)
    kept, added, used = frames.swap_in([outside, *broken], [reading])
    assert kept == [outside]
    assert added == level
    assert used == [reading.block.turn.box]

    clear = [_word("Nguyễn", 150, 1020, 96), _word("Thanh", 300, 1020, 95)]
    kept, added, used = frames.swap_in([outside, *clear], [_reading([_word("Ng", 150, 1020, 30)])])
    assert kept == [outside, *clear]
    assert added == used == []


def test_a_stamps_frame_does_not_turn_a_page_of_few_lines() -> None:
    """Eight short level lines and a long frame pressed 4.5° askew: the frame's sides
    outweighed the text in the projection profiles and the page was turned by the
    stamp's angle. The text alone says where level is."""
    image, draw = _page()
    font = pagegen.load_font(pagegen.SERIF_REGULAR, 33)
    for row in range(8):
        draw.text(
            (150, 150 + 70 * row), "Họ, chữ đệm, tên: Lý Mạnh Vinh", font=font, fill=(20,) * 3
        )
    _rectangle(draw, (800, 1300), (1000, 330), -4.5)
    _rectangle(draw, (800, 1300), (990, 320), -4.5)
    assert abs(clean.estimate_skew(_gray(image))) < 0.5
    assert abs(clean.find_text_lines(_gray(image)).skew) < 0.5


def test_black_print_inside_a_coloured_frame_stays() -> None:
    """A purple stamp pressed over ``Số hiệu: QA6031128``: the page's pass read the black
    serial (the stamp's colour was dropped) and stays; its ghost of the stamp's opener
    gives way to the stamp's level reading."""
    serial = _word("QA6031128", 150, 1250, 96)
    reading = _reading([_word("CHỨNG", 150, 1020, 60, 200_000)])
    purple = frames.FramedReading(
        frames.FramedBlock(
            reading.block.turn, "purple", reading.block.top, reading.block.bottom, 100, 1100
        ),
        reading.words,
    )
    ghost = _word("CHỨNG", 152, 1022, 92)  # the stamp's darkest strokes, read by the page's pass
    kept, added, used = frames.swap_in([serial, ghost], [purple])
    assert kept == [serial]
    assert added == list(purple.words)
    assert used == [purple.block.turn.box]


def test_a_frame_full_of_blurred_bold_text_is_one_block() -> None:
    """Lines of bold capitals, blurred as a phone or a photocopier blurs them, inside a
    frame pressed askew: one block, at the frame's angle. (A line of text the reduced
    page shows as a bar, taken for a third side, made a stamp a table: the generated
    papers of ``tests/integration/test_tilted_stamps.py`` are where that happened.)"""
    image, _ = _page()
    stamp = Image.new("RGBA", (1000, 340), (0, 0, 0, 0))
    pen = ImageDraw.Draw(stamp)
    pen.rectangle((4, 4, 995, 335), outline=(40, 40, 40, 255), width=4)
    font = pagegen.load_font(pagegen.SANS_BOLD, 44)
    for row in range(3):
        pen.text(
            (30, 40 + 95 * row),
            "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH",
            font=font,
            fill=(40, 40, 40, 255),
        )
    stamp = stamp.filter(ImageFilter.GaussianBlur(4))
    turned = stamp.rotate(-4.5, expand=True, resample=Image.Resampling.BICUBIC)
    image.paste(turned, (300, 1500), turned)
    [block] = frames.framed_blocks(np.asarray(image))
    assert abs(block.turn.degrees - 4.5) < 0.4
