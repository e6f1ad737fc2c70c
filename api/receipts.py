"""The receipt a citizen takes home (giấy tiếp nhận hồ sơ và hẹn trả kết quả).

It names what the counter received, so the citizen and the clerk agree on it:
the receiving unit under the national header, the dossier code in text and as
a QR code (a later counter scans it to find the dossier), the procedure, the
applicant, the date received, each paper of the procedure's checklist with
what was received for it, any other paper, and the clerk. The date results are
due is left for the clerk to write: how long a procedure takes is set by the
procedure's published text, which sohoa does not hold.

A pure function from plain values to PDF bytes, tested without a server; fpdf2
embeds Liberation Serif (metric-compatible with Times New Roman, Decree
30/2020's font), so Vietnamese prints in any viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from fpdf import FPDF
from fpdf.fonts import FontFace

from api.printouts import qr_image
from compare.report import BOLD, FONT_DIR, REGULAR

ITALIC = FONT_DIR / "LiberationSerif-Italic.ttf"
TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
QR_SIDE_MM = 28.0
"""The dossier code's QR: small beside the title, still about 1 mm a module for a
code of ordinary length (a version 2–3 symbol), which a phone or a desk reader takes."""
MARGIN_MM = 20.0
LINE_MM = 6.5
RECEIVED_STATES = {
    "present": "Đã nhận",
    "missing": "Chưa nhận",
    "needs_check": "Cần kiểm tra",
    "optional": "Không bắt buộc",
}


@dataclass(frozen=True)
class ReceiptLine:
    """One paper of the checklist (or one document when there is no checklist)."""

    label: str
    received: int  # documents received for it
    state: str  # a key of RECEIVED_STATES


@dataclass(frozen=True)
class Receipt:
    unit_code: str
    unit_name: str | None
    dossier_code: str
    procedure_code: str | None
    procedure_name: str | None
    applicant_name: str | None
    applicant_id_number: str | None
    applicant_phone: str | None
    received: date
    clerk: str
    lines: tuple[ReceiptLine, ...]
    others: tuple[str, ...] = ()  # papers received that no checklist item asked for


def receipt_pdf(receipt: Receipt) -> bytes:
    """The A4 receipt of one dossier (deterministic: the same receipt gives the same bytes)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, 15, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("Serif", "", str(REGULAR))
    pdf.add_font("Serif", "B", str(BOLD))
    pdf.add_font("Serif", "I", str(ITALIC))
    pdf.set_title(f"{TITLE} {receipt.dossier_code}")
    pdf.set_creator("sohoa")
    pdf.set_creation_date(datetime.combine(receipt.received, datetime.min.time(), UTC))
    pdf.add_page()
    _national_header(pdf, receipt)
    top = pdf.get_y() + 4
    pdf.image(qr_image(receipt.dossier_code), x=pdf.w - MARGIN_MM - QR_SIDE_MM, y=top, w=QR_SIDE_MM)
    pdf.set_y(top + 2)
    width = pdf.w - 2 * MARGIN_MM - QR_SIDE_MM - 4
    pdf.set_font("Serif", "B", 14)
    pdf.multi_cell(width, 7, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "B", 13)
    pdf.multi_cell(width, 7, f"Mã hồ sơ: {receipt.dossier_code}", align="C")
    pdf.set_y(max(pdf.get_y(), top + QR_SIDE_MM) + 4)
    pdf.set_font("Serif", "", 12)
    procedure = " – ".join(p for p in (receipt.procedure_code, receipt.procedure_name) if p)
    for label, value in (
        ("Đơn vị tiếp nhận", _unit(receipt)),
        ("Thủ tục", procedure or "—"),
        ("Người nộp hồ sơ", receipt.applicant_name or "……………………………………"),
        ("Số định danh cá nhân", receipt.applicant_id_number or "……………………"),
        ("Số điện thoại", receipt.applicant_phone or "……………………"),
        ("Ngày tiếp nhận", receipt.received.strftime("%d/%m/%Y")),
    ):
        pdf.multi_cell(0, LINE_MM, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _papers(pdf, receipt)
    pdf.ln(3)
    pdf.multi_cell(0, LINE_MM, "Ngày hẹn trả kết quả: ……/……/…………", new_x="LMARGIN", new_y="NEXT")
    _signatures(pdf, receipt)
    return bytes(pdf.output())


def _unit(receipt: Receipt) -> str:
    return f"{receipt.unit_name} ({receipt.unit_code})" if receipt.unit_name else receipt.unit_code


def _national_header(pdf: FPDF, receipt: Receipt) -> None:
    half = (pdf.w - 2 * MARGIN_MM) / 2
    y = pdf.get_y()
    pdf.set_font("Serif", "", 11)
    below = {"new_x": "LMARGIN", "new_y": "NEXT"}
    pdf.multi_cell(
        half - 4, 5.5, (receipt.unit_name or receipt.unit_code).upper(), align="C", **below
    )
    pdf.set_font("Serif", "B", 11)
    pdf.multi_cell(half - 4, 5.5, "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", align="C", **below)
    left_end = pdf.get_y()
    pdf.set_xy(MARGIN_MM + half, y)
    pdf.multi_cell(half, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", **below)
    pdf.set_x(MARGIN_MM + half)
    pdf.set_font("Serif", "B", 12)
    pdf.multi_cell(half, 5.5, "Độc lập - Tự do - Hạnh phúc", align="C", **below)
    pdf.set_y(max(left_end, pdf.get_y()) + 2)


def _papers(pdf: FPDF, receipt: Receipt) -> None:
    pdf.set_font("Serif", "B", 12)
    pdf.cell(0, LINE_MM, "Thành phần hồ sơ đã nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "", 11)
    rows = [(line.label, str(line.received), RECEIVED_STATES[line.state]) for line in receipt.lines]
    rows += [(name, "1", "Giấy tờ khác") for name in receipt.others]
    with pdf.table(
        col_widths=(10, 100, 22, 38),
        text_align=("CENTER", "LEFT", "CENTER", "LEFT"),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=5.5,
    ) as table:
        table.row(("STT", "Tên giấy tờ", "Số lượng", "Tình trạng"))
        for number, (label, count, state) in enumerate(rows, start=1):
            table.row((str(number), label, count, state))


def _signatures(pdf: FPDF, receipt: Receipt) -> None:
    pdf.ln(6)
    half = (pdf.w - 2 * MARGIN_MM) / 2
    y = pdf.get_y()
    pdf.set_font("Serif", "B", 12)
    for x, title in ((MARGIN_MM, "NGƯỜI NỘP HỒ SƠ"), (MARGIN_MM + half, "NGƯỜI TIẾP NHẬN")):
        pdf.set_xy(x, y)
        pdf.cell(half, LINE_MM, title, align="C")
    pdf.set_font("Serif", "I", 10)
    for x in (MARGIN_MM, MARGIN_MM + half):
        pdf.set_xy(x, y + LINE_MM)
        pdf.cell(half, 5, "(Ký, ghi rõ họ tên)", align="C")
    pdf.set_font("Serif", "", 12)
    pdf.set_xy(MARGIN_MM + half, y + LINE_MM + 22)
    pdf.cell(half, LINE_MM, receipt.clerk, align="C")
    if receipt.applicant_name:
        pdf.set_xy(MARGIN_MM, y + LINE_MM + 22)
        pdf.cell(half, LINE_MM, receipt.applicant_name, align="C")
