"""A file that holds several papers is cut where a new title or a blank separator begins."""

from __future__ import annotations

from classifiers.document_parts import Part, document_parts
from classifiers.folded_text import split_page

BIRTH = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nGIẤY KHAI SINH\nHọ, chữ đệm, tên: Lê Văn Bình"
CARD = "CĂN CƯỚC CÔNG DÂN\nSố / No.: 001090012345\nHọ và tên / Full name: LÊ THỊ HOA"
FORM = "TỜ KHAI ĐĂNG KÝ KHAI SINH\nKính gửi: Ủy ban nhân dân xã Tân Phú\nHọ và tên người yêu cầu"
LAND = "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT\nQUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT"
LAND_INNER = "IV. NHỮNG THAY ĐỔI SAU KHI CẤP GIẤY CHỨNG NHẬN\nNội dung thay đổi và cơ sở pháp lý"
PLAIN = "tiếp theo trang trước, các bên cam kết thực hiện đúng các điều khoản đã thỏa thuận"


def _parts(*texts: str) -> list[Part]:
    return document_parts([split_page(n, t) for n, t in enumerate(texts, start=1)])


def test_three_papers_in_one_scan_are_three_parts() -> None:
    parts = _parts(BIRTH, CARD, FORM)
    assert [p.pages for p in parts] == [(1,), (2,), (3,)]
    assert [p.title_type for p in parts] == ["birth_certificate", "citizen_id", "application_form"]


def test_a_papers_own_pages_stay_together() -> None:
    assert [p.pages for p in _parts(LAND, LAND_INNER, PLAIN)] == [(1, 2, 3)]


def test_a_blank_separator_starts_a_new_part_and_is_dropped() -> None:
    assert [p.pages for p in _parts(PLAIN, "", PLAIN)] == [(1,), (3,)]


def test_one_paper_is_one_part() -> None:
    assert _parts(BIRTH) == [Part((1,), "birth_certificate")]
