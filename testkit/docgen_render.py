"""Drawing typed documents: A4 pages in the Decree 30 layout, and ID cards on an A4 photocopy.

The renderer reads only the ``role`` and ``region`` of each :class:`Line`, so the
composers never think about pixels. It lays a page out as a plan (words with fonts
and positions, rules, table grids, boxes), shrinks the type until the plan fits the
sheet (so no line is ever dropped and the ground truth stays exact), then draws it
and records every word's ink box, like :func:`testkit.pagegen.render_page`.

Reading order of the rendered text: rows top to bottom; where two columns share a
row (issuing body and national header, two signatures) left before right; a table
row is one line with its cells left to right. Paragraphs wrap, so a rendered page has
the words of :func:`testkit.docgen.text` in the same order with more line breaks.

ID cards are drawn at their real size (85.6 × 54 mm) with a stylised emblem, a
portrait silhouette, a QR code (zxing-cpp), fingerprint boxes and the MRZ in DejaVu
Sans Mono, then pasted on an A4 sheet as a counter photocopy has them.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ocr.words import Box
from testkit import pagegen
from testkit.docgen_model import BACK, CERT, FRONT, LEFT, RIGHT, Line, Page, TypedDocument
from testkit.pagegen import (
    DEGRADATIONS,
    FONT_DIR,
    INK_BLUE,
    WHITE,
    RenderedPage,
    TruthWord,
    ink_box,
    load_font,
)

SERIF = FONT_DIR / "LiberationSerif-Regular.ttf"
SERIF_BOLD = FONT_DIR / "LiberationSerif-Bold.ttf"
SERIF_ITALIC = FONT_DIR / "LiberationSerif-Italic.ttf"
SERIF_BOLD_ITALIC = FONT_DIR / "LiberationSerif-BoldItalic.ttf"
SANS = FONT_DIR / "LiberationSans-Regular.ttf"
SANS_BOLD = FONT_DIR / "LiberationSans-Bold.ttf"
MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
BOLD_OF = {SERIF: SERIF_BOLD, SERIF_ITALIC: SERIF_BOLD_ITALIC, SANS: SANS_BOLD}

BLACK = (0, 0, 0)
CARD_TEXT = (25, 25, 45)
CARD_RED = (200, 30, 40)
STAMP_INK = (60, 35, 135)  # the violet of a rubber certification stamp
A4_INCHES = pagegen.A4_INCHES
CARD_MM = (85.6, 54.0)


def fonts_used() -> tuple[Path, ...]:
    """Every font the renderer may draw with (for the glyph-coverage test)."""
    return (SERIF, SERIF_BOLD, SERIF_ITALIC, SERIF_BOLD_ITALIC, SANS, SANS_BOLD, MONO)


def _cm(value: float, dpi: int) -> int:
    return round(value * dpi / 2.54)


def _mm(value: float, dpi: int) -> int:
    return round(value * dpi / 25.4)


def _px(pt: float, dpi: int) -> int:
    return max(4, round(pt * dpi / 72))


@dataclass(frozen=True)
class Style:
    """How a role looks: font, size relative to the body size, alignment, indents."""

    font: Path
    delta: float = 0.0
    align: str = "left"
    indent: float = 0.0  # first-line indent, cm
    hang: float = 0.0  # left indent of every row, cm
    colour: tuple[int, int, int] = BLACK
    before: float = 0.0  # space before, in pitches
    after: float = 0.1
    pitch: float = 1.3


STYLES: dict[str, Style] = {
    "body": Style(SERIF, align="justify", indent=1.0),
    "article": Style(SERIF, align="justify", indent=1.0),
    "italic": Style(SERIF_ITALIC, align="justify", indent=1.0),
    "para": Style(SERIF),
    "label_value": Style(SERIF, after=0.05),
    "item": Style(SERIF, hang=0.6, after=0.05),
    "heading": Style(SERIF_BOLD, before=0.2),
    "article_head": Style(SERIF_BOLD, before=0.2),
    "title": Style(SERIF_BOLD, delta=2, align="centre", before=0.6, after=0.1),
    "subtitle": Style(SERIF_BOLD, align="centre", after=0.2),
    "centre": Style(SERIF, align="centre"),
    "italic_centre": Style(SERIF_ITALIC, align="centre"),
    "right": Style(SERIF, delta=-1, align="right"),
    "place_date_right": Style(SERIF_ITALIC, align="right", before=0.3),
    "national": Style(SERIF_BOLD, delta=-1, align="centre", after=0),
    "motto": Style(SERIF_BOLD, align="centre", after=0.3),
    "issuer_parent": Style(SERIF, delta=-1, align="centre", after=0),
    "issuer": Style(SERIF_BOLD, delta=-1, align="centre", after=0),
    "number": Style(SERIF, delta=-1, align="centre"),
    "vv": Style(SERIF, delta=-2, align="centre", pitch=1.15),
    "place_date": Style(SERIF_ITALIC, align="centre"),
    "signer": Style(SERIF_BOLD, align="centre"),
    "signer_note": Style(SERIF_ITALIC, delta=-1, align="centre"),
    "signer_name": Style(SERIF_BOLD, align="centre"),
    "official_name": Style(SERIF_BOLD, align="centre"),
    "recipients_head": Style(SERIF_BOLD_ITALIC, delta=-1),
    "recipients": Style(SERIF, delta=-2, pitch=1.15),
    "small": Style(SERIF, delta=-2),
    "headline": Style(SANS_BOLD, delta=7, before=0.4, after=0.4, pitch=1.2),
    "hand": Style(SERIF_ITALIC, delta=2, colour=INK_BLUE, indent=1.0, pitch=1.6),
    "hand_right": Style(SERIF_ITALIC, delta=2, align="right", colour=INK_BLUE, pitch=1.6),
    "table_head": Style(SERIF_BOLD, delta=-1, align="centre"),
    "table_row": Style(SERIF, delta=-1),
    "cells": Style(SERIF_BOLD, delta=-1, align="centre", before=0.5),
    "cert_title": Style(SERIF_BOLD, delta=-1, colour=STAMP_INK, after=0),
    "cert": Style(SERIF, delta=-1, colour=STAMP_INK, after=0),
    "cert_note": Style(SERIF_ITALIC, delta=-2, colour=STAMP_INK, after=0),
    "cert_name": Style(SERIF_BOLD, delta=-1, colour=BLACK, after=0),
    "mrz": Style(MONO),
}
TABLE_ROLES = ("table_head", "table_row", "cells")


# ---------------------------------------------------------------------------------------
# A plan: words, shapes and stamp anchors, drawn once it fits
# ---------------------------------------------------------------------------------------


@dataclass
class _Word:
    text: str
    font: ImageFont.FreeTypeFont
    x: float
    baseline: int
    colour: tuple[int, int, int]


@dataclass
class _Plan:
    rows: list[list[_Word]] = field(default_factory=list)
    shapes: list[tuple] = field(default_factory=list)
    anchors: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, x, baseline)
    bottom: int = 0


def _styled_words(
    item: Line, font: ImageFont.FreeTypeFont, bold: ImageFont.FreeTypeFont
) -> list[tuple[str, ImageFont.FreeTypeFont]]:
    """The words of a line with their fonts: the filled-in ``values`` are bold."""
    spans: list[tuple[int, int]] = []
    start = 0
    for value in item.values:
        at = item.text.find(f": {value}", start)
        at = at + 2 if at >= 0 else item.text.find(value, start)
        if at >= 0:
            spans.append((at, at + len(value)))
            start = at + len(value)
    return [
        (m.group(), bold if any(a <= m.start() < b for a, b in spans) else font)
        for m in re.finditer(r"\S+", item.text)
    ]


def _wrap(
    words: Sequence[tuple[str, ImageFont.FreeTypeFont]], width: float, first: float = 0.0
) -> list[list[tuple[str, ImageFont.FreeTypeFont]]]:
    """Greedy wrap; the first row is ``first`` pixels narrower (its indent)."""
    rows: list[list[tuple[str, ImageFont.FreeTypeFont]]] = []
    row: list[tuple[str, ImageFont.FreeTypeFont]] = []
    used = 0.0
    for word, font in words:
        advance = font.getlength(word)
        limit = width - (first if not rows else 0.0)
        space = font.getlength(" ")
        if row and used + space + advance > limit:
            rows.append(row)
            row, used = [], 0.0
        used += (space if row else 0.0) + advance
        row.append((word, font))
    if row:
        rows.append(row)
    return rows


def _place(
    plan: _Plan,
    row: Sequence[tuple[str, ImageFont.FreeTypeFont]],
    left: float,
    width: float,
    baseline: int,
    align: str,
    colour: tuple[int, int, int],
    *,
    new_row: bool = True,
) -> tuple[float, float]:
    """Position one row of words; returns its (left, right) extent."""
    spaces = [font.getlength(" ") for _, font in row[1:]]
    advances = [font.getlength(word) for word, font in row]
    natural = sum(advances) + sum(spaces)
    extra = 0.0
    if align == "justify" and len(row) > 1:
        extra = max(0.0, (width - natural) / (len(row) - 1))
    x = left
    if align == "centre":
        x = left + (width - natural) / 2
    elif align == "right":
        x = left + width - natural
    start = x
    words = []
    for index, ((word, font), advance) in enumerate(zip(row, advances, strict=True)):
        words.append(_Word(word, font, x, baseline, colour))
        x += advance + (spaces[index] + extra if index < len(spaces) else 0.0)
    if new_row or not plan.rows:
        plan.rows.append(words)
    else:
        plan.rows[-1].extend(words)
    return start, x


class _A4Layout:
    """Lays out one A4 page (portrait or landscape) at a given type scale."""

    def __init__(self, page: Page, dpi: int, size: tuple[int, int], scale: float) -> None:
        self.page = page
        self.dpi = dpi
        self.width, self.height = size
        landscape = size[0] > size[1]
        self.left = _cm(2.5 if landscape else 3.0, dpi)
        self.right = self.width - _cm(2.5 if landscape else 2.0, dpi)
        self.top = _cm(2.0 if landscape else 1.8, dpi)
        self.floor = self.height - _cm(1.6, dpi)
        self.body_pt = 13.0 * scale
        self.plan = _Plan()
        self.float_right = self.float_bottom = 0  # a QR code the text flows beside
        national = self.font(STYLES["national"])
        self.header_right = round(national.getlength("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")) + _cm(
            0.3, dpi
        )

    @property
    def frame(self) -> int:
        return self.right - self.left

    def font(self, style: Style, shrink: float = 1.0) -> ImageFont.FreeTypeFont:
        return load_font(style.font, _px((self.body_pt + style.delta) * shrink, self.dpi))

    def pitch(self, style: Style, shrink: float = 1.0) -> int:
        return round(_px((self.body_pt + style.delta) * shrink, self.dpi) * style.pitch)

    def run(self, y: int | None = None) -> _Plan:
        y = self.top if y is None else y
        if self.page.qr:  # top left; lines beside it are set to its right
            side = _cm(2.2, self.dpi)
            self.plan.shapes.append(
                ("qr", (self.left, y, self.left + side, y + side), self.page.qr)
            )
            self.float_right, self.float_bottom = self.left + side + _cm(0.4, self.dpi), y + side
        lines = [item for item in self.page.lines if item.region != CERT]
        index = 0
        while index < len(lines):
            item = lines[index]
            if item.region in (LEFT, RIGHT) or item.role in TABLE_ROLES:
                end = index
                while end < len(lines) and self._same_group(item, lines[end]):
                    end += 1
                group = lines[index:end]
                table = item.role in TABLE_ROLES
                y = self._table(group, y) if table else self._columns(group, y)
                index = end
                continue
            y = self._full(item, y)
            index += 1
        cert = [item for item in self.page.lines if item.region == CERT]
        if cert:
            y = self._cert(cert, y)
        self.plan.bottom = y
        return self.plan

    @staticmethod
    def _same_group(first: Line, other: Line) -> bool:
        if first.role in TABLE_ROLES:
            return other.role in TABLE_ROLES and other.region == first.region
        return other.region in (LEFT, RIGHT)

    def _full(self, item: Line, y: int) -> int:
        style = STYLES.get(item.role, STYLES["body"])
        pitch = self.pitch(style)
        if item.role == "space":
            return y + self.pitch(STYLES["body"])
        if item.role == "figure":
            return self._figure(y)
        y += round(style.before * pitch)
        left, width = self.left + _cm(style.hang, self.dpi), self.frame - _cm(style.hang, self.dpi)
        if y < self.float_bottom:
            width -= self.float_right - left
            left = self.float_right
        if item.role == "number":  # "Quyển số" under the "Số:" of the header's left column
            width = self.frame - self.header_right - _cm(0.5, self.dpi)
        font = self.font(style)
        words = _styled_words(item, font, load_font(BOLD_OF.get(style.font, style.font), font.size))
        indent = _cm(style.indent, self.dpi)
        rows = _wrap(words, width, indent)
        ascent = round(font.size * 0.95)
        for number, row in enumerate(rows):
            last = number == len(rows) - 1
            align = style.align
            if align == "justify" and last:
                align = "left"
            x = left + (indent if number == 0 and style.align in ("justify", "left") else 0)
            row_width = width - (x - left)
            _place(self.plan, row, x, row_width, y + ascent, align, style.colour)
            y += pitch
        if item.role in ("motto", "national") and item.role == "motto":
            self._rule(self.left + self.frame // 2, y - pitch + round(pitch * 0.25), 5.5)
        return y + round(style.after * pitch)

    def _rule(self, centre_x: int, y: int, length_cm: float) -> None:
        half = _cm(length_cm, self.dpi) // 2
        self.plan.shapes.append(("rule", (centre_x - half, y, centre_x + half, y)))

    def _columns(self, run: Sequence[Line], y: int) -> int:
        """Rows of two columns: a Decree 30 header, or signatures beside "Nơi nhận"."""
        header = any(item.role in ("national", "issuer", "issuer_parent") for item in run)
        gap = _cm(0.5, self.dpi)
        if header:
            right_w = min(self.header_right, self.frame * 6 // 10)
            left_w = self.frame - right_w - gap
        else:
            left_w = right_w = (self.frame - gap) // 2
        columns = {
            LEFT: ([i for i in run if i.region == LEFT], self.left, left_w),
            RIGHT: ([i for i in run if i.region == RIGHT], self.right - right_w, right_w),
        }
        rows = max(len(columns[LEFT][0]), len(columns[RIGHT][0]))
        for row in range(rows):
            advance = 0
            ruled = False
            for side in (LEFT, RIGHT):
                items, left, width = columns[side]
                if row >= len(items):
                    continue
                item = items[row]
                style = STYLES.get(item.role, STYLES["centre"])
                if item.role == "space":
                    advance = max(advance, self.pitch(STYLES["body"]))
                    continue
                shrink = 1.0
                font = self.font(style)
                words = _styled_words(
                    item, font, load_font(BOLD_OF.get(style.font, style.font), font.size)
                )
                while shrink > 0.6 and self._natural(words) > width:
                    shrink -= 0.04
                    font = self.font(style, shrink)
                    words = _styled_words(
                        item, font, load_font(BOLD_OF.get(style.font, style.font), font.size)
                    )
                pitch = self.pitch(style, shrink)
                align = style.align if style.align in ("left",) else "centre"
                baseline = y + round(font.size * 0.95)
                x0, x1 = _place(self.plan, words, left, width, baseline, align, style.colour)
                advance = max(advance, pitch)
                if item.role == "official_name":
                    self.plan.anchors.append(("official", round((x0 + x1) / 2), baseline))
                elif item.role == "signer_name":
                    self.plan.anchors.append(("signature", round((x0 + x1) / 2), baseline))
                last_issuer = item.role == "issuer" and (
                    row + 1 >= len(items) or items[row + 1].role != "issuer"
                )
                if item.role == "motto" or last_issuer:
                    length = 5.5 if item.role == "motto" else 2.5
                    gap = max(round(pitch * 0.4), _cm(0.12, self.dpi))  # clear of dots below
                    self._rule(left + width // 2, baseline + gap, length)
                    ruled = True
            y += advance + (round(advance * 0.3) if ruled else 0)
        return y + self.pitch(STYLES["body"]) // 3

    @staticmethod
    def _natural(words: Sequence[tuple[str, ImageFont.FreeTypeFont]]) -> float:
        return sum(f.getlength(w) for w, f in words) + sum(f.getlength(" ") for _, f in words[1:])

    def _table(self, run: Sequence[Line], y: int) -> int:
        """A ruled table (or, for "cells", a row of signature captions without rules)."""
        ruled = run[0].role != "cells"
        ncols = max(len(item.cells) for item in run)
        pad = _cm(0.15, self.dpi)
        head_font = self.font(STYLES["table_head"])
        row_font = self.font(STYLES["table_row"])
        if ruled:
            natural = [
                max(
                    (head_font if item.role == "table_head" else row_font).getlength(
                        item.cells[c] if c < len(item.cells) else ""
                    )
                    for item in run
                )
                + 2 * pad
                for c in range(ncols)
            ]
            total = sum(natural)
            widths = [round(w * self.frame / total) for w in natural]
        else:
            widths = [self.frame // ncols] * ncols
        pitch = self.pitch(STYLES["table_row"])
        y += round(STYLES[run[0].role].before * pitch)
        top = y
        for item in run:
            font = head_font if item.role in ("table_head", "cells") else row_font
            cells = [
                _wrap([(w, font) for w in cell.split()], width - 2 * pad)
                for cell, width in zip(item.cells, widths, strict=False)
            ]
            height = max(1, *(len(c) for c in cells)) * pitch + pad
            x = self.left
            self.plan.rows.append([])
            for column, rows in enumerate(cells):
                width = widths[column]
                align = "centre" if (item.role != "table_row" or column > 0) else "left"
                if item.role == "table_row" and column == 0 and len(item.cells) > 2:
                    align = "left"
                for number, row in enumerate(rows):
                    baseline = y + pad + number * pitch + round(font.size * 0.95)
                    _place(
                        self.plan,
                        row,
                        x + pad,
                        width - 2 * pad,
                        baseline,
                        align,
                        BLACK,
                        new_row=False,
                    )
                x += width
            if ruled:
                self.plan.shapes.append(("hline", (self.left, y, self.right, y)))
            y += height
        if ruled:
            self.plan.shapes.append(("hline", (self.left, y, self.right, y)))
            x = self.left
            for width in [0, *widths]:
                x += width
                self.plan.shapes.append(("vline", (min(x, self.right), top, min(x, self.right), y)))
        return y + pitch // 2

    def _figure(self, y: int) -> int:
        """Room for a parcel sketch (drawn as a polygon, no text)."""
        height, width = _cm(4.5, self.dpi), _cm(7.0, self.dpi)
        x0 = self.left + (self.frame - width) // 2
        self.plan.shapes.append(("figure", (x0, y, x0 + width, y + height)))
        return y + height + _cm(0.3, self.dpi)

    def _cert(self, lines: Sequence[Line], y: int) -> int:
        """The certification stamp: a ruled box in stamp ink at the lower left."""
        y += self.pitch(STYLES["body"]) // 2
        pad = _cm(0.25, self.dpi)
        box_w = round(self.frame * 0.55)
        top = y
        y += pad
        for item in lines:
            style = STYLES.get(item.role, STYLES["cert"])
            pitch = self.pitch(style)
            if item.role == "space":
                y += round(pitch * 1.6)
                continue
            font = self.font(style)
            for row in _wrap([(w, font) for w in item.text.split()], box_w - 2 * pad):
                baseline = y + round(font.size * 0.95)
                x0, x1 = _place(
                    self.plan,
                    row,
                    self.left + pad,
                    box_w - 2 * pad,
                    baseline,
                    "centre",
                    style.colour,
                )
                y += pitch
                if item.role == "cert_name":
                    self.plan.anchors.append(("cert", round((x0 + x1) / 2), baseline))
        y += pad
        self.plan.shapes.append(("box", (self.left, top, self.left + box_w, y)))
        return y


# ---------------------------------------------------------------------------------------
# Drawing a plan
# ---------------------------------------------------------------------------------------


def _qr_image(payload: str, side: int) -> Image.Image:
    barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode)
    modules = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False))
    image = Image.fromarray(modules.astype(np.uint8), "L")
    return image.resize((side, side), Image.Resampling.NEAREST)


def _parcel_sketch(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], seed: int) -> None:
    rng = random.Random(seed)
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    corners = rng.randint(4, 6)
    points = []
    for k in range(corners):
        angle = 2 * math.pi * k / corners + rng.uniform(-0.25, 0.25)
        radius = rng.uniform(0.6, 0.95)
        points.append(
            (
                cx + math.cos(angle) * (x1 - x0) / 2 * radius,
                cy + math.sin(angle) * (y1 - y0) / 2 * radius,
            )
        )
    width = max(2, (x1 - x0) // 150)
    draw.polygon(points, outline=BLACK, width=width)
    for px, py in points:
        draw.ellipse((px - width * 2, py - width * 2, px + width * 2, py + width * 2), fill=BLACK)


def _draw_plan(
    image: Image.Image, plan: _Plan, seed: int, origin: tuple[int, int] = (0, 0)
) -> tuple[list[str], list[TruthWord]]:
    draw = ImageDraw.Draw(image)
    ox, oy = origin
    thickness = max(1, round(image.width / 1650))
    for shape in plan.shapes:
        kind, box = shape[0], shape[1]
        x0, y0, x1, y1 = (box[0] + ox, box[1] + oy, box[2] + ox, box[3] + oy)
        if kind in ("rule", "hline", "vline"):
            draw.rectangle(
                (x0, y0, max(x0, x1 + thickness - 1), max(y0, y1 + thickness - 1)), fill=BLACK
            )
        elif kind == "box":
            draw.rectangle((x0, y0, x1, y1), outline=STAMP_INK, width=thickness * 2)
        elif kind == "qr":
            image.paste(_qr_image(shape[2], x1 - x0), (x0, y0))
        elif kind == "figure":
            _parcel_sketch(draw, (x0, y0, x1, y1), seed)
    lines: list[str] = []
    words: list[TruthWord] = []
    for row in plan.rows:
        if not row:
            continue
        index = len(lines)
        for word in row:
            at = (round(word.x) + ox, word.baseline + oy)
            draw.text(at, word.text, font=word.font, fill=word.colour, anchor="ls")
            words.append(TruthWord(word.text, ink_box(word.text, word.font, at), index))
        lines.append(" ".join(word.text for word in row))
    return lines, words


def _stamps(
    image: Image.Image,
    plan: _Plan,
    dpi: int,
    seed: int,
    seal_text: str,
    origin: tuple[int, int] = (0, 0),
) -> Image.Image:
    """Pen signatures above signer names, the body's red seal over official signatures."""
    for number, (kind, x, baseline) in enumerate(plan.anchors):
        x, baseline = x + origin[0], baseline + origin[1]
        centre = (x, baseline - _cm(1.0, dpi))
        image = pagegen.ink_signature(image, seed + number, centre, dpi=dpi)
        if kind == "official":
            image = pagegen.red_seal(
                image, seed + number, (x - _cm(1.7, dpi), centre[1]), dpi=dpi, text=seal_text
            )
        elif kind == "cert":
            image = pagegen.red_seal(
                image,
                seed + number,
                (x + _cm(3.4, dpi), centre[1]),
                dpi=dpi,
                text="ỦY BAN NHÂN DÂN - CHỨNG THỰC",
            )
    return image


def _seal_text(page: Page) -> str:
    """The body named round the seal: the issuer, else the body a head signs for."""
    issuer = [i.text for i in page.lines if i.role == "issuer" and i.region != CERT]
    text = " ".join(issuer)
    heads = ("HIỆU TRƯỞNG ", "GIÁM ĐỐC ", "TRƯỞNG ", "CHỦ TỊCH ")
    for item in page.lines if not text else ():
        head = next((h for h in heads if item.text.startswith(h)), None)
        if item.role == "subtitle" and head:
            text = item.text.removeprefix(head)
            break
    text = text or "ỦY BAN NHÂN DÂN"
    return text[:48]


def _a4_size(dpi: int, landscape: bool) -> tuple[int, int]:
    width, height = (round(side * dpi) for side in A4_INCHES)
    return (height, width) if landscape else (width, height)


def _render_a4(page: Page, dpi: int, seed: int, stamps: bool) -> RenderedPage:
    landscape = page.layout == "a4_landscape"
    size = _a4_size(dpi, landscape)
    plan = _Plan()
    for step in range(12):
        layout = _A4Layout(page, dpi, size, 1.0 - 0.05 * step)
        plan = layout.run()
        if plan.bottom <= layout.floor:
            break
    image = Image.new("RGB", size, WHITE)
    if landscape:
        draw = ImageDraw.Draw(image)
        for inset, width in ((1.0, 6), (1.3, 2)):
            m = _cm(inset, dpi)
            draw.rectangle(
                (m, m, size[0] - m, size[1] - m),
                outline=(150, 110, 40),
                width=max(1, width * dpi // 300),
            )
    lines, words = _draw_plan(image, plan, seed)
    if stamps:
        image = _stamps(image, plan, dpi, seed, _seal_text(page))
    return RenderedPage(image=image, dpi=dpi, text="\n".join(lines), words=tuple(words))


# ---------------------------------------------------------------------------------------
# ID cards
# ---------------------------------------------------------------------------------------

# Card role -> (font, size in pt, colour)
CARD_STYLES: dict[str, tuple[Path, float, tuple[int, int, int]]] = {
    "card_national": (SANS_BOLD, 5.2, CARD_TEXT),
    "card_motto": (SANS_BOLD, 5.2, CARD_TEXT),
    "card_national_en": (SANS, 4.4, CARD_TEXT),
    "card_motto_en": (SANS, 4.4, CARD_TEXT),
    "card_title": (SANS_BOLD, 9.0, CARD_RED),
    "card_title_en": (SANS_BOLD, 5.6, CARD_TEXT),
    "card_number": (SANS, 6.0, CARD_TEXT),
    "card_label": (SANS, 4.8, CARD_TEXT),
    "card_name": (SANS_BOLD, 7.2, CARD_TEXT),
    "card_value": (SANS_BOLD, 5.6, CARD_TEXT),
    "card_lv": (SANS, 5.0, CARD_TEXT),
    "card_caption": (SANS, 4.4, CARD_TEXT),
    "card_authority": (SANS_BOLD, 5.0, CARD_TEXT),
    "card_authority_en": (SANS, 3.9, CARD_TEXT),
    "card_signer": (SANS_BOLD, 5.6, CARD_TEXT),
    "card_finger_left": (SANS, 4.2, CARD_TEXT),
    "card_finger_right": (SANS, 4.2, CARD_TEXT),
    "mrz": (MONO, 14.0, (10, 10, 10)),
}

# Zones per card and side, in mm: (x0, y0, x1, y1, alignment).
CARD_ZONES: dict[tuple[str, str], dict[str, tuple[float, float, float, float, str]]] = {
    ("cccd_2021", FRONT): {
        "header": (15, 2.0, 70, 13.5, "centre"),
        "title": (15, 14.0, 70, 21.5, "centre"),
        "fields": (24, 22.0, 84.5, 52.5, "left"),
        "caption": (1.5, 47.5, 23.5, 53.5, "left"),
    },
    ("cccd_2021", BACK): {
        "main": (3, 2.5, 50, 36.5, "left"),
        "finger_left": (51, 22, 67, 29, "centre"),
        "finger_right": (68.5, 22, 84.5, 29, "centre"),
        "mrz": (3, 38.0, 83.5, 53.0, "left"),
    },
    ("cc_2024", FRONT): {
        "header": (15, 2.0, 83, 13.5, "centre"),
        "title": (15, 14.0, 83, 21.5, "centre"),
        "fields": (24, 22.0, 84.5, 53.0, "left"),
        "caption": (1.5, 47.5, 23.5, 53.5, "left"),
    },
    ("cc_2024", BACK): {
        "main": (3, 2.5, 61, 37.0, "left"),
        "finger_left": (62, 25, 84, 30, "centre"),
        "finger_right": (62, 30, 84, 35, "centre"),
        "mrz": (3, 38.0, 83.5, 53.0, "left"),
    },
}

CENTRED_CARD_ROLES = ("card_authority", "card_authority_en", "card_signer")


def _card_zone(role: str, side: str) -> str:
    if side == FRONT:
        if role.startswith(("card_national", "card_motto")):
            return "header"
        if role.startswith("card_title"):
            return "title"
        return "caption" if role == "card_caption" else "fields"
    if role == "mrz":
        return "mrz"
    if role == "card_finger_left":
        return "finger_left"
    if role == "card_finger_right":
        return "finger_right"
    return "main"


def _card_zone_plan(
    items: Sequence[Line], zone: tuple[float, float, float, float, str], dpi: int
) -> _Plan:
    """Flow a zone's lines top-down, shrinking the type until they fit."""
    x0, y0, x1, y1, align = zone
    left, top, width, bottom = _mm(x0, dpi), _mm(y0, dpi), _mm(x1 - x0, dpi), _mm(y1, dpi)
    plan = _Plan()
    for step in range(10):
        shrink = 1.0 - 0.06 * step
        plan = _Plan()
        y = top
        for item in items:
            path, pt, colour = CARD_STYLES.get(item.role, CARD_STYLES["card_lv"])
            size = _px(pt * shrink, dpi)
            if item.role == "mrz":  # fill the zone's width, as the OCR-B line does
                probe = load_font(path, 100)
                size = min(size, int(100 * width / probe.getlength("<" * 30)))
            font = load_font(path, size)
            words = _styled_words(item, font, load_font(BOLD_OF.get(path, path), size))
            row_align = "centre" if item.role in CENTRED_CARD_ROLES else align
            if item.role == "card_signer":
                y += round(size * 1.6)  # room for the signature
            for row in _wrap(words, width):
                baseline = y + round(size * 0.95)
                x_a, x_b = _place(plan, row, left, width, baseline, row_align, colour)
                y += round(size * (1.45 if item.role == "mrz" else 1.25))
                if item.role == "card_signer":
                    plan.anchors.append(("card_signer", round((x_a + x_b) / 2), baseline))
        plan.bottom = y
        if y <= bottom:
            break
    return plan


def _guilloche(
    draw: ImageDraw.ImageDraw, size: tuple[int, int], colour: tuple[int, int, int], generation: str
) -> None:
    width, height = size
    step = max(3, height // 28)
    freq = 3.0 if generation == "cccd_2021" else 4.5
    for k in range(-height, height * 2, step):
        points = [
            (x, k + height * 0.08 * math.sin(freq * 2 * math.pi * x / width + k / 37))
            for x in range(0, width + 8, 8)
        ]
        draw.line(points, fill=colour, width=1)


def _emblem(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    draw.ellipse(box, fill=(205, 165, 40))
    inset = (x1 - x0) // 10
    draw.ellipse((x0 + inset, y0 + inset, x1 - inset, y1 - inset), fill=CARD_RED)
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.3
    star = [
        (
            cx + (r if k % 2 == 0 else r * 0.4) * math.cos(-math.pi / 2 + k * math.pi / 5),
            cy + (r if k % 2 == 0 else r * 0.4) * math.sin(-math.pi / 2 + k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=(250, 215, 40))


def _portrait(image: Image.Image, box: tuple[int, int, int, int], seed: int) -> None:
    """A stylised face and shoulders: the photo region without any real face."""
    rng = random.Random(seed)
    w, h = box[2] - box[0], box[3] - box[1]
    photo = Image.new("RGB", (w, h), (222, 230, 240))
    draw = ImageDraw.Draw(photo)
    tone = rng.randint(120, 170)
    skin = (tone + 50, tone + 25, tone)
    draw.ellipse((w * 0.08, h * 0.68, w * 0.92, h * 1.35), fill=(60, 62, 75))
    draw.rectangle((w * 0.4, h * 0.55, w * 0.6, h * 0.75), fill=skin)
    draw.ellipse((w * 0.25, h * 0.14, w * 0.75, h * 0.66), fill=skin)
    hair = rng.randint(15, 45)
    draw.chord((w * 0.23, h * 0.1, w * 0.77, h * 0.5), 180, 360, fill=(hair, hair, hair))
    draw.rectangle((0, 0, w - 1, h - 1), outline=(120, 120, 130), width=1)
    image.paste(photo, box[:2])


def _fingerprint(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    draw.rounded_rectangle(box, radius=(x1 - x0) // 8, outline=(110, 110, 120), width=1)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for k in range(1, 9):
        rx, ry = (x1 - x0) * 0.05 * k, (y1 - y0) * 0.045 * k
        draw.arc((cx - rx, cy - ry, cx + rx, cy + ry), 200, 520, fill=(150, 150, 160), width=1)


def _draw_card(
    page: Page, side: str, items: Sequence[Line], dpi: int, seed: int
) -> tuple[Image.Image, list[_Plan]]:
    """One card side as an image, and the plans of its text zones (in card pixels)."""
    generation = page.card
    size = (_mm(CARD_MM[0], dpi), _mm(CARD_MM[1], dpi))
    tint = (226, 238, 232) if generation == "cccd_2021" else (224, 234, 246)
    card = Image.new("RGB", size, tint)
    draw = ImageDraw.Draw(card)
    _guilloche(draw, size, tuple(max(0, c - 18) for c in tint), generation)

    def mm_box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (_mm(x0, dpi), _mm(y0, dpi), _mm(x1, dpi), _mm(y1, dpi))

    if side == FRONT:
        _emblem(draw, mm_box(3, 2, 14, 13))
        _portrait(card, mm_box(3, 22, 22, 46.5), seed)
        if generation == "cccd_2021" and page.qr:
            qr_box = mm_box(70.5, 1.8, 84, 15.3)
            card.paste(_qr_image(page.qr, qr_box[2] - qr_box[0]), qr_box[:2])
    else:
        if generation == "cccd_2021":
            _fingerprint(draw, mm_box(52, 3, 66, 21))
            _fingerprint(draw, mm_box(69.5, 3, 83.5, 21))
            draw.rounded_rectangle(
                mm_box(58, 29.5, 69, 37), radius=4, fill=(205, 170, 80), outline=(150, 120, 50)
            )
        else:
            if page.qr:
                qr_box = mm_box(64, 2.5, 83, 21.5)
                card.paste(_qr_image(page.qr, qr_box[2] - qr_box[0]), qr_box[:2])
        draw.rectangle(mm_box(1.5, 37.2, 84.1, 53.2), fill=(244, 244, 240))
    zones = CARD_ZONES[(generation, side)]
    groups: dict[str, list[Line]] = {}
    for item in items:
        groups.setdefault(_card_zone(item.role, side), []).append(item)
    plans = [_card_zone_plan(group, zones[name], dpi) for name, group in groups.items()]
    return card, plans


def _rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255
    )
    return mask


def _render_id(
    page: Page, dpi: int, seed: int, stamps: bool, card_on_a4: bool
) -> list[RenderedPage]:
    rng = random.Random(seed)
    sides = [(s, [i for i in page.lines if i.region == s]) for s in (FRONT, BACK)]
    sides = [(s, items) for s, items in sides if items]
    cards = [(_draw_card(page, s, items, dpi, seed)) for s, items in sides]
    if not card_on_a4:
        out = []
        for (card, plans), (side, _) in zip(cards, sides, strict=True):
            lines: list[str] = []
            words: list[TruthWord] = []
            for plan in plans:
                got_lines, got_words = _draw_plan(card, plan, seed)
                words += [TruthWord(w.text, w.box, w.line + len(lines)) for w in got_words]
                lines += got_lines
            del side
            out.append(RenderedPage(card, dpi, "\n".join(lines), tuple(words)))
        return out
    size = _a4_size(dpi, False)
    sheet = Image.new("RGB", size, WHITE)
    grey = rng.random() < 0.5  # a black-and-white photocopy or a colour scan
    card_w, card_h = _mm(CARD_MM[0], dpi), _mm(CARD_MM[1], dpi)
    x = (size[0] - card_w) // 2 + _cm(rng.uniform(-2.0, 2.0), dpi)
    y = _cm(rng.uniform(2.0, 3.5), dpi)
    lines = []
    words = []
    placed: list[tuple[_Plan, tuple[int, int]]] = []
    for card, plans in cards:
        for plan in plans:
            got_lines, got_words = _draw_plan(card, plan, seed)
            words += [
                TruthWord(
                    w.text,
                    Box(w.box.left + x, w.box.top + y, w.box.right + x, w.box.bottom + y),
                    w.line + len(lines),
                )
                for w in got_words
            ]
            lines += got_lines
            placed.append((plan, (x, y)))
        if grey:
            card = ImageOps.autocontrast(card.convert("L"), cutoff=1).convert("RGB")
        sheet.paste(card, (x, y), _rounded_mask(card.size, _mm(3, dpi)))
        ImageDraw.Draw(sheet).rounded_rectangle(
            (x, y, x + card_w - 1, y + card_h - 1),
            radius=_mm(3, dpi),
            outline=(90, 90, 90),
            width=max(1, dpi // 150),
        )
        y += card_h + _cm(rng.uniform(1.0, 2.5), dpi)
    cert = [i for i in page.lines if i.region == CERT]
    if cert:
        layout = _A4Layout(Page(tuple(cert)), dpi, size, 1.0)
        plan = layout.run(y)
        got_lines, got_words = _draw_plan(sheet, plan, seed)
        words += [TruthWord(w.text, w.box, w.line + len(lines)) for w in got_words]
        lines += got_lines
        if stamps:
            sheet = _stamps(sheet, plan, dpi, seed, "")
    if stamps:
        for plan, origin in placed:
            for _, ax, baseline in plan.anchors:  # the authority's signature and seal
                centre = (ax + origin[0], baseline + origin[1] - _mm(4, dpi))
                sheet = pagegen.ink_signature(sheet, seed, centre, dpi=dpi // 3)
                sheet = pagegen.red_seal(
                    sheet,
                    seed,
                    (centre[0] - _mm(6, dpi), centre[1]),
                    dpi=round(dpi * 0.33),
                    text="BỘ CÔNG AN",
                )
    return [RenderedPage(sheet, dpi, "\n".join(lines), tuple(words))]


# ---------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------


def render(
    doc: TypedDocument, *, dpi: int = 200, stamps: bool = True, card_on_a4: bool = True
) -> list[RenderedPage]:
    """Draw every page; the same document and arguments always give the same pixels.

    ``stamps`` adds what ink adds to a real paper: pen signatures over signer names,
    the body's red seal over official signatures and the red seal of a certified copy
    (they are not text, so they are not in the ground truth). ID card pages become
    one A4 photocopy (front above back); with ``card_on_a4=False`` each card side is
    its own card-sized image instead.
    """
    pages: list[RenderedPage] = []
    for number, page in enumerate(doc.pages):
        seed = doc.seed * 31 + number
        if page.layout == "id_card":
            pages += _render_id(page, dpi, seed, stamps, card_on_a4)
        else:
            pages.append(_render_a4(page, dpi, seed, stamps))
    if doc.certified_copy and stamps and len(pages) > 1:
        # The seal across the edge of every sheet of a multi-page certified copy.
        for number, rendered in enumerate(pages[:-1]):
            image = pagegen.red_seal(
                rendered.image,
                doc.seed + number,
                (rendered.image.width, rendered.image.height // 2),
                dpi=dpi,
            )
            pages[number] = RenderedPage(image, rendered.dpi, rendered.text, rendered.words)
    return pages


# Presets that keep the page geometry, so word boxes stay valid after them.
GEOMETRY_KEEPING = frozenset(
    {"clean", "salt_pepper", "blur", "jpeg40", "shadow", "seal", "signature"}
)


def degraded(page: RenderedPage, preset: str, seed: int) -> RenderedPage:
    """The page through one of :data:`testkit.pagegen.DEGRADATIONS`, by name.

    Word boxes are kept where the preset keeps the geometry and dropped (empty)
    where it skews or turns the page; the text stays the same.
    """
    image = DEGRADATIONS[preset](page.image, seed)
    words = page.words if preset in GEOMETRY_KEEPING else ()
    return RenderedPage(image, page.dpi, page.text, words)
