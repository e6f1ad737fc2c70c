"""The certified electronic copy, checked by tools that share no code with ``certify``.

poppler's ``pdfsig`` and pyHanko's own validator judge the signature; ``pdftotext``
reads the visible signature and the attestation; ``pdftoppm`` + zxing-cpp read the
QR code; ``pdfa_rules`` (pikepdf, fontTools, qpdf, Ghostscript) the PDF/A-2b rules.
The key is the local test CA, made here (``certify.test_ca``), never downloaded.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import time
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
import zxingcpp
from cryptography import x509
from pikepdf.models.metadata import decode_pdf_date
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from certify import verify
from certify.copy import ATTESTATION, VIETNAM, Certification, certified_copy, iso_time
from certify.signing_keys import (
    EXPIRED,
    KEY_UNAVAILABLE,
    NO_KEY,
    NOT_FOR_SIGNING,
    NOT_YET_VALID,
    KeyRefused,
    Pkcs12Key,
    key_config,
    open_signer,
)
from certify.test_ca import TEST_MARK, LocalAuthority, development_key, make_test_authority
from ocr.pdf import OcrPage, assemble_searchable_pdf, encode_page_image
from ocr.words import Box, Word
from tests.integration.pdfa_rules import pdfa_2b_problems

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
UNIT = "Ủy ban nhân dân xã Lâm Bình"
URL = "https://sohoa.example.vn/xac-minh/7f3a9c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b"
CERTIFICATION = Certification(
    number=15,
    book="12/2026-SCTĐT/BS",
    certified_on=date(2026, 3, 5),
    officer_name="Nguyễn Thị Lan",
    officer_title="Công chức Tư pháp - Hộ tịch",
    unit_name=UNIT,
    document_label="Giấy khai sinh",
    verification_url=URL,
)


def scanned_page(lines: list[str]) -> OcrPage:
    """An A4 page at 300 dpi with ``lines`` printed on it and their word boxes."""
    image = Image.new("RGB", (2480, 3508), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 56)
    words, y = [], 500
    for number, line in enumerate(lines):
        x = 250
        for text in line.split():
            left, top, right, bottom = draw.textbbox((x, y), text, font=font)
            draw.text((x, y), text, font=font, fill="black")
            words.append(Word(text, 95.0, Box(left, top, right, bottom), number))
            x = right + 28
        y += 90
    return OcrPage(encode_page_image(image), 300, words)


@pytest.fixture(scope="module")
def searchable(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A two-page searchable PDF/A-2b as ``ocr.pdf`` writes it."""
    path = tmp_path_factory.mktemp("searchable") / "searchable.pdf"
    pages = [
        scanned_page(["GIẤY KHAI SINH", "Họ, chữ đệm, tên: Nguyễn Văn Đặng"]),
        scanned_page(["Nơi đăng ký khai sinh: Ủy ban nhân dân xã Lâm Bình"]),
    ]
    assemble_searchable_pdf(pages, path, title="Giấy khai sinh", when=datetime(2026, 3, 1))
    return path.read_bytes()


@pytest.fixture(scope="module")
def authority() -> LocalAuthority:
    return make_test_authority(UNIT)


@pytest.fixture(scope="module")
def key(authority: LocalAuthority, tmp_path_factory: pytest.TempPathFactory) -> Pkcs12Key:
    path = tmp_path_factory.mktemp("key") / "unit.p12"
    path.write_bytes(authority.p12)
    return Pkcs12Key(path, authority.passphrase)


@pytest.fixture(scope="module")
def signed(searchable: bytes, key: Pkcs12Key, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with open_signer(key) as signer:
        copy = certified_copy(searchable, CERTIFICATION, signer)
    assert copy.sha256 == hashlib.sha256(copy.pdf).hexdigest()
    path = tmp_path_factory.mktemp("signed") / "ban-sao.pdf"
    path.write_bytes(copy.pdf)
    return path


def pdfsig(path: Path) -> str:
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return done.stdout + done.stderr


def pyhanko_status(data: bytes, root_pem: bytes):  # type: ignore[no-untyped-def]
    """pyHanko's validator called directly, as an outside verifier would."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    _, _, der = pem.unarmor(root_pem)
    (signature,) = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)], allow_fetching=False)
    return validate_pdf_signature(signature, context)


def one_byte_changed(data: bytes) -> bytes:
    """The file with one byte of the first page's image (inside the signed range) changed."""
    start = data.index(b"stream", data.index(b"/DCTDecode") if b"/DCTDecode" in data else 0)
    position = start + 400
    signed_ranges = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)", data)
    assert signed_ranges and position < int(signed_ranges.group(2))
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


# ---------------------------------------------------------------- the signature


def test_pdfsig_finds_the_signature_valid_and_covering_the_file(signed: Path) -> None:
    report = pdfsig(signed)
    assert "Signature is Valid." in report, report
    assert "Total document signed" in report, report
    assert "ETSI.CAdES.detached" in report  # PAdES
    assert "SHA-256" in report


def test_pyhankos_validator_finds_it_intact_trusted_and_unmodified(
    signed: Path, authority: LocalAuthority
) -> None:
    status = pyhanko_status(signed.read_bytes(), authority.root_pem)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    assert TEST_MARK in status.signing_cert.subject.human_friendly


def test_one_changed_byte_fails_both_validators(
    signed: Path, authority: LocalAuthority, tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(one_byte_changed(signed.read_bytes()))
    report = pdfsig(tampered)
    assert "Signature is Valid." not in report, report
    assert re.search(r"Signature Validation: (Digest Mismatch|Signature is Invalid)", report)
    status = pyhanko_status(tampered.read_bytes(), authority.root_pem)
    assert not status.intact and not status.bottom_line
    assert verify.verify_pdf(tampered.read_bytes(), [authority.root_pem]).reason == (
        verify.BROKEN_SIGNATURE
    )


def test_our_verification_agrees(signed: Path, authority: LocalAuthority) -> None:
    data = signed.read_bytes()
    result = verify.verify_pdf(data, [authority.root_pem])
    assert result.valid and result.reason == verify.OK, result
    assert result.intact and result.whole_file and result.trusted
    assert result.signer == f"{UNIT}, {TEST_MARK}"
    assert result.file_sha256 == hashlib.sha256(data).hexdigest()
    begin, first, second, rest = (
        int(n) for n in re.search(rb"/ByteRange\s*\[([\d\s]+)\]", data).group(1).split()
    )
    covered = data[begin : begin + first] + data[second : second + rest]
    assert result.signed_sha256 == hashlib.sha256(covered).hexdigest()
    assert result.signed_at is not None
    assert abs(result.signed_at - datetime.now(UTC)) < timedelta(minutes=10)


# ---------------------------------------------------------------- what it looks like


Placed = tuple[str, float, float, float, float]


def words_with_boxes(path: Path, page: int) -> tuple[float, float, list[Placed]]:
    """(page width, page height, [(text, xMin, yMin, xMax, yMax)]) from ``pdftotext -bbox``."""
    done = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    root = ET.fromstring(re.sub(r'xmlns="[^"]+"', "", done.stdout))
    page_box = root.find(".//page")
    words = [
        (w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
        for w in root.iter("word")
    ]
    return float(page_box.get("width")), float(page_box.get("height")), words


def test_visible_signature_is_top_right_of_page_one_with_the_iso_time(signed: Path) -> None:
    """Decree 30/2020 appendix I: top right of page 1, 10 pt, signer and ISO-8601 time."""
    width, height, words = words_with_boxes(signed, 1)
    status = verify.verify_pdf(signed.read_bytes(), [])
    iso = iso_time(status.signed_at)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", iso)
    signature_words = [w for w in words if iso in w[0] or UNIT in w[0]]
    assert len(signature_words) == 2, words
    for _text, x_min, y_min, x_max, y_max in signature_words:
        assert x_min > width / 3 and x_max <= width, (x_min, x_max, width)
        assert y_max < height / 10
        assert 9 <= y_max - y_min <= 13  # a 10 pt line (pdftotext adds ascent and descent)
    with pikepdf.open(signed) as pdf:
        (annotation,) = pdf.pages[0].Annots
        x1, y1, x2, y2 = (float(v) for v in annotation.Rect)
        assert x1 > width / 3 and x2 <= width and y2 <= height and y1 > height * 0.9
        appearance = annotation.AP.N
        resources = appearance.Resources
        inner = [x for x in resources.get("/XObject", {}).values()]
        for form in [appearance, *inner]:
            assert all(
                x.get("/Subtype") != pikepdf.Name.Image
                for x in form.get("/Resources", {}).get("/XObject", {}).values()
            )  # no image
            stream = form.read_bytes()
            assert not re.search(rb"\d\s+(rg|k|g|sc|scn)\b", stream.replace(b"0 g", b""))


def test_attestation_page_reads_back_and_its_qr_code_is_the_verification_url(
    signed: Path, tmp_path: Path
) -> None:
    with pikepdf.open(signed) as pdf:
        pages = len(pdf.pages)
    assert pages == 3  # the two pages of the document and the attestation
    text = subprocess.run(
        ["pdftotext", "-layout", "-f", str(pages), "-l", str(pages), str(signed), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for expected in (
        ATTESTATION,
        "Số chứng thực: 15",
        "Quyển số: 12/2026-SCTĐT/BS",
        "Ngày 05 tháng 3 năm 2026",
        "Người thực hiện chứng thực",
        "Công chức Tư pháp - Hộ tịch",
        "Nguyễn Thị Lan",
        UNIT.upper(),
        "Giấy khai sinh",
    ):
        assert expected in text, (expected, text)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-f",
            str(pages),
            "-l",
            str(pages),
            "-png",
            str(signed),
            str(tmp_path / "last"),
        ],
        check=True,
    )
    (picture,) = tmp_path.glob("last*.png")
    codes = zxingcpp.read_barcodes(Image.open(picture))
    assert [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode] == [URL]


def test_the_document_pages_are_kept_as_they_were(signed: Path, searchable: bytes) -> None:
    original = subprocess.run(
        ["pdftotext", "-", "-"], input=searchable, capture_output=True, check=True
    ).stdout.decode()
    copy = subprocess.run(
        ["pdftotext", "-l", "2", str(signed), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Nguyễn Văn Đặng" in original
    assert copy.replace(f"{UNIT}, {TEST_MARK}", "").count("Nguyễn Văn Đặng") == 1
    with pikepdf.open(io.BytesIO(searchable)) as before, pikepdf.open(signed) as after:
        for old, new in zip(before.pages, after.pages, strict=False):
            assert old.Contents.read_bytes() == new.Contents.read_bytes()
            (old_image,) = old.Resources.XObject.values()
            (new_image,) = new.Resources.XObject.values()
            assert old_image.read_raw_bytes() == new_image.read_raw_bytes()


# ---------------------------------------------------------------- PDF/A and determinism


def test_the_signed_copy_is_still_pdfa_2b(signed: Path, searchable: bytes, tmp_path: Path) -> None:
    source = tmp_path / "searchable.pdf"
    source.write_bytes(searchable)
    assert pdfa_2b_problems(source) == []
    assert pdfa_2b_problems(signed) == []


def test_pdfa_rules_see_widths_that_disagree_with_the_font(signed: Path, tmp_path: Path) -> None:
    """The rules can fail: the signature font's /W doubled, as pyHanko wrote it for
    Liberation Serif before ``certify.copy`` rescaled the font."""
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(signed) as pdf:
        (annotation,) = pdf.pages[0].Annots
        font = next(iter(annotation.AP.N.Resources.Font.values()))
        cid_font = font.DescendantFonts[0]
        cid_font.W = pikepdf.Array(
            [v if isinstance(v, int) else pikepdf.Array([w * 2 for w in v]) for v in cid_font.W]
        )
        pdf.save(broken)
    assert any("/W" in p for p in pdfa_2b_problems(broken))


def test_same_input_and_signing_time_give_the_same_bytes(
    searchable: bytes, key: Pkcs12Key, tmp_path: Path
) -> None:
    """Deterministic apart from the signing time, which is the same instant everywhere:
    the CMS signing time, the visible text, /ModDate and the XMP's ModifyDate."""
    moment = datetime(2026, 3, 5, 14, 30, 12, tzinfo=VIETNAM)
    with open_signer(key) as signer:
        first = certified_copy(searchable, CERTIFICATION, signer, signing_time=moment)
        time.sleep(1.1)  # in another second of the clock: nothing may depend on it
        second = certified_copy(searchable, CERTIFICATION, signer, signing_time=moment)
        later = certified_copy(
            searchable, CERTIFICATION, signer, signing_time=moment + timedelta(seconds=1)
        )
    assert first.pdf == second.pdf
    assert later.pdf != first.pdf
    assert first.signed_at == moment
    assert verify.verify_pdf(first.pdf, []).signed_at == moment
    path = tmp_path / "first.pdf"
    path.write_bytes(first.pdf)
    _, _, words = words_with_boxes(path, 1)
    assert any("2026-03-05T14:30:12+07:00" in w[0] for w in words)
    with pikepdf.open(path) as pdf, pdf.open_metadata() as meta:
        assert decode_pdf_date(str(pdf.docinfo.ModDate)) == moment
        assert datetime.fromisoformat(meta["xmp:ModifyDate"]) == moment


# ---------------------------------------------------------------- refusals


def test_no_key_configured_is_refused() -> None:
    with pytest.raises(KeyRefused) as refused:
        key_config(pkcs12_path="", pkcs11_module="")
    assert refused.value.code == NO_KEY
    with pytest.raises(KeyRefused) as refused:
        open_signer(None)
    assert refused.value.code == NO_KEY


@pytest.mark.parametrize(
    ("validity", "usage", "code"),
    [
        ((-400, -30), True, EXPIRED),
        ((30, 400), True, NOT_YET_VALID),
        ((-1, 400), False, NOT_FOR_SIGNING),
    ],
)
def test_unusable_certificates_are_refused(
    validity: tuple[int, int], usage: bool, code: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    authority = make_test_authority(
        UNIT,
        not_before=now + timedelta(days=validity[0]),
        not_after=now + timedelta(days=validity[1]),
        digital_signature=usage,
    )
    path = tmp_path / "unit.p12"
    path.write_bytes(authority.p12)
    with pytest.raises(KeyRefused) as refused:
        open_signer(key_config(pkcs12_path=path, pkcs12_passphrase=authority.passphrase))
    assert refused.value.code == code


def test_a_wrong_passphrase_or_missing_file_is_refused(key: Pkcs12Key, tmp_path: Path) -> None:
    for config in (Pkcs12Key(key.path, "wrong"), Pkcs12Key(tmp_path / "none.p12", "x")):
        with pytest.raises(KeyRefused) as refused:
            open_signer(config)
        assert refused.value.code == KEY_UNAVAILABLE
        assert key.passphrase not in str(refused.value) and key.passphrase not in repr(config)


def test_development_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = development_key(tmp_path / "ca")
    again = development_key(tmp_path / "ca")
    assert first == again and first.p12.read_bytes() == again.p12.read_bytes()
    root = x509.load_pem_x509_certificate(first.root_pem.read_bytes())
    assert TEST_MARK in root.subject.rfc4514_string()
    with open_signer(Pkcs12Key(first.p12, first.passphrase)) as signer:
        assert TEST_MARK in signer.name
    assert oct(first.p12.stat().st_mode & 0o777) == "0o600"


# ---------------------------------------------------------------- hostile input


def test_verification_answers_every_bad_file_without_raising(
    signed: Path, searchable: bytes, authority: LocalAuthority, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = signed.read_bytes()
    roots = [authority.root_pem]
    assert verify.verify_pdf(b"", roots).reason == verify.EMPTY
    assert verify.verify_pdf(b"GIF89a" + data, roots).reason == verify.NOT_PDF
    assert verify.verify_pdf(data[: len(data) // 3], roots).reason in (
        verify.UNREADABLE,
        verify.NO_SIGNATURE,
    )
    assert verify.verify_pdf(b"%PDF-1.7\n" + b"\x00" * 5000, roots).reason == verify.UNREADABLE
    assert verify.verify_pdf(searchable, roots).reason == verify.NO_SIGNATURE
    appended = data + b"\n99 0 obj\n<< /Evil true >>\nendobj\n"
    assert verify.verify_pdf(appended, roots).reason == verify.MODIFIED
    assert verify.verify_pdf(data, []).reason == verify.UNTRUSTED
    other_root = make_test_authority("Another unit").root_pem
    assert verify.verify_pdf(data, [other_root]).reason == verify.UNTRUSTED
    broken_signature = re.sub(rb"/Contents\s*<3082", b"/Contents <3083", data, count=1)
    assert broken_signature != data
    assert not verify.verify_pdf(broken_signature, roots).valid
    monkeypatch.setattr(verify, "MAX_PDF_BYTES", len(data) - 1)
    assert verify.verify_pdf(data, roots).reason == verify.TOO_LARGE


# ---------------------------------------------------------------- PKCS#11


SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


def test_signing_through_a_pkcs11_token(
    searchable: bytes,
    authority: LocalAuthority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The test key imported into a SoftHSM token signs through pyHanko's PKCS#11 path,
    as the unit's USB token does; the result verifies like the PKCS#12 one."""
    import pkcs11
    from cryptography.hazmat.primitives.serialization import Encoding

    tokens = tmp_path / "tokens"
    tokens.mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    pin, label = "4321", "sohoa-test"
    util = ["softhsm2-util"]
    subprocess.run(
        [*util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "8765"],
        check=True,
        capture_output=True,
    )
    key_file = tmp_path / "unit-key.pem"
    key_file.write_bytes(authority.unit_key_pem)
    subprocess.run(
        [
            *util,
            "--import",
            str(key_file),
            "--token",
            label,
            "--label",
            "unit",
            "--id",
            "01",
            "--pin",
            pin,
        ],
        check=True,
        capture_output=True,
    )
    certificate = x509.load_pem_x509_certificate(authority.unit_cert_pem)
    token = pkcs11.lib(str(SOFTHSM_MODULE)).get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        session.create_object(
            {
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: "unit",
                pkcs11.Attribute.ID: b"\x01",
                pkcs11.Attribute.SUBJECT: certificate.subject.public_bytes(),
                pkcs11.Attribute.VALUE: certificate.public_bytes(Encoding.DER),
            }
        )
    config_key = key_config(
        pkcs11_module=str(SOFTHSM_MODULE),
        pkcs11_token_label=label,
        pkcs11_key_label="unit",
        pkcs11_pin=pin,
    )
    with open_signer(config_key) as signer:
        assert signer.certificate == certificate
        copy = certified_copy(searchable, CERTIFICATION, signer)
    result = verify.verify_pdf(copy.pdf, [authority.root_pem])
    assert result.valid, result
    path = tmp_path / "token-signed.pdf"
    path.write_bytes(copy.pdf)
    assert "Signature is Valid." in pdfsig(path)
    with pytest.raises(KeyRefused) as refused:
        open_signer(
            key_config(
                pkcs11_module=str(SOFTHSM_MODULE),
                pkcs11_token_label=label,
                pkcs11_key_label="unit",
                pkcs11_pin="0000",
            )
        )
    assert refused.value.code == KEY_UNAVAILABLE
