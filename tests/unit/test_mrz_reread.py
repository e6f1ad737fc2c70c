"""The MRZ's second reading stays within bounds whatever OCR took for its letters."""

from __future__ import annotations

from PIL import Image

from ocr.engines import NullEngine
from ocr.mrz_reread import MAX_ZONE_PIXELS, reread_mrz
from ocr.words import Box, Word


class SizeRecorder(NullEngine):
    """Reads nothing, and notes the size of every block it is given."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def recognise_block(
        self, image: Image.Image, *, lang: str, dpi: int, whitelist: str = ""
    ) -> list[str]:
        self.sizes.append(image.size)
        return []


PAGE = Image.new("L", (2403, 1746), 255)


def test_a_speck_read_as_filler_does_not_blow_the_crop_up() -> None:
    """``„<<`` 1 px high on a marriage certificate (unseen draw 19000): scaled by it, the
    crop was 750 million pixels and Tesseract failed the page."""
    speck = [
        Word("Chồng", 90.0, Box(1485, 1230, 1600, 1270), 7),
        Word("„<<", 40.0, Box(1631, 1265, 1633, 1266), 7),
        Word("Vợ", 90.0, Box(1800, 1240, 1981, 1290), 7),
    ]
    recorder = SizeRecorder()
    assert reread_mrz(PAGE, speck, recorder) == [[], [], [], []]
    assert recorder.sizes and all(w * h <= MAX_ZONE_PIXELS for w, h in recorder.sizes)


def test_a_real_zone_is_scaled_to_the_height_tesseract_reads_best() -> None:
    line = [Word("IDVNM0123456789<<<<<<<<", 90.0, Box(300, 1500, 1500, 1530), 3)]
    recorder = SizeRecorder()
    reread_mrz(PAGE, line, recorder)
    first_width, first_height = recorder.sizes[0]
    assert first_height > (1530 - 1500) * 2  # 30 px letters brought up towards 40 px
    assert first_width * first_height <= MAX_ZONE_PIXELS


def test_a_zone_outside_the_image_is_not_read() -> None:
    outside = [Word("<<<<<<", 90.0, Box(2500, 1800, 2700, 1830), 1)]
    recorder = SizeRecorder()
    assert reread_mrz(PAGE, outside, recorder) == []
    assert recorder.sizes == []
