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
