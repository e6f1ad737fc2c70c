"""Placed words for tests of reading by rows: a page's words written as (text, left, top,
Tesseract's line number), with the text Tesseract would give in its own line order. Shared
by the unit test of the stamp's rows and the classifier's integration test."""

from __future__ import annotations

from ocr.words import Box, Word

Placed = tuple[str, int, int, int]


def placed_words(placed: list[Placed]) -> list[Word]:
    """Words from (text, left, top, Tesseract's line number), 60 px a word, 20 px tall."""
    words = []
    for text, left, top, line in placed:
        for i, word in enumerate(text.split()):
            box = Box(left + 70 * i, top, left + 70 * i + 60, top + 20)
            words.append(Word(word, 90.0, box, line))
    return words


# A stamp on a busy page as Tesseract cut it (the minutes of unseen draw 13003): its left
# column read first, then its right one, the book's ``Quyển`` lost.
STAMP_IN_COLUMNS: list[Placed] = [
    ("BIÊN BẢN HỌP XÉT DUYỆT", 300, 100, 0),
    ("THƯ KÝ", 200, 600, 1),
    ("CHƯNG THỰC", 250, 1760, 2),
    ("Số chứng thực: 4", 250, 1830, 3),
    ("Ngày 03 tháng 04 năm 2026", 250, 1880, 4),
    ("NGƯỜI THỰC HIỆN CHỨNG THỰC", 250, 1925, 5),
    ("757 số: 10/2026-SCT/BS", 530, 1828, 6),
    ("BẢN SAO ĐÚNG VỚI BẢN CHÍNH", 390, 1764, 7),
]


def tesseract_text(placed: list[Placed]) -> str:
    """The page's text in Tesseract's line order."""
    return "\n".join(text for text, *_ in sorted(placed, key=lambda p: p[3]))
