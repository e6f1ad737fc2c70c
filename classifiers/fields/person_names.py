"""People's names put right with the syllables Vietnamese names are made of.

Tesseract reads tone marks on capitals poorly: ``NGUYỄN`` comes back as
``NGUYÊN`` (a given name, never a surname) at 85 % confidence, ``TRẦN`` as
``TRÂN``, ``VĂN`` as ``VÃN``. A name has a known shape: a surname from a short
list (a dozen cover nine Vietnamese in ten), then middle and given names from a
few hundred syllables. So:

- the first syllable, when its accent-free form is a surname's, becomes that
  surname (the accent-free forms of the surnames listed here are unique);
- a middle syllable that is no name syllable and folds to a common middle
  name (``Vãn``) becomes it (``Văn``);
- any other middle or given syllable that is no name syllable becomes the name
  syllable of its letters nearest in marks (``Hãng`` → ``Hằng``, ``Chỉ`` → ``Chi``,
  ``HOANG`` in an accented name → ``Hoàng``), the commoner name on a tie, and one
  letter Tesseract confuses on capitals (``GLANG`` → ``Giang``) may be put right
  on the way. Names of the minorities (``Giàng``, ``Thào``, ``Dợ``, ``Vừ``) are
  listed as name syllables for this, so they are never "corrected" to a Kinh
  name; a syllable with no listed name of its letters is left as read;
- each correction lowers the field's confidence, and a syllable that stays
  unknown lowers it too, so the page shows the name for checking.

The lists are of syllables, not of people: they say which spellings exist.
"""

from __future__ import annotations

import unicodedata
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

GIVEN_SYLLABLES = frozenset(
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
        Ái Bắc Bảy Bền Cần Cẩn Cương Chương Chiêu Chuẩn Chúc Châu Cơ Dạ Diệp Dương Đài
        Đào Điền Giang Giáp Hà Hạ Hai Hiên Hiệu Hinh Hoà Hoá Hoàng Hội Hợi Hưởng Khiêm
        Khoan Kim Kha Khả Kỳ Ký Lạc Lành Lâm Lịch Liêm Lĩnh Luyến Lụa Lương Lượng Lựu Mai
        Mận Mẫn Mến Miên Mơ Mùi Mừng Năm Nết Nghiêm Nghị Ngà Nhạn Nhẫn Nhu Nhựt Ninh Nở
        Phấn Phi Phiên Quỳ Sa Sâm Sáu Sen Sỹ Sĩ Tám Thạch Thái Thăng Thắm Thế Thơ Thơm
        Thuần Thục Thùy Thuý Thức Thường Tịnh Tình Toại Toản Tới Trân Triều Tuân Tuyên
        Tuyền Tư Tứ Tươi Tưởng Ước Út Uyển Viên Vũ Vui Vượng Xinh Xuyến Yên Hoàn Hiển
        Hậu Khuyên Lệ Lý Nhuận Phụng Quyền Quý Thuấn Trực Vịnh Chiến Hoạt Kha Kiều Đô
        Độ Ngư Nguyện Hy Huỳnh Lưu Tín Thạnh Tố Trác Uy Vĩ Khương Nhâm Tý Sửu Dần Mão
        Thìn Tỵ Ngọ Thân Dậu Tuất Ẩn Ngữ Ngự Khiết Khởi Kỷ Luật Mỵ Nghi Ngôn Phẩm Quới Sử
        Sương Tạo Thạo Thoại Thời Thuyết Tiệp Tính Trãi Trị Tuệ Tỷ Vạn Vỹ Vương Xuyên Nương
        Thêu Lài Nhị Trầm Biền Chiểu Cư Cử Dinh Đạm Điềm Đôn Hạo Hoành Học Hỷ Kính Lãm Lăng
        Luận Mậu Ngạn Nhượng Phán Thạc Thao Thiêm Thiều Thọ Tiếp Tuyển Uẩn Ứng Xương Khai
        Khuyến Lũy
        """
    )
) | frozenset(
    _words(
        """
        Dợ Vừ Mỷ Pó Sính Páo Chứ Pử Sủng Dính Lử Chư Sềnh Nủ Xá Lềnh Sày Chẩu Cháng Dìn
        A Dế Pháo Ửng Súa Sếnh Chống Mua Tủa Lầu Cở Giống Chinh Dung
        """
    )
)
"""Syllables of middle and given names, with names of the minorities that Kinh lists
lack: what a misread syllable in the middle or at the end of a name is put right to."""

NAME_SYLLABLES = GIVEN_SYLLABLES | frozenset(SURNAMES + RARER_SURNAMES)
"""Every name syllable (the surnames are names too): one found here is never changed in
the middle or at the end of a name."""

COMMON_GIVEN = _words(
    """
    Anh Linh Hương Trang Hà Ngọc Thanh Thảo Hằng Huyền Lan Phương Thủy Dung Nhung Mai Hoa
    Hiền Hồng Nga Loan Yến Vân Thu Hải Hùng Dũng Tuấn Minh Nam Long Hưng Hiếu Đức Thắng
    Sơn Quang Hoàng Trung Cường Hòa Bình Hạnh Thành Tâm Tú Chi Quân Huy Khánh Phúc Lộc
    Tài Vinh Việt An Giang Lâm Tùng Kiên Toàn Phong Hiệp Tiến Thịnh Hậu Thư Uyên
    Vy Nhi My Ngân Quỳnh Trinh Châu Hân Lành Thơ Tươi Mận Hợi Hạ Hai
    """
)
"""Given names, commonest first (in the order of their rough frequency): between two
name syllables equally near a misread one, the commoner is taken."""

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
for _syllable in sorted(GIVEN_SYLLABLES):
    _SYLLABLES_BY_KEY.setdefault(_key(_syllable), []).append(_syllable)


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
"""Combining marks of the five tones (huyền, sắc, ngã, hỏi, nặng)."""

MAX_MARK_EDITS = 2
"""Most marks a misread syllable may differ by from the name put in its place: a tone
taken for another and a breve lost (``Hãng`` for ``Hằng``) is two; more is another
word, not a misreading."""

CAPITAL_CONFUSIONS = (("l", "i"), ("i", "l"), ("1", "i"), ("0", "o"))
"""Letters Tesseract takes for one another on capitals (``GLANG`` for ``GIANG``): tried,
one at a time, on a syllable whose letters make no name."""

_RANK = {name: rank for rank, name in reversed(list(enumerate(COMMON_GIVEN)))}


def _marks(syllable: str) -> tuple[str, frozenset[tuple[int, str]], bool]:
    """A syllable's tone, the marks on its letters (by letter position) and its đ."""
    tone = ""
    shapes: set[tuple[int, str]] = set()
    letter = -1
    for ch in unicodedata.normalize("NFD", syllable.lower()):
        if not unicodedata.combining(ch):
            letter += 1
        elif ch in _TONES:
            tone = ch
        else:
            shapes.add((letter, ch))
    return tone, frozenset(shapes), "đ" in syllable.lower()


def _mark_edits(read: str, name: str) -> int:
    """Marks to add, drop or change to make ``read`` into ``name`` (same letters)."""
    tone_a, shapes_a, stroke_a = _marks(read)
    tone_b, shapes_b, stroke_b = _marks(name)
    return (tone_a != tone_b) + len(shapes_a ^ shapes_b) + (stroke_a != stroke_b)


def _nearest_name(
    syllable: str,
    names_by_key: dict[str, list[str]] | None = None,
    rank: dict[str, int] | None = None,
) -> str | None:
    """The name syllable ``syllable`` is most likely a misreading of, or None.

    Same letters first; failing that, one capital confusion (``Glang`` → ``Giang``).
    Among names of the same letters, the fewest mark edits win, then the commoner; between
    names the commonness list does not rank, one whose tone OCR took for another before
    one whose tone it would have made up from nothing (``Ấn`` is ``Ẩn``, the hook above
    read as the acute beside the circumflex, rather than ``Ân`` with an acute invented;
    unseen draw 17000, five times; the tie was left to code-point order before).
    Given names by default; ``names_by_key`` and ``rank`` give the surnames instead.
    """
    names_by_key = _SYLLABLES_BY_KEY if names_by_key is None else names_by_key
    rank = _RANK if rank is None else rank
    key = _key(syllable)
    names = names_by_key.get(key, [])
    if not names:
        for wrong, right in CAPITAL_CONFUSIONS:
            for at in (i for i, ch in enumerate(key) if ch == wrong):
                names = names or names_by_key.get(key[:at] + right + key[at + 1 :], [])
        if not names:
            return None
    tone = _marks(syllable)[0]
    scored = [
        (_mark_edits(syllable, n), rank.get(n, len(rank)), bool(tone) and not _marks(n)[0], n)
        for n in names
    ]
    edits, _, _, best = min(scored)
    return best if edits <= MAX_MARK_EDITS else None


_ALL_SURNAMES_BY_KEY: dict[str, list[str]] = {}
for _surname in SURNAMES + RARER_SURNAMES:
    _ALL_SURNAMES_BY_KEY.setdefault(_key(_surname), []).append(_surname)
_SURNAME_RANK = {name: rank for rank, name in enumerate(SURNAMES + RARER_SURNAMES)}


def _misread_surname(syllable: str) -> str | None:
    """A first syllable whose letters are no surname's, put right by one capital confusion
    (``GLÀNG`` → ``Giàng``: the marks read choose between ``Giang`` and ``Giàng``)."""
    if _key(syllable) in _ALL_SURNAMES_BY_KEY:
        return None
    return _nearest_name(syllable, _ALL_SURNAMES_BY_KEY, _SURNAME_RANK)


def _one_of_a_doubled_letter(syllable: str) -> str | None:
    """A letter OCR read twice (``Chíi``, ``Ứửng``: one vowel, two readings side by side,
    unseen draws 17000 and 18000): the name syllable left by dropping one of the two, the
    commoner when both are names (a tie between unranked names falls to code-point order,
    the readings saying nothing of which is right); None if neither is a name."""
    lower = syllable.lower()
    names = set()
    for at in range(len(lower) - 1):
        if _key(lower[at]) == _key(lower[at + 1]):
            for drop in (at, at + 1):
                kept = syllable[:drop] + syllable[drop + 1 :]
                kept = kept[:1].upper() + kept[1:].lower()
                if kept in GIVEN_SYLLABLES:
                    names.add(kept)
    if not names:
        return None
    return min(names, key=lambda name: (_RANK.get(name, len(_RANK)), name))


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
        first = position == 0 and len(syllables) >= 2 and not surname
        if first and key in _SURNAME_BY_KEY:
            better = _SURNAME_BY_KEY[key]
        elif first and (misread := _misread_surname(syllable)) is not None:
            better = misread
        elif middle and key in MIDDLE_NAMES and (key == "thi" or syllable not in NAME_SYLLABLES):
            better = MIDDLE_NAMES[key]
        elif syllable not in NAME_SYLLABLES:
            nearest = None
            if position > 0:
                nearest = _nearest_name(syllable) or _one_of_a_doubled_letter(syllable)
            if nearest is None:
                unknown += 1  # left as read: no listed name is spelt with these letters
            else:
                better = nearest
        corrected += better != syllable
        out.append(better)
    return NameReading(" ".join(out), corrected, unknown)
