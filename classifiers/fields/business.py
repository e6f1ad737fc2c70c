"""Household business registration certificate (Giấy chứng nhận đăng ký hộ kinh doanh)."""

from __future__ import annotations

import re

from classifiers.fields import labels
from classifiers.fields.field_types import Field
from classifiers.fields.lines import any_of, find_labelled
from classifiers.fields.person import person_fields
from classifiers.fields.readers import read_date, read_name, read_text
from classifiers.fields.reading import Document

_NAME = re.compile(labels.BUSINESS_NAME)
_OWNER = re.compile(labels.BUSINESS_OWNER)
_NUMBER = re.compile(labels.BUSINESS_NUMBER)
_CODE = re.compile(r"[0-9][0-9A-Z]{3,}")
_FIRST = re.compile(labels.FIRST_REGISTRATION)
_CHANGE = re.compile(labels.CHANGE_REGISTRATION)
_OWN = (
    labels.BUSINESS_NAME,
    labels.BUSINESS_NUMBER,
    labels.BUSINESS_OTHER,
    labels.FIRST_REGISTRATION,
    labels.CHANGE_REGISTRATION,
)
_STOPS = any_of(*_OWN)
_PERSON_STOPS = any_of(
    *_OWN, labels.SEX, labels.DATE_OF_BIRTH, labels.PERSONAL_ID, labels.PLACE_OF_RESIDENCE
)


def business_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """``business_name`` as printed, ``registration_number`` (mã số hộ kinh doanh,
    falling back to the certificate's ``Số:``), the first registration's date, and the
    owner (``owner_name``, birth date, sex, ID number) by the shared person reader."""
    fields: dict[str, Field] = person_fields(doc, *_OWN, name="owner_name")
    owner = read_name(doc, _OWNER, _PERSON_STOPS)
    if owner is not None:
        fields["owner_name"] = owner
    first = read_date(doc, _FIRST, _STOPS)
    if first is not None:
        fields["first_registration_date"] = first
    if "issue_date" not in common:
        # No dateline (lost under the stamp, or none printed): the certificate was issued
        # for its latest registration, the first or a change (``Đăng ký thay đổi lần thứ 2``).
        change = read_date(doc, _CHANGE, _STOPS)
        latest = max(
            (d for d in (first, change) if d is not None), key=lambda d: d.value, default=None
        )
        if latest is not None:
            fields["issue_date"] = latest
    name = read_text(doc, _NAME, _STOPS)
    if name is not None:
        fields["business_name"] = name
    found = find_labelled(doc.lines, _NUMBER, _STOPS, accept=lambda v: bool(_CODE.match(v)))
    if found is not None:
        code = _CODE.match(found.value)
        fields["registration_number"] = doc.found(code.group() if code else found.value, found)
    elif "document_number" in common:
        fields["registration_number"] = common["document_number"]
    return fields
