"""The original-vs-copy comparison engine (``compare``) on rendered pages.

The scans go through the real per-page pipeline (cleaning, deskew, Tesseract
``vie``), exactly as production stores them, and the engine then compares the
stored image and words. The "original" is a clean scan of a rendered page; each
"copy" is the same paper scanned again (shifted 25 px, photocopied at 98 %,
turned 2°, other salt-and-pepper and JPEG noise), sometimes altered first: one
digit of the ID number or a date changed, one line whited out, one word added.
Each test asserts what must be found and where, so a comparison that finds
nothing (or everything) fails. Registration, resolution and seal cases that are
not about OCR use the drawn words as a perfect OCR would report them, to stay quick.

Overlays are written to ``test-artifacts/compare/`` for a person to look at.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from compare.comparison_types import Registration
from compare.engine import (
    PageComparison,
    PageView,
    TextOp,
    compare_documents,
    compare_pages,
    register,
)
from compare.textdiff import diff_words, token_key
from compare.verdict import Evidence, decide
from ingest.scan import open_scan
from ocr.tesseract import recognise_words
from ocr.words import Box, Word
from pipeline.page import process_page
from pipeline.stage_data import OcrOptions, PageJob
from testkit import pagegen
from testkit.programs import REPO

DPI = 200
SEED = 13  # a page with a 12-digit ID number and two dates in its body
ARTIFACTS = REPO / "test-artifacts" / "compare"
ID_NUMBER = re.compile(r"\d{12}")
DATE_OF_DEATH = re.compile(r"^01/06/")  # 01/06/1992 on that page


# --- making originals and copies ---------------------------------------------------------


@pytest.fixture(scope="module")
def page() -> pagegen.RenderedPage:
    return pagegen.render_page(SEED, dpi=DPI, n_lines=16)


def body_font() -> ImageFont.FreeTypeFont:
    """The font pagegen sets body text in (13 pt Liberation Serif)."""
    return pagegen.load_font(pagegen.SERIF_REGULAR, round(13 * DPI / 72))


def word_with(page: pagegen.RenderedPage, pattern: re.Pattern[str]) -> pagegen.TruthWord:
    return next(w for w in page.words if pattern.search(w.text))


def origin_of(word: pagegen.TruthWord) -> tuple[int, int]:
    """Where pagegen put the pen (left end of the baseline) to draw ``word``."""
    offset = pagegen.ink_box(word.text, body_font(), (0, 0))
    return word.box.left - offset.left, word.box.bottom - offset.bottom


def white_out(image: Image.Image, box: Box, pad: int = 3) -> None:
    ImageDraw.Draw(image).rectangle(
        (box.left - pad, box.top - pad, box.right + pad - 1, box.bottom + pad - 1), fill="white"
    )


def with_digit_changed(
    page: pagegen.RenderedPage, word: pagegen.TruthWord, index: int, digit: str
) -> Image.Image:
    """The page with one digit of ``word`` replaced, redrawn in place with the same font.

    Liberation Serif digits all have the same advance, so nothing else moves:
    exactly what a forger with a good printer would produce.
    """
    assert word.text[index].isdigit() and word.text[index] != digit
    image = page.image.copy()
    white_out(image, word.box, pad=2)
    text = word.text[:index] + digit + word.text[index + 1 :]
    ImageDraw.Draw(image).text(origin_of(word), text, font=body_font(), fill="black", anchor="ls")
    return image


def with_line_removed(page: pagegen.RenderedPage, line: int) -> Image.Image:
    image = page.image.copy()
    for word in page.words:
        if word.line == line:
            white_out(image, word.box)
    return image


def with_word_added(
    page: pagegen.RenderedPage, after: pagegen.TruthWord, text: str
) -> tuple[Image.Image, Box]:
    """``text`` typed on the same baseline, in the empty space right of ``after``."""
    image = page.image.copy()
    x, baseline = after.box.right + 80, origin_of(after)[1]
    ImageDraw.Draw(image).text((x, baseline), text, font=body_font(), fill="black", anchor="ls")
    return image, pagegen.ink_box(text, body_font(), (x, baseline))


def similarity(size: tuple[int, int], degrees: float, scale: float, shift: tuple[int, int]):
    """2x3 matrix turning by ``degrees`` (counter-clockwise) and scaling about the centre."""
    matrix = cv2.getRotationMatrix2D((size[0] / 2, size[1] / 2), degrees, scale)
    matrix[:, 2] += shift
    return matrix


def warped(image: Image.Image, matrix: np.ndarray) -> Image.Image:
    arr = np.asarray(image.convert("RGB"))
    out = cv2.warpAffine(
        arr, matrix, image.size, flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255)
    )
    return Image.fromarray(out)


# The second scan of the paper: moved 25 px, photocopied at 98 %, turned 2°.
RESCAN = {"degrees": 2.0, "scale": 0.98, "shift": (25, -18)}


def rescan(image: Image.Image, seed: int) -> Image.Image:
    """The same paper scanned again: moved, scaled, turned, with its own noise."""
    moved = warped(image, similarity(image.size, **RESCAN))
    return pagegen.jpeg(pagegen.salt_and_pepper(moved, 0.01, seed), 60)


TINY_DPI = 60  # a phone photo of the whole desk, cropped to the page, read as it is


def at_dpi(image: Image.Image, dpi: int) -> Image.Image:
    """The page sampled at ``dpi`` instead of ``DPI``."""
    factor = dpi / DPI
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.BOX)


def through_pipeline(image: Image.Image, dpi: int = DPI) -> PageView:
    """What production stores for a scanned page, as the engine's input."""
    with tempfile.TemporaryDirectory(prefix="sohoa-compare-") as tmp:
        path = pagegen.save_png(image, Path(tmp) / "scan.png", dpi)
        result = process_page(PageJob(source=open_scan(path).pages[0], options=OcrOptions(jobs=1)))
    assert result.image is not None
    return PageView.from_encoded(result.image, result.words, result.dpi)


def read_directly(image: Image.Image, dpi: int) -> PageView:
    """Tesseract alone, no cleaning: quicker where the pipeline's cleaning is not the point."""
    grey = image.convert("L")
    return PageView(grey, tuple(recognise_words(grey, lang="vie", dpi=dpi)), dpi)


def truth_view(image: Image.Image, words: tuple[Word, ...]) -> PageView:
    return PageView(image=image, words=words, dpi=DPI)


def truth_words(page: pagegen.RenderedPage, matrix: np.ndarray | None = None) -> tuple[Word, ...]:
    """The drawn words as a perfect OCR would report them (boxes moved by ``matrix``)."""
    words = []
    for w in page.words:
        box = w.box
        if matrix is not None:
            corners = [(x, y) for x in (box.left, box.right) for y in (box.top, box.bottom)]
            moved = np.array(corners, dtype=float) @ matrix[:, :2].T + matrix[:, 2]
            (x0, y0), (x1, y1) = np.round(moved.min(axis=0)), np.round(moved.max(axis=0))
            box = Box(int(x0), int(y0), int(x1), int(y1))
        words.append(Word(text=w.text, confidence=95.0, box=box, line=w.line))
    return tuple(words)


@pytest.fixture(scope="module")
def copies(page: pagegen.RenderedPage) -> dict[str, Callable[[], Image.Image]]:
    """How each scan is made, by name; scanned lazily so each test pays only for its own."""
    id_word, date_word = word_with(page, ID_NUMBER), word_with(page, DATE_OF_DEATH)
    removed_line = next(w.line for w in page.words if w.text == "tử")
    added, _ = with_word_added(page, id_word, "KHẨN")
    return {
        "original": lambda: pagegen.jpeg(page.image, 85),
        "same": lambda: rescan(page.image, seed=1),
        "id_digit": lambda: rescan(with_digit_changed(page, id_word, 6, "8"), seed=2),
        "date_digit": lambda: rescan(with_digit_changed(page, date_word, 4, "8"), seed=3),
        "line_removed": lambda: rescan(with_line_removed(page, removed_line), seed=4),
        "word_added": lambda: rescan(added, seed=5),
        "blurred": lambda: rescan(pagegen.blur(page.image, 3.5), seed=6),
        "tiny_dpi": lambda: at_dpi(rescan(page.image, seed=8), TINY_DPI),
        "sealed": lambda: pagegen.red_seal(pagegen.ink_signature(rescan(page.image, 7), 3), 3),
    }


@pytest.fixture(scope="module")
def scanned(copies: dict[str, Callable[[], Image.Image]]) -> Callable[[str], PageView]:
    """Each scan is OCR'd once per module, however many tests use it."""
    cache: dict[str, PageView] = {}

    def get(name: str) -> PageView:
        if name not in cache:
            image = copies[name]()
            tiny = name == "tiny_dpi"
            cache[name] = read_directly(image, TINY_DPI) if tiny else through_pipeline(image)
        return cache[name]

    return get


@pytest.fixture(scope="module")
def compared(scanned: Callable[[str], PageView]) -> Callable[[str], PageComparison]:
    """The original compared with the named copy (once), its overlay saved for a person."""
    cache: dict[str, PageComparison] = {}

    def get(name: str) -> PageComparison:
        if name not in cache:
            result = compare_pages(scanned("original"), scanned(name))
            cache[name] = result
            if result.overlay is not None:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                result.overlay.save(ARTIFACTS / f"{name}.png")
        return cache[name]

    return get


def changes(result: PageComparison) -> list[TextOp]:
    return [op for op in result.text_ops if op.status == "difference"]


def overlaps(a: Box, b: Box, pad: int = 0) -> bool:
    return (
        a.left - pad < b.right
        and b.left - pad < a.right
        and a.top - pad < b.bottom
        and b.top - pad < a.bottom
    )


def contains_point(box: Box, x: float, y: float, pad: int = 0) -> bool:
    return box.left - pad <= x <= box.right + pad and box.top - pad <= y <= box.bottom + pad


def digit_position(word: pagegen.TruthWord, index: int) -> tuple[float, float]:
    """Centre of the ``index``-th character of ``word`` on the original page."""
    font = body_font()
    x0, _ = origin_of(word)
    left = x0 + font.getlength(word.text[:index])
    right = x0 + font.getlength(word.text[: index + 1])
    return (left + right) / 2, (word.box.top + word.box.bottom) / 2


# --- 1. two scans of one page ------------------------------------------------------------


def test_second_scan_of_the_same_page_is_identical(compared) -> None:
    result = compared("same")
    assert result.registration.ok
    assert abs(result.registration.scale - 1 / 0.98) < 0.005
    assert abs(result.registration.rotation_deg - 0.0) < 0.5  # the pipeline deskewed both
    assert result.verdict == "identical", result.verdict_line
    assert result.difference_count == 0
    assert changes(result) == []
    assert result.regions == ()
    assert result.verdict_line.startswith("Nội dung giống nhau")
    # OCR read a few words differently; the pixels cleared them, so they are
    # reported as uncertain and not counted.
    assert all(op.pixel_diff is not None and op.pixel_diff <= 6 for op in result.uncertain)


# --- 2. one altered digit ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "pattern", "index", "digit"),
    [
        ("id_digit", ID_NUMBER, 6, "8"),  # 042016325673 -> 042016825673
        ("date_digit", DATE_OF_DEATH, 4, "8"),  # 01/06/1992 -> 01/08/1992: one stroke
    ],
)
def test_one_altered_digit_is_a_critical_replace_at_its_place(
    compared, page, name, pattern, index, digit
) -> None:
    result = compared(name)
    word = word_with(page, pattern)
    assert result.verdict == "differences", result.verdict_line
    assert result.difference_count == 1
    (op,) = changes(result)
    assert op.kind == "replace" and op.critical
    assert token_key(op.original_text) == token_key(word.text)
    altered = word.text[:index] + digit + word.text[index + 1 :]
    assert token_key(op.copy_text) == token_key(altered)
    # The changed character itself is pointed out, not just the word.
    changed = [span for span in op.chars if span.op != "equal"]
    assert [(s.original, s.copy) for s in changed] == [(word.text[index], digit)]
    # Its box is where the word is, and an image region sits on the changed digit.
    assert op.area is not None and overlaps(op.area, word.box)
    x, y = digit_position(word, index)
    regions = [r for r in result.regions if contains_point(r.box, x, y, pad=6)]
    assert regions, f"no image region at the changed digit ({x:.0f}, {y:.0f}): {result.regions}"
    assert all(r.critical and r.kind in ("added", "altered") for r in regions)
    assert "chữ số" in result.verdict_line


# --- 3. one removed line -----------------------------------------------------------------


def test_removed_line_is_a_delete_and_a_removed_region(compared, page) -> None:
    result = compared("line_removed")
    line = next(w.line for w in page.words if w.text == "tử")
    line_words = [w for w in page.words if w.line == line]
    line_box = Box(
        min(w.box.left for w in line_words),
        min(w.box.top for w in line_words),
        max(w.box.right for w in line_words),
        max(w.box.bottom for w in line_words),
    )
    assert result.verdict == "differences", result.verdict_line
    assert result.difference_count == 1
    (op,) = changes(result)
    assert op.kind == "delete" and op.copy == ()
    deleted = {token_key(w.text) for w in op.original}
    expected = {token_key(w.text) for w in line_words}
    assert len(deleted & expected) >= 0.8 * len(expected)
    assert op.critical  # the line holds a date
    (region,) = result.regions
    assert region.kind == "removed" and region.text_op == result.text_ops.index(op)
    assert overlaps(region.box, line_box)
    assert region.box.width > 0.9 * line_box.width


# --- 4. one added word -------------------------------------------------------------------


def test_added_word_is_an_insert_and_an_added_region(compared, page) -> None:
    result = compared("word_added")
    _, drawn = with_word_added(page, word_with(page, ID_NUMBER), "KHẨN")
    assert result.verdict == "differences", result.verdict_line
    assert result.difference_count == 1
    (op,) = changes(result)
    assert op.kind == "insert" and op.original == ()
    assert [token_key(w.text) for w in op.copy] == ["KHẨN"]
    assert not op.critical
    # The copy word's box, mapped onto the original, is where it was drawn.
    assert op.area is not None and overlaps(op.area, drawn)
    (region,) = result.regions
    assert region.kind == "added" and overlaps(region.box, drawn)


# --- 5. a copy too poor to judge ---------------------------------------------------------


@pytest.mark.parametrize("name", ["blurred", "tiny_dpi"])
def test_low_quality_copy_needs_a_manual_check(compared, name) -> None:
    result = compared(name)
    assert result.verdict == "manual_check", result.verdict_line
    assert result.reason in ("low_ocr_confidence", "too_many_differences", "registration_failed")
    assert result.verdict_line.startswith("Cần kiểm tra thủ công")


# --- seals and signatures are not differences --------------------------------------------


def test_seal_and_signature_on_the_copy_are_reported_apart(compared) -> None:
    result = compared("sealed")
    assert result.difference_count == 0
    assert result.regions == ()
    assert result.verdict != "differences"
    assert any(m.kind == "added" and m.colour in ("red", "blue") for m in result.colour_marks)
    assert any("dấu/chữ ký màu" in note for note in result.notes)


def test_grey_photocopy_of_a_sealed_original_is_identical(page) -> None:
    """The original's red seal turns into grey marks on a photocopy: not a difference."""
    sealed = pagegen.red_seal(page.image, 4)
    matrix = similarity(page.image.size, **RESCAN)
    photocopy = pagegen.jpeg(warped(sealed, matrix), 70).convert("L")
    result = compare_pages(
        truth_view(sealed, truth_words(page)), truth_view(photocopy, truth_words(page, matrix))
    )
    assert result.verdict == "identical", result.verdict_line
    assert result.regions == ()
    assert [m.kind for m in result.colour_marks] == ["removed"]
    assert any("đen trắng" in note for note in result.notes)


# --- 6. registration ---------------------------------------------------------------------


def centres(words: tuple[Word, ...] | tuple[pagegen.TruthWord, ...]) -> np.ndarray:
    return np.array(
        [((w.box.left + w.box.right) / 2, (w.box.top + w.box.bottom) / 2) for w in words]
    )


@pytest.mark.parametrize(
    ("degrees", "scale", "shift"),
    [(2.0, 0.98, (25, -18)), (-4.5, 1.03, (-40, 30)), (0.0, 1.0, (0, 0))],
)
def test_registration_recovers_a_known_transform(page, degrees, scale, shift) -> None:
    matrix = similarity(page.image.size, degrees, scale, shift)  # original -> copy
    copy = pagegen.jpeg(pagegen.salt_and_pepper(warped(page.image, matrix), 0.01, 5), 60)
    found = register(truth_view(page.image, ()), truth_view(copy, ()))
    assert found.ok and found.method == "features"
    truth = centres(page.words)
    error = np.linalg.norm(found.apply(truth @ matrix[:, :2].T + matrix[:, 2]) - truth, axis=1)
    assert error.mean() < 1.5 and error.max() < 3.0
    assert found.scale == pytest.approx(1 / scale, abs=0.003)
    assert found.rotation_deg == pytest.approx(-degrees, abs=0.15)


def test_registration_falls_back_to_word_centres_when_features_fail(page) -> None:
    """A copy blurred beyond ORB's reach is still placed by the words OCR read on both."""
    matrix = similarity(page.image.size, **RESCAN)
    copy = pagegen.blur(warped(page.image, matrix), 10)
    found = register(
        truth_view(page.image, truth_words(page)), truth_view(copy, truth_words(page, matrix))
    )
    assert found.ok and found.method == "words"
    truth = centres(page.words)
    error = np.linalg.norm(found.apply(truth @ matrix[:, :2].T + matrix[:, 2]) - truth, axis=1)
    assert error.mean() < 1.5


def test_another_document_is_never_identical(page) -> None:
    """Same letterhead, other content: the pages do not register, a person must look."""
    other = pagegen.render_page(8, dpi=DPI, n_lines=16)
    result = compare_pages(
        truth_view(page.image, truth_words(page)), truth_view(other.image, truth_words(other))
    )
    assert not result.registration.ok
    assert result.verdict == "manual_check" and result.reason == "registration_failed"
    assert result.overlay is None and result.regions == ()
    data = json.loads(json.dumps(result.to_json()))
    copy_words = [w for op in data["text_ops"] for w in op["copy"]]
    assert copy_words and all(w["box_in_original"] is None for w in copy_words)
    assert data["transform"]["ok"] is False


def test_copy_scanned_at_another_resolution_is_identical() -> None:
    """One paper scanned at 200 and at 300 dpi: the engine works in the original's pixels."""
    paper = pagegen.render_page(SEED, dpi=300, n_lines=16)

    def scan(dpi: int) -> PageView:
        factor = dpi / 300
        image = paper.image.resize(
            (round(paper.image.width * factor), round(paper.image.height * factor)),
            Image.Resampling.BOX,
        )
        words = tuple(
            Word(t.text, 95.0, Box(*(round(v * factor) for v in t.box.as_list())), t.line)
            for t in paper.words
        )
        return PageView(image=pagegen.jpeg(image, 70), words=words, dpi=dpi)

    result = compare_pages(scan(200), scan(300), overlay=False)
    assert result.registration.ok
    assert result.registration.scale == pytest.approx(2 / 3, abs=0.002)
    assert result.verdict == "identical", result.verdict_line
    assert result.regions == () and result.difference_count == 0
    assert (result.size, result.dpi) == (scan(200).image.size, 200)


# --- document level and JSON -------------------------------------------------------------


def test_document_verdict_and_json(scanned) -> None:
    original = scanned("original")
    result = compare_documents([(original, scanned("same")), (original, scanned("id_digit"))])
    assert result.verdict == "differences"
    assert result.difference_count == 1
    assert "trang 2" in result.verdict_line
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    first, second = data["pages"]
    assert first["verdict"] == "identical" and second["verdict"] == "differences"
    assert set(second) >= {
        "page",
        "verdict",
        "reason",
        "verdict_line",
        "difference_count",
        "scores",
        "transform",
        "text_ops",
        "regions",
        "colour_marks",
    }
    (change,) = [op for op in second["text_ops"] if op["status"] == "difference"]
    assert change["op"] == "replace" and change["critical"] is True
    assert len(change["box"]) == 4 and len(change["copy"][0]["box_in_original"]) == 4
    assert {"op": "replace", "original": "3", "copy": "8"} in change["chars"]
    assert second["transform"]["ok"] is True and len(second["transform"]["matrix"]) == 2


def test_no_pages_is_a_manual_check() -> None:
    assert compare_documents([]).verdict == "manual_check"


# --- the text diff and the verdict on their own ------------------------------------------


def w(text: str, x: int, line: int = 0, confidence: float = 95.0) -> Word:
    return Word(text=text, confidence=confidence, box=Box(x, 100, x + 60, 130), line=line)


def test_text_diff_ignores_punctuation_and_word_splits() -> None:
    original = (w("số", 0), w("008332395235;", 70), w("-", 200), w("ngày", 300))
    copy = (w("số", 0), w("0083323", 70), w("95235", 150), w("ngày", 300))
    ops = diff_words(original, copy, None)
    assert all(op.kind == "equal" for op in ops)


def test_text_diff_puts_the_copy_in_the_originals_reading_order() -> None:
    """Two columns read in the other order on the copy are not a difference."""
    original = (w("Lâm", 0, line=0), w("Bình", 70, line=0), w("Độc", 900, 1), w("lập", 970, 1))
    copy = (w("Độc", 900, 0), w("lập", 970, 0), w("Lâm", 0, 1), w("Bình", 70, 1))
    identity = Registration(((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)), "features", 50, 50, 0.1, 1.0, True)
    assert all(op.kind == "equal" for op in diff_words(original, copy, identity))
    # Without the geometry the same words come out as a move: delete here, insert there.
    assert any(op.kind != "equal" for op in diff_words(original, copy, None))


def test_uneven_replacement_is_split_by_place() -> None:
    """A signature stroke read as "X" on one page is its own change, apart from "Trần"."""
    identity = Registration(((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)), "features", 50, 50, 0.1, 1.0, True)
    original = (w("Ông", 0), w("X", 70), w("Trần", 140), w("Dợ", 210))
    copy = (w("Ông", 0), w("Trăn", 140), w("Dợ", 210))
    changed = [op for op in diff_words(original, copy, identity) if op.kind != "equal"]
    assert [(op.kind, op.original_text, op.copy_text) for op in changed] == [
        ("delete", "X", ""),
        ("replace", "Trần", "Trăn"),
    ]


def test_changed_digit_is_critical_and_a_changed_letter_is_not() -> None:
    ops = diff_words((w("1987", 0), w("Hà", 70)), (w("1981", 0), w("Hả", 70)), None)
    replaced = {op.original_text: op for op in ops if op.kind == "replace"}
    assert replaced["1987"].critical and not replaced["Hà"].critical


def evidence(**changes: object) -> Evidence:
    base: dict[str, object] = {
        "registration_ok": True,
        "confidence_original": 92.0,
        "confidence_copy": 91.0,
        "low_word_share": 0.0,
        "words_original": 120,
        "words_copy": 120,
        "uncertain": 0,
        "differences": 0,
        "critical": 0,
    }
    return Evidence(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"registration_ok": False}, "registration_failed"),
        ({"confidence_copy": 45.0}, "low_ocr_confidence"),
        ({"low_word_share": 0.2}, "low_ocr_confidence"),
        ({"differences": 13}, "too_many_differences"),
        ({"uncertain": 12}, "many_ocr_uncertain"),
        ({"words_copy": 0}, "no_text"),
        ({"unverified_critical": 1}, "unverified_digits"),
        ({"text_under_colour": 0.6}, "text_under_colour"),
    ],
)
def test_an_untrustworthy_comparison_is_never_identical(changes, reason) -> None:
    decision = decide(evidence(**changes))
    assert decision.verdict == "manual_check" and decision.reason == reason
    assert decision.line.startswith("Cần kiểm tra thủ công")
    assert decide(evidence()).verdict == "identical"
    assert decide(evidence(differences=2, critical=1)).line.startswith("Phát hiện 2 điểm khác nhau")


def test_confirmed_differences_win_over_unchecked_parts_but_not_over_poor_input() -> None:
    unchecked = decide(evidence(differences=1, critical=1, unverified_critical=1))
    assert unchecked.verdict == "differences" and "cần xem thêm" in unchecked.line
    poor = decide(evidence(differences=1, confidence_copy=40.0))
    assert poor.verdict == "manual_check" and "phát hiện 1 điểm khác nhau" in poor.line
