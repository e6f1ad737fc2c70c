"""People's names put right with the syllables Vietnamese names are made of.

Tesseract reads tone marks on capitals poorly: ``NGUYỄN`` comes back as
``NGUYÊN`` (a given name, never a surname) at 85 % confidence, ``TRẦN`` as
``TRÂN``, ``VĂN`` as ``VÃN``. A name has a known shape: a surname from a short
list (a dozen cover nine Vietnamese in ten), then middle and given names from a
few hundred syllables. So:

- the first syllable, when its accent-free form is a surname's, becomes that
  surname (the accent-free forms of the surnames listed here are unique);
- a middle syllable that is no name syllable and folds to a common middle
  name (``Vãn``) becomes it (``Văn``); other syllables are left as read, since
  names of the minorities (``Giàng``, ``Thào``, ``Dợ``) are missing from any
  short list and a "correction" to a Kinh name would be wrong;
- each correction lowers the field's confidence, and a syllable that stays
  unknown lowers it too, so the page shows the name for checking.

The lists are of syllables, not of people: they say which spellings exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.vietnamese import fold_accents


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = _words(
    """
    Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Lương
    Trịnh Đào Mai Cao Tạ Hà Lâm Tô Trương Quách Vương Lưu Châu Kiều Thái Triệu Đoàn Chu
    Tăng Lại Ông Khúc Giang Tống Nông Hứa Thạch Lò Quàng Mạc Lục Tôn Âu Văn Phùng
    Khổng Kim Diệp Hầu Từ Ninh Bế
    """
)
"""Surnames in use, most frequent first; no two share an accent-free form, so a misread
one is put right by that form."""

RARER_SURNAMES = _words(
    """
    Doãn Mã Ma Lã La Đồng Hàn Đàm Lữ Khương Quan Giàng Thào Vàng Sùng Lầu Mùa Hờ Tòng
    Sầm Bàn Chảo Phàn Tẩn Cầm Y Vi Lù Pờ Chá Xồng Hạng Ly
    """
)
"""Surnames left as read, never made: they share an accent-free form with a commoner
one (``Ma`` is a Tày surname, not a misread ``Mã``; ``Giàng``, ``Thào``, ``Vàng`` are
Hmong surnames, not ``Giang``, ``Thảo``, ``Vâng``)."""

NAME_SYLLABLES = frozenset(
    _words(
        """
        An Anh Biên Bá Bách Bình Bích Bạch Bảo Bằng Bội Chi Chinh Chiến Chung Chánh Chí
        Chính Cung Cát Công Cúc Cường Cảnh Cầm Cẩm Danh Diễm Diện Diệu Doanh Du Dung Duy
        Duyên Dân Dũng Dịu Gia Giao Gấm Hiếu Hiền Hiển Hiệp Hoa Hoan Hoài Hoàn Huy Huyền
        Huân Huấn Huệ Hào Hân Hòa Hùng Hưng Hương Hường Hạnh Hải Hảo Hậu Hằng Hồng Hợp Hữu
        Khang Khanh Khoa Khuê Khánh Khôi Khải Kiên Kiệt Lai Lam Lan Linh Liên Liễu Loan Long
        Luân Ly Lân Lập Lễ Lệ Lộc Lợi Lực Minh My Mạnh Mỹ Nam Nga Nghĩa Nguyên Nguyệt Ngân
        Ngọc Nhi Nhiên Nhung Nhàn Nhân Nhã Như Nhất Nhật Oanh Phong Phát Phú Phúc Phương
        Phước Phượng Phụng Quang Quyên Quyết Quân Quý Quảng Quế Quốc Quỳnh Sang Sinh Sáng
        Sơn Thanh Thi Thiện Thoa Thu Thuận Thy Thành Thân Thông Thúy Thư Thương Thảo Thắng
        Thị Thịnh Thủy Tiên Tiến Toàn Trang Trinh Triết Trung Trà Trâm Trí Trúc Trường Trọng
        Tuyết Tuấn Tài Tâm Tân Tín Tùng Tú Tường Tấn Uyên Vi Vinh Việt Vy Vân Vĩnh Xuân Yến
        Ánh Ân Ý Đan Điệp Đoan Đình Đông Đăng Đại Đạo Đạt Định Đồng Đức
        """
    )
) | frozenset(SURNAMES + RARER_SURNAMES)
"""Syllables of middle and given names (and the surnames, which are names too)."""

MIDDLE_NAMES = {
    _k: _v
    for _v in ["Thị", "Văn", "Hữu", "Đức", "Đình", "Ngọc", "Quốc", "Xuân", "Công", "Bảo", "Gia"]
    for _k in [fold_accents(_v).lower()]
}
"""The commonest middle names: in the middle of a name, a syllable that is no name
syllable and folds to one of these is that one (``Vãn`` → ``Văn``, not ``Vân``), and
``Thi`` is ``Thị`` (as a middle name ``Thi`` is all but unknown)."""


def _key(syllable: str) -> str:
    return fold_accents(syllable).lower()


_SURNAME_BY_KEY = {}
for _surname in SURNAMES:
    _SURNAME_BY_KEY.setdefault(_key(_surname), _surname)

_SYLLABLES_BY_KEY: dict[str, list[str]] = {}
for _syllable in sorted(NAME_SYLLABLES):
    _SYLLABLES_BY_KEY.setdefault(_key(_syllable), []).append(_syllable)


@dataclass(frozen=True)
class NameReading:
    """A name as corrected, with how many syllables changed and how many stay unknown."""

    name: str
    corrected: int
    unknown: int


def correct_name(name: str) -> NameReading:
    """``Nguyên Văn An`` → ``Nguyễn Văn An`` (1 corrected); the name in Title Case as given.

    A name written without any accent (``Tran Thi Lan``: a passport's or a
    foreign form's spelling) is left as written: that spelling is the document's.
    """
    syllables = name.split()
    if fold_accents(name) == name:
        return NameReading(name, 0, 0)
    corrected = unknown = 0
    out = []
    for position, syllable in enumerate(syllables):
        key = _key(syllable)
        better = syllable
        middle = 0 < position < len(syllables) - 1
        surname = syllable in SURNAMES or syllable in RARER_SURNAMES
        if position == 0 and len(syllables) >= 2 and not surname and key in _SURNAME_BY_KEY:
            better = _SURNAME_BY_KEY[key]
        elif middle and key in MIDDLE_NAMES and (key == "thi" or syllable not in NAME_SYLLABLES):
            better = MIDDLE_NAMES[key]
        elif syllable not in NAME_SYLLABLES:
            unknown += 1  # left as read: most such syllables are names the lists lack
        corrected += better != syllable
        out.append(better)
    return NameReading(" ".join(out), corrected, unknown)
