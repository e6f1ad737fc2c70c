"""The searchable PDF/A: text comes back exactly, selection covers the words, images stay true.

Everything is checked with real tools: poppler's pdftotext/pdftoppm, Ghostscript,
qpdf and pikepdf. Pages are drawn here with Pillow and Liberation Serif, and the
word boxes come from Pillow's own text measurements, as Tesseract's would.
"""

from __future__ import annotations

import io
import pickle
import random
import struct
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from pikepdf.models.metadata import decode_pdf_date
from PIL import Image, ImageCms, ImageDraw, ImageFont

from ocr.pdf import (
    EncodedImage,
    KeptPage,
    OcrPage,
    assemble_searchable_pdf,
    encode_page_image,
    flate_encoded,
)
from ocr.textlayer import GLYPH_WIDTH, glyphless_font, glyphless_font_path
from ocr.words import Box, Word

FONT_PATH = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
LINES = (
    "Nguyễn Văn Đặng",
    "Ủy ban nhân dân xã Lâm Bình",
    "hộ kinh doanh",
    "chứng thực bản sao",
    "ĐĂNG KÝ KHAI SINH cho trẻ em",
)
VOCABULARY = (
    "cộng hòa xã hội chủ nghĩa việt nam độc lập tự do hạnh phúc ủy ban nhân dân "
    "giấy chứng nhận đăng ký hộ kinh doanh chứng thực bản sao từ bản chính người "
    "yêu cầu số điện thoại địa chỉ thường trú căn cước công dân ngày cấp nơi cấp"
)
RED = (220, 0, 0)
RED_SQUARE = (1200, 40, 1300, 140)


# ---------------------------------------------------------------- helpers


def draw_page(
    lines: tuple[str, ...] | list[str],
    *,
    size: tuple[int, int] = (1400, 440),
    font_px: int = 48,
    margin: int = 60,
    spacing: float = 1.35,
    colour: bool = True,
) -> tuple[Image.Image, list[Word]]:
    """A page with ``lines`` printed on it and the words' pixel boxes, like OCR output."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_PATH, font_px)
    words: list[Word] = []
    y = margin // 2
    for line_no, line in enumerate(lines):
        x = float(margin)
        for text in line.split():
            left, top, right, bottom = draw.textbbox((x, y), text, font=font)
            draw.text((x, y), text, font=font, fill="black")
            box = Box(round(left), round(top), round(right), round(bottom))
            words.append(Word(text, 95.0, box, line_no))
            x += draw.textlength(text + " ", font=font)
        y += round(font_px * spacing)
    if colour:
        draw.rectangle(RED_SQUARE, fill=RED)
    return image, words


def pdftotext(path: Path, *args: str) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def text_lines(path: Path, *args: str) -> list[str]:
    return [line.strip() for line in pdftotext(path, *args).splitlines() if line.strip("\f ")]


def extracted_boxes(path: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    """pdftotext's words and their boxes in points, origin top-left."""
    root = ET.fromstring(pdftotext(path, "-bbox"))
    return [
        (
            element.text or "",
            tuple(float(element.get(key)) for key in ("xMin", "yMin", "xMax", "yMax")),
        )
        for element in root.iter("{http://www.w3.org/1999/xhtml}word")
    ]


def render(path: Path, dpi: float, tmp_path: Path, *, page: int = 1) -> Image.Image:
    stem = tmp_path / f"render-{page}"
    pages = ["-f", str(page), "-l", str(page)]
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), *pages, "-singlefile", "-png", str(path), str(stem)],
        check=True,
        capture_output=True,
    )
    with Image.open(f"{stem}.png") as rendered:
        return rendered.convert("RGB")


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    inter_w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def only_image(pdf: pikepdf.Pdf, index: int = 0) -> pikepdf.Stream:
    (image,) = pdf.pages[index].Resources.XObject.values()
    return image


def make_text_pdf(path: Path, texts: list[str]) -> None:
    """A born-digital PDF with real (ASCII, Helvetica) text, one page per string.

    MediaBox and Resources sit on the page tree, not the pages, as many producers
    write them: a copied page must take its inherited attributes along.
    """
    pdf = pikepdf.new()
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica"
    )
    for text in texts:
        content = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, Contents=pikepdf.Stream(pdf, content))
        pdf.pages.append(pikepdf.Page(page))
    pdf.Root.Pages.MediaBox = [0, 0, 612, 792]
    pdf.Root.Pages.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    for page in pdf.pages:
        for key in ("/MediaBox", "/Resources"):
            if key in page.obj:
                del page.obj[key]
    pdf.save(path)


@pytest.fixture(scope="module")
def colour_page() -> tuple[Image.Image, list[Word]]:
    return draw_page(LINES)


@pytest.fixture(scope="module")
def colour_pdf(
    colour_page: tuple[Image.Image, list[Word]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    image, words = colour_page
    path = tmp_path_factory.mktemp("colour") / "out.pdf"
    page = OcrPage(encode_page_image(image), dpi=300, words=words)
    assemble_searchable_pdf([page], path, title="Hồ sơ chứng thực")
    return path


# ---------------------------------------------------------------- text layer


def test_extracted_text_is_the_vietnamese_words_line_by_line(colour_pdf: Path) -> None:
    lines = text_lines(colour_pdf)
    assert lines == list(LINES)
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)
    # Content-stream order, without poppler's layout analysis, is the same.
    assert text_lines(colour_pdf, "-raw") == list(LINES)


def test_decomposed_input_is_written_as_nfc(tmp_path: Path) -> None:
    image, words = draw_page(LINES[:2])
    decomposed = [
        Word(unicodedata.normalize("NFD", w.text), w.confidence, w.box, w.line) for w in words
    ]
    assert any(w.text != n.text for w, n in zip(decomposed, words, strict=True))
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encode_page_image(image), 300, decomposed)], output)
    assert text_lines(output) == list(LINES[:2])


def test_lines_follow_line_index_not_list_order(tmp_path: Path) -> None:
    image, words = draw_page(LINES[:3])
    shuffled = sorted(words, key=lambda w: (-w.line, w.box.left))  # last line first
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encode_page_image(image), 300, shuffled)], output)
    assert text_lines(output, "-raw") == list(LINES[:3])


def test_blank_words_are_dropped_and_non_bmp_is_replaced(tmp_path: Path) -> None:
    image, words = draw_page(["Lâm Bình"])
    extra = [
        Word("  ", 10.0, Box(10, 10, 20, 20), 0),
        Word("𠀧", 50.0, Box(700, 30, 760, 80), 1),  # a Nôm character outside the BMP
    ]
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encode_page_image(image), 300, [*words, *extra])], output)
    assert text_lines(output) == ["Lâm Bình", "\ufffd"]


def test_words_stay_apart_when_their_boxes_touch(tmp_path: Path) -> None:
    """Poppler splits words by gaps alone, so abutting OCR boxes get a gap made for them."""
    words = [
        Word("Lâm", 90.0, Box(60, 40, 150, 90), 0),
        Word("Bình", 90.0, Box(151, 40, 250, 90), 0),
        Word("xã", 90.0, Box(245, 40, 300, 90), 0),  # overlaps its neighbour
    ]
    blank = Image.new("L", (400, 120), 255)
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encode_page_image(blank), 300, words)], output)
    assert text_lines(output) == ["Lâm Bình xã"]
    for word, (text, box_pt) in zip(words, extracted_boxes(output), strict=True):
        left, right = box_pt[0] * 300 / 72, box_pt[2] * 300 / 72
        assert text == word.text
        assert left == pytest.approx(word.box.left, abs=1.0)
        assert word.box.left + word.box.width / 2 - 1 <= right <= word.box.right + 1


def test_selection_boxes_cover_the_printed_words(
    colour_pdf: Path, colour_page: tuple[Image.Image, list[Word]]
) -> None:
    """What pdftotext reports as a word's box is what a viewer highlights."""
    _, words = colour_page
    extracted = extracted_boxes(colour_pdf)
    assert [text for text, _ in extracted] == [w.text for w in words]
    px_per_pt = 300 / 72
    line_height = {
        line: max(w.box.bottom for w in words if w.line == line)
        - min(w.box.top for w in words if w.line == line)
        for line in {w.line for w in words}
    }
    for word, (_, box_pt) in zip(words, extracted, strict=True):
        found = tuple(v * px_per_pt for v in box_pt)
        pixels = tuple(float(v) for v in word.box.as_list())
        # Horizontally the highlight is the word, thanks to Tz scaling.
        assert found[0] == pytest.approx(pixels[0], abs=1.0), word.text
        assert found[2] == pytest.approx(pixels[2], abs=1.0), word.text
        # Vertically it is the line's band, which contains the word.
        assert found[1] <= pixels[1] + 1 and found[3] >= pixels[3] - 1, word.text
        assert found[3] - found[1] == pytest.approx(line_height[word.line], abs=1.5)
        # So the overlap is the word's share of the line height: above half for
        # every word but those of x-height only beside tall diacritics and descenders.
        if word.box.height >= 0.55 * line_height[word.line]:
            assert iou(found, pixels) > 0.5, word.text
        assert iou(found, pixels) > 0.4, word.text


def test_text_layer_is_invisible(tmp_path: Path) -> None:
    _, words = draw_page(LINES)
    blank = Image.new("RGB", (1400, 440), "white")
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf(
        [OcrPage(encode_page_image(blank, jpeg_quality=90), 300, words)], output
    )
    assert text_lines(output) == list(LINES)
    low, _ = render(output, 100, tmp_path).convert("L").getextrema()
    assert low >= 250


def test_glyphless_font_width_matches_dw() -> None:
    """PDF/A wants /DW to equal the embedded glyph's advance; read it from the font itself."""
    font = glyphless_font()
    assert glyphless_font_path().name == "pdf.ttf"
    (num_tables,) = struct.unpack(">H", font[4:6])
    tables = {}
    for i in range(num_tables):
        tag, _, offset, length = struct.unpack(">4sIII", font[12 + 16 * i : 28 + 16 * i])
        tables[tag] = (offset, length)
    head = tables[b"head"][0]
    (units_per_em,) = struct.unpack(">H", font[head + 18 : head + 20])
    hmtx, length = tables[b"hmtx"]
    advances = [struct.unpack(">H", font[hmtx + 4 * i : hmtx + 4 * i + 2])[0] for i in range(2)]
    assert length >= 8  # glyph 0 (.notdef) and glyph 1, the one every CID maps to
    assert advances[1] * 1000 / units_per_em == GLYPH_WIDTH


# ---------------------------------------------------------------- images and geometry


@pytest.mark.parametrize("dpi", [200, 300, 150.5])
def test_page_size_is_pixels_over_dpi(tmp_path: Path, dpi: float) -> None:
    image = Image.new("L", (2480, 3508), 255)
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encode_page_image(image), dpi, [])], output)
    with pikepdf.open(output) as pdf:
        box = [float(v) for v in pdf.pages[0].MediaBox]
    assert box[:2] == [0, 0]
    assert box[2] == pytest.approx(2480 / dpi * 72, abs=1e-3)
    assert box[3] == pytest.approx(3508 / dpi * 72, abs=1e-3)


def test_colour_page_is_devicergb_and_red_renders_red(colour_pdf: Path, tmp_path: Path) -> None:
    with pikepdf.open(colour_pdf) as pdf:
        image = only_image(pdf)
        assert image.ColorSpace == pikepdf.Name.DeviceRGB
        assert image.Filter == pikepdf.Name.DCTDecode
        assert image.BitsPerComponent == 8
        assert image.Interpolate is False
        assert (int(image.Width), int(image.Height)) == (1400, 440)
    rendered = render(colour_pdf, 300, tmp_path)
    assert rendered.size == (1400, 440)
    centre = ((RED_SQUARE[0] + RED_SQUARE[2]) // 2, (RED_SQUARE[1] + RED_SQUARE[3]) // 2)
    red, green, blue = rendered.getpixel(centre)
    assert red > 180 and green < 50 and blue < 50
    assert min(rendered.getpixel((5, 5))) > 240  # paper stays white


def test_grey_page_is_devicegray_jpeg(tmp_path: Path) -> None:
    image, words = draw_page(LINES[:2], colour=False)
    grey = image.convert("L")
    encoded = encode_page_image(grey)
    assert (encoded.colorspace, encoded.filter) == ("gray", "DCTDecode")
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encoded, 300, words)], output)
    with pikepdf.open(output) as pdf:
        xobject = only_image(pdf)
        assert xobject.ColorSpace == pikepdf.Name.DeviceGray
        assert xobject.Filter == pikepdf.Name.DCTDecode
        assert pikepdf.PdfImage(xobject).as_pil_image().mode == "L"
    assert text_lines(output) == list(LINES[:2])


def test_bilevel_page_is_g4_and_renders_black_text_on_white(tmp_path: Path) -> None:
    image, words = draw_page(LINES, colour=False)
    bilevel = image.convert("L").point(lambda v: 255 if v > 128 else 0).convert("1")
    encoded = encode_page_image(bilevel)
    assert (encoded.colorspace, encoded.filter) == ("bilevel", "CCITTFaxDecode")
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encoded, 300, words)], output)
    with pikepdf.open(output) as pdf:
        xobject = only_image(pdf)
        assert xobject.ColorSpace == pikepdf.Name.DeviceGray
        assert xobject.BitsPerComponent == 1
        assert xobject.DecodeParms.K == -1
    rendered = np.asarray(render(output, 300, tmp_path).convert("L")) < 128
    source = np.asarray(bilevel.convert("L")) < 128
    assert rendered.shape == source.shape
    assert (rendered == source).mean() > 0.995
    assert 0.01 < rendered.mean() < 0.2  # black text on white, not the negative
    assert text_lines(output) == list(LINES)


@pytest.mark.parametrize("mode", ["RGB", "L", "1"])
def test_lossless_flate_images_render_faithfully(tmp_path: Path, mode: str) -> None:
    image, _ = draw_page(["Đặng"], size=(300, 120))
    image.paste((0, 90, 250), (200, 20, 280, 100))
    if mode != "RGB":
        image = image.convert("L")
    if mode == "1":
        image = image.point(lambda v: 255 if v > 128 else 0).convert("1")
    encoded = flate_encoded(image)
    assert encoded.filter == "FlateDecode"
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encoded, 72, [])], output)
    rendered = np.asarray(render(output, 72, tmp_path), dtype=float)
    expected = np.asarray(image.convert("RGB"), dtype=float)
    assert rendered.shape == expected.shape
    # poppler resamples glyph edges slightly even at 1:1; a wrong colour space,
    # channel order or polarity would be off by ~100 on average, not by a few.
    assert np.abs(rendered - expected).mean() < 5
    assert np.abs(rendered[40:80, 220:260] - expected[40:80, 220:260]).max() < 3


def test_encoding_reduces_other_modes_without_alpha() -> None:
    rgba = Image.new("RGBA", (40, 20), (0, 0, 255, 0))  # fully transparent blue
    rgba.paste((255, 0, 0, 255), (0, 0, 20, 20))
    encoded = encode_page_image(rgba, jpeg_quality=95)
    assert (encoded.colorspace, encoded.filter) == ("rgb", "DCTDecode")
    decoded = Image.open(io.BytesIO(encoded.data))
    assert decoded.mode == "RGB"
    assert min(decoded.getpixel((35, 10))) > 240  # transparency became paper white
    assert decoded.getpixel((5, 10))[0] > 200

    grey_alpha = Image.new("LA", (10, 10), (0, 255))
    assert encode_page_image(grey_alpha).colorspace == "gray"
    deep = Image.new("I;16", (10, 10), 40000)
    deep_encoded = encode_page_image(deep, jpeg_quality=95)
    assert deep_encoded.colorspace == "gray"
    assert Image.open(io.BytesIO(deep_encoded.data)).getpixel((5, 5)) == pytest.approx(156, abs=2)
    assert encode_page_image(Image.new("P", (10, 10))).colorspace == "rgb"


def test_jpeg_carries_no_icc_or_exif() -> None:
    image = Image.new("RGB", (64, 64), "white")
    image.info["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    encoded = encode_page_image(image)
    decoded = Image.open(io.BytesIO(encoded.data))
    assert "icc_profile" not in decoded.info
    assert "exif" not in decoded.info


def test_encoded_image_survives_pickling() -> None:
    encoded = encode_page_image(Image.new("1", (64, 32), 1))
    assert pickle.loads(pickle.dumps(encoded)) == encoded
    assert encoded.decode_parms == {"K": -1, "Columns": 64, "Rows": 32, "BlackIs1": True}


def test_invalid_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        assemble_searchable_pdf([], tmp_path / "out.pdf")
    encoded = encode_page_image(Image.new("L", (10, 10), 255))
    with pytest.raises(ValueError):
        assemble_searchable_pdf([OcrPage(encoded, 0, [])], tmp_path / "out.pdf")
    with pytest.raises(ValueError):
        encode_page_image(Image.new("L", (10, 10)), jpeg_quality=0)


# ---------------------------------------------------------------- PDF/A


def test_pdfa_2b_markers(colour_pdf: Path) -> None:
    """No PDF/A validator (veraPDF) is installable here, so check what it would check."""
    with pikepdf.open(colour_pdf) as pdf:
        assert pdf.pdf_version == "1.7"
        assert not pdf.is_encrypted
        assert pdf.Root.Lang == "vi"
        ids = pdf.trailer.ID
        assert len(ids) == 2 and all(len(bytes(i)) == 16 for i in ids)

        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert intent.OutputConditionIdentifier == "sRGB"
        profile = intent.DestOutputProfile
        assert profile.N == 3
        icc = profile.read_bytes()
        assert icc[12:16] == b"mntr" and icc[16:20] == b"RGB " and icc[8] <= 4
        ImageCms.ImageCmsProfile(io.BytesIO(icc))  # LittleCMS parses it

        metadata = pdf.Root.Metadata
        assert "/Filter" not in metadata  # XMP stays readable without PDF parsing
        with pdf.open_metadata() as meta:
            assert meta.pdfa_status == "2B"
            assert meta["pdfaid:part"] == "2"
            assert meta["pdfaid:conformance"] == "B"
            assert meta["dc:title"] == "Hồ sơ chứng thực"
            assert meta["xmp:CreatorTool"] == "sohoa"
            info = pdf.docinfo
            assert str(info.Title) == meta["dc:title"]
            assert str(info.Creator) == meta["xmp:CreatorTool"]
            assert str(info.Producer) == meta["pdf:Producer"]
            for key, xmp_key in (
                ("/CreationDate", "xmp:CreateDate"),
                ("/ModDate", "xmp:ModifyDate"),
            ):
                info_date = decode_pdf_date(str(info[key]))
                assert info_date == datetime.fromisoformat(meta[xmp_key])

        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                assert font.Subtype == pikepdf.Name.Type0
                assert font.Encoding == pikepdf.Name("/Identity-H")
                assert "/ToUnicode" in font
                (cid_font,) = font.DescendantFonts
                assert cid_font.Subtype == pikepdf.Name.CIDFontType2
                assert cid_font.DW == GLYPH_WIDTH
                cid_map = cid_font.CIDToGIDMap.read_bytes()
                assert cid_map == b"\x00\x01" * 0x10000
                embedded = cid_font.FontDescriptor.FontFile2
                assert embedded.read_bytes() == glyphless_font()
                assert embedded.Length1 == len(glyphless_font())
            assert "/Group" not in page  # no transparency group
            for xobject in page.Resources.XObject.values():
                assert "/SMask" not in xobject and "/Mask" not in xobject
        assert "/Names" not in pdf.Root and "/OpenAction" not in pdf.Root  # no JavaScript
    with open(colour_pdf, "rb") as raw:
        header = raw.read(16)
    assert header.startswith(b"%PDF-1.7\n%") and all(b > 127 for b in header[10:14])


def test_qpdf_finds_no_structural_error(colour_pdf: Path) -> None:
    done = subprocess.run(["qpdf", "--check", str(colour_pdf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors" in done.stdout


def test_ghostscript_reads_it_without_complaint(colour_pdf: Path) -> None:
    """A second, independent interpreter, stricter about fonts than poppler."""
    options = ["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=txtwrite", "-sOutputFile=-"]
    done = subprocess.run(
        ["gs", *options, str(colour_pdf)],
        capture_output=True,
    )
    assert done.returncode == 0
    assert b"rror" not in done.stderr and b"arning" not in done.stderr, done.stderr
    lines = [line.strip() for line in done.stdout.decode("utf-8").splitlines() if line.strip()]
    assert lines == list(LINES)


# ---------------------------------------------------------------- documents


def test_mixed_document_keeps_order_and_kept_page_text(tmp_path: Path) -> None:
    source = tmp_path / "born-digital.pdf"
    make_text_pdf(source, ["Kept page one", "Kept page two"])
    first_image, first_words = draw_page(LINES[:1])
    last_image, last_words = draw_page(LINES[1:2])
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf(
        [
            OcrPage(encode_page_image(first_image), 300, first_words),
            KeptPage(source, 1),
            OcrPage(encode_page_image(last_image), 200, last_words),
            KeptPage(source, 0),
        ],
        output,
    )
    per_page = [text_lines(output, "-f", str(n), "-l", str(n)) for n in range(1, 5)]
    assert per_page == [[LINES[0]], ["Kept page two"], [LINES[1]], ["Kept page one"]]
    with pikepdf.open(output) as pdf, pikepdf.open(source) as original:
        assert len(pdf.pages) == 4
        kept = pdf.pages[1]
        assert kept.Contents.read_bytes() == original.pages[1].Contents.read_bytes()
        assert [float(v) for v in kept.obj.MediaBox] == [0, 0, 612, 792]
        assert "/F1" in kept.obj.Resources.Font
        assert "/Title" not in pdf.docinfo  # no title given, none invented
        assert pdf.open_metadata().pdfa_status == "2B"


def test_output_is_deterministic_apart_from_dates_and_id(tmp_path: Path) -> None:
    image, words = draw_page(LINES)
    page = OcrPage(encode_page_image(image), 300, words)
    stripped = []
    for name in ("a.pdf", "b.pdf"):
        assemble_searchable_pdf([page, page], tmp_path / name, title="Tờ khai")
        with pikepdf.open(tmp_path / name) as pdf:
            del pdf.trailer.Info
            del pdf.Root.Metadata
            buffer = io.BytesIO()
            pdf.save(buffer, static_id=True)
            stripped.append(buffer.getvalue())
    assert stripped[0] == stripped[1]


def a4_text_page(dpi: int, *, seed: int = 5) -> tuple[Image.Image, list[Word]]:
    """A typical certificate page: heading, 24 body lines at 13 pt, a red seal."""
    vocabulary = VOCABULARY.split()
    rng = random.Random(seed)
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    font_px = round(13 / 72 * dpi)
    chars_per_line = int((width - 2 * dpi) / (font_px * 0.45))
    lines = []
    for _ in range(24):
        line = rng.choice(vocabulary).capitalize()
        while len(line) < chars_per_line:
            line += " " + rng.choice(vocabulary)
        lines.append(line)
    image, words = draw_page(
        lines, size=(width, height), font_px=font_px, margin=dpi, spacing=1.5, colour=False
    )
    draw = ImageDraw.Draw(image)
    cx, cy, r = width * 0.7, height * 0.85, dpi * 0.7
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(200, 20, 30), width=dpi // 30)
    return image, words


def test_a4_page_at_300_dpi_is_small(tmp_path: Path) -> None:
    image, words = a4_text_page(300)
    colour = tmp_path / "colour.pdf"
    assemble_searchable_pdf([OcrPage(encode_page_image(image), 300, words)], colour)
    assert colour.stat().st_size <= 600_000
    bilevel = image.convert("L").point(lambda v: 255 if v > 160 else 0).convert("1")
    black_white = tmp_path / "bilevel.pdf"
    assemble_searchable_pdf([OcrPage(encode_page_image(bilevel), 300, words)], black_white)
    assert black_white.stat().st_size <= 150_000
    with pikepdf.open(colour) as pdf:
        assert float(pdf.pages[0].MediaBox[2]) == pytest.approx(595.2, abs=0.5)  # A4 width
    assert len(pdftotext(colour).split()) == len(words)


def test_encoded_image_fields_reach_the_pdf(tmp_path: Path) -> None:
    """A hand-made EncodedImage is used as given: its bytes land in the file unchanged."""
    image = Image.new("RGB", (80, 40), (10, 200, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    encoded = EncodedImage(buffer.getvalue(), 80, 40, "rgb", "DCTDecode")
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([OcrPage(encoded, 96, [])], output)
    with pikepdf.open(output) as pdf:
        assert only_image(pdf).read_raw_bytes() == encoded.data
        assert "/Font" not in pdf.pages[0].Resources  # no text, no font
