"""A land title's inner pages, photographed alone, are still a land title."""

from __future__ import annotations

import pytest

from classifiers.folded_text import split_page
from classifiers.rules import rule_scores


@pytest.mark.parametrize(
    "title",
    [
        "IV. NHỮNG THAY ĐỔI SAU KHI CẤP GIẤY CHỨNG NHẬN",
        "III. SƠ ĐỒ THỬA ĐẤT, NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT",
        "II. THỬA ĐẤT, NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT",
    ],
)
def test_a_section_title_of_an_inner_page_names_the_land_title(title: str) -> None:
    text = f"{title}\nNội dung thay đổi và cơ sở pháp lý\nXác nhận của cơ quan có thẩm quyền"
    scores, _ = rule_scores([split_page(1, text)])
    assert max(scores, key=scores.get) == "land_use_certificate"


def test_a_numbered_line_is_not_a_title_because_of_its_number() -> None:
    scores, _ = rule_scores([split_page(1, "II. NỘI DUNG CÔNG VIỆC ĐÃ THỰC HIỆN")])
    assert scores == {}
