"""The document types a commune dossier holds: stable codes and their Vietnamese labels.

The codes are part of the API (``document_type`` of a document, the ``type``
filter of search, ``PATCH`` corrections): never rename one. Labels are what the
counter's pages show.
"""

from __future__ import annotations

DOCUMENT_TYPES: dict[str, str] = {
    "citizen_id": "Căn cước, căn cước công dân, chứng minh nhân dân",
    "birth_certificate": "Giấy khai sinh",
    "birth_extract": "Trích lục khai sinh",
    "marriage_certificate": "Giấy chứng nhận kết hôn",
    "marital_status": "Giấy xác nhận tình trạng hôn nhân",
    "death_extract": "Trích lục khai tử / Giấy chứng tử",
    "land_use_certificate": "Giấy chứng nhận quyền sử dụng đất",
    "household_book": "Sổ hộ khẩu",
    "application_form": "Tờ khai, đơn đề nghị",
    "contract": "Hợp đồng",
    "power_of_attorney": "Giấy ủy quyền",
    "diploma": "Văn bằng, chứng chỉ",
    "business_household_registration": "Giấy chứng nhận đăng ký hộ kinh doanh",
    "decision": "Quyết định",
    "minutes": "Biên bản",
    "official_letter": "Công văn, thông báo, báo cáo, tờ trình",
    "other": "Loại khác",
}

OTHER = "other"
KNOWN_TYPES: tuple[str, ...] = tuple(t for t in DOCUMENT_TYPES if t != OTHER)


def label(code: str) -> str:
    """The Vietnamese label of a type code; an unknown code is shown as it is."""
    return DOCUMENT_TYPES.get(code, code)
