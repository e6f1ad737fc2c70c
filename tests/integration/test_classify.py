"""Classification end to end on rendered, degraded pages through the real OCR.

Pages come from ``testkit.docgen`` (evaluation seeds, never in the training corpus),
are damaged with ``testkit.pagegen``'s degradations, saved as the files a counter
receives, and go through ``sohoa classify``'s own code path: OCR, cleaning,
classification, fields. The base model is the one every deployment trains from
the repository's corpus.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from classifiers.classify import Classification
from core.settings import Settings
from core.vietnamese import fold_accents
from pipeline.classification import classify_file
from pipeline.runtime import Runtime
from pipeline.stage_data import ocr_options
from testkit import docgen, pagegen
from testkit.api_harness import clean_env
from testkit.programs import SOHOA

SEED = docgen.EVAL_SEED_START + 500


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    data = tmp_path_factory.mktemp("classify")
    yield Runtime.from_settings(Settings(_env_file=None, data_dir=data))


def scan_file(
    doc: docgen.TypedDocument, folder: Path, degradation: str = "clean", dpi: int = 200
) -> Path:
    """The document as a counter scanner would hand it in: one PDF, pages degraded."""
    pages = docgen.render(doc, dpi=dpi)
    images = [pagegen.DEGRADATIONS[degradation](p.image, doc.seed) for p in pages]
    path = folder / f"{doc.doc_type}-{doc.seed}-{degradation}.pdf"
    return pagegen.save_pdf(images, path, dpi)


def classify(rt: Runtime, path: Path) -> Classification:
    return classify_file(rt, path, ocr_options(rt.settings, jobs=2))


@pytest.mark.parametrize(
    ("doc_type", "degradation"),
    [
        ("birth_certificate", "seal"),
        ("land_use_certificate", "skew+5"),
        ("decision", "jpeg40"),
        ("marital_status", "shadow"),
        ("contract", "clean"),
        ("official_letter", "salt_pepper"),
    ],
)
def test_type_and_fields_of_a_degraded_scan(
    rt: Runtime, tmp_path: Path, doc_type: str, degradation: str
) -> None:
    doc = docgen.compose(doc_type, SEED)
    result = classify(rt, scan_file(doc, tmp_path, degradation))
    assert result.document_type == doc_type, (result.candidates, result.evidence)
    assert result.confidence >= 0.5
    assert result.is_certified_copy is False
    truth = doc.truth_fields
    for name in ("document_number", "issue_date"):
        if truth.get(name):
            assert name in result.fields, f"{name} not found: {result.fields}"
            assert result.fields[name].value == truth[name]
            assert result.fields[name].page >= 1


def test_citizen_id_card_number_checked_and_read_from_the_mrz(rt: Runtime, tmp_path: Path) -> None:
    """An ID card photocopy (back side with MRZ, or front side with QR), fields cross-checked."""
    for seed in range(SEED, SEED + 40):
        doc = docgen.compose("citizen_id", seed)
        if doc.variant.endswith("back"):
            break
    result = classify(rt, scan_file(doc, tmp_path))
    assert result.document_type == "citizen_id"
    number = result.fields["id_number"]
    assert number.value == doc.truth_fields["id_number"]
    assert number.confidence >= 0.95
    assert result.fields["date_of_birth"].value == doc.truth_fields["date_of_birth"]
    assert result.fields["sex"].value == doc.truth_fields["sex"]
    assert "id_number_problems" not in result.fields


def test_citizen_id_front_shows_a_portrait_and_its_qr_wins(rt: Runtime, tmp_path: Path) -> None:
    for seed in range(SEED, SEED + 40):
        doc = docgen.compose("citizen_id", seed)
        if doc.variant.endswith("front") and doc.pages[0].qr:
            break
    result = classify(rt, scan_file(doc, tmp_path))
    assert result.document_type == "citizen_id"
    assert result.portrait_photo, result.cues
    assert result.fields["id_number"].value == doc.truth_fields["id_number"]
    assert result.fields["full_name"].value == doc.truth_fields["full_name"]
    assert result.fields["full_name"].confidence >= 0.95  # from the QR


@pytest.mark.parametrize("doc_type", ["birth_certificate", "decision", "land_use_certificate"])
def test_certified_copy_stamp_marks_the_copy_but_never_decides_the_type(
    rt: Runtime, tmp_path: Path, doc_type: str
) -> None:
    doc = docgen.compose(doc_type, SEED + 1, certified_copy=True)
    result = classify(rt, scan_file(doc, tmp_path))
    assert result.is_certified_copy is True
    assert result.document_type == doc_type
    assert result.red_seal


def test_unrelated_page_is_other(rt: Runtime, tmp_path: Path) -> None:
    doc = docgen.compose("other", SEED + 2)
    result = classify(rt, scan_file(doc, tmp_path))
    assert result.document_type == "other", (result.candidates, result.evidence)
    assert result.fields == {}


def test_blank_page_is_other_with_no_confidence(rt: Runtime, tmp_path: Path) -> None:
    from PIL import Image

    path = pagegen.save_png(Image.new("RGB", (1654, 2339), "white"), tmp_path / "blank.png", 200)
    result = classify(rt, path)
    assert (result.document_type, result.confidence) == ("other", 0.0)


def test_cli_classify_json(rt: Runtime, tmp_path: Path) -> None:
    doc = docgen.compose("marital_status", SEED + 3)
    path = scan_file(doc, tmp_path)
    env = clean_env({"SOHOA_DATA_DIR": str(rt.settings.data_dir)})
    done = subprocess.run(
        [str(SOHOA), "classify", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["type"] == "marital_status"
    assert 0.5 <= answer["confidence"] <= 1
    assert answer["is_certified_copy"] is False
    full_name = answer["fields"]["full_name"]
    assert set(full_name) >= {"value", "confidence", "page"}
    assert full_name["value"] == doc.truth_fields["full_name"]
    plain = subprocess.run(
        [str(SOHOA), "classify", str(path)], env=env, capture_output=True, text=True, check=False
    )
    assert plain.returncode == 0 and "Giấy xác nhận tình trạng hôn nhân" in plain.stdout


def test_cli_classify_refuses_bad_input(rt: Runtime, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    env = clean_env({"SOHOA_DATA_DIR": str(rt.settings.data_dir)})
    done = subprocess.run(
        [str(SOHOA), "classify", str(bad)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 4, done.stderr  # corrupt_file, as for `sohoa ocr`
    assert "bad.pdf" in done.stderr and done.stdout == ""


def test_a_scan_of_three_papers_is_typed_part_by_part(rt: Runtime, tmp_path: Path) -> None:
    """Counters scan a citizen's papers in one go; each paper inside gets its own type."""
    papers = [docgen.compose(t, SEED + 7) for t in ("birth_certificate", "decision", "contract")]
    images = [docgen.render(doc, dpi=200)[0].image for doc in papers]
    path = pagegen.save_pdf(images, tmp_path / "three.pdf", 200)
    result = classify(rt, path)
    assert [(p.pages, p.document_type) for p in result.parts] == [
        ((1,), "birth_certificate"),
        ((2,), "decision"),
        ((3,), "contract"),
    ]
    assert result.to_json()["parts"][1]["type"] == "decision"
    # Each paper's own fields: the birth certificate's child, the contract's parties.
    birth, contract = result.parts[0].fields, result.parts[2].fields
    assert birth["full_name"].value == papers[0].truth_fields["full_name"]
    assert set(contract) & {"party_a", "party_b"}
    stored = result.to_json()["parts"][0]["fields"]["full_name"]
    assert stored["value"] == papers[0].truth_fields["full_name"] and stored["page"] == 1


def test_one_paper_of_several_pages_has_no_parts(rt: Runtime, tmp_path: Path) -> None:
    doc = docgen.compose("land_use_certificate", SEED + 3)
    result = classify(rt, scan_file(doc, tmp_path))
    assert result.document_type == "land_use_certificate"
    assert result.parts == ()


def test_a_screenshot_of_an_electronic_extract_with_its_qr_is_not_an_id_card(
    rt: Runtime, tmp_path: Path
) -> None:
    """The electronic birth extract a citizen shows on a phone carries a QR code pointing
    to the civil-status portal: decoded, it is no ID card's payload, so it must not make
    the paper an ID card (a real one was typed so)."""
    doc = docgen.compose("birth_extract", SEED + 11)
    page = docgen.render(doc, dpi=200)[0].image.convert("RGB")
    payload = "https://hotichdientu.moj.gov.vn/tra-cuu?ma=KS.2025.000123456"
    code = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode), scale=8
    )
    page.paste(Image.fromarray(np.asarray(code)).convert("RGB"), (page.width - 420, 60))
    phone = page.resize((page.width * 2 // 3, page.height * 2 // 3))  # a screenshot's size
    path = tmp_path / "screenshot.png"
    phone.save(path)
    result = classify(rt, path)
    assert result.document_type == "birth_extract", (result.candidates, result.evidence)
    # The child's name, read from the screenshot's print (a tone mark may go at this size).
    read = fold_accents(result.fields["full_name"].value)
    assert read == fold_accents(doc.truth_fields["full_name"])


def test_a_stamp_tesseract_read_in_columns_still_marks_the_copy(rt: Runtime) -> None:
    """Unseen draw 13003's minutes: the purple stamp was read column by column, so no
    line held its opener; the page's words read by rows do (``attested_in_rows``)."""
    from classifiers.classify import ClassifierPage
    from pipeline.classification import active_classifier
    from tests.placed_words import STAMP_IN_COLUMNS, placed_words, tesseract_text

    body = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 300, 40, 0), *STAMP_IN_COLUMNS]
    body += [(f"{n} Nguyễn Văn Hùng Trưởng thôn", 200, 200 + 40 * n, 0) for n in range(1, 7)]
    page = ClassifierPage(1, tesseract_text(body), tuple(placed_words(body)))
    result = active_classifier(rt).classify([page])
    assert result.document_type == "minutes"
    assert result.is_certified_copy is True
    as_text_only = active_classifier(rt).classify([ClassifierPage(1, page.text)])
    assert as_text_only.is_certified_copy is False


def test_an_unseen_copy_whose_stamp_ocr_cuts_into_columns(rt: Runtime, tmp_path: Path) -> None:
    from testkit.unseen_papers import generate

    doc = generate("minutes", 13003, certified=True)
    path = pagegen.save_pdf(list(doc.pages), tmp_path / "minutes.pdf", doc.dpi, quality=85)
    result = classify(rt, path)
    assert result.document_type == "minutes"
    assert result.is_certified_copy is True
