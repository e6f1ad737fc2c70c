"""Applications, contracts, powers of attorney and administrative papers in unseen
layouts: parties side by side in a ruled table, a boxed form with values under their
labels, a decision with a landscape annex, minutes with an attendance table, letters
with the ``Kính gửi`` block in a box."""

from __future__ import annotations

from datetime import date, timedelta

from testkit import docgen_banks as banks
from testkit.unseen_papers_base import (
    Drawn,
    Gen,
    Person,
    chairman_role,
    commune_issuer,
    dmy,
    family_of,
    iso,
    issued,
    long_date,
    place_date,
    seal_text,
)
from testkit.unseen_papers_draw import Sheet, header, line_mm, national_centred, rows_below, table
from testkit.unseen_papers_draw import signer as sign_block


def _party_cell(role: str, p: Person) -> str:
    return (
        f"{role}: {'Ông' if p.sex == 'male' else 'Bà'} {p.upper}; sinh ngày {dmy(p.born)}; "
        f"CCCD số {p.id_number}; cư trú tại {p.residence_short()}"
    )


def application_form(g: Gen, dpi: int) -> Drawn:
    """An application whose values sit under their labels in boxes (``below``), or a
    "phiếu" with a ruled label/value table."""
    family = family_of(g, ("boxed_values_below", "ruled_table_request"))
    when = issued(g, 2020)
    loc = g.locale(when)
    p = g.person(when)
    title = g.pick(
        (
            "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH",
            "TỜ KHAI ĐĂNG KÝ THƯỜNG TRÚ",
            "ĐƠN XIN XÁC NHẬN CƯ TRÚ",
            "PHIẾU ĐỀ NGHỊ CẤP GIẤY XÁC NHẬN",
        )
    )
    s = Sheet(dpi)
    y = national_centred(s, 12)
    y = s.centred(y + 4, title, 15, "serif-b")
    y = s.centred(y, f"Kính gửi: Ủy ban nhân dân {loc.commune_full}", 12, "serif")
    rows = [
        ("Họ, chữ đệm, tên người yêu cầu", p.full_name),
        ("Ngày, tháng, năm sinh", dmy(p.born)),
        ("Số định danh cá nhân", p.id_number),
        ("Nơi cư trú", p.residence()),
        (
            "Nội dung đề nghị",
            g.pick(
                (
                    "Cấp 02 bản sao trích lục khai sinh",
                    "Xác nhận thông tin cư trú để bổ sung hồ sơ",
                    "Đăng ký thường trú tại địa chỉ trên",
                )
            ),
        ),
        ("Số điện thoại liên hệ", g.phone()),
    ]
    if family == "boxed_values_below":
        top = y + 2
        y = rows_below(s, 22, top + 2, 166, rows, dotted=False)
        s.box(18, top, 192, y + 1, 0.3)
    else:
        y = table(s, 18, y + 3, (62, 112), rows, 11.5, ("serif-i", "serif-b"))
    y = s.paragraph(
        20,
        y + 4,
        170,
        "Tôi cam đoan những nội dung khai trên đây là đúng sự thật "
        "và chịu trách nhiệm trước pháp luật về cam đoan của mình.",
        11.5,
        "serif-i",
    )
    y = s.centred(y + 3, place_date(loc.commune, when), 11.5, "serif-i", x0=100, x1=200)
    y = s.centred(y, "NGƯỜI YÊU CẦU", 12, "serif-b", x0=100, x1=200)
    s.centred(y + 22, p.full_name, 12, "serif-b", x0=100, x1=200)
    truth = {
        "full_name": p.full_name,
        "date_of_birth": iso(p.born),
        "id_number": p.id_number,
        "issue_date": iso(when),
    }
    return Drawn(family, [s], truth, pen=[(0, 150, y + 10)], seal_text=seal_text(loc))


def contract(g: Gen, dpi: int) -> Drawn:
    """A contract whose two parties stand side by side in a ruled two-column table, or
    follow each other in boxes with their names under the role heading."""
    family = family_of(g, ("parties_side_by_side", "parties_boxed_below"))
    when = issued(g, 2017)
    loc = g.locale(when)
    a, b = g.person(when, age=(30, 75)), g.person(when, age=(25, 70))
    kind = g.pick(
        (
            ("CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT", "BÊN CHUYỂN NHƯỢNG", "BÊN NHẬN CHUYỂN NHƯỢNG"),
            ("TẶNG CHO QUYỀN SỬ DỤNG ĐẤT", "BÊN TẶNG CHO", "BÊN ĐƯỢC TẶNG CHO"),
            ("THUÊ NHÀ Ở", "BÊN CHO THUÊ", "BÊN THUÊ"),
            ("VAY TÀI SẢN", "BÊN CHO VAY", "BÊN VAY"),
        )
    )
    s = Sheet(dpi)
    y = national_centred(s, 12)
    y = s.centred(y + 4, f"HỢP ĐỒNG {kind[0]}", 15, "serif-b")
    y = s.paragraph(
        20,
        y + 2,
        170,
        f"Hôm nay, {long_date(when)}, tại Ủy ban nhân dân {loc.address()}, chúng tôi gồm:",
        11.5,
        "serif",
    )
    details = [
        ("Họ và tên", lambda p: p.upper),
        ("Ngày sinh", lambda p: dmy(p.born)),
        ("Số định danh", lambda p: p.id_number),
        ("Cư trú", lambda p: p.residence_short()),
    ]
    if family == "parties_side_by_side":
        rows = [[f"{kind[1]} (BÊN A)", f"{kind[2]} (BÊN B)"]]
        rows += [[f"{label}: {get(a)}", f"{label}: {get(b)}"] for label, get in details]
        y = table(s, 18, y + 2, (87, 87), rows, 11, ("serif",), header=True)
    else:
        for role, p in (
            (f"{kind[1]} (sau đây gọi là Bên A)", a),
            (f"{kind[2]} (sau đây gọi là Bên B)", b),
        ):
            top = y + 2
            s.text(22, top + 1.5, role, 11.5, "serif-b")
            yy = rows_below(
                s,
                22,
                top + 2 + line_mm(11.5),
                166,
                [(label, get(p)) for label, get in details],
                pt=11,
                dotted=False,
            )
            s.box(18, top, 192, yy, 0.3)
            y = yy + 1
    clauses = [
        "Điều 1. Đối tượng của hợp đồng: thửa đất số "
        f"{g.num(1, 800)}, tờ bản đồ số "
        f"{g.num(1, 50)}, diện tích {g.num(80, 900)} m².",
        f"Điều 2. Giá trị hợp đồng: {g.num(100, 3000)}.000.000 đồng.",
        "Điều 3. Hai bên cam kết thực hiện đúng các điều khoản đã thỏa thuận.",
    ]
    for clause in clauses:
        y = s.paragraph(20, y + 1.5, 170, clause, 11.5, "serif")
    y += 3
    s.centred(y, "BÊN A", 12, "serif-b", x0=10, x1=105)
    s.centred(y, "BÊN B", 12, "serif-b", x0=105, x1=200)
    s.centred(y + 24, a.full_name, 12, "serif-b", x0=10, x1=105)
    s.centred(y + 24, b.full_name, 12, "serif-b", x0=105, x1=200)
    truth = {"party_a": a.full_name, "party_b": b.full_name, "issue_date": iso(when)}
    return Drawn(
        family, [s], truth, pen=[(0, 57, y + 12), (0, 152, y + 12)], seal_text=seal_text(loc)
    )


def power_of_attorney(g: Gen, dpi: int) -> Drawn:
    """GIẤY ỦY QUYỀN with grantor and agent side by side, or bilingual values below."""
    family = family_of(g, ("grantor_agent_columns", "bilingual_values_below"))
    when = issued(g, 2018)
    loc = g.locale(when)
    a, b = g.person(when, age=(30, 80)), g.person(when, age=(20, 60))
    s = Sheet(dpi)
    y = national_centred(s, 12)
    y = s.centred(y + 4, "GIẤY ỦY QUYỀN", 16, "serif-b")
    bilingual = family == "bilingual_values_below"
    if bilingual:
        y = s.centred(y, "POWER OF ATTORNEY", 12, "serif-bi")
    if family == "grantor_agent_columns":
        rows = [["BÊN ỦY QUYỀN", "BÊN ĐƯỢC ỦY QUYỀN"]]
        for label, get in (
            ("Họ và tên", lambda p: p.upper),
            ("Sinh ngày", lambda p: dmy(p.born)),
            ("CCCD số", lambda p: p.id_number),
            ("Nơi cư trú", lambda p: p.residence_short()),
        ):
            rows.append([f"{label}: {get(a)}", f"{label}: {get(b)}"])
        y = table(s, 18, y + 3, (87, 87), rows, 11, ("serif",), header=True)
    else:
        for role, en, p in (("Người ủy quyền", "Grantor", a), ("Người được ủy quyền", "Agent", b)):
            s.text(20, y + 2, f"{role.upper()} / {en.upper()}", 12, "serif-b")
            y = rows_below(
                s,
                22,
                y + 3 + line_mm(12),
                166,
                [
                    ("Họ và tên / Full name", p.full_name),
                    ("Ngày sinh / Date of birth", dmy(p.born)),
                    ("Số định danh cá nhân / ID number", p.id_number),
                ],
                pt=11,
            )
    y = s.paragraph(
        20,
        y + 3,
        170,
        "Nội dung ủy quyền: "
        + g.pick(
            (
                "Thay mặt bên ủy quyền làm thủ tục đăng ký biến động đất đai tại cơ quan "
                "có thẩm quyền.",
                "Nhận thay kết quả giải quyết thủ tục hành chính tại Trung tâm Phục vụ "
                "hành chính công.",
                "Thay mặt bên ủy quyền ký các giấy tờ liên quan đến khoản vay tại ngân hàng.",
            )
        ),
        11.5,
    )
    y = s.paragraph(
        20,
        y + 1,
        170,
        f"Thời hạn ủy quyền: từ {dmy(when)} đến {dmy(when + timedelta(days=365))}.",
        11.5,
    )
    y = s.centred(y + 3, place_date(loc.commune, when), 11.5, "serif-i", x0=100, x1=200)
    s.centred(y, "BÊN ĐƯỢC ỦY QUYỀN", 12, "serif-b", x0=10, x1=105)
    s.centred(y, "BÊN ỦY QUYỀN", 12, "serif-b", x0=105, x1=200)
    s.centred(y + 24, b.full_name, 12, "serif-b", x0=10, x1=105)
    s.centred(y + 24, a.full_name, 12, "serif-b", x0=105, x1=200)
    truth = {"grantor_name": a.full_name, "agent_name": b.full_name, "issue_date": iso(when)}
    return Drawn(family, [s], truth, pen=[(0, 150, y + 12)], seal_text=seal_text(loc))


def decision(g: Gen, dpi: int) -> Drawn:
    """QUYẾT ĐỊNH followed by a landscape annex page with a ruled list; either with the
    usual two-column header, or all centred with the number under the title and the
    date at the right under it."""
    family = family_of(g, ("decision_with_landscape_annex", "centred_number_under_title"))
    when = issued(g, 2019)
    loc = g.locale(when)
    number = f"{g.num(10, 999)}/QĐ-UBND"
    s = Sheet(dpi)
    if family == "centred_number_under_title":
        y = national_centred(s, 12)
        y = s.centred(y + 2, f"ỦY BAN NHÂN DÂN {loc.commune_full.upper()}", 12, "serif-b")
        y = s.centred(y + 4, "QUYẾT ĐỊNH", 15, "serif-b")
        y = s.centred(y, f"Số: {number}", 12, "serif")
        s.text(190, y, place_date(loc.commune, when), 11.5, "serif-i", anchor="ra")
        y += line_mm(11.5) + 2
    else:
        y = header(s, 12, commune_issuer(loc), number, place_date(loc.commune, when))
        y = s.centred(y + 4, "QUYẾT ĐỊNH", 15, "serif-b")
    subject = g.pick(
        (
            "Về việc hỗ trợ kinh phí xây dựng nhà ở cho hộ nghèo",
            "Về việc công nhận danh sách hộ cận nghèo năm " + str(when.year),
            "Về việc thành lập Tổ công tác chuyển đổi số cộng đồng",
        )
    )
    y = s.centred(y, subject, 12.5, "serif-b")
    y = s.centred(y + 3, f"CHỦ TỊCH ỦY BAN NHÂN DÂN {loc.commune_full.upper()}", 12.5, "serif-b")
    for para in (
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
        "Theo đề nghị của công chức Văn hóa - Xã hội,",
        "QUYẾT ĐỊNH:",
        f"Điều 1. {subject} (danh sách kèm theo Phụ lục).",
        "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
        "Điều 3. Văn phòng HĐND và UBND xã, các cá nhân có tên tại Điều 1 chịu trách "
        "nhiệm thi hành Quyết định này.",
    ):
        y = s.paragraph(22, y + 1.5, 166, para, 12, "serif-b" if para == "QUYẾT ĐỊNH:" else "serif")
    cx, cy, _ = sign_block(s, 105, 200, y + 6, chairman_role(g), g.person(when).upper)
    annex = Sheet(dpi, 297, 210)
    ya = annex.centred(12, f"PHỤ LỤC (Kèm theo Quyết định số {number})", 13, "serif-b")
    rows = [["STT", "Họ và tên", "Năm sinh", "Địa chỉ", "Mức hỗ trợ (đồng)"]]
    for i in range(1, g.num(4, 8)):
        p = g.person(when)
        rows.append(
            [str(i), p.full_name, str(p.born.year), p.residence_short(), f"{g.num(2, 40)}.000.000"]
        )
    table(annex, 14, ya + 4, (14, 64, 26, 118, 47), rows, 11, ("serif",), header=True)
    truth = {"document_number": number, "issue_date": iso(when)}
    return Drawn(
        family,
        [s, annex],
        truth,
        seals=[(0, cx - 15, cy)],
        seal_text=seal_text(loc),
        pen=[(0, cx, cy)],
    )


def minutes(g: Gen, dpi: int) -> Drawn:
    """BIÊN BẢN with an attendance table and two signature columns, under the usual
    header or under a centred one with the number boxed at the top right."""
    family = family_of(g, ("attendance_table", "boxed_number_centred_header"))
    when = issued(g, 2019)
    loc = g.locale(when)
    number = f"{g.num(1, 99)}/BB-UBND"
    s = Sheet(dpi)
    if family == "boxed_number_centred_header":
        s.box(150, 6, 198, 14, 0.3)
        s.text(153, 7.5, f"Số: {number}", 11.5, "serif-b")
        y = national_centred(s, 17)
    else:
        y = header(s, 12, commune_issuer(loc), number, None)
    subject = g.pick(
        (
            "HỌP XÉT DUYỆT HỘ NGHÈO",
            "KIỂM TRA HIỆN TRẠNG SỬ DỤNG ĐẤT",
            "BÀN GIAO HỒ SƠ LƯU TRỮ",
            "HÒA GIẢI TRANH CHẤP ĐẤT ĐAI",
        )
    )
    y = s.centred(y + 4, "BIÊN BẢN", 15, "serif-b")
    y = s.centred(y, subject, 13, "serif-b")
    y = s.paragraph(
        20,
        y + 2,
        170,
        f"Hồi {g.num(7, 16)} giờ {g.pick(('00', '30'))}, "
        f"{long_date(when)}, tại trụ sở Ủy ban nhân dân {loc.commune_full}, thành phần "
        "tham dự gồm:",
        11.5,
    )
    rows = [["STT", "Họ và tên", "Chức vụ / đơn vị", "Ký tên"]]
    roles = (
        "Phó Chủ tịch UBND xã",
        "Công chức Địa chính",
        "Trưởng thôn",
        "Công chức Tư pháp",
        "Đại diện Mặt trận Tổ quốc",
        "Người dân",
    )
    for i, role in enumerate(g.sample(roles, g.num(3, 6)), 1):
        rows.append([str(i), g.person(when).full_name, role, ""])
    y = table(s, 18, y + 2, (14, 62, 68, 30), rows, 11, ("serif",), header=True)
    y = s.paragraph(
        20,
        y + 3,
        170,
        "Nội dung: các thành phần tham dự đã thống nhất nội dung "
        "nêu trên. Biên bản kết thúc vào hồi "
        f"{g.num(9, 17)} giờ cùng ngày.",
        11.5,
    )
    y += 4
    s.centred(y, "THƯ KÝ", 12, "serif-b", x0=10, x1=105)
    s.centred(y, "CHỦ TRÌ", 12, "serif-b", x0=105, x1=200)
    s.centred(y + 24, g.person(when).full_name, 12, "serif-b", x0=10, x1=105)
    s.centred(y + 24, g.person(when).full_name, 12, "serif-b", x0=105, x1=200)
    truth = {"document_number": number, "issue_date": iso(when)}
    return Drawn(
        family,
        [s],
        truth,
        seals=[(0, 140, y + 12)],
        seal_text=seal_text(loc),
        pen=[(0, 152, y + 12)],
    )


def official_letter(g: Gen, dpi: int) -> Drawn:
    """THÔNG BÁO / BÁO CÁO / TỜ TRÌNH with a boxed ``Kính gửi`` and a figures table, or a
    công văn with ``V/v`` under its number."""
    family = family_of(g, ("notice_boxed_recipients_table", "cong_van_vv"))
    when = issued(g, 2019)
    loc = g.locale(when)
    s = Sheet(dpi)
    if family == "cong_van_vv":
        number = f"{g.num(10, 999)}/UBND-VP"
        y = header(s, 12, commune_issuer(loc), number, place_date(loc.commune, when))
        s.centred(y - 2, "V/v đôn đốc nộp hồ sơ số hóa", 10.5, "serif-i", x1=97)
        y += 8
        title = None
    else:
        kind, code = g.pick((("THÔNG BÁO", "TB"), ("BÁO CÁO", "BC"), ("TỜ TRÌNH", "TTr")))
        number = f"{g.num(10, 999)}/{code}-UBND"
        y = header(s, 12, commune_issuer(loc), number, place_date(loc.commune, when))
        title = kind
    if title:
        y = s.centred(y + 4, title, 15, "serif-b")
        y = s.centred(
            y,
            g.pick(
                (
                    "Kết quả tiếp nhận hồ sơ thủ tục hành chính",
                    "Lịch tiếp công dân tháng " + str(when.month),
                    "Tình hình số hóa hồ sơ hộ tịch",
                )
            ),
            12.5,
            "serif-b",
        )
    s.box(40, y + 2, 170, y + 4 + 2 * line_mm(12), 0.3)
    s.text(
        45, y + 3.5, f"Kính gửi: {g.pick(('Các thôn, tổ dân phố', 'Ủy ban nhân dân tỉnh'))};", 12
    )
    s.text(63, y + 3.5 + line_mm(12), "Các cơ quan, đơn vị có liên quan.", 12)
    y += 8 + 2 * line_mm(12)
    y = s.paragraph(22, y, 166, "Ủy ban nhân dân xã thông báo kết quả thực hiện như sau:", 12)
    rows = [["Nội dung", "Số hồ sơ", "Tỷ lệ"]]
    for item in ("Tiếp nhận", "Giải quyết đúng hạn", "Quá hạn", "Số hóa"):
        rows.append([item, str(g.num(20, 900)), f"{g.num(1, 100)}%"])
    y = table(s, 22, y + 2, (90, 40, 36), rows, 11.5, ("serif",), header=True)
    cx, cy, _ = sign_block(s, 105, 200, y + 6, chairman_role(g), g.person(when).upper)
    truth = {"document_number": number, "issue_date": iso(when)}
    return Drawn(
        family, [s], truth, seals=[(0, cx - 15, cy)], seal_text=seal_text(loc), pen=[(0, cx, cy)]
    )


_ = (banks, date)  # shared banks and dates are imported by callers through this module
