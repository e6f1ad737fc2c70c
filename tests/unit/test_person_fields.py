"""One label reader for the person on any form: diplomas and household business certificates
in layouts the type's own extractor was never written for (bilingual labels, a label on
one line and its value on the next)."""

from __future__ import annotations

from classifiers.fields.extract import extract_fields
from classifiers.fields.field_types import PageText

BILINGUAL_DIPLOMA = """SOCIALIST REPUBLIC OF VIETNAM
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
BẰNG TỐT NGHIỆP ĐẠI HỌC
THE DEGREE OF BACHELOR
Họ và tên / Full name:
TRẦN THỊ MAI
Ngày sinh / Date of birth: 03/11/1999
Giới tính / Sex: Nữ
Xếp loại tốt nghiệp / Degree classification: Khá
Số hiệu / Serial No: A 0284517
Số vào sổ cấp bằng / Reg. No: 2021/ĐH-125"""

BUSINESS = """GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH
Mã số hộ kinh doanh: 47A8012345
Đăng ký lần đầu, ngày 12 tháng 3 năm 2021
1. Tên hộ kinh doanh: CỬA HÀNG TẠP HÓA BÌNH AN
2. Địa điểm kinh doanh: ấp Tân Lập, xã Tân Phú
3. Ngành, nghề kinh doanh: bán lẻ hàng tạp hóa
4. Thông tin về chủ hộ kinh doanh
Họ và tên: PHẠM VĂN BÌNH   Giới tính: Nam
Sinh ngày: 05/07/1985   Dân tộc: Kinh   Quốc tịch: Việt Nam
Số định danh cá nhân: 079085001234"""


def _values(document_type: str, text: str) -> dict[str, str]:
    found = extract_fields(document_type, [PageText(1, text)])
    return {name: field.value for name, field in found.items()}


def test_a_bilingual_diploma_gives_the_graduate_and_its_numbers() -> None:
    fields = _values("diploma", BILINGUAL_DIPLOMA)
    assert fields["full_name"] == "Trần Thị Mai"
    assert fields["date_of_birth"] == "1999-11-03"
    assert fields["sex"] == "female"
    assert fields["serial"] == "A 0284517"
    assert fields["registry_number"].startswith("2021/")


def test_a_household_business_certificate_gives_its_owner_and_first_registration() -> None:
    fields = _values("business_household_registration", BUSINESS)
    assert fields["registration_number"] == "47A8012345"
    assert fields["first_registration_date"] == "2021-03-12"
    assert fields["owner_name"] == "Phạm Văn Bình"
    assert fields["sex"] == "male"
    assert fields["date_of_birth"] == "1985-07-05"
    assert fields["id_number"] == "079085001234"


def test_a_diploma_naming_its_graduate_after_cho_gives_name_and_sex() -> None:
    text = (
        "BẰNG CỬ NHÂN\nTHE DEGREE OF BACHELOR\nNgành: Điều dưỡng\nCho: Bà THÀO THỊ MỶ\n"
        "Ngày sinh: 06/04/1976\nSố hiệu: 412807\nSố vào sổ cấp bằng: 2103/ĐH"
    )
    fields = _values("diploma", text)
    assert (fields["full_name"], fields["sex"]) == ("Thào Thị Mỷ", "female")
    assert fields["document_number"] == fields["registry_number"] == "2103/ĐH"
    assert fields["serial"] == "412807"


def test_a_diploma_naming_its_graduate_without_a_title_after_cho_or_upon() -> None:
    """No Ông/Bà before the name: the name still, and no sex guessed from it."""
    for line in ("Cho: Lương Thùy Thư", "Upon: Lương Thùy Thư"):
        fields = _values("diploma", f"BẰNG CỬ NHÂN\nNgành: Quản lý đất đai\n{line}\nSố hiệu: 41")
        assert fields["full_name"] == "Lương Thùy Thư", line
        assert "sex" not in fields
    # ``Ông`` before two syllables is the surname, not a title (``Ông Quang Ngữ``).
    fields = _values("diploma", "BẰNG CỬ NHÂN\nCho: Ông Quang Ngữ\nSố hiệu: 41")
    assert fields["full_name"] == "Ông Quang Ngữ"
    assert "sex" not in fields
    fields = _values("diploma", "BẰNG CỬ NHÂN\nCho: Ông Ông Văn Tài\nSố hiệu: 41")
    assert (fields["full_name"], fields["sex"]) == ("Ông Văn Tài", "male")
    # "Cho" opening a sentence is no grantee.
    fields = _values("diploma", "BẰNG CỬ NHÂN\nCho phép sinh viên tốt nghiệp")
    assert "full_name" not in fields


def test_a_bilingual_diplomas_two_halves_on_one_line_give_the_name_once() -> None:
    """``Upon: Ngô Quang Hiếu Cho: Ngô Quang Hiếu``: the other half's label ends the name."""
    for line in (
        "Upon: Ngô Quang Hiếu Cho: Ngô Quang Hiếu",
        "Cho: Ngô Quang Hiếu Upon: Ngô Quang Hiếu",
    ):
        fields = _values("diploma", f"THE DEGREE OF BACHELOR BẰNG CỬ NHÂN\n{line}\nSố hiệu: 41")
        assert fields["full_name"] == "Ngô Quang Hiếu", line


def test_bilingual_labels_with_their_values_below_them() -> None:
    """``Label / English label`` on one line and the value under it: the English half
    (also as OCR spells it, ``Date oƒ birth``) is the label's, never the value."""
    text = "\n".join(
        [
            "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
            "Họ, chữ đệm, tên / Full name",
            "Lý Mạnh Vinh",
            "Ngày, tháng, năm sinh / Date oƒ birth",
            "19/07/1978",
            "Tình trạng hôn nhân / Marital status",
            "Chưa đăng ký kết hôn với ai",
            "Mục đích sử dụng / Purpose",
            "Làm thủ tục mua bán nhà đất",
        ]
    )
    fields = extract_fields("marital_status", [PageText(1, text)])
    assert fields["date_of_birth"].value == "1978-07-19"
    assert fields["status"].value == "Chưa đăng ký kết hôn với ai"
    assert fields["purpose"].value == "Làm thủ tục mua bán nhà đất"


def test_sinh_ngay_with_the_date_on_the_line_below() -> None:
    text = "\n".join(
        [
            "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
            "Họ và tên chủ hộ kinh doanh",
            "KIỀU XUÂN KIÊN",
            "Giới tính",
            "Nam",
            "Sinh ngày",
            "18/05/1973",
        ]
    )
    fields = extract_fields("business_household_registration", [PageText(1, text)])
    assert fields["date_of_birth"].value == "1973-05-18"
    assert fields["sex"].value == "male"  # ``Nam`` is a value, not a date word


def test_a_ruled_cells_debris_a_broken_label_and_the_next_label_after_a_dash() -> None:
    """A bilingual landscape birth certificate as a noisy scan read it: the cell's edge
    before ``Nữ`` (``—_``), ``danh`` lost from ``Số định danh cá nhân`` (its English half
    ``Personal ID number`` read right), and ``Quyển số`` after the number and a dash."""
    text = (
        "GIẤY KHAI SINH\nBIRTH CERTIFICATE\nSố: 149 - Quyển số: 01/2023\n"
        "Giới tính / Sex\n—_ Nữ\nDân tộc / Ethnicity\nMông\n"
        "Số định ah cá nhân / Personal ID number\n006323802058 |"
    )
    fields = _values("birth_certificate", text)
    assert fields["sex"] == "female"
    assert fields["id_number"] == "006323802058"
    assert fields["document_number"] == "149"
    # A symbol in capitals after spaced separators is still the number's.
    assert _values("decision", "QUYẾT ĐỊNH\nSố: 12 / QĐ-UBND")["document_number"] == "12/QĐ-UBND"


def test_the_next_columns_word_run_into_the_labels_row_is_no_name() -> None:
    """A landscape death extract read as one column: the right column's ``Bệnh`` (read
    ``Đệnh``) ended up on the name label's row; the name is on the line under the label."""
    text = (
        "TRÍCH LỤC KHAI TỬ Tổ dân phố 14, phường Tam Thuận\n"
        "Số: 21/TLKT Quyển số: 01/2021 Nguyệt nhân Bế\n"
        "Họ, chữ đệm, tên người đã chết Đệnh\nPhan Hồng Vy\n"
        "Ngày, tháng, năm sinh\n10/05/1971\nDân tộc: Kinh"
    )
    fields = _values("death_extract", text)
    assert fields["full_name"] == "Phan Hồng Vy"
    assert fields["date_of_birth"] == "1971-05-10"
