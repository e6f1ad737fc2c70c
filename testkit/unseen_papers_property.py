"""Land titles, household books, household business certificates and diplomas in unseen
layouts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from testkit import docgen_banks as banks
from testkit.unseen_papers_base import (
    Drawn,
    Gen,
    commune_issuer,
    dmy,
    family_of,
    iso,
    issued,
    place_date,
    seal_text,
    sex_vi,
)
from testkit.unseen_papers_draw import (
    CREAM_PAPER,
    DARK_RED,
    NAVY,
    RED,
    Sheet,
    header,
    line_mm,
    national_centred,
    rows_below,
    signer,
    table,
)
from testkit.unseen_papers_forms import Form, Row, draw_form


def land_use_certificate(g: Gen, dpi: int) -> Drawn:
    """A land title: the pre-2024 pink booklet's page 1 (serial ``CH 236040`` at the
    bottom, owner in a box) or the 2024 one-sheet landscape title (serial of 8 digits,
    QR, fields in a ruled table); both print ``Số vào sổ cấp GCN``."""
    family = family_of(g, ("booklet_page1_serial_bottom", "landscape_2024_table"))
    new = family == "landscape_2024_table"
    when = g.day(date(2024, 8, 1), date(2026, 11, 1)) if new else issued(g, 2010, date(2024, 7, 1))
    loc = g.locale(when)
    owner = g.person(when, age=(25, 80))
    letters = "".join(g.pick("ABCDEGHKLMNPS") for _ in range(2))
    serial = f"{letters} {g.digits(8 if new else 6)}"
    registry = f"{g.pick(('CS', 'CH', 'VP', 'CT'))} {g.num(1, 99999):05d}"
    parcel, sheet_no = str(g.num(1, 900)), str(g.num(1, 60))
    area = f"{g.num(60, 2500)},{g.num(0, 9)} m²"
    purpose = g.pick(banks.LAND_PURPOSES)[0]
    truth = {
        "owner_name": owner.full_name,
        "serial": serial,
        "document_number": registry,
        "registry_number": registry,
        "issue_date": iso(when),
    }
    owner_line = (
        f"{'Ông' if owner.sex == 'male' else 'Bà'}: {owner.upper}, sinh năm "
        f"{owner.born.year}, CCCD số: {owner.id_number}"
    )
    s = Sheet(
        dpi, 297 if new else 210, 210 if new else 297, CREAM_PAPER if not new else (252, 250, 244)
    )
    if new:
        y = s.centred(8, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, "serif-b", x0=60, x1=237)
        y = s.centred(y, "Độc lập - Tự do - Hạnh phúc", 12, "serif-b", x0=60, x1=237)
        y = s.centred(y + 2, "GIẤY CHỨNG NHẬN", 18, "serif-b", fill=RED, x0=60, x1=237)
        y = s.centred(
            y,
            "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT",
            12.5,
            "serif-b",
            fill=RED,
            x0=40,
            x1=257,
        )
        s.box(257, 8, 285, 36, 0.3)
        s.centred(20, "QR", 10, "sans-b", x0=257, x1=285)
        s.text(14, 10, "Số phát hành:", 10, "serif-i")
        s.text(14, 15, serial, 14, "serif-b", fill=RED)
        rows = [
            ["1. Người sử dụng đất, chủ sở hữu tài sản", owner_line],
            ["2. Thửa đất số / Tờ bản đồ số", f"Thửa đất số {parcel}; tờ bản đồ số {sheet_no}"],
            ["3. Diện tích", area],
            ["4. Mục đích sử dụng", purpose],
            ["5. Địa chỉ thửa đất", f"{g.village()}, {loc.address()}"],
            ["6. Thời hạn sử dụng", g.pick(("Lâu dài", f"Đến ngày 01/07/{when.year + 50}"))],
        ]
        y = table(s, 14, y + 3, (78, 191), rows, 11, ("serif-b", "serif"))
        s.text(14, y + 3, f"Số vào sổ cấp GCN: {registry}", 12, "serif-b")
        x0, x1 = 150.0, 285.0
        y = s.centred(y + 3, place_date(loc.province, when), 11.5, "serif-i", x0=x0, x1=x1)
        role = ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    else:
        y = s.centred(12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, "serif-b", fill=DARK_RED)
        y = s.centred(y, "Độc lập - Tự do - Hạnh phúc", 13, "serif-b", fill=DARK_RED)
        y = s.centred(y + 8, "GIẤY CHỨNG NHẬN", 24, "serif-b", fill=RED)
        for row in ("QUYỀN SỬ DỤNG ĐẤT", "QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC", "GẮN LIỀN VỚI ĐẤT"):
            y = s.centred(y, row, 14.5, "serif-b", fill=RED)
        y += 6
        s.box(20, y, 190, y + 38, 0.5, DARK_RED)
        s.text(
            25,
            y + 3,
            "I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất",
            11,
            "serif-b",
        )
        s.paragraph(28, y + 10, 158, owner_line, 12, "serif")
        s.paragraph(28, y + 24, 158, f"Địa chỉ thường trú: {owner.residence()}", 11.5, "serif")
        y = rows_below(
            s,
            25,
            y + 44,
            160,
            [
                ("Thửa đất số / Tờ bản đồ số", f"{parcel} / {sheet_no}"),
                ("Diện tích", area),
                ("Mục đích sử dụng", purpose),
            ],
            dotted=False,
        )
        x0, x1 = 95.0, 200.0
        y = s.centred(y + 2, place_date(loc.province, when), 11.5, "serif-i", x0=x0, x1=x1)
        role = ("TM. ỦY BAN NHÂN DÂN", f"{loc.province_full.upper()}", "KT. CHỦ TỊCH")
        s.text(22, 262, serial, 16, "serif-b", fill=RED)
        s.text(22, 272, f"Số vào sổ cấp GCN: {registry}", 11.5, "serif")
    cx, cy, _ = signer(s, x0, x1, y, role, g.person(when).upper)
    return Drawn(
        family, [s], truth, seals=[(0, cx - 15, cy)], seal_text=seal_text(loc), pen=[(0, cx, cy)]
    )


def household_book(g: Gen, dpi: int) -> Drawn:
    """SỔ HỘ KHẨU: a landscape ruled members table, or one box per member with values
    under their labels."""
    family = family_of(g, ("landscape_members_table", "member_boxes_values_below"))
    when = issued(g, 2008, date(2021, 6, 30))
    loc = g.locale(when)
    head = g.person(when, age=(35, 70))
    spouse = g.person(when, sex="female" if head.sex == "male" else "male", age=(30, 65))
    kids = [
        g.child_of(spouse, head, g.day(date(1995, 1, 1), when), g.pick(("male", "female")))
        for _ in range(g.num(1, 3))
    ]
    number = g.digits(9)
    members = [
        (head, "Chủ hộ"),
        (spouse, "Vợ" if spouse.sex == "female" else "Chồng"),
        *[(k, "Con") for k in kids],
    ]
    if family == "member_boxes_values_below":
        s = Sheet(dpi)
        y = s.centred(14, "SỔ HỘ KHẨU", 22, "serif-b", fill=NAVY)
        y = s.centred(y, f"Số: {number}", 12, "serif-b")
        y = rows_below(
            s,
            20,
            y + 3,
            170,
            [("Họ và tên chủ hộ", head.upper), ("Nơi thường trú", head.residence())],
            dotted=True,
        )
        for p, rel in members:
            top = y + 1.5
            y = rows_below(
                s,
                24,
                top + 1.5,
                160,
                [
                    ("Họ và tên", p.full_name),
                    ("Quan hệ với chủ hộ", rel),
                    ("Sinh ngày", f"{dmy(p.born)}     Giới tính: {sex_vi(p)}"),
                ],
                pt=10.5,
                dotted=False,
            )
            s.box(20, top, 190, y, 0.3)
        x0, x1 = 100.0, 200.0
    else:
        s = Sheet(dpi, 297, 210)
        y = s.centred(10, "SỔ HỘ KHẨU", 20, "serif-b", fill=NAVY)
        y = s.centred(y, f"Số: {number}", 12, "serif-b")
        y = s.centred(y, f"Họ và tên chủ hộ: {head.full_name}", 13, "serif")
        y = s.centred(y, f"Chỗ ở hiện nay: {head.residence()}", 11.5, "serif-i")
        header_row = [
            "STT",
            "Họ và tên",
            "Quan hệ với chủ hộ",
            "Ngày sinh",
            "Giới tính",
            "Dân tộc",
            "Số định danh",
        ]
        rows = [header_row]
        for i, (p, rel) in enumerate(members, 1):
            rows.append(
                [str(i), p.full_name, rel, dmy(p.born), sex_vi(p), p.ethnicity, p.id_number]
            )
        y = table(s, 12, y + 3, (12, 62, 38, 30, 22, 25, 40), rows, 11, ("serif",), header=True)
        x0, x1 = 170.0, 285.0
    y = s.centred(y + 4, place_date(loc.commune, when), 11.5, "serif-i", x0=x0, x1=x1)
    cx, cy, _ = signer(s, x0, x1, y, ("TRƯỞNG CÔNG AN XÃ",), g.person(when).upper)
    truth = {
        "head_of_household": head.full_name,
        "document_number": number,
        "issue_date": iso(when),
    }
    return Drawn(family, [s], truth, seals=[(0, cx - 15, cy)], seal_text=seal_text(loc))


def business_household_registration(g: Gen, dpi: int) -> Drawn:
    """GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH in a ruled table or values below labels."""
    family = family_of(g, ("ruled_table", "values_below"))
    when = issued(g, 2018)
    loc = g.locale(when)
    owner = g.person(when, age=(22, 65))
    given = g.pick(banks.GIVEN_MALE + banks.GIVEN_FEMALE)
    shop = g.pick(banks.SHOP_NAMES).format(given=given.upper(), given2=owner.given.upper())
    code = f"{g.num(10, 99)}{g.pick('ABCDEFGHK')}{g.num(8, 9)}{g.digits(6)}"
    rows = [
        Row("Mã số hộ kinh doanh", "", code),
        Row("Tên hộ kinh doanh", "", shop),
        Row("Địa điểm kinh doanh", "", f"{g.street_address()}, {loc.address()}"),
        Row("Ngành, nghề kinh doanh", "", g.pick(banks.BUSINESS_LINES)),
        Row("Vốn kinh doanh", "", f"{g.num(20, 900)}.000.000 đồng"),
        Row("Họ và tên chủ hộ kinh doanh", "", owner.upper),
        Row("Giới tính", "", sex_vi(owner)),
        Row("Sinh ngày", "", dmy(owner.born)),
        Row("Số định danh cá nhân", "", owner.id_number),
        Row("Nơi cư trú", "", owner.residence()),
    ]
    form = Form(
        "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
        "",
        "",
        "",
        rows,
        loc,
        when,
        role=("TRƯỞNG PHÒNG KINH TẾ",),
        note=f"Đăng ký lần đầu: {dmy(when)}",
    )
    truth = {
        "owner_name": owner.full_name,
        "date_of_birth": iso(owner.born),
        "sex": owner.sex,
        "id_number": owner.id_number,
        "registration_number": code,
        "issue_date": iso(when),
    }
    style = "table" if family == "ruled_table" else "below"
    return draw_form(g, form, style, dpi, truth=truth, family=family)


def diploma(g: Gen, dpi: int) -> Drawn:
    """A landscape diploma with a red title: bilingual halves (English left, Vietnamese
    right) or a centred Vietnamese-only high-school diploma."""
    family = family_of(g, ("bilingual_halves_red_title", "centred_red_title"))
    when = issued(g, 2012)
    p = g.person(when, age=(17, 30))
    serial = f"{g.pick(('A', 'B', 'QA', 'TN'))}{g.digits(7)}"
    registry = f"{g.num(100, 9999)}/{when.year}"
    s = Sheet(dpi, 297, 210, CREAM_PAPER)
    s.box(6, 6, 291, 204, 1.2, DARK_RED)
    s.box(9, 9, 288, 201, 0.4, DARK_RED)
    if family == "bilingual_halves_red_title":
        school, school_en = g.pick(banks.UNIVERSITIES)
        major, major_en = g.pick(banks.MAJORS)
        en = [
            ("SOCIALIST REPUBLIC OF VIETNAM", "serif-b", 11),
            ("Independence - Freedom - Happiness", "serif-b", 10.5),
            (f"THE RECTOR OF {school_en.upper()}", "serif", 10),
            ("confers", "serif-i", 11),
            ("THE DEGREE OF BACHELOR", "serif-b", 16),
            (f"in {major_en}", "serif-b", 12),
            (f"Upon: {p.full_name}", "serif-b", 12),
            (f"Date of birth: {p.born.strftime('%d %B %Y')}", "serif", 11),
        ]
        y = 18.0
        for text, kind, pt in en:
            y = s.centred(y, text, pt, kind, fill=RED if pt > 14 else (30, 30, 30), x0=12, x1=146)
        vi = [
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "serif-b", 11),
            ("Độc lập - Tự do - Hạnh phúc", "serif-b", 10.5),
            (f"HIỆU TRƯỞNG {school}", "serif", 10),
            ("cấp", "serif-i", 11),
            ("BẰNG CỬ NHÂN", "serif-b", 18),
            (f"Ngành: {major}", "serif-b", 12),
            (f"Cho: {p.full_name}", "serif-b", 12),
            (f"Ngày sinh: {dmy(p.born)}", "serif", 11.5),
            (f"Giới tính: {sex_vi(p)}", "serif", 11.5),
        ]
        y = 18.0
        for text, kind, pt in vi:
            y = s.centred(y, text, pt, kind, fill=RED if pt > 14 else (30, 30, 30), x0=150, x1=286)
        x0, x1 = 150.0, 286.0
    else:
        school = g.pick(banks.SCHOOLS_HIGH)
        y = national_centred(s, 16)
        y = s.centred(y + 4, "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG", 22, "serif-b", fill=RED)
        y = s.centred(
            y + 2, f"GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO {p.home.province.upper()}", 12, "serif"
        )
        y = s.centred(y, "chứng nhận", 12, "serif-i")
        y = rows_below(
            s,
            60,
            y + 2,
            180,
            [
                ("Họ và tên", p.full_name),
                ("Giới tính", sex_vi(p)),
                ("Ngày sinh", dmy(p.born)),
                ("Học sinh trường", school),
            ],
            dotted=False,
        )
        x0, x1 = 150.0, 286.0
    y = s.centred(y + 2, place_date(p.home.province, when), 11, "serif-i", x0=x0, x1=x1)
    cx, cy, _ = signer(
        s,
        x0,
        x1,
        y,
        ("HIỆU TRƯỞNG" if family.startswith("bil") else "GIÁM ĐỐC",),
        g.person(when).full_name,
    )
    s.text(16, 186, f"Số hiệu: {serial}", 11, "serif")
    s.text(16, 192, f"Số vào sổ cấp bằng: {registry}", 11, "serif")
    truth = {
        "full_name": p.full_name,
        "date_of_birth": iso(p.born),
        "sex": p.sex,
        "serial": serial,
        "registry_number": registry,
        "issue_date": iso(when),
    }
    return Drawn(
        family,
        [s],
        truth,
        seals=[(0, cx - 15, cy)],
        seal_text=f"SỞ GIÁO DỤC VÀ ĐÀO TẠO {p.home.province.upper()}",
        pen=[(0, cx, cy)],
    )


def _unused(g: Gen, loc) -> tuple:  # pragma: no cover - keeps imports honest for ruff
    return commune_issuer(loc), header, line_mm, replace
