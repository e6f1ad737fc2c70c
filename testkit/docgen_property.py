"""Land certificates, contracts, powers of attorney, household business registrations, diplomas.

Land certificates come in the three title generations (pre-2009, 2009-7/2024, from
8/2024) with their serial and registry-number formats; contracts and powers of
attorney are citizens' papers under the centred national header, often with the
commune's *signature or contract* certification at the end (not the copy stamp).
All text was written for this project; people are invented.
"""

from __future__ import annotations

import string
from datetime import date

from testkit import docgen_banks as banks
from testkit.docgen_civil import (
    Composed,
    _add_days,
    identity_paper,
)
from testkit.docgen_model import (
    Gen,
    Line,
    Locale,
    Page,
    Person,
    cap,
    centred_header,
    decimal_comma,
    decree30_header,
    dmy,
    iso,
    line,
    lv,
    lvs,
    money,
    number_words,
    paginate,
    signature,
    space,
    two_signatures,
    viet_date,
)

# Who issues each kind of ID paper, as "Nơi cấp" cites it.
ID_AUTHORITY = {
    "Chứng minh nhân dân": "Công an tỉnh {province}",
    "Căn cước công dân": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    "Thẻ căn cước": "Bộ Công an",
}

# ---------------------------------------------------------------------------------------
# Land use right certificates
# ---------------------------------------------------------------------------------------

LAND_TITLES = {
    "gcn_qsdd_pre2009": "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",
    "gcn_2009": "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN "
    "LIỀN VỚI ĐẤT",
    "gcn_2024": "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT",
}

ORIGINS = (
    "Nhà nước giao đất có thu tiền sử dụng đất",
    "Công nhận quyền sử dụng đất như giao đất không thu tiền sử dụng đất",
    "Nhận chuyển nhượng đất được công nhận quyền sử dụng đất như giao đất có thu tiền",
    "Nhận thừa kế quyền sử dụng đất",
    "Nhận tặng cho quyền sử dụng đất",
)


def _letters(g: Gen, n: int) -> str:
    return "".join(g.pick(string.ascii_uppercase) for _ in range(n))


def land_use_certificate(g: Gen) -> Composed:
    variant = g.pick(tuple(LAND_TITLES))
    span = {
        "gcn_qsdd_pre2009": (date(1994, 1, 1), date(2009, 11, 30)),
        "gcn_2009": (date(2009, 12, 10), date(2024, 7, 31)),
        "gcn_2024": (date(2024, 8, 1), date(2025, 12, 31)),
    }[variant]
    when = g.day(*span)
    locale = g.locale(when)
    owner = g.person(when, age=(25, 80), home=locale)
    spouse = g.person(when, sex="female" if owner.sex == "male" else "male", home=locale)
    with_spouse = g.chance(0.5)
    serial_digits = 8 if variant == "gcn_2024" else 6
    serial = f"{_letters(g, 2)} {g.digits(serial_digits)}"
    registry = f"{g.pick(('CH', 'CH', 'CS', 'CT', 'VP', 'DA'))} {g.digits(5)}"
    parcel, sheet = str(g.num(1, 1200)), str(g.num(1, 90))
    area_value = g.num(400, 30000) / 10 if g.chance(0.6) else float(g.num(40, 3000))
    area = f"{area_value:.1f}".removesuffix(".0")
    purpose, code = g.pick(banks.LAND_PURPOSES)
    term = "Lâu dài" if code in ("ONT", "ODT") else f"Đến ngày {dmy(_add_days(when, 365 * 50))}"
    area_printed = f"{decimal_comma(area_value, 1).removesuffix(',0')} m²"
    words = number_words(int(area_value))
    if area_value != int(area_value):
        words += f" phẩy {number_words(round(area_value * 10) % 10)}"
    area_words = f"(Bằng chữ: {words.capitalize()} mét vuông)"
    address = f"{cap(g.village())}, {locale.address()}"
    registry_printed = registry if g.chance(0.7) else registry.replace(" ", "")
    holders = [owner, spouse] if with_spouse else [owner]

    def holder_lines() -> list[Line]:
        out = []
        for p in holders:
            who = "Ông" if p.sex == "male" else "Bà"
            out.append(lv(who, p.upper))
            kind, _, number = g.id_paper(p, when)
            label = (
                g.pick((f"{kind} số: ", "Số định danh cá nhân: "))
                if kind != "CMND"
                else ("CMND số: ")
            )
            out.append(line(f"Sinh năm: {p.born.year}; {label}{number}", "para"))
        out.append(lv("Địa chỉ thường trú", owner.residence()))
        return out

    pages: list[list[Line]] = []
    first: list[Line] = []
    signer_body = g.pick(
        (
            (
                "TM. ỦY BAN NHÂN DÂN",
                f"HUYỆN {locale.district.upper()}",
                "KT. CHỦ TỊCH",
                "PHÓ CHỦ TỊCH",
            ),
            ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
            ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
        )
    )
    if variant == "gcn_2024":
        signer_body = g.pick(
            (
                ("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
                ("CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI", "GIÁM ĐỐC"),
                ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
            )
        )
    signer_name = g.person(when, age=(35, 58)).full_name
    pd = f"{locale.district if not locale.two_level else locale.commune}, {viet_date(when)}"
    if variant == "gcn_qsdd_pre2009":
        signer_body = ("TM. ỦY BAN NHÂN DÂN", f"HUYỆN {locale.district.upper()}", "CHỦ TỊCH")
        first += centred_header()
        first.append(line(LAND_TITLES[variant], "title"))
        first.append(line(f"ỦY BAN NHÂN DÂN HUYỆN {locale.district.upper()}", "subtitle"))
        first.append(line("CHỨNG NHẬN", "subtitle"))
        first.append(
            line(
                "Hộ "
                + ("ông" if owner.sex == "male" else "bà")
                + f" {owner.full_name}"
                + (
                    f" và {('bà' if spouse.sex == 'female' else 'ông')} {spouse.full_name}"
                    if with_spouse
                    else ""
                ),
                "centre",
            )
        )
        first.append(line("Được quyền sử dụng thửa đất sau:", "para"))
        items = [
            ("1. Thửa đất số", parcel),
            ("2. Tờ bản đồ số", sheet),
            ("3. Địa chỉ thửa đất", address),
            ("4. Diện tích", area_printed),
            ("5. Hình thức sử dụng", g.pick(("Riêng", "Sử dụng riêng"))),
            ("6. Mục đích sử dụng", purpose),
            ("7. Thời hạn sử dụng", term),
            ("8. Nguồn gốc sử dụng", g.pick(ORIGINS)),
        ]
        first += [lv(k, v) for k, v in items]
        first.append(line(area_words, "para"))
        first += signature(signer_body, signer_name, place_date=pd)
        first.append(lv("Số vào sổ cấp giấy chứng nhận quyền sử dụng đất", registry_printed))
        first.append(lv("Số phát hành", serial))
        pages.append(first)
    elif variant == "gcn_2009":
        cover = centred_header()
        cover.append(line(LAND_TITLES[variant], "title"))
        cover.append(line(serial, "subtitle"))
        if g.chance(0.5):
            cover.append(space())
            cover.append(line(f"ỦY BAN NHÂN DÂN HUYỆN {locale.district.upper()}", "centre"))
        pages.append(cover)
        body = [
            line(
                "I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất", "heading"
            )
        ]
        body += holder_lines()
        body.append(line("II. Thửa đất, nhà ở và tài sản khác gắn liền với đất", "heading"))
        body.append(line("1. Thửa đất:", "para"))
        body += [
            lvs(("a) Thửa đất số", parcel), ("tờ bản đồ số", sheet)),
            lv("b) Địa chỉ", address),
            lv("c) Diện tích", area_printed),
            line(area_words, "para"),
            lv("d) Hình thức sử dụng", f"Sử dụng riêng: {area_printed}; Sử dụng chung: Không m²"),
            lv("đ) Mục đích sử dụng", purpose),
            lv("e) Thời hạn sử dụng", term),
            lv("g) Nguồn gốc sử dụng", g.pick(ORIGINS)),
        ]
        if g.chance(0.6):
            body.append(
                lv(
                    "2. Nhà ở",
                    f"Nhà ở riêng lẻ; diện tích xây dựng {g.num(40, 150)} m²; "
                    f"số tầng: {g.num(1, 3)}",
                )
            )
        else:
            body.append(lv("2. Nhà ở", "-/-"))
        body += [
            lv("3. Công trình xây dựng khác", "-/-"),
            lv("4. Rừng sản xuất là rừng trồng", "-/-"),
            lv("5. Cây lâu năm", "-/-"),
        ]
        body.append(
            lv(
                "6. Ghi chú",
                g.pick(("Không", "Thửa đất có 40 m² thuộc hành lang giao thông", "-/-")),
            )
        )
        body += signature(signer_body, signer_name, place_date=pd)
        body.append(lv("Số vào sổ cấp GCN", registry_printed))
        pages.append(body)
    else:
        sheet_lines = centred_header()
        sheet_lines.append(line(LAND_TITLES[variant], "title"))
        code_gcn = f"{g.digits(2)}-{g.digits(3)}-{g.digits(4)}-{g.digits(6)}"
        sheet_lines.append(lv("Mã Giấy chứng nhận", code_gcn))
        sheet_lines.append(
            line("1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:", "heading")
        )
        sheet_lines += holder_lines()
        sheet_lines.append(line("2. Thông tin thửa đất:", "heading"))
        sheet_lines += [
            lvs(("Thửa đất số", parcel), ("Tờ bản đồ số", sheet)),
            lv("Địa chỉ", address),
            lv("Diện tích", area_printed),
            lv("Loại đất", f"{purpose} ({code})"),
            lv("Hình thức sử dụng", "Sử dụng riêng"),
            lv("Thời hạn sử dụng", term),
            lv("Nguồn gốc sử dụng", g.pick(ORIGINS)),
        ]
        sheet_lines.append(line("3. Thông tin tài sản gắn liền với đất:", "heading"))
        sheet_lines.append(
            line(g.pick(("Không", f"Nhà ở riêng lẻ, diện tích sàn {g.num(60, 300)} m²")), "para")
        )
        sheet_lines.append(lv("4. Ghi chú", "Không"))
        sheet_lines.append(line("5. Sơ đồ thửa đất:", "heading"))
        sheet_lines.append(Line("", "figure"))
        sheet_lines += signature(signer_body, signer_name, place_date=pd)
        sheet_lines.append(lv("Số vào sổ cấp Giấy chứng nhận", registry_printed))
        sheet_lines.append(lv("Số phát hành", serial))
        pages.append(sheet_lines)
    truth = {
        "document_number": registry,
        "issue_place": pd.split(",")[0],
        "issue_date": iso(when),
        "serial": serial,
        "registry_number": registry,
        "parcel_number": parcel,
        "map_sheet_number": sheet,
        "area": area,
        "land_use_purpose": purpose,
        "holder_name": owner.full_name,
    }
    qr = f"GCN|{serial.replace(' ', '')}|{parcel}|{sheet}" if variant == "gcn_2024" else ""
    return Composed(variant, [Page(tuple(p), qr=qr) for p in pages], truth)


# ---------------------------------------------------------------------------------------
# Contracts
# ---------------------------------------------------------------------------------------

# (title, side A name, side B name, object article, price article heading)
CONTRACT_KINDS = (
    (
        "HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT",
        "BÊN CHUYỂN NHƯỢNG",
        "BÊN NHẬN CHUYỂN NHƯỢNG",
        "chuyen_nhuong",
    ),
    ("HỢP ĐỒNG TẶNG CHO QUYỀN SỬ DỤNG ĐẤT", "BÊN TẶNG CHO", "BÊN ĐƯỢC TẶNG CHO", "tang_cho"),
    ("HỢP ĐỒNG MUA BÁN NHÀ Ở", "BÊN BÁN", "BÊN MUA", "mua_ban_nha"),
    ("HỢP ĐỒNG MUA BÁN XE MÁY", "BÊN BÁN", "BÊN MUA", "mua_ban_xe"),
    ("HỢP ĐỒNG THUÊ NHÀ", "BÊN CHO THUÊ", "BÊN THUÊ", "thue_nha"),
    ("HỢP ĐỒNG VAY TIỀN", "BÊN CHO VAY", "BÊN VAY", "vay_tien"),
    ("HỢP ĐỒNG THUÊ KHOÁN ĐẤT NÔNG NGHIỆP", "BÊN CHO THUÊ", "BÊN THUÊ", "thue_dat"),
)

COMMON_CLAUSES = (
    (
        "QUYỀN VÀ NGHĨA VỤ CỦA BÊN A",
        (
            "Bên A có nghĩa vụ giao đầy đủ giấy tờ có liên quan cho Bên B đúng thời hạn đã "
            "thỏa thuận.",
            "Bên A cam đoan tài sản nêu tại Điều 1 thuộc quyền sở hữu, sử dụng hợp pháp của mình.",
        ),
    ),
    (
        "QUYỀN VÀ NGHĨA VỤ CỦA BÊN B",
        (
            "Bên B có nghĩa vụ thanh toán đầy đủ, đúng hạn số tiền đã thỏa thuận tại Điều 2.",
            "Bên B có quyền yêu cầu Bên A giao tài sản đúng hiện trạng như đã cam kết.",
        ),
    ),
    (
        "VIỆC NỘP THUẾ, LỆ PHÍ",
        (
            "Thuế, phí và lệ phí liên quan đến việc thực hiện hợp đồng này do Bên B chịu trách "
            "nhiệm nộp.",
            "Các bên thỏa thuận mỗi bên chịu một nửa chi phí công chứng, chứng thực hợp đồng.",
        ),
    ),
    (
        "PHƯƠNG THỨC GIẢI QUYẾT TRANH CHẤP",
        (
            "Trong quá trình thực hiện hợp đồng, nếu phát sinh tranh chấp, các bên cùng nhau "
            "thương "
            "lượng giải quyết trên nguyên tắc tôn trọng quyền lợi của nhau; trường hợp không giải "
            "quyết được thì một trong các bên có quyền khởi kiện tại Tòa án nhân dân có thẩm "
            "quyền.",
        ),
    ),
    (
        "CAM ĐOAN CỦA CÁC BÊN",
        (
            "Các bên cam đoan những thông tin về nhân thân ghi trong hợp đồng này là đúng sự thật.",
            "Việc giao kết hợp đồng này hoàn toàn tự nguyện, không bị lừa dối, không bị ép buộc.",
            "Các bên đã tự đọc lại hợp đồng, đã hiểu và đồng ý tất cả các điều khoản ghi trong hợp "
            "đồng.",
        ),
    ),
    (
        "ĐIỀU KHOẢN CUỐI CÙNG",
        (
            "Hợp đồng có hiệu lực kể từ ngày các bên ký kết và được chứng thực.",
            "Hợp đồng được lập thành 04 bản có giá trị pháp lý như nhau, mỗi bên giữ 01 bản, "
            "02 bản "
            "lưu tại cơ quan chứng thực.",
        ),
    ),
)


def _party(g: Gen, people: list[Person], when: date) -> list[Line]:
    out = []
    for p in people:
        out.append(lv(p.title, p.upper))
        out.append(
            line(
                f"Sinh ngày: {dmy(p.born)}; {identity_paper(p, when, g)}",
                "para",
            )
        )
    if len(people) > 1:
        out.append(
            line(f"Hai ông bà là vợ chồng, cùng thường trú tại: {people[0].residence()}", "para")
        )
    else:
        out.append(lv("Địa chỉ thường trú", people[0].residence()))
    return out


def _object_article(g: Gen, kind: str, locale: Locale) -> tuple[str, list[str]]:
    parcel, sheet = g.num(1, 1200), g.num(1, 90)
    area = f"{g.num(60, 2000)},{g.num(0, 9)}"
    purpose, _ = g.pick(banks.LAND_PURPOSES)
    cert = (
        f"Giấy chứng nhận quyền sử dụng đất số phát hành {_letters(g, 2)} {g.digits(6)}, "
        f"số vào sổ cấp GCN: CH {g.digits(5)} do Ủy ban nhân dân huyện {locale.district} cấp "
        f"ngày {dmy(g.day(date(2005, 1, 1), date(2022, 1, 1)))}"
    )
    if kind in ("chuyen_nhuong", "tang_cho", "thue_dat"):
        return "ĐỐI TƯỢNG CỦA HỢP ĐỒNG", [
            f"Quyền sử dụng đất tại thửa đất số {parcel}, tờ bản đồ số {sheet}, địa chỉ: "
            f"{cap(g.village())}, {locale.address()}.",
            f"Diện tích: {area} m²; mục đích sử dụng: {purpose}; hình thức sử dụng: sử dụng riêng.",
            f"Theo {cert}.",
        ]
    if kind == "mua_ban_nha" or kind == "thue_nha":
        return "NHÀ Ở " + ("MUA BÁN" if kind == "mua_ban_nha" else "CHO THUÊ"), [
            f"Nhà ở riêng lẻ {g.num(1, 4)} tầng, diện tích sàn {g.num(50, 300)} m², tại "
            f"{cap(g.village())}, {locale.address()}.",
            f"Nhà ở được xây dựng trên thửa đất số {parcel}, tờ bản đồ số {sheet}, theo {cert}.",
        ]
    if kind == "mua_ban_xe":
        return "ĐẶC ĐIỂM XE MUA BÁN", [
            f"Nhãn hiệu: {g.pick(('Honda', 'Yamaha', 'Suzuki', 'SYM'))}; số loại: "
            f"{g.pick(('Wave Alpha', 'Sirius', 'Vision', 'Future', 'Exciter'))}; màu sơn: "
            f"{g.pick(('Đỏ', 'Đen', 'Trắng', 'Xanh'))}.",
            f"Biển số đăng ký: {g.num(11, 99)}{_letters(g, 1)}{g.num(1, 9)}-"
            f"{g.digits(3)}.{g.digits(2)}; "
            f"số máy: {_letters(g, 4)}{g.digits(7)}; số khung: {_letters(g, 3)}{g.digits(10)}.",
        ]
    return "SỐ TIỀN VAY VÀ MỤC ĐÍCH VAY", [
        f"Bên A đồng ý cho Bên B vay số tiền {money(g.num(5, 500) * 1_000_000)} đồng.",
        "Mục đích vay: đầu tư chăn nuôi và sửa chữa nhà ở.",
    ]


def contract(g: Gen) -> Composed:
    title, side_a, side_b, kind = g.pick(CONTRACT_KINDS)
    when = g.day(date(2012, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    a = g.person(when, age=(30, 80), home=locale)
    b = g.person(when, age=(22, 70))
    a_people = [a] + (
        [g.person(when, sex="female" if a.sex == "male" else "male", home=locale)]
        if kind in ("chuyen_nhuong", "tang_cho", "mua_ban_nha") and g.chance(0.6)
        else []
    )
    lines: list[Line] = centred_header()
    lines.append(line(title, "title"))
    number = ""
    if g.chance(0.3):
        number = f"{g.num(1, 99):02d}/{when.year}/HĐ"
        lines.append(line(f"Số: {number}", "centre"))
    if g.chance(0.5):
        lines.append(line("Căn cứ Bộ luật Dân sự năm 2015;", "italic"))
        if kind in ("chuyen_nhuong", "tang_cho", "thue_dat"):
            lines.append(
                line(
                    g.pick(("Căn cứ Luật Đất đai năm 2013;", "Căn cứ Luật Đất đai năm 2024;")),
                    "italic",
                )
            )
    place = g.pick(
        (f"Ủy ban nhân dân {locale.commune_full}", f"nhà {a.title.lower()} {a.full_name}")
    )
    lines.append(
        line(
            g.pick(
                (
                    f"Hôm nay, {viet_date(when)}, tại {place}, chúng tôi gồm có:",
                    f"Hôm nay, {viet_date(when)}, tại {place}, chúng tôi gồm:",
                    f"Tại {place}, {viet_date(when)}, chúng tôi gồm:",
                )
            ),
            "body",
        )
    )
    lines.append(line(f"{side_a} (sau đây gọi là Bên A):", "heading"))
    lines += _party(g, a_people, when)
    lines.append(line(f"{side_b} (sau đây gọi là Bên B):", "heading"))
    lines += _party(g, [b], when)
    lines.append(
        line(
            g.pick(
                (
                    "Hai bên đồng ý thực hiện việc giao kết hợp đồng với các thỏa thuận sau đây:",
                    "Các bên tự nguyện cùng nhau lập và ký hợp đồng này với những điều khoản sau:",
                )
            ),
            "body",
        )
    )
    heading, sentences = _object_article(g, kind, locale)
    articles: list[tuple[str, list[str]]] = [(heading, sentences)]
    if kind == "vay_tien":
        articles.append(
            (
                "LÃI SUẤT VÀ PHƯƠNG THỨC TRẢ NỢ",
                [
                    f"Lãi suất cho vay là {g.num(6, 12)}%/năm, tiền lãi trả hằng tháng.",
                    "Bên B trả nợ gốc một lần khi hết thời hạn vay.",
                ],
            )
        )
    elif kind != "tang_cho":
        renting = kind.startswith("thue")
        price_word = (
            "thuê" if renting else "chuyển nhượng" if kind == "chuyen_nhuong" else "mua bán"
        )
        price = (g.num(1, 15) if renting else g.num(5, 3000)) * 1_000_000
        articles.append(
            (
                "GIÁ VÀ PHƯƠNG THỨC THANH TOÁN",
                [
                    f"Giá {price_word}"
                    f" là: {money(price)} đồng (Bằng chữ: {number_words(price).capitalize()} đồng)"
                    + ("/tháng." if renting else "."),
                    g.pick(
                        (
                            "Phương thức thanh toán: trả bằng tiền mặt một lần khi ký hợp đồng.",
                            "Bên B thanh toán cho Bên A bằng hình thức chuyển khoản.",
                        )
                    ),
                ],
            )
        )
    if kind.startswith("thue") or kind == "vay_tien":
        articles.append(
            ("THỜI HẠN", [f"Thời hạn là {g.num(6, 60)} tháng, kể từ ngày {dmy(when)}."])
        )
    extra = [c for c in COMMON_CLAUSES if g.chance(0.75)] or list(COMMON_CLAUSES[-1:])
    articles += [(h, list(s)) for h, s in extra]
    label = g.pick(("ĐIỀU", "Điều"))
    for index, (head, body) in enumerate(articles, start=1):
        lines.append(line(f"{label} {index}. {head}", "article_head"))
        lines += [line(s, "body") for s in body]
    lines += two_signatures([side_a], a.full_name, [side_b], b.full_name, gap=3)
    certified = g.chance(0.5)
    if certified:
        officer = g.person(when, age=(30, 58))
        lines.append(line("LỜI CHỨNG THỰC", "title"))
        lines.append(
            line(
                f"{cap(viet_date(when))} (Bằng chữ: {g.pick(('ngày', 'Ngày'))} "
                f"{number_words(when.day)} tháng {number_words(when.month)} năm "
                f"{number_words(when.year)})",
                "para",
            )
        )
        lines.append(
            line(
                f"Tại Ủy ban nhân dân {locale.address()}, tôi {officer.full_name}, Phó Chủ tịch Ủy "
                f"ban nhân dân {locale.commune_full}, chứng thực: hợp đồng được giao kết giữa "
                f"Bên A là {a.title.lower()} {a.full_name} và Bên B là {b.title.lower()} "
                f"{b.full_name}; các bên tự nguyện giao kết hợp đồng, có năng lực hành vi dân sự "
                "theo quy định của pháp "
                "luật và đã ký vào hợp đồng trước mặt tôi.",
                "body",
            )
        )
        lines.append(
            line(
                f"Số chứng thực {g.num(1, 300)}, quyển số {g.num(1, 5):02d}/{when.year}-SCT/HĐGD.",
                "para",
            )
        )
        lines += signature(
            ["NGƯỜI THỰC HIỆN CHỨNG THỰC"],
            officer.full_name,
            note="(Ký, ghi rõ họ tên và đóng dấu)",
        )
    pages = paginate(lines, 40)
    truth = {
        "document_number": number,
        "issue_place": locale.commune if certified else "",
        "issue_date": iso(when),
        "party_a": a.full_name,
        "party_b": b.full_name,
    }
    return Composed(kind, [Page(tuple(p)) for p in pages], truth)


# ---------------------------------------------------------------------------------------
# GIẤY ỦY QUYỀN
# ---------------------------------------------------------------------------------------

MANDATES = (
    "Thay mặt tôi liên hệ với Ủy ban nhân dân xã để làm thủ tục đăng ký khai sinh cho con tôi.",
    "Thay mặt tôi nộp hồ sơ, nhận kết quả cấp bản sao trích lục hộ tịch tại Ủy ban nhân dân xã.",
    "Thay mặt tôi làm thủ tục đăng ký biến động đất đai đối với thửa đất số {plot}, tờ bản đồ số "
    "{sheet}.",
    "Thay mặt tôi nhận lương hưu và trợ cấp bảo hiểm xã hội hằng tháng tại Bưu điện xã.",
    "Thay mặt tôi nhận tiền bồi thường, hỗ trợ khi Nhà nước thu hồi đất.",
    "Thay mặt tôi ký các giấy tờ liên quan và nhận Giấy chứng nhận quyền sử dụng đất.",
)


POA_HEADINGS = (
    (
        "I. BÊN ỦY QUYỀN",
        "II. BÊN NHẬN ỦY QUYỀN",
        "III. NỘI DUNG ỦY QUYỀN",
        "IV. THỜI HẠN ỦY QUYỀN",
        "V. CAM KẾT",
    ),
    (
        "BÊN ỦY QUYỀN (Bên A):",
        "BÊN ĐƯỢC ỦY QUYỀN (Bên B):",
        "NỘI DUNG ỦY QUYỀN:",
        "THỜI HẠN ỦY QUYỀN:",
        "CAM KẾT CỦA CÁC BÊN:",
    ),
    (
        "1. Người ủy quyền:",
        "2. Người được ủy quyền:",
        "3. Nội dung ủy quyền:",
        "4. Thời hạn ủy quyền:",
        "5. Cam kết của các bên:",
    ),
)


def power_of_attorney(g: Gen) -> Composed:
    when = g.day(date(2014, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    grantor = g.person(when, age=(25, 85), home=locale)
    agent = g.person(when, age=(20, 65))
    lines: list[Line] = centred_header()
    lines.append(line("GIẤY ỦY QUYỀN", "title"))
    if g.chance(0.5):
        lines.append(line("(Dành cho cá nhân)", "italic_centre"))
    if g.chance(0.6):
        lines.append(
            line(
                "- Căn cứ Bộ luật Dân sự nước Cộng hòa xã hội chủ nghĩa Việt Nam năm 2015;",
                "italic",
            )
        )
    lines.append(
        line(
            g.pick(
                (
                    f"Hôm nay, {viet_date(when)}, tại {locale.address()}, chúng tôi gồm:",
                    f"{locale.commune}, {viet_date(when)}, chúng tôi gồm có:",
                )
            ),
            "body",
        )
    )
    headings = g.pick(POA_HEADINGS)
    for heading, p in ((headings[0], grantor), (headings[1], agent)):
        lines.append(line(heading, "heading"))
        lines.append(lv("Họ và tên", p.upper))
        lines.append(lv("Ngày sinh", dmy(p.born)))
        issued = _add_days(when, -g.num(100, 1500))
        kind, _, number = g.id_paper(p, issued)
        lines.append(lvs((f"Số {kind}", number), ("cấp ngày", dmy(issued))))
        if g.chance(0.6):
            authority = {
                "CMND": f"Công an tỉnh {p.origin.province}",
                "CCCD": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
                "Căn cước": "Bộ Công an",
            }[kind]
            lines.append(lv("Nơi cấp", authority))
        lines.append(lv("Địa chỉ thường trú", p.residence()))
    lines.append(line(headings[2], "heading"))
    for m in g.sample(MANDATES, g.num(1, 3)):
        lines.append(line(f"- {m.format(plot=g.num(1, 900), sheet=g.num(1, 80))}", "item"))
    lines.append(line(headings[3], "heading"))
    lines.append(
        line(
            g.pick(
                (
                    f"Kể từ ngày ký đến ngày {dmy(_add_days(when, 365))}.",
                    "Kể từ ngày ký cho đến khi hoàn thành công việc được ủy quyền.",
                )
            ),
            "body",
        )
    )
    lines.append(line(headings[4], "heading"))
    lines.append(
        line(
            "Bên nhận ủy quyền chỉ được thực hiện các công việc nêu trên, không được ủy "
            "quyền lại cho người khác.",
            "body",
        )
    )
    lines.append(
        line(
            "Chúng tôi cam kết chịu trách nhiệm trước pháp luật về mọi thông tin ủy quyền ở trên.",
            "body",
        )
    )
    lines += two_signatures(
        ["BÊN NHẬN ỦY QUYỀN"], agent.full_name, ["BÊN ỦY QUYỀN"], grantor.full_name
    )
    number = ""
    if g.chance(0.6):
        officer = g.person(when, age=(30, 58))
        number = f"{g.num(1, 3000)}"
        lines.append(line("CHỨNG THỰC CHỮ KÝ", "subtitle"))
        lines.append(
            line(
                f"{cap(viet_date(when))}, tại Ủy ban nhân dân {locale.commune_full}, tôi "
                f"{officer.full_name}, Phó Chủ tịch Ủy ban nhân dân {locale.commune_full}, chứng "
                f"thực: {grantor.title.lower()} {grantor.full_name} đã ký vào giấy ủy quyền này "
                "trước mặt "
                "tôi.",
                "body",
            )
        )
        lines.append(
            line(f"Số chứng thực: {number}, quyển số {g.num(1, 5):02d}/{when.year}-SCT/CK", "para")
        )
        lines += signature(["NGƯỜI THỰC HIỆN CHỨNG THỰC"], officer.full_name, gap=2)
    truth = {
        "document_number": "",
        "issue_place": locale.commune,
        "issue_date": iso(when),
        "grantor_name": grantor.full_name,
        "agent_name": agent.full_name,
    }
    pages = paginate(lines, 40)
    return Composed(
        "uq_chung_thuc_chu_ky" if number else "uq", [Page(tuple(p)) for p in pages], truth
    )


# ---------------------------------------------------------------------------------------
# GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH
# ---------------------------------------------------------------------------------------


def business_household_registration(g: Gen) -> Composed:
    when = g.day(date(2012, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    owner = g.person(when, age=(20, 65), home=locale)
    given, given2 = owner.given.upper(), g.pick(banks.GIVEN_FEMALE + banks.GIVEN_MALE).upper()
    shop = g.pick(banks.SHOP_NAMES).format(given=given, given2=given2)
    if when >= date(2021, 4, 4):
        code = g.digits(10) if g.chance(0.6) else f"{g.digits(2)}{_letters(g, 1)}{g.digits(7)}"
        code_label = "Mã số hộ kinh doanh"
    else:
        code = f"{g.digits(2)}{_letters(g, 1)}{g.digits(7)}"
        code_label = "Số"
    capital = g.num(2, 300) * 5_000_000
    paper_date = _add_days(when, -g.num(90, 1500))
    _, paper_kind, paper_number = g.id_paper(owner, paper_date)
    lines_of_business = g.sample(banks.BUSINESS_LINES, g.num(1, 3))
    if locale.two_level:
        issuer, parent = [f"ỦY BAN NHÂN DÂN {locale.commune_full.upper()}"], None
        signer = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    else:
        issuer = g.pick(
            (
                ["PHÒNG TÀI CHÍNH - KẾ HOẠCH"],
                ["PHÒNG TÀI CHÍNH - KẾ HOẠCH", "HUYỆN " + locale.district.upper()],
            )
        )
        parent = f"UBND HUYỆN {locale.district.upper()}" if len(issuer) == 1 else None
        signer = g.pick((["TRƯỞNG PHÒNG"], ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"]))
    where = locale.commune if locale.two_level else locale.district
    pd = f"{where}, {viet_date(when)}"
    lines = decree30_header(issuer, None, None, parent=parent)
    lines.append(line("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "title"))
    lines.append(lv(code_label, code))
    first = g.day(date(2005, 1, 1), when)
    lines.append(line(f"Đăng ký lần đầu: {viet_date(first)}", "italic_centre"))
    if g.chance(0.4) and first < when:
        lines.append(
            line(f"Đăng ký thay đổi lần thứ {g.num(1, 4)}: {viet_date(when)}", "italic_centre")
        )
    items = [
        lv("1. Tên hộ kinh doanh", shop),
        lv("2. Địa điểm kinh doanh", f"{cap(g.village())}, {locale.address()}"),
        lvs(("Điện thoại", g.phone()), ("Email", "")),
        lv("3. Ngành, nghề kinh doanh", "; ".join(lines_of_business)),
        lv("4. Vốn kinh doanh", f"{money(capital)} đồng"),
        line(f"(Bằng chữ: {number_words(capital).capitalize()} đồng)", "para"),
    ]
    if g.chance(0.5):
        items.append(lv("5. Số lượng lao động", f"{g.num(1, 9):02d} người"))
    lines += items
    lines.append(
        line(
            g.pick(
                (
                    "6. Thông tin về chủ hộ kinh doanh:",
                    "Chủ hộ kinh doanh/Người đại diện hộ gia đình:",
                    "5. Họ, chữ đệm và tên chủ hộ kinh doanh:",
                )
            ),
            "heading",
        )
    )
    lines += [
        lv("Họ và tên", owner.upper),
        lvs(
            ("Giới tính", owner.sex_vi),
            ("Sinh ngày", dmy(owner.born)),
            ("Dân tộc", owner.ethnicity),
            ("Quốc tịch", "Việt Nam"),
        ),
        lv("Loại giấy tờ pháp lý của cá nhân", paper_kind),
        lvs(("Số giấy tờ pháp lý của cá nhân", paper_number), ("Ngày cấp", dmy(paper_date))),
        lv("Nơi cấp", ID_AUTHORITY[paper_kind].format(province=owner.origin.province)),
        lv("Địa chỉ thường trú", owner.residence()),
    ]
    if g.chance(0.5):
        lines.append(lv("Chỗ ở hiện tại", owner.residence()))
    lines += signature(signer, g.person(when, age=(30, 58)).full_name, place_date=pd)
    truth = {
        "document_number": code,
        "issue_place": where,
        "issue_date": iso(when),
        "business_code": code,
        "business_name": shop,
        "owner_name": owner.full_name,
        "capital": str(capital),
    }
    pages = paginate(lines, 44)
    variant = (
        "hkd_ubnd_xa"
        if locale.two_level
        else ("hkd_ma_so" if code_label.startswith("Mã") else "hkd_so")
    )
    return Composed(variant, [Page(tuple(p)) for p in pages], truth)


# ---------------------------------------------------------------------------------------
# Diplomas and certificates (văn bằng, chứng chỉ)
# ---------------------------------------------------------------------------------------

RANKS = ("Trung bình", "Khá", "Giỏi", "Xuất sắc", "Trung bình khá")


def diploma(g: Gen) -> Composed:
    variant = g.pick(("thpt", "thcs", "cu_nhan", "dai_hoc", "cao_dang", "chung_chi"))
    year = g.num(1995, 2025)
    when = g.day(date(year, 6, 1), date(year, 12, 31))
    locale = g.locale(when)
    holder = g.person(when, age=(15, 19) if variant in ("thpt", "thcs") else (21, 40))
    if variant == "thcs":
        holder = g.person(when, age=(15, 16))
    birth_place = holder.origin.province
    suffix = {
        "thpt": ("THPT", "TN-THPT"),
        "thcs": ("THCS", "TN-THCS"),
        "cu_nhan": ("ĐH", "QĐ-ĐH"),
        "dai_hoc": ("ĐH", "QĐ-ĐH"),
        "cao_dang": ("CĐ", "QĐ-CĐ"),
        "chung_chi": ("CC", "CC-TT"),
    }[variant]
    number_book = f"{g.num(1, 9999)}/{g.pick(suffix)}"
    serial = f"{_letters(g, 1)} {g.digits(7)}" if g.chance(0.7) else g.digits(6)
    lines: list[Line] = []
    landscape = variant in ("cu_nhan", "dai_hoc", "cao_dang") and g.chance(0.7)
    lines += centred_header()
    if landscape or g.chance(0.3):
        lines += [
            line("SOCIALIST REPUBLIC OF VIET NAM", "centre"),
            line("Independence - Freedom - Happiness", "italic_centre"),
        ]
    fields: list[Line]
    if variant in ("thpt", "thcs"):
        level = "TRUNG HỌC PHỔ THÔNG" if variant == "thpt" else "TRUNG HỌC CƠ SỞ"
        authority = (
            f"GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO {locale.province_full.upper()}"
            if variant == "thpt"
            else f"TRƯỞNG PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN {locale.district.upper()}"
        )
        lines.append(line(authority, "subtitle"))
        lines.append(line("cấp", "centre"))
        lines.append(line(f"BẰNG TỐT NGHIỆP {level}", "title"))
        school = g.pick(banks.SCHOOLS_HIGH).format(
            district=locale.district, province=locale.province
        )
        fields = [
            lv("Cho", holder.full_name),
            lvs(("Ngày sinh", dmy(holder.born)), ("Giới tính", holder.sex_vi)),
            lv("Nơi sinh", birth_place),
            lv("Học sinh trường", school),
            lv("Khóa thi", f"Ngày {dmy(_add_days(when, -30))}" if variant == "thpt" else str(year)),
            lv("Xếp loại tốt nghiệp", g.pick(RANKS[:3])),
        ]
    elif variant == "chung_chi":
        kind = g.pick(
            (
                "CHỨNG CHỈ ỨNG DỤNG CÔNG NGHỆ THÔNG TIN CƠ BẢN",
                "CHỨNG CHỈ NGOẠI NGỮ",
                "CHỨNG CHỈ SƠ CẤP NGHỀ",
                "CHỨNG CHỈ BỒI DƯỠNG NGHIỆP VỤ HỘ TỊCH",
            )
        )
        centre = g.pick(
            (
                "TRUNG TÂM GIÁO DỤC NGHỀ NGHIỆP - GIÁO DỤC THƯỜNG XUYÊN",
                "TRUNG TÂM NGOẠI NGỮ - TIN HỌC",
                "TRƯỜNG CAO ĐẲNG KỸ THUẬT",
            )
        )
        lines.append(line(f"GIÁM ĐỐC {centre} {locale.district.upper()}", "subtitle"))
        lines.append(line("cấp", "centre"))
        lines.append(line(kind, "title"))
        fields = [
            lv("Cho ông/bà", holder.full_name),
            lv("Sinh ngày", dmy(holder.born)),
            lv("Nơi sinh", birth_place),
            lv(
                "Đã hoàn thành khóa học",
                f"từ ngày {dmy(_add_days(when, -90))} đến ngày {dmy(when)}",
            ),
            lv("Kết quả", g.pick(("Đạt", "Khá", "Giỏi", "Bậc 3 (B1)"))),
        ]
    else:
        uni, uni_en = g.pick(banks.UNIVERSITIES)
        major, major_en = g.pick(banks.MAJORS)
        degree = {
            "cu_nhan": "BẰNG CỬ NHÂN",
            "dai_hoc": "BẰNG TỐT NGHIỆP ĐẠI HỌC",
            "cao_dang": "BẰNG TỐT NGHIỆP CAO ĐẲNG",
        }[variant]
        if variant == "cao_dang":
            uni, uni_en = f"TRƯỜNG CAO ĐẲNG {locale.province.upper()}", "College"
        lines.append(line(f"HIỆU TRƯỞNG {uni}", "subtitle"))
        if landscape:
            lines.append(line(f"THE RECTOR OF {uni_en.upper()}", "centre"))
        lines.append(line("cấp", "centre"))
        lines.append(line(degree, "title"))
        if landscape:
            lines.append(
                line(
                    "THE DEGREE OF BACHELOR" if variant != "cao_dang" else "THE COLLEGE DIPLOMA",
                    "centre",
                )
            )
        fields = [
            lv("Ngành", major),
            lv("Cho", f"{holder.title} {holder.full_name}"),
            lv("Ngày sinh", dmy(holder.born)),
            lv("Xếp loại tốt nghiệp", g.pick(RANKS)),
            lv("Hình thức đào tạo", g.pick(("Chính quy", "Vừa làm vừa học", "Từ xa"))),
        ]
        if landscape:
            fields.insert(1, lv("Major", major_en))
    lines += fields
    pd = f"{locale.province if variant != 'thcs' else locale.district}, {viet_date(when)}"
    left = [
        lv(
            "Số hiệu",
            serial,
            "small",
        ),
        lv("Số vào sổ cấp bằng", number_book, "small"),
    ]
    signer_role = {"thpt": "GIÁM ĐỐC", "thcs": "TRƯỞNG PHÒNG", "chung_chi": "GIÁM ĐỐC"}.get(
        variant, "HIỆU TRƯỞNG"
    )
    lines += signature(
        [signer_role],
        g.person(when, age=(40, 60)).full_name,
        place_date=pd,
        left=[space(), space(), *left],
    )
    truth = {
        "document_number": number_book,
        "issue_place": pd.split(",")[0],
        "issue_date": iso(when),
        "full_name": holder.full_name,
        "date_of_birth": iso(holder.born),
        "serial": serial,
    }
    layout = "a4_landscape" if landscape else "a4"
    return Composed(variant, [Page(tuple(lines), layout=layout)], truth)
