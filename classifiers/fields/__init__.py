"""Key fields of classified documents, read from OCR text by pure functions.

``extract_fields(document_type, pages, qr_payloads)`` returns the fields common to
every document (``document_number``, ``issue_place``, ``issue_date``) plus those of
its type. A field that is not found is absent: nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from classifiers.fields.business import business_fields
from classifiers.fields.citizen_id import check_citizen_id, citizen_id_fields
from classifiers.fields.civil_status import (
    birth_fields,
    death_fields,
    marital_status_fields,
    marriage_fields,
)
from classifiers.fields.common import common_fields
from classifiers.fields.dates import parse_date
from classifiers.fields.diploma import diploma_fields
from classifiers.fields.field_types import Field, PageText, Word
from classifiers.fields.id_card_qr import parse_id_qr
from classifiers.fields.land import land_fields
from classifiers.fields.mrz import check_digit, parse_td1
from classifiers.fields.parties import party_fields
from classifiers.fields.personal_id import PROVINCES, decode_personal_id, validate_personal_id
from classifiers.fields.reading import Document

__all__ = [
    "FIELDS_BY_TYPE",
    "PROVINCES",
    "Field",
    "PageText",
    "Word",
    "check_citizen_id",
    "check_digit",
    "decode_personal_id",
    "extract_fields",
    "parse_date",
    "parse_id_qr",
    "parse_td1",
    "validate_personal_id",
]

TypeExtractor = Callable[[Document, dict[str, Field]], dict[str, Field]]

_EXTRACTORS: dict[str, TypeExtractor] = {
    "birth_certificate": birth_fields,
    "birth_extract": birth_fields,
    "marital_status": marital_status_fields,
    "marriage_certificate": marriage_fields,
    "death_extract": death_fields,
    "land_use_certificate": land_fields,
    "business_household_registration": business_fields,
    "diploma": diploma_fields,
    "contract": lambda doc, _common: party_fields("contract", doc),
    "power_of_attorney": lambda doc, _common: party_fields("power_of_attorney", doc),
}

COMMON_FIELDS = ("document_number", "issue_place", "issue_date")
_PROBLEMS = ("id_number_problems",)

# Field names each type may return besides the common ones (documentation and API
# schema; a field is still absent when it is not found).
FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "citizen_id": (
        "id_number",
        "old_id_number",
        "full_name",
        "date_of_birth",
        "sex",
        "nationality",
        "place_of_origin",
        "place_of_residence",
        "expiry_date",
        *_PROBLEMS,
    ),
    "birth_certificate": (
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
    ),
    "land_use_certificate": (
        "serial",
        "registry_number",
        "parcel_number",
        "map_sheet_number",
        "area",
        "land_use_purpose",
        "address",
    ),
    "marital_status": (
        "full_name",
        "status",
        "purpose",
        "date_of_birth",
        "sex",
        "id_number",
        *_PROBLEMS,
    ),
    "marriage_certificate": ("husband_name", "wife_name", "registration_date"),
    "death_extract": ("full_name", "date_of_death", "date_of_birth", "id_number", *_PROBLEMS),
    "business_household_registration": (
        "business_name",
        "registration_number",
        "first_registration_date",
        "owner_name",
        "date_of_birth",
        "sex",
        "id_number",
        *_PROBLEMS,
    ),
    "contract": ("party_a", "party_b"),
    "power_of_attorney": ("grantor_name", "agent_name"),
    "diploma": (
        "full_name",
        "date_of_birth",
        "sex",
        "serial",
        "registry_number",
        "id_number",
        *_PROBLEMS,
    ),
}
FIELDS_BY_TYPE["birth_extract"] = FIELDS_BY_TYPE["birth_certificate"]


def extract_fields(
    document_type: str, pages: Sequence[PageText], qr_payloads: Sequence[str] = ()
) -> dict[str, Field]:
    """The key fields of one document of ``document_type`` (a code of
    ``classifiers.doctypes``); unknown or field-less types get the common fields only.

    ``qr_payloads`` are decoded QR texts of the document's pages; ID-card payloads
    among them are used for ``citizen_id`` (other payloads are ignored).
    """
    doc = Document.of(pages)
    fields = common_fields(doc)
    if document_type == "citizen_id":
        # The card's number is its ID number: a "Số" read otherwise is not kept.
        fields.pop("document_number", None)
        fields.update(citizen_id_fields(doc, qr_payloads))
        return fields
    extractor = _EXTRACTORS.get(document_type)
    if extractor is not None:
        fields.update(extractor(doc, fields))
    if document_type == "land_use_certificate" and "registry_number" in fields:
        # A land title is cited by its registry number ("Số vào sổ cấp GCN"), not by a "Số:".
        fields["document_number"] = fields["registry_number"]
    return fields
