"""Head of household and land holder, on layouts written here (not the generator's)."""

from __future__ import annotations

import pytest

from classifiers.fields import PageText
from classifiers.fields.extract import extract_fields


def _read(document_type: str, text: str, field: str) -> str | None:
    found = extract_fields(document_type, [PageText(1, text)]).get(field)
    return found.value if found else None


@pytest.mark.parametrize(
    ("text", "head"),
    [
        (
            "SỔ HỘ KHẨU\nSố: 123456789\nHọ và tên chủ hộ: ĐINH VĂN TÚ\nChỗ ở hiện nay: xã A",
            "Đinh Văn Tú",
        ),
        ("SỔ HỘ KHẨU\nChủ hộ: Bà Lò Thị Mai\nĐịa chỉ: bản Nà Sự", "Lò Thị Mai"),
        (
            "Họ và tên: PHAN THỊ HOA\nQuan hệ với chủ hộ: Con\n"
            "Họ và tên: PHAN VĂN BẢY\nQuan hệ với chủ hộ: Chủ hộ\nNgày sinh: 01/02/1950",
            "Phan Văn Bảy",
        ),
        # The name under its label: its syllables are each a letter off a label word
        # (``hoang``/``ho``, ``tien``/``ten``, ``cuong``/``chong``); still a name.
        ("SỔ HỘ KHẨU\nHọ và tên chủ hộ\nHOÀNG TIẾN CƯỜNG\nNơi thường trú", "Hoàng Tiến Cường"),
        # The cover's name lost by OCR: the address under the label is no name, and the
        # member whose relation (under its label) reads ``Chủ hộ`` is the head.
        (
            "SỔ HỘ KHẨU\nHọ và tên chủ hộ\nThôn Tân Lập, xã Đức Phố, huyện Châu Thành\n"
            "Họ và tên\nTạ Duy Bình\nQuan hệ với chủ hộ\nChủ hộ\nSinh ngày\n01/01/1959\n"
            "Họ và tên\nPhạm Thu Thảo\nQuan hệ với chủ hộ\nVợ",
            "Tạ Duy Bình",
        ),
    ],
)
def test_head_of_household(text: str, head: str) -> None:
    assert _read("household_book", text, "head_of_household") == head


def test_no_head_is_guessed() -> None:
    text = "SỔ HỘ KHẨU\nHọ và tên: PHAN THỊ HOA\nQuan hệ với chủ hộ: Con"
    assert _read("household_book", text, "head_of_household") is None
    below = "SỔ HỘ KHẨU\nHọ và tên chủ hộ\nThôn Tân Lập, xã Đức Phố\nHọ và tên\nPHAN THỊ HOA"
    assert _read("household_book", below + "\nQuan hệ với chủ hộ\nCon", "head_of_household") is None


@pytest.mark.parametrize(
    ("text", "holder"),
    [
        (
            "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT\nI. NGƯỜI SỬ DỤNG ĐẤT\n"
            "Hộ ông: TRẦN VĂN LỢI và bà NGUYỄN THỊ MƠ\nĐịa chỉ thường trú: thôn 3",
            "Trần Văn Lợi",
        ),
        (
            "1. Người được cấp giấy chứng nhận\nHọ và tên: Hoàng Thị Yến  Năm sinh: 1970\n"
            "CCCD số 001170012345",
            "Hoàng Thị Yến",
        ),
        ("CH 236040\nBà: VÀNG THỊ DẾ\nThửa đất số: 12", "Vàng Thị Dế"),
        # The section's title and the holder in one row of a table (unseen draw 13001).
        (
            "1. Người sử dụng đất, chủ sở hữu tài sản Bà: ĐÀO MỸ HỒNG, sinh năm 1951, "
            "CCCD số: 056151194663\n2. Thửa đất số 60; tờ bản đồ số 34",
            "Đào Mỹ Hồng",
        ),
        (
            "I. Người sử dụng đất | Hộ ông: LÊ VĂN TÁM; sinh năm 1960\nĐịa chỉ: xã Bà Rịa",
            "Lê Văn Tám",
        ),
        # Specks and a rule's underscores before the title (unseen draw 14000).
        (
            "L1. Người sử dụng đất, chủ sở hữu nhà ở\n"
            "._.. Ông: LÒ BÁ NGUYÊN, sinh năm 1942, CCCD số: 004042884846 -",
            "Lò Bá Nguyên",
        ),
    ],
)
def test_land_holder(text: str, holder: str) -> None:
    assert _read("land_use_certificate", text, "holder_name") == holder


def test_a_later_transfer_is_not_the_holder() -> None:
    text = (
        "IV. NHỮNG THAY ĐỔI SAU KHI CẤP GIẤY CHỨNG NHẬN\n"
        "Chuyển nhượng cho ông Lê Văn Tám theo hồ sơ số 123"
    )
    assert _read("land_use_certificate", text, "holder_name") is None
