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
    assert "id_number" not in fields  # nine digits are not a twelve-digit personal number
    assert fields["full_name"] == "Nguyễn Văn An"  # NGUYỄN read as NGUYÊN, put right
    assert fields["date_of_birth"] == "1978-04-12"
    assert fields["place_of_origin"].startswith("xã Tân Phú")
    assert fields["place_of_residence"].startswith("ấp 3, xã Mỹ Hạnh Nam")


def test_a_chip_card_number_is_not_taken_for_an_old_one() -> None:
    text = "CĂN CƯỚC CÔNG DÂN\nSố / No.: 001090012345\nHọ và tên / Full name: LÊ THỊ HOA"
    fields = extract_fields("citizen_id", [PageText(1, text)], [])
    assert "old_id_number" not in fields
