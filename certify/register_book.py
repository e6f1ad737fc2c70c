"""A period of the certification register (sổ chứng thực) as the paper register's columns.

Each electronic certified copy has a number in a book (``01/2026-SCTĐT/BS``); the paper
register's columns are number, date, requester, paper, copies, signer and title, fee, notes.
An export gives those, plus the book and the dossier code that find the copy again:

- CSV, for spreadsheets: UTF-8 with a BOM (Excel in Vietnam needs it for the accents), all
  plain text — names are typed by people outside the office, so a cell a spreadsheet would
  run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) is prefixed with ``'``;
- PDF, to print and sign at the end of the period: A4 landscape, the heading repeated on
  every page, "Trang N/M", the count, and the same bytes for the same inputs.

Dates are days in Vietnam (UTC+07:00): 00:30 there is still the day before in UTC.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from fpdf import FPDF

from compare.report import BOLD, FONT_DIR, REGULAR

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "SỔ CHỨNG THỰC BẢN SAO ĐIỆN TỬ"
EMPTY = "Không có chứng thực nào trong kỳ này."
COLUMNS = (
    "Số chứng thực",
    "Quyển số",
    "Ngày chứng thực",
    "Họ tên người yêu cầu",
    "Tên giấy tờ",
    "Số bản",
    "Họ tên, chức danh người ký",
    "Lệ phí (đồng)",
    "Ghi chú",
    "Mã hồ sơ",
)
COL_WIDTHS_MM = (14, 31, 20, 36, 46, 11, 40, 17, 33, 29)
"""Their sum is the width between the 10 mm margins of a landscape A4 page."""
ALIGN = ("CENTER", "LEFT", "CENTER", "LEFT", "LEFT", "CENTER", "LEFT", "RIGHT", "LEFT", "LEFT")
MAX_PRINTED_CHARS = 300
"""Cut with "…" on paper (the CSV keeps it whole): a table row must fit on one page."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RegisterEntry:
    """One line of the register: one certification number, however many copies it made."""

    number: int
    book_label: str  # e.g. "01/2026-SCTĐT/BS"
    certified_at: datetime  # aware, UTC
    requester: str | None
    paper: str
    copies: int
    officer_name: str
    officer_title: str
    fee: int | None  # VND; None when no fee was recorded
    note: str | None
    dossier_code: str
    document_id: str


@dataclass(frozen=True)
class RegisterPeriod:
    """The unit whose register it is and the days exported (both ends included)."""

    unit_code: str
    unit_name: str | None
    date_from: date
    date_to: date


def register_csv(period: RegisterPeriod, entries: Sequence[RegisterEntry]) -> bytes:
    """The entries, in the order given, as a CSV a spreadsheet opens without running anything.

    ``period`` is not written (the header is the first row); both exports are called alike."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(_inert(cell) for cell in _cells(entry, fee=str))
    return out.getvalue().encode("utf-8-sig")


def register_pdf(period: RegisterPeriod, entries: Sequence[RegisterEntry]) -> bytes:
    """The entries, in the order given, as the printed register of ``period``."""
    pdf = _Book(orientation="L", format="A4", unit="mm")
    pdf.set_margins(10, 12, 10)
    pdf.set_auto_page_break(True, margin=15)
    for style, font in (("", REGULAR), ("B", BOLD), ("I", FONT_DIR / "LiberationSerif-Italic.ttf")):
        pdf.add_font("Serif", style, str(font))
    pdf.set_title(f"{TITLE} {period.unit_code} {_day(period.date_from)}–{_day(period.date_to)}")
    pdf.set_creator("sohoa")
    pdf.set_lang("vi")
    pdf.set_creation_date(datetime.combine(period.date_to, time(), UTC))
    pdf.add_page()
    below = {"new_x": "LMARGIN", "new_y": "NEXT"}
    pdf.set_font("Serif", "B", 15)
    pdf.cell(0, 8, TITLE, align="C", **below)
    pdf.set_font("Serif", "", 12)
    unit = f"{period.unit_name} ({period.unit_code})" if period.unit_name else period.unit_code
    pdf.multi_cell(0, 6.5, _nfc(f"Đơn vị: {unit}"), align="C", **below)
    period_text = f"Từ ngày {_day(period.date_from)} đến ngày {_day(period.date_to)}"
    pdf.cell(0, 6.5, period_text, align="C", **below)
    pdf.ln(3)
    pdf.set_font("Serif", "", 9.5)
    with pdf.table(col_widths=COL_WIDTHS_MM, text_align=ALIGN, line_height=4.8) as table:
        table.row(COLUMNS)
        for entry in entries:
            table.row(tuple(_clip(cell) for cell in _cells(entry, fee=_money)))
    pdf.ln(3)
    pdf.set_font("Serif", "", 11)
    total = f"Tổng số chứng thực trong kỳ: {len(entries)}."
    pdf.multi_cell(0, 6, total if entries else f"{EMPTY}\n{total}", **below)
    _signature(pdf)
    return bytes(pdf.output())


class _Book(FPDF):
    """A page of the register numbered "Trang N/M", so a loose sheet shows where it belongs."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Serif", "", 9)
        self.cell(0, 6, f"Trang {self.page_no()}/{{nb}}", align="C")


def _cells(entry: RegisterEntry, fee: Callable[[int], str]) -> tuple[str, ...]:
    """The entry in the order of COLUMNS; ``fee`` writes the amount for the reader at hand."""
    officer = ", ".join(part for part in (entry.officer_name, entry.officer_title) if part)
    return tuple(
        _nfc(cell)
        for cell in (
            str(entry.number),
            entry.book_label,
            _day(_vietnam_day(entry.certified_at)),
            entry.requester or "",
            entry.paper,
            str(entry.copies),
            officer,
            "" if entry.fee is None else fee(entry.fee),
            entry.note or "",
            entry.dossier_code,
        )
    )


def _vietnam_day(moment: datetime) -> date:
    """The calendar day in Vietnam; a naive time is refused rather than read as local."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"certified_at must carry its time zone: {moment!r}")
    return moment.astimezone(VIETNAM).date()


def _inert(cell: str) -> str:
    """The cell as text a spreadsheet shows and never evaluates (CSV injection)."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _clip(cell: str) -> str:
    return cell if len(cell) <= MAX_PRINTED_CHARS else cell[: MAX_PRINTED_CHARS - 1] + "…"


def _nfc(text: str) -> str:
    """Composed Vietnamese: one code point a letter, as fonts, search and Excel expect."""
    return unicodedata.normalize("NFC", text)


def _day(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _money(amount: int) -> str:
    """20000 → "20.000", the Vietnamese thousands separator."""
    return f"{amount:,}".replace(",", ".")


def _signature(pdf: FPDF) -> None:
    """Where the register is signed when the period is closed."""
    pdf.ln(4)
    if pdf.get_y() + 20 > pdf.page_break_trigger:
        pdf.add_page()
    x, width = pdf.w / 2 + 20, pdf.w / 2 - 20 - pdf.r_margin
    pdf.set_x(x)
    for style, text in (
        ("I", "Ngày …… tháng …… năm ……"),
        ("B", "NGƯỜI KHÓA SỔ"),
        ("I", "(Ký, ghi rõ họ tên, đóng dấu)"),
    ):
        pdf.set_font("Serif", style, 11)
        pdf.cell(width, 6, text, align="C", new_x="LEFT", new_y="NEXT")
