"""Household business registration certificate (Giấy chứng nhận đăng ký hộ kinh doanh)."""

from __future__ import annotations

import re

from classifiers.fields import labels
from classifiers.fields.field_types import Field
from classifiers.fields.lines import any_of, find_labelled
from classifiers.fields.readers import read_text
from classifiers.fields.reading import Document

_NAME = re.compile(labels.BUSINESS_NAME)
_NUMBER = re.compile(labels.BUSINESS_NUMBER)
_STOPS = any_of(labels.BUSINESS_NAME, labels.BUSINESS_NUMBER, labels.BUSINESS_OTHER)
_CODE = re.compile(r"[0-9][0-9A-Z]{3,}")


def business_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """``business_name`` as printed, ``registration_number`` (mã số hộ kinh doanh,
    falling back to the certificate's ``Số:``)."""
    fields: dict[str, Field] = {}
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
