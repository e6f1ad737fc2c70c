"""The attestation stamp is found however OCR broke it: one line, two lines, or its book alone."""

from __future__ import annotations

from classifiers.folded_text import attested_in_rows, is_certified_copy, split_page
from ocr.words import Box, Word, print_rows
from tests.placed_words import STAMP_IN_COLUMNS, placed_words, tesseract_text

BODY = "GIẤY KHAI SINH\nHọ, chữ đệm, tên: Lê Văn Bình\nNgày, tháng, năm sinh: 02/03/2019"


def _certified(text: str) -> bool:
    return is_certified_copy([split_page(1, text)])


def test_the_opener_on_one_line() -> None:
    assert _certified(f"{BODY}\nCHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH\nSố chứng thực: 12")


def test_the_opener_broken_over_two_lines() -> None:
    text = f"{BODY}\nCHỨNG THỰC BẢN SAO ĐÚNG\nVỚI BẢN CHÍNH\nSố chứng thực: 12"
    page = split_page(1, text)
    assert is_certified_copy([page])
    # The stamp's lines are cut out of what the type model reads.
    assert not any("ban chinh" in line for line in page.content_folded)


def test_the_opener_lost_but_the_book_of_copies_read() -> None:
    stamp = "CH.. TH.\nSố chứng thực: 1254\nQuyển số: 03/2026-SCT/BS\nNgày 12 tháng 5 năm 2026"
    assert _certified(f"{BODY}\n{stamp}")


def test_the_opener_lost_and_the_book_read_before_the_number() -> None:
    """A stamp pressed askew, read row by row: its book's line came out above its number's."""
    stamp = "Quyển số' 07/2026-SCT/BS\nSố chứng thực: 4642 SỐ:\nNgày 25 tháng 05 năm 2026"
    page = split_page(1, f"{BODY}\n{stamp}")
    assert is_certified_copy([page])
    assert not any("quyen so" in line for line in page.content_folded)
    assert not _certified(f"{BODY}\nQuyển số: 02/2026-SCT/CK\nSố chứng thực: 88")
    assert not _certified(f"{BODY}\nSố: 145 Quyển số: 01/2019\nNơi sinh: Bệnh viện tỉnh")


def test_an_original_with_a_register_book_is_not_a_certified_copy() -> None:
    """A birth certificate's own ``Quyển số`` is a civil-status register, not the copies' book."""
    assert not _certified(f"{BODY}\nSố: 145\nQuyển số: 01/2019")


def test_a_signature_certification_is_not_a_certified_copy() -> None:
    assert not _certified(f"{BODY}\nSố chứng thực: 88\nQuyển số: 02/2026-SCT/CK")


def test_a_body_sentence_naming_the_procedure_is_not_a_stamp() -> None:
    text = (
        f"{BODY}\nĐề nghị chứng thực bản sao đúng với bản chính các giấy tờ sau đây để nộp"
        " hồ sơ xin việc tại công ty"
    )
    assert not _certified(text)


def test_the_opener_cut_short_with_the_stamps_lines_under_it() -> None:
    """A seal over the stamp's right half leaves ``CHỨNG THỰC BA``; its number line follows."""
    stamp = "CHỨNG THỰC BA\nSố chứng thực: 1909. Quyến số: 05/2026-5C\nNGƯỜI THỰC HIỆN"
    assert _certified(f"{BODY}\n{stamp}")


def test_the_opener_cut_short_alone_is_not_enough() -> None:
    assert not _certified(f"{BODY}\nCHỨNG THỰC BA\nNgười ký: Lê Văn Bình")


def test_the_number_and_the_book_with_the_book_mark_smudged() -> None:
    assert _certified(f"{BODY}\nSố chứng thực: 767 Quyển số: 03/2026-S?T")


def test_a_signature_certification_with_its_book_mark_smudged_is_not_a_copy() -> None:
    text = (
        f"{BODY}\nÔng Lê Văn Bình đã ký vào giấy tờ này trước mặt tôi\n"
        "Số chứng thực: 88 Quyển số: 02/2026-S?T"
    )
    assert not _certified(text)


def test_a_label_printed_under_the_stamp_is_the_papers_not_the_stamps() -> None:
    """A diploma's ``Số hiệu`` just under the stamp stays with the diploma's fields."""
    text = (
        "BẰNG CỬ NHÂN\nCHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH\nSố chứng thực: 12 Quyển số: 3\n"
        "Số hiệu: QA6031128\nSố vào sổ cấp bằng: 9120/2013"
    )
    page = split_page(1, text)
    assert is_certified_copy([page])
    assert "Số hiệu: QA6031128" in page.content_lines
    assert "Số chứng thực: 12 Quyển số: 3" not in page.content_lines


def test_the_originals_dateline_read_inside_the_stamp_stays_the_papers() -> None:
    """The stamp pressed beside the dateline: OCR reads the dateline among the stamp's
    lines. Of two dates there, the earlier is the original's (unseen draw 14000)."""
    stamp = (
        "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH\nSố chứng thực: 1243 Quyển số\n"
        "Cẩm Xuyên, ngày 24 tháng 12 năm 2018\n05/2026-SCT/BS\nNgày 02 tháng 12 năm 2026"
    )
    page = split_page(1, f"{BODY}\n{stamp}")
    assert "Cẩm Xuyên, ngày 24 tháng 12 năm 2018" in page.content_lines
    assert "Ngày 02 tháng 12 năm 2026" not in page.content_lines
    # One date only: the stamp's own, whatever it says.
    alone = split_page(1, f"{BODY}\n" + stamp.replace("Cẩm Xuyên, ngày 24 tháng 12 năm 2018\n", ""))
    assert "Ngày 02 tháng 12 năm 2026" not in alone.content_lines
    # The same day twice cannot be told apart: both stay the stamp's.
    same = split_page(
        1, f"{BODY}\n" + stamp.replace("24 tháng 12 năm 2018", "02 tháng 12 năm 2026")
    )
    assert not any("2026" in line for line in same.content_lines)


def test_a_dateline_whose_place_reads_like_the_stamps_book_is_the_papers() -> None:
    """``Quế Sơn, ngày …`` just above the stamp folds to ``que son ngay``, within OCR's
    tolerance of the stamp's ``quyen so``: it stays the paper's dateline."""
    text = f"{BODY}\nQuế Sơn, ngày 01 tháng 07 năm 2018\nCHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH"
    page = split_page(1, text + "\nSố chứng thực: 1169 Quyển số: 06/2026-SCT/BS")
    assert is_certified_copy([page])
    assert "Quế Sơn, ngày 01 tháng 07 năm 2018" in page.content_lines


def test_the_opener_read_right_then_garbled_under_a_seal() -> None:
    """A seal and a signature over ``SAO ĐÚNG VỚI BẢN`` turn the rest of the line into
    garbage; its first sixteen letters and the number line under it still say it."""
    stamp = 'CHỨNG THỰC BẢN SA AM VƯNQẦN CHÍNH\nSố chứng thực: 2133 d8 "CN nh'
    assert _certified(f"{BODY}\n{stamp}")


def test_the_procedures_name_as_a_heading_is_not_a_stamp() -> None:
    """``Chứng thực bản sao từ bản chính`` starts like the opener; a form or a report
    heads its section with it, and its lines talk about who certifies."""
    text = f"{BODY}\nCHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH\nNgười thực hiện chứng thực: công chức"
    assert not _certified(text)


def test_a_signatures_certification_garbled_is_not_the_opener() -> None:
    assert not _certified(f"{BODY}\nCHỨNG THỰC CHỮ KÝ X8 ĐÃ\nSố chứng thực: 88")


def test_the_openers_two_ends_with_its_middle_garbled() -> None:
    """A blue stamp on a coarse JPEG: ``CHỨNG THỰC BẢM 5A2 £U1@ v1? RÁN CHÍNH``, thirteen
    letters right at its start and ``bản chính`` at its end, the number line under it."""
    stamp = "CHỨNG THỰC BẢM 5A2 £U1@ v1? RÁN CHÍNH\nSố chứng thục 4567 “}!w@f' sơ, G4/207"
    assert _certified(f"{BODY}\n{stamp}")
    # A signature's certification ends with ``bản chính`` too, but starts otherwise.
    assert not _certified(f"{BODY}\nCHỨNG THỰC CHỮ KÝ TRÊN BẢN CHÍNH\nSố chứng thực: 88")
    # Its start alone, garbled after it, is not enough when its end is not the opener's.
    assert not _certified(f"{BODY}\nCHỨNG THỰC BẢM 5A2 £U1@ v1? RÁN DỊCH\nSố chứng thực: 88")
    # The two ends with no stamp line under them are no stamp.
    assert not _certified(f"{BODY}\nCHỨNG THỰC BẢM 5A2 £U1@ v1? RÁN CHÍNH\nNơi sinh: Huế")


def test_a_stamp_read_column_by_column_is_found_in_the_rows_it_stands_on() -> None:
    assert not _certified(tesseract_text(STAMP_IN_COLUMNS))  # Tesseract's order hides it
    rows = [" ".join(w.text for w in row) for row in print_rows(placed_words(STAMP_IN_COLUMNS))]
    assert "CHƯNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH" in rows
    assert "Số chứng thực: 4 757 số: 10/2026-SCT/BS" in rows
    assert attested_in_rows(placed_words(STAMP_IN_COLUMNS))
    original = [p for p in STAMP_IN_COLUMNS if p[1:3] < (250, 1700)]
    assert not attested_in_rows(placed_words(original))


def test_rows_follow_a_line_pressed_askew_and_part_at_a_column_gap() -> None:
    opener = ["CHỨNG", "THỰC", "BẢN", "SAO", "ĐÚNG", "VỚI", "BẢN", "CHÍNH"]
    askew = [Word(t, 90.0, Box(100 + 70 * i, 500 + 6 * i, 160 + 70 * i, 520 + 6 * i), 9 - i)
             for i, t in enumerate(opener)]  # fmt: skip
    # 42 px lower at its end than at its start: more than two words' height, one row still.
    assert [[w.text for w in row] for row in print_rows(askew)] == [opener]
    columns = placed_words([("Tây Ninh, ngày 23", 100, 300, 0), ("HIỆU TRƯỞNG", 900, 302, 1)])
    assert [" ".join(w.text for w in row) for row in print_rows(columns)] == [
        "Tây Ninh, ngày 23",
        "HIỆU TRƯỞNG",
    ]


def test_a_signature_certification_in_columns_is_not_a_copy() -> None:
    signature = [
        ("CHỨNG THỰC CHỮ KÝ", 250, 1760, 2),
        ("Số chứng thực: 4", 250, 1830, 3),
        ("757 Quyển số: 10/2026-SCT/CK", 530, 1828, 6),
        ("đã ký trước mặt tôi", 250, 1880, 4),
    ]
    assert not attested_in_rows(placed_words(signature))
