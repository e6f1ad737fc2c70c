"""The old nine-digit ID card (GIẤY CHỨNG MINH NHÂN DÂN) read as an ID card, with its own labels."""

from __future__ import annotations

from classifiers.fields.extract import extract_fields
from classifiers.fields.field_types import PageText

FRONT = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY CHỨNG MINH NHÂN DÂN
SỐ 025814736
Họ tên NGUYÊN VĂN AN
Sinh ngày 12-04-1978
Nguyên quán xã Tân Phú, huyện Đức Hòa, Long An
Nơi ĐKHK thường trú ấp 3, xã Mỹ Hạnh Nam
huyện Đức Hòa, Long An"""


def test_the_old_card_gives_its_number_name_birth_origin_and_residence() -> None:
    fields = {
        name: f.value for name, f in extract_fields("citizen_id", [PageText(1, FRONT)], []).items()
    }
    assert fields["old_id_number"] == "025814736"
    # The card's only number is its ID number too (other papers cite the card by it),
    # with no twelve-digit structure to check and so no problem reported.
    assert fields["id_number"] == "025814736"
    assert "id_number_problems" not in fields
    assert fields["full_name"] == "Nguyễn Văn An"  # NGUYỄN read as NGUYÊN, put right
    assert fields["date_of_birth"] == "1978-04-12"
    assert fields["place_of_origin"].startswith("xã Tân Phú")
    assert fields["place_of_residence"].startswith("ấp 3, xã Mỹ Hạnh Nam")


def test_a_chip_card_number_is_not_taken_for_an_old_one() -> None:
    text = "CĂN CƯỚC CÔNG DÂN\nSố / No.: 001090012345\nHọ và tên / Full name: LÊ THỊ HOA"
    fields = extract_fields("citizen_id", [PageText(1, text)], [])
    assert "old_id_number" not in fields


GARBLED = """à CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM 1.
nh = non. -Tự đo - - Hạnh phúc `3
cấu CHỨNG MINH NHÂN ĐẬN `
Wj - —. - 227 784. 088.
Hộ » TRẦN THỊ KIM ANH '
Ä- sminay. 18-09-1953 `
à-! : Nguyên quán' Cư Mgar, Can Lộc, Hà Giang ¬
" Dân tộc: Mường... Tôn giáo: Công giáo
. Sẹo chấm cách 2cm trên sau đuôi mắt trái
BỊ: NGÓN TRỎ PHẢI |]... - Ngày 21 tháng 7 năm 2014 ẲN
GIÁM ĐỐC CA TỈNH HÀ GIANG"""


def test_a_photocopied_old_card_whose_labels_were_lost_is_read_by_its_order() -> None:
    """``Số`` gone with the red ink, ``Họ tên`` read ``Hộ »``, ``Sinh ngày`` read ``sminay``:
    the number, the name and the birth date are still the lines under the title, in that
    order, and the card's issue date is the back's ``Ngày … tháng … năm``."""
    fields = extract_fields("citizen_id", [PageText(1, GARBLED)], [])
    values = {name: f.value for name, f in fields.items()}
    assert values["old_id_number"] == values["id_number"] == "227784088"
    assert values["full_name"] == "Trần Thị Kim Anh"
    assert values["date_of_birth"] == "1953-09-18"
    assert values["issue_date"] == "2014-07-21"
    assert values["place_of_origin"] == "Cư Mgar, Can Lộc, Hà Giang"
    # Found by place, not by label: less sure than a labelled value.
    assert fields["full_name"].confidence < 0.7


def test_without_the_old_title_no_value_is_taken_by_its_place() -> None:
    text = GARBLED.replace("cấu CHỨNG MINH NHÂN ĐẬN `", "GIẤY XÁC NHẬN")
    fields = extract_fields("citizen_id", [PageText(1, text)], [])
    assert "full_name" not in fields and "old_id_number" not in fields


CARD_2024_BACK = """Nơi cư trú / Place of residence
Khối 3, Võ Nhai, Phong Điền, Hải Dương
Ngày, tháng, năm cấp / Date of issue Ngày, tháng, năm hết hạn / Date of expiry
{values}
BỘ CÔNG AN"""


def test_one_date_read_under_both_card_dates_is_kept_only_where_it_can_be() -> None:
    """OCR lost one of the two dates of a 2024 card's row: the one left is its expiry
    when it is still to come (no card is issued in the future), its issue date if past."""
    future = extract_fields(
        "citizen_id", [PageText(1, CARD_2024_BACK.format(values="13/03/2040"))], []
    )
    assert future["expiry_date"].value == "2040-03-13"
    assert "issue_date" not in future and "id_number_problems" not in future
    past = extract_fields(
        "citizen_id", [PageText(1, CARD_2024_BACK.format(values="13/03/2025"))], []
    )
    assert past["issue_date"].value == "2025-03-13" and "expiry_date" not in past


def test_a_cards_row_of_sex_and_nationality_gives_the_nationality_alone() -> None:
    text = "Giới tính / Sex Quốc tịch / Nationality\nNữ Việt Nam"
    fields = extract_fields("citizen_id", [PageText(1, text)], [])
    assert fields["nationality"].value == "Việt Nam"
    assert fields["sex"].value == "female"


def test_a_blurred_old_card_whose_title_and_dateline_are_misread() -> None:
    """``CHỨNG MINH`` read ``CHỨNG NIINH``, ``Số`` read ``Sĩ``, ``Họ tên`` read ``Hosêa``,
    the back's ``Ngày`` read ``Ngùy``: the title is still the old card's, and every value
    is found by its place."""
    text = "\n".join(
        [
            "CỘNG HÔA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "GIẤY CHỨNG NIINH NHÂN DÂN",
            "Sĩ 903 743 923",
            "Hosêa HUỲNH THỊ KIM THẢO",
            "Sinh ngày 10-05-1986",
            "Nguyên quán Mường Khương, Bình Lục, Lâm Đồng",
            "ĐẤU VẾT RIÊNG VÀ DỊ HÌNH",
            "...ônma Max ma Ngùy 26 tháng 12 năm 2009",
            "GIÁM ĐỐC CA TỈNH LÂM ĐỒNG",
        ]
    )
    values = {n: f.value for n, f in extract_fields("citizen_id", [PageText(1, text)], []).items()}
    assert values["old_id_number"] == values["id_number"] == "903743923"
    assert values["full_name"] == "Huỳnh Thị Kim Thảo"
    assert values["issue_date"] == "2009-12-26"
