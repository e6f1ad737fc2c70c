"""The document types a commune dossier holds, each declared once: code, label, title
rules, fields and the reader of its fields.

Everything else derives from :data:`TYPES`: the Vietnamese labels the pages
show (:data:`DOCUMENT_TYPES`), the title and marker rules
(``classifiers.rules``), the field names the API and corrections accept
(:data:`FIELDS_BY_TYPE`) and the field reading (``classifiers.fields.extract``).
A new type, or a new title of an old one, is one entry here.

The codes are part of the API (``document_type`` of a document, the ``type``
filter of search, ``PATCH`` corrections): never rename one. Titles are folded
(``classifiers.folded_text``: lower case, no accents, ``đ`` → ``d``) and a title
line must *start* with one of them: ``TỜ KHAI ĐĂNG KÝ KHAI SINH`` is a form, not a
birth certificate, and ``HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT`` a contract,
not a land title.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from classifiers.fields.business import business_fields
from classifiers.fields.citizen_id import citizen_id_fields
from classifiers.fields.civil_status import (
    birth_fields,
    death_fields,
    marital_status_fields,
    marriage_fields,
)
from classifiers.fields.diploma import diploma_fields
from classifiers.fields.field_types import Field
from classifiers.fields.holders import household_book_fields
from classifiers.fields.land import land_fields
from classifiers.fields.parties import contract_fields, power_of_attorney_fields
from classifiers.fields.reading import Document

Reader = Callable[[Document, dict[str, Field]], dict[str, Field]]
"""Reads a type's own fields from the document, given the common fields already read."""

COMMON_FIELDS = ("document_number", "issue_place", "issue_date")
"""Read on every document, whatever its type (``classifiers.fields.common``)."""

_PROBLEMS = ("id_number_problems",)

DERIVED_FIELDS = frozenset({"status_code"})
"""Fields computed from another field (``status_code`` from ``status``): a person corrects
the field they come from, never these."""
_PERSON = ("full_name", "date_of_birth", "sex")
_BIRTH = (
    "full_name",
    "date_of_birth",
    "place_of_birth",
    "sex",
    "ethnicity",
    "nationality",
    "mother_name",
    "father_name",
    "register_number",
    "register_book",
    "id_number",
    "date_of_birth_problems",
    *_PROBLEMS,
)


@dataclass(frozen=True)
class DocumentType:
    """One type of paper and everything the product knows about it."""

    code: str
    label: str  # Vietnamese, as the counter's pages show it
    titles: tuple[str, ...] = ()  # folded title openers
    whole_line_titles: tuple[
        str, ...
    ] = ()  # titles that must fill the line (``CĂN CỨ`` ≠ ``CĂN CƯỚC``)
    markers: tuple[str, ...] = ()  # folded phrases anywhere that only this type prints
    fields: tuple[str, ...] = ()  # fields besides COMMON_FIELDS it may return
    reader: Reader | None = None
    cited_by: str = ""  # the field that is this paper's number, when not its ``Số:``
    prints_number: bool = True  # False: a ``Số`` read on it is not a document number

    def __post_init__(self) -> None:
        if not set(self.whole_line_titles) <= set(self.titles):
            raise ValueError(f"{self.code}: whole-line titles must be titles too")


TYPES: tuple[DocumentType, ...] = (
    DocumentType(
        "citizen_id",
        "Căn cước, căn cước công dân, chứng minh nhân dân",
        titles=(
            "can cuoc cong dan",
            "citizen identity card",
            "can cuoc",
            "identity card",
            "giay chung minh nhan dan",
            "chung minh nhan dan",
        ),
        whole_line_titles=("can cuoc", "identity card"),
        markers=(
            "idvnm",
            "dac diem nhan dang",
            "personal identification number",
            # The old nine-digit card's own wording, printed on no other paper.
            "noi dkhk thuong tru",
            "dau vet rieng va di hinh",
        ),
        fields=(
            "id_number",
            "old_id_number",
            *_PERSON,
            "nationality",
            "place_of_origin",
            "place_of_residence",
            "expiry_date",
            *_PROBLEMS,
        ),
        reader=citizen_id_fields,
        cited_by="id_number",
        prints_number=False,  # the card's number is its ID number, not a ``Số`` read on it
    ),
    DocumentType(
        "birth_certificate",
        "Giấy khai sinh",
        # The English titles are those of the bilingual forms (a landscape sheet prints
        # them beside the Vietnamese; one OCR can read when the other is garbled).
        titles=("giay khai sinh", "ban sao giay khai sinh", "birth certificate"),
        fields=_BIRTH,
        reader=birth_fields,
    ),
    DocumentType(
        "birth_extract",
        "Trích lục khai sinh",
        titles=("trich luc khai sinh", "ban sao trich luc khai sinh", "extract of birth"),
        fields=_BIRTH,
        reader=birth_fields,
    ),
    DocumentType(
        "marriage_certificate",
        "Giấy chứng nhận kết hôn",
        titles=(
            "giay chung nhan ket hon",
            "trich luc ket hon",
            "marriage certificate",
            "certificate of marriage",
            "extract of marriage",
        ),
        fields=("husband_name", "wife_name", "registration_date"),
        reader=marriage_fields,
    ),
    DocumentType(
        "marital_status",
        "Giấy xác nhận tình trạng hôn nhân",
        titles=("giay xac nhan tinh trang hon nhan", "xac nhan tinh trang hon nhan"),
        fields=(
            "full_name",
            "status",
            "status_code",  # single, married, divorced, widowed: for other systems
            "purpose",
            "date_of_birth",
            "sex",
            "id_number",
            *_PROBLEMS,
        ),
        reader=marital_status_fields,
    ),
    DocumentType(
        "death_extract",
        "Trích lục khai tử / Giấy chứng tử",
        titles=(
            "trich luc khai tu",
            "giay chung tu",
            "giay bao tu",
            "extract of death",
            "death certificate",
        ),
        fields=("full_name", "date_of_death", "date_of_birth", "id_number", *_PROBLEMS),
        reader=death_fields,
    ),
    DocumentType(
        "land_use_certificate",
        "Giấy chứng nhận quyền sử dụng đất",
        titles=(
            "giay chung nhan quyen su dung dat",
            # The inner pages of a land title, often photographed alone: their section titles.
            "nguoi su dung dat chu so huu nha o va tai san khac gan lien voi dat",
            "thua dat nha o va tai san khac gan lien voi dat",
            "so do thua dat",
            "nhung thay doi sau khi cap giay chung nhan",
        ),
        fields=(
            "serial",
            "registry_number",
            "holder_name",
            "parcel_number",
            "map_sheet_number",
            "area",
            "land_use_purpose",
            "address",
        ),
        reader=land_fields,
        cited_by="registry_number",  # ``Số vào sổ cấp GCN``, not a ``Số:``
    ),
    DocumentType(
        "household_book",
        "Sổ hộ khẩu",
        titles=("so ho khau",),
        whole_line_titles=("so ho khau",),
        markers=("quan he voi chu ho",),
        fields=("head_of_household",),
        reader=household_book_fields,
    ),
    DocumentType(
        "application_form",
        "Tờ khai, đơn đề nghị",
        titles=(
            "to khai",
            "don de nghi",
            "don xin",
            "don dang ky",
            "ban cam doan",
            "phieu de nghi",
            "giay de nghi",
        ),
    ),
    DocumentType(
        "contract",
        "Hợp đồng",
        titles=("hop dong",),
        fields=("party_a", "party_b"),
        reader=contract_fields,
    ),
    DocumentType(
        "power_of_attorney",
        "Giấy ủy quyền",
        titles=("giay uy quyen",),
        fields=("grantor_name", "agent_name"),
        reader=power_of_attorney_fields,
    ),
    DocumentType(
        "diploma",
        "Văn bằng, chứng chỉ",
        titles=(
            "bang tot nghiep",
            "bang cu nhan",
            "bang ky su",
            "bang thac si",
            "bang tien si",
            "van bang",
            "chung chi",
        ),
        whole_line_titles=("chung chi",),
        fields=(*_PERSON, "serial", "registry_number", "id_number", *_PROBLEMS),
        reader=diploma_fields,
    ),
    DocumentType(
        "business_household_registration",
        "Giấy chứng nhận đăng ký hộ kinh doanh",
        titles=("giay chung nhan dang ky ho kinh doanh",),
        fields=(
            "business_name",
            "registration_number",
            "first_registration_date",
            "owner_name",
            "date_of_birth",
            "sex",
            "id_number",
            *_PROBLEMS,
        ),
        reader=business_fields,
    ),
    DocumentType("decision", "Quyết định", titles=("quyet dinh",)),
    DocumentType("minutes", "Biên bản", titles=("bien ban",)),
    DocumentType(
        "official_letter",
        "Công văn, thông báo, báo cáo, tờ trình",
        titles=("thong bao", "bao cao", "to trinh", "cong van"),
        markers=("kinh gui",),
    ),
    DocumentType("other", "Loại khác"),
)

BY_CODE: dict[str, DocumentType] = {t.code: t for t in TYPES}
OTHER = "other"
KNOWN_TYPES: tuple[str, ...] = tuple(t.code for t in TYPES if t.code != OTHER)

DOCUMENT_TYPES: dict[str, str] = {t.code: t.label for t in TYPES}
"""Code → Vietnamese label, in the declaration's order."""

FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {t.code: t.fields for t in TYPES if t.fields}
"""Field names each type may return besides COMMON_FIELDS (documentation, API schema,
corrections); a field is still absent when it is not found."""


def label(code: str) -> str:
    """The Vietnamese label of a type code; an unknown code is shown as it is."""
    return DOCUMENT_TYPES.get(code, code)


def correctable(name: str) -> bool:
    """Whether a person may type this field's value (not a check's findings, not derived)."""
    return not name.endswith("_problems") and name not in DERIVED_FIELDS


def field_names(code: str | None) -> Sequence[str]:
    """Every field a document of type ``code`` may carry (common ones first)."""
    declared = BY_CODE.get(code or "")
    return (*COMMON_FIELDS, *(declared.fields if declared else ()))
