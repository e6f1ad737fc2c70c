"""Sheets the counter prints: the cover sheet that goes on top of a dossier's papers.

Pure functions from plain values to PDF bytes, so they are tested without a
server. The cover sheet's QR code is what ``ingest.cover_sheets`` finds in a
feeder scan to split it into dossiers; the code is also printed in large text
for the clerk and for the day the QR is torn.

fpdf2 embeds Liberation Serif (metric-compatible with Times New Roman, the
font Decree 30/2020 prescribes), so the Vietnamese prints in any viewer, as in
``compare.report``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import zxingcpp
from fpdf import FPDF
from PIL import Image

from compare.report import BOLD, REGULAR
from ingest.cover_sheets import cover_payload

FIXED_CREATION_DATE = datetime(2025, 7, 1, tzinfo=UTC)
"""Written as every sheet's creation date, so the same dossier always prints the
same bytes (a reprint can be compared with the first, and tests can pin it). The
date is when the two-level local government, and its commune counters, began."""

QR_SIDE_MM = 80.0
"""Printed width of the QR code with its quiet zone. A code of ordinary length
makes a version 4–6 symbol (33–41 modules at error correction Q), about 2 mm a
module: read at the 100 dpi split_batch looks at, and through a smudge or a
staple hole (Q restores a quarter of the symbol)."""

QR_ERROR_CORRECTION = "Q"
QR_MODULE_PX = 8
"""Pixels a module is drawn with in the embedded image; fpdf scales it to
``QR_SIDE_MM``, so only the ratio matters: whole pixels keep every edge sharp."""

PAGE_WIDTH_MM = 210.0
MARGIN_MM = 20.0
CODE_PT = 30.0
"""Size of the dossier code: legible across the counter. A long code is set smaller
until it fits the line (down to ``MIN_CODE_PT``)."""
MIN_CODE_PT = 14.0

TITLE = "TỜ BÌA HỒ SƠ"
INSTRUCTION = (
    "Đặt tờ bìa này lên trên cùng các giấy tờ của hồ sơ, rồi xếp các hồ sơ chồng lên nhau "
    "và quét một lần bằng máy quét nạp giấy. Mỗi hồ sơ một tờ bìa; tờ bìa không được lưu "
    "vào hồ sơ. Muốn tách hai giấy tờ trong cùng hồ sơ, chèn một tờ giấy trắng giữa chúng."
)


def cover_sheet_pdf(*, unit: str, dossier: str, procedure_code: str | None = None) -> bytes:
    """An A4 cover sheet for one dossier: QR code, the code in large text, unit, procedure."""
    payload = cover_payload(unit, dossier)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.add_font("Serif", "", str(REGULAR))
    pdf.add_font("Serif", "B", str(BOLD))
    pdf.set_title(f"{TITLE} {dossier}")
    pdf.set_creator("sohoa")
    pdf.set_creation_date(FIXED_CREATION_DATE)
    pdf.add_page()
    line_width = PAGE_WIDTH_MM - 2 * MARGIN_MM

    pdf.set_font("Serif", "B", 26)
    pdf.cell(line_width, 14, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    qr_top = pdf.get_y()
    pdf.image(qr_image(payload), x=(PAGE_WIDTH_MM - QR_SIDE_MM) / 2, y=qr_top, w=QR_SIDE_MM)
    pdf.set_y(qr_top + QR_SIDE_MM + 6)

    pdf.set_font("Serif", "B", _fitting_size(pdf, dossier, line_width))
    pdf.cell(line_width, 16, dossier, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Serif", "", 16)
    for label, value in (("Đơn vị", unit), ("Mã thủ tục", procedure_code or "—")):
        pdf.cell(line_width, 10, f"{label}: {value}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("Serif", "", 13)
    pdf.multi_cell(line_width, 7, INSTRUCTION, align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-MARGIN_MM)
    pdf.set_font("Serif", "", 9)
    pdf.cell(line_width, 5, f"sohoa · {payload.split('|')[0]}", align="R")
    return bytes(pdf.output())


def qr_image(payload: str) -> Image.Image:
    """The QR code of ``payload`` (error correction Q, quiet zone included) as a 1-bit image,
    for fpdf to scale: the cover sheet's and the receipt's."""
    barcode = zxingcpp.create_barcode(
        payload, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR_CORRECTION
    )
    modules = np.asarray(
        zxingcpp.write_barcode_to_image(barcode, scale=QR_MODULE_PX, add_quiet_zones=True)
    )
    return Image.fromarray(modules.astype(np.uint8), "L").convert("1")


def _fitting_size(pdf: FPDF, text: str, width_mm: float) -> float:
    size = CODE_PT
    while size > MIN_CODE_PT:
        pdf.set_font("Serif", "B", size)
        if pdf.get_string_width(text) <= width_mm:
            break
        size -= 1
    return size
