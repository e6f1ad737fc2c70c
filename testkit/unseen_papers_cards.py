"""Identity cards for the unseen set: the 2021 chip card photocopied front and back on one
A4 sheet, the 2024 ``CĂN CƯỚC`` card photographed on a desk, and the old 9-digit
``GIẤY CHỨNG MINH NHÂN DÂN`` photocopied on one sheet.

Cards print the name in capitals; the truth holds it as a reader writes it (title case).
"""

from __future__ import annotations

from datetime import date

from PIL import Image, ImageDraw

from testkit.docgen_model import icao_check_digit
from testkit.unseen_papers_base import Drawn, Gen, Person, dmy, family_of, iso, sex_vi
from testkit.unseen_papers_draw import BLACK, RED, Sheet, line_mm

CARD_W, CARD_H = 85.6, 54.0


def _card(dpi: int, tint: tuple[int, int, int]) -> Sheet:
    s = Sheet(dpi, CARD_W, CARD_H, tint)
    s.draw.rounded_rectangle(
        (0, 0, s.img.width - 1, s.img.height - 1),
        radius=s.px(3),
        outline=(120, 120, 120),
        width=max(1, s.px(0.3)),
    )
    return s


def _photo(s: Sheet, x: float, y: float, w: float = 20, h: float = 26) -> None:
    """A portrait placeholder: head and shoulders, clipped to the photo's frame."""
    pw, ph = s.px(w), s.px(h)
    photo = Image.new("RGB", (pw, ph), (170, 175, 185))
    d = ImageDraw.Draw(photo)
    d.ellipse((pw * 0.28, ph * 0.15, pw * 0.72, ph * 0.55), fill=(120, 110, 105))
    d.ellipse((pw * 0.1, ph * 0.6, pw * 0.9, ph * 1.3), fill=(90, 90, 100))
    s.img.paste(photo, (s.px(x), s.px(y)))


def _emblem(s: Sheet, x: float, y: float, r: float) -> None:
    s.draw.ellipse(
        (s.px(x - r), s.px(y - r), s.px(x + r), s.px(y + r)),
        fill=(200, 40, 40),
        outline=(200, 160, 40),
        width=max(1, s.px(0.6)),
    )
    s.text(x, y - r * 0.55, "★", r * 2.2, "sans", fill=(240, 200, 40), anchor="ma")


def _qr(s: Sheet, g: Gen, x: float, y: float, size: float) -> None:
    """A QR-looking square: three finder patterns and random modules."""
    n = 25
    cell = size / n

    def finder(i: int, j: int) -> bool | None:
        for oi, oj in ((0, 0), (0, n - 7), (n - 7, 0)):
            if oi <= i < oi + 7 and oj <= j < oj + 7:
                a, b = i - oi, j - oj
                return a in (0, 6) or b in (0, 6) or (2 <= a <= 4 and 2 <= b <= 4)
        return None

    for i in range(n):
        for j in range(n):
            on = finder(i, j)
            if on is None:
                on = g.chance(0.5)
            if on:
                s.draw.rectangle(
                    (
                        s.px(x + j * cell),
                        s.px(y + i * cell),
                        s.px(x + (j + 1) * cell) - 1,
                        s.px(y + (i + 1) * cell) - 1,
                    ),
                    fill=BLACK,
                )


def _mrz(p: Person, number: str, expiry: date) -> list[str]:
    doc = number[3:]
    line1 = f"IDVNM{doc}{icao_check_digit(doc)}{number}"
    line1 = (line1 + "<" * 30)[:30]
    born = p.born.strftime("%y%m%d")
    exp = expiry.strftime("%y%m%d")
    line2 = f"{born}{icao_check_digit(born)}{'M' if p.sex == 'male' else 'F'}{exp}"
    line2 = f"{line2}{icao_check_digit(exp)}VNM"
    line2 = (line2 + "<" * 29)[:29]
    line2 += icao_check_digit(line1[5:30] + line2[:7] + line2[8:15] + line2[18:29])
    from unicodedata import normalize

    def ascii_name(text: str) -> str:
        folded = normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
        return "".join(c for c in folded if c.isascii()).upper()

    line3 = f"{ascii_name(p.family)}<<{ascii_name(p.given_names).replace(' ', '<')}"
    return [line1, line2, (line3 + "<" * 30)[:30]]


def chip_card_sides(g: Gen, p: Person, issued: date, dpi: int) -> tuple[Sheet, Sheet, dict]:
    """Front and back of the 2021 chip card, bilingual labels, values beside or below."""
    expiry = date(p.born.year + (25 if issued.year - p.born.year < 25 else 40), p.born.month, 1)
    expiry = expiry.replace(day=min(p.born.day, 28))
    front = _card(dpi, (228, 236, 246))
    _emblem(front, 12, 11, 6)
    _photo(front, 3, 21)
    _qr(front, g, 68, 3, 14)
    front.centred(2.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 5.4, "sans-b", x0=18, x1=68)
    front.centred(5.2, "SOCIALIST REPUBLIC OF VIET NAM", 4.6, "sans", x0=18, x1=68)
    front.centred(7.6, "Độc lập - Tự do - Hạnh phúc", 5, "sans-b", x0=18, x1=68)
    front.centred(11.5, "CĂN CƯỚC CÔNG DÂN", 8.5, "sans-b", fill=RED, x0=18, x1=68)
    front.centred(15, "Citizen Identity Card", 5.5, "sans-b", fill=RED, x0=18, x1=68)
    x, y = 25.0, 19.0
    front.text(x, y + 0.6, "Số / No.:", 5.5, "sans")
    front.text(x + 10, y, p.id_number, 8.5, "sans-b")
    y += 4.3
    front.text(x, y, "Họ và tên / Full name:", 5.2, "sans")
    front.text(x, y + 2.4, p.upper, 7.2, "sans-b")
    y += 6.3
    front.text(x, y, f"Ngày sinh / Date of birth: {dmy(p.born)}", 5.4, "sans")
    y += 2.8
    front.text(x, y, f"Giới tính / Sex: {sex_vi(p)}", 5.4, "sans")
    front.text(x + 27, y, "Quốc tịch / Nationality: Việt Nam", 5.4, "sans")
    y += 2.8
    front.text(x, y, "Quê quán / Place of origin:", 5.2, "sans")
    front.text(x, y + 2.4, p.origin.short(), 5.8, "sans")
    y += 5.4
    front.text(x, y, "Nơi thường trú / Place of residence:", 5.2, "sans")
    front.text(x, y + 2.4, p.residence_short()[:60], 5.8, "sans")
    front.text(3, 49, f"Có giá trị đến: {dmy(expiry)}", 4.6, "sans-i")
    front.text(3, 51.2, "Date of expiry", 4.2, "sans-i")

    back = _card(dpi, (236, 238, 242))
    back.text(3, 3, "Đặc điểm nhân dạng / Personal identification:", 5, "sans")
    back.text(
        3,
        5.6,
        g.pick(
            (
                "Nốt ruồi C:2cm trên trước mày phải",
                "Sẹo chấm C:1cm dưới mép trái",
                "Nốt ruồi C:3cm dưới sau cánh mũi trái",
            )
        ),
        5,
        "sans",
    )
    back.text(3, 9, f"Ngày, tháng, năm / Date, month, year: {dmy(issued)}", 5, "sans")
    back.centred(12.5, "CỤC TRƯỞNG CỤC CẢNH SÁT", 4.8, "sans-b", x0=0, x1=50)
    back.centred(14.8, "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", 4.8, "sans-b", x0=0, x1=50)
    back.centred(24, g.person(issued).full_name, 5.5, "sans-b", x0=0, x1=50)
    for i, label in enumerate(("Ngón trỏ trái", "Ngón trỏ phải")):
        bx = 54 + i * 15.5
        back.box(bx, 6, bx + 13, 22, 0.2)
        back.draw.ellipse(
            (back.px(bx + 2.5), back.px(8), back.px(bx + 10.5), back.px(20)),
            outline=(90, 90, 90),
            width=max(1, back.px(0.25)),
        )
        back.centred(22.6, label, 3.6, "sans", x0=bx - 1, x1=bx + 14)
    for i, row in enumerate(_mrz(p, p.id_number, expiry)):
        back.text(4, 36 + i * 5.3, row, 9.2, "mono")
    truth = {
        "full_name": p.full_name,
        "id_number": p.id_number,
        "date_of_birth": iso(p.born),
        "sex": p.sex,
        "issue_date": iso(issued),
    }
    return front, back, truth


def cancuoc_2024_sides(g: Gen, p: Person, issued: date, dpi: int) -> tuple[Sheet, Sheet, dict]:
    """The 2024 ``CĂN CƯỚC`` card: values on the line below each bilingual label."""
    front = _card(dpi, (232, 240, 234))
    _emblem(front, 9, 9, 5.5)
    _photo(front, 3, 19, 19, 25)
    front.centred(2.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 5.6, "cond-b", x0=16, x1=85)
    front.centred(5.3, "Độc lập - Tự do - Hạnh phúc", 5.2, "cond-b", x0=16, x1=85)
    front.centred(9.2, "CĂN CƯỚC", 10, "cond-b", fill=RED, x0=16, x1=85)
    front.centred(13.4, "IDENTITY CARD", 6.2, "cond-b", fill=RED, x0=16, x1=85)
    x, y = 25.0, 18.0
    rows = [
        ("Số định danh cá nhân / Personal identification number", p.id_number, 8),
        ("Họ, chữ đệm và tên khai sinh / Full name", p.upper, 7),
        ("Ngày, tháng, năm sinh / Date of birth", dmy(p.born), 6.5),
    ]
    for label, value, pt in rows:
        front.text(x, y, label, 4.6, "cond")
        front.text(x, y + 2.1, value, pt, "cond-b")
        y += 2.4 + line_mm(pt) * 0.85
    front.text(x, y, "Giới tính / Sex", 4.6, "cond")
    front.text(x + 24, y, "Quốc tịch / Nationality", 4.6, "cond")
    front.text(x, y + 2.1, sex_vi(p), 6.5, "cond-b")
    front.text(x + 24, y + 2.1, "Việt Nam", 6.5, "cond-b")
    back = _card(dpi, (236, 240, 236))
    back.text(3, 3, "Nơi cư trú / Place of residence", 4.8, "cond")
    back.text(3, 5.4, p.residence_short()[:62], 5.6, "cond-b")
    back.text(3, 9.2, "Nơi đăng ký khai sinh / Place of birth", 4.8, "cond")
    back.text(3, 11.6, p.origin.short(), 5.6, "cond-b")
    back.text(3, 15.4, "Ngày, tháng, năm cấp / Date of issue", 4.8, "cond")
    back.text(3, 17.8, dmy(issued), 5.6, "cond-b")
    expiry = date(issued.year + 15, issued.month, min(issued.day, 28))
    back.text(42, 15.4, "Ngày, tháng, năm hết hạn / Date of expiry", 4.8, "cond")
    back.text(42, 17.8, dmy(expiry), 5.6, "cond-b")
    back.centred(21.5, "BỘ CÔNG AN", 5.4, "cond-b", x0=40, x1=85)
    back.centred(23.8, "MINISTRY OF PUBLIC SECURITY", 4.4, "cond", x0=40, x1=85)
    _qr(back, g, 4, 20.5, 13)
    for i, row in enumerate(_mrz(p, p.id_number, expiry)):
        back.text(4, 36 + i * 5.3, row, 9.2, "mono")
    truth = {
        "full_name": p.full_name,
        "id_number": p.id_number,
        "date_of_birth": iso(p.born),
        "sex": p.sex,
        "issue_date": iso(issued),
    }
    return front, back, truth


def cmnd_sides(g: Gen, p: Person, issued: date, dpi: int) -> tuple[Sheet, Sheet, dict]:
    """The old green ``GIẤY CHỨNG MINH NHÂN DÂN`` with a 9-digit number."""
    number = g.digits(9)
    if number[0] == "0":
        number = str(g.num(1, 3)) + number[1:]
    front = _card(dpi, (214, 234, 214))
    _emblem(front, 13, 12, 8)
    _photo(front, 4, 24, 18, 24)
    front.centred(2.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 5.4, "serif-b", x0=25, x1=85)
    front.centred(5.4, "Độc lập - Tự do - Hạnh phúc", 5.4, "serif-b", x0=25, x1=85)
    front.centred(9.5, "GIẤY CHỨNG MINH NHÂN DÂN", 8.2, "serif-b", fill=RED, x0=25, x1=85)
    front.text(38, 14, "Số", 7.5, "serif-b", fill=RED)
    front.text(44, 13.4, " ".join(number[i : i + 3] for i in (0, 3, 6)), 9.5, "serif-b", fill=RED)
    x = 25.0
    front.text(x, 19.5, "Họ tên", 6.3, "serif")
    front.text(x + 9, 19.0, p.upper, 7.6, "dserif-b")
    front.text(x, 24.5, "Sinh ngày", 6.3, "serif")
    front.text(x + 12, 24.1, dmy(p.born, "-"), 7.4, "dserif")
    front.text(x, 29.2, "Nguyên quán", 6.3, "serif")
    front.text(x + 15, 28.9, p.origin.short()[:40], 6.6, "dserif")
    front.text(x, 34.5, "Nơi ĐKHK thường trú", 6.3, "serif")
    words = p.residence_short().split()
    first = ""
    while words and front.width(f"{first} {words[0]}", 6.6, "dserif") < CARD_W - x - 27:
        first = f"{first} {words.pop(0)}".strip()
    front.text(x + 24, 34.2, first, 6.6, "dserif")
    front.text(x, 38.6, " ".join(words), 6.6, "dserif")
    back = _card(dpi, (218, 236, 218))
    back.text(3, 3, f"Dân tộc: {p.ethnicity}", 6.3, "serif")
    back.text(45, 3, f"Tôn giáo: {g.pick(('Không', 'Phật giáo', 'Công giáo'))}", 6.3, "serif")
    back.centred(8, "DẤU VẾT RIÊNG VÀ DỊ HÌNH", 6, "serif-b", x0=0, x1=85.6)
    back.text(
        3,
        12,
        g.pick(("Sẹo chấm cách 2cm trên sau đuôi mắt trái", "Nốt ruồi cách 1cm dưới mép phải")),
        6,
        "serif-i",
    )
    for i, label in enumerate(("NGÓN TRỎ TRÁI", "NGÓN TRỎ PHẢI")):
        bx = 3 + i * 20
        back.box(bx, 20, bx + 17, 44, 0.2)
        back.centred(20.6, label, 3.8, "serif-b", x0=bx, x1=bx + 17)
        back.draw.ellipse(
            (back.px(bx + 3), back.px(25), back.px(bx + 14), back.px(41)),
            outline=(90, 90, 90),
            width=max(1, back.px(0.3)),
        )
    back.centred(
        20,
        f"Ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}",
        6.2,
        "serif-i",
        x0=43,
        x1=85,
    )
    back.centred(24, f"GIÁM ĐỐC CA {p.origin.province_full.upper()}", 5.6, "serif-b", x0=43, x1=85)
    back.centred(40, g.person(issued).full_name, 6, "serif-b", x0=43, x1=85)
    truth = {
        "full_name": p.full_name,
        "id_number": number,
        "old_id_number": number,
        "date_of_birth": iso(p.born),
        "issue_date": iso(issued),
    }
    return front, back, truth


def citizen_id(g: Gen, dpi: int) -> Drawn:
    """A citizen ID in one of three families (see the module docstring)."""
    family = family_of(g, ("chip_card_a4_photocopy", "cancuoc_2024_photo", "cmnd_9digit_a4"))
    if family == "cmnd_9digit_a4":
        issued = g.day(date(2005, 1, 1), date(2015, 12, 31))
    elif family == "cancuoc_2024_photo":
        issued = g.day(date(2024, 7, 1), date(2026, 11, 1))
    else:
        issued = g.day(date(2021, 1, 1), date(2024, 6, 30))
    p = g.person(issued)
    draw = {
        "chip_card_a4_photocopy": chip_card_sides,
        "cancuoc_2024_photo": cancuoc_2024_sides,
        "cmnd_9digit_a4": cmnd_sides,
    }[family]
    card_dpi = dpi if family != "cancuoc_2024_photo" else 3 * dpi // 2
    front, back, truth = draw(g, p, issued, card_dpi)
    if family == "cancuoc_2024_photo":
        return Drawn(family, [front, back], truth, photo_ok=True)
    page = Sheet(dpi)
    x = round(page.px(g.pick((30.0, 50.0, 62.0))))
    for i, side in enumerate((front, back)):
        page.img.paste(side.img.convert("RGB"), (x, page.px(25 + i * 75)))
    return Drawn(family, [page], truth)


def paste(page: Sheet, card: Image.Image, x: float, y: float) -> None:
    page.img.paste(card, (page.px(x), page.px(y)))
