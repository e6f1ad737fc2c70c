"""Tests for ingest/: validating scans, refusing bad input, rasterising pages.

Every input is generated here with Pillow, pikepdf and zlib; PDFs are rendered and
read by the real Poppler tools.
"""

from __future__ import annotations

import io
import multiprocessing
import pickle
import random
import unicodedata
import warnings
import zipfile
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from pikepdf import Dictionary, Name
from PIL import Image, ImageDraw, ImageFont

from core.limits import Limits
from ingest.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    InputError,
    PasswordProtected,
    TooLarge,
    UnsupportedType,
)
from ingest.image_files import A4_LONG_SIDE_IN
from ingest.page_source import PageSource, Scan
from ingest.rasterise import RasterPage, rasterise
from ingest.scan import open_scan
from ingest.sniff import sniff
from testkit.hostile import png_bomb

# --- Generated inputs ------------------------------------------------------------------


def text_image(size: tuple[int, int], mode: str = "RGB", text: str = "Xin chào") -> Image.Image:
    """A page-like image: white paper, a few lines of black text."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, size[1] // 20))
    for line in range(3):
        draw.text((size[0] // 10, size[1] // 5 * (line + 1)), text, fill="black", font=font)
    return image.convert(mode)


def noisy_image(size: tuple[int, int]) -> Image.Image:
    """Incompressible pixels, so that truncating the file cuts into image data."""
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def image_pdf(path: Path, pages: int = 1, dpi: float = 200, size=(400, 560)) -> Path:
    images = [text_image(size, "L", f"Trang {n + 1}") for n in range(pages)]
    images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi)
    return path


def add_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    return pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )


def grey_image_xobject(pdf: pikepdf.Pdf, width: int, height: int) -> pikepdf.Stream:
    pixels = text_image((width, height), "L").tobytes()
    return pikepdf.Stream(
        pdf,
        zlib.compress(pixels),
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=width,
        Height=height,
        ColorSpace=Name.DeviceGray,
        BitsPerComponent=8,
        Filter=Name.FlateDecode,
    )


def add_page(
    pdf: pikepdf.Pdf,
    content: bytes,
    size=(595, 842),
    xobjects: dict | None = None,
    fonts: dict | None = None,
) -> pikepdf.Page:
    page = pdf.add_blank_page(page_size=size)
    resources = Dictionary()
    if xobjects:
        resources.XObject = Dictionary(xobjects)
    if fonts:
        resources.Font = Dictionary(fonts)
    page.obj.Resources = resources
    page.obj.Contents = pdf.make_stream(content)
    return page


def text_and_image_pdf(path: Path) -> Path:
    """Page 1 carries a real text layer; page 2 is an image only; page 3 has 7 letters."""
    pdf = pikepdf.new()
    font = add_font(pdf)
    add_page(
        pdf,
        b"BT /F1 18 Tf 72 760 Td (Giay chung nhan quyen su dung dat so 2024) Tj ET",
        fonts={"/F1": font},
    )
    image = grey_image_xobject(pdf, 800, 1000)
    add_page(pdf, b"q 480 0 0 600 0 0 cm /Im0 Do Q", size=(480, 600), xobjects={"/Im0": image})
    add_page(pdf, b"BT /F1 12 Tf 72 760 Td (Trang 3) Tj ET", fonts={"/F1": font})
    pdf.save(path)
    return path


def assert_refused(err: InputError, path: Path, cls: type[InputError]) -> None:
    assert type(err) is cls
    message = str(err)
    assert "\n" not in message
    assert message.startswith(f"{path.name}: ")
    assert len(message) > len(path.name) + 10  # there is a reason after the name


# --- Accepted inputs ---------------------------------------------------------------


def test_multipage_image_pdf_is_accepted_and_rendered_at_its_image_dpi(tmp_path):
    path = image_pdf(tmp_path / "hoso.pdf", pages=3, dpi=200, size=(400, 560))

    scan = open_scan(path)

    assert isinstance(scan, Scan)
    assert (scan.kind, scan.page_count, len(scan.pages)) == ("pdf", 3, 3)
    assert [p.index for p in scan.pages] == [0, 1, 2]
    for page in scan.pages:
        assert (page.kind, page.dpi, page.has_text) == ("pdf", 200.0, False)
        assert (page.width_px, page.height_px) == (400, 560)
    raster = rasterise(scan.pages[2])
    assert isinstance(raster, RasterPage)
    assert (raster.index, raster.dpi, raster.image.mode) == (2, 200.0, "RGB")
    assert raster.image.size == (400, 560)
    assert raster.image.getextrema()[0][0] < 50  # the drawn text made it through


def test_pdf_pages_with_and_without_text_layer(tmp_path):
    scan = open_scan(text_and_image_pdf(tmp_path / "mixed.pdf"))

    assert [p.has_text for p in scan.pages] == [True, False, False]
    # no image on the text pages: default dpi; the image page: 800 px over 480 pt = 120 dpi
    assert [p.dpi for p in scan.pages] == [300.0, 200.0, 300.0]
    assert (scan.pages[0].width_px, scan.pages[0].height_px) == (2480, 3509)
    for page in scan.pages:
        image = rasterise(page).image
        assert image.size == (page.width_px, page.height_px)


@pytest.mark.parametrize(("dpi", "expected"), [(150, 200.0), (300, 300.0), (600, 400.0)])
def test_pdf_dpi_is_clamped_to_limits(tmp_path, dpi, expected):
    scan = open_scan(image_pdf(tmp_path / "a.pdf", dpi=dpi, size=(600, 800)))
    assert scan.pages[0].dpi == expected


def test_pdf_dpi_follows_rotation_and_forms(tmp_path):
    """A landscape image drawn rotated onto a portrait page, and one inside a form
    XObject: both 200 dpi (1000 px across 5 in, 500 px across 2.5 in)."""
    pdf = pikepdf.new()
    image = grey_image_xobject(pdf, 1000, 500)
    # Rotate 90°, then scale the unit square to 360×180 pt. Concatenating the two
    # matrices in the wrong order gives 100 and 400 dpi instead.
    add_page(
        pdf,
        b"q 0 1 -1 0 180 0 cm q 360 0 0 180 0 0 cm /Im0 Do Q Q",
        size=(180, 360),
        xobjects={"/Im0": image},
    )
    form = pdf.make_stream(
        b"q 360 0 0 180 0 0 cm /Im0 Do Q",
        Type=Name.XObject,
        Subtype=Name.Form,
        BBox=[0, 0, 360, 180],
        Matrix=[1, 0, 0, 1, 0, 0],
        Resources=Dictionary(XObject=Dictionary({"/Im0": image})),
    )
    add_page(pdf, b"q /Fm0 Do Q", size=(360, 180), xobjects={"/Fm0": form})
    pdf.save(tmp_path / "rot.pdf")

    scan = open_scan(tmp_path / "rot.pdf")

    assert [p.dpi for p in scan.pages] == [200.0, 200.0]
    assert (scan.pages[0].width_px, scan.pages[0].height_px) == (500, 1000)


def test_pdf_page_rotate_swaps_raster_axes(tmp_path):
    path = image_pdf(tmp_path / "r.pdf", dpi=200, size=(400, 560))
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].obj.Rotate = 90
        pdf.save(path)

    page = open_scan(path).pages[0]

    assert (page.width_px, page.height_px) == (560, 400)
    assert rasterise(page).image.size == (560, 400)


def test_pdf_with_junk_before_header_is_accepted(tmp_path):
    data = image_pdf(tmp_path / "a.pdf").read_bytes()
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"From scanner\r\n" * 20 + data)

    scan = open_scan(path)

    assert scan.kind == "pdf"
    assert rasterise(scan.pages[0]).image.size == (400, 560)


def test_multipage_tiff(tmp_path):
    frames = [text_image((300, 400), "L"), text_image((500, 350), "RGB"), text_image((320, 240))]
    path = tmp_path / "hoso.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))

    scan = open_scan(path)

    assert (scan.kind, scan.page_count) == ("tiff", 3)
    for page, frame in zip(scan.pages, frames, strict=True):
        assert (page.width_px, page.height_px) == frame.size
        assert page.dpi == 300.0
        raster = rasterise(page)
        assert raster.image.size == frame.size
        assert raster.image.mode == frame.mode


def test_jpeg_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(image).rectangle((0, 0, 39, 39), fill="black")  # stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise
    path = tmp_path / "phone.jpg"
    image.save(path, exif=exif, quality=95)

    page = open_scan(path).pages[0]
    raster = rasterise(page)

    assert (page.width_px, page.height_px) == (200, 300)
    assert raster.image.size == (200, 300)
    assert raster.image.getpixel((190, 10))[0] < 60  # now top-right
    assert raster.image.getpixel((10, 10))[0] > 200


@pytest.mark.parametrize(
    ("fmt", "kind", "suffix"), [("WEBP", "webp", "webp"), ("HEIF", "heif", "heic")]
)
def test_phone_photo_formats_are_read_upright(tmp_path, fmt, kind, suffix):
    """Phones and messaging apps send WebP, iPhones HEIC: read, turned as the phone showed
    them (EXIF orientation for WebP; HEIC's own rotation, which pillow-heif applies)."""
    image = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(image).rectangle((0, 0, 39, 39), fill="black")  # stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise
    path = tmp_path / f"zalo-photo.{suffix}"
    image.save(path, format=fmt, exif=exif.tobytes(), quality=95)
    assert sniff(path) == kind

    scan = open_scan(path)
    page = scan.pages[0]
    raster = rasterise(page)

    assert (scan.kind, scan.page_count) == (kind, 1)
    assert (page.width_px, page.height_px) == (200, 300)
    assert raster.image.size == (200, 300)
    assert raster.image.getpixel((185, 15))[0] < 80  # now top-right
    assert raster.image.getpixel((15, 15))[0] > 180


@pytest.mark.parametrize(("fmt", "suffix"), [("WEBP", "webp"), ("HEIF", "heic")])
def test_truncated_phone_photo_is_corrupt(tmp_path, fmt, suffix):
    whole = io.BytesIO()
    noisy_image((300, 300)).save(whole, format=fmt, quality=90)
    path = tmp_path / f"cut.{suffix}"
    path.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, CorruptFile)


def test_png_alpha_goes_onto_white(tmp_path):
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # transparent *black*
    ImageDraw.Draw(image).rectangle((10, 10, 50, 50), fill=(0, 0, 0, 255))
    path = tmp_path / "alpha.png"
    image.save(path)

    raster = rasterise(open_scan(path).pages[0])

    assert raster.image.mode == "RGB"
    assert raster.image.getpixel((150, 80)) == (255, 255, 255)
    assert raster.image.getpixel((30, 30)) == (0, 0, 0)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    path = tmp_path / "cmyk.jpg"
    text_image((300, 200), "CMYK").save(path, quality=95)

    raster = rasterise(open_scan(path).pages[0])

    assert raster.image.mode == "RGB"
    assert min(raster.image.getpixel((5, 5))) > 230  # paper stays white


def test_bilevel_g4_tiff_becomes_grey(tmp_path):
    path = tmp_path / "fax.tif"
    text_image((400, 300), "1").save(path, compression="group4", dpi=(300, 300))

    page = open_scan(path).pages[0]
    raster = rasterise(page)

    assert page.dpi == 300.0
    assert raster.image.mode == "L"
    assert set(np.unique(np.asarray(raster.image)).tolist()) == {0, 255}


def test_palette_png_with_transparency(tmp_path):
    image = Image.new("P", (100, 100), 0)
    image.putpalette([255, 0, 0, 0, 0, 0] + [0] * 762)  # index 0 red, index 1 black
    ImageDraw.Draw(image).rectangle((10, 10, 30, 30), fill=1)
    path = tmp_path / "palette.png"
    image.save(path, transparency=0)

    raster = rasterise(open_scan(path).pages[0])

    assert raster.image.mode == "RGB"
    assert raster.image.getpixel((80, 80)) == (255, 255, 255)  # transparent red → white
    assert raster.image.getpixel((20, 20)) == (0, 0, 0)


def test_12_bit_grey_in_16_bit_png_is_not_black(tmp_path):
    samples = np.full((100, 120), 4095, dtype=np.uint16)
    samples[40:60, 40:60] = 0
    path = tmp_path / "deep.png"
    Image.fromarray(samples).save(path)

    raster = rasterise(open_scan(path).pages[0])

    assert raster.image.mode == "L"
    assert raster.image.getextrema() == (0, 255)


def test_kind_comes_from_content_not_extension(tmp_path):
    png_as_pdf = tmp_path / "scan.pdf"
    text_image((100, 80)).save(png_as_pdf, format="PNG")
    jpeg_as_png = tmp_path / "anh.png"
    text_image((100, 80)).save(jpeg_as_png, format="JPEG")

    assert open_scan(png_as_pdf).kind == "png"
    assert rasterise(open_scan(png_as_pdf).pages[0]).image.size == (100, 80)
    assert open_scan(jpeg_as_png).kind == "jpeg"


def test_png_dpi_from_tag_or_estimated_from_a4(tmp_path):
    tagged, untagged, camera = tmp_path / "t.png", tmp_path / "u.png", tmp_path / "c.png"
    text_image((1240, 1754), "L").save(tagged, dpi=(150, 150))
    text_image((1240, 1754), "L").save(untagged)
    Image.new("L", (4032, 3024), 255).save(camera, dpi=(72, 72))  # phone photo

    assert open_scan(tagged).pages[0].dpi == 150.0
    assert open_scan(untagged).pages[0].dpi == round(1754 / A4_LONG_SIDE_IN, 1) == 150.0
    assert open_scan(camera).pages[0].dpi == round(4032 / A4_LONG_SIDE_IN, 1)


def test_96_dpi_is_believed_when_the_sheet_is_a4(tmp_path):
    path = tmp_path / "small.png"
    text_image((794, 1123), "L").save(path, dpi=(96, 96))  # A4 at 96 dpi
    assert open_scan(path).pages[0].dpi == 96.0


def test_fax_pixels_are_squared(tmp_path):
    path = tmp_path / "fax.tif"
    text_image((1728, 1100), "1").save(path, compression="group4", dpi=(204, 98))

    page = open_scan(path).pages[0]
    raster = rasterise(page)

    assert page.dpi == 204.0
    assert (page.width_px, page.height_px) == (1728, round(1100 * 204 / 98))
    assert raster.image.size == (page.width_px, page.height_px)


def test_vietnamese_file_name_is_nfc_in_messages(tmp_path):
    nfd_name = unicodedata.normalize("NFD", "hồ sơ đất đai.pdf")
    path = tmp_path / nfd_name
    path.write_bytes(b"")

    with pytest.raises(EmptyFile) as caught:
        open_scan(path)

    assert str(caught.value).startswith(unicodedata.normalize("NFC", "hồ sơ đất đai.pdf: "))


def test_page_sources_and_errors_pickle(tmp_path):
    scan = open_scan(image_pdf(tmp_path / "a.pdf"))
    assert pickle.loads(pickle.dumps(scan)) == scan
    err = pickle.loads(pickle.dumps(CorruptFile(tmp_path / "x.pdf", "page 2 is broken")))
    assert (type(err), str(err), err.code, err.exit_code) == (
        CorruptFile,
        "x.pdf: page 2 is broken",
        "corrupt_file",
        4,
    )


def test_rasterise_in_a_fresh_process(tmp_path):
    scan = open_scan(image_pdf(tmp_path / "a.pdf", pages=2))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        rasters = list(pool.map(rasterise, scan.pages))
    assert [r.index for r in rasters] == [0, 1]
    assert all(r.image.size == (400, 560) for r in rasters)


# --- Refused inputs ---------------------------------------------------------------------


def test_error_codes_and_exit_codes_are_stable():
    table = {
        cls: (cls.code, cls.exit_code)
        for cls in (
            EmptyFile,
            UnsupportedType,
            CorruptFile,
            PasswordProtected,
            EncryptedPdf,
            TooLarge,
        )
    }
    assert table == {
        EmptyFile: ("empty_file", 5),
        UnsupportedType: ("unsupported_type", 3),
        CorruptFile: ("corrupt_file", 4),
        PasswordProtected: ("password_protected", 6),
        EncryptedPdf: ("encrypted_pdf", 7),
        TooLarge: ("too_large", 8),
    }
    assert str(TooLarge("/srv/uploads/a.pdf", "too\nbig")) == "a.pdf: too big"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, EmptyFile)


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.pdf"
    path.write_bytes(random.Random(0).randbytes(4096))
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, UnsupportedType)


def test_docx_named_pdf(tmp_path):
    path = tmp_path / "don.pdf"
    with zipfile.ZipFile(path, "w") as docx:
        docx.writestr("[Content_Types].xml", "<Types/>")
        docx.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, UnsupportedType)
    assert "Word" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        (b"GIF89a" + b"\x00" * 40, "GIF"),
        (b"<!DOCTYPE html><html><body>Session expired</body></html>", "HTML"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "AVIF"),
        ("Hồ sơ đăng ký kết hôn\n".encode(), "text"),
    ],
)
def test_other_formats_are_named(tmp_path, content, hint):
    path = tmp_path / "upload.jpg"
    path.write_bytes(content)
    with pytest.raises(UnsupportedType, match=hint):
        sniff(path)


def test_real_gif(tmp_path):
    path = tmp_path / "anh.gif"
    text_image((50, 50)).convert("P").save(path)
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, UnsupportedType)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_image(tmp_path, fmt):
    whole = io.BytesIO()
    noisy_image((300, 300)).save(whole, format=fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])

    with pytest.raises(InputError) as caught:
        open_scan(path)

    assert_refused(caught.value, path, CorruptFile)


def test_truncated_pdf(tmp_path):
    data = image_pdf(tmp_path / "a.pdf", pages=2).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, CorruptFile)


def test_garbled_pdf(tmp_path):
    path = tmp_path / "garbled.pdf"
    path.write_bytes(b"%PDF-1.7\n" + random.Random(1).randbytes(5000) + b"\n%%EOF\n")
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, CorruptFile)


def test_pdf_with_user_password(tmp_path):
    path = tmp_path / "locked.pdf"
    with pikepdf.open(image_pdf(tmp_path / "a.pdf")) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner="chu", user="mo"))
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, PasswordProtected)


def test_pdf_with_owner_password_only(tmp_path):
    path = tmp_path / "restricted.pdf"
    with pikepdf.open(image_pdf(tmp_path / "a.pdf")) as pdf:
        allow = pikepdf.Permissions(extract=False, modify_other=False)
        pdf.save(path, encryption=pikepdf.Encryption(owner="chu", user="", allow=allow))
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, EncryptedPdf)
    assert "unencrypted" in str(caught.value)


def test_pdf_without_pages(tmp_path):
    path = tmp_path / "blank.pdf"
    pikepdf.new().save(path)
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, EmptyFile)


def test_png_bomb_with_default_limits(tmp_path):
    """40000×40000 = 1.6 gigapixels in about 200 kB; refused before any decoding."""
    path = png_bomb(tmp_path / "bomb.png", 40_000, 40_000)
    assert path.stat().st_size < 1_000_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError) as caught:
            open_scan(path)
    assert_refused(caught.value, path, TooLarge)


def test_image_over_our_pixel_limit_but_under_pillows(tmp_path):
    path = png_bomb(tmp_path / "big.png", 2000, 2000)
    with pytest.raises(InputError) as caught:
        open_scan(path, Limits(max_pixels=3_000_000))
    assert_refused(caught.value, path, TooLarge)
    assert "2000×2000" in str(caught.value)


def test_image_between_pillow_warning_and_our_limit_is_accepted_quietly(tmp_path):
    """95 MP is over Pillow's 89 MP warning threshold but within our 150 MP limit."""
    path = png_bomb(tmp_path / "a0.png", 9_500, 10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scan = open_scan(path)
    assert (scan.pages[0].width_px, scan.pages[0].height_px) == (9_500, 10_000)


def test_pdf_with_huge_page(tmp_path):
    path = tmp_path / "huge.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200 * 72, 200 * 72))
    pdf.save(path)
    with pytest.raises(InputError) as caught:
        open_scan(path)
    assert_refused(caught.value, path, TooLarge)
    assert "page 1" in str(caught.value)


def test_pdf_page_over_pixel_limit_is_lowered_towards_min_dpi(tmp_path):
    path = image_pdf(tmp_path / "a.pdf", dpi=400, size=(800, 1000))  # 2×2.5 in
    limits = Limits(max_pixels=300 * 2 * 300 * 2.5)  # fits at 300 dpi, not at 400

    page = open_scan(path, limits).pages[0]

    assert page.dpi == 300.0
    assert page.width_px * page.height_px <= limits.max_pixels
    with pytest.raises(TooLarge):
        open_scan(path, Limits(max_pixels=100 * 100))


def test_too_many_pages(tmp_path):
    pdf_path = image_pdf(tmp_path / "a.pdf", pages=3, size=(100, 100))
    tiff_path = tmp_path / "a.tif"
    frames = [text_image((100, 100), "L") for _ in range(3)]
    frames[0].save(tiff_path, save_all=True, append_images=frames[1:])

    for path in (pdf_path, tiff_path):
        with pytest.raises(InputError) as caught:
            open_scan(path, Limits(max_pages=2))
        assert_refused(caught.value, path, TooLarge)
        assert open_scan(path, Limits(max_pages=3)).page_count == 3


def test_file_over_byte_limit(tmp_path):
    path = image_pdf(tmp_path / "a.pdf")
    with pytest.raises(InputError) as caught:
        open_scan(path, Limits(max_file_bytes=1000))
    assert_refused(caught.value, path, TooLarge)


def test_pdf_changed_after_validation_fails_to_render_with_page_number(tmp_path):
    path = image_pdf(tmp_path / "a.pdf", pages=2)
    page = open_scan(path).pages[1]
    path.write_bytes(b"%PDF-1.4\nthis is no longer a PDF\n%%EOF\n")

    with pytest.raises(InputError) as caught:
        rasterise(page)

    assert_refused(caught.value, path, CorruptFile)
    assert "page 2" in str(caught.value)


def test_rasterise_rechecks_the_pixel_limit(tmp_path):
    page = PageSource(
        path=tmp_path / "a.pdf",
        kind="pdf",
        index=0,
        has_text=False,
        dpi=300.0,
        width_px=60_000,
        height_px=60_000,
    )
    with pytest.raises(TooLarge):
        rasterise(page)
