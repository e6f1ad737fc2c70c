"""Key fields of classified documents, read from OCR text by pure functions.

The readers live here, one module per kind of paper; which type reads which
fields is declared once in ``classifiers.doctypes``, and
``classifiers.fields.extract.extract_fields`` applies that declaration. This
package imports neither, so the declaration can import the readers.
"""

from __future__ import annotations

from classifiers.fields.citizen_id import check_citizen_id
from classifiers.fields.dates import parse_date
from classifiers.fields.field_types import Field, PageText, Word
from classifiers.fields.id_card_qr import parse_id_qr
from classifiers.fields.mrz import check_digit, parse_td1
from classifiers.fields.personal_id import PROVINCES, decode_personal_id, validate_personal_id

__all__ = [
    "PROVINCES",
    "Field",
    "PageText",
    "Word",
    "check_citizen_id",
    "check_digit",
    "decode_personal_id",
    "parse_date",
    "parse_id_qr",
    "parse_td1",
    "validate_personal_id",
]
