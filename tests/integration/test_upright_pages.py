"""A page is archived upright, at the tilt of its black print.

Drawn by the second generator (``testkit.unseen_papers``): the 2024 card photocopied
front and back on A4 (in a PDF, or a JPEG as a phone sends it), with a purple stamp
pressed askew under a red seal.
Tesseract reads the vertical lines of that page turned sideways more surely (79) than
the upright page (73), and the stamp's tilted frame and lines set the page's tilt: the
page was archived on its side and its stamp lost (a certified copy typed as an original).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifiers.folded_text import is_certified_copy, split_page
from ingest.scan import open_scan
from ocr.words import Box, Word
from pipeline.page import _Reading, page_text, process_page, upright_confidence
from pipeline.stage_data import OcrOptions, PageJob
from testkit import pagegen
from testkit.textmetrics import cer
from testkit.unseen_papers import generate


@pytest.mark.parametrize("kind", ["pdf", "jpeg"])
def test_a_card_copy_with_a_stamp_askew_is_archived_upright(tmp_path: Path, kind: str) -> None:
    document = generate("citizen_id", 6001, certified=True)
    assert document.stamp_ink == "purple"
    if kind == "pdf":
        path = pagegen.save_pdf(list(document.pages), tmp_path / "copy.pdf", document.dpi, 85)
    else:
        path = pagegen.save_jpeg(document.pages[0], tmp_path / "copy.jpg", document.dpi, 85)
    scan = open_scan(path, OcrOptions().limits)
    page = process_page(PageJob(source=scan.pages[0], options=OcrOptions(jobs=1)))
    assert page.rotation == 0
    assert page.width < page.height  # an A4 page stands
    # The paper was photographed 0.6° askew; the stamp on it 3° more.
    assert abs(page.skew - 0.6) <= 0.5, page.skew
    text = page_text(list(page.words))
    assert "087070671499" in text.replace(" ", "")
    assert is_certified_copy([split_page(1, text)]), text


def _word(text: str, width: int, height: int) -> Word:
    return Word(text=text, confidence=90.0, box=Box(0, 0, width, height), line=0)


def test_a_reading_whose_words_run_down_the_page_cannot_choose_its_turn() -> None:
    across = [_word("CĂN", 60, 20), _word("CƯỚC", 90, 20), _word("Nam", 50, 18)]
    down = [_word("CĂN", 20, 60), _word("CƯỚC", 20, 90), _word("Nam", 18, 50)]

    def reading(words: list[Word]) -> _Reading:
        return _Reading(image=None, rotation=0, skew=0.0, words=words, confidence=85.0)  # type: ignore[arg-type]

    assert upright_confidence(reading(across)) == 85.0
    assert upright_confidence(reading(down)) == 0.0
    # One tall word (a short word, a digit column) does not turn a page.
    assert upright_confidence(reading([*across, _word("1254", 20, 70)])) == 85.0


class _CountingEngine:
    """Tesseract, counting the page readings (``recognise`` on the whole page) and OSD's."""

    name = "counting"

    def __init__(self) -> None:
        from ocr.engines import engine

        self.inner = engine("tesseract")
        self.readings = 0
        self.osd = 0  # orientation asked of OSD

    def __getattr__(self, attribute: str) -> object:
        return getattr(self.inner, attribute)

    def recognise(self, image, *, lang, dpi, block=False):  # type: ignore[no-untyped-def]
        self.readings += not block
        return self.inner.recognise(image, lang=lang, dpi=dpi, block=block)

    def orientation(self, image):  # type: ignore[no-untyped-def]
        self.osd += 1
        return self.inner.orientation(image)


@pytest.mark.parametrize("degrees", [0.0, 4.0, -3.0])
def test_the_lines_shape_tells_a_page_fed_head_first(full_page, degrees: float) -> None:
    from ocr import clean

    tilted = pagegen.skew(full_page.image, degrees) if degrees else full_page.image
    upright = clean.to_gray(tilted)
    turned = clean.to_gray(tilted.rotate(180))
    assert not clean.upside_down(upright, clean.estimate_skew(upright))
    assert clean.upside_down(turned, clean.estimate_skew(turned))
    # A card's few lines say nothing either way.
    card = upright[: upright.shape[0] // 8]
    assert not clean.upside_down(np.ascontiguousarray(card[::-1, ::-1]), 0.0)


def test_the_lines_shape_says_upright_head_first_or_nothing(full_page) -> None:
    from ocr import clean

    upright = clean.to_gray(full_page.image)
    skew = clean.estimate_skew(upright)
    assert clean.head_first(upright, skew) is False
    assert clean.head_first(np.ascontiguousarray(upright[::-1, ::-1]), skew) is True
    card = upright[: upright.shape[0] // 8]  # a card's few lines
    assert clean.head_first(card, 0.0) is None
    assert clean.head_first(np.ascontiguousarray(card[::-1, ::-1]), 0.0) is None


@pytest.mark.parametrize("clockwise", [90, 270])
@pytest.mark.parametrize("degrees", [0.0, 3.0])
def test_a_sideways_page_is_stood_up_by_its_lines_shape_without_osd(
    full_page, tmp_path: Path, monkeypatch, clockwise: int, degrees: float
) -> None:
    from ocr import engines

    counting = _CountingEngine()
    monkeypatch.setitem(engines.ENGINES, counting.name, counting)  # type: ignore[arg-type]
    tilted = pagegen.skew(full_page.image, degrees) if degrees else full_page.image
    # Turned counter-clockwise by ``clockwise``: as many degrees clockwise stand it up.
    sideways = pagegen.rotate_quadrant(tilted, clockwise)
    path = pagegen.save_png(sideways, tmp_path / "sideways.png", 300)
    scan = open_scan(path, OcrOptions().limits)
    page = process_page(PageJob(source=scan.pages[0], options=OcrOptions(engine="counting")))
    assert page.rotation == clockwise
    assert page.width < page.height
    assert (counting.osd, counting.readings) == (0, 1)
    assert abs(abs(page.skew) - degrees) <= 0.5, page.skew
    assert cer(full_page.text, page_text(list(page.words))) < 0.02


def test_a_wrong_guess_of_a_sideways_turn_costs_a_reading_not_the_page(
    full_page, tmp_path: Path, monkeypatch
) -> None:
    from ocr import clean, engines

    real = clean.head_first
    monkeypatch.setattr(clean, "head_first", lambda gray, skew: not real(gray, skew))
    counting = _CountingEngine()
    monkeypatch.setitem(engines.ENGINES, counting.name, counting)  # type: ignore[arg-type]
    path = pagegen.save_png(pagegen.rotate_quadrant(full_page.image, 270), tmp_path / "s.png", 300)
    scan = open_scan(path, OcrOptions().limits)
    page = process_page(PageJob(source=scan.pages[0], options=OcrOptions(engine="counting")))
    assert page.rotation == 270
    assert (counting.osd, counting.readings) == (0, 2)
    assert cer(full_page.text, page_text(list(page.words))) < 0.02


def test_a_noisy_upright_paper_is_not_taken_for_one_fed_head_first() -> None:
    """Papers of the unseen families (blur, noise, a photo, a card's portrait) that the
    lines' ink alone, without each line's vote, took for turned ones."""
    from ocr import clean

    for doc_type, seed in [("citizen_id", 13), ("contract", 13), ("power_of_attorney", 13)]:
        page = generate(doc_type, seed, certified=False).pages[0].convert("RGB")
        gray = clean.to_gray(page)
        if clean.has_speckles(gray):
            gray = clean.to_gray(clean.remove_speckles(page))
        lines = clean.black_print_lines(page, gray)
        assert not lines.sideways
        assert not clean.upside_down(gray, lines.skew), doc_type


def test_a_page_fed_head_first_is_read_once(full_page, tmp_path: Path, monkeypatch) -> None:
    from ocr import engines

    counting = _CountingEngine()
    monkeypatch.setitem(engines.ENGINES, counting.name, counting)  # type: ignore[arg-type]
    path = pagegen.save_png(full_page.image.rotate(180), tmp_path / "turned.png", 300)
    scan = open_scan(path, OcrOptions().limits)
    page = process_page(PageJob(source=scan.pages[0], options=OcrOptions(engine="counting")))
    assert page.rotation == 180
    assert counting.readings == 1
    assert cer(full_page.text, page_text(list(page.words))) < 0.02


def test_a_card_copy_osd_turned_over_is_archived_as_it_came(tmp_path: Path) -> None:
    """A noisy photocopy of the 2024 card on A4 (unseen families, seed 10003): its lines
    look sideways, OSD says 180, and that reading scores 32 against 70 as it came."""
    document = generate("citizen_id", 10003, certified=True)
    path = pagegen.save_pdf(list(document.pages), tmp_path / "copy.pdf", document.dpi, 85)
    scan = open_scan(path, OcrOptions().limits)
    page = process_page(PageJob(source=scan.pages[0], options=OcrOptions(jobs=1)))
    assert page.rotation == 0
    text = page_text(list(page.words))
    assert document.truth["id_number"] in text.replace(" ", ""), text


def test_a_wrong_guess_of_head_first_costs_a_reading_not_the_page(
    full_page, tmp_path: Path, monkeypatch
) -> None:
    from ocr import clean, engines

    monkeypatch.setattr(clean, "upside_down", lambda gray, skew: True)
    counting = _CountingEngine()
    monkeypatch.setitem(engines.ENGINES, counting.name, counting)  # type: ignore[arg-type]
    path = pagegen.save_png(full_page.image, tmp_path / "upright.png", 300)
    scan = open_scan(path, OcrOptions().limits)
    page = process_page(PageJob(source=scan.pages[0], options=OcrOptions(engine="counting")))
    assert page.rotation == 0
    assert counting.readings == 2
    assert cer(full_page.text, page_text(list(page.words))) < 0.02
