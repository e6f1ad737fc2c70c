"""The page generator and the text metrics that every OCR test and benchmark leans on."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageFont

from testkit import pagegen
from testkit.pagegen import (
    DEGRADATIONS,
    SENTENCE_BANK,
    TONE_MARKS,
    VIETNAMESE_LETTERS,
    RenderedPage,
    render_page,
)
from testkit.textmetrics import cer, normalise, tone_mark_error_rate, wer

SMALL_DPI = 100  # degradations only need a page-shaped image, not a sharp one


@pytest.fixture(scope="module")
def filled_page() -> RenderedPage:
    return render_page(0)


@pytest.fixture(scope="module")
def tiny_page() -> RenderedPage:
    return render_page(4, dpi=SMALL_DPI, n_lines=14)


# --- the sentence bank -------------------------------------------------------------------


def test_alphabet_has_every_base_tone_and_case() -> None:
    assert len(VIETNAMESE_LETTERS) == 12 * 6 * 2 + 2
    assert len(set(VIETNAMESE_LETTERS)) == len(VIETNAMESE_LETTERS)
    assert all(len(ch) == 1 for ch in VIETNAMESE_LETTERS)  # all precomposed in NFC
    for ch in ("ặ", "Ặ", "ỹ", "Ỹ", "ờ", "Ử", "đ", "Đ"):
        assert ch in VIETNAMESE_LETTERS


def test_bank_uses_every_vowel_with_every_tone_in_both_cases() -> None:
    text = "".join(SENTENCE_BANK)
    missing = [ch for ch in VIETNAMESE_LETTERS if ch not in text]
    assert missing == []
    assert len(pagegen.BODY) >= 60
    assert all(unicodedata.is_normalized("NFC", s) for s in SENTENCE_BANK)


# --- rendering ---------------------------------------------------------------------------


def test_same_seed_same_page_and_other_seed_other_page() -> None:
    first, again = render_page(3, n_lines=8), render_page(3, n_lines=8)
    assert first.image.tobytes() == again.image.tobytes()
    assert first.text == again.text
    assert first.words == again.words
    assert render_page(5, n_lines=8).text != first.text


def test_page_geometry_and_line_cap() -> None:
    page = render_page(1, dpi=150, n_lines=8)
    assert page.image.mode == "RGB"
    assert page.image.size == (round(8.27 * 150), round(11.69 * 150))
    assert page.dpi == 150
    assert len(page.text.split("\n")) == 8


def test_default_page_fills_most_of_the_page(filled_page: RenderedPage) -> None:
    assert 30 <= len(filled_page.text.split("\n")) <= 45
    ink_rows = np.flatnonzero((np.asarray(filled_page.image.convert("L")) < 128).any(axis=1))
    assert ink_rows[-1] - ink_rows[0] > 0.75 * filled_page.image.height


def test_text_and_words_agree(filled_page: RenderedPage) -> None:
    lines = filled_page.text.split("\n")
    by_line: dict[int, list[str]] = {}
    for word in filled_page.words:
        by_line.setdefault(word.line, []).append(word.text)
    assert sorted(by_line) == list(range(len(lines)))
    for number, line in enumerate(lines):
        assert line == " ".join(by_line[number])
        assert line == line.strip() and "  " not in line


def test_truth_is_nfc_with_all_tones_and_d_bar_across_seeds() -> None:
    texts = [render_page(seed).text for seed in range(3)]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    joined = "".join(texts)
    assert "đ" in joined and "Đ" in joined
    marks = set(unicodedata.normalize("NFD", joined))
    for mark in (*TONE_MARKS[1:], "\u0302", "\u0306", "\u031b"):  # tones, hat, breve, horn
        assert mark in marks, f"U+{ord(mark):04X} never drawn"


def test_word_boxes_are_inside_tight_and_inked(filled_page: RenderedPage) -> None:
    gray = np.asarray(filled_page.image.convert("L"))
    height, width = gray.shape
    for word in filled_page.words:
        box = word.box
        assert 0 <= box.left < box.right <= width and 0 <= box.top < box.bottom <= height
        ink = gray[box.top : box.bottom, box.left : box.right] < 255
        assert (gray[box.top : box.bottom, box.left : box.right] < 128).any(), word
        # Tight: ink touches all four edges of the box.
        assert ink[0].any() and ink[-1].any() and ink[:, 0].any() and ink[:, -1].any(), word


def test_word_boxes_do_not_overlap_within_a_line(filled_page: RenderedPage) -> None:
    previous = None
    for word in filled_page.words:
        if previous is not None and previous.line == word.line:
            assert previous.box.right <= word.box.left
        previous = word


@pytest.mark.parametrize("engine", sorted({ImageFont.Layout.BASIC, pagegen.layout_engine()}))
@pytest.mark.parametrize("path", [pagegen.SERIF_REGULAR, pagegen.SERIF_BOLD])
def test_liberation_serif_2_has_every_glyph(path: Path, engine: ImageFont.Layout) -> None:
    """A missing glyph draws .notdef: compare with U+E000, which the font lacks."""
    font = ImageFont.truetype(str(path), 48, layout_engine=engine)

    def mask(ch: str) -> tuple[tuple[int, int], bytes]:
        rendered = font.getmask(ch)
        return rendered.size, bytes(rendered)

    tofu = mask("\ue000")
    used = set("".join(SENTENCE_BANK)) | set(VIETNAMESE_LETTERS)
    for ch in sorted(ch for ch in used if not ch.isspace()):
        size, pixels = mask(ch)
        assert (size, pixels) != tofu, f"{ch!r} renders as .notdef"
        assert any(pixels), f"{ch!r} renders nothing"


def test_precomposed_letters_render_with_their_marks() -> None:
    """A tone-marked letter must differ from its bare base, else the mark was lost."""
    font = pagegen.load_font(pagegen.SERIF_REGULAR, 48)
    for ch in VIETNAMESE_LETTERS:
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch:
            assert bytes(font.getmask(ch)) != bytes(font.getmask(base)), ch


# --- degradations ------------------------------------------------------------------------


def test_every_preset_returns_a_sensible_changed_image(tiny_page: RenderedPage) -> None:
    source = tiny_page.image
    w, h = source.size
    for name, preset in DEGRADATIONS.items():
        out = preset(source, 7)
        assert out.mode == "RGB", name
        if name in ("rot90", "rot270"):
            assert out.size == (h, w), name
        elif name.startswith(("skew", "combined")):
            assert w < out.width < 1.3 * w and h < out.height < 1.3 * h, name
        else:
            assert out.size == (w, h), name
        changed = out.size != source.size or out.tobytes() != source.tobytes()
        assert changed == (name != "clean"), name
        assert preset(source, 7).tobytes() == out.tobytes(), f"{name} is not deterministic"


def test_seeded_presets_depend_on_the_seed(tiny_page: RenderedPage) -> None:
    for name in ("salt_pepper", "shadow", "seal", "signature", "combined"):
        one = DEGRADATIONS[name](tiny_page.image, 1)
        two = DEGRADATIONS[name](tiny_page.image, 2)
        assert one.tobytes() != two.tobytes(), name


def test_quadrant_rotations_are_exact(tiny_page: RenderedPage) -> None:
    image = tiny_page.image
    back = pagegen.rotate_quadrant(pagegen.rotate_quadrant(image, 90), 270)
    assert back.tobytes() == image.tobytes()
    twice = pagegen.rotate_quadrant(pagegen.rotate_quadrant(image, 180), 180)
    assert twice.tobytes() == image.tobytes()
    with pytest.raises(ValueError):
        pagegen.rotate_quadrant(image, 45)


def test_skew_pads_with_white_paper(tiny_page: RenderedPage) -> None:
    out = np.asarray(pagegen.skew(tiny_page.image, 5.0))
    for corner in (out[0, 0], out[0, -1], out[-1, 0], out[-1, -1]):
        assert tuple(corner) == (255, 255, 255)


def test_salt_and_pepper_flips_the_requested_share() -> None:
    white = Image.new("RGB", (300, 300), "white")
    noisy = np.asarray(pagegen.salt_and_pepper(white, 0.1, seed=3))
    black_share = (noisy.max(axis=2) == 0).mean()
    assert 0.04 < black_share < 0.06  # half of 10 % is pepper; salt is invisible on white


def test_shadow_only_darkens_and_keeps_text_black(tiny_page: RenderedPage) -> None:
    before = np.asarray(tiny_page.image).astype(int)
    after = np.asarray(pagegen.uneven_shadow(tiny_page.image, 0.6, seed=5)).astype(int)
    assert (after <= before).all()
    paper = after[before.min(axis=2) == 255]
    assert paper.min() < 255 * 0.55  # the darkest paper lost about 60 %
    assert paper.max() > 200  # and some paper is still close to white
    assert (after[before.max(axis=2) == 0] == 0).all()


def test_jpeg_round_trip_is_lossy_but_close(tiny_page: RenderedPage) -> None:
    before = np.asarray(tiny_page.image).astype(int)
    after = np.asarray(pagegen.jpeg(tiny_page.image, 40)).astype(int)
    assert after.shape == before.shape
    assert 0 < np.abs(after - before).mean() < 10


def test_seal_puts_red_ink_over_text_and_text_stays_dark() -> None:
    page = render_page(2, dpi=150)
    before = np.asarray(page.image).astype(int)
    after = np.asarray(DEGRADATIONS["seal"](page.image, 2)).astype(int)
    red = (after[..., 0] > 150) & (after[..., 1] < 110) & (after[..., 2] < 110)
    assert red.sum() > 2000
    body_words = [w for w in page.words if w.line > 8]
    over_text = sum(
        red[w.box.top : w.box.bottom, w.box.left : w.box.right].sum() for w in body_words
    )
    assert over_text > 200, "the seal should land on body text"
    stamped = red.any(axis=1).nonzero()[0], red.any(axis=0).nonzero()[0]
    region = np.s_[stamped[0][0] : stamped[0][-1], stamped[1][0] : stamped[1][-1]]
    text_under_seal = before[region].max(axis=2) < 40
    assert text_under_seal.any()
    assert (after[region][text_under_seal].max(axis=1) < 60).all()


def test_seal_at_an_explicit_centre_and_off_the_page_edge() -> None:
    white = Image.new("RGB", (600, 600), "white")
    out = np.asarray(pagegen.red_seal(white, 1, center=(300, 300), dpi=150)).astype(int)
    red = (out[..., 0] > 150) & (out[..., 1] < 120)
    rows, cols = red.any(axis=1).nonzero()[0], red.any(axis=0).nonzero()[0]
    diameter = 2 * 1.8 / 2.54 * 150
    assert abs((rows[-1] - rows[0]) - diameter) < 0.12 * diameter
    assert abs((rows[-1] + rows[0]) / 2 - 300) < 10 and abs((cols[-1] + cols[0]) / 2 - 300) < 10
    corner = pagegen.red_seal(white, 1, center=(0, 0), dpi=150)
    assert corner.size == white.size


# --- writers -----------------------------------------------------------------------------


def test_writers_record_pages_and_dpi(tmp_path: Path, tiny_page: RenderedPage) -> None:
    first = tiny_page.image
    second = DEGRADATIONS["rot90"](first, 0)

    pdf = pagegen.save_pdf([first, second], tmp_path / "scan.pdf", SMALL_DPI)
    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) == 2
        for page, image in zip(doc.pages, (first, second), strict=True):
            box = [float(v) for v in page.mediabox]
            assert box[2] == pytest.approx(image.width * 72 / SMALL_DPI, abs=0.01)
            assert box[3] == pytest.approx(image.height * 72 / SMALL_DPI, abs=0.01)
            (xobject,) = page.get_images().values()
            assert (int(xobject.Width), int(xobject.Height)) == image.size
            assert "/Font" not in page.Resources  # image only, like a scan

    tiff = pagegen.save_tiff([first, second], tmp_path / "scan.tif", SMALL_DPI)
    with Image.open(tiff) as img:
        assert img.n_frames == 2
        assert img.info["compression"] == "tiff_lzw"
        assert tuple(img.info["dpi"]) == (SMALL_DPI, SMALL_DPI)
        img.seek(1)
        assert img.size == second.size

    jpg = pagegen.save_jpeg(first, tmp_path / "scan.jpg", SMALL_DPI, quality=80)
    with Image.open(jpg) as img:
        assert img.format == "JPEG" and tuple(img.info["dpi"]) == (SMALL_DPI, SMALL_DPI)

    png = pagegen.save_png(first, tmp_path / "scan.png", SMALL_DPI)
    with Image.open(png) as img:
        assert img.format == "PNG"
        assert img.info["dpi"] == pytest.approx((SMALL_DPI, SMALL_DPI), abs=0.01)
        assert img.convert("RGB").tobytes() == first.tobytes()


# --- text metrics ------------------------------------------------------------------------


def test_normalise_folds_whitespace_and_composes() -> None:
    raw = " \tXin\u00a0chào\n\n\fthe\u0302\u0301  giới \r\n"
    assert normalise(raw) == "Xin chào thế giới"
    assert normalise("ĐỘC LẬP") == "ĐỘC LẬP"  # case is kept
    assert normalise("") == "" and normalise(" \n ") == ""


def test_cer_by_hand() -> None:
    assert cer("abcd", "abed") == 0.25
    assert cer("Việt Nam", "Viet Nam") == 1 / 8
    assert cer("Việt\nNam", "Việt   Nam") == 0.0  # layout is not graded
    assert cer("a", "abc") == 2.0  # insertions can push CER past 1
    assert cer("", "") == 0.0 and cer(" \n", "") == 0.0
    assert cer("", "x") == 1.0


def test_wer_by_hand() -> None:
    # "hoà" (old tone placement) is another word than "hòa": one word of four.
    assert wer("Cộng hòa xã hội", "Cộng hoà xã hội") == 0.25
    assert cer("Cộng hòa xã hội", "Cộng hoà xã hội") == 2 / 15
    assert wer("một hai ba", "một ba") == 1 / 3
    assert wer("một hai", "một hai ba bốn") == 1.0
    assert wer("", "") == 0.0 and wer("", "chữ") == 1.0


def test_lost_tone_marks_show_in_tone_rate_not_much_in_cer() -> None:
    reference = "Số 15/QĐ-UBND ngày 07/7/2025"  # 28 characters, 3 marked: ố Đ à
    stripped = "So 15/QD-UBND ngay 07/7/2025"
    assert cer(reference, stripped) == 3 / 28
    assert tone_mark_error_rate(reference, stripped) == 1.0
    assert tone_mark_error_rate(reference, "So 15/QĐ-UBND ngay 07/7/2025") == 2 / 3
    assert tone_mark_error_rate(reference, reference) == 0.0


def test_tone_rate_counts_hats_deletions_and_ignores_insertions() -> None:
    assert tone_mark_error_rate("Việt", "Viêt") == 1.0  # ệ read as ê is wrong
    assert tone_mark_error_rate("Đặng", "Đng") == 0.5  # ặ deleted; Đ kept
    assert tone_mark_error_rate("Đặng", "Đặng Văn") == 0.0  # extra text is CER's business
    assert tone_mark_error_rate("Cộng hòa xã hội", "Cộng hoà xã hội") == 0.25
    assert tone_mark_error_rate("abc", "") == 0.0  # nothing marked, nothing to lose
    assert tone_mark_error_rate("", "") == 0.0
    assert tone_mark_error_rate("đ", "") == 1.0


def test_nfd_counts_the_same_as_nfc() -> None:
    reference = "Ủy ban nhân dân xã Lâm Bình, ngày 07 tháng 7 năm 2025"
    decomposed = unicodedata.normalize("NFD", reference)
    assert decomposed != reference
    assert cer(reference, decomposed) == 0.0
    assert wer(reference, decomposed) == 0.0
    assert tone_mark_error_rate(reference, decomposed) == 0.0
    damaged = "Uy ban nhân dân xã Lâm Bình, ngày 07 tháng 7 năm 2025"
    nfd_damaged = unicodedata.normalize("NFD", damaged)
    assert cer(decomposed, nfd_damaged) == cer(reference, damaged) == 1 / len(reference)
    assert tone_mark_error_rate(decomposed, nfd_damaged) == tone_mark_error_rate(reference, damaged)


# --- end to end --------------------------------------------------------------------------
