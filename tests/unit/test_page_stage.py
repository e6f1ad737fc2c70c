"""What the page stage tells a person about a page: ``pipeline.page.page_warnings``,
measured on the page's pixels (``ocr.clean.glyph_height``)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from ocr.clean import glyph_height, to_gray
from pipeline.page import (
    SMALL_GLYPH_PX,
    SMALL_PICTURE_PX,
    THUMBNAIL_WIDTH,
    page_warnings,
    thumbnail_png,
)
from pipeline.stage_data import PAGE_WARNINGS


def page_of_letters(height: int, size: tuple[int, int] = (600, 850), frame: bool = False):
    """Rows of letter-sized blocks ``height`` px tall (some narrow, some wide) on paper."""
    image = Image.new("RGB", size, (246, 244, 238))
    draw = ImageDraw.Draw(image)
    width = max(2, height * 2 // 3)
    for row, y in enumerate(range(40, size[1] - 40, height * 2 + 4)):
        for x in range(40 + row % 3, size[0] - 40, width + max(2, height // 3)):
            draw.rectangle((x, y, x + width - 1, y + height - 1), fill=(20, 20, 25))
    if frame:  # a table's rules and a photo: not letters
        draw.rectangle((10, 10, size[0] - 10, size[1] - 10), outline=(0, 0, 0), width=3)
        draw.rectangle((30, 30, 200, 260), fill=(60, 60, 60))
    return image


def test_letters_are_measured_on_the_pixels() -> None:
    for height in (5, 9, 14):
        assert glyph_height(to_gray(page_of_letters(height))) == height
    assert glyph_height(to_gray(page_of_letters(6, frame=True))) == 6
    assert glyph_height(to_gray(Image.new("L", (400, 600), 250))) is None


def test_letters_too_small_to_read_are_flagged() -> None:
    assert page_warnings(page_of_letters(SMALL_GLYPH_PX - 1)) == ("small_text",)
    assert page_warnings(page_of_letters(SMALL_GLYPH_PX)) == ()
    assert page_warnings(page_of_letters(5, frame=True)) == ("small_text",)
    assert set(PAGE_WARNINGS) == {"small_text"}


def test_a_blank_page_and_a_large_picture_are_not_flagged() -> None:
    assert page_warnings(Image.new("RGB", (400, 560), "white")) == ()
    large = page_of_letters(5, size=(SMALL_PICTURE_PX, 600))
    assert page_warnings(large) == (), "a picture this large is not measured"


def test_thumbnail_is_a_small_png_close_to_a_plain_lanczos_reduction() -> None:
    """The thumbnail's faster reduction (boxes, then Lanczos) stays within a grey level or
    two of Lanczos over the whole page, in grey and in colour."""
    page = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(page)
    for y in range(120, 2200, 36):
        draw.text((140, y), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập " * 2, fill="black")
    draw.ellipse((1100, 1800, 1500, 2200), outline=(200, 30, 30), width=14)
    for image in (page, page.convert("L")):
        thumbnail = Image.open(io.BytesIO(thumbnail_png(image)))
        assert thumbnail.format == "PNG" and thumbnail.mode == image.mode
        assert thumbnail.size == (THUMBNAIL_WIDTH, round(2339 * THUMBNAIL_WIDTH / 1654))
        plain = image.resize(thumbnail.size, Image.Resampling.LANCZOS)
        difference = np.abs(np.asarray(thumbnail, int) - np.asarray(plain, int))
        assert difference.mean() < 2.0 and difference.max() < 64
