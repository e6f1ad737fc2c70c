"""Title rules on lines OCR merged or garbled: what names a paper when its title is hurt."""

from __future__ import annotations

import pytest

from classifiers.folded_text import split_page
from classifiers.rules import rule_scores

# A bilingual landscape birth certificate as OCR read it (unseen draw 16000): the red
# Vietnamese title garbled, the English title merged with the mother's row beside it.
LANDSCAPE_BIRTH = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY KHAI ATSTNH
Số: 109
Họ, chữ đệm, tên / Full name
VŨ TRỌNG TRUNG
Ngày, tháng, năm sinh / Date oƒ birth
18/06/2020
Giới tính / Sex
Nam
BIRTH CERTIFICATE Họ, chữ đệm, tên người mẹ / Mother's full name
NGUYỄN THÙY LAN"""


def test_a_title_merged_with_the_next_column_still_names_the_paper() -> None:
    scores, hits = rule_scores([split_page(1, LANDSCAPE_BIRTH)])
    assert scores == {"birth_certificate": 1.0}
    assert hits[0].pattern == "birth certificate"


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("MARRIAGE CERTIFICATE", "marriage_certificate"),
        ("EXTRACT OF DEATH REGISTRATION", "death_extract"),
        ("EXTRACT OF BIRTH REGISTRATION Họ, chữ đệm, tên", "birth_extract"),
    ],
)
def test_the_english_title_of_a_bilingual_form(line: str, kind: str) -> None:
    scores, _ = rule_scores([split_page(1, f"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n{line}")])
    assert max(scores, key=scores.get) == kind


@pytest.mark.parametrize(
    "line",
    [
        # A sentence naming a paper is no title, even opening with a capital word or two.
        "Giấy khai sinh của con được cấp tại xã",
        "BẢN Giấy khai sinh số 109",  # one word in capitals is not a title's head
        "GIẤY 12 KHAI SINH của ông",  # a number breaks the run of capitals
    ],
)
def test_a_line_in_sentence_case_names_nothing(line: str) -> None:
    scores, _ = rule_scores([split_page(1, line)])
    assert "birth_certificate" not in scores
