"""The invisible text layer: Tesseract's glyphless font and the text drawn with it.

A searchable scan is the page image with the recognised words laid on top in text
render mode 3 (neither filled nor stroked). The words still need a font, and
PDF/A wants every font embedded, so we use the font Tesseract ships for exactly
this purpose: ``pdf.ttf``, one empty glyph of half an em. Every character code
maps to that glyph, a ``/ToUnicode`` CMap maps the codes back to the real
characters, and horizontal scaling (``Tz``) stretches each word to the width of
its box, so that extraction returns the Vietnamese text and selection covers the
printed word.

Character codes are the UTF-16BE code units of the text (``Identity-H``), which
makes the ToUnicode CMap an identity table over the characters used: one font
object serves every page of a document.
"""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from ocr.words import Word

FONT_RESOURCE = Name("/f-0-0")
"""The name the text layer uses for the glyphless font in a page's ``/Resources``."""

GLYPH_WIDTH = 500
"""Advance of pdf.ttf's only glyph in 1/1000 em (1024 of 2048 units): the font's /DW.

PDF/A wants the widths in the font dictionary to agree with the embedded program,
so this is checked against the file itself by the tests.
"""

_FONT_NAME = Name("/GlyphLessFont")
_REPLACEMENT = "\ufffd"
_SPACE_CODE = b"\x00\x20"
_MIN_SCALE = 0.01
"""Smallest ``Tz`` (percent) written: a zero scale makes the text matrix singular."""
_MIN_GAP = 0.15
"""Least gap between words, in font sizes; poppler splits words at more than 0.1."""

_TYPICAL_TESSDATA = (
    Path("/usr/share/tesseract-ocr/5/tessdata"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),
    Path("/usr/share/tessdata"),
    Path("/usr/local/share/tessdata"),
)


class GlyphlessFontNotFound(FileNotFoundError):
    """Tesseract's pdf.ttf is missing: without it no text layer can be made."""


def _tesseract_tessdata_dir() -> Path | None:
    """Ask Tesseract where its data lives (first line of ``--list-langs``)."""
    try:
        listing = subprocess.run(
            ["tesseract", "--list-langs"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'"([^"]+)"', listing.stdout + listing.stderr)
    return Path(match.group(1)) if match else None


def _candidate_tessdata_dirs() -> Iterable[Path]:
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        # Tesseract 4+ reads TESSDATA_PREFIX as the tessdata dir itself, 3.x as its parent.
        yield Path(prefix)
        yield Path(prefix) / "tessdata"
    asked = _tesseract_tessdata_dir()
    if asked is not None:
        yield asked
    yield from _TYPICAL_TESSDATA


@cache
def glyphless_font_path() -> Path:
    """Locate Tesseract's ``pdf.ttf``; cached because it asks the ``tesseract`` program."""
    for directory in _candidate_tessdata_dirs():
        candidate = directory / "pdf.ttf"
        if candidate.is_file():
            return candidate
    raise GlyphlessFontNotFound(
        "Tesseract's glyphless font pdf.ttf was not found in its tessdata directory "
        "(set TESSDATA_PREFIX, or on Debian: apt-get install tesseract-ocr)"
    )


@cache
def glyphless_font() -> bytes:
    return glyphless_font_path().read_bytes()


def to_unicode_cmap(characters: Iterable[str]) -> bytes:
    """A ToUnicode CMap mapping each used character's UTF-16BE code back to itself.

    Only the characters a document uses are listed, one ``bfchar`` each: a single
    0000–FFFF ``bfrange`` (Tesseract's choice) breaks the rule that a range may not
    carry its last byte past 0xFF (ISO 32000-1, 9.10.3), and Ghostscript 10
    misreads the spec-conforming per-high-byte ranges; plain pairs read everywhere.
    """
    codes = sorted({f"{ord(ch):04X}" for ch in characters if ord(ch) <= 0xFFFF} | {"0020"})
    blocks = []
    for start in range(0, len(codes), 100):  # at most 100 entries per block
        chunk = codes[start : start + 100]
        pairs = "\n".join(f"<{code}> <{code}>" for code in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{pairs}\nendbfchar")
    cmap = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
            *blocks,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )
    return cmap.encode("ascii")


def add_glyphless_font(pdf: pikepdf.Pdf, characters: Iterable[str]) -> pikepdf.Object:
    """Add the Type0 glyphless font to ``pdf`` once; pages share the returned object.

    ``characters`` are all the (cleaned) characters the document's text layer will
    use: the ToUnicode CMap maps exactly those.
    """
    font_program = glyphless_font()
    font_file = pikepdf.Stream(pdf, font_program)
    font_file.Length1 = len(font_program)
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=_FONT_NAME,
        Flags=5,  # fixed pitch, symbolic
        FontBBox=Array([0, 0, GLYPH_WIDTH, 1000]),
        ItalicAngle=0,
        # Ascent 1 em, Descent just below 0 (poppler ignores an exact 0): the glyph
        # cell runs from the baseline up one font size, which the layer relies on.
        Ascent=1000,
        Descent=-1,
        CapHeight=1000,
        StemV=80,
        FontFile2=font_file,
    )
    # Every CID draws glyph 1, the font's only real glyph, so no code hits .notdef.
    cid_to_gid = pikepdf.Stream(pdf, b"\x00\x01" * 0x10000)
    cid_font = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=_FONT_NAME,
        CIDSystemInfo=Dictionary(
            Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0
        ),
        FontDescriptor=pdf.make_indirect(descriptor),
        DW=GLYPH_WIDTH,
        CIDToGIDMap=cid_to_gid,
    )
    type0 = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=_FONT_NAME,
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(cid_font)]),
        ToUnicode=pikepdf.Stream(pdf, to_unicode_cmap(characters)),
    )
    return pdf.make_indirect(type0)


def clean_text(text: str) -> str:
    """NFC, trimmed, and limited to the BMP so that one character is one 2-byte code."""
    text = unicodedata.normalize("NFC", text).strip()
    return "".join(ch if ord(ch) <= 0xFFFF else _REPLACEMENT for ch in text)


def _num(value: float) -> str:
    """Short, locale-free, deterministic PDF number."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _lines(words: Iterable[Word]) -> list[list[tuple[Word, str]]]:
    """Words grouped by ``line`` in line order, each with its cleaned text; empties dropped."""
    by_line: dict[int, list[tuple[Word, str]]] = {}
    for word in words:
        text = clean_text(word.text)
        if text:
            by_line.setdefault(word.line, []).append((word, text))
    return [by_line[index] for index in sorted(by_line)]


def _scale(target_width: float, n_glyphs: int, font_size: float) -> float:
    """``Tz`` that makes ``n_glyphs`` glyphs span ``target_width`` at ``font_size``."""
    natural = n_glyphs * GLYPH_WIDTH / 1000 * font_size
    return max(100 * target_width / natural, _MIN_SCALE)


def _drawn_width(left: float, width: float, next_left: float | None, size: float) -> float:
    """How wide to draw a word: its box, unless that leaves too small a gap to the next.

    Poppler's extraction ignores space glyphs and splits words only at gaps wider
    than 0.1 of the font size; abutting or overlapping OCR boxes would fuse two
    words into one. Such a word is drawn a little shorter (never under half its
    box) so that a gap of ``_MIN_GAP`` font sizes remains.
    """
    if next_left is None:
        return width
    room = next_left - left - _MIN_GAP * size
    return max(min(width, room), width / 2)


def text_layer(words: Sequence[Word], *, image_height: int) -> bytes:
    """Content-stream operators for the invisible words, in image pixel units.

    The caller scales pixels to points with a ``cm``. Each line gets one baseline
    at the bottom of its lowest box and a font size equal to the line's height,
    so the glyph cells (ascent 1 em, no descent) cover the line's band; each word
    is placed at its box's left and scaled to its box's width. A space glyph fills
    each gap so that extractors that read spaces separate the words, and lines are
    written in ``line`` order so extraction returns them as printed.
    """
    operators = ["BT", "3 Tr"]
    for line in _lines(words):
        top = min(word.box.top for word, _ in line)
        bottom = max(word.box.bottom for word, _ in line)
        size = max(bottom - top, 1)
        baseline = _num(image_height - bottom)
        operators.append(f"{FONT_RESOURCE} {_num(size)} Tf")
        for position, (word, text) in enumerate(line):
            following = line[position + 1][0] if position + 1 < len(line) else None
            next_left = following.box.left if following else None
            width = _drawn_width(word.box.left, max(word.box.width, 1), next_left, size)
            n_glyphs = len(text.encode("utf-16-be")) // 2
            operators.append(f"1 0 0 1 {_num(word.box.left)} {baseline} Tm")
            operators.append(f"{_num(_scale(width, n_glyphs, size))} Tz {_hex(text)} Tj")
            if next_left is not None:
                end = word.box.left + width
                operators.append(f"1 0 0 1 {_num(end)} {baseline} Tm")
                space = _scale(next_left - end, 1, size)
                operators.append(f"{_num(space)} Tz <{_SPACE_CODE.hex().upper()}> Tj")
    operators.append("ET")
    return "\n".join(operators).encode("ascii") + b"\n"
