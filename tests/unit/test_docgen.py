"""The typed-document generator: structure, ground truth, rendering and the committed corpus."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date

import numpy as np
import pytest
import zxingcpp
from PIL import ImageFont

from classifiers.doctypes import DOCUMENT_TYPES
from testkit import docgen
from testkit.docgen import (
    COMMON_KEYS,
    COMPOSERS,
    CORPUS_PATH,
    CORPUS_PER_TYPE,
    CORPUS_SEED,
    EVAL_SEED_START,
    TRUTH_KEYS,
    TypedDocument,
    compose,
    corpus_records,
    icao_check_digit,
    id_number_problems,
    mrz_problems,
    ocr_noise,
    render,
    text,
)
from testkit.docgen_banks import PROVINCE_CODES
from testkit.docgen_model import MOTTO, NATIONAL_HEADER, number_words, td1_mrz
from testkit.docgen_render import CARD_MM, fonts_used

TYPES = tuple(COMPOSERS)
SEEDS = range(12)
SMALL_DPI = 72
CERT_PHRASE = "chứng thực bản sao đúng với bản chính"


def docs(seeds: range = SEEDS) -> list[TypedDocument]:
    return [compose(t, s, certified_copy=s % 3 == 0) for t in TYPES for s in seeds]


@pytest.fixture(scope="module")
def sample() -> list[TypedDocument]:
    return docs()


# --- composition --------------------------------------------------------------------------


def test_every_type_code_has_a_composer() -> None:
    assert set(COMPOSERS) == set(DOCUMENT_TYPES)
    assert set(TRUTH_KEYS) == set(DOCUMENT_TYPES)


def test_same_seed_same_document_other_seed_other_document() -> None:
    for doc_type in TYPES:
        first, again = compose(doc_type, 7), compose(doc_type, 7)
        assert text(first) == text(again)
        assert first.truth_fields == again.truth_fields
        assert text(compose(doc_type, 8)) != text(first)


def test_each_type_has_several_variants_and_wordings() -> None:
    for doc_type in TYPES:
        batch = [compose(doc_type, s) for s in range(40)]
        texts = [text(d) for d in batch]
        assert len(set(texts)) == len(texts)
        lines = [set(t.split("\n")) for t in texts]
        # No line (other than the national header) is on every document of the type.
        common = set.intersection(*lines) - {NATIONAL_HEADER, MOTTO}
        assert len(common) <= 4, (doc_type, common)
    variants = {doc_type: {compose(doc_type, s).variant for s in range(60)} for doc_type in TYPES}
    assert variants["citizen_id"] == {
        f"{g}_{side}" for g in ("cccd_2021", "cc_2024") for side in ("front", "back", "both")
    }
    assert {"gcn_qsdd_pre2009", "gcn_2009", "gcn_2024"} <= variants["land_use_certificate"]
    assert {"tlkt_ban_chinh", "giay_chung_tu"} <= variants["death_extract"]
    assert {"cong_van", "thong_bao", "bao_cao", "to_trinh"} == variants["official_letter"]
    assert len(variants["other"]) >= 8


def test_titles_of_the_types_are_printed(sample: list[TypedDocument]) -> None:
    expected = {
        "citizen_id": ("CĂN CƯỚC", "IDVNM"),  # a back side shows no title
        "birth_certificate": ("GIẤY KHAI SINH",),
        "birth_extract": ("TRÍCH LỤC KHAI SINH",),
        "marriage_certificate": ("GIẤY CHỨNG NHẬN KẾT HÔN", "TRÍCH LỤC KẾT HÔN"),
        "marital_status": ("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",),
        "death_extract": ("TRÍCH LỤC KHAI TỬ", "GIẤY CHỨNG TỬ"),
        "land_use_certificate": ("GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",),
        "household_book": ("SỔ HỘ KHẨU", "Quan hệ với chủ hộ"),
        "application_form": ("TỜ KHAI", "ĐƠN ĐỀ NGHỊ", "ĐƠN XIN", "BẢN CAM"),
        "contract": ("HỢP ĐỒNG",),
        "power_of_attorney": ("GIẤY ỦY QUYỀN",),
        "diploma": ("BẰNG ", "CHỨNG CHỈ"),
        "business_household_registration": ("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",),
        "decision": ("QUYẾT ĐỊNH",),
        "minutes": ("BIÊN BẢN",),
        "official_letter": ("V/v ", "THÔNG BÁO", "BÁO CÁO", "TỜ TRÌNH"),
    }
    for doc in sample:
        if doc.doc_type in expected:
            assert any(title in text(doc) for title in expected[doc.doc_type]), doc.variant


def test_citizen_id_backs_carry_the_authority_fingerprints_and_mrz() -> None:
    for seed in range(60):
        doc = compose("citizen_id", seed)
        body = " ".join(text(doc).split())
        if doc.variant.endswith("_front"):
            assert "IDVNM" not in body
            continue
        assert "IDVNM" in body
        if doc.variant.startswith("cccd_2021"):
            assert "Đặc điểm nhân dạng" in body and "Ngón trỏ trái" in body
            assert "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI" in body
        else:
            assert "BỘ CÔNG AN" in body and "Nơi đăng ký khai sinh" in body


# --- ground truth -------------------------------------------------------------------------

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date_forms(value: str) -> set[str]:
    day = date.fromisoformat(value)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return {
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"ngày {day.day:02d} tháng {month} năm {day.year}",
        f"ngày {day.day} tháng {day.month} năm {day.year}",
        day.strftime("%y%m%d"),  # in an MRZ
    }


def test_truth_fields_have_the_keys_and_normalisations(sample: list[TypedDocument]) -> None:
    for doc in sample:
        truth = doc.truth_fields
        assert set(truth) == set(COMMON_KEYS) | set(TRUTH_KEYS[doc.doc_type]), doc.doc_type
        assert truth["is_certified_copy"] == ("true" if doc.certified_copy else "false")
        for key, value in truth.items():
            assert isinstance(value, str) and unicodedata.is_normalized("NFC", value)
            if value and (key.endswith("_date") or key.startswith("date_of")):
                assert ISO.match(value), (key, value)
            if value and key in (
                "full_name",
                "mother_name",
                "father_name",
                "husband_name",
                "wife_name",
                "holder_name",
                "owner_name",
                "party_a",
                "party_b",
            ):
                assert value == value.title() and value.strip() == value, (key, value)
        if truth.get("sex"):
            assert truth["sex"] in ("male", "female")


def test_truth_values_are_printed_on_the_document(sample: list[TypedDocument]) -> None:
    """Every truth value can be found in the text, in the form the document prints it."""
    for doc in sample:
        body = " ".join(text(doc).split())
        for key, value in doc.truth_fields.items():
            if not value or key in ("is_certified_copy", "status", "sex"):
                continue
            if ISO.match(value):
                assert any(form in body.lower() for form in _date_forms(value)), (doc.variant, key)
            elif key == "area":
                assert value.replace(".", ",") in body, (doc.variant, key, value)
            elif key == "capital":
                assert f"{int(value):,}".replace(",", ".") in body
            elif key in ("registry_number", "document_number") and " " in value:
                assert value in body or value.replace(" ", "") in body, (doc.variant, value)
            elif key == "issue_place" and doc.doc_type == "citizen_id":
                assert value.upper() in body.upper()
            else:
                assert value in body or value.upper() in body, (doc.variant, key, value)


def test_land_certificate_numbers() -> None:
    for seed in range(40):
        truth = compose("land_use_certificate", seed).truth_fields
        assert re.fullmatch(r"[A-Z]{2} (\d{6}|\d{8})", truth["serial"])
        assert re.fullmatch(r"[A-Z]{1,3} \d{5}", truth["registry_number"])
        assert re.fullmatch(r"\d+(\.\d)?", truth["area"])
        assert truth["parcel_number"].isdigit() and truth["map_sheet_number"].isdigit()


def test_id_numbers_are_valid_and_agree_with_birth_date_and_sex() -> None:
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội" and PROVINCE_CODES["079"] == "Hồ Chí Minh"
    for seed in range(80):
        truth = compose("citizen_id", seed).truth_fields
        born = date.fromisoformat(truth["date_of_birth"])
        assert id_number_problems(truth["id_number"], born, truth["sex"]) == []
        if truth["expiry_date"]:  # the 2024 card prints it on the back only
            assert date.fromisoformat(truth["expiry_date"]) > born
    assert id_number_problems("001099012345", date(1999, 1, 1), "male") == []
    assert id_number_problems("001199012345", date(1999, 1, 1), "male") != []  # female digit
    assert id_number_problems("001299012345", date(1999, 1, 1), "male") != []  # 2000s digit
    assert id_number_problems("003099012345", date(1999, 1, 1), "male") != []  # no code 003
    assert id_number_problems("001398012345", date(2098, 1, 1), "female") == []


def test_icao_check_digits_on_the_specimen() -> None:
    # ICAO 9303 part 5 TD1 specimen (a fictional holder).
    line1, line2 = "I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6"
    assert icao_check_digit("D23145890") == "7"
    assert icao_check_digit("740812") == "2" and icao_check_digit("120415") == "9"
    assert icao_check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]) == "6"
    assert icao_check_digit("L898902C3") == "6"


def test_mrz_lines_have_valid_check_digits_and_agree_with_the_card() -> None:
    checked = 0
    for seed in range(60):
        doc = compose("citizen_id", seed)
        lines = text(doc).split("\n")
        starts = [i for i, row in enumerate(lines) if row.startswith("IDVNM")]
        if not starts:
            continue
        mrz = lines[starts[0] : starts[0] + 3]
        assert mrz_problems(mrz) == [], mrz
        truth = doc.truth_fields
        assert mrz[0][15:27] == truth["id_number"]
        assert mrz[1][0:6] == date.fromisoformat(truth["date_of_birth"]).strftime("%y%m%d")
        assert mrz[1][7] == ("M" if truth["sex"] == "male" else "F")
        assert mrz[1][8:14] == date.fromisoformat(truth["expiry_date"]).strftime("%y%m%d")
        assert re.fullmatch(r"[A-Z<]{30}", mrz[2])
        checked += 1
    assert checked >= 20
    broken = list(
        td1_mrz("001099012345", date(1999, 1, 2), "male", date(2024, 1, 2), "Đỗ", "Văn An")
    )
    assert broken[2].startswith("DO<<VAN<AN<")
    broken[0] = broken[0][:14] + str((int(broken[0][14]) + 1) % 10) + broken[0][15:]
    assert "document number" in mrz_problems(broken)


def test_vietnamese_numbers_in_words() -> None:
    assert number_words(2015) == "hai nghìn không trăm mười lăm"
    assert number_words(21) == "hai mươi mốt"
    assert number_words(105) == "một trăm linh năm"
    assert number_words(1_250_000_000) == "một tỷ hai trăm năm mươi triệu"
    assert number_words(50_000_000) == "năm mươi triệu"


def test_certification_block_only_when_asked_and_on_the_last_page() -> None:
    for doc_type in TYPES:
        for seed in range(6):
            plain = compose(doc_type, seed)
            copy = compose(doc_type, seed, certified_copy=True)
            assert CERT_PHRASE not in text(plain).lower()
            assert "SCT/BS" not in text(plain)
            assert CERT_PHRASE in text(copy).lower().split("\f")[-1]
            assert "SCT/BS" in text(copy) and "Người thực hiện chứng thực" in text(copy)
            # The stamp is added to the same document: type and content do not change.
            assert text(copy).startswith(text(plain))
            assert copy.variant == plain.variant
            assert {k: v for k, v in copy.truth_fields.items() if k != "is_certified_copy"} == {
                k: v for k, v in plain.truth_fields.items() if k != "is_certified_copy"
            }


def test_text_is_nfc_with_diacritics_and_pages_split_by_form_feed(
    sample: list[TypedDocument],
) -> None:
    for doc in sample:
        body = text(doc)
        assert unicodedata.is_normalized("NFC", body)
        assert len(body.split("\f")) == len(doc.pages)
        assert re.search("[ăâđêôơưĂÂĐÊÔƠƯ]", body) or doc.variant.startswith("cc_2024_back")
        assert "\n\n" not in body and not body.startswith("\n")
        rows = body.replace("\f", "\n").split("\n")
        assert all(row == row.strip() and "  " not in row for row in rows), doc.variant


def test_every_glyph_exists_in_the_fonts(sample: list[TypedDocument]) -> None:
    chars = {c for doc in sample for c in text(doc)} - {"\n", "\f", " "}
    for path in fonts_used():
        font = ImageFont.truetype(str(path), 40)
        notdef = font.getmask("\ue000")
        missing = [
            c
            for c in sorted(chars)
            if font.getmask(c).size == notdef.size and bytes(font.getmask(c)) == bytes(notdef)
        ]
        assert missing == [], (path.name, missing)


def test_ocr_noise_is_light_and_seeded() -> None:
    clean = text(compose("decision", 3))
    noisy = ocr_noise(clean, "k")
    assert noisy == ocr_noise(clean, "k") and noisy != clean
    assert noisy.count("\n") == clean.count("\n")
    words = clean.split()
    assert abs(len(noisy.split()) - len(words)) < len(words) * 0.1


# --- rendering ----------------------------------------------------------------------------


def test_every_type_renders_with_the_text_it_composed() -> None:
    for doc_type in TYPES:
        doc = compose(doc_type, 2, certified_copy=True)
        pages = render(doc, dpi=SMALL_DPI)
        assert len(pages) == len(doc.pages)
        for page, expected in zip(pages, text(doc).split("\f"), strict=True):
            assert page.text.split() == expected.split()
            assert [w.text for w in page.words] == page.text.split()
            width, height = page.image.size
            assert {round(width / SMALL_DPI, 1), round(height / SMALL_DPI, 1)} <= {8.3, 11.7}
            for word in page.words:
                assert 0 <= word.box.left < word.box.right <= width
                assert 0 <= word.box.top < word.box.bottom <= height


def test_render_is_deterministic() -> None:
    for doc_type in ("citizen_id", "land_use_certificate", "decision"):
        doc = compose(doc_type, 4, certified_copy=True)
        first = [np.asarray(p.image) for p in render(doc, dpi=SMALL_DPI)]
        again = [np.asarray(p.image) for p in render(doc, dpi=SMALL_DPI)]
        assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
        other = np.asarray(render(compose(doc_type, 5), dpi=SMALL_DPI)[0].image)
        assert other.shape != first[0].shape or not np.array_equal(other, first[0])


def test_id_card_has_card_size_and_a_readable_qr_code() -> None:
    doc = next(
        d for d in (compose("citizen_id", s) for s in range(60)) if d.variant == "cccd_2021_both"
    )
    dpi = 300
    front, back = render(doc, dpi=dpi, card_on_a4=False, stamps=False)
    for card in (front, back):
        assert card.image.size == (round(CARD_MM[0] * dpi / 25.4), round(CARD_MM[1] * dpi / 25.4))
    decoded = zxingcpp.read_barcodes(front.image)
    assert decoded, "the QR code on the front does not decode"
    fields = decoded[0].text.split("|")
    truth = doc.truth_fields
    assert len(fields) == 7 and fields[0] == truth["id_number"]
    assert fields[2] == truth["full_name"]
    assert fields[3] == date.fromisoformat(truth["date_of_birth"]).strftime("%d%m%Y")
    assert "IDVNM" in back.text


def test_page_qr_is_set_exactly_when_a_qr_code_is_printed() -> None:
    for seed in range(30):
        doc = compose("citizen_id", seed)
        cards = render(doc, dpi=200, card_on_a4=False, stamps=False)
        decoded = [p for card in cards for p in zxingcpp.read_barcodes(card.image)]
        assert bool(doc.pages[0].qr) == bool(decoded), doc.variant
        if decoded:
            assert decoded[0].text == doc.pages[0].qr


def test_degradations_apply_by_name() -> None:
    page = render(compose("minutes", 1), dpi=SMALL_DPI)[0]
    blurred = docgen.degraded(page, "blur", 1)
    assert blurred.text == page.text and blurred.words == page.words
    turned = docgen.degraded(page, "rot90", 1)
    assert turned.image.size == page.image.size[::-1] and turned.words == ()


# --- the committed corpus -----------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, object]]:
    with CORPUS_PATH.open(encoding="utf-8") as lines:
        return [json.loads(row) for row in lines]


def test_corpus_parses_and_covers_every_type(corpus: list[dict[str, object]]) -> None:
    assert CORPUS_PATH.stat().st_size < 2_200_000
    counts: dict[str, int] = {}
    for record in corpus:
        assert set(record) == {"type", "variant", "text", "certified_copy", "seed", "noise"}
        assert record["type"] in DOCUMENT_TYPES
        assert isinstance(record["text"], str) and record["text"].strip()
        assert unicodedata.is_normalized("NFC", record["text"])
        assert 0 <= record["seed"] < EVAL_SEED_START
        counts[record["type"]] = counts.get(record["type"], 0) + 1
    assert set(counts) == set(DOCUMENT_TYPES)
    assert min(counts.values()) >= 40
    certified = sum(bool(r["certified_copy"]) for r in corpus) / len(corpus)
    noisy = sum(bool(r["noise"]) for r in corpus) / len(corpus)
    assert 0.25 < certified < 0.42 and 0.15 < noisy < 0.35
    for record in corpus:
        assert (CERT_PHRASE in str(record["text"]).lower()) == record["certified_copy"] or record[
            "noise"
        ]


def test_corpus_is_what_the_documented_command_writes(corpus: list[dict[str, object]]) -> None:
    """Regenerate with `python -m testkit.docgen corpus` (see classifiers/corpus/SOURCE.md)."""
    assert corpus == list(corpus_records(CORPUS_PER_TYPE, CORPUS_SEED))
    source = (CORPUS_PATH.parent / "SOURCE.md").read_text(encoding="utf-8")
    assert docgen.CORPUS_COMMAND in source


def test_corpus_refuses_evaluation_seeds() -> None:
    with pytest.raises(ValueError):
        next(corpus_records(10, EVAL_SEED_START - 5))


# --- one real OCR pass --------------------------------------------------------------------
