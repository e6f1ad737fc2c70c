"""The officer's comparison report as a PDF: what was compared, by whom, what was found.

The certification register needs a record a person can read and file, so the
report says in Vietnamese which two papers were compared (dossier, file names,
SHA-256 of the originals, pages), who compared them and when, the verdict, every
difference (critical ones — a digit of an ID number or a date — first and in
red), and the overlay of each page. It is generated from the stored result, so
the same comparison always gives the same report.

fpdf2 embeds the TrueType font, so Vietnamese prints correctly in any viewer.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF
from PIL import Image

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
REGULAR = FONT_DIR / "LiberationSerif-Regular.ttf"
BOLD = FONT_DIR / "LiberationSerif-Bold.ttf"
RED = (190, 20, 30)
BLACK = (0, 0, 0)
MAX_LISTED = 60
"""Differences listed in the table; more are summarised (the overlay shows them all)."""

VERDICTS = {
    "identical": "Nội dung giống nhau",
    "differences": "Phát hiện điểm khác nhau",
    "manual_check": "Cần kiểm tra thủ công",
}


@dataclass(frozen=True)
class SideInfo:
    """One of the two papers: where it is filed and what exactly was compared."""

    role: str  # "Bản chính" / "Bản sao"
    document_id: str
    dossier: str
    unit: str
    filename: str
    sha256: str
    pages: str  # e.g. "1" or "1–3"


def comparison_pdf(
    *,
    comparison_id: str,
    officer: str,
    created_at: str,
    original: SideInfo,
    copy: SideInfo,
    result: dict[str, Any],
    overlays: Sequence[Image.Image],
) -> bytes:
    """The report of one stored comparison (``result`` is its stored JSON)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("Serif", "", str(REGULAR))
    pdf.add_font("Serif", "B", str(BOLD))
    pdf.set_title("Biên bản đối chiếu bản sao với bản chính")
    pdf.set_creator("sohoa")
    pdf.add_page()
    _header(pdf, comparison_id, officer, created_at)
    for side in (original, copy):
        _side(pdf, side)
    _verdict(pdf, result)
    _differences(pdf, result)
    for number, overlay in enumerate(overlays, start=1):
        _overlay_page(pdf, number, overlay)
    return bytes(pdf.output())


def _header(pdf: FPDF, comparison_id: str, officer: str, created_at: str) -> None:
    pdf.set_font("Serif", "B", 14)
    pdf.multi_cell(0, 7, "BIÊN BẢN ĐỐI CHIẾU BẢN SAO VỚI BẢN CHÍNH", align="C")
    pdf.ln(2)
    pdf.set_font("Serif", "", 11)
    for label, value in (
        ("Mã đối chiếu", comparison_id),
        ("Người đối chiếu", officer),
        ("Thời điểm", created_at),
    ):
        _line(pdf, label, value)
    pdf.ln(2)


def _side(pdf: FPDF, side: SideInfo) -> None:
    pdf.set_font("Serif", "B", 12)
    pdf.cell(0, 7, side.role, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "", 10)
    for label, value in (
        ("Hồ sơ", f"{side.dossier} ({side.unit})"),
        ("Tệp", side.filename),
        ("Trang", side.pages),
        ("Mã tài liệu", side.document_id),
        ("SHA-256 bản quét", side.sha256),
    ):
        _line(pdf, label, value)
    pdf.ln(1)


def _line(pdf: FPDF, label: str, value: str) -> None:
    pdf.multi_cell(0, 5.5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")


def _verdict(pdf: FPDF, result: dict[str, Any]) -> None:
    pdf.ln(2)
    verdict = str(result.get("verdict", ""))
    pdf.set_font("Serif", "B", 13)
    pdf.set_text_color(*(BLACK if verdict == "identical" else RED))
    line = str(result.get("verdict_line") or VERDICTS.get(verdict, verdict))
    pdf.multi_cell(0, 7, f"Kết luận: {line}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*BLACK)
    pdf.ln(1)


def _differences(pdf: FPDF, result: dict[str, Any]) -> None:
    rows = [
        (page.get("page", 1), op)
        for page in result.get("pages", [])
        for op in page.get("text_ops", [])
        if op.get("status") == "difference"
    ]
    rows.sort(key=lambda row: (not row[1].get("critical"), row[0]))
    pdf.set_font("Serif", "B", 11)
    pdf.cell(0, 6, f"Các điểm khác nhau về chữ: {len(rows)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "", 10)
    for page, op in rows[:MAX_LISTED]:
        critical = bool(op.get("critical"))
        pdf.set_text_color(*(RED if critical else BLACK))
        mark = " [SỐ/NGÀY BỊ THAY ĐỔI]" if critical else ""
        text = (
            f"Trang {page}: bản chính «{op.get('original_text', '')}» — "
            f"bản sao «{op.get('copy_text', '')}»{mark}"
        )
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*BLACK)
    if len(rows) > MAX_LISTED:
        pdf.multi_cell(0, 5.5, f"… và {len(rows) - MAX_LISTED} điểm khác (xem hình đối chiếu).")
    regions = sum(len(page.get("regions", [])) for page in result.get("pages", []))
    pdf.multi_cell(0, 5.5, f"Vùng hình ảnh khác nhau: {regions}.", new_x="LMARGIN", new_y="NEXT")


def _overlay_page(pdf: FPDF, number: int, overlay: Image.Image) -> None:
    pdf.add_page()
    pdf.set_font("Serif", "B", 11)
    pdf.cell(
        0,
        6,
        f"Hình đối chiếu trang {number} (đỏ: bị xóa; xanh: được thêm)",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    buffer = io.BytesIO()
    overlay.convert("RGB").save(buffer, format="JPEG", quality=80)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    height = pdf.h - pdf.get_y() - pdf.b_margin
    ratio = min(width / overlay.width, height / overlay.height)
    pdf.image(buffer, w=overlay.width * ratio, h=overlay.height * ratio)
