"""Drawing primitives for :mod:`testkit.unseen_papers`: a page in millimetres, fonts, ruled
tables and the label/value arrangements the unseen layout families are made of.

Written apart from ``testkit.docgen_render`` on purpose: the unseen families must not
share the seen generator's typesetting (line heights, label styles, margins), or a
model trained on the seen families would meet familiar geometry and the benchmark
would measure less generalisation than it claims.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BLACK = (20, 20, 20)
RED = (200, 25, 35)
DARK_RED = (160, 20, 30)
NAVY = (25, 40, 110)
GREEN_PAPER = (228, 242, 226)
CREAM_PAPER = (250, 246, 232)
WHITE = (255, 255, 255)

_LIB = Path("/usr/share/fonts/truetype/liberation2")
_DJV = Path("/usr/share/fonts/truetype/dejavu")
FONTS: dict[str, Path] = {
    "serif": _LIB / "LiberationSerif-Regular.ttf",
    "serif-b": _LIB / "LiberationSerif-Bold.ttf",
    "serif-i": _LIB / "LiberationSerif-Italic.ttf",
    "serif-bi": _LIB / "LiberationSerif-BoldItalic.ttf",
    "sans": _DJV / "DejaVuSans.ttf",
    "sans-b": _DJV / "DejaVuSans-Bold.ttf",
    "sans-i": _DJV / "DejaVuSans-Oblique.ttf",
    "cond": _DJV / "DejaVuSansCondensed.ttf",
    "cond-b": _DJV / "DejaVuSansCondensed-Bold.ttf",
    "dserif": _DJV / "DejaVuSerif.ttf",
    "dserif-b": _DJV / "DejaVuSerif-Bold.ttf",
    "dserif-i": _DJV / "DejaVuSerif-Italic.ttf",
    "mono": _LIB / "LiberationMono-Regular.ttf",
}
HAND_DIGITS = Path("/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf")
"""A script face for handwritten numbers; it has no Vietnamese letters, so only digits and
``/`` are ever written with it (``hand_font`` falls back to an italic elsewhere)."""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=256)
def font(kind: str, size_px: int) -> ImageFont.FreeTypeFont:
    """A cached font; ``kind`` is a key of :data:`FONTS` or ``"hand"``."""
    path = HAND_DIGITS if kind == "hand" and HAND_DIGITS.exists() else FONTS.get(kind)
    if path is None or not path.exists():
        path = FONTS["serif-i"] if kind == "hand" else FONTS["sans"]
    return ImageFont.truetype(str(path), max(6, size_px), layout_engine=ImageFont.Layout.BASIC)


@dataclass
class Sheet:
    """One page drawn in millimetres; ``img`` is RGB at ``dpi``."""

    dpi: int
    width_mm: float = 210.0
    height_mm: float = 297.0
    paper: tuple[int, int, int] = WHITE
    img: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)

    def __post_init__(self) -> None:
        size = (self.px(self.width_mm), self.px(self.height_mm))
        self.img = Image.new("RGB", size, self.paper)
        self.draw = ImageDraw.Draw(self.img)

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def mm(self, px: float) -> float:
        return px * 25.4 / self.dpi

    def font(self, kind: str, pt: float) -> ImageFont.FreeTypeFont:
        return font(kind, round(pt * self.dpi / 72))

    def width(self, text: str, pt: float, kind: str = "serif") -> float:
        return self.mm(self.font(kind, pt).getlength(nfc(text)))

    def text(
        self,
        x: float,
        y: float,
        text: str,
        pt: float = 12,
        kind: str = "serif",
        fill: tuple[int, int, int] = BLACK,
        anchor: str = "la",
    ) -> float:
        """Draw ``text`` with its top-left (or ``anchor``) at (x, y) mm; returns its width."""
        f = self.font(kind, pt)
        self.draw.text((self.px(x), self.px(y)), nfc(text), font=f, fill=fill, anchor=anchor)
        return self.mm(f.getlength(nfc(text)))

    def centred(
        self,
        y: float,
        text: str,
        pt: float = 12,
        kind: str = "serif-b",
        fill: tuple[int, int, int] = BLACK,
        x0: float = 0.0,
        x1: float | None = None,
    ) -> float:
        """Centre ``text`` between x0 and x1 (the page by default); returns the next y."""
        x1 = self.width_mm if x1 is None else x1
        self.text((x0 + x1) / 2, y, text, pt, kind, fill, anchor="ma")
        return y + line_mm(pt)

    def wrap(self, text: str, width: float, pt: float, kind: str = "serif") -> list[str]:
        """Greedy word wrap to ``width`` mm."""
        lines: list[str] = []
        current = ""
        for word in nfc(text).split():
            trial = f"{current} {word}".strip()
            if current and self.width(trial, pt, kind) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        return [*lines, current] if current else lines or [""]

    def paragraph(
        self, x: float, y: float, width: float, text: str, pt: float = 12, kind: str = "serif"
    ) -> float:
        for row in self.wrap(text, width, pt, kind):
            self.text(x, y, row, pt, kind)
            y += line_mm(pt)
        return y

    def rule(self, x0: float, y0: float, x1: float, y1: float, w: float = 0.3, fill=BLACK) -> None:
        self.draw.line(
            (self.px(x0), self.px(y0), self.px(x1), self.px(y1)),
            fill=fill,
            width=max(1, self.px(w)),
        )

    def box(self, x0: float, y0: float, x1: float, y1: float, w: float = 0.3, fill=BLACK) -> None:
        self.draw.rectangle(
            (self.px(x0), self.px(y0), self.px(x1), self.px(y1)),
            outline=fill,
            width=max(1, self.px(w)),
        )


def line_mm(pt: float) -> float:
    """Baseline-to-baseline distance for ``pt`` text (1.45 leading)."""
    return pt * 0.3528 * 1.45


def table(
    s: Sheet,
    x: float,
    y: float,
    widths: Sequence[float],
    rows: Sequence[Sequence[str]],
    pt: float = 11,
    kinds: Sequence[str] = ("serif", "serif-b"),
    pad: float = 1.6,
    header: bool = False,
) -> float:
    """A ruled table, every cell boxed and wrapped; ``kinds`` gives each column's font
    (the last repeats). The first row is bold when ``header``. Returns the bottom y."""
    total = sum(widths)
    top = y
    s.rule(x, y, x + total, y)
    for r, row in enumerate(rows):
        cells = []
        for c, text in enumerate(row):
            kind = kinds[min(c, len(kinds) - 1)]
            if header and r == 0:
                kind = "serif-b"
            cells.append((s.wrap(text, widths[c] - 2 * pad, pt, kind), kind))
        height = max(len(lines) for lines, _ in cells) * line_mm(pt) + 2 * pad
        cx = x
        for c, (lines, kind) in enumerate(cells):
            for i, row_text in enumerate(lines):
                s.text(cx + pad, y + pad + i * line_mm(pt), row_text, pt, kind)
            cx += widths[c]
        y += height
        s.rule(x, y, x + total, y)
    cx = x
    for w in (0.0, *widths):
        cx += w
        s.rule(cx, top, cx, y)
    return y


def rows_below(
    s: Sheet,
    x: float,
    y: float,
    width: float,
    rows: Sequence[tuple[str, str]],
    pt: float = 11.5,
    label_kind: str = "serif-i",
    value_kind: str = "serif-b",
    dotted: bool = True,
) -> float:
    """Each label on its own line and its value on the line BELOW, indented, over an
    optional dotted rule: the "fill in below" look of some printed forms."""
    for label, value in rows:
        s.text(x, y, label, pt - 1, label_kind)
        y += line_mm(pt - 1)
        for row in s.wrap(value, width - 8, pt, value_kind):
            s.text(x + 8, y, row, pt, value_kind)
            y += line_mm(pt)
        if dotted:
            dots = "." * int(width / s.width(".", pt - 2, "serif"))
            s.text(x, y - line_mm(pt) * 0.45, dots, pt - 2, "serif", fill=(120, 120, 120))
        y += 1.2
    return y


def rows_columns(
    s: Sheet,
    x: float,
    y: float,
    label_w: float,
    value_w: float,
    rows: Sequence[tuple[str, str]],
    pt: float = 11.5,
    label_kind: str = "sans",
    value_kind: str = "serif-b",
) -> float:
    """Labels in a column of their own, values aligned in a second column, no colon and
    no rules: how bilingual cards and certificates set their fields."""
    for label, value in rows:
        labels = s.wrap(label, label_w - 2, pt - 1.5, label_kind)
        values = s.wrap(value, value_w, pt, value_kind)
        for i, row in enumerate(labels):
            s.text(x, y + i * line_mm(pt - 1.5), row, pt - 1.5, label_kind, fill=(60, 60, 60))
        for i, row in enumerate(values):
            s.text(x + label_w, y + i * line_mm(pt), row, pt, value_kind)
        y += max(len(labels) * line_mm(pt - 1.5), len(values) * line_mm(pt)) + 1.0
    return y


def header(
    s: Sheet, y: float, issuer: Sequence[str], number: str | None, place_date: str | None
) -> float:
    """Issuer and number left, national header right, place and date under it (italic)."""
    half = s.width_mm / 2
    left_x1 = half - 8
    yl = y
    for i, row in enumerate(issuer):
        yl = s.centred(yl, row, 11.5, "serif-b" if i == len(issuer) - 1 else "serif", x1=left_x1)
    if number:
        yl = s.centred(yl + 1.5, f"Số: {number}", 11.5, "serif", x1=left_x1)
    yr = s.centred(y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 11.5, "serif-b", x0=half - 12)
    yr = s.centred(yr, "Độc lập - Tự do - Hạnh phúc", 12, "serif-b", x0=half - 12)
    s.rule(half + 10, yr + 0.2, s.width_mm - 14, yr + 0.2, 0.25)
    if place_date:
        yr = s.centred(yr + 2.5, place_date, 11.5, "serif-i", x0=half - 12)
    return max(yl, yr) + 4


def national_centred(s: Sheet, y: float) -> float:
    y = s.centred(y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12.5, "serif-b")
    y = s.centred(y, "Độc lập - Tự do - Hạnh phúc", 12.5, "serif-b")
    half = s.width_mm / 2
    s.rule(half - 25, y + 0.3, half + 25, y + 0.3, 0.25)
    return y + 4


def signer(
    s: Sheet, x0: float, x1: float, y: float, role: Sequence[str], name: str
) -> tuple[float, float, float]:
    """Role lines, space to sign, then the name; returns (centre x, centre y of the
    signature space, bottom y) so the seal and pen can be put there."""
    for row in role:
        y = s.centred(y, row, 12, "serif-b", x0=x0, x1=x1)
    y = s.centred(y, "(Ký, ghi rõ họ tên, đóng dấu)", 10.5, "serif-i", x0=x0, x1=x1)
    mid = y + 12
    y = s.centred(y + 24, name, 12.5, "serif-b", x0=x0, x1=x1)
    return (x0 + x1) / 2, mid, y
