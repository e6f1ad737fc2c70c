"""The classifier's parts on their own: folding, the attestation cut, title rules, the
model file format, image cues and QR reading. Fast: no OCR, no trained corpus model."""

from __future__ import annotations

import io

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from classifiers import rules
from classifiers.cues import page_cues
from classifiers.folded_text import classification_text, fold, is_certified_copy, split_page
from classifiers.metrics import accuracy, confusion, macro_f1
from classifiers.ngram_model import TextModel, train_text_model
from classifiers.qr_reader import read_qr_payloads
from testkit import pagegen

CERTIFIED_TAIL = """Chứng thực bản sao đúng với bản chính
Số chứng thực: 1234 Quyển số: 02/2025-SCT/BS
Ngày 07 tháng 7 năm 2025
Người thực hiện chứng thực
Nguyễn Thị Lan"""


def test_fold_removes_accents_case_and_punctuation() -> None:
    assert (
        fold("CHỨNG THỰC bản sao ĐÚNG, với bản chính!") == "chung thuc ban sao dung voi ban chinh"
    )
    assert fold("Số: 15/QĐ-UBND") == "so 15 qd ubnd"


@pytest.mark.parametrize(
    "stamp",
    [
        "Chứng thực bản sao đúng với bản chính",
        "CHUNG THUC BAN SAO DUNG VOI BAN CHINH",  # tone marks lost
        "Chứng thưc bàn sao đủng vói bản chinh",  # tone marks wrong
        "Chứng thục bản sao đung vói bån chính.",  # OCR letter errors under the seal
    ],
)
def test_attestation_is_found_and_cut_out(stamp: str) -> None:
    text = "GIẤY KHAI SINH\nHọ, chữ đệm, tên: Lê Văn Tám\n" + CERTIFIED_TAIL.replace(
        "Chứng thực bản sao đúng với bản chính", stamp
    )
    page = split_page(1, text)
    assert is_certified_copy([page])
    assert page.content_lines == ["GIẤY KHAI SINH", "Họ, chữ đệm, tên: Lê Văn Tám"]
    assert "chung thuc" not in classification_text([page])


def test_no_attestation_on_an_ordinary_page() -> None:
    page = split_page(1, "QUYẾT ĐỊNH\nVề việc chứng thực chữ ký\nĐiều 1. Giao cho bản chính")
    assert not is_certified_copy([page])
    assert page.certification == ()


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("GIẤY KHAI SINH", "birth_certificate"),
        ("GIAY KHAI SINH", "birth_certificate"),
        ("GIẤY KHAl SlNH", "birth_certificate"),  # l for I
        ("TRÍCH LỤC KHAI SINH", "birth_extract"),
        ("TỜ KHAI ĐĂNG KÝ KHAI SINH", "application_form"),
        ("GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở", "land_use_certificate"),
        ("HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT", "contract"),
        ("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "business_household_registration"),
        ("GIẤY CHỨNG NHẬN KẾT HÔN", "marriage_certificate"),
        ("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "marital_status"),
        ("CĂN CƯỚC CÔNG DÂN", "citizen_id"),
        ("CĂN CƯỚC", "citizen_id"),
        ("QUYẾT ĐỊNH", "decision"),
        ("BIÊN BẢN HỌP", "minutes"),
    ],
)
def test_title_rule(title: str, expected: str) -> None:
    pages = [
        split_page(1, f"ỦY BAN NHÂN DÂN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n{title}\nnội dung")
    ]
    scores, _ = rules.rule_scores(pages)
    assert max(scores, key=scores.__getitem__) == expected, scores


def test_lower_case_body_lines_are_not_titles() -> None:
    pages = [split_page(1, "THÔNG BÁO\nCăn cứ quyết định số 12 của Ủy ban\nhợp đồng đã ký")]
    scores, _ = rules.rule_scores(pages)
    assert max(scores, key=scores.__getitem__) == "official_letter"
    assert scores.get("decision", 0) == 0 and scores.get("contract", 0) == 0
    assert rules.title_score("can cu luat to chuc chinh quyen", "can cuoc") == 0


def test_stamp_never_feeds_the_rules() -> None:
    text = "BẢN SAO\n" + CERTIFIED_TAIL.upper()
    scores, hits = rules.rule_scores([split_page(1, text)])
    assert hits == [] and scores == {}


def test_model_file_round_trip_and_refusals() -> None:
    texts = (
        [f"giay khai sinh ho ten {i}" for i in range(6)]
        + [f"quyet dinh ve viec dieu {i}" for i in range(6)]
        + [f"hop dong ben a ben b {i}" for i in range(6)]
    )
    labels = ["birth_certificate"] * 6 + ["decision"] * 6 + ["contract"] * 6
    model = train_text_model(texts, labels)
    again = TextModel.from_bytes(model.to_bytes())
    probe = ["quyet dinh ve viec", "giay khai sinh cua be"]
    assert np.allclose(model.predict_proba(probe), again.predict_proba(probe))
    assert [again.classes[i] for i in again.predict_proba(probe).argmax(axis=1)] == [
        "decision",
        "birth_certificate",
    ]
    with pytest.raises(ValueError):
        TextModel.from_bytes(b"not a model")
    pickled = io.BytesIO()
    np.savez(pickled, meta=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ValueError):  # object arrays would need pickle: refused
        TextModel.from_bytes(pickled.getvalue())


def test_scores() -> None:
    truth = ["a", "a", "b", "b"]
    assert accuracy(truth, ["a", "b", "b", "b"]) == 0.75
    assert macro_f1(truth, truth) == 1.0
    assert macro_f1(truth, ["a", "b", "b", "b"]) == pytest.approx((2 / 3 + 0.8) / 2)
    assert confusion(truth, ["a", "b", "b", "c"]) == {
        "a": {"a": 1, "b": 1, "c": 0},
        "b": {"a": 0, "b": 1, "c": 1},
        "c": {"a": 0, "b": 0, "c": 0},
    }


def _card_with_photo() -> Image.Image:
    page = Image.new("RGB", (1654, 2339), "white")  # A4 at 200 dpi
    draw = ImageDraw.Draw(page)
    draw.rectangle((200, 200, 875, 625), outline="black", width=3)  # a card photocopy
    rng = np.random.default_rng(1)
    noise = rng.normal(128, 60, (17, 13)).clip(40, 210).astype(np.uint8)
    photo = Image.fromarray(noise).resize((130, 170), Image.Resampling.BICUBIC)  # soft tones
    page.paste(photo.convert("RGB"), (240, 330))
    for row in range(8):
        draw.text((420, 300 + row * 35), "Họ và tên: NGUYỄN VĂN A", fill="black")
    return page


def test_portrait_photo_and_seal_are_found() -> None:
    page = _card_with_photo()
    page = pagegen.red_seal(page, 3, center=(1200, 1800), dpi=200)
    cues = page_cues(1, page)
    assert len(cues.photos) == 1
    left, top, right, bottom = cues.photos[0].box
    assert abs(left - 240) < 20 and abs(top - 330) < 20 and abs(right - 370) < 20
    assert len(cues.seals) == 1
    left, top, right, bottom = cues.seals[0].box
    assert left < 1200 < right and top < 1800 < bottom


def test_a_text_page_has_neither_photo_nor_seal() -> None:
    page = pagegen.render_page(11, dpi=200).image
    cues = page_cues(1, page)
    assert cues.photos == () and cues.seals == ()


def test_qr_payload_is_read_from_a_page() -> None:
    payload = "001090012345|123456789|NGUYỄN VĂN ĐẶNG|01011990|Nam|Hà Nội|01012021"
    code = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode), scale=4
    )
    page = Image.new("L", (1654, 2339), 255)
    page.paste(Image.fromarray(np.asarray(code)), (300, 400))
    assert read_qr_payloads(page.rotate(90, expand=True)) == [payload]
    assert read_qr_payloads(Image.new("L", (400, 400), 255)) == []


def test_unreliable_ocr_lowers_every_probability() -> None:
    from classifiers.classify import ClassifierPage, ocr_reliability
    from ocr.words import Box, Word

    def page(confidence: float) -> ClassifierPage:
        words = tuple(Word("chữ", confidence, Box(0, 0, 9, 9), 0) for _ in range(10))
        return ClassifierPage(1, "chữ " * 10, words)

    assert ocr_reliability([page(92.0)]) == 1.0
    assert ocr_reliability([page(30.0)]) == pytest.approx(0.5)
    assert ocr_reliability([ClassifierPage(1, "text kept from the PDF")]) == 1.0


def test_a_decisive_title_or_mrz_names_the_type_a_rival_rule_does_not() -> None:
    from classifiers.classify import decisive_rule

    assert decisive_rule({"birth_certificate": 1.0}) == "birth_certificate"
    assert decisive_rule({"birth_certificate": 1.0, "decision": 0.6}) is None  # two titles
    assert decisive_rule({"official_letter": 0.6}) is None  # a marker alone is no title
    assert decisive_rule({}) is None


def test_a_decisive_title_is_kept_when_the_unsure_model_agrees_with_it() -> None:
    """The model's best guess below the threshold would be ``other``; a title read
    nearly as printed names the paper whether the model disagrees or agrees."""
    from classifiers.classify import RULE_ONLY_CONFIDENCE, Classifier

    texts = [f"giay khai sinh {i}" for i in range(4)] + [f"quyet dinh {i}" for i in range(4)]
    model = train_text_model(texts, ["birth_certificate"] * 4 + ["decision"] * 4)
    classifier = Classifier(model, threshold=0.9)
    unsure = (
        np.array([0.55, 0.45])
        if model.classes[0] == "birth_certificate"
        else np.array([0.45, 0.55])
    )
    assert classifier.decide(unsure) == ("other", 0.55)
    agreed = classifier.decide(unsure, {"birth_certificate": 0.97})
    assert agreed == ("birth_certificate", pytest.approx(RULE_ONLY_CONFIDENCE * 0.97))
    overruled = classifier.decide(unsure, {"decision": 1.0})
    assert overruled == ("decision", pytest.approx(RULE_ONLY_CONFIDENCE))


def test_an_old_id_card_title_behind_stray_fragments_and_its_own_phrases() -> None:
    """A card edge or an emblem read as letters before the title (``l Ũ GIẤY …``), and the
    old card's words no other paper prints (``Nơi ĐKHK thường trú``)."""
    assert rules.title_score("l u giay chung minh nhan dan", "giay chung minh nhan dan") > 0.9
    assert rules.title_score("cau chung minh nhan dan", "chung minh nhan dan") > 0.9
    assert rules.title_score("ho va ten chu ho", "giay chung minh nhan dan") == 0
    scores, _ = rules.rule_scores([split_page(1, "Nơi ĐKHK thường trú: xã Tân Phú")])
    assert scores == {"citizen_id": pytest.approx(rules.MARKER_WEIGHT)}


def test_three_fragments_of_an_emblem_before_the_title_but_not_words() -> None:
    """The emblem left of an old card's title read as three scraps (``lÊ SŠ‹ `1 GIẤY
    CHỨNG MINH NHÂN DÂN``); a title after four fragments, or after long words, is none."""
    card = "giay chung minh nhan dan"
    assert rules.title_score("le ss 1 " + card, card) == pytest.approx(rules.STRAY_HEAD_FACTOR)
    assert rules.title_score("le ss 1 ab " + card, card) == 0
    assert rules.title_score("muoi hai " + card, card) == 0


def test_two_of_a_types_own_phrases_weigh_more_than_one_and_a_repeat_does_not() -> None:
    """An old card whose title was lost still prints ``Nơi ĐKHK thường trú`` and ``Dấu vết
    riêng và dị hình``: independent evidence adds up (1 - Π(1 - s)); the same phrase read
    twice is still one piece of evidence."""
    one = rules.MARKER_WEIGHT
    both = "Nơi ĐKHK thường trú: xã Tân Phú\nDẤU VẾT RIÊNG VÀ DỊ HÌNH"
    scores, _ = rules.rule_scores([split_page(1, both)])
    assert scores["citizen_id"] == pytest.approx(1 - (1 - one) ** 2)
    twice = "Nơi ĐKHK thường trú: xã Tân Phú\nNơi ĐKHK thường trú: xã Mỹ Hạnh"
    scores, _ = rules.rule_scores([split_page(1, twice)])
    assert scores["citizen_id"] == pytest.approx(one)


def test_an_mrz_read_badly_still_marks_an_id_card() -> None:
    text = (
        "Ngày, tháng, năm / Date, month, year: 01/04I2024\n"
        "1DVNM36797849620823070784960<<8\n"
        "671965 7F 32 19605 3VNM<<<<<<<<<<<4\n"
        "HA<<MINH<THU<<<<<<<<<<<<<<<<<<"
    )
    scores, hits = rules.rule_scores([split_page(1, text)])
    assert scores["citizen_id"] == 1.0 and hits[0].pattern == "mrz"
    one_line = rules.rule_scores([split_page(1, "Mã: ABC<<DEF ghi chú")])[0]
    assert "citizen_id" not in one_line


def test_the_attestation_place_and_date_belong_to_the_stamp() -> None:
    text = (
        "GIẤY ỦY QUYỀN\nHà Nội, ngày 02 tháng 3 năm 2020\nnội dung ủy quyền của bên ủy quyền\n"
        "Chứng thực bản sao đúng với bản chính\nSố chứng thực: 12 Quyển số: 01/2025-SCT/BS\n"
        "Xã Từ Sơn, ngày 25 tháng 11 năm 2025\nNgười thực hiện chứng thực"
    )
    page = split_page(1, text)
    assert "Xã Từ Sơn, ngày 25 tháng 11 năm 2025" not in page.content_lines
    assert "Hà Nội, ngày 02 tháng 3 năm 2020" in page.content_lines


def test_the_stamps_words_stay_out_of_field_extraction_too() -> None:
    """Field readers also read the word boxes again as rows; the attestation's words must
    be cut there as its lines are, or its ``Quyển số`` becomes the paper's register book."""
    from classifiers.classify import ClassifierPage, _page_text
    from ocr.words import Box, Word

    rows = [
        "TRÍCH LỤC KHAI SINH",
        "Họ, chữ đệm, tên: Bùi Phương Oanh",
        "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH",
        "Số chứng thực: 302 Quyển số: 10/2026-SCT/BS",
    ]
    words = tuple(
        Word(text, 90.0, Box(10 + 60 * i, 40 * n, 60 + 60 * i, 40 * n + 30), 7 * n + 3)
        for n, row in enumerate(rows)
        for i, text in enumerate(row.split())
    )
    page = ClassifierPage(1, "\n".join(rows), words)
    kept = _page_text(page, split_page(1, page.text))
    assert "Quyển" not in {w.text for w in kept.words}
    assert "Bùi" in {w.text for w in kept.words}
    assert "Quyển" not in kept.text
