"""Tell what a file really is from its first bytes, never from its name.

Clerks rename files, phones and e-mail gateways change extensions, and a Word file
saved as ``hoso.pdf`` must be refused with a hint of what it is, not a PDF parser's
stack trace. Only the head of the file is read, so this is safe on any upload.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

from ingest.errors import EmptyFile, UnsupportedType

Kind = Literal["pdf", "tiff", "jpeg", "png", "webp", "heif"]

#: PDF readers accept junk before the header as long as it starts in this window.
PDF_HEADER_WINDOW = 1024

_IMAGE_MAGIC: tuple[tuple[bytes, Kind], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
)

# Formats we refuse, named so that the clerk knows what was sent instead.
_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc/.xls)"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"%!PS", "a PostScript file"),
    (b"AT&TFORM", "a DjVu document"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
    (b"{\\rtf", "an RTF document"),
)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")
"""HEIF brands of phone photos (iPhones save HEIC): read with pillow-heif."""
_AVIF_BRANDS = (b"avif", b"avis")

_SUPPORTED = "sohoa accepts PDF, TIFF, JPEG, PNG, WebP and HEIC scans and photos"


def sniff(path: Path) -> Kind:
    """Return the kind of a scan file from its content.

    Raises :class:`EmptyFile` for a 0-byte file and :class:`UnsupportedType` for
    anything else that is not a PDF, TIFF, JPEG, PNG, WebP or HEIC/HEIF.
    """
    with open(path, "rb") as f:
        head = f.read(PDF_HEADER_WINDOW + 8)
    if not head:
        raise EmptyFile(path, "the file is empty (0 bytes)")
    kind = kind_of(head)
    if kind is None:
        raise UnsupportedType(path, f"this is {_describe(path, head)}; {_SUPPORTED}")
    return kind


def kind_of(head: bytes) -> Kind | None:
    """Classify the first bytes of a file, or ``None`` when it is not a scan format."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    # Phones and messaging apps send WebP; iPhones save HEIC.
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heif"
    if _describe_known(head) is not None:
        return None
    if b"%PDF-" in head[: PDF_HEADER_WINDOW + 5]:
        return "pdf"
    return None


def _describe(path: Path, head: bytes) -> str:
    """Name what a refused file looks like; cheap guesses only."""
    known = _describe_known(head)
    if known is not None:
        if head.startswith(_ZIP_MAGIC):
            return _describe_zip(path)
        return known
    if _is_text(head):
        lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if lowered.startswith((b"<!doctype html", b"<html")):
            return "a web page (HTML), perhaps saved instead of the downloaded file"
        if lowered.startswith(b"<?xml") or lowered.startswith(b"<svg"):
            return "an XML or SVG file"
        return "a text file"
    return "not a PDF, TIFF, JPEG, PNG, WebP or HEIC file (unrecognised content)"


def _describe_known(head: bytes) -> str | None:
    if head.startswith(_ZIP_MAGIC):
        return "a ZIP archive (Word/Excel?)"
    for magic, description in _REFUSED_MAGIC:
        if head.startswith(magic):
            return description
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\x00\x00\x00\x00":
        return "a BMP image"
    if head[4:8] == b"ftyp" and head[8:12] in _AVIF_BRANDS:
        return "an AVIF image (save or send the photo as JPEG, WebP or HEIC)"
    return None


def _describe_zip(path: Path) -> str:
    """Office files are ZIP archives; name the application when the listing says so."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "a ZIP archive (Word/Excel?)"
    for prefix, description in (
        ("word/", "a Word document (.docx)"),
        ("xl/", "an Excel workbook (.xlsx)"),
        ("ppt/", "a PowerPoint presentation (.pptx)"),
    ):
        if any(name.startswith(prefix) for name in names):
            return description
    if "mimetype" in names:
        return "an OpenDocument file (LibreOffice)"
    return "a ZIP archive"


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        # The read window may cut the last multi-byte character in two.
        if err.start < len(head) - 3:
            return False
        text = head[: err.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\r\n\f\ufeff" for ch in text)
