"""Diplomas and certificates (bằng tốt nghiệp, văn bằng, chứng chỉ): the graduate and the numbers.

The graduate's name, birth date and sex come from the shared person reader;
the serial (``Số hiệu``) and the registry number (``Số vào sổ cấp bằng``) are
the diploma's own, often printed in red at the foot (read by the coloured-ink
layer) and bilingual on university diplomas.
"""

from __future__ import annotations

import re

from classifiers.fields import labels
from classifiers.fields.field_types import Field
from classifiers.fields.lines import any_of, find_labelled, name_case
from classifiers.fields.person import person_fields
from classifiers.fields.person_names import correct_name
from classifiers.fields.reading import Document

_SERIAL = re.compile(labels.DIPLOMA_SERIAL)
_REGISTRY = re.compile(labels.DIPLOMA_REGISTRY)
_OWN = (labels.DIPLOMA_SERIAL, labels.DIPLOMA_REGISTRY, labels.DIPLOMA_OTHER)
_STOPS = any_of(*_OWN)
_NUMBER = re.compile(r"[A-ZĐ0-9][A-ZĐ0-9./-]*(?:\s?[0-9][0-9./-]*)?")


def _number_after(doc: Document, label: re.Pattern[str]) -> Field | None:
    """The first token that carries a digit after the label: ``A 0123456``, ``QH-2019/123``."""

    def fits(value: str) -> bool:
        match = _NUMBER.match(value.strip())
        return match is not None and any(ch.isdigit() for ch in match.group())

    found = find_labelled(doc.lines, label, _STOPS, accept=fits)
    if found is None:
        return None
    match = _NUMBER.match(found.value.strip())
    assert match is not None  # ``fits`` accepted it
    return doc.found(match.group().strip(), found)


_GRANTEE = re.compile(r"^\W*(?:cap\s*)?cho\b\s*:?|\bconferred\s*(?:up)?on\b|^\W*upon\b\s*:?")
_HONORIFIC = re.compile(
    r"^(?:(Ông)\s+(?=\S+\s+\S+\s+\S)|(Bà|Anh|Chị|Mr\.?|Mrs\.?|Ms\.?)\s+)", re.IGNORECASE
)
"""A title before the name. ``Ông`` is also a surname (``Ông Quang Ngữ``): it is a title only
before three syllables or more, as ``holders`` reads it."""
_SEX_OF_HONORIFIC = {"ông": "male", "anh": "male", "mr": "male", "bà": "female", "chị": "female"}
_GRANTEE_STOPS = any_of(*_OWN, r"\s(?:cap\s*)?cho\s*:", r"\supon\s*:", r"\sconferred\s")
"""Where the graduate's name ends: a bilingual diploma prints both halves on one line
(``Upon: Ngô Quang Hiếu Cho: Ngô Quang Hiếu``), so the other half's label ends it too."""


def _grantee(doc: Document) -> tuple[Field, Field | None] | None:
    """``Cho: Ông Thào Thế Phúc`` or ``Cho: Lương Thùy Thư`` (``Upon:`` on the English half):
    the graduate named after "to", and the sex a title (Ông, Bà) gives."""

    def a_name(value: str) -> bool:
        honorific = _HONORIFIC.match(value)
        rest = value[honorific.end() :] if honorific else value
        name = name_case(rest)
        if name is None or len(name.split()) < 2:
            return False
        # Without a title, only a name printed as one (``Cho phép …`` is a sentence).
        return honorific is not None or all(word[0].isupper() for word in rest.split())

    found = find_labelled(doc.lines, _GRANTEE, _GRANTEE_STOPS, accept=a_name)
    if found is None:
        return None
    honorific = _HONORIFIC.match(found.value)
    name = name_case(found.value[honorific.end() :] if honorific else found.value)
    if name is None:
        return None
    named = doc.found(correct_name(name).name, found)
    if honorific is None:
        return named, None
    title = honorific.group(1) or honorific.group(2)
    sex = _SEX_OF_HONORIFIC.get(title.lower().rstrip("."))
    by_title = doc.field(sex, named.confidence - 0.1, found.spans) if sex else None
    return named, by_title


def diploma_fields(doc: Document, common: dict[str, Field]) -> dict[str, Field]:
    """The graduate (``Họ và tên`` or ``Cho: Ông …``), birth date, sex, the serial, and the
    registry number, which is how a diploma is cited (its ``document_number``)."""
    fields = person_fields(doc, *_OWN)
    if "full_name" not in fields and (grantee := _grantee(doc)) is not None:
        fields["full_name"], sex = grantee
        if sex is not None and "sex" not in fields:
            fields["sex"] = sex
    for name, label in (("serial", _SERIAL), ("registry_number", _REGISTRY)):
        value = _number_after(doc, label)
        if value is not None:
            fields[name] = value
    if "registry_number" in fields:
        fields["document_number"] = fields["registry_number"]
    return fields
