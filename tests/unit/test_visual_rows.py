"""Labels and values the OCR's layout analysis put apart (a ruled table read column by
column) are put back together from the word boxes (``classifiers.fields.visual_rows``)."""

from __future__ import annotations

from classifiers.fields import PageText
from classifiers.fields.extract import extract_fields
from classifiers.fields.visual_rows import row_page, visual_rows
from ocr.words import Box, Word

# A diploma's table: label cells at x 100–560, value cells at x 900–, one row per 60 px.
TABLE = [
    ("Họ và tên:", "NGUYỄN THỊ HẠNH"),
    ("Ngày sinh:", "14/03/2001"),
    ("Giới tính:", "Nữ"),
    ("Số hiệu:", "A 0123456"),
]


def _words_of(text: str, left: int, top: int, line: int) -> list[Word]:
    words, x = [], left
    for token in text.split():
        width = 22 * len(token)
        words.append(Word(token, 90.0, Box(x, top, x + width, top + 40), line))
        x += width + 14
    return words


def table_page() -> PageText:
    """As Tesseract gives such a table: the title, every label, then every value."""
    words = _words_of("BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG", 300, 100, 0)
    lines = ["BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG"]
    for row, (label, _) in enumerate(TABLE):
        words += _words_of(label, 100, 300 + 60 * row, len(lines))
        lines.append(label)
    for row, (_, value) in enumerate(TABLE):
        words += _words_of(value, 900, 302 + 60 * row, len(lines))
        lines.append(value)
    return PageText(1, "\n".join(lines), tuple(words))


def test_rows_put_each_label_beside_its_value() -> None:
    page = row_page(table_page())
    assert page is not None
    lines = page.text.split("\n")
    assert lines[0] == "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG"
    assert lines[1] == "Họ và tên: \t NGUYỄN THỊ HẠNH"
    assert lines[3] == "Giới tính: \t Nữ"
    assert [w.line for w in page.words if w.text == "14/03/2001"] == [2]


def test_a_table_read_column_by_column_gives_its_fields() -> None:
    page = table_page()
    found = extract_fields("diploma", [page])
    assert found["full_name"].value == "Nguyễn Thị Hạnh"
    assert found["date_of_birth"].value == "2001-03-14"
    assert found["sex"].value == "female"
    # The box of a value found on a row is the value's own words.
    box = found["full_name"].box
    assert box is not None and box[0] >= 900
    # Without boxes (plain text), only the lines count: nothing is guessed.
    plain = extract_fields("diploma", [PageText(1, page.text)])
    assert "full_name" not in plain and "date_of_birth" not in plain


def test_the_lines_win_where_they_read_a_field() -> None:
    """A value the OCR's lines give is kept even when the rows would read another."""
    page = table_page()
    text = page.text.replace("Ngày sinh:", "Ngày sinh: 01/01/1999", 1)
    found = extract_fields("diploma", [PageText(1, text, page.words)])
    assert found["date_of_birth"].value == "1999-01-01"
    assert found["full_name"].value == "Nguyễn Thị Hạnh"  # only the rows had it


def test_words_on_one_visual_row_share_it_despite_skew() -> None:
    words = [
        Word("A", 90, Box(0, 100, 20, 140), 0),
        Word("B", 90, Box(400, 112, 420, 152), 5),  # 12 px lower: same row
        Word("C", 90, Box(0, 170, 20, 210), 1),
    ]
    assert [[w.text for w in row] for row in visual_rows(words)] == [["A", "B"], ["C"]]


def test_a_row_of_labels_over_a_row_of_values_is_read_pair_by_pair() -> None:
    """``Giới tính  Ngày sinh`` printed over ``Nữ  14/03/2001``: each label gets the value
    under it, not the whole row below."""
    words = _words_of("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", 300, 100, 0)
    words += _words_of("Họ và tên", 100, 300, 1)
    words += _words_of("PHAN THỊ MAI", 100, 350, 2)
    words += _words_of("Giới tính", 100, 430, 3) + _words_of("Ngày sinh", 900, 430, 3)
    words += _words_of("Nữ", 120, 480, 4) + _words_of("14/03/2001", 910, 480, 4)
    text = "\n".join(
        [
            "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
            "Họ và tên",
            "PHAN THỊ MAI",
            "Giới tính Ngày sinh",
            "Nữ 14/03/2001",
        ]
    )
    page = PageText(1, text, tuple(words))
    rows = row_page(page)
    assert rows is not None
    assert rows.text.split("\n")[-2:] == ["Giới tính: Nữ", "Ngày sinh: 14/03/2001"]
    found = extract_fields("marital_status", [page])
    assert (found["sex"].value, found["date_of_birth"].value) == ("female", "2001-03-14")
    assert found["full_name"].value == "Phan Thị Mai"


def test_words_near_names_are_never_a_name() -> None:
    text = "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH\nHọ và tên: (Ký, ghi rõ họ tên, đóng dấu)"
    assert "owner_name" not in extract_fields(
        "business_household_registration", [PageText(1, text)]
    )
    assert "full_name" not in extract_fields("diploma", [PageText(1, "Họ và tên: Bản sao")])


def test_one_value_under_two_date_labels_answers_one_of_them() -> None:
    """A card's ``Ngày cấp | Ngày hết hạn`` row with one value left by OCR, photographed
    askew so that the value sits on the labels' row: the rows reader gives it to the
    first label, the lines to the last. It is one printed date, given to one label (the
    expiry, still to come), not to both."""
    words = _words_of("CĂN CƯỚC", 300, 100, 0)
    words += _words_of("Ngày, tháng, năm cấp / Date of issue", 100, 300, 1)
    words += _words_of("Ngày, tháng, năm hết hạn / Date of expiry", 1000, 300, 1)
    words += _words_of("13/03/2040", 1110, 318, 2)
    text = (
        "CĂN CƯỚC\nNgày, tháng, năm cấp / Date of issue "
        "Ngày, tháng, năm hết hạn / Date of expiry\n13/03/2040"
    )
    found = extract_fields("citizen_id", [PageText(1, text, tuple(words))])
    assert found["expiry_date"].value == "2040-03-13"
    assert "issue_date" not in found


# A landscape birth certificate's two halves (unseen draw 15000): the child on the left,
# the parents on the right, each label over its value, the halves' rows not level.
LEFT_HALF = [
    "GIẤY KHAI SINH",
    "Họ, chữ đệm, tên / Full name",
    "TÔ THỊ TUYẾT",
    "Ngày, tháng, năm sinh / Date of birth",
    "19/05/2019",
    "Giới tính / Sex",
    "Nữ",
]
RIGHT_HALF = [
    "Họ, chữ đệm, tên người mẹ / Mother's full name",
    "CHU DIỆU HUYỀN",
    "Năm sinh của mẹ / Mother's year of birth",
    "1986",
    "Họ, chữ đệm, tên người cha / Father's full name",
    "TÔ CÔNG PHÁO",
    "Năm sinh của cha / Father's year of birth",
]


def halves_read_across() -> PageText:
    """As Tesseract read the sheet: one line from each half, side by side."""
    words: list[Word] = []
    lines = []
    for row in range(max(len(LEFT_HALF), len(RIGHT_HALF))):
        line = []
        if row < len(LEFT_HALF):
            words += _words_of(LEFT_HALF[row], 100, 100 + 60 * row, row)
            line.append(LEFT_HALF[row])
        if row < len(RIGHT_HALF) - 1:  # the right half starts a line lower
            words += _words_of(RIGHT_HALF[row], 1600, 130 + 60 * row, row)
            line.append(RIGHT_HALF[row])
        lines.append(" ".join(line))
    return PageText(1, "\n".join(lines), tuple(words))


def test_two_halves_read_across_are_read_again_by_column() -> None:
    page = halves_read_across()
    assert page.text.splitlines()[1] == "Họ, chữ đệm, tên / Full name CHU DIỆU HUYỀN"
    fields = {k: f.value for k, f in extract_fields("birth_certificate", [page]).items()}
    assert fields["full_name"] == "Tô Thị Tuyết"
    assert fields["date_of_birth"] == "2019-05-19"
    assert fields["sex"] == "female"
    assert fields["mother_name"] == "Chu Diệu Huyền"
    assert fields["father_name"] == "Tô Công Pháo"


def test_a_page_in_one_column_has_no_column_reading() -> None:
    from classifiers.fields.visual_rows import column_page

    # Labels in one column and their values in the other: a table, read by rows instead.
    assert column_page(table_page()) is None
    words = _words_of("Họ và tên: NGUYỄN VĂN AN", 100, 100, 0)
    words += _words_of("Ngày sinh: 01/02/1990", 100, 160, 1)
    assert (
        column_page(PageText(1, "Họ và tên: NGUYỄN VĂN AN\nNgày sinh: 01/02/1990", tuple(words)))
        is None
    )
