"""The generic certificate page of the unseen families, in four arrangements none of which
is the seen generator's "Label: value" line:

* ``table``: a ruled two-column table, label cell | value cell;
* ``below``: each label on its line, its value on the line below over dots;
* ``columns``: a label column and a value column, no colon, no rules (bilingual cards);
* ``landscape``: a landscape sheet, header and title on the left half, fields in two
  columns with values below their labels.

Labels may be bilingual (``Họ và tên / Full name``); the title may be red; the paper
may be green security paper with a guilloche.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from testkit.unseen_papers_base import Drawn, Gen, Locale, commune_issuer, place_date, seal_text
from testkit.unseen_papers_draw import (
    BLACK,
    GREEN_PAPER,
    RED,
    WHITE,
    Sheet,
    header,
    line_mm,
    national_centred,
    rows_below,
    rows_columns,
    signer,
    table,
)
from testkit.unseen_papers_ink import guilloche


@dataclass(frozen=True)
class Row:
    label: str
    english: str
    value: str

    def text(self, bilingual: bool) -> str:
        return f"{self.label} / {self.english}" if bilingual and self.english else self.label


@dataclass(frozen=True)
class Form:
    """What a certificate page says, independent of how it is arranged."""

    title: str
    title_en: str
    number: str  # printed after "Số:" ("" for none)
    book: str  # "Quyển số" ("" for none)
    rows: Sequence[Row]
    loc: Locale
    when: date
    role: Sequence[str] = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    signer_name: str = ""
    note: str = ""  # a closing sentence under the fields


def draw_form(
    g: Gen,
    form: Form,
    style: str,
    dpi: int,
    *,
    bilingual: bool = False,
    red_title: bool = False,
    security: bool = False,
    truth: dict[str, str],
    family: str,
) -> Drawn:
    """Draw ``form`` in ``style`` (see the module docstring) on one sheet."""
    landscape = style == "landscape"
    paper = GREEN_PAPER if security else WHITE
    s = Sheet(dpi, 297.0 if landscape else 210.0, 210.0 if landscape else 297.0, paper)
    if security:
        s.img = guilloche(s.img, random.Random(g.r.random()), (150, 205, 150))
        from PIL import ImageDraw

        s.draw = ImageDraw.Draw(s.img)
    title_fill = RED if red_title else BLACK
    when_line = place_date(form.loc.commune, form.when)
    rows = [(r.text(bilingual), r.value) for r in form.rows]
    if landscape:
        y = _landscape(s, form, rows, title_fill, when_line, bilingual)
        x0, x1 = 160.0, 285.0
    else:
        margin = 20.0
        if style == "table":
            y = header(s, 12, commune_issuer(form.loc), form.number or None, None)
        else:
            y = national_centred(s, 14)
        y = _title(s, y + 4, form, title_fill, bilingual, 0.0, s.width_mm)
        if style != "table" and (form.number or form.book):
            y = _number_line(s, y, form, margin, s.width_mm - margin)
        elif style == "table" and form.book:
            s.text(s.width_mm - margin, y, f"Quyển số: {form.book}", 11.5, "serif", anchor="ra")
            y += line_mm(11.5) + 2
        width = s.width_mm - 2 * margin
        if style == "table":
            label_w = width * g.pick((0.36, 0.4, 0.44))
            kinds = ("serif", "serif-b") if g.chance(0.6) else ("sans", "dserif-b")
            y = table(s, margin, y, (label_w, width - label_w), rows, 11.5, kinds)
        elif style == "below":
            y = rows_below(s, margin, y, width, rows, dotted=g.chance(0.7))
        else:
            y = rows_columns(s, margin, y, width * 0.42, width * 0.58, rows)
        if form.note:
            y = s.paragraph(margin, y + 3, width, form.note, 11.5, "serif-i")
        x0, x1 = s.width_mm / 2 - 5, s.width_mm - 10
        y += 4
    y = s.centred(y, when_line, 11.5, "serif-i", x0=x0, x1=x1)
    cx, cy, _ = signer(s, x0, x1, y + 1, form.role, form.signer_name or g.person(form.when).upper)
    return Drawn(
        family=family,
        sheets=[s],
        truth=truth,
        seals=[(0, cx - 16, cy)],
        seal_text=seal_text(form.loc),
        pen=[(0, cx, cy)],
    )


def _title(
    s: Sheet,
    y: float,
    form: Form,
    fill: tuple[int, int, int],
    bilingual: bool,
    x0: float,
    x1: float,
) -> float:
    s.text((x0 + x1) / 2, y, form.title, 17, "serif-b", fill=fill, anchor="ma")
    y += line_mm(17)
    if bilingual and form.title_en:
        s.text((x0 + x1) / 2, y, form.title_en, 12, "serif-bi", fill=fill, anchor="ma")
        y += line_mm(12)
    return y + 3


def _number_line(s: Sheet, y: float, form: Form, x0: float, x1: float) -> float:
    if form.number:
        s.text(x0, y, f"Số: {form.number}", 12, "serif")
    if form.book:
        s.text(x1, y, f"Quyển số: {form.book}", 12, "serif", anchor="ra")
    return y + line_mm(12) + 3


def _landscape(
    s: Sheet,
    form: Form,
    rows: list[tuple[str, str]],
    fill: tuple[int, int, int],
    when_line: str,
    bilingual: bool,
) -> float:
    """Left half: issuer, national header, title, number; right half and below: fields."""
    left_x1 = 140.0
    y = s.centred(10, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 11.5, "serif-b", x1=left_x1)
    y = s.centred(y, "Độc lập - Tự do - Hạnh phúc", 12, "serif-b", x1=left_x1)
    y = _title(s, y + 6, form, fill, bilingual, 0.0, left_x1)
    y = _number_line(s, y, form, 15, left_x1 - 10)
    half = (len(rows) + 1) // 2
    y_left = rows_below(s, 15, y + 2, left_x1 - 25, rows[:half], dotted=False)
    y_right = rows_below(s, 155, 12, 130, rows[half:], dotted=False)
    return max(y_right, min(y_left, 150.0)) + 4
