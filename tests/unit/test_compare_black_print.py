"""A certified copy's stamp, read on the coloured-ink layer, is not a difference of text."""

from __future__ import annotations

from PIL import Image

from compare.comparison_types import PageView
from ocr.words import Box, Word


def test_words_in_coloured_ink_stay_out_of_the_text_comparison() -> None:
    black = Word("Nguyễn", 95.0, Box(10, 10, 90, 30), 0)
    stamp = Word("CHỨNG", 92.0, Box(10, 400, 90, 420), 1, ink="red")
    page = PageView(Image.new("L", (200, 500), 255), (black, stamp), 200.0)
    assert page.words == (black,)
