"""``sohoa ocr`` end to end through the installed CLI, on every input kind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pikepdf
import pillow_heif
import pytest
from PIL import Image

from ocr.words import Box
from testkit import pagegen
from testkit.textmetrics import cer


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def image_colourspaces(path: Path) -> list[str]:
    spaces = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for image in page.get_images().values():
                spaces.append(str(image.ColorSpace))
    return spaces


def iou(a: Box, b: Box) -> float:
    w = min(a.right, b.right) - max(a.left, b.left)
    h = min(a.bottom, b.bottom) - max(a.top, b.top)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a.width * a.height + b.width * b.height - inter)


@pytest.fixture(scope="module")
def two_pages() -> list[pagegen.RenderedPage]:
    return [pagegen.render_page(41, n_lines=10), pagegen.render_page(42, n_lines=10)]


def test_multipage_pdf_to_searchable_pdfa(two_pages, run_sohoa, tmp_path):
    sealed = pagegen.DEGRADATIONS["seal"](two_pages[0].image, 5)
    plain = two_pages[1].image
    source = tmp_path / "hồ sơ.pdf"
    pagegen.save_pdf([sealed, plain], source, 300)
    out, text, report = tmp_path / "out.pdf", tmp_path / "out.txt", tmp_path / "out.json"

    done = run_sohoa("ocr", source, out, "--sidecar", text, "--json", report, "--jobs", 2)
    assert done.returncode == 0, done.stderr

    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 2
        assert "/OutputIntents" in pdf.Root
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
    # Colour kept where the paper has colour (the seal), grey where it has none.
    assert image_colourspaces(out) == ["/DeviceRGB", "/DeviceGray"]

    extracted = pdftotext(out).split("\f")
    for truth, page_text in zip(two_pages, extracted, strict=False):
        assert cer(truth.text, page_text) < 0.03

    assert out.stat().st_mode & 0o044, "output must be readable like any other file"
    sidecar = text.read_text(encoding="utf-8")
    assert sidecar == unicodedata.normalize("NFC", sidecar)
    pages = sidecar.split("\f")
    assert len(pages) == 2
    assert cer(two_pages[1].text, pages[1]) < 0.02

    details = json.loads(report.read_text(encoding="utf-8"))
    assert [p["page"] for p in details["pages"]] == [1, 2]
    first = details["pages"][0]
    assert first["colour"] is True and details["pages"][1]["colour"] is False
    for key in ("rotation", "skew", "mean_confidence", "timings", "words", "dpi"):
        assert key in first
    assert first["mean_confidence"] > 70
    assert {"rasterise", "orientation", "deskew", "ocr", "encode"} <= set(first["timings"])


def test_word_boxes_land_on_the_words(two_pages, run_sohoa, tmp_path):
    page = two_pages[1]
    source = tmp_path / "page.png"
    pagegen.save_png(page.image, source, page.dpi)
    report = tmp_path / "page.json"
    done = run_sohoa("ocr", source, tmp_path / "page.pdf", "--json", report)
    assert done.returncode == 0, done.stderr
    details = json.loads(report.read_text(encoding="utf-8"))["pages"][0]
    found = details["words"]
    # Boxes are reported in the pixels of the page image as stored in the PDF.
    scale = details["dpi"] / page.dpi
    truth_by_text: dict[str, list[Box]] = {}
    for word in page.words:
        b = word.box
        scaled = Box(*(round(v * scale) for v in (b.left, b.top, b.right, b.bottom)))
        truth_by_text.setdefault(word.text, []).append(scaled)
    matched = [
        max(iou(Box(*w["box"]), t) for t in truth_by_text[w["text"]])
        for w in found
        if w["text"] in truth_by_text
    ]
    assert len(matched) >= 0.9 * len(page.words)
    assert sum(m > 0.5 for m in matched) >= 0.95 * len(matched)


@pytest.mark.parametrize("kind", ["tiff", "jpeg", "png-named-pdf", "webp", "heic"])
def test_other_input_kinds(two_pages, run_sohoa, tmp_path, kind):
    images = [two_pages[0].image, two_pages[1].image]
    if kind == "tiff":
        source = tmp_path / "scan.tif"
        pagegen.save_tiff(images, source, 300)
        expected = 2
    elif kind == "jpeg":
        source = tmp_path / "scan.jpg"
        pagegen.save_jpeg(images[0], source, 300, 75)
        expected = 1
    elif kind in ("webp", "heic"):  # as phones and messaging apps send photos
        pillow_heif.register_heif_opener()  # the encoder, for the test to write HEIC
        source = tmp_path / f"photo.{kind}"
        images[0].convert("RGB").save(
            source, format="WEBP" if kind == "webp" else "HEIF", quality=90
        )
        expected = 1
    else:  # judged by content, not by name
        source = tmp_path / "actually-a-png.pdf"
        pagegen.save_png(images[0], source, 300)
        expected = 1
    out, text = tmp_path / "out.pdf", tmp_path / "out.txt"
    done = run_sohoa("ocr", source, out, "--sidecar", text)
    assert done.returncode == 0, done.stderr
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == expected
    pages = text.read_text(encoding="utf-8").split("\f")
    for truth, got in zip(two_pages, pages, strict=False):
        assert cer(truth.text, got) < 0.02


def test_rotated_photo_is_turned_upright(two_pages, run_sohoa, tmp_path):
    source = tmp_path / "sideways.jpg"
    pagegen.save_jpeg(pagegen.rotate_quadrant(two_pages[0].image, 90), source, 300, 80)
    out, report = tmp_path / "out.pdf", tmp_path / "out.json"
    done = run_sohoa("ocr", source, out, "--json", report)
    assert done.returncode == 0, done.stderr
    page = json.loads(report.read_text(encoding="utf-8"))["pages"][0]
    assert page["rotation"] == 90
    with pikepdf.open(out) as pdf:
        box = pdf.pages[0].mediabox
        assert float(box[3]) > float(box[2]), "the output page is portrait again"


def test_page_with_text_is_kept_unless_forced(two_pages, run_sohoa, tmp_path):
    source = tmp_path / "scan.png"
    pagegen.save_png(two_pages[0].image, source, 300)
    first = tmp_path / "first.pdf"
    assert run_sohoa("ocr", source, first).returncode == 0
    again, report = tmp_path / "again.pdf", tmp_path / "again.json"
    done = run_sohoa("ocr", first, again, "--json", report)
    assert done.returncode == 0, done.stderr
    page = json.loads(report.read_text(encoding="utf-8"))["pages"][0]
    assert page["kept_existing_text"] is True and page["words"] == []
    assert cer(two_pages[0].text, pdftotext(again)) < 0.02

    forced_report = tmp_path / "forced.json"
    done = run_sohoa("ocr", first, tmp_path / "forced.pdf", "--json", forced_report, "--force-ocr")
    assert done.returncode == 0, done.stderr
    forced = json.loads(forced_report.read_text(encoding="utf-8"))["pages"][0]
    assert forced["kept_existing_text"] is False and forced["words"]


def _encrypted_pdf(path: Path, user: str) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path, encryption=pikepdf.Encryption(user=user, owner="chủ-sở-hữu"))


def _bomb_png(path: Path) -> None:
    # 20000 x 20000 grey pixels: ~400 MB decoded, a few hundred KB on disk.
    import zlib

    row = b"\x00" + b"\xff" * 20000
    body = zlib.compress(row * 20000, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return len(data).to_bytes(4, "big") + kind + data + crc.to_bytes(4, "big")

    header = (20000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


BAD_INPUTS = {
    "empty": (lambda p: p.write_bytes(b""), 5, "empty"),
    "docx named pdf": (lambda p: p.write_bytes(b"PK\x03\x04" + os.urandom(200)), 3, ""),
    "truncated jpeg": (None, 4, ""),
    "corrupt pdf": (lambda p: p.write_bytes(b"%PDF-1.7\n" + os.urandom(3000)), 4, ""),
    "password pdf": (lambda p: _encrypted_pdf(p, "mật-khẩu"), 6, "password"),
    "encrypted pdf": (lambda p: _encrypted_pdf(p, ""), 7, "encrypt"),
    "decompression bomb": (_bomb_png, 8, ""),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_cleanly(case, two_pages, run_sohoa, tmp_path):
    make, exit_code, word = BAD_INPUTS[case]
    source = tmp_path / "in" / "bad-input.pdf"
    source.parent.mkdir()
    if make is None:
        full = tmp_path / "full.jpg"
        pagegen.save_jpeg(two_pages[0].image, full, 300, 80)
        source.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    else:
        make(source)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    done = run_sohoa(
        "ocr", source, out_dir / "x.pdf", "--sidecar", out_dir / "x.txt", "--json", out_dir / "x.j"
    )
    assert done.returncode == exit_code, done.stderr
    message = done.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "bad-input.pdf" in message and "Traceback" not in message
    assert word.lower() in message.lower()
    assert list(out_dir.iterdir()) == [], "no partial output may be left behind"


def test_unwritable_output_fails_without_traceback(two_pages, run_sohoa, tmp_path):
    source = tmp_path / "scan.png"
    Image.new("RGB", (800, 600), "white").save(source)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    done = run_sohoa("ocr", source, blocker / "out.pdf")
    assert done.returncode == 11, done.stderr
    assert "Traceback" not in done.stderr


def test_missing_language_data_is_reported(run_sohoa, tmp_path):
    source = tmp_path / "scan.png"
    Image.new("RGB", (800, 600), "white").save(source)
    done = run_sohoa("ocr", source, tmp_path / "out.pdf", "--lang", "xyz")
    assert done.returncode == 10, done.stderr
    assert "xyz" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out.pdf").exists()


def test_coarse_photo_is_archived_at_200_dpi_at_least(two_pages, run_sohoa, tmp_path):
    # A phone photo: ~100 dpi over an A4 page, no resolution recorded.
    small = two_pages[0].image.resize((827, 1169))
    source = tmp_path / "photo.jpg"
    small.save(source, quality=85)
    out, report = tmp_path / "out.pdf", tmp_path / "out.json"
    done = run_sohoa("ocr", source, out, "--json", report)
    assert done.returncode == 0, done.stderr
    page = json.loads(report.read_text(encoding="utf-8"))["pages"][0]
    assert page["dpi"] >= 200
    assert page["warnings"] == [] and "warning" not in done.stderr
    with pikepdf.open(out) as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        width_in = float(pdf.pages[0].mediabox[2]) / 72
        assert int(image.Width) / width_in >= 199.5


def thumbnail_of_a_page() -> Image.Image:
    """A web copy of an A4 page of body text (~50 dpi): its words are 6–8 px tall. (The
    module's ``two_pages`` have few, large lines, still readable at this size.)"""
    return pagegen.render_page(43).image.convert("RGB").resize((413, 584), Image.LANCZOS)


def test_a_picture_too_small_to_read_is_read_with_a_warning(two_pages, run_sohoa, tmp_path):
    """A web thumbnail of an A4 page (~50 dpi, glyphs of 5–6 px) is still digitised, but
    the page says its reading is not to be trusted instead of passing garbage as text."""
    source = tmp_path / "thumbnail.jpg"
    thumbnail_of_a_page().save(source, quality=85)
    out, report = tmp_path / "out.pdf", tmp_path / "out.json"
    done = run_sohoa("ocr", source, out, "--json", report)
    assert done.returncode == 0, done.stderr
    page = json.loads(report.read_text(encoding="utf-8"))["pages"][0]
    assert page["warnings"] == ["small_text"]
    assert "page 1: the text is too small" in done.stderr and "[small_text]" in done.stderr


def test_pictures_of_one_paper_become_one_searchable_pdf(two_pages, run_sohoa, tmp_path):
    """``sohoa ocr page1.jpg page2.webp out.pdf``: the pictures are the pages, in order; a
    page's warning names its own picture; an unfit picture refuses them all, by name."""
    first, second, thumb = tmp_path / "trang 1.jpg", tmp_path / "trang 2.webp", tmp_path / "nhỏ.jpg"
    two_pages[0].image.convert("RGB").save(first, quality=90)
    two_pages[1].image.convert("RGB").save(second, quality=90)
    thumbnail_of_a_page().save(thumb, quality=85)
    out, text = tmp_path / "out.pdf", tmp_path / "out.txt"
    done = run_sohoa("ocr", first, second, thumb, out, "--sidecar", text)
    assert done.returncode == 0, done.stderr
    pages = text.read_text(encoding="utf-8").split("\f")
    assert len(pages) == 3
    for page, truth in zip(pages, two_pages, strict=False):
        assert cer(truth.text, page) < 0.02
    assert "warning: nhỏ.jpg: the text is too small" in done.stderr
    assert "trang 1.jpg: " not in done.stderr.replace(str(out), "")
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 3

    broken = tmp_path / "hỏng.jpg"
    broken.write_bytes(first.read_bytes()[:3000])
    again = tmp_path / "again.pdf"
    refused = run_sohoa("ocr", first, broken, again)
    assert refused.returncode == 4 and "hỏng.jpg" in refused.stderr
    assert not again.exists()


def test_the_ocr_command_does_not_load_the_archive_or_the_classifiers() -> None:
    """``sohoa ocr`` pays its imports once per file, on every file a commune's batch script
    digitises: SQLAlchemy and the tables, the classifiers' models and scikit-learn, the API
    (together over a second) are for other commands."""
    heavy = (
        "sklearn",
        "sqlalchemy",
        "classifiers.classify",
        "classifiers.fields",
        "classifiers.doctypes",
        "storage.models",
        "api",
        "fastapi",
        "celery",
    )
    probe = f"import sys, sohoa.cli; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert loaded == []
