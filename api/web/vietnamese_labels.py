"""Vietnamese words the pages show for the API's English codes.

The API keeps stable English codes (statuses, field names, error codes); a
clerk at the counter reads Vietnamese. Every code a page may show is here,
in one place, and an unknown code is shown as it is rather than hidden.
Document type labels live with the types (``classifiers.doctypes``).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from certify.signing_keys import MESSAGES as SIGNING_KEY_MESSAGES
from classifiers.doctypes import DOCUMENT_TYPES
from core.vietnamese import VIETNAM_TIME

STATUSES = {
    "queued": "Đang chờ xử lý",
    "processing": "Đang xử lý",
    "done": "Hoàn tất",
    "failed": "Lỗi",
    "open": "Đang mở",
    "closed": "Đã đóng",
}

CHECKLIST_STATES = {
    "present": "Đã có",
    "missing": "Còn thiếu",
    "needs_check": "Cần kiểm tra",
    "optional": "Không bắt buộc",
}

ROLES = {
    "clerk": "Cán bộ một cửa",
    "officer": "Cán bộ chứng thực",
    "system": "Hệ thống",
    "intake": "Phần mềm một cửa",
    "admin": "Quản trị",
}

FIELDS = {
    "applicant_name": "Người nộp hồ sơ",
    "applicant_id_number": "Số định danh người nộp hồ sơ",
    "document_number": "Số văn bản",
    "issue_place": "Nơi cấp",
    "issue_date": "Ngày cấp",
    "id_number": "Số định danh cá nhân",
    "old_id_number": "Số CMND cũ",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "sex": "Giới tính",
    "ethnicity": "Dân tộc",
    "nationality": "Quốc tịch",
    "place_of_origin": "Quê quán",
    "place_of_residence": "Nơi thường trú",
    "place_of_birth": "Nơi sinh",
    "expiry_date": "Có giá trị đến",
    "mother_name": "Họ và tên mẹ",
    "father_name": "Họ và tên cha",
    "register_number": "Số đăng ký",
    "register_book": "Quyển số",
    "husband_name": "Họ và tên chồng",
    "wife_name": "Họ và tên vợ",
    "status": "Tình trạng hôn nhân",
    "status_code": "Mã tình trạng hôn nhân",
    "registration_date": "Ngày đăng ký",
    "purpose": "Mục đích sử dụng",
    "date_of_death": "Ngày chết",
    "serial": "Số seri",
    "registry_number": "Số vào sổ",
    "registration_number": "Số đăng ký",
    "parcel_number": "Thửa đất số",
    "map_sheet_number": "Tờ bản đồ số",
    "area": "Diện tích",
    "land_use_purpose": "Mục đích sử dụng đất",
    "address": "Địa chỉ",
    "holder_name": "Người sử dụng đất",
    "head_of_household": "Chủ hộ",
    "party_a": "Bên A",
    "party_b": "Bên B",
    "grantor_name": "Bên ủy quyền",
    "agent_name": "Bên được ủy quyền",
    "business_code": "Mã số hộ kinh doanh",
    "business_name": "Tên hộ kinh doanh",
    "owner_name": "Chủ hộ kinh doanh",
    "capital": "Vốn kinh doanh",
    "first_registration_date": "Ngày đăng ký lần đầu",
    "mrz": "Vùng đọc máy (MRZ)",
    "qr": "Mã QR",
    "id_number_problems": "Lỗi kiểm tra số định danh",
    "date_of_birth_problems": "Lỗi kiểm tra ngày sinh",
}

ERRORS = {
    "unsupported_type": "Loại tệp không được nhận: chỉ nhận PDF, TIFF, JPEG, PNG, WebP, HEIC.",
    "too_large": "Tệp quá lớn (dung lượng, số trang hoặc số điểm ảnh).",
    "file_too_large": "Tệp vượt quá dung lượng cho phép.",
    "too_many_files": "Quá nhiều tệp trong một lần tải.",
    "empty_file": "Tệp rỗng.",
    "corrupt_file": "Tệp bị hỏng hoặc không đọc được.",
    "password_protected": "Tệp PDF có mật khẩu.",
    "encrypted_pdf": "Tệp PDF bị mã hóa hoặc hạn chế quyền.",
    "store_unavailable": "Kho lưu trữ tạm thời không truy cập được; hãy thử lại sau.",
    "unauthorized": "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.",
    "csrf_failed": "Yêu cầu không hợp lệ; hãy tải lại trang.",
    "forbidden": "Khóa của bạn không có quyền này.",
    "document_busy": "Tài liệu đang được xử lý.",
    "document_not_ready": "Tài liệu chưa xử lý xong; hãy đợi rồi thử lại.",
    # Certifying a copy (POST /documents/{id}/certify) and clearing a comparison first.
    "already_certified": "Bản sao này đã được chứng thực (mỗi tài liệu chỉ chứng thực một lần).",
    "comparison_differences": "Bản sao có chỗ khác bản chính: hãy xem kỹ rồi bấm “Đã kiểm tra” "
    "trước khi chứng thực.",
    "original_not_ready": "Bản chính chưa xử lý xong hoặc đã bị xóa: chưa chứng thực được.",
    "comparison_not_of_document": "Lần đối chiếu này không phải của bản sao này.",
    "comparison_not_found": "Không tìm thấy lần đối chiếu này trong các đơn vị của bạn.",
    "not_in_queue": "Lần đối chiếu này đã được đánh dấu đã kiểm tra.",
    **{
        code: f"{message}: hãy báo quản trị viên." for code, message in SIGNING_KEY_MESSAGES.items()
    },
    # The public verification of a certified copy (/xac-minh).
    "too_many_requests": "Quá nhiều lượt kiểm tra từ máy này; hãy thử lại sau ít phút.",
    "one_file": "Hãy chọn đúng một tệp PDF bản sao chứng thực.",
    "no_files": "Hãy chọn tệp PDF bản sao chứng thực cần kiểm tra.",
    "multipart_required": "Hãy chọn tệp PDF bản sao chứng thực cần kiểm tra.",
    "malformed_multipart": "Tệp gửi lên không trọn vẹn; hãy thử lại.",
}

VERIFICATION_REASONS = {
    "ok": "Bản sao có trong sổ chứng thực điện tử, chữ ký số hợp lệ và tệp không bị sửa đổi "
    "sau khi ký.",
    "not_in_register": "Không tìm thấy bản sao này trong sổ chứng thực điện tử.",
    "register_mismatch": "Tệp không trùng với bản sao đã cấp theo số chứng thực này.",
    "signature_invalid": "Chữ ký số không hợp lệ.",
    "modified_after_signing": "Tệp đã bị sửa đổi sau khi ký số.",
    "untrusted_signer": "Chữ ký số không thuộc chứng thư số được tin cậy.",
    "no_signature": "Tệp không có chữ ký số.",
    "several_signatures": "Tệp có nhiều chữ ký số, khác với bản sao đã cấp.",
    "not_pdf": "Tệp không phải là tệp PDF.",
    "unreadable_pdf": "Tệp PDF bị hỏng hoặc không đọc được.",
    "empty_file": "Tệp rỗng.",
    "too_large": "Tệp quá lớn để kiểm tra.",
}
"""The public verification's answer (``certify.issuing.PublicCheck.reason``) in words."""

SEXES = {"male": "Nam", "female": "Nữ"}
MARITAL_STATUSES = {
    "single": "Chưa kết hôn",
    "married": "Đang có vợ/chồng",
    "divorced": "Đã ly hôn",
    "widowed": "Vợ/chồng đã chết",
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

LOW_CONFIDENCE = 0.8
"""Below this, a field or a type is marked for a person to check."""


def type_options() -> list[tuple[str, str]]:
    """(code, Vietnamese label) of every document type, in the order of ``classifiers.doctypes``."""
    return list(DOCUMENT_TYPES.items())


def field_label(name: str) -> str:
    return FIELDS.get(name, name.replace("_", " "))


def field_value(name: str, value: str) -> str:
    """A stored field value as the counter reads it: ``dd/mm/yyyy`` for an ISO date,
    ``Nam``/``Nữ`` for the sex codes, the marital status in words; the rest as stored.

    The API keeps the stored form (ISO dates, codes); corrections accept both forms
    (``classifiers.fields.corrections``), so what a page shows can be sent back as it is.
    """
    if name == "sex":
        return SEXES.get(value, value)
    if name == "status_code":
        return MARITAL_STATUSES.get(value, value)
    date = _ISO_DATE.fullmatch(value)
    if date is not None and (name.endswith("_date") or name.startswith("date_of_")):
        year, month, day = date.groups()
        return f"{day}/{month}/{year}"
    return value


def part_pages(part: object) -> str:
    """``Trang 3`` or ``Trang 1–2``: the pages a paper inside a file takes."""
    first, last = getattr(part, "first_page", 0), getattr(part, "last_page", 0)
    return f"Trang {first}" if first == last else f"Trang {first}–{last}"


def status_label(code: str | None) -> str:
    return STATUSES.get(code or "", code or "")


def verification_reason(code: str) -> str:
    return VERIFICATION_REASONS.get(code, code)


def checklist_state(code: str) -> str:
    return CHECKLIST_STATES.get(code, code)


def role_label(code: str) -> str:
    return ROLES.get(code, code)


def local_time(value: datetime | None) -> str:
    """``dd/mm/yyyy HH:MM`` in Vietnam time, as the counter reads a date."""
    return value.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M") if value else ""


def local_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def percent(value: float | None) -> str:
    return f"{round(value * 100)} %" if value is not None else ""
