"""What the page stage tells a person about a reading: ``pipeline.page.page_warnings``."""

from __future__ import annotations

from ocr.words import Box, Word
from pipeline.page import SMALL_PICTURE_PX, SMALL_TEXT_PX, page_warnings
from pipeline.stage_data import PAGE_WARNINGS


def words_of_height(height: int, count: int = 9) -> list[Word]:
    return [
        Word(text="chữ", confidence=80.0, box=Box(10 * i, 0, 10 * i + 8, height), line=0)
        for i in range(count)
    ]


def test_text_smaller_than_tesseract_reads_is_flagged() -> None:
    assert page_warnings(words_of_height(SMALL_TEXT_PX - 1), (1200, 1600)) == ("small_text",)
    assert page_warnings(words_of_height(SMALL_TEXT_PX), (400, 600)) == ()
    assert set(PAGE_WARNINGS) == {"small_text"}


def test_the_median_word_decides_not_a_stray_one() -> None:
    """A few tiny specks read as letters do not flag a well-read page, nor one big title
    a thumbnail."""
    page = words_of_height(30) + words_of_height(5, count=4)
    assert page_warnings(page, (2480, 3508)) == ()
    thumb = words_of_height(7) + words_of_height(40, count=2)
    assert page_warnings(thumb, (413, 584)) == ("small_text",)


def test_single_letters_are_not_words_to_measure() -> None:
    marks = [Word(text="o", confidence=40.0, box=Box(0, 0, 4, 4), line=0)] * 20
    assert page_warnings(marks + words_of_height(25), (2480, 3508)) == ()


def test_a_small_picture_that_read_nothing_is_flagged_a_blank_page_is_not() -> None:
    assert page_warnings([], (SMALL_PICTURE_PX - 1, 300)) == ("small_text",)
    assert page_warnings([], (2480, 3508)) == ()
