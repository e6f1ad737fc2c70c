"""Pictures of one paper's pages bound into one PDF (``ingest.bundle``), read back by the
same ingest and rasterising code as any scanned PDF (real Poppler)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pikepdf
import pillow_heif
import pytest
from PIL import Image, ImageDraw

from core.limits import Limits
from ingest.bundle import Picture, bind_pictures
from ingest.errors import CorruptFile, TooLarge, UnsupportedType
from ingest.rasterise import rasterise
from ingest.scan import open_scan

pillow_heif.register_heif_opener()

ORIENTATION = 0x0112


def drawn(width: int = 600, height: int = 840, mark: str = "1") -> Image.Image:
    """A page with an asymmetric mark (a black block top left), so turns show."""
    image = Image.new("RGB", (width, height), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, width // 3, height // 8), fill=(10, 10, 10))
    draw.text((width // 2, height // 2), f"Trang {mark}", fill=(0, 0, 0))
    draw.rectangle((width - 60, height - 40, width - 20, height - 20), fill=(200, 0, 0))
    return image


def save(image: Image.Image, path: Path, fmt: str, orientation: int = 1, **kw) -> Picture:
    exif = Image.Exif()
    if orientation != 1:
        exif[ORIENTATION] = orientation
    turned = {
        1: image,
        3: image.transpose(Image.Transpose.ROTATE_180),
        6: image.transpose(Image.Transpose.ROTATE_90),
        8: image.transpose(Image.Transpose.ROTATE_270),
    }[orientation]
    if fmt in {"JPEG", "WEBP"}:
        kw["exif"] = exif.tobytes()
    turned.save(path, fmt, **kw)
    return Picture(path, path.name)


def rendered(pdf: Path, index: int) -> Image.Image:
    return rasterise(open_scan(pdf).pages[index]).image.convert("RGB")


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).mean())


def test_pictures_become_the_pages_of_one_pdf_in_order_and_upright(tmp_path: Path) -> None:
    pages = [drawn(mark=str(n)) for n in range(1, 6)]
    pictures = [
        save(pages[0], tmp_path / "1.jpg", "JPEG", quality=95),
        save(pages[1], tmp_path / "2.jpg", "JPEG", orientation=6, quality=95),
        save(pages[2], tmp_path / "3.webp", "WEBP", orientation=8, quality=95),
        save(pages[3], tmp_path / "4.heic", "HEIF", quality=95),
        save(pages[4], tmp_path / "5.png", "PNG"),
    ]
    bound = bind_pictures(pictures, tmp_path / "bound.pdf")
    scan = open_scan(bound)
    assert scan.kind == "pdf" and scan.page_count == 5
    for index, page in enumerate(pages):
        shown = rendered(bound, index)
        assert shown.size == page.size, f"page {index + 1} not at its own pixels, or turned"
        assert mean_difference(shown, page) < 4, f"page {index + 1} differs"
    with pikepdf.open(bound) as pdf:  # a PNG is bound losslessly
        stored = pdf.pages[4].Resources.XObject.Im0
        assert stored.Filter == pikepdf.Name.FlateDecode
        assert stored.read_bytes() == pages[4].tobytes()


def test_a_jpeg_is_embedded_byte_for_byte_and_turned_by_the_page(tmp_path: Path) -> None:
    upright = save(drawn(), tmp_path / "a.jpg", "JPEG", quality=90)
    turned = save(drawn(), tmp_path / "b.jpg", "JPEG", orientation=6, quality=90)
    bound = bind_pictures([upright, turned], tmp_path / "bound.pdf")
    with pikepdf.open(bound) as pdf:
        for page, picture in zip(pdf.pages, (upright, turned), strict=True):
            image = page.Resources.XObject.Im0
            assert image.Filter == pikepdf.Name.DCTDecode
            assert image.read_raw_bytes() == picture.path.read_bytes()
        assert pdf.pages[0].get("/Rotate") is None and int(pdf.pages[1].Rotate) == 90


def test_the_same_pictures_bind_to_the_same_bytes_and_order_matters(tmp_path: Path) -> None:
    one = save(drawn(mark="1"), tmp_path / "1.jpg", "JPEG")
    two = save(drawn(mark="2"), tmp_path / "2.png", "PNG")

    def digest(pictures: list[Picture], name: str) -> str:
        return hashlib.sha256(bind_pictures(pictures, tmp_path / name).read_bytes()).hexdigest()

    first = digest([one, two], "a.pdf")
    assert digest([one, two], "b.pdf") == first, "a retried upload must find its document"
    assert digest([two, one], "c.pdf") != first


def test_a_small_picture_is_not_enlarged(tmp_path: Path) -> None:
    """A 413×584 web copy of an A4 page (~50 dpi) renders at its own pixels, not at the
    200 dpi floor of scans: OCR's warning must see how small its text really is."""
    small = drawn(413, 584)
    pictures = [save(small, tmp_path / "s.jpg", "JPEG"), save(drawn(), tmp_path / "p.png", "PNG")]
    bound = bind_pictures(pictures, tmp_path / "bound.pdf")
    assert rendered(bound, 0).size == (413, 584)


def test_an_unfit_picture_refuses_the_bundle_and_names_itself(tmp_path: Path) -> None:
    good = save(drawn(), tmp_path / "good.jpg", "JPEG")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(good.path.read_bytes()[:2000])
    with pytest.raises(CorruptFile) as refused:
        bind_pictures([good, Picture(broken, "broken.jpg")], tmp_path / "out.pdf")
    assert refused.value.path == broken
    assert not (tmp_path / "out.pdf").exists()

    pdf = tmp_path / "scan.pdf"
    drawn().save(pdf, "PDF", resolution=100)
    with pytest.raises(UnsupportedType, match="picture 2 is a PDF"):
        bind_pictures([good, Picture(pdf, "scan.pdf")], tmp_path / "out.pdf")

    tiff = tmp_path / "two.tiff"
    drawn().save(tiff, "TIFF", save_all=True, append_images=[drawn()])
    with pytest.raises(UnsupportedType, match="of 2 page"):
        bind_pictures([Picture(tiff, "two.tiff")], tmp_path / "out.pdf")


def test_limits_hold_for_the_bundle(tmp_path: Path) -> None:
    pictures = [save(drawn(), tmp_path / f"{n}.png", "PNG") for n in range(3)]
    with pytest.raises(TooLarge, match="3 pictures"):
        bind_pictures(pictures, tmp_path / "out.pdf", Limits(max_pages=2))
    size = max(p.path.stat().st_size for p in pictures)  # each picture passes alone
    with pytest.raises(TooLarge, match="bound together"):
        bind_pictures(pictures, tmp_path / "out.pdf", Limits(max_file_bytes=size))
    assert not (tmp_path / "out.pdf").exists()
