"""Names put right by the syllables Vietnamese names are made of (what OCR does to capitals)."""

from __future__ import annotations

import pytest

from classifiers.fields.person_names import correct_name


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("Nguyên Văn An", "Nguyễn Văn An"),  # NGUYỄN read as NGUYÊN: the clerk's trial
        ("Trân Thị Lan", "Trần Thị Lan"),
        ("Pham Thi Hương", "Phạm Thị Hương"),
        ("Lê Vãn Hùng", "Lê Văn Hùng"),
        ("Đăng Ngọc Ánh", "Đặng Ngọc Ánh"),
        ("Bui Đức Thắng", "Bùi Đức Thắng"),
    ],
)
def test_misread_syllables_are_put_right_and_counted(read: str, meant: str) -> None:
    reading = correct_name(read)
    assert reading.name == meant
    assert reading.corrected >= 1


@pytest.mark.parametrize(
    "name", ["Nguyễn Văn An", "Trần Thị Thu Hằng", "Lê Nguyên Khôi", "Hoàng Vân Anh"]
)
def test_right_names_are_left_alone(name: str) -> None:
    """``Nguyên`` is a given name and ``Vân`` a middle name: only a surname's place changes them."""
    assert correct_name(name) == correct_name(name).__class__(name, 0, 0)


def test_a_syllable_no_name_has_stays_and_is_counted_unknown() -> None:
    reading = correct_name("Nguyễn Văn Xyz")
    assert reading.name == "Nguyễn Văn Xyz"
    assert (reading.corrected, reading.unknown) == (0, 1)


def test_no_two_surnames_fold_alike() -> None:
    """A surname's place is put right by its accent-free form, so that form must name one."""
    from classifiers.fields.person_names import SURNAMES, _key

    keys = [_key(s) for s in SURNAMES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    "name", ["Giàng Bá Kỳ", "Thào Văn Thắng", "Y Gia Lâm", "Ông Kim Dợ", "Ma Thu Yến"]
)
def test_minority_names_are_not_turned_into_kinh_names(name: str) -> None:
    """The classification benchmark caught ``Thào`` → ``Thảo`` and ``Dợ`` → ``Đỗ``."""
    assert correct_name(name).name == name


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("Lưu Thị Chỉ", "Lưu Thị Chi"),  # a stray hook: Chi, commoner than Chí, one mark off
        ("Nguyễn Thị Hãng", "Nguyễn Thị Hằng"),  # breve and grave read as a tilde
        ("Trần Thị Thứ", "Trần Thị Thư"),  # one mark off Thư, two off Thu
        ("Nguyễn Văn Hãi", "Nguyễn Văn Hải"),  # one mark off Hải and Hai: the commoner
        ("Phạm Thể Sưu", "Phạm Thế Sửu"),
        ("Trịnh Thị Glang", "Trịnh Thị Giang"),  # GIANG's I read as l
        ("Thào Hoang Phuc", "Thào Hoàng Phúc"),  # capitals' marks lost in an accented name
        ("Glàng Ngọc Duyên", "Giàng Ngọc Duyên"),  # a surname's I read as l: its marks decide
        ("Glang Văn An", "Giang Văn An"),
        # Ân and Ẩn are each one tone off and neither is ranked: a hook read as an acute,
        # not an acute made up (unseen draw 17000).
        ("Nguyễn Duy Ấn", "Nguyễn Duy Ẩn"),
        # A letter read twice: one of the two dropped, the commoner name kept.
        ("Cao Thị Kim Chíi", "Cao Thị Kim Chi"),
        ("Lê Thị Hoaa", "Lê Thị Hoa"),
        ("LƯƠNG GIA ẤN", "Lương Gia Ẩn"),
    ],
)
def test_a_given_syllable_no_name_has_becomes_the_nearest_name(read: str, meant: str) -> None:
    reading = correct_name(read)
    assert reading.name == meant
    assert reading.corrected == sum(
        a != b for a, b in zip(read.split(), meant.split(), strict=True)
    )


def test_a_syllable_far_from_every_name_is_left_as_read() -> None:
    """``Huộng`` is four marks from ``Hương``, ``Hường`` and ``Hưởng``: another word, not a
    misreading (two, ``Hoẵng`` for ``Hoàng``, still is one)."""
    assert correct_name("Lê Văn Huộng") == correct_name("Lê Văn Huộng").__class__(
        "Lê Văn Huộng", 0, 1
    )
    assert correct_name("Lê Văn Hoẵng").name == "Lê Văn Hoàng"


def test_no_surname_only_syllable_is_put_in_a_given_name() -> None:
    """``Hạng`` (a surname) is one mark from ``Hãng`` and ``Hằng`` two; a given name is
    made only of given-name syllables."""
    from classifiers.fields.person_names import GIVEN_SYLLABLES

    assert "Hạng" not in GIVEN_SYLLABLES
    assert correct_name("Võ Thị Hãng").name == "Võ Thị Hằng"


def test_the_commonness_list_names_each_given_name_once_and_only_listed_ones() -> None:
    from classifiers.fields.person_names import COMMON_GIVEN, GIVEN_SYLLABLES

    assert len(COMMON_GIVEN) == len(set(COMMON_GIVEN))
    assert set(COMMON_GIVEN) <= GIVEN_SYLLABLES
