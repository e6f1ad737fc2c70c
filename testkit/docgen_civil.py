"""Identity and civil-status papers: ID cards, birth, marriage, marital status, death, hộ khẩu.

Every composer takes a seeded :class:`~testkit.docgen_model.Gen` and returns a
:class:`Composed`: the variant, the pages as lines with roles, and the values printed
on them. Wording follows the printed forms (Luật Hộ tịch 2014 forms, their 2020
revision, and the older forms still handed in); several phrasings, optional lines and
orders per form keep a classifier from keying on one sentence. All text was written
for this project; people are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from testkit import docgen_banks as banks
from testkit.docgen_model import (
    BACK,
    FRONT,
    Gen,
    Line,
    Locale,
    Page,
    Person,
    cap,
    centred_header,
    date_words,
    decree30_header,
    dmy,
    iso,
    line,
    lv,
    lvs,
    signature,
    space,
    td1_mrz,
    two_signatures,
    viet_date,
)


@dataclass(frozen=True)
class Composed:
    """What a composer returns; :func:`testkit.docgen.compose` adds type, seed and stamp."""

    variant: str
    pages: list[Page]
    truth: dict[str, str]


def place_date(locale: Locale, when: date, g: Gen) -> str:
    """ "Lâm Bình, ngày 05 tháng 3 năm 2025": the bare place name, as Decree 30 writes it."""
    return f"{locale.commune}, {viet_date(when, decree30=g.chance(0.85))}"


def commune_issuer(locale: Locale, g: Gen) -> tuple[list[str], str | None]:
    """Top-left block of a commune paper: (bold lines, optional regular parent line)."""
    kind = locale.commune_kind.upper()
    name = locale.commune.upper()
    style = g.num(0, 3)
    if style == 0:
        return ["ỦY BAN NHÂN DÂN", f"{kind} {name}"], None
    if style == 1:
        return [f"ỦY BAN NHÂN DÂN {kind} {name}"], None
    if style == 2 and not locale.two_level:
        return ["ỦY BAN NHÂN DÂN", f"{kind} {name}"], f"UBND HUYỆN {locale.district.upper()}"
    return [
        "ỦY BAN NHÂN DÂN",
        f"{kind} {name}",
    ], f"{locale.province_kind.upper()} {locale.province.upper()}"


def official(g: Gen, when: date) -> tuple[list[str], str]:
    """A commune signer: (authority and position lines, invented name)."""
    person = g.person(when, age=(30, 58))
    roles = g.pick(
        (
            ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
            ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
            ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
            ["CHỦ TỊCH"],
        )
    )
    return roles, person.full_name


def identity_paper(p: Person, as_of: date, g: Gen) -> str:
    """How forms cite someone's ID paper on ``as_of``: issued some time before, of its era."""
    issued = as_of - timedelta(days=g.num(30, 2500))
    short, long, number = g.id_paper(p, issued)
    if short == "CMND":
        return f"Giấy CMND số {number}, cấp ngày {dmy(issued)}"
    if g.chance(0.5):
        return f"{long} số {number}, cấp ngày {dmy(issued)}"
    authority = "Cục Cảnh sát QLHC về TTXH" if short == "CCCD" else "Bộ Công an"
    return f"{short} số {number} do {authority} cấp ngày {dmy(issued)}"


def id_short(p: Person, when: date, g: Gen) -> str:
    """The short citation of an ID paper in tables: "CMND số …" or "CCCD số …"."""
    if when < date(2016, 1, 1):
        return f"CMND số {g.digits(9)}"
    return f"CCCD số {p.id_number}"


# ---------------------------------------------------------------------------------------
# Citizen identity cards
# ---------------------------------------------------------------------------------------

MARKS = (
    "Nốt ruồi C: 1cm trên sau cánh mũi phải",
    "Nốt ruồi C: 2cm dưới trước đuôi mắt trái",
    "Sẹo chấm C: 1,5cm trên đầu lông mày phải",
    "Sẹo dài 2cm dưới cằm bên trái",
    "Nốt ruồi cách 3cm dưới sau mép phải",
    "Sẹo chấm cách 2cm trên trước vành tai trái",
    "Nốt ruồi C: 0,5cm trên đuôi mắt phải",
)

CARD_HEADER = (
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "card_national"),
    ("Độc lập - Tự do - Hạnh phúc", "card_motto"),
    ("SOCIALIST REPUBLIC OF VIET NAM", "card_national_en"),
    ("Independence - Freedom - Happiness", "card_motto_en"),
)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def card_expiry(born: date, issued: date) -> date:
    """Cards expire at 25, 40 and 60; one issued within two years of a milestone skips it."""
    for milestone in (25, 40, 60):
        if _add_years(issued, 2) < _add_years(born, milestone):
            return _add_years(born, milestone)
    raise ValueError("holders of 58 and over get cards without expiry; not generated")


def citizen_id(g: Gen) -> Composed:
    generation = g.pick(("cccd_2021", "cc_2024"))
    side = g.pick(("front", "back", "both", "both"))
    if generation == "cccd_2021":
        issued = g.day(date(2021, 1, 1), date(2024, 6, 30))
    else:
        issued = g.day(date(2024, 7, 1), date(2025, 12, 31))
    person = g.person(issued, age=(14, 55))
    expiry = card_expiry(person.born, issued)
    mrz = td1_mrz(
        person.id_number, person.born, person.sex, expiry, person.family, person.given_names
    )
    front: list[Line] = [line(text, role, FRONT) for text, role in CARD_HEADER]
    back: list[Line] = []
    residence = person.residence_short()
    birth_place = f"{person.origin.commune}, {banks.PROVINCE_CODES[person.birth_code]}"
    if generation == "cccd_2021":
        authority = "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
        front += [
            line("CĂN CƯỚC CÔNG DÂN", "card_title", FRONT),
            line("Citizen Identity Card", "card_title_en", FRONT),
            lv("Số / No.", person.id_number, "card_number", FRONT),
            line("Họ và tên / Full name:", "card_label", FRONT),
            line(person.upper, "card_name", FRONT),
            lv("Ngày sinh / Date of birth", dmy(person.born), "card_lv", FRONT),
            lvs(
                ("Giới tính / Sex", person.sex_vi),
                ("Quốc tịch / Nationality", "Việt Nam"),
                role="card_lv",
                region=FRONT,
                sep=" ",
            ),
            line("Quê quán / Place of origin:", "card_label", FRONT),
            line(person.origin.short(), "card_value", FRONT),
            line("Nơi thường trú / Place of residence:", "card_label", FRONT),
            line(residence, "card_value", FRONT),
            lv("Có giá trị đến", dmy(expiry), "card_caption", FRONT),
            line("Date of expiry", "card_caption", FRONT),
        ]
        back += [
            line("Đặc điểm nhân dạng / Personal identification:", "card_label", BACK),
            line(g.pick(MARKS), "card_value", BACK),
            lv("Ngày, tháng, năm / Date, month, year", dmy(issued), "card_lv", BACK),
            line(
                "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
                "card_authority",
                BACK,
            ),
            line(
                "DIRECTOR GENERAL OF THE POLICE DEPARTMENT FOR ADMINISTRATIVE MANAGEMENT "
                "OF SOCIAL ORDER",
                "card_authority_en",
                BACK,
            ),
            line(g.person(issued, age=(45, 58)).full_name, "card_signer", BACK),
            line("Ngón trỏ trái", "card_finger_left", BACK),
            line("Left index finger", "card_finger_left", BACK),
            line("Ngón trỏ phải", "card_finger_right", BACK),
            line("Right index finger", "card_finger_right", BACK),
        ]
    else:
        authority = "Bộ Công an"
        front += [
            line("CĂN CƯỚC", "card_title", FRONT),
            line("IDENTITY CARD", "card_title_en", FRONT),
            line("Số định danh cá nhân / Personal identification number:", "card_label", FRONT),
            line(person.id_number, "card_name", FRONT),
            line(
                "Họ, chữ đệm và tên khai sinh / Surname, middle name and given name:",
                "card_label",
                FRONT,
            ),
            line(person.upper, "card_name", FRONT),
            lv("Ngày, tháng, năm sinh / Date of birth", dmy(person.born), "card_lv", FRONT),
            lv("Giới tính / Sex", person.sex_vi, "card_lv", FRONT),
            lv("Quốc tịch / Nationality", "Việt Nam", "card_lv", FRONT),
        ]
        back += [
            line("Nơi cư trú / Place of residence:", "card_label", BACK),
            line(residence, "card_value", BACK),
            line("Nơi đăng ký khai sinh / Place of birth:", "card_label", BACK),
            line(birth_place, "card_value", BACK),
            lv("Ngày, tháng, năm cấp / Date of issue", dmy(issued), "card_lv", BACK),
            lv("Ngày, tháng, năm hết hạn / Date of expiry", dmy(expiry), "card_lv", BACK),
            line("BỘ CÔNG AN", "card_authority", BACK),
            line("MINISTRY OF PUBLIC SECURITY", "card_authority_en", BACK),
        ]
    back += [line(text, "mrz", BACK) for text in mrz]
    shown = {"front": front, "back": back, "both": front + back}[side]
    # ID12|CMND9|name|DDMMYYYY birth|sex|residence|DDMMYYYY issue, as the card's QR holds it.
    qr = "|".join(
        (
            person.id_number,
            g.digits(9) if g.chance(0.5) else "",
            person.full_name,
            person.born.strftime("%d%m%Y"),
            person.sex_vi,
            residence,
            issued.strftime("%d%m%Y"),
        )
    )
    has_front, has_back = side in ("front", "both"), side in ("back", "both")
    # The MRZ encodes birth date, sex and expiry, so a back side still shows them.
    truth = {
        "document_number": person.id_number,
        "id_number": person.id_number,
        "full_name": person.full_name if has_front else "",
        "date_of_birth": iso(person.born),
        "sex": person.sex,
        "nationality": "Việt Nam" if has_front else "",
        "place_of_origin": person.origin.short() if has_front and generation == "cccd_2021" else "",
        "place_of_residence": residence
        if (has_front and generation == "cccd_2021") or (has_back and generation == "cc_2024")
        else "",
        "place_of_birth": birth_place if has_back and generation == "cc_2024" else "",
        # Printed under the photo on a 2021 front, and on every back (MRZ, 2024 label).
        "expiry_date": iso(expiry) if has_back or generation == "cccd_2021" else "",
        "issue_date": iso(issued) if has_back else "",
        "issue_place": authority if has_back else "",
    }
    # The QR is on the front of a 2021 card and on the back of a 2024 one.
    qr_shown = has_front if generation == "cccd_2021" else has_back
    page = Page(tuple(shown), layout="id_card", card=generation, qr=qr if qr_shown else "")
    return Composed(f"{generation}_{side}", [page], truth)


# ---------------------------------------------------------------------------------------
# Birth: the certificate and the extract from the register
# ---------------------------------------------------------------------------------------


def _birth_place(g: Gen, locale: Locale) -> str:
    where = g.pick(banks.HOSPITALS).format(
        commune=locale.commune, province=locale.province, district=locale.district
    )
    if g.chance(0.15):
        return f"Tại nhà, {g.village()}, {locale.address()}"
    if where.startswith("Trạm") or where.startswith("Phòng khám"):
        return f"{where}, {locale.address().split(', ', 1)[1]}"
    return where


def _family(g: Gen, born: date, locale: Locale) -> tuple[Person, Person | None, Person]:
    """Mother, father (sometimes unknown) and child, consistent in family name and dates."""
    mother = g.person(born, sex="female", age=(18, 42), home=locale)
    father = g.person(born, sex="male", age=(20, 48), home=locale) if g.chance(0.9) else None
    child = g.child_of(mother, father, born, g.pick(("male", "female")))
    return mother, father, child


def _parent_lines(g: Gen, role: str, p: Person | None, modern: bool, born: date) -> list[Line]:
    label = "Họ, chữ đệm, tên người " if modern else "Họ và tên "
    name = p.full_name.upper() if p else ""
    out = [lv(f"{label}{role}", name)]
    if p is None:
        return out
    if modern:
        out.append(
            lvs(("Năm sinh", str(p.born.year)), ("Dân tộc", p.ethnicity), ("Quốc tịch", "Việt Nam"))
        )
        out.append(lv("Nơi cư trú", p.residence()))
    else:
        age = born.year - p.born.year  # the parent's age when the child was born
        out.append(lvs(("Tuổi", str(age)), ("Dân tộc", p.ethnicity)))
        out.append(lv("Nơi thường trú", p.residence()))
    return out


def _register(g: Gen, registered: date) -> tuple[str, str]:
    number = str(g.num(1, 320))
    book = g.pick((f"{g.num(1, 3):02d}/{registered.year}", f"{g.num(1, 3):02d}", f"0{g.num(1, 4)}"))
    return number, book


def birth_certificate(g: Gen) -> Composed:
    variant = g.pick(("gks_old", "gks_2016", "gks_2020"))
    span = {
        "gks_old": (date(1975, 1, 1), date(2015, 12, 31)),
        "gks_2016": (date(2016, 1, 1), date(2020, 6, 30)),
        "gks_2020": (date(2020, 7, 1), date(2025, 11, 30)),
    }[variant]
    born = g.day(*span)
    registered = born if g.chance(0.1) else g.day(born, _add_days(born, 60))
    locale = g.locale(registered)
    mother, father, child = _family(g, born, locale)
    number, book = _register(g, registered)
    issuer, parent = commune_issuer(locale, g)
    modern = variant != "gks_old"
    pd = place_date(locale, registered, g)
    lines: list[Line] = []
    if variant == "gks_old":
        lines += decree30_header(issuer, f"Số: {number}", None, parent=parent)
        lines.append(line(f"Quyển số: {book}", "number"))
        lines.append(line("GIẤY KHAI SINH", "title"))
        if g.chance(0.5):
            lines.append(line("(BẢN CHÍNH)", "subtitle"))
        lines.append(lv("Họ và tên", child.upper))
        lines.append(lvs(("Giới tính", child.sex_vi), ("Dân tộc", child.ethnicity)))
        lines.append(lv("Ngày, tháng, năm sinh", dmy(born)))
        lines.append(line(f"(Bằng chữ: {date_words(born).capitalize()})", "body"))
        lines.append(lv("Nơi sinh", _birth_place(g, locale)))
        lines.append(lv("Quê quán", child.origin.address()))
        lines += _parent_lines(g, "mẹ", mother, modern, born)
        lines += _parent_lines(g, "cha", father, modern, born)
        informant = father or mother
        lines.append(lv("Họ và tên người đi khai sinh", informant.full_name))
        lines.append(lv("Quan hệ với người được khai sinh", "Cha" if father else "Mẹ"))
        lines.append(lv("Đăng ký ngày", f"{dmy(registered)}"))
    else:
        header_number = f"Số: {number}"
        lines += decree30_header(issuer, header_number, None, parent=parent)
        lines.append(line(f"Quyển số: {book}", "number"))
        lines.append(line("GIẤY KHAI SINH", "title"))
        lines.append(lv("Họ, chữ đệm, tên", child.upper))
        lines.append(lv("Ngày, tháng, năm sinh", dmy(born)))
        lines.append(line(f"ghi bằng chữ: {date_words(born).capitalize()}", "body"))
        lines.append(
            lvs(
                ("Giới tính", child.sex_vi), ("Dân tộc", child.ethnicity), ("Quốc tịch", "Việt Nam")
            )
        )
        lines.append(lv("Nơi sinh", _birth_place(g, locale)))
        lines.append(lv("Quê quán", child.origin.address()))
        if variant == "gks_2020" or g.chance(0.5):
            lines.append(lv("Số định danh cá nhân", child.id_number))
        parent_order = [("mẹ", mother), ("cha", father)]
        if g.chance(0.3):
            parent_order.reverse()
        for role, p in parent_order:
            lines += _parent_lines(g, role, p, modern, born)
        informant = mother if father is None or g.chance(0.4) else father
        lines.append(lv("Họ, chữ đệm, tên người đi khai sinh", informant.full_name))
        lines.append(lv("Giấy tờ tùy thân", identity_paper(informant, registered, g)))
        lines.append(lv("Nơi đăng ký khai sinh", f"Ủy ban nhân dân {locale.address()}"))
        lines.append(lv("Ngày, tháng, năm đăng ký", dmy(registered)))
        if g.chance(0.3):
            lines.append(lv("Ghi chú", g.pick(("Đăng ký đúng hạn", "Đăng ký lại", "Không"))))
    roles, name = official(g, registered)
    if modern and g.chance(0.6):
        roles = ["NGƯỜI KÝ GIẤY KHAI SINH"]
        note = "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)"
    else:
        note = None
    left = [line("Người đi khai sinh", "signer"), line("(Ký, ghi rõ họ tên)", "signer_note")]
    left += [space()] * (2 + (1 if note else 0)) + [line(informant.full_name, "signer_name")]
    lines += signature(roles, name, note=note, place_date=pd, left=left if g.chance(0.5) else ())
    truth = {
        "document_number": number,
        "issue_place": locale.commune,
        "issue_date": iso(registered),
        "full_name": child.full_name,
        "date_of_birth": iso(born),
        "place_of_birth": next(
            item.values[0] for item in lines if item.text.startswith("Nơi sinh:")
        ),
        "sex": child.sex,
        "mother_name": mother.full_name,
        "father_name": father.full_name if father else "",
        "register_number": number,
        "register_book": book,
    }
    return Composed(variant, [Page(tuple(lines))], truth)


def _add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)


def birth_extract(g: Gen) -> Composed:
    """TRÍCH LỤC KHAI SINH: a copy from the register, issued years after the birth."""
    variant = g.pick(("tlks_ban_sao", "tlks_ban_chinh", "ban_sao_gks"))
    born = g.day(date(1960, 1, 1), date(2024, 6, 30))
    registered = g.day(born, _add_days(born, 60))
    issued = g.day(max(registered, date(2016, 1, 1)), date(2025, 12, 31))
    home = g.locale(registered)
    office = home if g.chance(0.7) else g.locale(issued)
    if issued >= date(2025, 7, 1):
        office = Locale(office.commune, office.district, office.province, office.ward, True)
    mother, father, child = _family(g, born, home)
    number, book = _register(g, registered)
    doc_no = f"{g.num(1, 900)}/TLKS-BS" if variant != "tlks_ban_chinh" else f"{g.num(1, 900)}/TLKS"
    issuer, parent = commune_issuer(office, g)
    lines = decree30_header(issuer, f"Số: {doc_no}", place_date(office, issued, g), parent=parent)
    if variant == "ban_sao_gks":
        lines.append(line("BẢN SAO GIẤY KHAI SINH", "title"))
        lines.append(line("TRÍCH LỤC KHAI SINH", "subtitle"))
    else:
        lines.append(line("TRÍCH LỤC KHAI SINH", "title"))
        lines.append(line("(BẢN SAO)" if variant == "tlks_ban_sao" else "(BẢN CHÍNH)", "subtitle"))
    lines.append(lv("Họ, chữ đệm, tên", child.upper))
    lines.append(lv("Ngày, tháng, năm sinh", dmy(born)))
    if g.chance(0.6):
        lines.append(line(f"ghi bằng chữ: {date_words(born).capitalize()}", "body"))
    lines.append(
        lvs(("Giới tính", child.sex_vi), ("Dân tộc", child.ethnicity), ("Quốc tịch", "Việt Nam"))
    )
    birth_place = _birth_place(g, home)
    lines.append(lv("Nơi sinh", birth_place))
    lines.append(lv("Quê quán", child.origin.address()))
    if g.chance(0.7):
        lines.append(lv("Số định danh cá nhân", child.id_number))
    lines += _parent_lines(g, "mẹ", mother, True, born)
    lines += _parent_lines(g, "cha", father, True, born)
    lines.append(lv("Nơi đăng ký khai sinh", f"Ủy ban nhân dân {home.address()}"))
    lines.append(lv("Ngày, tháng, năm đăng ký", dmy(registered)))
    lines.append(
        line(
            g.pick(
                (
                    f"Sao từ Sổ đăng ký khai sinh: Số {number}, Quyển số {book}.",
                    f"Số đăng ký: {number}; Quyển số: {book}.",
                    f"Trích lục từ Sổ đăng ký khai sinh số {number}, quyển số {book}.",
                )
            ),
            "body",
        )
    )
    if g.chance(0.4):
        lines.append(lv("Ghi chú", g.pick(("Không", "Cấp bản sao theo yêu cầu của người dân"))))
    if g.chance(0.5):
        lines.append(
            line(
                g.pick(
                    (
                        "Bản sao trích lục này có giá trị thay cho bản chính giấy khai sinh.",
                        "Trích lục này được cấp theo yêu cầu của người có tên trên.",
                    )
                ),
                "para",
            )
        )
    roles, name = official(g, issued)
    if g.chance(0.5):
        roles = ["NGƯỜI KÝ TRÍCH LỤC"]
    lines += signature(
        roles, name, note="(Ký, ghi rõ họ, chữ đệm, tên, chức vụ)" if g.chance(0.4) else None
    )
    truth = {
        "document_number": doc_no,
        "issue_place": office.commune,
        "issue_date": iso(issued),
        "full_name": child.full_name,
        "date_of_birth": iso(born),
        "place_of_birth": birth_place,
        "sex": child.sex,
        "mother_name": mother.full_name,
        "father_name": father.full_name if father else "",
        "register_number": number,
        "register_book": book,
    }
    return Composed(variant, [Page(tuple(lines))], truth)


# ---------------------------------------------------------------------------------------
# Marriage and marital status
# ---------------------------------------------------------------------------------------


def marriage_certificate(g: Gen) -> Composed:
    variant = g.pick(("gcnkh_table", "gcnkh_lines", "trich_luc_ket_hon"))
    registered = g.day(date(1995, 1, 1), date(2025, 12, 31))
    locale = g.locale(registered)
    husband = g.person(registered, sex="male", age=(20, 45), home=locale)
    wife = g.person(registered, sex="female", age=(18, 42), home=locale)
    number, book = _register(g, registered)
    issuer, parent = commune_issuer(locale, g)
    pd = place_date(locale, registered, g)
    head_no = f"Số: {number}" if variant != "trich_luc_ket_hon" else f"Số: {number}/TLKH-BS"
    lines = decree30_header(
        issuer, head_no, pd if variant == "trich_luc_ket_hon" else None, parent=parent
    )
    if variant == "trich_luc_ket_hon":
        lines += [line("TRÍCH LỤC KẾT HÔN", "title"), line("(BẢN SAO)", "subtitle")]
    else:
        lines.append(line(f"Quyển số: {book}", "number"))
        lines.append(line("GIẤY CHỨNG NHẬN KẾT HÔN", "title"))
    rows = [
        ("Họ, chữ đệm, tên", husband.upper, wife.upper),
        ("Ngày, tháng, năm sinh", dmy(husband.born), dmy(wife.born)),
        ("Dân tộc", husband.ethnicity, wife.ethnicity),
        ("Quốc tịch", "Việt Nam", "Việt Nam"),
        ("Nơi cư trú", husband.residence_short(), wife.residence_short()),
        ("Giấy tờ tùy thân", id_short(husband, registered, g), id_short(wife, registered, g)),
    ]
    if variant == "gcnkh_table":
        lines.append(Line("Thông tin Chồng Vợ", "table_head", cells=("Thông tin", "Chồng", "Vợ")))
        lines += [Line(" ".join(r), "table_row", cells=r) for r in rows]
    else:
        for who, index in (("chồng", 1), ("vợ", 2)):
            lines.append(
                line(f"Thông tin người {who}:" if g.chance(0.5) else f"Bên {who}:", "heading")
            )
            for row in rows:
                lines.append(lv(row[0], row[index]))
    lines.append(lv("Nơi đăng ký kết hôn", f"Ủy ban nhân dân {locale.address()}"))
    lines.append(lv("Ngày, tháng, năm đăng ký", dmy(registered)))
    if variant == "trich_luc_ket_hon":
        lines.append(line(f"Sao từ Sổ đăng ký kết hôn số {number}, quyển số {book}.", "body"))
    roles, name = official(g, registered)
    if variant != "trich_luc_ket_hon":
        lines += two_signatures(["Chồng"], husband.full_name, ["Vợ"], wife.full_name, gap=2)
        lines.append(line(pd, "place_date_right"))
        if g.chance(0.5):
            roles = ["NGƯỜI KÝ GIẤY CHỨNG NHẬN KẾT HÔN"]
    lines += signature(
        roles, name, note="(Ký, ghi rõ họ, chữ đệm, tên, chức vụ)" if g.chance(0.3) else None
    )
    truth = {
        "document_number": head_no.removeprefix("Số: "),
        "issue_place": locale.commune,
        "issue_date": iso(registered),
        "husband_name": husband.full_name,
        "wife_name": wife.full_name,
        "register_number": number,
        "register_book": book,
    }
    return Composed(variant, [Page(tuple(lines))], truth)


STATUSES = {
    "single": (
        "Chưa đăng ký kết hôn với ai.",
        "Hiện tại chưa đăng ký kết hôn với ai.",
        "Chưa kết hôn.",
    ),
    "married": ("Hiện tại đang có vợ là bà {spouse}.", "Đang có chồng là ông {spouse}."),
    "divorced": (
        "Đã đăng ký kết hôn, nhưng đã ly hôn theo Bản án số {n}/{y}/HNGĐ-ST ngày {d} của Tòa án "
        "nhân dân huyện {district}; hiện tại chưa đăng ký kết hôn với ai.",
    ),
    "widowed": (
        "Có vợ/chồng là {spouse} nhưng đã chết vào năm {y}; hiện tại chưa đăng ký kết hôn với ai.",
    ),
}

PURPOSES = (
    "Làm thủ tục đăng ký kết hôn",
    "Bổ sung hồ sơ vay vốn tại ngân hàng",
    "Làm thủ tục chuyển nhượng quyền sử dụng đất",
    "Bổ sung hồ sơ xin việc",
    "Làm thủ tục mua bán nhà ở",
    "Làm thủ tục đăng ký kết hôn với người nước ngoài",
    "Hoàn thiện hồ sơ nhận thừa kế",
)


def marital_status(g: Gen) -> Composed:
    when = g.day(date(2016, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    p = g.person(when, age=(18, 70), home=locale)
    status = g.pick(("single", "single", "married", "divorced", "widowed"))
    spouse = g.person(when, sex="female" if p.sex == "male" else "male")
    status_text = g.pick(STATUSES[status]).format(
        spouse=spouse.full_name,
        n=g.num(1, 250),
        y=g.num(2005, when.year - 1),
        d=dmy(g.day(date(2005, 1, 1), when)),
        district=g.pick(banks.DISTRICTS),
    )
    if status == "married":
        status_text = (
            f"Hiện tại đang có {'vợ là bà' if p.sex == 'male' else 'chồng là ông'} "
            f"{spouse.full_name}."
        )
    purpose = g.pick(PURPOSES)
    if purpose.startswith("Làm thủ tục đăng ký kết hôn") and status == "married":
        purpose = "Bổ sung hồ sơ vay vốn tại ngân hàng"
    number = f"{g.num(1, 600)}/{g.pick(('UBND-XNTTHN', 'XNTTHN', 'UBND-TP'))}"
    issuer, parent = commune_issuer(locale, g)
    lines = decree30_header(issuer, f"Số: {number}", place_date(locale, when, g), parent=parent)
    lines.append(line("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "title"))
    opener = g.pick(
        (
            f"ỦY BAN NHÂN DÂN {locale.commune_full.upper()}",
            f"CHỦ TỊCH ỦY BAN NHÂN DÂN {locale.commune_full.upper()}",
        )
    )
    lines.append(line(opener, "subtitle"))
    if g.chance(0.7):
        lines.append(
            line(
                g.pick(
                    (
                        "Xét đề nghị của {who} về việc xác nhận tình trạng hôn nhân cho {who2},",
                        "Xét Tờ khai đề nghị cấp Giấy xác nhận tình trạng hôn nhân của {who},",
                    )
                ).format(who=f"{p.title.lower()} {p.full_name}", who2="bản thân"),
                "body",
            )
        )
    lines.append(line("XÁC NHẬN:", "subtitle"))
    lines.append(lv("Họ, chữ đệm, tên", p.upper))
    lines.append(lv("Ngày, tháng, năm sinh", dmy(p.born)))
    lines.append(lvs(("Giới tính", p.sex_vi), ("Dân tộc", p.ethnicity), ("Quốc tịch", "Việt Nam")))
    lines.append(lv("Giấy tờ tùy thân", identity_paper(p, when, g)))
    lines.append(lv("Nơi cư trú", p.residence()))
    if g.chance(0.5):
        since = g.day(p.born, when)
        lines.append(
            line(
                f"Trong thời gian cư trú tại {locale.address()} từ ngày {dmy(since)} đến ngày "
                f"{dmy(when)}",
                "para",
            )
        )
    lines.append(lv("Tình trạng hôn nhân", status_text))
    lines.append(lv("Giấy này được cấp để", purpose))
    lines.append(
        line(
            g.pick(
                (
                    "Giấy này có giá trị sử dụng trong thời hạn 06 tháng, kể từ ngày cấp.",
                    "Giấy xác nhận có giá trị 06 tháng kể từ ngày cấp và chỉ sử dụng cho mục "
                    "đích nêu trên.",
                )
            ),
            "para",
        )
    )
    roles, name = official(g, when)
    lines += signature(roles, name)
    truth = {
        "document_number": number,
        "issue_place": locale.commune,
        "issue_date": iso(when),
        "full_name": p.full_name,
        "status": status,
        "purpose": purpose,
    }
    return Composed("xnttthn", [Page(tuple(lines))], truth)


# ---------------------------------------------------------------------------------------
# Death
# ---------------------------------------------------------------------------------------

CAUSES = (
    "Bệnh già",
    "Tai nạn giao thông",
    "Bệnh hiểm nghèo",
    "Đột quỵ",
    "Ung thư phổi",
    "Suy tim",
    "Đuối nước",
    "Bệnh tật",
)


def death_extract(g: Gen) -> Composed:
    variant = g.pick(("tlkt_ban_chinh", "tlkt_ban_sao", "giay_chung_tu"))
    if variant == "giay_chung_tu":
        died = g.day(date(1990, 1, 1), date(2015, 12, 31))
    else:
        died = g.day(date(2016, 1, 1), date(2025, 11, 30))
    registered = g.day(died, _add_days(died, 14))
    issued = registered if variant != "tlkt_ban_sao" else g.day(registered, date(2025, 12, 31))
    locale = g.locale(issued)
    deceased = g.person(died, age=(35, 98), home=locale)
    informant = g.person(registered, age=(20, 70), home=locale)
    relation = g.pick(("Con đẻ", "Vợ", "Chồng", "Con trai", "Con gái", "Cháu nội", "Em ruột"))
    number, book = _register(g, registered)
    issuer, parent = commune_issuer(locale, g)
    hour = f"{g.num(0, 23)} giờ {g.num(0, 59):02d} phút"
    place_died = g.pick(
        (
            f"Tại nhà, {deceased.residence()}",
            f"Bệnh viện Đa khoa tỉnh {locale.province}",
            f"Trung tâm Y tế huyện {locale.district}",
        )
    )
    if variant == "giay_chung_tu":
        doc_no = number
        lines = decree30_header(issuer, f"Số: {number}", None, parent=parent)
        lines.append(line(f"Quyển số: {book}", "number"))
        lines.append(line("GIẤY CHỨNG TỬ", "title"))
        lines.append(lv("Họ và tên", deceased.upper))
        lines.append(
            lvs(("Giới tính", deceased.sex_vi), ("Ngày, tháng, năm sinh", dmy(deceased.born)))
        )
        lines.append(lvs(("Dân tộc", deceased.ethnicity), ("Quốc tịch", "Việt Nam")))
        lines.append(lv("Nơi thường trú/tạm trú cuối cùng", deceased.residence()))
        lines.append(lv("Số Giấy CMND/Giấy tờ hợp lệ thay thế", g.digits(9)))
        lines.append(lv("Đã chết vào lúc", f"{hour}, ngày {dmy(died)}"))
        lines.append(lv("Nơi chết", place_died))
        lines.append(lv("Nguyên nhân chết", g.pick(CAUSES)))
        lines.append(lv("Họ và tên người đi khai tử", informant.full_name))
        lines.append(lv("Quan hệ với người chết", relation))
        lines.append(lv("Nơi đăng ký", f"Ủy ban nhân dân {locale.address()}"))
        lines.append(lv("Ngày, tháng, năm đăng ký", dmy(registered)))
        pd = place_date(locale, registered, g)
        roles, name = official(g, registered)
        lines += signature(roles, name, place_date=pd)
    else:
        doc_no = f"{g.num(1, 400)}/TLKT" + ("-BS" if variant == "tlkt_ban_sao" else "")
        lines = decree30_header(
            issuer, f"Số: {doc_no}", place_date(locale, issued, g), parent=parent
        )
        lines.append(line("TRÍCH LỤC KHAI TỬ", "title"))
        lines.append(line("(BẢN SAO)" if variant == "tlkt_ban_sao" else "(BẢN CHÍNH)", "subtitle"))
        lines.append(lv("Họ, chữ đệm, tên", deceased.upper))
        lines.append(lv("Ngày, tháng, năm sinh", dmy(deceased.born)))
        lines.append(
            lvs(
                ("Giới tính", deceased.sex_vi),
                ("Dân tộc", deceased.ethnicity),
                ("Quốc tịch", "Việt Nam"),
            )
        )
        lines.append(lv("Số định danh cá nhân", deceased.id_number))
        lines.append(lv("Nơi cư trú cuối cùng", deceased.residence()))
        lines.append(lv("Đã chết vào lúc", f"{hour}, ngày {dmy(died)}"))
        if g.chance(0.5):
            lines.append(line(f"ghi bằng chữ: {date_words(died).capitalize()}", "body"))
        lines.append(lv("Nơi chết", place_died))
        lines.append(lv("Nguyên nhân chết", g.pick(CAUSES)))
        lines.append(
            lv(
                "Giấy báo tử/Giấy tờ thay thế Giấy báo tử",
                g.pick(
                    (
                        f"Số {g.num(1, 300)}, do Bệnh viện Đa khoa tỉnh {locale.province} cấp ngày "
                        f"{dmy(died)}",
                        f"Xác nhận của Trưởng thôn ngày {dmy(registered)}",
                    )
                ),
            )
        )
        lines.append(lv("Họ, chữ đệm, tên người đi khai tử", informant.full_name))
        lines.append(lv("Giấy tờ tùy thân", identity_paper(informant, registered, g)))
        lines.append(lv("Nơi đăng ký khai tử", f"Ủy ban nhân dân {locale.address()}"))
        lines.append(lv("Ngày, tháng, năm đăng ký", dmy(registered)))
        if variant == "tlkt_ban_sao":
            lines.append(line(f"Sao từ Sổ đăng ký khai tử số {number}, quyển số {book}.", "body"))
        roles, name = official(g, issued)
        if g.chance(0.5):
            roles = ["NGƯỜI KÝ TRÍCH LỤC"]
        lines += signature(roles, name)
    truth = {
        "document_number": doc_no,
        "issue_place": locale.commune,
        "issue_date": iso(issued),
        "full_name": deceased.full_name,
        "date_of_death": iso(died),
    }
    return Composed(variant, [Page(tuple(lines))], truth)


# ---------------------------------------------------------------------------------------
# Household registration book (sổ hộ khẩu), abolished in 2023 but still handed in
# ---------------------------------------------------------------------------------------

RELATIONS_CHILD = ("Con", "Con đẻ", "Con trai", "Con gái")
RELATIONS_OTHER = ("Mẹ", "Bố", "Cháu", "Cháu nội", "Em", "Con dâu", "Con rể", "Cháu ngoại")


def _member_block(g: Gen, m: Person, relation: str, when: date, police: str) -> list[Line]:
    out = [
        lv("Họ và tên", m.upper),
        lv("Quan hệ với chủ hộ", relation),
    ]
    if g.chance(0.3):
        out.append(lv("Họ và tên gọi khác (nếu có)", ""))
    out += [
        lvs(("Ngày, tháng, năm sinh", dmy(m.born)), ("Giới tính", m.sex_vi)),
        lv("Nơi sinh", f"{m.origin.commune_full}, {m.origin.province_full}"),
        lv("Nguyên quán", m.origin.address()),
        lvs(
            ("Dân tộc", m.ethnicity),
            ("Tôn giáo", g.pick(banks.RELIGIONS)),
            ("Quốc tịch", "Việt Nam"),
        ),
    ]
    if m.born.year < when.year - 14:
        out.append(lvs(("CMND số", g.digits(9)), ("Hộ chiếu số", "")))
    age = when.year - m.born.year
    if age < 18:
        job = g.pick(("Học sinh", "Còn nhỏ")) if age >= 6 else "Còn nhỏ"
    elif age >= 62:
        job = g.pick(("Hưu trí", "Làm ruộng", "Nội trợ", "Già yếu"))
    else:
        job = g.pick([o for o in banks.OCCUPATIONS if o != "Học sinh"])
    out.append(lv("Nghề nghiệp, nơi làm việc", job))
    if g.chance(0.6):
        out.append(
            lv(
                "Nơi thường trú trước khi chuyển đến",
                g.pick(("Không", "Sinh ra tại đây", m.origin.address())),
            )
        )
    out.append(lv("Ngày đăng ký", dmy(g.day(m.born if m.born > when else when, when))))
    out.append(line(f"Cán bộ đăng ký: {police}", "para"))
    return out


def household_book(g: Gen) -> Composed:
    variant = g.pick(("shk_chu_ho", "shk_nhan_khau", "shk_day_du"))
    issued = g.day(date(1998, 1, 1), date(2021, 6, 30))
    locale = g.locale(issued)
    head = g.person(issued, age=(28, 75), home=locale)
    spouse = g.person(
        issued, sex="female" if head.sex == "male" else "male", age=(25, 70), home=locale
    )
    members: list[tuple[Person, str]] = [(spouse, "Vợ" if head.sex == "male" else "Chồng")]
    mother, father = (spouse, head) if head.sex == "male" else (head, spouse)
    eldest = _add_days(max(head.born, spouse.born), 365 * 20)
    for _ in range(g.num(0, 4) if eldest < issued else 0):
        child = g.child_of(mother, father, g.day(eldest, issued), g.pick(("male", "female")))
        members.append((child, g.pick(RELATIONS_CHILD)))
    if g.chance(0.25):
        members.append((g.person(issued, age=(60, 90), home=locale), g.pick(RELATIONS_OTHER)))
    book_no = g.digits(9)
    police_chief = g.person(issued, age=(35, 58)).full_name
    clerk = g.person(issued, age=(25, 55)).full_name
    police = (
        f"Công an huyện {locale.district}" if g.chance(0.7) else f"Công an {locale.province_full}"
    )
    first: list[Line] = centred_header()
    first.append(line("SỔ HỘ KHẨU", "title"))
    first.append(lv("Sổ số", book_no))
    first.append(lv("Họ và tên chủ hộ", head.upper))
    first.append(lv("Số nhà", g.pick((str(g.num(1, 120)), "Không số", ""))))
    first.append(lv("Đường phố, ấp", cap(head.village)))
    first.append(lv("Xã, phường, thị trấn", locale.commune))
    first.append(lv("Huyện, quận, thị xã", locale.district))
    first.append(lv("Tỉnh, thành phố", locale.province))
    if g.chance(0.7):
        first.append(
            lvs(
                ("Hồ sơ hộ khẩu số", str(g.num(100, 9999))),
                ("Sổ đăng ký thường trú số", str(g.num(1, 60))),
                ("Tờ số", str(g.num(1, 200))),
            )
        )
    first += signature(
        ["TRƯỞNG CÔNG AN"],
        police_chief,
        place_date=f"{cap(viet_date(issued, decree30=False))}",
        left=[line(police.upper(), "issuer")],
    )
    member_pages: list[list[Line]] = []
    everyone = [(head, "Chủ hộ"), *members]
    for index in range(0, len(everyone), 2):
        page: list[Line] = []
        if g.chance(0.5):
            page.append(line("NHÂN KHẨU THƯỜNG TRÚ", "heading"))
        if g.chance(0.4):
            page.append(line(f"Trang {index // 2 + 2}", "right"))
        for person, relation in everyone[index : index + 2]:
            page += _member_block(g, person, relation, issued, clerk)
            page.append(space())
        member_pages.append(page)
    shown = 0
    if variant == "shk_chu_ho":
        pages = [first]
    elif variant == "shk_nhan_khau":
        shown = g.num(0, len(member_pages) - 1)
        pages = [member_pages[shown]]
    else:
        pages = [first, *member_pages]
    cover = variant != "shk_nhan_khau"  # member pages carry neither book number nor issuer
    truth = {
        "document_number": book_no if cover else "",
        "issue_place": police if cover else "",
        "issue_date": iso(issued) if cover else "",
        "head_of_household": head.full_name if cover or shown == 0 else "",
    }
    return Composed(variant, [Page(tuple(p)) for p in pages], truth)
