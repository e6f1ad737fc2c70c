"""Synthetic Vietnamese administrative pages with exact ground truth, and scanner damage.

The OCR pipeline is judged on pages we can regenerate from a seed, so every test and
the benchmark share one source of truth: :func:`render_page` draws an A4 page laid out
like a Decree 30/2020 document and returns the text it drew (NFC, line by line) and a
tight pixel box for every word. :data:`DEGRADATIONS` then damages the page the way a
commune counter scanner or a phone camera does, each preset a pure ``(image, seed)``
function so that a failing benchmark row can be reproduced exactly.

All sentences in the bank were written for this project; names, places and numbers
are invented.

Raw ``tesseract -l vie --psm 3`` (OMP_THREAD_LIMIT=1, Tesseract 5.3.0, vie from
tesseract-ocr-vie 1:4.1.0) on full default pages (300 dpi, 13 pt, ~35 lines), CER in
per cent after :func:`testkit.textmetrics.normalise`, as measured::

    preset        seed 0   seed 1   seed 2
    clean            0.2      0.1      0.1
    skew+5          43.0     46.7     60.1   lines break into fragments read out of order
    skew-5          92.6     84.8     96.0
    rot90           82.8     82.7     82.4   read upside down
    rot180          82.8     82.7     82.5
    rot270           0.2      0.0      0.1   psm 3 turns vertical text this way by itself
    salt_pepper     13.7     16.3     26.4
    blur             0.8      0.8      0.6   soft but legible: Tesseract copes
    jpeg40           0.2      0.1      0.1
    shadow          21.3     67.3     29.9   the shaded part binarises to black
    seal             9.6     10.7     17.9
    signature        3.7      1.2      2.8
    combined        38.9     96.0     54.3

``python -m testkit.pagegen [seeds…]`` measures the table again (about two minutes).
Rotations are counter-clockwise, as in Pillow: ``rot90`` is a page fed with its top
edge to the left.
"""

from __future__ import annotations

import io
import math
import os
import random
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, features

from ocr.words import Box
from testkit.textmetrics import cer

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
SERIF_REGULAR = FONT_DIR / "LiberationSerif-Regular.ttf"
SERIF_BOLD = FONT_DIR / "LiberationSerif-Bold.ttf"
SANS_BOLD = FONT_DIR / "LiberationSans-Bold.ttf"

A4_INCHES = (8.27, 11.69)
WHITE = (255, 255, 255)
SEAL_RED = (200, 30, 40)
INK_BLUE = (25, 45, 150)

# The twelve vowel bases and the six tones (none, huyền, sắc, hỏi, ngã, nặng).
VOWEL_BASES = "aăâeêioôơuưy"
TONE_MARKS = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _vietnamese_letters() -> tuple[str, ...]:
    """Every precomposed Vietnamese vowel (base × tone, both cases) plus đ and Đ."""
    lower = [
        unicodedata.normalize("NFC", base + tone) for base in VOWEL_BASES for tone in TONE_MARKS
    ]
    return (*lower, *(ch.upper() for ch in lower), "đ", "Đ")


VIETNAMESE_LETTERS: tuple[str, ...] = _vietnamese_letters()

# ---------------------------------------------------------------------------------------
# The sentence bank
# ---------------------------------------------------------------------------------------

NATIONAL_HEADER = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

COMMUNES = (
    "Lâm Bình",
    "Mỹ Lộc",
    "Kỳ Sơn",
    "Vũ Thư",
    "Đức Phổ",
    "Từ Sơn",
    "Nghĩa Đàn",
    "Võ Nhai",
    "Đồng Hỷ",
    "Phú Lợi",
    "Cẩm Khê",
    "Tùng Ảnh",
    "Yên Thế",
    "Hòa Xuân",
)

PROVINCES = ("Tuyên Quang", "Thái Nguyên", "Nghệ An", "Hà Tĩnh", "Quảng Ngãi", "Bắc Ninh")

PEOPLE = (
    "Nguyễn Văn Đặng",
    "Trần Thị Hường",
    "Đỗ Quốc Việt",
    "Lê Thị Ngọc Ánh",
    "Phạm Đức Thịnh",
    "Hoàng Thị Thủy",
    "Vũ Mạnh Hùng",
    "Bùi Thị Diễm",
    "Đặng Hữu Lộc",
    "Ngô Thị Yến",
    "Dương Văn Kỳ",
    "Lý Thị Mỹ",
    "Hà Quang Vĩnh",
    "Ma Văn Sửu",
    "Hứa Thị Xuân",
    "Chẩu Văn Thắng",
    "Quan Thị Lụa",
    "Đinh Công Tuấn",
    "Mai Thị Kiều Oanh",
    "Triệu Văn Ẩn",
)

VILLAGES = (
    "Nà Tông",
    "Bản Khiển",
    "Đồng Tâm",
    "Tân Lập",
    "Khuổi Củng",
    "Phiêng Luông",
    "Nặm Đíp",
    "Bản Chỏn",
    "Xuân Hòa",
    "Ngòi Sen",
)

# Top-left block: (parent body, issuing body), upper case, as Decree 30 sets them;
# the parent is regular, the issuer bold, "\n" is a deliberate line break.
ISSUERS = (
    ("ỦY BAN NHÂN DÂN", "XÃ {commune}"),
    ("ỦY BAN NHÂN DÂN", "XÃ {commune}"),
    ("UBND XÃ {commune}", "TRUNG TÂM PHỤC VỤ\nHÀNH CHÍNH CÔNG"),
    ("CÔNG AN TỈNH {province}", "CÔNG AN XÃ {commune}"),
    ("UBND TỈNH {province}", "ỦY BAN NHÂN DÂN\nXÃ {commune}"),
)

# (title, abstract, number code). The abstract ("trích yếu") may be empty.
TITLES = (
    ("QUYẾT ĐỊNH", "Về việc công nhận hộ kinh doanh cá thể", "QĐ-UBND"),
    ("QUYẾT ĐỊNH", "Về việc phê duyệt dự toán kinh phí sửa chữa trường mầm non", "QĐ-UBND"),
    ("QUYẾT ĐỊNH", "Về việc hỗ trợ hộ gia đình bị thiệt hại do mưa lũ", "QĐ-UBND"),
    ("THÔNG BÁO", "Về việc tiếp nhận hồ sơ trực tuyến", "TB-UBND"),
    ("THÔNG BÁO VỀ VIỆC NIÊM YẾT CÔNG KHAI", "", "TB-UBND"),
    ("THÔNG BÁO LỊCH TIẾP CÔNG DÂN ĐỊNH KỲ", "", "TB-UBND"),
    ("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "", "XN-UBND"),
    ("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "", "GCN-UBND"),
    ("BIÊN BẢN KIỂM TRA HIỆN TRẠNG SỬ DỤNG ĐẤT", "", "BB-UBND"),
    ("BIÊN BẢN HÒA GIẢI Ở CƠ SỞ", "", "BB-UBND"),
    ("TỜ TRÌNH", "Về việc đề nghị cấp giấy chứng nhận quyền sử dụng đất", "TTr-UBND"),
    ("KẾ HOẠCH KIỂM TRA TRẬT TỰ XÂY DỰNG NĂM 2025", "", "KH-UBND"),
    ("BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Quý II năm 2025", "BC-UBND"),
    ("GIẤY BIÊN NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "", "BN-TTPVHCC"),
    ("TRÍCH LỤC KHAI SINH", "", "TLKS-BS"),
    ("TRÍCH LỤC KẾT HÔN", "", "TLKH-BS"),
    ("GIẤY ỦY QUYỀN", "", "UQ-CT"),
    ("DANH SÁCH HỘ GIA ĐÌNH CẦN HỖ TRỢ SỬA CHỮA NHÀ Ở", "", "DS-UBND"),
    ("BẢN HƯỚNG DẪN SỬ DỤNG CỔNG DỊCH VỤ CÔNG", "", "HD-UBND"),
    ("GIẤY MỜI HỌP", "Về việc lấy ý kiến nhân dân về quy hoạch khu dân cư", "GM-UBND"),
    ("PHIẾU ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG", "", "PĐG-TTPVHCC"),
    ("ĐƠN ĐỀ NGHỊ MIỄN, GIẢM TIỀN SỬ DỤNG ĐẤT", "", "ĐN-UBND"),
    ("XÁC NHẬN CỦA TRƯỞNG THÔN VỀ NGUỒN GỐC ĐẤT", "", "XN-UBND"),
)

# Bold upper-case call-outs that notices put between paragraphs.
NOTICES = (
    "LƯU Ý: CÔNG DÂN CHUẨN BỊ SẴN BẢN CHÍNH GIẤY TỜ ĐỂ ĐỐI CHIẾU",
    "KHÔNG CHẤP NHẬN GIẤY TỜ BỊ TẨY XÓA, SỬA CHỮA HOẶC KẺ VẼ THÊM",
    "NỘP HỒ SƠ THẲNG TẠI QUẦY SỐ 2, KHÔNG QUA TRUNG GIAN",
    "TỪ NGÀY 01/7/2025 KHÔNG CÒN CẤP SỔ HỘ KHẨU GIẤY",
    "MỌI THẮC MẮC XIN LIÊN HỆ BỘ PHẬN MỘT CỬA ĐỂ ĐƯỢC GIÚP ĐỠ",
    "HỒ SƠ PHẢI GHI RÕ HỌ TÊN, CHỮ KÝ CỦA NGƯỜI KHAI",
    "TRẺ EM DƯỚI 6 TUỔI ĐƯỢC MIỄN PHÍ KHÁM CHỮA BỆNH",
    "NHÀ Ở NHỎ LẺ, KỸ THUẬT ĐƠN GIẢN VẪN PHẢI XIN GIẤY PHÉP",
    "CÁC ĐIỂM TIẾP NHẬN TẠI HUYỆN LỴ CŨ NGỪNG HOẠT ĐỘNG",
    "TỶ LỆ HỒ SƠ ĐÚNG HẠN PHẢI ĐẠT TỪ 95% TRỞ LÊN",
    "THANH NIÊN ĐỦ TUỔI THỰC HIỆN NGHĨA VỤ QUÂN SỰ ĐĂNG KÝ TẠI XÃ",
    "TỈNH ỦY, ỦY BAN NHÂN DÂN TỈNH YÊU CẦU THỰC HIỆN NGHIÊM",
    "THỜI GIAN LÀM VIỆC: SÁNG TỪ 7 GIỜ 30, CHIỀU TỪ 13 GIỜ 30",
    "ĐỀ NGHỊ XÉT DUYỆT, ĐÓNG DẤU VÀ TRẢ KẾT QUẢ ĐÚNG HẸN",
    "HỒ SƠ GỬI BẰNG ĐƯỜNG BƯU ĐIỆN VẪN ĐƯỢC TIẾP NHẬN",
    "HỘ NGHÈO, HỘ CẬN NGHÈO ĐƯỢC MIỄN LỆ PHÍ CHỨNG THỰC",
)

# Signer blocks at the foot of the page: (authority line, position).
SIGNERS = (
    ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
    ("NGƯỜI LẬP BIỂU", ""),
    ("CÔNG CHỨC TƯ PHÁP - HỘ TỊCH", ""),
)

# Body sentences. Placeholders: {man} {woman} {name} {id} {date} {amount} {count} {plot}
# {sheet} {area} {village} {commune} {phone} {n}.
BODY = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Luật Hộ tịch ngày 20 tháng 11 năm 2014 và các văn bản hướng dẫn thi hành;",
    "Căn cứ Nghị định số 23/2015/NĐ-CP của Chính phủ về cấp bản sao từ sổ gốc, chứng thực "
    "bản sao từ bản chính, chứng thực chữ ký và chứng thực hợp đồng, giao dịch;",
    "Căn cứ Nghị định số 01/2021/NĐ-CP của Chính phủ về đăng ký doanh nghiệp;",
    "Xét đề nghị của công chức Tư pháp - Hộ tịch xã tại Tờ trình số {n}/TTr-TP;",
    "Xét đơn đề nghị của ông {man}, sinh ngày {date}, số định danh cá nhân {id};",
    "Ủy ban nhân dân xã {commune} xác nhận bà {woman} hiện đang cư trú tại thôn {village}, "
    "xã {commune}.",
    "Trong thời gian cư trú tại địa phương, đương sự chưa đăng ký kết hôn với ai.",
    "Giấy xác nhận này có giá trị sử dụng trong thời hạn 06 tháng kể từ ngày cấp.",
    "Giấy này được cấp để làm thủ tục đăng ký kết hôn, không có giá trị sử dụng vào mục đích khác.",
    "Bản sao được chứng thực từ bản chính có giá trị sử dụng thay cho bản chính trong các "
    "giao dịch.",
    "Người yêu cầu chứng thực phải xuất trình bản chính giấy tờ để đối chiếu.",
    "Cán bộ tiếp nhận đã kiểm tra, đối chiếu và xác nhận bản sao đúng với bản chính.",
    "Số chứng thực {n}, quyển số 02/2025-SCT/BS, ngày {date}.",
    "Lệ phí chứng thực là 2.000 đồng đối với trang thứ nhất và 1.000 đồng đối với trang "
    "thứ hai trở đi.",
    "Công nhận hộ kinh doanh do ông {man} làm chủ hộ, địa điểm kinh doanh tại thôn {village}.",
    "Ngành, nghề kinh doanh: bán lẻ lương thực, thực phẩm, đồ uống và hàng tiêu dùng thiết yếu.",
    "Vốn kinh doanh đăng ký là {amount} đồng, số lượng lao động sử dụng là {count} người.",
    "Hộ kinh doanh có trách nhiệm kê khai, nộp thuế đầy đủ theo quy định của pháp luật.",
    "Hộ kinh doanh nhỏ lẻ không phải đăng ký doanh nghiệp nhưng phải chấp hành quy định "
    "về an toàn thực phẩm.",
    "Thửa đất số {plot}, tờ bản đồ số {sheet}, diện tích {area} mét vuông, mục đích sử "
    "dụng: đất ở tại nông thôn.",
    "Nguồn gốc sử dụng đất: được Nhà nước công nhận quyền sử dụng đất như giao đất có thu "
    "tiền sử dụng đất.",
    "Thời hạn sử dụng đất: lâu dài đối với đất ở; đến ngày 15 tháng 10 năm 2063 đối với "
    "đất trồng cây hằng năm.",
    "Tại thời điểm kiểm tra, thửa đất không có tranh chấp, khiếu nại và phù hợp với quy "
    "hoạch sử dụng đất.",
    "Ranh giới thửa đất đã được các hộ liền kề ký xác nhận, không ai có ý kiến phản đối.",
    "Cán bộ địa chính vẽ lại sơ đồ thửa đất theo hiện trạng sử dụng.",
    "Ông {man} và bà {woman} là vợ chồng, đã đăng ký kết hôn tại Ủy ban nhân dân xã "
    "{commune} ngày {date}.",
    "Khai sinh cho cháu {woman}, giới tính nữ, sinh ngày {date} tại Trạm Y tế xã {commune}.",
    "Người đi khai sinh là mẹ đẻ của trẻ, đã xuất trình giấy chứng sinh do cơ sở y tế cấp.",
    "Đăng ký khai tử cho ông {man}, chết ngày {date} tại nhà riêng, nguyên nhân chết do bệnh già.",
    "Kể từ ngày 01 tháng 7 năm 2025, người dân có thể nộp hồ sơ qua mạng mà không phải đến trụ sở.",
    "Trường hợp hồ sơ chưa đầy đủ, cán bộ một cửa hướng dẫn người nộp bổ sung một lần, rõ "
    "ràng, cụ thể.",
    "Thời hạn giải quyết là 03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
    "Nếu quá hạn mà chưa nhận được kết quả, công dân có quyền phản ánh qua số điện thoại "
    "đường dây nóng {phone}.",
    "Ủy ban nhân dân xã đề nghị các thôn, tổ dân phố niêm yết công khai thông báo này.",
    "Mọi thắc mắc xin liên hệ bộ phận tiếp nhận và trả kết quả, Trung tâm Phục vụ hành "
    "chính công xã {commune}.",
    "Quyết định này có hiệu lực kể từ ngày ký.",
    "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã, công chức Địa chính - Xây dựng và "
    "các cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",
    "Điều 1. Cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình ông {man}.",
    "Điều 2. Hộ gia đình có trách nhiệm sử dụng đất đúng mục đích, bảo vệ mốc giới và "
    "thực hiện nghĩa vụ tài chính.",
    "Điều 3. Giao công chức Văn hóa - Xã hội theo dõi, hướng dẫn việc thực hiện chính sách "
    "trợ cấp.",
    "Hỗ trợ kinh phí {amount} đồng cho hộ nghèo bị thiệt hại do mưa lũ tháng 9 năm 2024.",
    "Đối tượng được hưởng trợ cấp xã hội hằng tháng gồm người cao tuổi, người khuyết tật "
    "nặng và trẻ mồ côi.",
    "Mức trợ cấp được chi trả qua tài khoản ngân hàng hoặc bằng tiền mặt tại điểm chi trả "
    "của thôn.",
    "Bà {woman} đã nộp đủ bản sao giấy khai sinh, thẻ căn cước và ảnh chân dung cỡ 4 x 6 cm.",
    "Thông tin về nơi thường trú đã được cập nhật vào Cơ sở dữ liệu quốc gia về dân cư.",
    "Đề nghị công dân kiểm tra kỹ các thông tin trước khi ký nhận kết quả.",
    "Họ và tên người yêu cầu: {name}; số điện thoại: {phone}.",
    "Giấy tờ kèm theo gồm tờ khai, bản chụp thẻ căn cước và giấy ủy quyền có chứng thực chữ ký.",
    "Người được ủy quyền chỉ được thực hiện các công việc ghi trong giấy ủy quyền, không "
    "được ủy quyền lại cho người khác.",
    "Chúng tôi cam đoan những nội dung khai trên là đúng sự thật và chịu trách nhiệm trước "
    "pháp luật.",
    "Biên bản được lập thành 03 bản có giá trị pháp lý như nhau, mỗi bên giữ một bản.",
    "Cuộc họp kết thúc vào lúc 11 giờ 30 phút cùng ngày, các thành viên dự họp đều nhất trí.",
    "Tổ công tác đã kiểm tra thực tế tại {count} hộ dân, ghi nhận việc xây dựng nhà ở không "
    "vi phạm hành lang giao thông.",
    "Yêu cầu chủ hộ tháo dỡ phần mái che lấn chiếm vỉa hè trước ngày {date}.",
    "Trường hợp không tự nguyện chấp hành sẽ bị cưỡng chế theo quy định.",
    "Mức phạt tiền từ 500.000 đồng đến 1.000.000 đồng đối với hành vi không đăng ký tạm trú.",
    "Sổ tay hướng dẫn thủ tục hành chính được phát miễn phí tại quầy số 2.",
    "Quầy tiếp nhận làm việc buổi sáng từ 7 giờ 30 đến 11 giờ 30, buổi chiều từ 13 giờ 30 "
    "đến 17 giờ, trừ ngày nghỉ lễ.",
    "Những trường hợp đặc biệt như người già yếu, người khuyết tật được ưu tiên giải quyết trước.",
    "Kỹ thuật viên hỗ trợ số hóa hồ sơ, giấy tờ và kết quả giải quyết thủ tục hành chính.",
    "Việc lưu trữ hồ sơ điện tử phải bảo đảm tính toàn vẹn, an toàn và khả năng truy cập lâu dài.",
    "Chữ ký số của người có thẩm quyền được gắn trên bản điện tử thay cho chữ ký tay.",
    "Tỷ lệ hồ sơ giải quyết đúng hạn trong quý II năm 2025 đạt 98,5 phần trăm.",
    "Trụ sở huyện lỵ cũ nay thuộc địa giới hành chính của xã {commune}.",
    "Ông {man} là người có uy tín trong cộng đồng, được bà con trong thôn tín nhiệm.",
    "Trẻ em dưới 6 tuổi được cấp thẻ bảo hiểm y tế miễn phí.",
    "Nghĩa vụ tài chính về đất đai đã được thực hiện xong theo thông báo của cơ quan thuế.",
    "Gia đình bà {woman} thuộc diện hộ cận nghèo, được hỗ trợ sửa chữa nhà ở với số tiền "
    "{amount} đồng.",
    "Nghiêm cấm lợi dụng việc chứng thực để hợp pháp hóa giấy tờ giả mạo.",
    "Mẫu chữ ký và con dấu của Ủy ban nhân dân xã đã được gửi tới các cơ quan liên quan.",
    "Đôi khi mạng chậm, hệ thống cần vài phút để đồng bộ dữ liệu; xin quý vị vui lòng chờ.",
    "Ảnh chân dung chụp không quá 06 tháng, phông nền trắng, mặt nhìn thẳng.",
    "Hồ sơ đã sẵn sàng để trả kết quả; đề nghị ông {man} mang theo giấy biên nhận khi đến nhận.",
    "Các hộ gia đình chẳng may bị thiên tai được miễn, giảm tiền sử dụng đất theo quy định.",
    "Kỳ họp thứ hai của Hội đồng nhân dân xã dự kiến khai mạc vào thượng tuần tháng 12.",
    "Giấy tờ bị rách, nhàu nát hoặc bị tẩy xóa, sửa chữa, kẻ vẽ thêm sẽ không được chấp nhận.",
    "Trân trọng cảm ơn sự hợp tác của quý ông, bà và xin gửi lời chúc sức khỏe.",
)

SENTENCE_BANK: tuple[str, ...] = (
    NATIONAL_HEADER,
    MOTTO,
    *COMMUNES,
    *(commune.upper() for commune in COMMUNES),
    *PROVINCES,
    *PEOPLE,
    *VILLAGES,
    *(line for issuer in ISSUERS for line in issuer),
    *(part for title in TITLES for part in title[:2] if part),
    *NOTICES,
    *(part for signer in SIGNERS for part in signer if part),
    *BODY,
)

# ---------------------------------------------------------------------------------------
# Ground truth types
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TruthWord:
    """One drawn word; ``box`` is its ink in the undegraded page image."""

    text: str
    box: Box
    line: int


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A rendered page and exactly what was drawn on it.

    ``text`` holds one drawn line per ``\\n`` in reading order: top to bottom, and
    where two columns share a row (issuing body and national header) the left piece
    before the right one. Words are separated by one space.
    """

    image: Image.Image
    dpi: int
    text: str
    words: tuple[TruthWord, ...]


# ---------------------------------------------------------------------------------------
# Fonts and typesetting
# ---------------------------------------------------------------------------------------


def layout_engine() -> ImageFont.Layout:
    """RAQM shapes like a real text engine; BASIC also draws precomposed NFC correctly."""
    return ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@cache
def load_font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    """Fonts are cached because a page asks for the same few sizes hundreds of times."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: install the Debian package fonts-liberation2 "
            "(the 1.x fonts-liberation lacks Vietnamese glyphs)"
        )
    return ImageFont.truetype(str(path), size_px, layout_engine=layout_engine())


def _px(pt: float, dpi: int) -> int:
    return round(pt * dpi / 72)


def _cm(cm: float, dpi: int) -> int:
    return round(cm * dpi / 2.54)


class _Typesetter:
    """Draws lines word by word so every word's box is known exactly.

    A line budget (``n_lines``) and the bottom margin both stop the page; once
    either is reached further lines are silently dropped, so callers can simply
    keep feeding text.
    """

    def __init__(self, dpi: int, n_lines: int | None) -> None:
        width, height = (round(side * dpi) for side in A4_INCHES)
        self.dpi = dpi
        self.image = Image.new("RGB", (width, height), WHITE)
        self.draw = ImageDraw.Draw(self.image)
        self.budget = n_lines if n_lines is not None else 10**6
        self.lines: list[str] = []
        self.words: list[TruthWord] = []

    @property
    def has_budget(self) -> bool:
        return len(self.lines) < self.budget

    def wrap(self, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[list[str]]:
        """Greedy word wrap, measuring words the way :meth:`line` places them."""
        space = font.getlength(" ")
        rows: list[list[str]] = []
        row: list[str] = []
        used = 0.0
        for word in text.split():
            advance = font.getlength(word)
            if row and used + space + advance > width:
                rows.append(row)
                row, used = [], 0.0
            used += (space if row else 0.0) + advance
            row.append(word)
        if row:
            rows.append(row)
        return rows

    def line(
        self,
        words: Sequence[str],
        font: ImageFont.FreeTypeFont,
        left: int,
        width: int,
        baseline: int,
        align: str = "left",
    ) -> bool:
        """Draw one line; ``align`` is left, centre, right or justify. False if dropped."""
        if not words or not self.has_budget:
            return False
        space = font.getlength(" ")
        advances = [font.getlength(word) for word in words]
        natural = sum(advances) + space * (len(words) - 1)
        gap = space
        if align == "justify" and len(words) > 1:
            gap = space + (width - natural) / (len(words) - 1)
        x = float(left)
        if align == "centre":
            x = left + (width - natural) / 2
        elif align == "right":
            x = left + width - natural
        index = len(self.lines)
        for word, advance in zip(words, advances, strict=True):
            origin = (round(x), baseline)
            self.draw.text(origin, word, font=font, fill=(0, 0, 0), anchor="ls")
            self.words.append(TruthWord(word, _ink_box(word, font, origin), index))
            x += advance + gap
        self.lines.append(" ".join(words))
        return True

    def rule(self, centre_x: int, y: int, length: int) -> None:
        """The short horizontal rule under the motto and the issuing body."""
        thickness = max(1, round(self.dpi / 200))
        half = length // 2
        self.draw.rectangle(
            (centre_x - half, y, centre_x + half, y + thickness - 1), fill=(0, 0, 0)
        )


def _ink_box(word: str, font: ImageFont.FreeTypeFont, origin: tuple[int, int]) -> Box:
    """Tight box of the word's ink, drawn alone so neighbouring lines cannot leak in."""
    left, top, right, bottom = (int(v) for v in font.getbbox(word, anchor="ls"))
    pad = 2
    scratch = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(scratch).text((pad - left, pad - top), word, font=font, fill=255, anchor="ls")
    ink = scratch.getbbox()
    if ink is None:  # nothing inked (cannot happen for bank text); fall back to the layout box
        ink = (pad, pad, pad + right - left, pad + bottom - top)
    x0, y0 = origin[0] + left - pad, origin[1] + top - pad
    return Box(x0 + ink[0], y0 + ink[1], x0 + ink[2], y0 + ink[3])


# Public name for other generators (testkit.docgen) that draw words themselves.
ink_box = _ink_box


# ---------------------------------------------------------------------------------------
# Page content
# ---------------------------------------------------------------------------------------


def _viet_date(day: int, month: int, year: int) -> str:
    """Decree 30 writes days below 10 and months below 3 with a leading zero."""
    month_text = f"{month:02d}" if month < 3 else str(month)
    return f"ngày {day:02d} tháng {month_text} năm {year}"


def _amount(rng: random.Random) -> str:
    return f"{rng.randrange(2, 400) * 500_000:,}".replace(",", ".")


def _fill(template: str, rng: random.Random, commune: str) -> str:
    """Fill a body template; every placeholder gets a fresh random value."""
    women = [p for p in PEOPLE if " Thị " in p]
    men = [p for p in PEOPLE if " Thị " not in p]
    birth = (rng.randint(1, 28), rng.randint(1, 12), rng.randint(1950, 2024))
    values = {
        "man": rng.choice(men),
        "woman": rng.choice(women),
        "name": rng.choice(PEOPLE),
        # 12-digit personal number: province code, century-and-sex digit, year, serial.
        "id": f"0{rng.choice(('08', '01', '19', '40', '42', '27'))}"
        f"{rng.choice('0123')}{rng.randrange(100):02d}{rng.randrange(10**6):06d}",
        "date": f"{birth[0]:02d}/{birth[1]:02d}/{birth[2]}",
        "amount": _amount(rng),
        "count": str(rng.randint(2, 40)),
        "plot": str(rng.randint(1, 480)),
        "sheet": str(rng.randint(1, 60)),
        "area": f"{rng.randint(80, 2400)},{rng.randint(0, 9)}",
        "village": rng.choice(VILLAGES),
        "commune": commune,
        "phone": f"09{rng.randrange(10**2):02d} {rng.randrange(10**3):03d} "
        f"{rng.randrange(10**3):03d}",
        "n": str(rng.randint(1, 320)),
    }
    return unicodedata.normalize("NFC", template.format(**values))


@dataclass(frozen=True)
class _Content:
    commune: str
    issuer: tuple[str, ...]
    number: str
    date_line: str
    title: str
    abstract: str
    paragraphs: tuple[tuple[str, bool], ...]  # (text, is bold notice)
    signer: tuple[str, ...]
    centred_header: bool
    justify: bool


def _compose(rng: random.Random) -> _Content:
    """Choose everything a page says before anything is drawn.

    Legal grounds ("Căn cứ…", "Xét…") open the body, one per paragraph as in real
    decisions; the other sentences are shuffled into paragraphs of one to three.
    """
    commune = rng.choice(COMMUNES)
    province = rng.choice(PROVINCES)
    title, abstract, code = rng.choice(TITLES)
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    shuffled = rng.sample(BODY, k=len(BODY))
    grounds = [s for s in shuffled if s.startswith(("Căn cứ", "Xét"))]
    sentences = [s for s in shuffled if not s.startswith(("Căn cứ", "Xét"))]
    paragraphs = [(_fill(s, rng, commune), False) for s in grounds[: rng.randint(0, 3)]]
    while sentences:
        if rng.random() < 0.12:
            paragraphs.append((rng.choice(NOTICES), True))
        take = rng.randint(1, 3)
        chosen, sentences = sentences[:take], sentences[take:]
        paragraphs.append((" ".join(_fill(s, rng, commune) for s in chosen), False))
    signer_title, signer_role = rng.choice(SIGNERS)
    signer = (*(s for s in (signer_title, signer_role) if s), rng.choice(PEOPLE))
    parent, body = rng.choice(ISSUERS)
    upper = {"commune": commune.upper(), "province": province.upper()}
    return _Content(
        commune=commune,
        issuer=(parent.format(**upper), body.format(**upper)),
        number=f"Số: {rng.randint(1, 350)}/{code}",
        date_line=f"{commune}, {_viet_date(day, month, 2025)}",
        title=title,
        abstract=abstract,
        paragraphs=tuple(paragraphs),
        signer=signer,
        centred_header=rng.random() < 0.25,
        justify=rng.random() < 0.6,
    )


@dataclass(frozen=True)
class _Frame:
    """Page geometry and fonts shared by the layout steps."""

    left: int
    right: int
    floor: int
    pitch: int
    body: ImageFont.FreeTypeFont
    bold: ImageFont.FreeTypeFont
    header_bold: ImageFont.FreeTypeFont
    header_regular: ImageFont.FreeTypeFont
    title: ImageFont.FreeTypeFont

    @property
    def width(self) -> int:
        return self.right - self.left


def _header_two_columns(page: _Typesetter, frame: _Frame, content: _Content, y: int) -> int:
    """Issuing body left, national header right, then number left and date right.

    Lines are emitted row by row, left before right, because that is the order in
    which Tesseract and PDF text extraction read two columns that share baselines.
    """
    dpi = page.dpi
    right_lines = [(NATIONAL_HEADER, frame.header_bold), (MOTTO, frame.bold)]
    right_width = round(max(f.getlength(t) for t, f in right_lines)) + _cm(0.2, dpi)
    left_width = max(_cm(6.0, dpi), frame.width - right_width - _cm(0.8, dpi))
    right_left = frame.right - right_width
    parent, body = content.issuer
    left_lines = [
        (row, font)
        for text, font in ((parent, frame.header_regular), (body, frame.header_bold))
        for part in text.split("\n")
        for row in page.wrap(part, font, left_width)
    ]
    right_rows = [(t.split(), f) for t, f in right_lines]
    rule_gap = round(frame.pitch * 0.3)
    for row in range(max(len(left_lines), len(right_rows))):
        row_y = y + row * frame.pitch
        if row < len(left_lines):
            words, font = left_lines[row]
            drawn = page.line(words, font, frame.left, left_width, row_y, "centre")
            if drawn and row == len(left_lines) - 1:
                page.rule(frame.left + left_width // 2, row_y + rule_gap, _cm(2.5, dpi))
        if row < len(right_rows):
            words, font = right_rows[row]
            drawn = page.line(words, font, right_left, right_width, row_y, "centre")
            if drawn and row == len(right_rows) - 1:
                page.rule(right_left + right_width // 2, row_y + rule_gap, _cm(5.5, dpi))
    y += max(len(left_lines), len(right_rows)) * frame.pitch + frame.pitch // 3
    number = content.number.split()
    page.line(number, frame.header_regular, frame.left, left_width, y, "centre")
    page.line(content.date_line.split(), frame.body, right_left, right_width, y, "centre")
    return y + frame.pitch


def _header_centred(page: _Typesetter, frame: _Frame, content: _Content, y: int) -> int:
    """National header and motto centred, date flush right: the layout of forms."""
    drawn = False
    for text, font in ((NATIONAL_HEADER, frame.header_bold), (MOTTO, frame.bold)):
        drawn = page.line(text.split(), font, frame.left, frame.width, y, "centre")
        y += frame.pitch
    if drawn:  # the rule belongs under the motto
        page.rule(frame.left + frame.width // 2, y - frame.pitch * 7 // 10, _cm(5.5, page.dpi))
    y += frame.pitch // 3
    page.line(content.date_line.split(), frame.body, frame.left, frame.width, y, "right")
    return y + frame.pitch


def _title(page: _Typesetter, frame: _Frame, content: _Content, y: int) -> int:
    """Bold upper-case title and the bold abstract under it, both centred."""
    y += frame.pitch // 2
    for row in page.wrap(content.title, frame.title, frame.width):
        page.line(row, frame.title, frame.left, frame.width, y, "centre")
        y += round(frame.pitch * 1.05)
    if content.abstract:
        for row in page.wrap(content.abstract, frame.bold, round(frame.width * 0.8)):
            page.line(row, frame.bold, frame.left, frame.width, y, "centre")
            y += frame.pitch
    return y + frame.pitch // 2


def _body(page: _Typesetter, frame: _Frame, content: _Content, y: int) -> int:
    """Paragraphs with a first-line indent, justified or flush left, until the floor."""
    indent = _cm(1.27, page.dpi)
    paragraph_gap = _px(6, page.dpi)
    for text, is_notice in content.paragraphs:
        font = frame.bold if is_notice else frame.body
        first_indent = 0 if is_notice else indent
        rows = page.wrap(text, font, frame.width - first_indent)
        # Only the first line is indented, so the rest is wrapped again at full width.
        rows = rows[:1] + page.wrap(" ".join(w for r in rows[1:] for w in r), font, frame.width)
        for number, row in enumerate(rows):
            if y > frame.floor or not page.has_budget:
                return y
            last = number == len(rows) - 1
            align = "justify" if content.justify and not last and not is_notice else "left"
            x = frame.left + (first_indent if number == 0 else 0)
            page.line(row, font, x, frame.right - x, y, align)
            y += frame.pitch
        y += paragraph_gap
    return y


def _signer(page: _Typesetter, frame: _Frame, content: _Content, y: int) -> None:
    """Authority and role in the right half, room for signature and seal, then the name."""
    left, width = frame.left + frame.width // 2, frame.width // 2
    *roles, name = content.signer
    for role in roles:
        page.line(role.split(), frame.bold, left, width, y, "centre")
        y += frame.pitch
    page.line(name.split(), frame.bold, left, width, y + 2 * frame.pitch, "centre")


def render_page(
    seed: int, *, dpi: int = 300, n_lines: int | None = None, font_pt: float = 13.0
) -> RenderedPage:
    """Draw an A4 Decree-30-style page; the same arguments always give the same pixels.

    Margins are 3 cm left, 2 cm right, top and bottom; line pitch is 1.3 × the body
    size. ``n_lines`` caps the number of drawn lines (header lines count); without it
    the body fills the page above the signer block, about 35 lines at 13 pt.
    """
    rng = random.Random(seed)
    content = _compose(rng)
    page = _Typesetter(dpi, n_lines)
    width, height = page.image.size
    size = _px(font_pt, dpi)
    pitch = round(size * 1.3)
    frame = _Frame(
        left=_cm(3.0, dpi),
        right=width - _cm(2.0, dpi),
        floor=height - _cm(2.0, dpi) - pitch * (len(content.signer) + 3),
        pitch=pitch,
        body=load_font(SERIF_REGULAR, size),
        bold=load_font(SERIF_BOLD, size),
        header_bold=load_font(SERIF_BOLD, _px(font_pt - 1, dpi)),
        header_regular=load_font(SERIF_REGULAR, _px(font_pt - 1, dpi)),
        title=load_font(SERIF_BOLD, _px(font_pt + 1, dpi)),
    )
    y = _cm(2.0, dpi) + round(size * 0.9)  # first baseline
    header = _header_centred if content.centred_header else _header_two_columns
    y = header(page, frame, content, y)
    y = _title(page, frame, content, y)
    y = _body(page, frame, content, y)
    _signer(page, frame, content, max(y + pitch // 2, frame.floor + pitch))
    return RenderedPage(
        image=page.image,
        dpi=dpi,
        text=unicodedata.normalize("NFC", "\n".join(page.lines)),
        words=tuple(page.words),
    )


# ---------------------------------------------------------------------------------------
# Degradations: pure Image -> Image functions
# ---------------------------------------------------------------------------------------


def _rgb(img: Image.Image) -> Image.Image:
    return img if img.mode == "RGB" else img.convert("RGB")


def _a4_dpi(img: Image.Image) -> int:
    """Resolution implied by an A4 page's short side (presets only receive the image)."""
    return max(72, round(min(img.size) / A4_INCHES[0]))


def skew(img: Image.Image, degrees: float) -> Image.Image:
    """Rotate counter-clockwise about the centre, growing the canvas with white paper."""
    return _rgb(img).rotate(
        degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=WHITE
    )


def rotate_quadrant(img: Image.Image, degrees: int) -> Image.Image:
    """A page fed sideways or upside down: exact counter-clockwise quarter turns."""
    turns = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }
    if degrees % 360 == 0:
        return _rgb(img).copy()
    if degrees % 360 not in turns:
        raise ValueError(f"rotate_quadrant takes multiples of 90 degrees, not {degrees}")
    return _rgb(img).transpose(turns[degrees % 360])


def salt_and_pepper(img: Image.Image, amount: float, seed: int) -> Image.Image:
    """Set ``amount`` of all pixels to pure black or white, half each (dust, sensor noise)."""
    pixels = np.array(_rgb(img))
    draws = np.random.default_rng(seed).random(pixels.shape[:2], dtype=np.float32)
    pixels[draws < amount / 2] = 0
    pixels[(draws >= amount / 2) & (draws < amount)] = 255
    return Image.fromarray(pixels, "RGB")


def blur(img: Image.Image, radius: float) -> Image.Image:
    """Out-of-focus phone photo or a dirty scanner lens."""
    return _rgb(img).filter(ImageFilter.GaussianBlur(radius))


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    """Round trip through JPEG, as scanners and phones save by default."""
    buffer = io.BytesIO()
    _rgb(img).save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")


def _smooth_noise(rng: np.random.Generator, size: tuple[int, int], cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1]: a coarse random grid upsampled bicubically."""
    grid = (rng.random((cells, cells)) * 255).astype(np.uint8)
    field = Image.fromarray(grid, "L").resize(size, Image.Resampling.BICUBIC)
    return np.asarray(field, dtype=np.float32) / 255


def uneven_shadow(img: Image.Image, strength: float, seed: int) -> Image.Image:
    """Darken the paper smoothly as light does: a cast shadow, falloff and a gutter.

    A phone held over the page casts a soft-edged shadow across it, lamps fall off
    towards one side and a book scanner darkens the spine; the light is multiplied
    in, so ink stays black and only the paper dims. ``strength`` is what the paper
    in full shadow loses (0.6 → 40 % of its brightness). The field is smooth, so it
    is built at a sixteenth of the resolution and scaled up.
    """
    rng = np.random.default_rng(seed)
    base = _rgb(img)
    small = (max(8, base.width // 16), max(8, base.height // 16))
    ys, xs = np.mgrid[0 : small[1], 0 : small[0]].astype(np.float32)
    xs /= small[0]
    ys /= small[1]
    # Cast shadow: a half-plane through a point in the middle of the page.
    angle = rng.uniform(0, 2 * math.pi)
    px, py = rng.uniform(0.3, 0.7, size=2)
    signed = (xs - px) * math.cos(angle) + (ys - py) * math.sin(angle)
    cast = 1 / (1 + np.exp(-signed / rng.uniform(0.02, 0.06)))
    # Light falloff across the page and a dark band along one edge (the gutter).
    falloff_angle = rng.uniform(0, 2 * math.pi)
    falloff = xs * math.cos(falloff_angle) + ys * math.sin(falloff_angle)
    falloff = (falloff - falloff.min()) / max(1e-6, float(np.ptp(falloff)))
    edge = (xs, 1 - xs, ys, 1 - ys)[rng.integers(4)]
    gutter = np.exp(-((edge / rng.uniform(0.04, 0.1)) ** 2))
    blotches = _smooth_noise(rng, small, 5)
    darkness = 0.75 * cast + 0.25 * falloff + 0.6 * gutter + 0.1 * blotches
    darkness = np.clip(darkness, 0, 1)
    shade = Image.fromarray(((1 - strength * darkness) * 255 + 0.5).astype(np.uint8), "L")
    shade = shade.resize(base.size, Image.Resampling.BICUBIC)
    return ImageChops.multiply(base, Image.merge("RGB", (shade, shade, shade)))


def _ink_centre(img: Image.Image, rng: random.Random) -> tuple[int, int]:
    """A point on a text line in the lower part of the inked area, right of centre."""
    gray = np.asarray(_rgb(img).convert("L").reduce(4)) < 128
    rows = np.flatnonzero(gray.any(axis=1))
    if rows.size == 0:
        return img.width // 2, img.height // 2
    lower = rows[rows >= rows[0] + (rows[-1] - rows[0]) * 0.4]
    y = int(rng.choice(lower.tolist())) * 4
    x = round(img.width * rng.uniform(0.45, 0.7))
    return x, y


def _blend_ink(
    img: Image.Image, alpha: Image.Image, colour: tuple[int, int, int], origin: tuple[int, int]
) -> Image.Image:
    """Multiply coloured ink into the page so what lies underneath stays dark."""
    page = np.array(_rgb(img), dtype=np.float32)
    ink = np.asarray(alpha, dtype=np.float32) / 255
    x0, y0 = origin
    # Clip the stamp to the page.
    sx0, sy0 = max(0, -x0), max(0, -y0)
    px0, py0 = max(0, x0), max(0, y0)
    px1 = min(page.shape[1], x0 + ink.shape[1])
    py1 = min(page.shape[0], y0 + ink.shape[0])
    if px1 <= px0 or py1 <= py0:
        return _rgb(img).copy()
    ink = ink[sy0 : sy0 + py1 - py0, sx0 : sx0 + px1 - px0, None]
    tint = 1 - ink * (1 - np.asarray(colour, dtype=np.float32) / 255)
    page[py0:py1, px0:px1] *= tint
    return Image.fromarray(np.clip(page + 0.5, 0, 255).astype(np.uint8), "RGB")


def _seal_layer(radius: int, text: str, seed: int) -> Image.Image:
    """Ink coverage (L) of a round seal: rings, text round the rim, a star in the middle."""
    rng = np.random.default_rng(seed)
    size = 2 * radius + 8
    c = size / 2
    layer = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(layer)
    outer_w = max(2, round(radius * 0.06))
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=outer_w)
    inner = radius * 0.7
    draw.ellipse(
        (c - inner, c - inner, c + inner, c + inner), outline=255, width=max(1, outer_w // 3)
    )

    # Upper-case text whose baseline runs clockwise round the band between the rings,
    # centred on the top and spanning most of the circle.
    band = radius - outer_w - inner
    font = load_font(SANS_BOLD, max(6, round(band * 0.62)))
    baseline_r = inner + band * 0.22
    advances = [font.getlength(ch) for ch in text]
    span = 2 * math.pi * 0.8
    scale = span * baseline_r / sum(advances)
    theta = -math.pi / 2 - span / 2
    glyph_box = round(band * 1.6)
    for ch, advance in zip(text, advances, strict=True):
        step = advance * scale / baseline_r
        mid = theta + step / 2
        theta += step
        if ch.isspace():
            continue
        glyph = Image.new("L", (glyph_box, glyph_box), 0)
        ImageDraw.Draw(glyph).text(
            (glyph_box / 2, glyph_box / 2), ch, font=font, fill=255, anchor="ms"
        )
        glyph = glyph.rotate(-math.degrees(mid) - 90, resample=Image.Resampling.BICUBIC)
        gx = round(c + baseline_r * math.cos(mid) - glyph_box / 2)
        gy = round(c + baseline_r * math.sin(mid) - glyph_box / 2)
        region = (gx, gy, gx + glyph_box, gy + glyph_box)
        layer.paste(ImageChops.lighter(layer.crop(region), glyph), region)

    def star(cx: float, cy: float, r: float) -> None:
        points = [
            (
                cx + (r if k % 2 == 0 else r * 0.382) * math.cos(-math.pi / 2 + k * math.pi / 5),
                cy + (r if k % 2 == 0 else r * 0.382) * math.sin(-math.pi / 2 + k * math.pi / 5),
            )
            for k in range(10)
        ]
        draw.polygon(points, fill=255)

    star(c, c, inner * 0.55)
    star(c, c + baseline_r + band * 0.2, band * 0.35)  # the small star closing the rim text

    # Real stamps land at any angle and are uneven: blotchy ink, dry specks, soft
    # edges, but no faint halo (ink is either on the paper or not).
    layer = layer.rotate(float(rng.uniform(-25, 25)), resample=Image.Resampling.BICUBIC)
    coverage = np.asarray(layer, dtype=np.float32) / 255
    coverage *= 0.7 + 0.3 * _smooth_noise(rng, layer.size, 6)
    coverage *= rng.random(coverage.shape, dtype=np.float32) > 0.06
    inked = Image.fromarray((coverage * 255).astype(np.uint8), "L")
    coverage = np.asarray(inked.filter(ImageFilter.GaussianBlur(max(0.5, radius / 300))))
    return Image.fromarray(np.where(coverage < 40, 0, coverage).astype(np.uint8), "L")


def red_seal(
    img: Image.Image,
    seed: int,
    center: tuple[int, int] | None = None,
    *,
    dpi: int | None = None,
    text: str = "ỦY BAN NHÂN DÂN XÃ LÂM BÌNH - TỈNH TUYÊN QUANG",
) -> Image.Image:
    """Stamp a red round official seal (radius 1.8 cm) over the page.

    By default it lands on body text lines, where it hurts OCR the most; the ink is
    multiplied in so black text under it stays black, as with a real stamp. ``dpi``
    defaults to what an A4 page of this image's size implies.
    """
    dpi = dpi or _a4_dpi(img)
    rng = random.Random(seed)
    radius = _cm(1.8, dpi)
    cx, cy = center if center is not None else _ink_centre(img, rng)
    layer = _seal_layer(radius, unicodedata.normalize("NFC", text), seed)
    origin = (cx - layer.width // 2, cy - layer.height // 2)
    return _blend_ink(img, layer, SEAL_RED, origin)


def ink_signature(
    img: Image.Image,
    seed: int,
    center: tuple[int, int] | None = None,
    *,
    dpi: int | None = None,
    colour: tuple[int, int, int] = INK_BLUE,
) -> Image.Image:
    """A pen signature scrawled across text: loops and a flourish in ballpoint ink."""
    dpi = dpi or _a4_dpi(img)
    rng = random.Random(seed)
    cx, cy = center if center is not None else _ink_centre(img, rng)
    width, height = _cm(6.0, dpi), _cm(2.2, dpi)
    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    loops = rng.randint(3, 6)
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(2)]
    points = []
    for i in range(600):
        t = i / 599
        turn = 2 * math.pi * loops * t + phases[0]
        # The backward cosine term outruns the forward drift, which is what makes loops.
        x = width * (0.05 + 0.85 * t + 0.07 * math.cos(turn))
        y = height * (0.5 + 0.28 * math.sin(turn) + 0.1 * math.sin(4.6 * t + phases[1]) - 0.2 * t)
        points.append((x, y))
    stroke = max(2, round(dpi / 60))
    draw.line(points, fill=230, width=stroke, joint="curve")
    flourish_y = height * rng.uniform(0.75, 0.9)
    draw.line(
        [(width * 0.1, flourish_y), (width * 0.95, flourish_y - height * rng.uniform(0.1, 0.3))],
        fill=230,
        width=stroke,
    )
    layer = layer.filter(ImageFilter.GaussianBlur(stroke / 4))
    return _blend_ink(img, layer, colour, (cx - width // 2, cy - height // 2))


# Named presets, each (image, seed) -> image. Amounts are calibrated to hurt raw
# Tesseract while staying within what a counter scanner or phone really produces.
DEGRADATIONS: dict[str, Callable[[Image.Image, int], Image.Image]] = {
    "clean": lambda img, seed: _rgb(img).copy(),
    "skew+5": lambda img, seed: skew(img, 5.0),
    "skew-5": lambda img, seed: skew(img, -5.0),
    "rot90": lambda img, seed: rotate_quadrant(img, 90),
    "rot180": lambda img, seed: rotate_quadrant(img, 180),
    "rot270": lambda img, seed: rotate_quadrant(img, 270),
    "salt_pepper": lambda img, seed: salt_and_pepper(img, 0.04, seed),
    "blur": lambda img, seed: blur(img, 3.0 * _a4_dpi(img) / 300),
    "jpeg40": lambda img, seed: jpeg(img, 40),
    "shadow": lambda img, seed: uneven_shadow(img, 0.5, seed),
    "seal": lambda img, seed: red_seal(img, seed),
    "signature": lambda img, seed: ink_signature(img, seed),
    "combined": lambda img, seed: jpeg(
        salt_and_pepper(
            skew(uneven_shadow(red_seal(img, seed), 0.45, seed), 3.0),
            0.02,
            seed,
        ),
        50,
    ),
}

# ---------------------------------------------------------------------------------------
# Writers for the input formats a commune centre hands in
# ---------------------------------------------------------------------------------------


def save_pdf(images: Iterable[Image.Image], path: Path | str, dpi: int, quality: int = 90) -> Path:
    """An image-only "scanned" PDF, one page per image at ``dpi``.

    Written with Pillow's PDF writer, which embeds RGB pages as JPEG (DCTDecode) like
    most scanners do; ``quality`` is that JPEG's quality.
    """
    # Fresh copies: Pillow leaves encoder settings on appended images otherwise.
    pages = [img.convert("RGB") for img in images]
    if not pages:
        raise ValueError("a PDF needs at least one page")
    first, *rest = pages
    first.save(
        path, "PDF", resolution=float(dpi), save_all=True, append_images=rest, quality=quality
    )
    return Path(path)


def save_tiff(
    images: Iterable[Image.Image], path: Path | str, dpi: int, compression: str = "tiff_lzw"
) -> Path:
    """A multi-page TIFF, every page tagged with ``dpi``."""
    pages = [img.convert("RGB") for img in images]
    if not pages:
        raise ValueError("a TIFF needs at least one page")
    first, *rest = pages
    first.save(
        path,
        "TIFF",
        dpi=(dpi, dpi),
        compression=compression,
        save_all=True,
        append_images=rest,
    )
    return Path(path)


def save_jpeg(img: Image.Image, path: Path | str, dpi: int, quality: int = 90) -> Path:
    """A JPEG with its JFIF density set to ``dpi``."""
    img.convert("RGB").save(path, "JPEG", dpi=(dpi, dpi), quality=quality)
    return Path(path)


def save_png(img: Image.Image, path: Path | str, dpi: int) -> Path:
    """A PNG with its pHYs chunk set to ``dpi``."""
    img.convert("RGB").save(path, "PNG", dpi=(dpi, dpi))
    return Path(path)


# ---------------------------------------------------------------------------------------
# Calibration: `python -m testkit.pagegen [seeds...]` prints the raw-Tesseract CER table.
# ---------------------------------------------------------------------------------------


def raw_tesseract(path: Path, dpi: int | None = None) -> str:
    """Plain ``tesseract -l vie`` on a file: the baseline every cleaning step must beat."""
    args = ["tesseract", str(path), "-", "-l", "vie", "--psm", "3"]
    if dpi:
        args += ["--dpi", str(dpi)]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout


def _raw_tesseract_cer(page: RenderedPage, preset: str, seed: int) -> float:
    """CER of plain Tesseract on a degraded page."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        save_png(DEGRADATIONS[preset](page.image, seed), path, page.dpi)
        return cer(page.text, raw_tesseract(path, page.dpi))


def _main(argv: Sequence[str]) -> None:
    seeds = [int(a) for a in argv] or [0, 1, 2]
    pages = {seed: render_page(seed) for seed in seeds}
    print("preset       " + "".join(f"  seed {s:<3}" for s in seeds))
    for preset in DEGRADATIONS:
        cells = [_raw_tesseract_cer(pages[s], preset, s) * 100 for s in seeds]
        print(f"{preset:<13}" + "".join(f"{c:>10.1f}" for c in cells), flush=True)


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
