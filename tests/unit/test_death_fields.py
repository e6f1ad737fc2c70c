"""A death extract names its person as the one who died, on every layout."""

from __future__ import annotations

import pytest

from classifiers.fields import PageText
from classifiers.fields.extract import extract_fields


@pytest.mark.parametrize(
    "line",
    [
        "Họ, chữ đệm, tên người đã chết: CAO THÙY MY",
        "Họ, chữ đệm, tên người đã chết \t CAO THÙY MY",  # a table's cells
        "Họ và tên người chết: Cao Thùy My",
        "Họ và tên: CAO THÙY MY",
    ],
)
def test_the_deceased_is_the_death_extracts_person(line: str) -> None:
    text = f"TRÍCH LỤC KHAI TỬ\nSố: 12/TLKT-BS\n{line}\nNgày, tháng, năm chết: 01/02/2024"
    found = extract_fields("death_extract", [PageText(1, text)])
    assert found["full_name"].value == "Cao Thùy My"
    assert found["date_of_death"].value == "2024-02-01"


def test_the_person_who_declared_the_death_is_not_the_deceased() -> None:
    text = "TRÍCH LỤC KHAI TỬ\nHọ, chữ đệm, tên người đi khai tử: LÊ VĂN BA"
    assert "full_name" not in extract_fields("death_extract", [PageText(1, text)])


def test_the_deceased_label_wrapped_in_its_cell() -> None:
    """A ruled table's narrow label cell: ``Họ, chữ đệm, tên người đã`` beside the name,
    ``chết`` on the line under it; the name is the deceased's, and ``chết`` is no part of it."""
    text = "TRÍCH LỤC KHAI TỬ\nHọ, chữ đệm, tên người đã | Hà Hồng Oanh\nchết\nGiới tính Nữ"
    fields = extract_fields("death_extract", [PageText(1, text)])
    assert fields["full_name"].value == "Hà Hồng Oanh"
