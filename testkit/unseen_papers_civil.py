"""Civil-status papers in unseen layouts: birth certificate, birth extract, marriage
certificate, marital-status confirmation and death extract.

Each function draws one document in one of its families and returns the truth of what
it printed (names in title case even where the page prints capitals).
"""

from __future__ import annotations

from datetime import date, timedelta

from testkit.unseen_papers_base import (
    Drawn,
    Gen,
    commune_issuer,
    dmy,
    family_of,
    hospital,
    iso,
    issued,
    long_date,
    place_date,
    seal_text,
    sex_vi,
)
from testkit.unseen_papers_draw import RED, Sheet, header, line_mm, signer, table
from testkit.unseen_papers_forms import Form, Row, draw_form


def _book(g: Gen, when: date) -> str:
    return f"{g.num(1, 4):02d}/{when.year}"


def birth_certificate(g: Gen, dpi: int) -> Drawn:
    """GIẤY KHAI SINH: green guilloche paper with a red title and a ruled table, or a
    landscape bilingual sheet with values below their labels."""
    family = family_of(g, ("green_security_table", "bilingual_landscape"))
    when = issued(g)
    loc = g.locale(when)
    child_sex = g.pick(("male", "female"))
    father = g.person(when, sex="male", age=(22, 45))
    mother = g.person(when, sex="female", age=(20, 42))
    born = g.day(when - timedelta(days=300), when - timedelta(days=5))
    child = g.child_of(mother, father, born, child_sex)
    number = str(g.num(1, 480))
    rows = [
        Row("Họ, chữ đệm, tên", "Full name", child.upper),
        Row("Ngày, tháng, năm sinh", "Date of birth", dmy(born)),
        Row("Giới tính", "Sex", sex_vi(child)),
        Row("Dân tộc", "Ethnicity", child.ethnicity),
        Row("Quốc tịch", "Nationality", "Việt Nam"),
        Row("Nơi sinh", "Place of birth", hospital(g, child.home)),
        Row("Quê quán", "Native place", child.origin.address()),
        Row("Số định danh cá nhân", "Personal ID number", child.id_number),
        Row("Họ, chữ đệm, tên người mẹ", "Mother's full name", mother.upper),
        Row("Năm sinh của mẹ", "Mother's year of birth", str(mother.born.year)),
        Row("Họ, chữ đệm, tên người cha", "Father's full name", father.upper),
        Row("Năm sinh của cha", "Father's year of birth", str(father.born.year)),
    ]
    form = Form("GIẤY KHAI SINH", "BIRTH CERTIFICATE", number, _book(g, when), rows, loc, when)
    truth = {
        "full_name": child.full_name,
        "date_of_birth": iso(born),
        "sex": child.sex,
        "id_number": child.id_number,
        "document_number": number,
        "issue_date": iso(when),
        "mother_name": mother.full_name,
        "father_name": father.full_name,
    }
    if family == "green_security_table":
        return draw_form(
            g, form, "table", dpi, red_title=True, security=True, truth=truth, family=family
        )
    return draw_form(
        g,
        form,
        "landscape",
        dpi,
        bilingual=True,
        red_title=g.chance(0.5),
        truth=truth,
        family=family,
    )


def birth_extract(g: Gen, dpi: int) -> Drawn:
    """TRÍCH LỤC KHAI SINH (bản sao): values below labels, or label/value columns."""
    family = family_of(g, ("values_below", "label_columns"))
    when = issued(g, 2019)
    loc = g.locale(when)
    born = g.day(date(1960, 1, 1), date(2024, 12, 31))
    p = g.person(when)
    p = type(p)(**{**p.__dict__, "born": born, "id_number": _id_for(g, p.birth_code, p.sex, born)})
    number = f"{g.num(10, 999)}/TLKS-BS"
    rows = [
        Row("Họ, chữ đệm, tên", "Full name", p.full_name),
        Row("Ngày, tháng, năm sinh", "Date of birth", f"{dmy(born)}"),
        Row("Giới tính", "Sex", sex_vi(p)),
        Row("Dân tộc", "", p.ethnicity),
        Row("Nơi sinh", "", p.origin.address()),
        Row("Số định danh cá nhân", "", p.id_number),
        Row("Nơi đăng ký khai sinh", "", f"Ủy ban nhân dân {p.origin.address()}"),
        Row("Ngày đăng ký", "", dmy(born + timedelta(days=g.num(5, 60)))),
    ]
    form = Form(
        "TRÍCH LỤC KHAI SINH",
        "",
        number,
        "",
        rows,
        loc,
        when,
        role=("NGƯỜI KÝ TRÍCH LỤC",),
        note="(Bản sao)",
    )
    truth = {
        "full_name": p.full_name,
        "date_of_birth": iso(born),
        "sex": p.sex,
        "id_number": p.id_number,
        "document_number": number,
        "issue_date": iso(when),
    }
    style = "below" if family == "values_below" else "columns"
    return draw_form(g, form, style, dpi, truth=truth, family=family)


def _id_for(g: Gen, code: str, sex: str, born: date) -> str:
    from testkit.docgen_model import make_id_number

    return make_id_number(code, sex, born, g.r.randrange(10**6))


def marriage_certificate(g: Gen, dpi: int) -> Drawn:
    """GIẤY CHỨNG NHẬN KẾT HÔN with both spouses side by side: a ruled table with a
    column per spouse, or a landscape bilingual sheet with a half per spouse."""
    family = family_of(g, ("spouse_columns_table", "bilingual_landscape_halves"))
    when = issued(g)
    loc = g.locale(when)
    husband = g.person(when, sex="male", age=(20, 50))
    wife = g.person(when, sex="female", age=(18, 48))
    number = str(g.num(1, 150))
    book = f"{g.num(1, 3):02d}/{when.year}"
    truth = {
        "husband_name": husband.full_name,
        "wife_name": wife.full_name,
        "document_number": number,
        "issue_date": iso(when),
    }
    landscape = family == "bilingual_landscape_halves"
    s = Sheet(dpi, 297 if landscape else 210, 210 if landscape else 297)
    width = s.width_mm
    if landscape:
        y = s.centred(10, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, "serif-b")
        y = s.centred(y, "Độc lập - Tự do - Hạnh phúc", 12, "serif-b")
        y = s.centred(y + 3, "GIẤY CHỨNG NHẬN KẾT HÔN", 18, "serif-b", fill=RED)
        y = s.centred(y, "MARRIAGE CERTIFICATE", 12, "serif-bi", fill=RED)
        s.text(20, y + 1, f"Số: {number}", 12)
        s.text(width - 20, y + 1, f"Quyển số: {book}", 12, anchor="ra")
        y += line_mm(12) + 4
        top = y
        for i, (who, en, p) in enumerate((("Chồng", "Husband", husband), ("Vợ", "Wife", wife))):
            x = 20 + i * (width - 40) / 2
            yy = top
            s.text(x, yy, f"{who.upper()} / {en.upper()}", 12.5, "serif-b")
            yy += line_mm(12.5) + 1
            for label, lab_en, value in (
                ("Họ, chữ đệm, tên", "Full name", p.upper),
                ("Ngày, tháng, năm sinh", "Date of birth", dmy(p.born)),
                ("Dân tộc", "Ethnicity", p.ethnicity),
                ("Quốc tịch", "Nationality", "Việt Nam"),
                ("Nơi cư trú", "Residence", p.residence_short()),
                ("Giấy tờ tùy thân", "Identity paper", f"CCCD số {p.id_number}"),
            ):
                s.text(x, yy, f"{label} / {lab_en}", 10, "serif-i")
                yy += line_mm(10)
                for row in s.wrap(value, (width - 50) / 2, 11.5, "serif-b"):
                    s.text(x + 4, yy, row, 11.5, "serif-b")
                    yy += line_mm(11.5)
                yy += 0.8
        y = max(y, yy) + 2
        x0, x1 = width / 2, width - 10
    else:
        y = header(s, 12, commune_issuer(loc), number, None)
        y = s.centred(y + 3, "GIẤY CHỨNG NHẬN KẾT HÔN", 17, "serif-b", fill=RED)
        s.text(width - 20, y, f"Quyển số: {book}", 11.5, anchor="ra")
        y += line_mm(11.5) + 2
        pair = [("Bên chồng", husband), ("Bên vợ", wife)]
        if g.chance(0.3):
            pair.reverse()
        rows = [["", pair[0][0], pair[1][0]]]
        for label, get in (
            ("Họ, chữ đệm, tên", lambda p: p.upper),
            ("Ngày, tháng, năm sinh", lambda p: dmy(p.born)),
            ("Dân tộc", lambda p: p.ethnicity),
            ("Quốc tịch", lambda p: "Việt Nam"),
            ("Nơi cư trú", lambda p: p.residence_short()),
            ("Số định danh cá nhân", lambda p: p.id_number),
        ):
            rows.append([label, get(pair[0][1]), get(pair[1][1])])
        y = table(s, 15, y, (45, 67.5, 67.5), rows, 11, ("serif-i", "serif-b"), header=True)
        y = s.paragraph(
            15,
            y + 3,
            180,
            f"Đăng ký kết hôn tại Ủy ban nhân dân {loc.address()}, {long_date(when)}.",
            11.5,
            "serif",
        )
        x0, x1 = width / 2 - 5, width - 10
    y = s.centred(y + 2, place_date(loc.commune, when), 11.5, "serif-i", x0=x0, x1=x1)
    cx, cy, _ = signer(s, x0, x1, y, ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), g.person(when).upper)
    return Drawn(
        family, [s], truth, seals=[(0, cx - 16, cy)], seal_text=seal_text(loc), pen=[(0, cx, cy)]
    )


def marital_status(g: Gen, dpi: int) -> Drawn:
    """GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN as a ruled table or bilingual values-below."""
    family = family_of(g, ("ruled_table", "bilingual_values_below"))
    when = issued(g, 2018)
    loc = g.locale(when)
    p = g.person(when)
    number = f"{g.num(5, 400)}/UBND-XNTTHN"
    status = g.pick(
        (
            "Chưa đăng ký kết hôn với ai",
            "Đã ly hôn, hiện chưa đăng ký kết hôn lại",
            "Có vợ/chồng đã chết, hiện chưa đăng ký kết hôn mới",
        )
    )
    rows = [
        Row("Họ, chữ đệm, tên", "Full name", p.full_name),
        Row("Ngày, tháng, năm sinh", "Date of birth", dmy(p.born)),
        Row("Giới tính", "Sex", sex_vi(p)),
        Row("Dân tộc", "Ethnicity", p.ethnicity),
        Row("Quốc tịch", "Nationality", "Việt Nam"),
        Row("Số định danh cá nhân", "Personal ID number", p.id_number),
        Row("Nơi cư trú", "Residence", p.residence()),
        Row("Tình trạng hôn nhân", "Marital status", status),
        Row(
            "Mục đích sử dụng",
            "Purpose",
            g.pick(("Đăng ký kết hôn", "Bổ sung hồ sơ vay vốn", "Làm thủ tục mua bán nhà đất")),
        ),
    ]
    form = Form(
        "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
        "CONFIRMATION OF MARITAL STATUS",
        number,
        "",
        rows,
        loc,
        when,
        note="Giấy này có giá trị 06 tháng kể từ ngày cấp.",
    )
    truth = {
        "full_name": p.full_name,
        "date_of_birth": iso(p.born),
        "sex": p.sex,
        "id_number": p.id_number,
        "document_number": number,
        "issue_date": iso(when),
    }
    if family == "ruled_table":
        return draw_form(g, form, "table", dpi, truth=truth, family=family)
    return draw_form(g, form, "below", dpi, bilingual=True, truth=truth, family=family)


def death_extract(g: Gen, dpi: int) -> Drawn:
    """TRÍCH LỤC KHAI TỬ as a ruled table, or a landscape sheet with values below."""
    family = family_of(g, ("ruled_table", "landscape_values_below"))
    when = issued(g, 2017)
    loc = g.locale(when)
    p = g.person(when, age=(45, 95))
    died = g.day(when - timedelta(days=60), when - timedelta(days=1))
    number = f"{g.num(1, 250)}/TLKT"
    rows = [
        Row("Họ, chữ đệm, tên người đã chết", "Full name of the deceased", p.full_name),
        Row("Ngày, tháng, năm sinh", "Date of birth", dmy(p.born)),
        Row("Giới tính", "Sex", sex_vi(p)),
        Row("Số định danh cá nhân", "Personal ID number", p.id_number),
        Row(
            "Đã chết vào lúc",
            "Time of death",
            f"{g.num(0, 23)} giờ {g.num(0, 59)} phút, {long_date(died)}",
        ),
        Row("Nơi chết", "Place of death", p.residence()),
        Row("Nguyên nhân chết", "Cause of death", g.pick(("Bệnh", "Già yếu", "Tai nạn"))),
    ]
    form = Form(
        "TRÍCH LỤC KHAI TỬ",
        "EXTRACT OF DEATH REGISTRATION",
        number,
        _book(g, when),
        rows,
        loc,
        when,
        role=("NGƯỜI KÝ TRÍCH LỤC",),
    )
    truth = {
        "full_name": p.full_name,
        "date_of_birth": iso(p.born),
        "sex": p.sex,
        "id_number": p.id_number,
        "document_number": number,
        "issue_date": iso(when),
        "date_of_death": iso(died),
    }
    if family == "ruled_table":
        return draw_form(g, form, "table", dpi, truth=truth, family=family)
    return draw_form(g, form, "landscape", dpi, bilingual=g.chance(0.5), truth=truth, family=family)
