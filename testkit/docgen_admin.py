"""Administrative papers of a commune: decisions, minutes, letters/notices/reports, citizens' forms.

These types share the Decree 30 frame and differ in title and body, and their bodies
talk about the other types all the time (a decision on land certificates, minutes
verifying marital status, a form asking for a birth registration), which is what makes
them hard to tell apart by keywords. The banks below hold several openings, grounds,
articles and closings per type; :mod:`testkit.docgen_model` builds the frame. All text
was written for this project.
"""

from __future__ import annotations

from datetime import date

from testkit.docgen_civil import (
    Composed,
    _add_days,
    commune_issuer,
    identity_paper,
    official,
    place_date,
)
from testkit.docgen_model import (
    Gen,
    Line,
    Locale,
    Page,
    Person,
    centred_header,
    decree30_header,
    dmy,
    iso,
    line,
    lv,
    lvs,
    money,
    number_words,
    paginate,
    recipients,
    signature,
    space,
    two_signatures,
    viet_date,
)

CHECKED, UNCHECKED = "■", "□"


def law_grounds(when: date) -> list[str]:
    """The standard opening grounds of a commune decision, right for the date."""
    if when >= date(2025, 6, 16):
        return ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"]
    grounds = ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"]
    if when >= date(2019, 11, 22):
        grounds.append(
            "Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ "
            "chức chính quyền địa phương ngày 22 tháng 11 năm 2019;"
        )
    return grounds


def _values(g: Gen, when: date, locale: Locale, person: Person) -> dict[str, str]:
    """Placeholder values for a document's bank sentences, drawn once so they agree."""
    values = {
        "commune": locale.commune,
        "district": locale.district,
        "province": locale.province,
        "year": str(when.year),
        "prev": str(when.year - 1),
        "n": str(g.num(1, 250)),
        "count": str(g.num(3, 60)),
        "count2": str(g.num(2, 30)),
        "pct": f"{g.num(80, 99)},{g.num(0, 9)}",
        "amount": money(g.num(2, 400) * 500_000),
        "big": money(g.num(1, 60) * 50_000_000),
        "date": dmy(g.day(date(when.year, 1, 1), when)),
        "name": person.full_name,
        "title": person.title.lower(),
        "village": g.village(),
        "plot": str(g.num(1, 900)),
        "sheet": str(g.num(1, 80)),
        "area": f"{g.num(40, 900)},{g.num(0, 9)}",
        "km": f"{g.num(1, 12)},{g.num(0, 9)}",
    }
    village = values["village"]
    values.update(
        village_upper=village.upper(),
        month=str(when.month),
        next=str(when.year + 1),
        birth=str(when.year - 18),
        phone=g.phone(),
        period=g.pick(("6 tháng đầu", "quý I", "quý III", "9 tháng đầu")),
    )
    return values


# ---------------------------------------------------------------------------------------
# QUYẾT ĐỊNH
# ---------------------------------------------------------------------------------------

# (subject, specific grounds, consideration, first articles, further articles)
DECISION_TOPICS: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Về việc công nhận hộ nghèo, hộ cận nghèo trên địa bàn xã năm {year}",
        (
            "Căn cứ Nghị định số 07/2021/NĐ-CP ngày 27 tháng 01 năm 2021 của Chính phủ quy "
            "định chuẩn nghèo đa chiều giai đoạn 2022 - 2025;",
        ),
        "Xét đề nghị của Ban Chỉ đạo giảm nghèo xã tại Tờ trình số {n}/TTr-BCĐ ngày {date},",
        (
            "Công nhận {count} hộ nghèo và {count2} hộ cận nghèo trên địa bàn xã {commune} năm "
            "{year} (có danh sách kèm theo).",
        ),
        (
            "Các hộ có tên trong danh sách được hưởng các chính sách hỗ trợ theo quy định hiện "
            "hành của Nhà nước.",
        ),
    ),
    (
        "Về việc khen thưởng các tập thể, cá nhân có thành tích xuất sắc trong phong trào "
        '"Toàn dân đoàn kết xây dựng đời sống văn hóa" năm {prev}',
        ("Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",),
        "Xét đề nghị của Hội đồng Thi đua - Khen thưởng xã,",
        (
            "Tặng Giấy khen cho {count2} tập thể và {count} cá nhân đã có thành tích xuất sắc "
            "(có danh sách kèm theo).",
            "Khen thưởng thôn {village} và {title} {name} đã có thành tích xuất sắc trong phong "
            "trào thi đua năm {prev}.",
        ),
        (
            "Mỗi tập thể được thưởng {amount} đồng, mỗi cá nhân được thưởng 500.000 đồng từ "
            "nguồn kinh phí thi đua, khen thưởng của xã.",
        ),
    ),
    (
        "Về việc thành lập Tổ công tác rà soát, cập nhật dữ liệu dân cư",
        ("Căn cứ Luật Cư trú ngày 13 tháng 11 năm 2020;",),
        "Theo đề nghị của Trưởng Công an xã,",
        (
            "Thành lập Tổ công tác rà soát, cập nhật dữ liệu dân cư trên địa bàn xã {commune}, "
            "gồm {count2} thành viên do {title} {name}, Phó Chủ tịch Ủy ban nhân dân xã làm Tổ "
            "trưởng.",
        ),
        (
            "Tổ công tác có nhiệm vụ rà soát, đối chiếu, cập nhật thông tin công dân vào Cơ sở "
            "dữ liệu quốc gia về dân cư; tổ tự giải thể sau khi hoàn thành nhiệm vụ.",
        ),
    ),
    (
        "Về việc hỗ trợ kinh phí cho hộ gia đình bị thiệt hại do thiên tai",
        (
            "Căn cứ Nghị định số 02/2017/NĐ-CP ngày 09 tháng 01 năm 2017 của Chính phủ về cơ "
            "chế, chính sách hỗ trợ sản xuất nông nghiệp để khôi phục sản xuất vùng bị thiệt "
            "hại do thiên tai, dịch bệnh;",
        ),
        "Xét đề nghị của công chức Văn hóa - Xã hội xã,",
        (
            "Hỗ trợ số tiền {amount} đồng cho hộ {title} {name}, trú tại {village}, xã "
            "{commune} có nhà ở bị hư hỏng nặng do mưa lũ.",
            "Hỗ trợ kinh phí cho {count} hộ gia đình bị thiệt hại do bão, tổng số tiền là "
            "{big} đồng (có danh sách kèm theo).",
        ),
        ("Nguồn kinh phí: từ nguồn dự phòng ngân sách xã năm {year}.",),
    ),
    (
        "Về việc cho phép chuyển mục đích sử dụng đất",
        ("Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;",),
        "Xét đơn đề nghị của hộ {title} {name} và Tờ trình của công chức Địa chính - Xây dựng,",
        (
            "Cho phép hộ {title} {name} được chuyển mục đích sử dụng {area} m² đất trồng cây "
            "lâu năm sang đất ở tại nông thôn thuộc thửa đất số {plot}, tờ bản đồ số {sheet}.",
        ),
        (
            "Người sử dụng đất có trách nhiệm nộp tiền sử dụng đất theo thông báo của cơ quan "
            "thuế và sử dụng đất đúng mục đích.",
        ),
    ),
    (
        "Về việc công nhận tổ hòa giải và hòa giải viên ở cơ sở",
        ("Căn cứ Luật Hòa giải ở cơ sở ngày 20 tháng 6 năm 2013;",),
        "Xét đề nghị của Trưởng Ban công tác Mặt trận {village},",
        (
            "Công nhận Tổ hòa giải {village} gồm {count2} hòa giải viên, do {title} {name} làm "
            "Tổ trưởng.",
        ),
        ("Tổ hòa giải hoạt động theo quy định của Luật Hòa giải ở cơ sở.",),
    ),
    (
        "Về việc phê duyệt báo cáo kinh tế - kỹ thuật công trình đường giao thông {village}",
        ("Căn cứ Luật Xây dựng ngày 18 tháng 6 năm 2014;",),
        "Xét Tờ trình số {n}/TTr-ĐCXD ngày {date} của công chức Địa chính - Xây dựng,",
        (
            "Phê duyệt báo cáo kinh tế - kỹ thuật công trình đường giao thông {village}, "
            "chiều dài {km} km, tổng mức đầu tư {big} đồng.",
        ),
        ("Thời gian thực hiện: năm {year}; nguồn vốn: ngân sách xã và nhân dân đóng góp.",),
    ),
    (
        "Về việc trợ cấp xã hội hằng tháng đối với người cao tuổi",
        (
            "Căn cứ Nghị định số 20/2021/NĐ-CP ngày 15 tháng 3 năm 2021 của Chính phủ quy định "
            "chính sách trợ giúp xã hội đối với đối tượng bảo trợ xã hội;",
        ),
        "Xét hồ sơ đề nghị hưởng trợ cấp xã hội của {title} {name},",
        (
            "Trợ cấp xã hội hằng tháng đối với {title} {name}, trú tại {village}, xã {commune}, "
            "mức trợ cấp 500.000 đồng/tháng kể từ tháng {date}.",
        ),
        ("Trường hợp đối tượng chết hoặc chuyển đi nơi khác thì thôi hưởng trợ cấp.",),
    ),
    (
        "Về việc cấp Giấy chứng nhận quyền sử dụng đất cho hộ gia đình, cá nhân",
        ("Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;",),
        "Xét đề nghị của Văn phòng đăng ký đất đai tại Tờ trình số {n}/TTr-VPĐK,",
        (
            "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất cho "
            "{count} hộ gia đình, cá nhân trên địa bàn xã {commune} (có danh sách kèm theo).",
        ),
        (
            "Văn phòng đăng ký đất đai có trách nhiệm chỉnh lý hồ sơ địa chính và trao Giấy "
            "chứng nhận cho người được cấp.",
        ),
    ),
    (
        "Về việc giải quyết chế độ mai táng phí",
        ("Căn cứ Nghị định số 20/2021/NĐ-CP ngày 15 tháng 3 năm 2021 của Chính phủ;",),
        "Xét đơn đề nghị của {title} {name} và hồ sơ kèm theo,",
        (
            "Giải quyết chế độ mai táng phí cho thân nhân đối tượng bảo trợ xã hội đã chết, số "
            "tiền {amount} đồng.",
        ),
        ("Giao công chức Văn hóa - Xã hội chi trả trực tiếp cho người nhận.",),
    ),
    (
        "Về việc kiện toàn Ban Chỉ đạo chuyển đổi số xã {commune}",
        ("Căn cứ Quyết định số 06/QĐ-TTg ngày 06 tháng 01 năm 2022 của Thủ tướng Chính phủ;",),
        "Theo đề nghị của Văn phòng - Thống kê xã,",
        (
            "Kiện toàn Ban Chỉ đạo chuyển đổi số xã gồm {count2} thành viên, do Chủ tịch Ủy ban "
            "nhân dân xã làm Trưởng ban.",
        ),
        ("Ban Chỉ đạo tự giải thể khi hoàn thành nhiệm vụ.",),
    ),
    (
        "Về việc thu hồi đất để thực hiện dự án mở rộng trường tiểu học {commune}",
        ("Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;",),
        "Xét đề nghị của Hội đồng bồi thường, hỗ trợ và tái định cư,",
        (
            "Thu hồi {area} m² đất của hộ {title} {name} tại thửa đất số {plot}, tờ bản đồ số "
            "{sheet} để thực hiện dự án.",
        ),
        ("Hộ gia đình được bồi thường, hỗ trợ theo phương án đã được phê duyệt.",),
    ),
)

CLOSING_ARTICLES = (
    "Quyết định này có hiệu lực kể từ ngày ký.",
    "Quyết định này có hiệu lực thi hành kể từ ngày ký ban hành.",
    "Quyết định có hiệu lực kể từ ngày ký. Các quy định trước đây trái với Quyết định này "
    "đều bãi bỏ.",
)

EXECUTORS = (
    "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã, các công chức chuyên môn có liên quan "
    "và các ông, bà có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
    "Công chức Văn phòng - Thống kê, Trưởng các thôn và cá nhân có tên tại Điều 1 căn cứ "
    "Quyết định thi hành./.",
    "Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành "
    "Quyết định này./.",
)


def decision(g: Gen) -> Composed:
    when = g.day(date(2016, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    person = g.person(when)
    values = _values(g, when, locale, person)
    fill = lambda t: t.format(**values)  # noqa: E731
    subject, grounds, consider, firsts, more = g.pick(DECISION_TOPICS)
    violation = g.chance(0.12)
    code = g.pick(("QĐ-UBND", "QĐ-UBND", "QĐ-CT", "QĐ-XPHC" if violation else "QĐ-UBND"))
    number = f"{g.num(1, 480)}/{code}"
    issuer, parent = commune_issuer(locale, g)
    lines = decree30_header(issuer, f"Số: {number}", place_date(locale, when, g), parent=parent)
    lines.append(line("QUYẾT ĐỊNH", "title"))
    if violation:
        lines.append(line("Xử phạt vi phạm hành chính", "subtitle"))
    else:
        lines.append(line(fill(subject), "subtitle"))
    authority = g.pick(
        (
            f"CHỦ TỊCH ỦY BAN NHÂN DÂN {locale.commune_full.upper()}",
            f"ỦY BAN NHÂN DÂN {locale.commune_full.upper()}",
        )
    )
    lines.append(line(authority, "subtitle"))
    grounds_list = law_grounds(when)
    if violation:
        grounds_list += [
            "Căn cứ Luật Xử lý vi phạm hành chính ngày 20 tháng 6 năm 2012, được sửa đổi, bổ "
            "sung năm 2020;",
            f"Căn cứ Biên bản vi phạm hành chính số {g.num(1, 90)}/BB-VPHC lập ngày "
            f"{dmy(_add_days(when, -g.num(1, 6)))};",
        ]
    else:
        grounds_list += [fill(x) for x in grounds]
        if g.chance(0.3):
            grounds_list.append(
                "Căn cứ Nghị quyết của Hội đồng nhân dân xã về nhiệm vụ phát triển kinh tế - xã "
                f"hội năm {when.year};"
            )
    lines += [line(x, "body") for x in grounds_list]
    if not violation:
        lines.append(line(fill(consider), "body"))
    lines.append(line("QUYẾT ĐỊNH:", "subtitle"))
    articles: list[str]
    if violation:
        offender = g.person(when)
        act = g.pick(
            (
                "Không thực hiện đăng ký tạm trú theo quy định",
                "Xây dựng công trình không có giấy phép xây dựng",
                "Lấn chiếm hành lang an toàn đường bộ để kinh doanh",
                "Gây mất trật tự công cộng nơi sinh hoạt chung",
            )
        )
        fine = g.pick((500_000, 750_000, 1_000_000, 2_500_000, 5_000_000))
        articles = [
            f"Xử phạt vi phạm hành chính đối với {offender.title.lower()} {offender.full_name}, "
            f"sinh ngày {dmy(offender.born)}, nơi cư trú: {offender.residence()}.",
            f"Hành vi vi phạm: {act}. Hình thức xử phạt chính: Phạt tiền {money(fine)} đồng "
            f"(Bằng chữ: {number_words(fine).capitalize()} đồng).",
            "Quyết định này được giao cho người bị xử phạt để chấp hành; quá thời hạn mà không "
            "tự nguyện chấp hành thì bị cưỡng chế thi hành.",
        ]
    else:
        articles = [fill(g.pick(firsts))]
        if g.chance(0.7):
            articles += [fill(x) for x in more]
        if g.chance(0.5):
            articles.append(g.pick(CLOSING_ARTICLES))
        articles.append(g.pick(EXECUTORS))
    for number_, text in enumerate(articles, start=1):
        lines.append(Line(f"Điều {number_}. {text}", "article", values=(f"Điều {number_}.",)))
    roles, name = official(g, when)
    left = recipients(
        g.sample(
            (
                "Như Điều 3;",
                "UBND tỉnh (b/c);" if locale.two_level else "UBND huyện (b/c);",
                "TT Đảng ủy, HĐND xã;",
                "Chủ tịch, các PCT UBND xã;",
                "Lưu: VT.",
                "Các thôn;",
                "Đương sự;",
            ),
            g.num(3, 5),
        )
    )
    lines += signature(roles, name, left=left)
    truth = {"document_number": number, "issue_place": locale.commune, "issue_date": iso(when)}
    pages = paginate(lines, 42)
    return Composed("xphc" if violation else "quyet_dinh", [Page(tuple(p)) for p in pages], truth)


# ---------------------------------------------------------------------------------------
# BIÊN BẢN
# ---------------------------------------------------------------------------------------

# (variant, title, number code, content sentences, left signer, right signer)
MINUTES_KINDS: tuple[tuple[str, str, str, tuple[str, ...], str, str], ...] = (
    (
        "bb_hop_xet_duyet",
        "BIÊN BẢN HỌP XÉT DUYỆT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}",
        "BB-BCĐ",
        (
            "Hội nghị đã nghe Trưởng thôn báo cáo kết quả rà soát hộ nghèo, hộ cận nghèo tại "
            "{village}.",
            "Qua thảo luận, hội nghị thống nhất đề nghị công nhận {count2} hộ nghèo và {count} hộ "
            "cận nghèo.",
            "Có {count2} hộ thoát nghèo do có thu nhập ổn định từ chăn nuôi và làm thuê.",
        ),
        "THƯ KÝ",
        "CHỦ TRÌ",
    ),
    (
        "bb_hoa_giai",
        "BIÊN BẢN HÒA GIẢI TRANH CHẤP ĐẤT ĐAI",
        "BB-HG",
        (
            "Hai bên tranh chấp ranh giới thửa đất số {plot}, tờ bản đồ số {sheet} tại {village}.",
            "Tổ hòa giải đã phân tích, giải thích các quy định của pháp luật về đất đai cho các "
            "bên.",
            "Kết quả: hai bên thống nhất giữ nguyên ranh giới theo hồ sơ địa chính, {title} "
            "{name} tự nguyện tháo dỡ hàng rào lấn sang.",
            "Kết quả hòa giải: không thành, hướng dẫn các bên gửi đơn đến Tòa án nhân dân có "
            "thẩm quyền.",
        ),
        "CÁC BÊN TRANH CHẤP",
        "TỔ TRƯỞNG TỔ HÒA GIẢI",
    ),
    (
        "bb_kiem_tra_dat",
        "BIÊN BẢN KIỂM TRA HIỆN TRẠNG SỬ DỤNG ĐẤT",
        "BB-ĐC",
        (
            "Đoàn kiểm tra đã đo đạc thực tế thửa đất số {plot}, tờ bản đồ số {sheet}, diện tích "
            "{area} m².",
            "Hiện trạng: trên đất có nhà cấp 4 xây năm {prev}, tường gạch, mái tôn.",
            "Thửa đất không có tranh chấp, phù hợp với quy hoạch sử dụng đất đã được phê duyệt.",
        ),
        "CHỦ SỬ DỤNG ĐẤT",
        "ĐẠI DIỆN ĐOÀN KIỂM TRA",
    ),
    (
        "bb_vphc",
        "BIÊN BẢN VI PHẠM HÀNH CHÍNH",
        "BB-VPHC",
        (
            "Đã có hành vi vi phạm hành chính: xây dựng công trình không có giấy phép xây dựng "
            "tại {village}.",
            "Quy định tại điểm a khoản 7 Điều 16 Nghị định số 16/2022/NĐ-CP của Chính phủ.",
            "Ý kiến trình bày của cá nhân vi phạm: nhất trí với nội dung biên bản, xin được xem "
            "xét giảm nhẹ.",
            "Yêu cầu cá nhân vi phạm dừng ngay hành vi vi phạm.",
        ),
        "NGƯỜI VI PHẠM",
        "NGƯỜI LẬP BIÊN BẢN",
    ),
    (
        "bb_ban_giao",
        "BIÊN BẢN BÀN GIAO HỒ SƠ, TÀI LIỆU",
        "BB-VP",
        (
            "Bên giao bàn giao cho bên nhận {count} hồ sơ đăng ký hộ tịch và {count2} sổ đăng "
            "ký các loại từ năm {prev} về trước.",
            "Hồ sơ, tài liệu được bàn giao đầy đủ, nguyên vẹn, có danh mục kèm theo.",
            "Kể từ ngày ký biên bản, bên nhận chịu trách nhiệm quản lý, khai thác hồ sơ.",
        ),
        "ĐẠI DIỆN BÊN GIAO",
        "ĐẠI DIỆN BÊN NHẬN",
    ),
    (
        "bb_xac_minh",
        "BIÊN BẢN XÁC MINH TÌNH TRẠNG HÔN NHÂN",
        "BB-TP",
        (
            "Qua xác minh tại địa phương, {title} {name} cư trú tại {village} từ năm {prev}.",
            "Trong thời gian cư trú tại địa phương, đương sự chưa đăng ký kết hôn với ai, không "
            "có ai khiếu nại, tố cáo.",
            "Biên bản là căn cứ để Ủy ban nhân dân xã cấp Giấy xác nhận tình trạng hôn nhân.",
        ),
        "NGƯỜI ĐƯỢC XÁC MINH",
        "CÔNG CHỨC TƯ PHÁP - HỘ TỊCH",
    ),
    (
        "bb_nghiem_thu",
        "BIÊN BẢN NGHIỆM THU CÔNG TRÌNH ĐƯỜNG BÊ TÔNG {village_upper}",
        "BB-NT",
        (
            "Công trình có chiều dài {km} km, mặt đường rộng 3,5 m, kết cấu bê tông xi măng "
            "mác 250.",
            "Khối lượng thực hiện đúng thiết kế, chất lượng đạt yêu cầu kỹ thuật.",
            "Hội đồng nghiệm thu thống nhất đưa công trình vào sử dụng kể từ ngày {date}.",
        ),
        "ĐƠN VỊ THI CÔNG",
        "CHỦ ĐẦU TƯ",
    ),
    (
        "bb_hop_gia_dinh",
        "BIÊN BẢN HỌP GIA ĐÌNH",
        "",
        (
            "Các thành viên trong gia đình thống nhất để {title} {name} đứng tên đăng ký quyền "
            "sử dụng thửa đất số {plot}, tờ bản đồ số {sheet}.",
            "Các thành viên khác không có ý kiến phản đối và cam kết không tranh chấp về sau.",
            "Biên bản được lập thành 04 bản, mỗi thành viên giữ một bản.",
        ),
        "NGƯỜI LẬP BIÊN BẢN",
        "CÁC THÀNH VIÊN GIA ĐÌNH",
    ),
    (
        "bb_lam_viec",
        "BIÊN BẢN LÀM VIỆC",
        "BB-UBND",
        (
            "Đoàn công tác làm việc với Ban quản lý {village} về tiến độ giải ngân vốn vay hộ "
            "nghèo.",
            "Đến ngày {date}, thôn đã giải ngân {big} đồng cho {count} hộ vay.",
            "Đoàn đề nghị Ban quản lý thôn đôn đốc các hộ trả nợ đúng hạn.",
        ),
        "THƯ KÝ",
        "TRƯỞNG ĐOÀN",
    ),
)

POSITIONS = (
    "Phó Chủ tịch UBND xã",
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Địa chính - Xây dựng",
    "Trưởng Công an xã",
    "Chủ tịch Ủy ban MTTQ xã",
    "Trưởng thôn",
    "Bí thư Chi bộ thôn",
    "Công chức Văn hóa - Xã hội",
    "Chủ tịch Hội Nông dân xã",
    "Người dân",
)


def minutes(g: Gen) -> Composed:
    when = g.day(date(2016, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    person = g.person(when)
    variant, title, code, sentences, left_role, right_role = g.pick(MINUTES_KINDS)
    values = _values(g, when, locale, person)
    village = values["village"]
    fill = lambda t: t.format(**values)  # noqa: E731

    number = f"{g.num(1, 150)}/{code}" if code and g.chance(0.75) else ""
    pd = place_date(locale, when, g)
    printed_pd: str | None = None
    if code and g.chance(0.8):
        issuer, parent = commune_issuer(locale, g)
        printed_pd = pd if g.chance(0.5) else None
        lines = decree30_header(
            issuer, f"Số: {number}" if number else None, printed_pd, parent=parent
        )
    else:  # minutes kept by citizens or a team: no issuing body, so no number either
        lines = centred_header()
        number = ""
    lines.append(line(fill(title), "title"))
    if g.chance(0.3):
        lines.append(
            line(
                fill(g.pick(("Về việc {village}", "(Lần thứ {count2})"))).replace(
                    "{village}", village
                ),
                "subtitle",
            )
        )
    hour = f"{g.num(7, 16)} giờ {g.pick(('00', '15', '30', '45'))}"
    opener = g.pick(
        (
            f"Hôm nay, vào hồi {hour} phút, {viet_date(when)}, tại {{place}}, chúng tôi gồm:",
            f"Vào lúc {hour} phút, {viet_date(when)}, tại {{place}}, chúng tôi gồm có:",
            f"Hôm nay, {viet_date(when)}, tại {{place}}, thành phần gồm:",
        )
    )
    place = g.pick(
        (
            f"Hội trường Ủy ban nhân dân {locale.commune_full}",
            f"nhà văn hóa {village}",
            f"trụ sở Ủy ban nhân dân {locale.commune_full}",
            f"nhà {person.title.lower()} {person.full_name}, {village}",
        )
    )
    lines.append(line(opener.format(place=place), "body"))
    headings = g.pick(
        (
            ("I. THÀNH PHẦN THAM DỰ", "II. NỘI DUNG", "III. KẾT LUẬN"),
            ("1. Thành phần:", "2. Nội dung:", "3. Kết luận:"),
            ("THÀNH PHẦN:", "NỘI DUNG LÀM VIỆC:", "Ý KIẾN CÁC BÊN:"),
            ("I. THÀNH PHẦN", "II. DIỄN BIẾN", "III. KẾT QUẢ"),
        )
    )
    lines.append(line(headings[0], "heading"))
    attendees = [g.person(when) for _ in range(g.num(2, 5))]
    positions = g.sample(POSITIONS, len(attendees))
    for i, (a, position) in enumerate(zip(attendees, positions, strict=True), start=1):
        lines.append(line(f"{i}. {a.title} {a.full_name} - {position};", "item"))
    lines.append(line(headings[1], "heading"))
    picked = [s for s in sentences if g.chance(0.8)] or list(sentences[:1])
    lines += [line(fill(s), "body") for s in picked]
    if g.chance(0.5):
        lines.append(line(headings[2], "heading"))
        lines.append(
            line(
                g.pick(
                    (
                        "Các thành viên dự họp nhất trí với nội dung nêu trên.",
                        "Không có ý kiến nào khác.",
                        "Các bên thống nhất với nội dung biên bản và không có ý kiến bổ sung.",
                    )
                ),
                "body",
            )
        )
    end_hour = f"{g.num(9, 17)} giờ {g.pick(('00', '15', '30', '45'))}"
    lines.append(
        line(
            g.pick(
                (
                    f"Biên bản kết thúc vào hồi {end_hour} phút cùng ngày, được lập thành 03 "
                    "bản có giá trị như nhau, đã đọc lại cho mọi người cùng nghe và nhất trí ký "
                    "tên.",
                    f"Buổi làm việc kết thúc lúc {end_hour} phút cùng ngày. Biên bản đã được thông "
                    "qua, các thành viên thống nhất ký tên dưới đây./.",
                )
            ),
            "body",
        )
    )
    signer_left, signer_right = g.person(when), g.person(when)
    lines += two_signatures(
        [left_role], signer_left.full_name, [right_role], signer_right.full_name
    )
    truth = {
        "document_number": number,
        "issue_place": locale.commune if printed_pd else "",
        "issue_date": iso(when),
    }
    pages = paginate(lines, 42)
    return Composed(variant, [Page(tuple(p)) for p in pages], truth)


# ---------------------------------------------------------------------------------------
# Công văn, THÔNG BÁO, BÁO CÁO, TỜ TRÌNH
# ---------------------------------------------------------------------------------------

# (subject after "V/v", number code, sentences specific to the subject)
LETTER_SUBJECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "đề nghị hỗ trợ kinh phí sửa chữa đường giao thông nông thôn",
        "UBND-ĐC",
        (
            "Trong thời gian qua, trên địa bàn xã xảy ra nhiều đợt mưa lớn kéo dài làm hư hỏng "
            "nặng {km} km đường giao thông nông thôn tại {village}.",
            "Tổng kinh phí dự kiến để sửa chữa, khắc phục là {big} đồng; ngân sách xã chỉ bố trí "
            "được một phần.",
        ),
    ),
    (
        "đề nghị cung cấp thông tin hồ sơ địa chính",
        "UBND-ĐC",
        (
            "Để có cơ sở giải quyết hồ sơ của {title} {name}, Ủy ban nhân dân xã đề nghị quý cơ "
            "quan cung cấp thông tin liên quan đến thửa đất số {plot}, tờ bản đồ số {sheet}.",
            "Thông tin đề nghị cung cấp gồm: nguồn gốc sử dụng đất, biến động qua các thời kỳ và "
            "tình trạng cấp giấy chứng nhận.",
        ),
    ),
    (
        "tăng cường công tác số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
        "UBND-VP",
        (
            "Đến nay, xã đã tiếp nhận {count} hồ sơ, trong đó đã số hóa {count2} hồ sơ, đạt tỷ "
            "lệ {pct}%.",
            "Việc số hóa phải bảo đảm đúng quy trình, đủ thành phần hồ sơ và lưu trữ an toàn.",
            "Giao công chức Văn phòng - Thống kê theo dõi, tổng hợp kết quả thực hiện, báo cáo "
            "Chủ tịch Ủy ban nhân dân xã.",
        ),
    ),
    (
        "triển khai cấp căn cước cho công dân trên địa bàn xã",
        "UBND-CA",
        (
            "Công an xã phối hợp với các thôn rà soát công dân từ đủ 14 tuổi trở lên chưa được "
            "cấp thẻ căn cước.",
            "Các thôn bố trí địa điểm để tổ công tác thu nhận hồ sơ lưu động vào ngày {date}.",
        ),
    ),
    (
        "đôn đốc nộp thuế sử dụng đất phi nông nghiệp năm {year}",
        "UBND-TC",
        (
            "Đến nay, trên địa bàn xã còn {count} hộ chưa nộp thuế sử dụng đất phi nông nghiệp "
            "với tổng số tiền {amount} đồng.",
            "Đề nghị Trưởng các thôn đôn đốc các hộ hoàn thành nghĩa vụ trước ngày {date}.",
        ),
    ),
    (
        "đề nghị xác minh nhân thân công dân",
        "UBND-TP",
        (
            "Ủy ban nhân dân xã đang giải quyết hồ sơ đăng ký hộ tịch của {title} {name}.",
            "Để có cơ sở giải quyết, đề nghị quý cơ quan xác minh, cung cấp thông tin về nhân "
            "thân và nơi cư trú của công dân nêu trên.",
        ),
    ),
    (
        "rà soát đối tượng hưởng chính sách bảo trợ xã hội",
        "UBND-VHXH",
        (
            "Qua rà soát, có {count2} đối tượng đã chết hoặc chuyển đi nơi khác nhưng chưa làm "
            "thủ tục thôi hưởng.",
            "Đề nghị các thôn rà soát, lập danh sách gửi về Ủy ban nhân dân xã trước ngày {date}.",
        ),
    ),
    (
        "phối hợp tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm {year}",
        "UBND",
        (
            "Ngày hội được tổ chức tại nhà văn hóa các thôn trong khoảng thời gian từ ngày 01 "
            "đến ngày 18 tháng 11.",
            "Đề nghị Ban công tác Mặt trận các thôn xây dựng kế hoạch, bố trí kinh phí phù hợp.",
        ),
    ),
)

ADDRESSEES = (
    "Ủy ban nhân dân huyện {district}",
    "Phòng Tài chính - Kế hoạch huyện {district}",
    "Sở Tư pháp tỉnh {province}",
    "Văn phòng đăng ký đất đai tỉnh {province}",
    "Công an tỉnh {province}",
    "Các thôn, tổ dân phố trên địa bàn xã",
    "Trưởng các ban, ngành, đoàn thể xã",
    "Chi nhánh Văn phòng đăng ký đất đai khu vực {district}",
)

LETTER_BODY = (
    "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về việc đẩy mạnh cải cách thủ tục hành chính, "
    "Ủy ban nhân dân xã {commune} đề nghị các đơn vị triển khai một số nội dung sau:",
    "Trong thời gian qua, trên địa bàn xã xảy ra nhiều đợt mưa lớn kéo dài làm hư hỏng nặng "
    "{km} km đường giao thông nông thôn tại {village}.",
    "Tổng kinh phí dự kiến để sửa chữa, khắc phục là {big} đồng; ngân sách xã chỉ bố trí được "
    "một phần.",
    "Đến nay, xã đã tiếp nhận {count} hồ sơ, trong đó đã số hóa {count2} hồ sơ, đạt tỷ lệ {pct}%.",
    "Đề nghị các thôn thông báo rộng rãi để nhân dân biết và chủ động thực hiện.",
    "Để có cơ sở giải quyết hồ sơ của {title} {name}, Ủy ban nhân dân xã đề nghị quý cơ quan "
    "cung cấp thông tin liên quan đến thửa đất số {plot}, tờ bản đồ số {sheet}.",
    "Thời gian gửi báo cáo về Ủy ban nhân dân xã (qua Văn phòng) trước ngày {date}.",
    "Trường hợp có khó khăn, vướng mắc, đề nghị phản ánh kịp thời về Ủy ban nhân dân xã để "
    "được hướng dẫn giải quyết.",
    "Giao công chức Văn phòng - Thống kê theo dõi, tổng hợp kết quả thực hiện, báo cáo Chủ tịch "
    "Ủy ban nhân dân xã.",
    "Công an xã phối hợp với các thôn rà soát công dân từ đủ 14 tuổi trở lên chưa được cấp "
    "thẻ căn cước.",
    "Việc số hóa phải bảo đảm đúng quy trình, đủ thành phần hồ sơ và lưu trữ an toàn.",
)

LETTER_CLOSINGS = (
    "Ủy ban nhân dân xã {commune} kính đề nghị quý cơ quan quan tâm, xem xét, giải quyết./.",
    "Đề nghị các đơn vị nghiêm túc triển khai thực hiện./.",
    "Trân trọng./.",
    "Rất mong nhận được sự quan tâm, phối hợp của quý cơ quan./.",
)

NOTICE_SUBJECTS = (
    "Về việc niêm yết công khai danh sách hộ nghèo, hộ cận nghèo năm {year}",
    "Về việc tiếp nhận hồ sơ trực tuyến qua Cổng Dịch vụ công quốc gia",
    "Lịch tiếp công dân định kỳ tháng {month} năm {year}",
    "Về việc thu hồi đất để thực hiện dự án mở rộng đường liên xã",
    "Kết luận của Chủ tịch UBND xã tại cuộc họp giao ban tháng {month}",
    "Về việc tổ chức tiêm chủng mở rộng cho trẻ em dưới 5 tuổi",
    "Về việc tuyển chọn công dân nhập ngũ năm {next}",
)

NOTICE_BODY = (
    "Ủy ban nhân dân xã {commune} thông báo đến toàn thể nhân dân trên địa bàn xã được biết:",
    "Thời gian niêm yết: 07 ngày, kể từ ngày {date}. Địa điểm: trụ sở Ủy ban nhân dân xã và nhà "
    "văn hóa các thôn.",
    "Trong thời gian niêm yết, nếu có ý kiến thắc mắc, khiếu nại, đề nghị gửi về Ủy ban nhân "
    "dân xã để được xem xét, giải quyết.",
    "Kể từ ngày {date}, người dân có thể nộp hồ sơ đăng ký khai sinh, đăng ký kết hôn, chứng "
    "thực bản sao qua mạng mà không phải đến trụ sở.",
    "Chủ tịch Ủy ban nhân dân xã tiếp công dân vào ngày thứ Năm hằng tuần tại phòng tiếp công dân.",
    "Công dân nam sinh năm {birth} đủ điều kiện có mặt tại Hội trường Ủy ban nhân dân xã lúc 7 "
    "giờ 30 phút ngày {date} để khám sức khỏe.",
    "Đề nghị Trưởng các thôn thông báo rộng rãi trên hệ thống loa truyền thanh.",
    "Yêu cầu các bộ phận chuyên môn khẩn trương hoàn thành nhiệm vụ được giao trước ngày {date}.",
    "Mọi chi tiết xin liên hệ bộ phận tiếp nhận và trả kết quả, số điện thoại {phone}.",
)

REPORT_SUBJECTS = (
    "Kết quả thực hiện công tác cải cách hành chính {period} năm {year}",
    "Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội {period} năm {year}",
    "Kết quả công tác đăng ký, quản lý hộ tịch năm {year}",
    "Kết quả rà soát hộ nghèo, hộ cận nghèo năm {year}",
    "Công tác quản lý đất đai, trật tự xây dựng {period} năm {year}",
)

REPORT_SECTIONS = (
    (
        "I. ĐẶC ĐIỂM TÌNH HÌNH",
        (
            "Xã {commune} có diện tích tự nhiên {area} ha, gồm {count2} thôn với {count} hộ dân.",
            "Tình hình an ninh chính trị, trật tự an toàn xã hội trên địa bàn cơ bản ổn định.",
        ),
    ),
    (
        "II. KẾT QUẢ THỰC HIỆN",
        (
            "Trong kỳ, Bộ phận một cửa tiếp nhận {count} hồ sơ, giải quyết đúng hạn đạt {pct}%.",
            "Đăng ký khai sinh {count} trường hợp, khai tử {count2} trường hợp, đăng ký kết "
            "hôn {count2} cặp.",
            "Chứng thực bản sao từ bản chính {big} trang, chứng thực chữ ký {count} trường hợp.",
            "Cấp mới {count2} giấy chứng nhận quyền sử dụng đất, giải quyết {count2} hồ sơ "
            "chuyển nhượng.",
            "Thu ngân sách đạt {pct}% dự toán được giao.",
        ),
    ),
    (
        "III. KHÓ KHĂN, VƯỚNG MẮC",
        (
            "Đường truyền mạng tại một số thôn chưa ổn định, phần mềm dùng chung còn chậm.",
            "Một bộ phận người dân, nhất là người cao tuổi, chưa quen sử dụng dịch vụ công trực "
            "tuyến.",
            "Trang thiết bị phục vụ số hóa còn thiếu, máy tính đã cũ.",
        ),
    ),
    (
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI",
        (
            "Tiếp tục đẩy mạnh cải cách thủ tục hành chính, nâng cao tỷ lệ hồ sơ trực tuyến.",
            "Đề nghị cấp trên quan tâm bố trí kinh phí mua sắm trang thiết bị.",
        ),
    ),
)

SUBMISSION_SUBJECTS = (
    "Về việc đề nghị phê duyệt dự toán kinh phí sửa chữa trụ sở làm việc",
    "Về việc đề nghị công nhận xã đạt chuẩn nông thôn mới nâng cao",
    "Về việc đề nghị giao đất ở cho hộ gia đình, cá nhân",
    "Về việc đề nghị hỗ trợ kinh phí mua sắm trang thiết bị số hóa",
    "Về việc đề nghị bổ sung biên chế công chức Tư pháp - Hộ tịch",
)


def official_letter(g: Gen) -> Composed:
    variant = g.pick(("cong_van", "thong_bao", "bao_cao", "to_trinh"))
    when = g.day(date(2016, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    person = g.person(when)

    values = _values(g, when, locale, person)
    fill = lambda t: t.format(**values)  # noqa: E731

    issuer, parent = commune_issuer(locale, g)
    pd = place_date(locale, when, g)
    lines: list[Line]
    if variant == "cong_van":
        subject, code, specific = g.pick(LETTER_SUBJECTS)
        number = f"{g.num(1, 900)}/{code}"
        vv = fill(f"V/v {subject}")
        abstract = _split(vv, 42)
        lines = decree30_header(issuer, f"Số: {number}", pd, parent=parent, abstract=abstract)
        lines += _kinh_gui(g, locale)
        body = [s for s in specific if g.chance(0.85)] or list(specific[:1])
        if g.chance(0.5):
            body.insert(0, LETTER_BODY[0])
        body += g.sample(LETTER_BODY[4:], g.num(0, 2))
        lines += [line(fill(s), "body") for s in body]
        lines.append(line(fill(g.pick(LETTER_CLOSINGS)), "body"))
    elif variant == "thong_bao":
        number = f"{g.num(1, 400)}/TB-UBND"
        lines = decree30_header(issuer, f"Số: {number}", pd, parent=parent)
        lines.append(line("THÔNG BÁO", "title"))
        lines.append(line(fill(g.pick(NOTICE_SUBJECTS)), "subtitle"))
        body = [NOTICE_BODY[0], *g.sample(NOTICE_BODY[1:], g.num(2, 5))]
        for i, s in enumerate(body):
            text = fill(s) if i == 0 or g.chance(0.5) else f"{i}. {fill(s)}"
            lines.append(line(text, "body"))
        lines.append(line("Ủy ban nhân dân xã thông báo để nhân dân biết, thực hiện./.", "body"))
    elif variant == "bao_cao":
        number = f"{g.num(1, 400)}/BC-UBND"
        lines = decree30_header(issuer, f"Số: {number}", pd, parent=parent)
        lines.append(line("BÁO CÁO", "title"))
        lines.append(line(fill(g.pick(REPORT_SUBJECTS)), "subtitle"))
        if g.chance(0.3):
            lines += _kinh_gui(g, locale)
        for heading, sentences in REPORT_SECTIONS:
            if heading.startswith("III") and g.chance(0.3):
                continue
            lines.append(line(heading, "heading"))
            chosen = [s for s in sentences if g.chance(0.75)] or [sentences[0]]
            lines += [line(fill(s), "body") for s in chosen]
        lines.append(
            line(f"Trên đây là báo cáo của Ủy ban nhân dân {locale.commune_full}./.", "body")
        )
    else:
        number = f"{g.num(1, 300)}/TTr-UBND"
        lines = decree30_header(issuer, f"Số: {number}", pd, parent=parent)
        lines.append(line("TỜ TRÌNH", "title"))
        lines.append(line(fill(g.pick(SUBMISSION_SUBJECTS)), "subtitle"))
        lines += _kinh_gui(g, locale)
        lines += [line(x, "body") for x in law_grounds(when)[:1]]
        lines += [line(fill(s), "body") for s in g.sample(LETTER_BODY[1:4], 2)]
        lines.append(
            line(
                fill("Ủy ban nhân dân xã {commune} kính trình ")
                + g.pick(
                    (
                        "Ủy ban nhân dân tỉnh" if locale.two_level else "Ủy ban nhân dân huyện",
                        "cấp trên",
                        "Hội đồng nhân dân xã",
                    )
                )
                + " xem xét, phê duyệt./.",
                "body",
            )
        )
    roles, name = official(g, when)
    left = recipients(
        g.sample(
            (
                "Như trên;",
                "Lưu: VT.",
                "TT Đảng ủy (b/c);",
                "Chủ tịch, PCT;",
                "Các thôn;",
                "Cổng TTĐT xã;",
            ),
            g.num(2, 4),
        )
    )
    lines += signature(roles, name, left=left)
    truth = {"document_number": number, "issue_place": locale.commune, "issue_date": iso(when)}
    pages = paginate(lines, 42)
    return Composed(variant, [Page(tuple(p)) for p in pages], truth)


def _split(text: str, width: int) -> list[str]:
    """Break a short text into lines of at most ``width`` characters (the V/v abstract)."""
    rows: list[str] = []
    for word in text.split():
        if rows and len(rows[-1]) + 1 + len(word) <= width:
            rows[-1] += f" {word}"
        else:
            rows.append(word)
    return rows


def _kinh_gui(g: Gen, locale: Locale) -> list[Line]:
    fill = {"district": locale.district, "province": locale.province}
    candidates = [a for a in ADDRESSEES if not (locale.two_level and "huyện" in a)]
    chosen = [a.format(**fill) for a in g.sample(candidates, g.num(1, 3))]
    if len(chosen) == 1:
        return [line(f"Kính gửi: {chosen[0]}.", "centre")]
    return [line("Kính gửi:", "centre"), *(line(f"- {a};", "centre") for a in chosen)]


# ---------------------------------------------------------------------------------------
# Tờ khai, đơn đề nghị, đơn xin, bản cam đoan
# ---------------------------------------------------------------------------------------

COMMITMENTS = (
    "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp "
    "luật về lời khai của mình.",
    "Tôi cam đoan nội dung đề nghị đăng ký trên đây là đúng sự thật, được sự thỏa thuận nhất "
    "trí của các bên liên quan theo quy định pháp luật.",
    "Tôi xin chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình.",
)

PETITIONS = (
    (
        "ĐƠN ĐỀ NGHỊ HƯỞNG TRỢ CẤP XÃ HỘI HẰNG THÁNG",
        "Nay tôi làm đơn này đề nghị Ủy ban nhân dân xã xem xét, giải quyết cho tôi được hưởng "
        "trợ cấp xã hội hằng tháng theo quy định.",
        "Hoàn cảnh gia đình khó khăn, tôi đã trên 80 tuổi, không có lương hưu.",
    ),
    (
        "ĐƠN ĐỀ NGHỊ TÁCH THỬA ĐẤT",
        "Tôi đề nghị được tách thửa đất số {plot}, tờ bản đồ số {sheet}, diện tích {area} m² để "
        "tặng cho con.",
        "Thửa đất đã được cấp giấy chứng nhận, không có tranh chấp.",
    ),
    (
        "ĐƠN ĐỀ NGHỊ CẤP LẠI GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",
        "Tôi đề nghị được cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất trong đợt lũ năm "
        "{prev}.",
        "Tôi đã đăng tin mất giấy trên đài truyền thanh xã ba lần theo quy định.",
    ),
    (
        "ĐƠN ĐỀ NGHỊ HỖ TRỢ NHÀ Ở",
        "Tôi làm đơn này kính đề nghị các cấp xem xét hỗ trợ kinh phí để sửa chữa nhà ở.",
        "Nhà ở của gia đình đã xuống cấp nghiêm trọng, mùa mưa bị dột nát.",
    ),
    (
        "ĐƠN XIN XÁC NHẬN NƠI CƯ TRÚ",
        "Tôi làm đơn này xin Ủy ban nhân dân xã xác nhận tôi đang cư trú thực tế tại địa chỉ "
        "trên từ năm {prev} đến nay.",
        "Lý do: để bổ sung hồ sơ xin việc làm.",
    ),
    (
        "ĐƠN XIN XÁC NHẬN HOÀN CẢNH GIA ĐÌNH",
        "Kính đề nghị Ủy ban nhân dân xã xác nhận gia đình tôi thuộc hộ nghèo để con tôi được "
        "miễn giảm học phí.",
        "Gia đình tôi có {count2} người, thu nhập chủ yếu từ làm ruộng.",
    ),
    (
        "ĐƠN XIN PHÉP XÂY DỰNG NHÀ Ở RIÊNG LẺ",
        "Tôi xin phép được xây dựng nhà ở trên thửa đất số {plot}, tờ bản đồ số {sheet}.",
        "Quy mô: nhà 2 tầng, diện tích xây dựng {area} m².",
    ),
    (
        "ĐƠN XIN VAY VỐN",
        "Tôi làm đơn này xin vay số tiền {amount} đồng để phát triển chăn nuôi.",
        "Thời hạn vay 36 tháng, tôi cam kết trả nợ gốc và lãi đúng hạn.",
    ),
)

CIVIL_FORMS = (
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "TỜ KHAI ĐĂNG KÝ KẾT HÔN",
    "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
    "TỜ KHAI CẤP GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
    "TỜ KHAI CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH",
)


def _requester(g: Gen, p: Person, when: date, modern: bool = True) -> list[Line]:
    label = "Họ, chữ đệm, tên người yêu cầu" if modern else "Tôi tên là"
    out = [lv(label, p.upper)]
    if g.chance(0.5):
        out.append(lvs(("Ngày, tháng, năm sinh", dmy(p.born)), ("Giới tính", p.sex_vi)))
    out.append(lv("Nơi cư trú", p.residence()))
    out.append(lv("Giấy tờ tùy thân", identity_paper(p, _add_days(when, -g.num(100, 1500)), g)))
    if g.chance(0.5):
        out.append(lv("Số điện thoại", g.phone()))
    return out


def application_form(g: Gen) -> Composed:
    variant = g.pick(("to_khai_ho_tich", "to_khai_ho_tich", "don_de_nghi", "don_xin", "cam_doan"))
    when = g.day(date(2016, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    me = g.person(when, age=(20, 75), home=locale)
    values = _values(g, when, locale, me)
    fill_values = lambda t: t.format(**values)  # noqa: E731
    addressee = f"Ủy ban nhân dân {locale.address()}"
    lines: list[Line] = []
    if g.chance(0.3):
        lines.append(line(g.pick(("Mẫu số 01", "Mẫu TK-01", "Mẫu số 03/ĐK")), "right"))
    lines += centred_header()
    title = ""
    if variant == "to_khai_ho_tich":
        title = g.pick(CIVIL_FORMS)
        lines.append(line(title, "title"))
        lines.append(line(f"Kính gửi: {addressee}", "centre"))
        lines += _requester(g, me, when)
        if "KHAI SINH" in title:
            child = g.person(when, age=(0, 0))
            lines.append(lv("Quan hệ với người được khai sinh", g.pick(("Mẹ", "Cha", "Bà nội"))))
            lines.append(line("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:", "para"))
            lines.append(lv("Họ, chữ đệm, tên", child.upper))
            lines.append(lv("Ngày, tháng, năm sinh", dmy(child.born)))
            lines.append(
                lvs(
                    ("Giới tính", child.sex_vi),
                    ("Dân tộc", child.ethnicity),
                    ("Quốc tịch", "Việt Nam"),
                )
            )
            lines.append(lv("Nơi sinh", f"Trạm Y tế {locale.commune_full}"))
            lines.append(lv("Quê quán", child.origin.address()))
        elif "KẾT HÔN" in title:
            partner = g.person(when, sex="female" if me.sex == "male" else "male")
            rows = [
                ("Họ, chữ đệm, tên", partner.upper, me.upper),
                ("Ngày, tháng, năm sinh", dmy(partner.born), dmy(me.born)),
                ("Dân tộc", partner.ethnicity, me.ethnicity),
                ("Nơi cư trú", partner.residence_short(), me.residence_short()),
                ("Kết hôn lần thứ mấy", "Lần thứ nhất", "Lần thứ nhất"),
            ]
            lines.append(
                Line(
                    "Thông tin Bên nữ Bên nam",
                    "table_head",
                    cells=("Thông tin", "Bên nữ", "Bên nam"),
                )
            )
            lines += [Line(" ".join(r), "table_row", cells=r) for r in rows]
        elif "KHAI TỬ" in title:
            dead = g.person(when, age=(50, 95))
            lines.append(lv("Quan hệ với người đã chết", g.pick(("Con", "Vợ", "Chồng", "Cháu"))))
            lines.append(line("Đề nghị cơ quan đăng ký khai tử cho người có tên dưới đây:", "para"))
            lines.append(lv("Họ, chữ đệm, tên", dead.upper))
            lines.append(lv("Đã chết vào lúc", f"{g.num(1, 23)} giờ, ngày {dmy(when)}"))
            lines.append(lv("Nguyên nhân chết", "Bệnh già"))
        elif "TÌNH TRẠNG HÔN NHÂN" in title:
            lines.append(lv("Đề nghị cấp Giấy xác nhận tình trạng hôn nhân cho", me.full_name))
            lines.append(lv("Tình trạng hôn nhân", "Chưa đăng ký kết hôn với ai"))
            lines.append(lv("Mục đích sử dụng", "Làm thủ tục đăng ký kết hôn"))
        else:
            lines.append(
                lv("Đề nghị cấp bản sao", g.pick(("Trích lục khai sinh", "Trích lục kết hôn")))
            )
            lines.append(lv("Số lượng", f"{g.num(1, 4):02d} bản"))
        lines.append(line(g.pick(COMMITMENTS), "para"))
        lines.append(line(f"Đề nghị cấp bản sao: Có {CHECKED} Không {UNCHECKED}", "para"))
    elif variant in ("don_de_nghi", "don_xin"):
        candidates = [
            p for p in PETITIONS if p[0].startswith("ĐƠN ĐỀ NGHỊ") == (variant == "don_de_nghi")
        ]
        title, ask, reason = g.pick(candidates)
        lines.append(line(title, "title"))
        lines.append(line(f"Kính gửi: {addressee}", "centre"))
        lines += _requester(g, me, when, modern=g.chance(0.5))
        lines.append(line(fill_values(ask), "body"))
        lines.append(line(fill_values(reason), "body"))
        lines.append(line(g.pick(COMMITMENTS), "body"))
        if g.chance(0.4):
            lines.append(line("Tôi xin trân trọng cảm ơn!", "body"))
    else:
        title = g.pick(("BẢN CAM ĐOAN", "BẢN CAM KẾT"))
        lines.append(line(title, "title"))
        lines.append(line(f"Kính gửi: {addressee}", "centre"))
        lines += _requester(g, me, when, modern=False)
        lines.append(
            line(
                g.pick(
                    (
                        "Tôi xin cam đoan thửa đất số {plot}, tờ bản đồ số {sheet} do gia đình tôi "
                        "sử dụng ổn định từ năm {prev}, không tranh chấp với ai.",
                        "Tôi xin cam đoan từ trước đến nay chưa đăng ký kết hôn với ai, cả ở "
                        "trong nước và nước ngoài.",
                        "Tôi cam kết chấp hành nghiêm các quy định về an toàn thực phẩm khi kinh "
                        "doanh.",
                    )
                ).format(plot=g.num(1, 900), sheet=g.num(1, 80), prev=g.num(1980, 2010)),
                "body",
            )
        )
        lines.append(line(g.pick(COMMITMENTS), "body"))
    pd = f"{locale.commune}, {viet_date(when, decree30=False)}"
    if g.chance(0.3):
        pd = f"Làm tại: {pd}"
    left: list[Line] = []
    if g.chance(0.4):
        left = [line("XÁC NHẬN CỦA UBND XÃ", "signer"), space(), space(), space(), space()]
    lines += signature(
        [g.pick(("Người yêu cầu", "NGƯỜI LÀM ĐƠN", "Người khai", "NGƯỜI CAM ĐOAN"))],
        me.full_name,
        note="(Ký, ghi rõ họ, chữ đệm, tên)",
        official=False,
        place_date=pd,
        left=left,
    )
    truth = {"document_number": "", "issue_place": locale.commune, "issue_date": iso(when)}
    pages = paginate(lines, 42)
    return Composed(variant, [Page(tuple(p)) for p in pages], truth)
