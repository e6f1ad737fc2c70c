"""Pages that are none of the known types but land in dossiers anyway.

Receipts, prescriptions, school records, price lists, a newspaper page, a family
letter, bank statements, electricity bills, health certificates and discharge
papers. Several carry the national header, a "Số:" and a signer, exactly like the
administrative types, so a classifier has to read what the page is about. All text
was written for this project; people, shops and amounts are invented.
"""

from __future__ import annotations

from datetime import date, timedelta

from testkit import docgen_banks as banks
from testkit.docgen_civil import Composed
from testkit.docgen_model import (
    Gen,
    Line,
    Page,
    cap,
    centred_header,
    columns,
    decree30_header,
    dmy,
    iso,
    line,
    lv,
    lvs,
    money,
    number_words,
    signature,
    space,
    viet_date,
)

DRUGS = (
    ("Paracetamol 500mg", "viên", "Ngày uống 2 lần, mỗi lần 1 viên sau ăn"),
    ("Amoxicillin 500mg", "viên", "Ngày uống 3 lần, mỗi lần 1 viên"),
    ("Vitamin C 500mg", "viên", "Ngày uống 1 viên buổi sáng"),
    ("Omeprazol 20mg", "viên", "Uống 1 viên trước ăn sáng 30 phút"),
    ("Siro ho Prospan", "chai", "Ngày uống 3 lần, mỗi lần 5 ml"),
    ("Oresol", "gói", "Pha 1 gói với 200 ml nước, uống trong ngày"),
    ("Amlodipin 5mg", "viên", "Ngày uống 1 viên buổi sáng"),
    ("Metformin 850mg", "viên", "Ngày uống 2 lần sau ăn"),
)

DIAGNOSES = (
    "Viêm họng cấp",
    "Tăng huyết áp",
    "Viêm dạ dày",
    "Đái tháo đường typ 2",
    "Viêm phế quản",
    "Rối loạn tiêu hóa",
    "Sốt xuất huyết Dengue",
)

GOODS = (
    ("Xi măng PCB40", "bao", 95_000),
    ("Thép phi 10", "cây", 118_000),
    ("Gạch đỏ 2 lỗ", "viên", 1_450),
    ("Cát xây", "m³", 320_000),
    ("Đá 1x2", "m³", 410_000),
    ("Tôn lạnh 0,4 mm", "m", 96_000),
    ("Sơn nước ngoại thất", "thùng", 1_650_000),
    ("Gạo ST25", "kg", 34_000),
    ("Phân đạm Urê", "bao", 620_000),
    ("Nước mắm", "chai", 42_000),
)

NEWS = (
    (
        "Nông dân {commune} trúng mùa lúa xuân",
        (
            "Vụ lúa xuân năm nay, bà con xã {commune} gieo cấy hơn {count} ha, năng suất bình "
            "quân đạt {yield_} tạ/ha, cao nhất từ trước đến nay.",
            "Nhờ áp dụng giống mới và cơ giới hóa khâu thu hoạch, chi phí sản xuất giảm đáng kể.",
            "Ông {name}, một nông dân trong thôn, cho biết gia đình thu được gần {tons} tấn thóc.",
        ),
    ),
    (
        "Lễ hội đền làng thu hút đông đảo du khách",
        (
            "Trong hai ngày cuối tuần, lễ hội truyền thống tại xã {commune} đã thu hút hàng nghìn "
            "lượt khách thập phương.",
            "Bên cạnh phần lễ trang nghiêm là các trò chơi dân gian như kéo co, đánh đu, ném còn.",
            "Ban tổ chức cho biết lễ hội năm nay được tổ chức văn minh, tiết kiệm.",
        ),
    ),
    (
        "Mưa lớn gây sạt lở nhiều tuyến đường miền núi",
        (
            "Do ảnh hưởng của hoàn lưu bão, từ đêm qua đến sáng nay khu vực tỉnh {province} có "
            "mưa to đến rất to.",
            "Nhiều điểm sạt lở làm ách tắc giao thông, lực lượng chức năng đang khẩn trương khắc "
            "phục.",
            "Người dân được khuyến cáo hạn chế đi lại qua các ngầm tràn khi nước lũ dâng cao.",
        ),
    ),
    (
        "Giá rau xanh tăng mạnh sau đợt rét đậm",
        (
            "Tại chợ trung tâm, giá rau cải đã tăng gấp đôi so với tuần trước.",
            "Tiểu thương cho biết nguồn hàng khan hiếm do nhiều diện tích rau bị hư hại.",
            "Dự báo giá sẽ ổn định trở lại khi thời tiết ấm lên.",
        ),
    ),
)

LETTER_LINES = (
    "Đã lâu rồi con chưa viết thư về nhà, bố mẹ có khỏe không ạ?",
    "Ở đây con vẫn khỏe, công việc cũng ổn định, bố mẹ đừng lo lắng cho con.",
    "Tháng này xưởng nhiều việc nên con chưa về được, Tết con sẽ xin nghỉ sớm.",
    "Con gửi kèm ít tiền để bố mẹ sửa lại mái bếp trước mùa mưa.",
    "Bố nhớ giữ gìn sức khỏe, bớt uống rượu, mẹ nhớ uống thuốc đều đặn.",
    "Cho con gửi lời hỏi thăm ông bà, các cô chú và bà con hàng xóm.",
    "Em Thảo học hành thế nào rồi hả mẹ? Bảo em cố gắng thi cho tốt.",
    "Ngoài này trời đã trở lạnh, tối nào con cũng nhớ mâm cơm nhà mình.",
)

SUBJECTS = (
    "Toán",
    "Ngữ văn",
    "Tiếng Anh",
    "Vật lý",
    "Hóa học",
    "Sinh học",
    "Lịch sử",
    "Địa lý",
    "Giáo dục công dân",
    "Tin học",
    "Công nghệ",
)


def _score(g: Gen) -> str:
    return f"{g.num(50, 99) / 10:.1f}".replace(".", ",")


def other(g: Gen) -> Composed:
    variant = g.pick(
        (
            "phieu_thu",
            "bien_lai_le_phi",
            "don_thuoc",
            "hoc_ba",
            "bang_gia",
            "bao",
            "thu_tay",
            "sao_ke",
            "hoa_don_dien",
            "giay_kham_suc_khoe",
            "giay_ra_vien",
        )
    )
    when = g.day(date(2015, 1, 1), date(2025, 12, 31))
    locale = g.locale(when)
    p = g.person(when, age=(18, 80), home=locale)
    lines: list[Line] = []
    number = ""
    place = ""
    if variant in ("phieu_thu", "bien_lai_le_phi"):
        shop = g.pick(banks.SHOP_NAMES).format(given=p.given.upper(), given2="HƯNG").title()
        if variant == "phieu_thu":
            left = [lv("Đơn vị", shop), lv("Địa chỉ", locale.address())]
            right = [
                line("Mẫu số 01 - TT", "signer"),
                line("(Ban hành theo Thông tư số 200/2014/TT-BTC)", "signer_note"),
            ]
            lines += columns(left, right)
            lines.append(line("PHIẾU THU", "title"))
        else:
            lines += centred_header()
            lines.append(line("BIÊN LAI THU PHÍ, LỆ PHÍ", "title"))
            lines.append(line(f"Tên đơn vị thu: Ủy ban nhân dân {locale.commune_full}", "centre"))
        number = f"{g.num(1, 9999):07d}"
        lines.append(line(cap(viet_date(when, decree30=False)), "italic_centre"))
        lines.append(lvs(("Quyển số", f"{g.num(1, 40):02d}"), ("Số", number)))
        amount = g.num(2, 2000) * 1000 if variant == "bien_lai_le_phi" else g.num(1, 900) * 50_000
        reason = (
            g.pick(
                (
                    "Lệ phí chứng thực bản sao",
                    "Lệ phí đăng ký kết hôn",
                    "Phí chứng thực hợp đồng",
                    "Lệ phí cấp bản sao trích lục",
                )
            )
            if variant == "bien_lai_le_phi"
            else g.pick(("Thanh toán tiền hàng", "Thu tiền đặt cọc", "Thu tiền điện nước tháng"))
        )
        lines += [
            lv("Họ và tên người nộp tiền", p.full_name),
            lv("Địa chỉ", p.residence()),
            lv("Lý do nộp", reason),
            lv("Số tiền", f"{money(amount)} đồng"),
            lv("Viết bằng chữ", f"{number_words(amount).capitalize()} đồng"),
        ]
        if variant == "phieu_thu":
            lines.append(lv("Kèm theo", f"{g.num(0, 3):02d} chứng từ gốc"))
            cells = ("Giám đốc", "Kế toán trưởng", "Người nộp tiền", "Người lập phiếu", "Thủ quỹ")
        else:
            cells = ("Người nộp tiền", "Người thu tiền")
        lines.append(Line(" ".join(cells), "cells", cells=cells))
        lines += [space(), space(), space()]
    elif variant == "don_thuoc":
        hospital = g.pick(banks.HOSPITALS).format(
            commune=locale.commune, province=locale.province, district=locale.district
        )
        lines += [
            line(f"SỞ Y TẾ {locale.province_full.upper()}", "issuer_parent"),
            line(hospital.upper(), "issuer"),
        ]
        lines.append(line("ĐƠN THUỐC", "title"))
        lines.append(lv("Mã bệnh nhân", g.digits(10)))
        lines.append(lvs(("Họ tên", p.full_name), ("Tuổi", str(when.year - p.born.year))))
        lines.append(lvs(("Giới tính", p.sex_vi), ("Số thẻ BHYT", f"GD4{g.digits(12)}")))
        lines.append(lv("Địa chỉ", p.residence()))
        lines.append(lv("Chẩn đoán", g.pick(DIAGNOSES)))
        for i, (drug, unit, usage) in enumerate(g.sample(DRUGS, g.num(2, 5)), start=1):
            lines.append(line(f"{i}. {drug} - Số lượng: {g.num(5, 30)} {unit}", "item"))
            lines.append(line(f"Cách dùng: {usage}", "para"))
        lines.append(
            lv(
                "Lời dặn",
                g.pick(
                    (
                        "Tái khám sau 7 ngày",
                        "Ăn nhẹ, uống nhiều nước",
                        "Tái khám khi có dấu hiệu bất thường",
                    )
                ),
            )
        )
        place = locale.commune
        lines += signature(
            ["BÁC SĨ KHÁM BỆNH"],
            f"BS. {g.person(when).full_name}",
            official=False,
            place_date=f"{place}, {viet_date(when, decree30=False)}",
        )
    elif variant == "hoc_ba":
        year = when.year
        grade = g.num(6, 12)
        lines += centred_header()
        lines.append(line("HỌC BẠ", "title"))
        lines.append(line("TRUNG HỌC CƠ SỞ" if grade <= 9 else "TRUNG HỌC PHỔ THÔNG", "subtitle"))
        lines.append(lv("Họ và tên học sinh", p.full_name))
        lines.append(lvs(("Lớp", f"{grade}A{g.num(1, 5)}"), ("Năm học", f"{year - 1} - {year}")))
        head = ("Môn học", "Học kỳ I", "Học kỳ II", "Cả năm")
        lines.append(Line(" ".join(head), "table_head", cells=head))
        for subject in g.sample(SUBJECTS, g.num(6, 10)):
            row = (subject, _score(g), _score(g), _score(g))
            lines.append(Line(" ".join(row), "table_row", cells=row))
        lines.append(
            lvs(
                ("Học lực", g.pick(("Giỏi", "Khá", "Trung bình"))),
                ("Hạnh kiểm", g.pick(("Tốt", "Khá"))),
            )
        )
        lines.append(
            lv(
                "Nhận xét của giáo viên chủ nhiệm",
                g.pick(
                    (
                        "Chăm ngoan, có ý thức học tập tốt.",
                        "Cần cố gắng hơn ở môn Toán.",
                        "Tích cực tham gia các hoạt động của lớp.",
                    )
                ),
            )
        )
        lines += signature(
            ["HIỆU TRƯỞNG"],
            g.person(when).full_name,
            place_date=f"{locale.commune}, {viet_date(when)}",
        )
        place = locale.commune
    elif variant == "bang_gia":
        kind = g.pick(("BẢNG GIÁ VẬT LIỆU XÂY DỰNG", "BẢNG BÁO GIÁ", "BẢNG GIÁ BÁN LẺ"))
        lines.append(
            line(g.pick(banks.SHOP_NAMES).format(given=p.given.upper(), given2="PHÁT"), "issuer")
        )
        lines.append(line(f"Địa chỉ: {locale.address()} - ĐT: {g.phone()}", "centre"))
        lines.append(line(kind, "title"))
        lines.append(line(f"Áp dụng từ {viet_date(when, decree30=False)}", "italic_centre"))
        head = ("STT", "Tên hàng", "Đơn vị", "Đơn giá (đồng)")
        lines.append(Line(" ".join(head), "table_head", cells=head))
        for i, (name, unit, price) in enumerate(g.sample(GOODS, g.num(4, 9)), start=1):
            row = (str(i), name, unit, money(price))
            lines.append(Line(" ".join(row), "table_row", cells=row))
        lines.append(line("Giá trên chưa bao gồm thuế VAT và chi phí vận chuyển.", "italic"))
    elif variant == "bao":
        headline, body = g.pick(NEWS)
        paper = g.pick(
            (
                "BÁO NHÂN DÂN",
                "BÁO NÔNG THÔN NGÀY NAY",
                f"BÁO {locale.province.upper()}",
                "BÁO LAO ĐỘNG",
            )
        )
        weekday = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")[
            when.weekday()
        ]
        lines.append(line(paper, "title"))
        lines.append(line(f"Số {g.num(1000, 25000)} - {weekday}, {dmy(when)}", "centre"))
        values = {
            "commune": locale.commune,
            "province": locale.province,
            "count": g.num(100, 900),
            "yield_": g.num(55, 72),
            "name": p.full_name,
            "tons": g.num(3, 9),
        }
        lines.append(line(headline.format(**values), "headline"))
        for s in body:
            lines.append(line(s.format(**values), "body"))
        lines.append(
            line(f"{g.pick(('PV', 'Minh', 'Hải'))} {g.pick(('Hà', 'Lâm', 'Sơn'))}", "right")
        )
    elif variant == "thu_tay":
        lines.append(line(f"{locale.province}, {viet_date(when, decree30=False)}", "hand_right"))
        lines.append(
            line(g.pick(("Bố mẹ kính yêu!", "Con kính gửi bố mẹ,", "Mẹ thân yêu!")), "hand")
        )
        for s in g.sample(LETTER_LINES, g.num(3, 6)):
            lines.append(line(s, "hand"))
        lines.append(line("Con của bố mẹ", "hand_right"))
        lines.append(line(p.given, "hand_right"))
    elif variant == "sao_ke":
        bank = g.pick(banks.BANKS)
        lines.append(line(bank.upper(), "issuer"))
        lines.append(line("SAO KÊ TÀI KHOẢN", "title"))
        start = when - timedelta(days=30)
        lines.append(line(f"Từ ngày {dmy(start)} đến ngày {dmy(when)}", "italic_centre"))
        lines.append(lv("Chủ tài khoản", p.upper))
        lines.append(lv("Số tài khoản", g.digits(13)))
        lines.append(lv("Địa chỉ", p.residence()))
        head = ("Ngày", "Nội dung", "Ghi nợ", "Ghi có", "Số dư")
        lines.append(Line(" ".join(head), "table_head", cells=head))
        balance = g.num(1, 80) * 1_000_000
        for day in sorted(g.day(start, when) for _ in range(g.num(4, 10))):
            credit = g.chance(0.4)
            amount = g.num(1, 500) * 10_000
            balance += amount if credit else -min(amount, balance)
            row = (
                dmy(day),
                g.pick(("Chuyển khoản", "Rút tiền ATM", "Trả lương", "Thanh toán QR", "Phí SMS")),
                "" if credit else money(amount),
                money(amount) if credit else "",
                money(balance),
            )
            lines.append(Line(" ".join(c for c in row if c), "table_row", cells=row))
    elif variant == "hoa_don_dien":
        lines.append(
            line(
                f"TỔNG CÔNG TY ĐIỆN LỰC {g.pick(('MIỀN BẮC', 'MIỀN TRUNG', 'MIỀN NAM'))}", "issuer"
            )
        )
        lines.append(line(f"Công ty Điện lực {locale.province}", "centre"))
        lines.append(line("HÓA ĐƠN GIÁ TRỊ GIA TĂNG (TIỀN ĐIỆN)", "title"))
        lines.append(line(f"Kỳ: {when.month}/{when.year}", "italic_centre"))
        used = g.num(60, 600)
        old = g.num(1000, 90000)
        lines += [
            lv("Tên khách hàng", p.full_name),
            lv("Địa chỉ", p.residence()),
            lv("Mã khách hàng", f"PA{g.digits(11)}"),
            lvs(("Chỉ số mới", str(old + used)), ("Chỉ số cũ", str(old))),
            lv("Điện năng tiêu thụ", f"{used} kWh"),
            lv("Tổng tiền thanh toán", f"{money(used * 2_500)} đồng"),
            line(f"(Bằng chữ: {number_words(used * 2_500).capitalize()} đồng)", "para"),
        ]
        number = g.digits(7)
        lines.append(lv("Số hóa đơn", number))
    else:
        hospital = g.pick(banks.HOSPITALS).format(
            commune=locale.commune, province=locale.province, district=locale.district
        )
        number = f"{g.num(1, 9000)}/{'GKSK' if variant == 'giay_kham_suc_khoe' else 'GRV'}"
        place = locale.province
        lines += decree30_header(
            [hospital.upper()],
            f"Số: {number}",
            None,
            parent=f"SỞ Y TẾ {locale.province_full.upper()}",
        )
        if variant == "giay_kham_suc_khoe":
            lines.append(line("GIẤY KHÁM SỨC KHỎE", "title"))
            lines += [
                lv("Họ và tên (chữ in hoa)", p.upper),
                lvs(("Giới tính", p.sex_vi), ("Tuổi", str(when.year - p.born.year))),
                lv(f"Số {g.id_paper(p, when)[0]}", g.id_paper(p, when)[2]),
                lv("Chỗ ở hiện tại", p.residence()),
                lv("Lý do khám sức khỏe", g.pick(("Đi làm", "Đi học", "Thi giấy phép lái xe"))),
                lvs(
                    ("Chiều cao", f"{g.num(148, 182)} cm"),
                    ("Cân nặng", f"{g.num(42, 85)} kg"),
                    ("Huyết áp", f"{g.num(100, 140)}/{g.num(60, 90)} mmHg"),
                ),
                lv("Phân loại sức khỏe", g.pick(("Loại I", "Loại II", "Loại III"))),
                lv("KẾT LUẬN", "Đủ sức khỏe để học tập, làm việc"),
            ]
            roles = ["NGƯỜI KẾT LUẬN"]
        else:
            admitted = when - timedelta(days=g.num(2, 20))
            lines.append(line("GIẤY RA VIỆN", "title"))
            lines += [
                lv("Họ tên người bệnh", p.upper),
                lvs(("Tuổi", str(when.year - p.born.year)), ("Giới tính", p.sex_vi)),
                lv("Dân tộc", p.ethnicity),
                lv("Địa chỉ", p.residence()),
                lv("Vào viện lúc", f"{g.num(0, 23)} giờ, ngày {dmy(admitted)}"),
                lv("Ra viện lúc", f"{g.num(7, 16)} giờ, ngày {dmy(when)}"),
                lv("Chẩn đoán", g.pick(DIAGNOSES)),
                lv(
                    "Phương pháp điều trị",
                    g.pick(("Nội khoa", "Phẫu thuật nội soi", "Truyền dịch")),
                ),
                lv("Lời dặn của thầy thuốc", "Nghỉ ngơi, ăn uống điều độ, tái khám sau 1 tháng"),
            ]
            roles = ["GIÁM ĐỐC BỆNH VIỆN"]
        lines += signature(
            roles, g.person(when).full_name, place_date=f"{place}, {viet_date(when)}"
        )
    # An electricity bill prints its billing month only, not a day.
    issued = "" if variant == "hoa_don_dien" else iso(when)
    truth = {"document_number": number, "issue_place": place, "issue_date": issued}
    return Composed(variant, [Page(tuple(lines))], truth)
