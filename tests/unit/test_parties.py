"""A contract's and a power of attorney's parties, each read inside its own section."""

from __future__ import annotations

import pytest

from classifiers.fields.extract import extract_fields
from classifiers.fields.field_types import PageText

CONTRACT = """HỢP ĐỒNG MUA BÁN NHÀ Ở
BÊN BÁN (sau đây gọi là Bên A):
Bà: TRIỆU THỊ HUỆ
Số CCCD: 024186001234
BÊN MUA (sau đây gọi là Bên B):
Ông: HUỲNH HOÀNG PHONG
Điều 3. QUYỀN VÀ NGHĨA VỤ CỦA BÊN A
Bên A có nghĩa vụ giao nhà cho Bên B."""

ATTORNEY = """GIẤY ỦY QUYỀN
1. Người ủy quyền:
Họ và tên: ĐỖ ĐÌNH KHANG
Ngày sinh: 25/02/1956
2. Người được ủy quyền:
Họ và tên: ĐINH THU NGA
3. Nội dung ủy quyền:"""


def _values(document_type: str, text: str) -> dict[str, str]:
    found = extract_fields(document_type, [PageText(1, text)])
    return {name: field.value for name, field in found.items()}


def test_each_party_of_a_contract_is_the_name_in_its_section() -> None:
    fields = _values("contract", CONTRACT)
    assert (fields["party_a"], fields["party_b"]) == ("Triệu Thị Huệ", "Huỳnh Hoàng Phong")


def test_a_power_of_attorney_with_numbered_sentence_case_headers() -> None:
    fields = _values("power_of_attorney", ATTORNEY)
    assert (fields["grantor_name"], fields["agent_name"]) == ("Đỗ Đình Khang", "Đinh Thu Nga")


def test_a_party_without_a_name_in_its_section_is_missing_not_borrowed() -> None:
    """Bên A's name missing: Bên B's name must not be taken for it."""
    text = CONTRACT.replace("Bà: TRIỆU THỊ HUỆ\n", "")
    fields = _values("contract", text)
    assert "party_a" not in fields and fields["party_b"] == "Huỳnh Hoàng Phong"


def _boxed(rows: list[list[tuple[str, int]]]) -> PageText:
    """Rows of cells (text, left) as OCR boxes; the OCR text runs each row's cells together."""
    from ocr.words import Box, Word

    placed, lines = [], []
    for number, row in enumerate(rows):
        for text, left in row:
            x = left
            for token in text.split():
                width = 22 * len(token)
                placed.append(
                    Word(
                        token, 90.0, Box(x, 100 + 70 * number, x + width, 140 + 70 * number), number
                    )
                )
                x += width + 14
        lines.append(" ".join(text for text, _ in row))
    return PageText(1, "\n".join(lines), tuple(placed))


@pytest.mark.parametrize(
    ("document_type", "titles", "label", "fields"),
    [
        ("contract", ("BÊN A (Bên bán)", "BÊN B (Bên mua)"), "Ông/Bà", ("party_a", "party_b")),
        (
            "power_of_attorney",
            ("BÊN ỦY QUYỀN", "BÊN NHẬN ỦY QUYỀN"),
            "Họ và tên:",
            ("grantor_name", "agent_name"),
        ),
    ],
)
def test_parties_side_by_side_in_a_table(document_type, titles, label, fields) -> None:
    title = "HỢP ĐỒNG MUA BÁN" if document_type == "contract" else "GIẤY ỦY QUYỀN"
    page = _boxed(
        [
            [(title, 500)],
            [(titles[0], 600), (titles[1], 1300)],
            [(label, 100), ("TẠ GIA TUẤN", 600), ("HỨA BẢO LỤA", 1300)],
        ]
    )
    found = extract_fields(document_type, [page])
    assert (found[fields[0]].value, found[fields[1]].value) == ("Tạ Gia Tuấn", "Hứa Bảo Lụa")


def test_each_column_repeating_the_name_label() -> None:
    page = _boxed(
        [
            [("GIẤY ỦY QUYỀN", 500)],
            [("BÊN ỦY QUYỀN", 100), ("BÊN ĐƯỢC ỦY QUYỀN", 1000)],
            [("Họ và tên: TẠ GIA TUẤN", 100), ("Họ và tên: HỨA BẢO LỤA", 1000)],
        ]
    )
    found = extract_fields("power_of_attorney", [page])
    assert (found["grantor_name"].value, found["agent_name"].value) == (
        "Tạ Gia Tuấn",
        "Hứa Bảo Lụa",
    )


def test_column_titles_read_one_under_the_other_keep_their_order() -> None:
    """Two columns read row by row: both titles, then both names; the first name is the
    first column's (the grantor's), not the one after the agent's title."""
    text = (
        "GIẤY ỦY QUYỀN\nBÊN ỦY QUYỀN\nBÊN ĐƯỢC ỦY QUYỀN\nHọ và tên: KIỀU NGỌC NHUNG\n"
        "Họ và tên: ĐỖ QUỐC TRUNG\nSinh ngày: 06/04/1985\nSinh ngày: 08/06/1984"
    )
    fields = extract_fields("power_of_attorney", [PageText(1, text)])
    assert fields["grantor_name"].value == "Kiều Ngọc Nhung"
    assert fields["agent_name"].value == "Đỗ Quốc Trung"


BOXED = """HỢP ĐỒNG TẶNG CHO QUYỀN SỬ DỤNG ĐẤT
BÊN TẶNG CHO (sau đây gọi là Bên A)
Họ và tên
LÊ ĐỨC SANG
Ngày sinh
14/11/1943
BÊN ĐƯỢC TẶNG CHO (sau đây gọi là Bên B)
Họ và tên
PHẠM THỊ LINH
Điều 1. Đối tượng của hợp đồng
BÊN A BÊN B
Lê Đức Sang Phạm Thị Linh"""


def test_sentence_case_introductions_and_a_signature_row_of_titles() -> None:
    """Boxed sections introduced ``BÊN TẶNG CHO (sau đây gọi là Bên A)`` (mostly lower
    case), names below their labels, and ``BÊN A  BÊN B`` over the signatures at the
    foot: the titles' row is not a table of the parties, the sections are."""
    fields = _values("contract", BOXED)
    assert (fields["party_a"], fields["party_b"]) == ("Lê Đức Sang", "Phạm Thị Linh")


def test_the_agents_header_lost_the_second_named_person_is_the_agent() -> None:
    """``NGƯỜI ĐƯỢC ỦY QUYỀN`` lost under OCR: two people named by label, two parties, the
    grantor's header agreeing with the first; the signature's caption names no one."""
    text = ATTORNEY.replace("2. Người được ủy quyền:\n", "") + "\nBÊN ĐƯỢC ỦY QUYỀN\nĐinh Thu Nga"
    fields = _values("power_of_attorney", text)
    assert (fields["grantor_name"], fields["agent_name"]) == ("Đỗ Đình Khang", "Đinh Thu Nga")
    # A third person named: which is the agent cannot be told, so none is guessed.
    third = text.replace("3. Nội dung", "Họ và tên: LÊ VĂN BA\n3. Nội dung")
    assert "agent_name" not in _values("power_of_attorney", third)
