"""The person a paper is about, read by labels any form uses: name, birth date, sex, ID number.

Diplomas, household business certificates and applications print the same
few labels in their own layouts (bilingual on diplomas: ``Họ và tên / Full
name``; in a table cell or on the next line): the label lexicon is folded and
OCR-tolerant (``classifiers.fields.labels``) and the value is found on the
label's line or the next (``classifiers.fields.lines.find_labelled``), so one
reader serves every type that declares these fields, whatever the layout.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from classifiers.fields import labels
from classifiers.fields.field_types import Field
from classifiers.fields.lines import any_of
from classifiers.fields.readers import (
    add_lost_labels,
    apply_id_checks,
    read_date,
    read_id_number,
    read_name,
    read_sex,
)
from classifiers.fields.reading import Document

_NAME = re.compile(labels.FULL_NAME)
_DOB = re.compile(labels.DATE_OF_BIRTH)
_SEX = re.compile(labels.SEX)
_ID = re.compile(labels.PERSONAL_ID)
_PERSON_STOPS = (
    labels.FULL_NAME,
    labels.DATE_OF_BIRTH,
    labels.SEX,
    labels.PERSONAL_ID,
    labels.NATIONALITY,
    labels.ETHNICITY,
    labels.PLACE_OF_BIRTH,
    labels.PLACE_OF_RESIDENCE,
)


def person_fields(doc: Document, *more_stops: str, name: str = "full_name") -> dict[str, Field]:
    """``name`` (the person's name under that field name), ``date_of_birth``, ``sex`` and a
    checked ``id_number``, each only when its label is found with a value that fits."""
    stops = any_of(*_PERSON_STOPS, *more_stops)
    readers: dict[str, Callable[[], Field | None]] = {
        name: lambda: read_name(doc, _NAME, stops),
        "date_of_birth": lambda: read_date(doc, _DOB, stops),
        "sex": lambda: read_sex(doc, _SEX, stops),
        "id_number": lambda: read_id_number(doc, _ID, stops),
    }
    fields = {field: value for field, read in readers.items() if (value := read()) is not None}
    if "id_number" in fields:
        apply_id_checks(fields)
    add_lost_labels(doc, fields)
    return fields
